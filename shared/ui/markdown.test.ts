// @vitest-environment happy-dom
import { render } from 'preact';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { renderMarkdown, safeUrl } from './markdown';

const show = (text: string): HTMLElement => {
  const el = document.createElement('div');
  render(renderMarkdown(text), el);
  return el;
};
const tags = (el: Element) => [...el.querySelectorAll('*')].map((e) => e.localName);

afterEach(() => vi.restoreAllMocks());

describe('renderMarkdown', () => {
  it('should render paragraphs separated by blank lines and line breaks inside them', () => {
    const el = show('one\ntwo\n\nthree');
    expect([...el.querySelectorAll('p')].map((p) => p.textContent)).toEqual(['onetwo', 'three']);
    expect(el.querySelector('p br')).not.toBeNull();
  });

  it('should render unordered and ordered lists', () => {
    const el = show('- a\n- b\n\n3. c\n4. d');
    expect([...el.querySelectorAll('ul > li')].map((li) => li.textContent)).toEqual(['a', 'b']);
    expect(el.querySelector('ol')?.getAttribute('start')).toBe('3');
    expect(el.querySelectorAll('ol > li')).toHaveLength(2);
  });

  it('should render bold, italic and inline code', () => {
    const el = show('**bold** and *it* and `x < y`');
    expect(el.querySelector('strong')?.textContent).toBe('bold');
    expect(el.querySelector('em')?.textContent).toBe('it');
    expect(el.querySelector('code')?.textContent).toBe('x < y');
  });

  it('should render fenced code blocks verbatim', () => {
    const el = show('```js\nconst a = **1**;\n<b>x</b>\n```\nafter');
    expect(el.querySelector('pre > code')?.textContent).toBe('const a = **1**;\n<b>x</b>');
    expect(el.querySelector('strong, b')).toBeNull();
    expect(el.querySelector('p')?.textContent).toBe('after');
  });

  it('should render markdown links and bare URLs as safe new-tab links', () => {
    const el = show('See [the docs](https://example.com/a) or https://example.org/b.');
    const links = [...el.querySelectorAll('a')];
    expect(links.map((a) => [a.textContent, a.getAttribute('href')])).toEqual([
      ['the docs', 'https://example.com/a'],
      ['https://example.org/b', 'https://example.org/b'],
    ]);
    for (const a of links) {
      expect(a.getAttribute('target')).toBe('_blank');
      expect(a.getAttribute('rel')).toBe('noopener noreferrer');
    }
  });

  it('should render mailto links', () => {
    expect(show('[mail us](mailto:help@example.com)').querySelector('a')?.getAttribute('href')).toBe('mailto:help@example.com');
  });

  it('should show javascript: and data: links as plain text', () => {
    const el = show('[click](javascript:alert(1)) [x](JaVaScRiPt:alert(1)) [d](data:text/html,hi) [r](/relative)');
    expect(el.querySelector('a')).toBeNull();
    expect(el.textContent).toContain('click');
    expect(el.textContent).not.toContain('javascript');
  });

  it('should show HTML tags as text', () => {
    const el = show('<script>alert(1)</script><img src=x onerror=alert(1)> <b>hi</b>');
    expect(tags(el)).toEqual(['p']);
    expect(el.textContent).toBe('<script>alert(1)</script><img src=x onerror=alert(1)> <b>hi</b>');
  });

  it('should turn images into links and never load them', () => {
    const el = show('![a cat](https://example.com/cat.png)');
    expect(el.querySelector('img')).toBeNull();
    const a = el.querySelector('a');
    expect(a?.textContent).toBe('a cat');
    expect(a?.getAttribute('href')).toBe('https://example.com/cat.png');
  });

  it('should never use innerHTML', () => {
    const set = vi.fn();
    const desc = Object.getOwnPropertyDescriptor(Element.prototype, 'innerHTML')!;
    Object.defineProperty(Element.prototype, 'innerHTML', { ...desc, set });
    try {
      show('**a** <i>b</i> [c](https://c.example) `d`\n\n- e\n```\nf\n```');
    } finally {
      Object.defineProperty(Element.prototype, 'innerHTML', desc);
    }
    expect(set).not.toHaveBeenCalled();
  });

  it('should leave unclosed markers as literal text', () => {
    const el = show('**open *half `tick [link](nowhere');
    expect(el.textContent).toBe('**open *half `tick [link](nowhere');
    expect(el.querySelector('strong, em, code, a')).toBeNull();
  });

  it('should survive deep nesting without recursing without bound', () => {
    const deep = '*'.repeat(2000) + 'x' + '*'.repeat(2000) + '['.repeat(2000) + '- '.repeat(2000);
    const el = show(deep);
    expect(el.textContent).toContain('x');
    let depth = 0;
    for (let e: Element | null = el.querySelector('strong, em'); e; e = e.querySelector(':scope > strong, :scope > em')) depth++;
    expect(depth).toBeLessThanOrEqual(7);
  });

  it('should handle a megabyte of hostile markup in linear-ish time', () => {
    const chunk = '**a *b `c [d](e ![f](javascript:g) https://h.example/** <i>\n';
    const text = chunk.repeat(Math.ceil(1_000_000 / chunk.length));
    const started = performance.now();
    renderMarkdown(text);
    renderMarkdown('*'.repeat(500_000));
    renderMarkdown('[](' + '[]('.repeat(200_000));
    expect(performance.now() - started).toBeLessThan(3000);
  });
});

describe('safeUrl', () => {
  it('should accept only http, https and mailto URLs', () => {
    expect(safeUrl(' https://a.example/x ')).toBe('https://a.example/x');
    expect(safeUrl('mailto:a@b.example')).toBe('mailto:a@b.example');
    for (const bad of ['javascript:alert(1)', 'vbscript:x', 'data:text/html,x', '//evil.example', 'https://a.example/\u0000x', 'https://'])
      expect(safeUrl(bad)).toBeUndefined();
  });
});
