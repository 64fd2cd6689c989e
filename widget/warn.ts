/** The widget's only way to talk to a developer: one prefixed console warning, which itself can never throw. */
export function warn(...parts: unknown[]): void {
  try {
    console.warn('Backstop:', ...parts);
  } catch {
    // A host that broke `console` gets silence rather than an exception.
  }
}
