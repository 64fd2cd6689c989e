/**
 * Styles every host of ours starts with: `:host` resets everything the page could make us inherit (`all`
 * needs !important: page rules on the host element would otherwise beat `:host`); colours go through
 * custom properties so a host can theme them. Kept to what the launcher needs, since it is parsed at start.
 */
export const BASE_CSS = `
:host{all:initial!important;display:block!important}
[hidden]{display:none!important}
.root{--bp:var(--backstop-primary,#2563eb);--bt:var(--backstop-on-primary,#fff);font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:#111827;color-scheme:light;text-align:left;letter-spacing:normal}
*,::before,::after{box-sizing:border-box}
button,textarea{font:inherit;color:inherit;margin:0}
button{cursor:pointer}
:focus-visible{outline:2px solid var(--bp);outline-offset:2px}
`;
