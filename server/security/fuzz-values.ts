/** Generators shared by the fuzz suites: hostile values, and well-formed values with one part replaced. */
import fc from 'fast-check';

/** Values that have broken parsers and queries: odd strings, numbers at the edges, wrong types, deep nesting. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '',
      ' ',
      '\u0000',
      '\ud800',
      '00000000-0000-0000-0000-000000000000',
      'ffffffff-ffff-ffff-ffff-ffffffffffff',
      "'; drop table sites; --",
      '%00',
      '../../etc/passwd',
      '<script>alert(1)</script>',
      'x'.repeat(70_000),
      -1,
      0,
      2 ** 53,
      -(2 ** 63),
      1e308,
      -0,
      true,
      null,
      [],
      {},
      { __proto__: { polluted: true } },
      { constructor: { prototype: { polluted: true } } },
      '9999-12-31T23:59:59Z',
      '0000-01-01T00:00:00Z',
      'NaN',
      '1e309',
    ),
  },
);

type Path = (string | number)[];

function pathsOf(value: unknown, prefix: Path = [], out: Path[] = []): Path[] {
  out.push(prefix);
  if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) pathsOf(v, [...prefix, Array.isArray(value) ? Number(k) : k], out);
  return out;
}

function setAt(value: unknown, path: Path, replacement: unknown, remove: boolean): unknown {
  if (path.length === 0) return replacement;
  const copy = (Array.isArray(value) ? [...(value as unknown[])] : { ...(value as object) }) as Record<string | number, unknown>;
  const [head, ...rest] = path as [string | number, ...Path];
  if (rest.length === 0 && remove) delete copy[head];
  else copy[head] = setAt(copy[head], rest, replacement, remove);
  return copy;
}

/** `valid` with one part (any depth, the whole included) replaced by a hostile value or removed. */
export function mutated(valid: unknown): fc.Arbitrary<unknown> {
  const paths = pathsOf(valid);
  return fc.tuple(fc.nat({ max: paths.length - 1 }), hostileValue, fc.boolean()).map(([i, replacement, remove]) => setAt(valid, paths[i]!, replacement, remove));
}

export const RUNS = Number(process.env.PROPERTY_RUNS) || 0;
