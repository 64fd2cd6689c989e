/**
 * Where the outbox keeps signals: IndexedDB, shared by every tab of the site, or memory where IndexedDB
 * is missing, refuses to open, or fails later on (private modes, blocked storage, a full disk).
 */
import { wrap, type IDBPDatabase } from 'idb';
import type { Signal } from '../../shared/schemas';

/**
 * A stored signal: `id` orders the outbox (insertion order), `at` is when it was stored, `n` its JSON bytes.
 * A suspect (one that failed alone with a 5xx or a network error) also carries `f`, how often it failed
 * alone, `t` and `l`, when that began and when it last happened, and `w`, the earliest time of its next try.
 */
export interface Row {
  id?: number;
  s: Signal;
  at: number;
  n: number;
  f?: number;
  t?: number;
  l?: number;
  w?: number;
}

/** A signal the server refused for good, with the reason. */
export interface DeadRow {
  s: Signal;
  at: number;
  why: string;
}

export interface Store {
  /** Adds a row (no `id`) or replaces the stored row with its `id`. */
  put(row: Row): Promise<void>;
  /** Oldest first; all when no limit. */
  list(limit?: number): Promise<Row[]>;
  count(): Promise<number>;
  del(ids: number[]): Promise<void>;
  /** Moves rows to the dead-letter store in one step, so a row is never in both or in neither. */
  bury(rows: Row[], why: string): Promise<void>;
  dead(): Promise<DeadRow[]>;
  /** Adds `delta` to a persisted counter (never below 0) and returns the new value. */
  bump(key: string, delta: number): Promise<number>;
  /** Reads a persisted value, or sets it when `value` is given (null clears it); returns the value. */
  note<T>(key: string, value?: T | null): Promise<T | undefined | null>;
  /** Takes, renews (until > now) or releases (until = 0) a lease held by `owner`; false if another holds it. */
  lease(owner: string, now: number, until: number): Promise<boolean>;
}

/** Dead letters are kept for inspection, not forever. */
export const MAX_DEAD = 100;
/** An open that neither succeeds nor fails (blocked by another tab's upgrade) must not stall the widget. */
const OPEN_TIMEOUT_MS = 3000;

type Lease = { o: string; u: number };

export function memoryStore(): Store {
  let rows: Row[] = [];
  let dead: DeadRow[] = [];
  // Negative ids: IndexedDB's keys start at 1, so a row read from IndexedDB before the switch to memory
  // can never name a memory row (an acknowledgement must not delete a row that was never sent).
  let seq = 0;
  const meta = new Map<string, unknown>();
  const del = async (ids: number[]) => void (rows = rows.filter((r) => !ids.includes(r.id!)));
  return {
    async put(row) {
      const i = rows.findIndex((r) => r.id === row.id);
      // A row from IndexedDB updated after the switch becomes a memory row, so this page still sends it.
      if (i < 0) rows.push({ ...row, id: --seq });
      else rows[i] = row;
    },
    list: async (limit) => rows.slice(0, limit),
    count: async () => rows.length,
    del,
    async bury(buried, why) {
      await del(buried.map((r) => r.id!));
      dead = [...dead, ...buried.map((r) => ({ s: r.s, at: r.at, why }))].slice(-MAX_DEAD);
    },
    dead: async () => dead,
    async bump(key, delta) {
      const v = Math.max(0, ((meta.get(key) as number) ?? 0) + delta);
      meta.set(key, v);
      return v;
    },
    note: async (key, value) => (value === undefined ? (meta.get(key) as never) : (meta.set(key, value), value)),
    // Memory is this tab's alone: nobody to share with.
    lease: async () => true,
  };
}

async function idbStore(name: string, factory: IDBFactory): Promise<Store> {
  const req = factory.open(name, 1);
  req.onupgradeneeded = () => {
    const db = req.result;
    db.createObjectStore('items', { keyPath: 'id', autoIncrement: true });
    db.createObjectStore('dead', { autoIncrement: true });
    db.createObjectStore('meta');
  };
  let timer: ReturnType<typeof setTimeout> | undefined;
  const db = (await Promise.race([
    wrap(req),
    new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('IndexedDB open timed out')), OPEN_TIMEOUT_MS))),
  ]).finally(() => clearTimeout(timer))) as IDBPDatabase;
  // Let a newer version in another tab upgrade; our next call fails and falls back to memory.
  db.addEventListener('versionchange', () => db.close());

  const meta = async <T>(key: string, update: (v: T | undefined) => T | undefined): Promise<T | undefined> => {
    const tx = db.transaction('meta', 'readwrite');
    const v = update(await tx.store.get(key));
    await Promise.all([v !== undefined && tx.store.put(v, key), tx.done]);
    return v;
  };

  return {
    put: async (row) => void (await db.put('items', row)),
    list: (limit) => db.getAll('items', null, limit),
    count: () => db.count('items'),
    async del(ids) {
      const tx = db.transaction('items', 'readwrite');
      await Promise.all([...ids.map((id) => tx.store.delete(id)), tx.done]);
    },
    async bury(rows, why) {
      const tx = db.transaction(['items', 'dead'], 'readwrite');
      const dead = tx.objectStore('dead');
      const ops: Promise<unknown>[] = [tx.done];
      for (const r of rows) {
        if (r.id != null) ops.push(tx.objectStore('items').delete(r.id));
        ops.push(dead.add({ s: r.s, at: r.at, why }));
      }
      let over = (await dead.count()) - MAX_DEAD;
      for (let c = over > 0 ? await dead.openCursor() : null; c && over-- > 0; c = await c.continue()) ops.push(c.delete());
      await Promise.all(ops);
    },
    dead: () => db.getAll('dead'),
    bump: async (key, delta) => (await meta<number>(key, (v) => Math.max(0, (v ?? 0) + delta)))!,
    note: async (key, value) => (value === undefined ? db.get('meta', key) : (await db.put('meta', value, key), value)),
    async lease(owner, now, until) {
      let ok = false;
      // One readwrite transaction: IndexedDB runs them one at a time, so two tabs cannot both win.
      await meta<Lease>('lease', (cur) => ((ok = !cur || cur.o === owner || cur.u <= now) ? { o: owner, u: until } : undefined));
      return ok;
    },
  };
}

/**
 * Opens the outbox's store. IndexedDB when it works; on the first failure of any call (or of the open,
 * even a synchronous throw) it switches to memory for good and repeats that call there. Rows already in
 * IndexedDB stay there and are sent by a later page load; their ids name no memory row (see memoryStore),
 * so acknowledging them after the switch deletes nothing that was not sent.
 */
export function openStore(name: string, factory: IDBFactory | null | undefined): Store {
  const mem = memoryStore();
  let ready: Promise<Store> = factory ? idbStore(name, factory).catch(() => mem) : Promise.resolve(mem);
  const store = {} as Record<keyof Store, (...args: unknown[]) => Promise<unknown>>;
  for (const key of Object.keys(mem) as (keyof Store)[]) {
    const call = (s: Store, args: unknown[]) => (s[key] as (...a: unknown[]) => Promise<unknown>)(...args);
    store[key] = async (...args) => {
      const s = await ready;
      try {
        return await call(s, args);
      } catch (error) {
        if (s === mem) throw error;
        ready = Promise.resolve(mem);
        return call(mem, args);
      }
    };
  }
  return store as unknown as Store;
}
