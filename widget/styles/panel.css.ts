/** The chat panel, full screen on small viewports. Adopted when the panel first opens, after ANSWER_CSS. */
export const PANEL_CSS = `
.panel{position:fixed;z-index:2147483000;bottom:88px;right:20px;display:flex;flex-direction:column;width:380px;max-width:calc(100vw - 40px);height:600px;max-height:calc(100vh - 108px);border-radius:14px;background:#fff;box-shadow:0 10px 40px rgba(0,0,0,.25);overflow:hidden}
.left .panel{right:auto;left:20px}
.head{display:flex;align-items:center;justify-content:space-between;gap:8px;padding:12px 16px;background:var(--bp);color:var(--bt)}
h2{margin:0;font-size:16px;font-weight:600}
.x{width:32px;height:32px;padding:0;border:0;border-radius:8px;background:none;font-size:22px;line-height:1}
.log{flex:1;display:flex;flex-direction:column;gap:10px;padding:14px;overflow-y:auto}
.msg{max-width:90%;padding:8px 12px;border-radius:14px;overflow-wrap:anywhere}
.user{align-self:flex-end;background:var(--bp);color:var(--bt);white-space:pre-wrap}
.agent{align-self:flex-start;background:#f3f4f6}
.md>*+*{margin-top:6px}
ul,ol{margin:0;padding-left:20px}
code{padding:1px 4px;border-radius:4px;background:rgba(0,0,0,.07);font:.92em ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
pre{margin:0;padding:8px 10px;border-radius:8px;background:#111827;color:#f9fafb;overflow-x:auto}
pre code{padding:0;background:none}
.failed{display:flex;flex-direction:column;align-items:flex-start;gap:8px;border:1px solid #fca5a5;background:#fef2f2}
.typing{align-self:flex-start;display:flex;gap:4px;padding:12px 14px;border-radius:14px;background:#f3f4f6}
.typing i{width:7px;height:7px;border-radius:50%;background:#6b7280;animation:bs-dot 1s infinite alternate}
.typing i+i{animation-delay:.2s}.typing i+i+i{animation-delay:.4s}
@keyframes bs-dot{to{opacity:.2}}
@media (prefers-reduced-motion:reduce){.typing i{animation:none}}
.status{padding:6px 16px;font-size:12px;color:#374151;background:#f9fafb}
.status:empty{display:none}
.too-long{margin:0;padding:6px 12px 0}
.compose{display:flex;align-items:flex-end;gap:8px;padding:10px 12px;border-top:1px solid #e5e7eb}
.compose textarea{min-height:38px;max-height:120px;resize:none}
@media (max-width:480px){.root .panel{inset:0;width:auto;height:auto;max-width:none;max-height:none;border-radius:0}}
`;
