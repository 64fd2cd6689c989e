import { describe, expect, it } from 'vitest';
import { TurnCounter } from './turn-counter';

describe('TurnCounter', () => {
  it('should count turns per conversation', () => {
    const turns = new TurnCounter();
    expect([turns.next('a'), turns.next('a'), turns.next('b'), turns.next('a')]).toEqual([1, 2, 1, 3]);
  });

  it('should forget the least recently used conversation past its capacity', () => {
    const turns = new TurnCounter(2);
    turns.next('a');
    turns.next('b');
    turns.next('a'); // a is now more recent than b
    turns.next('c'); // evicts b
    expect(turns.size).toBe(2);
    expect(turns.next('a')).toBe(3);
    expect(turns.next('b')).toBe(1);
  });
});
