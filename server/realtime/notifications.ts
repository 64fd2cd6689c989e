/**
 * Database notifications that wake subscribers of the event log. Writers call `pg_notify` inside their
 * transaction, so a notification fires only once the change is committed. A notification carries no
 * data a subscriber relies on: subscribers always re-read the log, so a lost notification only delays.
 */
import type { PGlite } from '@electric-sql/pglite';
import pg from 'pg';

/** The channel of this schema's event log, computed in SQL the same way by writers and listeners. */
export const CHANNEL_SQL = `'bs_ev_' || md5(current_schema())`;

/** What one notification says was committed: events of a site, and of one conversation when they belong to one. */
export interface Change {
  siteId: string;
  conversationId: string | null;
}

/** The payload of a change: the site id, then a space and the conversation id if there is one. */
export function changePayload(change: Change): string {
  return change.conversationId ? `${change.siteId} ${change.conversationId}` : change.siteId;
}

/**
 * Reads a payload back. An empty one names nothing, so it means "anything may have changed". A bare site
 * id (also what older writers sent) names no conversation: it wakes only the site's subscribers.
 */
export function parseChange(payload: string): Change | null {
  if (!payload) return null;
  const space = payload.indexOf(' ');
  if (space < 0) return { siteId: payload, conversationId: null };
  return { siteId: payload.slice(0, space), conversationId: payload.slice(space + 1) || null };
}

export interface NotificationHandlers {
  /** A committed change; the payload is written by `changePayload`. */
  onNotify(payload: string): void;
  /** The listening connection was (re)established: notifications may have been missed, re-read everything. */
  onReset(): void;
}

export interface Listener {
  /** Whether the listening connection is up now. */
  connected(): boolean;
  /** Backend pid of the listening connection (PostgreSQL), for operators and tests. */
  pid(): number | null;
  stop(): Promise<void>;
}

/** One process owns a PGlite database, so its own LISTEN is in-process and never drops. */
export async function listenPglite(client: PGlite, handlers: NotificationHandlers): Promise<Listener> {
  const { rows } = await client.query<{ ch: string }>(`select ${CHANNEL_SQL} as ch`);
  const unsubscribe = await client.listen(rows[0]!.ch, (payload) => handlers.onNotify(payload));
  handlers.onReset();
  return { connected: () => true, pid: () => null, stop: () => unsubscribe() };
}

export interface PgListenOptions {
  connectionString: string;
  /** PostgreSQL `options` (the schema's search_path), as the pool uses. */
  options?: string;
  /** Reconnect backoff: first delay and cap, in ms. */
  minDelayMs?: number;
  maxDelayMs?: number;
  onError?: (err: Error) => void;
}

/**
 * A dedicated connection that LISTENs and reconnects by itself with capped, jittered backoff. After
 * each (re)connect it calls `onReset`, so subscribers catch up on what happened while it was down.
 */
export async function listenPostgres(opts: PgListenOptions, handlers: NotificationHandlers): Promise<Listener> {
  const minDelay = opts.minDelayMs ?? 100;
  const maxDelay = opts.maxDelayMs ?? 5000;
  let client: pg.Client | null = null;
  let backendPid: number | null = null;
  let stopped = false;
  let attempt = 0;
  let timer: NodeJS.Timeout | null = null;

  const connect = async (): Promise<void> => {
    const c = new pg.Client({ connectionString: opts.connectionString, application_name: 'backstop-listener', ...(opts.options ? { options: opts.options } : {}) });
    let failed = false;
    const fail = (err?: Error) => {
      if (failed) return;
      failed = true;
      if (client === c) {
        client = null;
        backendPid = null;
      }
      if (err) opts.onError?.(err);
      c.end().catch(() => {});
      schedule();
    };
    c.on('error', fail);
    c.on('end', () => fail());
    c.on('notification', (n) => handlers.onNotify(n.payload ?? ''));
    try {
      await c.connect();
      const { rows } = await c.query<{ ch: string; pid: number }>(`select ${CHANNEL_SQL} as ch, pg_backend_pid() as pid`);
      await c.query(`LISTEN "${rows[0]!.ch}"`);
      if (stopped || failed) return void c.end().catch(() => {});
      client = c;
      backendPid = rows[0]!.pid;
      attempt = 0;
      handlers.onReset();
    } catch (err) {
      fail(err as Error);
      if (attempt === 1 && !client) throw err; // the first attempt reports a bad configuration to the caller
    }
  };

  function schedule() {
    if (stopped || timer) return;
    attempt += 1;
    const delay = Math.min(maxDelay, minDelay * 2 ** Math.min(attempt - 1, 10));
    timer = setTimeout(() => {
      timer = null;
      void connect().catch(() => {});
    }, delay / 2 + Math.random() * (delay / 2));
    timer.unref();
  }

  attempt = 1;
  await connect();
  return {
    connected: () => client !== null,
    pid: () => backendPid,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      const c = client;
      client = null;
      await c?.end().catch(() => {});
    },
  };
}
