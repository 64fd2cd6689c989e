/** The round launcher button; hidden while the panel covers a small screen. */
export const LAUNCHER_CSS = `
.launcher{position:fixed;z-index:2147483000;bottom:20px;right:20px;display:grid;place-items:center;width:56px;height:56px;padding:0;border:0;border-radius:50%;background:var(--bp);color:var(--bt);box-shadow:0 4px 14px rgba(0,0,0,.25)}
.left .launcher{right:auto;left:20px}
@media (max-width:480px){.open .launcher{display:none}}
`;
