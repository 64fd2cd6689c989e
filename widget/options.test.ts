import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { checkOptions } from './options';

let warn: ReturnType<typeof vi.spyOn>;
beforeEach(() => {
  warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
});
afterEach(() => vi.restoreAllMocks());

const warnings = () => warn.mock.calls.map((c: unknown[]) => c.join(' '));

describe('checkOptions', () => {
  // JSON.parse makes `__proto__` an own field, as options read from a config file or a message would have it.
  it.each(['constructor', 'toString', 'hasOwnProperty', '__proto__', 'valueOf'])(
    "should ignore an option named '%s' with a warning and keep the others",
    (name) => {
      const options = JSON.parse(`{"siteKey":"pk_test_12345678","${name}":{"polluted":true},"title":"Help"}`) as unknown;
      const out = checkOptions(options, "Backstop('init')");
      expect(out).toEqual({ siteKey: 'pk_test_12345678', title: 'Help' });
      expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
      expect(warnings()).toEqual([`Backstop: Backstop('init'): unknown option '${name}' was ignored.`]);
    },
  );

  it('should keep a valid option and warn about an invalid one', () => {
    expect(checkOptions({ siteKey: 'pk_test_12345678', position: 'top' }, 'init')).toEqual({ siteKey: 'pk_test_12345678' });
    expect(warnings()[0]).toContain("option 'position' must be 'left' or 'right'");
  });
});
