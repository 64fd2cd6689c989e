import { describe, expect, it } from 'vitest';
import { namedItems, take } from './batch';
import type { Row } from './store';
import { message } from './test-utils';

const row = (i: number, n: number): Row => ({ id: i, s: message(i), at: 0, n });

describe('take', () => {
  it('should take the leading rows that fit in the byte budget', () => {
    const rows = [row(1, 3000), row(2, 3000), row(3, 3000)];
    expect(take(rows, 8000).map((r) => r.id)).toEqual([1, 2]);
  });

  it('should always take the first row, even when it alone is over the budget', () => {
    expect(take([row(1, 9000), row(2, 10)], 8000).map((r) => r.id)).toEqual([1]);
  });
});

describe('namedItems', () => {
  it('should read the item index and field of each key', () => {
    expect([...namedItems({ 'items.3.rating': 'must be 1 or -1', 'items.0': 'too big' }, 5)]).toEqual([
      [3, 'rating: must be 1 or -1'],
      [0, 'too big'],
    ]);
  });

  it('should join several messages about one item', () => {
    expect(namedItems({ 'items.1.rating': 'bad', 'items.1.reasons': 'not allowed' }, 2).get(1)).toBe('rating: bad; reasons: not allowed');
  });

  it('should ignore keys that name no item of the batch', () => {
    expect(namedItems({ items: 'at most 500 signals', 'items.9.text': 'x', _: 'whole input' }, 3).size).toBe(0);
  });
});
