/** What Backstop shows under an agent answer (badge, sources, feedback), in the panel and in wrap mode. */
export const ANSWER_CSS = `
a{color:#1d4ed8;text-decoration:underline}
p{margin:0}
.sr{position:absolute;width:1px;height:1px;margin:-1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
.meta{display:flex;flex-direction:column;align-items:flex-start;gap:6px;margin-top:8px}
.badge{display:inline-flex;align-items:center;gap:4px;padding:1px 8px;border-radius:99px;font-size:12px;font-weight:600;line-height:20px;cursor:help}
.badge::before{font-weight:700}
.high{background:#dcfce7;color:#14532d}.high::before{content:"\\2713" / ""}
.medium{background:#fef3c7;color:#78350f}.medium::before{content:"~" / ""}
.low{background:#fee2e2;color:#7f1d1d}.low::before{content:"!" / ""}
.sources{margin:0;padding-left:18px;font-size:13px}
.fb{display:flex;flex-direction:column;gap:8px;width:100%}
.row{display:flex;flex-wrap:wrap;gap:6px}
.chip{padding:3px 10px;border:1px solid #9ca3af;border-radius:99px;background:#fff;font-size:13px}
.chip[aria-pressed=true]{background:var(--bp);border-color:var(--bp);color:var(--bt)}
.chip[aria-pressed=true]::before{content:"\\2713\\a0" / ""}
label{font-size:13px;font-weight:600}
textarea{display:block;width:100%;padding:6px 8px;border:1px solid #9ca3af;border-radius:8px;background:#fff;resize:vertical}
.count{align-self:flex-end;font-size:12px;color:#4b5563}
.primary{padding:6px 14px;border:0;border-radius:8px;background:var(--bp);color:var(--bt);font-weight:600}
.primary:disabled{opacity:.55;cursor:default}
.note{font-size:13px;color:#374151}
.err{color:#991b1b}
`;
