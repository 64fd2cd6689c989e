import { describe, expect, it } from 'vitest';
import { escapeAttribute, renderTemplate } from './template';

describe('renderTemplate', () => {
  it('should escape values for an HTML attribute', () => {
    expect(escapeAttribute(`"><script>alert('x')</script>&`)).toBe('&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;');
  });

  it('should fill every occurrence of a placeholder', () => {
    expect(renderTemplate('<a title="{{A}}">{{A}}</a>', { A: 'x&y' })).toBe('<a title="x&amp;y">x&amp;y</a>');
  });

  it('should throw on a placeholder without a value', () => {
    expect(() => renderTemplate('{{MISSING}}', {})).toThrow(/MISSING/);
  });
});
