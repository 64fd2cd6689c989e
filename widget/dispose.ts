/** Disposes a `createModel` instance (its effects). Spelled out because the TS lib in use has no `Symbol.dispose`. */
export function dispose(model: object): void {
  // Where the runtime lacks Symbol.dispose, @preact/signals stored the disposer under the key "undefined"; this finds it too.
  const key = (Symbol as { dispose?: symbol }).dispose as PropertyKey;
  (model as Record<PropertyKey, (() => void) | undefined>)[key]?.();
}
