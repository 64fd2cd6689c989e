import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { MAX_DEAD, openStore } from './store';
import { message } from './test-utils';

const fresh = () => openStore('backstop-outbox:pk_store', new IDBFactory());

describe('openStore', () => {
  it('should move a buried row to the dead letters with its reason', async () => {
    const store = fresh();
    await store.put({ s: message(1), at: 5, n: 10 });
    const [row] = await store.list();
    await store.bury([row!], 'rating: must be 1 or -1');
    expect(await store.count()).toBe(0);
    expect(await store.dead()).toEqual([{ s: message(1), at: 5, why: 'rating: must be 1 or -1' }]);
  });

  it(`should keep only the newest ${MAX_DEAD} dead letters`, async () => {
    const store = fresh();
    for (let i = 0; i < MAX_DEAD + 3; i++) await store.bury([{ s: message(i), at: i, n: 1 }], 'no');
    const dead = await store.dead();
    expect(dead).toHaveLength(MAX_DEAD);
    expect(dead[0]!.at).toBe(3);
  });

  it('should refuse a lease held by another owner until it expires', async () => {
    const store = fresh();
    expect(await store.lease('a', 0, 1000)).toBe(true);
    expect(await store.lease('b', 500, 1500)).toBe(false);
    expect(await store.lease('b', 1000, 2000)).toBe(true);
  });

  it('should let another owner in once the lease is released', async () => {
    const store = fresh();
    await store.lease('a', 0, 1000);
    await store.lease('a', 10, 0);
    expect(await store.lease('b', 20, 1000)).toBe(true);
  });

  it('should never count below zero', async () => {
    const store = fresh();
    await store.bump('n', 2);
    expect(await store.bump('n', -5)).toBe(0);
  });

  it('should keep working in memory when IndexedDB refuses to open', async () => {
    const broken = { open: () => { throw new DOMException('denied', 'SecurityError'); } } as unknown as IDBFactory;
    const store = openStore('backstop-outbox:pk_store', broken);
    await store.put({ s: message(1), at: 0, n: 1 });
    expect((await store.list()).map((r) => r.s)).toEqual([message(1)]);
  });
});
