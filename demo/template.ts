/** Fills `{{NAME}}` placeholders of the demo's HTML templates. */

const ATTRIBUTE_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

/** Escapes a value for a quoted HTML attribute (also safe as element text). */
export function escapeAttribute(value: string): string {
  return value.replace(/[&<>"'`]/g, (c) => ATTRIBUTE_ESCAPES[c] ?? c);
}

/**
 * Replaces each `{{NAME}}` with the escaped value of `values[NAME]`. An unknown name is an error rather than
 * left in place, so a typo in a template fails the tests instead of reaching the page.
 */
export function renderTemplate(template: string, values: Record<string, string>): string {
  return template.replace(/\{\{([A-Z_]+)\}\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`Template placeholder {{${name}}} has no value`);
    return escapeAttribute(value);
  });
}
