/**
 * A markdown subset rendered to Preact vnodes: paragraphs, line breaks, lists, **bold**, *italic*,
 * `code`, fenced code, [links](url), bare http(s) URLs, and one-line `#` headings (shown bold).
 *
 * Agent and user text are untrusted. Everything becomes text nodes inside a fixed set of elements (no
 * HTML is ever parsed), links are limited to http(s) and mailto, and images become links so nothing
 * remote loads by itself. Hostile input stays cheap: closers are found with a forward search whose
 * answer is cached per marker (so unclosed markers don't rescan the text), and nesting is capped.
 */
import { h, type ComponentChild } from 'preact';

/** Emphasis/link nesting beyond this is shown as literal text. */
const MAX_DEPTH = 6;
const SAFE_URL = /^(?:https?:\/\/|mailto:)[^\s\x00-\x1f\x7f<>"]+$/i;
const BARE_URL = /https?:\/\/[^\s<>"]+/iy;
const FENCE = /^ {0,3}(`{3,}|~{3,})/;
const ITEM = /^ {0,3}([-*+]|\d{1,9}[.)])[ \t]+(.*)$/;
const HEADING = /^ {0,3}#{1,6}[ \t]+(.*)$/;
/** Characters that end a sentence rather than a bare URL. */
const URL_TAIL = '.,;:!?\'")]*_';

/** The URL if it may become a link (http, https or mailto), else undefined. */
export function safeUrl(url: string): string | undefined {
  const u = url.trim();
  return SAFE_URL.test(u) ? u : undefined;
}

const link = (href: string, children: ComponentChild) => h('a', { href, target: '_blank', rel: 'noopener noreferrer' }, children);
const isSpace = (c: string | undefined) => c === ' ' || c === '\n' || c === '\t';

function pushText(out: ComponentChild[], s: string): void {
  const lines = s.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (i) out.push(h('br', null));
    if (lines[i]) out.push(lines[i]);
  }
}

/** Inline markup of one block. */
function inline(src: string): ComponentChild[] {
  // The last forward search per marker: [from, found]. Positions only grow while parsing, so a cached
  // answer usually stands, and a marker without a closer costs one scan in total, not one per opener.
  const seen = new Map<string, [number, number]>();
  const find = (needle: string, from: number): number => {
    const c = seen.get(needle);
    if (c && from >= c[0] && (c[1] < 0 || from <= c[1])) return c[1];
    const at = src.indexOf(needle, from);
    seen.set(needle, [from, at]);
    return at;
  };

  const parse = (start: number, end: number, depth: number, inLink: boolean): ComponentChild[] => {
    const out: ComponentChild[] = [];
    let textFrom = start;
    let i = start;
    while (i < end) {
      const c = src[i];
      let node: ComponentChild | undefined;
      let next = i + 1;
      if (c === '`') {
        let n = 1;
        while (i + n < end && src[i + n] === '`') n++;
        const close = n <= 3 ? find('`'.repeat(n), i + n) : -1;
        if (close >= 0 && close + n <= end) node = h('code', null, src.slice(i + n, close));
        next = node ? close + n : i + n;
      } else if (c === '*' && depth < MAX_DEPTH) {
        const n = src[i + 1] === '*' ? 2 : 1;
        const from = i + n;
        const close = find(n === 2 ? '**' : '*', from);
        if (close > from && close + n <= end && !isSpace(src[from]) && !isSpace(src[close - 1])) {
          node = h(n === 2 ? 'strong' : 'em', null, parse(from, close, depth + 1, inLink));
        }
        next = node ? close + n : from;
      } else if ((c === '[' || (c === '!' && src[i + 1] === '[')) && !inLink && depth < MAX_DEPTH) {
        const open = c === '[' ? i + 1 : i + 2;
        const close = find(']', open);
        const urlEnd = close >= 0 && src[close + 1] === '(' ? find(')', close + 2) : -1;
        if (urlEnd >= 0 && urlEnd < end) {
          // `[text](url "title")`: the title is dropped.
          const url = safeUrl(src.slice(close + 2, urlEnd).trim().split(/\s/, 1)[0] ?? '');
          const label = c === '!' ? src.slice(open, close) || 'image' : parse(open, close, depth + 1, true);
          node = url ? link(url, label) : label;
        }
        next = node === undefined ? open : urlEnd + 1;
      } else if ((c === 'h' || c === 'H') && !inLink && !/\w/.test(src[i - 1] ?? ' ')) {
        BARE_URL.lastIndex = i;
        const m = BARE_URL.exec(src);
        if (m) {
          let len = Math.min(m[0].length, end - i);
          while (len > 0 && URL_TAIL.includes(src[i + len - 1]!)) len--;
          const url = safeUrl(src.slice(i, i + len));
          if (url) node = link(url, url);
          next = i + len;
        }
      }
      if (node !== undefined) {
        if (i > textFrom) pushText(out, src.slice(textFrom, i));
        out.push(node);
        textFrom = next;
      }
      i = Math.max(next, i + 1);
    }
    if (end > textFrom) pushText(out, src.slice(textFrom, end));
    return out;
  };
  return parse(0, src.length, 0, false);
}

/** Renders untrusted markdown text to vnodes; never throws on any string. */
export function renderMarkdown(text: string): ComponentChild[] {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const out: ComponentChild[] = [];
  let para: string[] = [];
  let list: { ordered: boolean; start: number; items: string[] } | undefined;
  const flush = () => {
    if (para.length) out.push(h('p', null, inline(para.join('\n'))));
    if (list) {
      const attrs = list.ordered && list.start !== 1 ? { start: list.start } : null;
      out.push(h(list.ordered ? 'ol' : 'ul', attrs, list.items.map((item) => h('li', null, inline(item)))));
    }
    para = [];
    list = undefined;
  };

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const fence = FENCE.exec(line);
    if (fence) {
      flush();
      const body: string[] = [];
      while (++i < lines.length && !lines[i]!.trimStart().startsWith(fence[1]!)) body.push(lines[i]!);
      out.push(h('pre', null, h('code', null, body.join('\n'))));
      continue;
    }
    if (!line.trim()) {
      flush();
      continue;
    }
    const item = ITEM.exec(line);
    if (item) {
      const ordered = item[1]!.length > 1;
      if (para.length || (list && list.ordered !== ordered)) flush();
      list ??= { ordered, start: ordered ? parseInt(item[1]!, 10) : 1, items: [] };
      list.items.push(item[2]!);
      continue;
    }
    if (list && (line[0] === ' ' || line[0] === '\t')) {
      list.items[list.items.length - 1] += '\n' + line.trim();
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading) {
      flush();
      out.push(h('p', null, h('strong', null, inline(heading[1]!))));
      continue;
    }
    if (list) flush();
    para.push(line);
  }
  flush();
  return out;
}
