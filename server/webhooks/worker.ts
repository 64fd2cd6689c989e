/**
 * Sends webhook deliveries in the background. The table is the queue: every instance runs a worker;
 * each claims due rows with `FOR UPDATE SKIP LOCKED` and a short lease, so no two workers send the same
 * delivery, and a claim of a worker that died lapses and the row is sent by another. Failures are
 * retried with exponential backoff (the schedule is in the row, so it survives restarts) until
 * `maxAttempts`, then the delivery is marked failed.
 */
import { sql } from 'drizzle-orm';
import { DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER } from '../../shared/webhooks';
import type { Db } from '../db/client';
import type { Bus } from '../realtime/bus';
import { signWebhook } from './signature';

export interface WebhookWorkerOptions {
  /** How often due deliveries are looked for when nothing wakes the worker (ms, default 1000). */
  pollMs?: number;
  /** Per-attempt timeout (ms, default 10 000). */
  timeoutMs?: number;
  /** Attempts before a delivery is marked failed (default 10: about 40 minutes of retries). */
  maxAttempts?: number;
  /** Delay after the first failure, doubled after each further one (ms, default 5000). */
  baseDelayMs?: number;
  /** Longest delay between attempts (ms, default one hour). */
  maxDelayMs?: number;
  /** Deliveries in flight at once per worker (default 8). */
  concurrency?: number;
  onError?: (err: unknown) => void;
}

export interface WebhookWorker {
  /** Looks for due deliveries now (new deliveries also wake it through the bus). */
  poke(): void;
  /** Stops claiming, aborts attempts in flight and returns them to the queue unpenalised. */
  close(): Promise<void>;
}

interface Claimed {
  id: string;
  event: string;
  body: string;
  attempts: number;
  url: string;
  secret: string;
}

/** The delay before attempt `attempts + 1`, with jitter so that a receiver's recovery is not met by a herd. */
export function retryDelayMs(attempts: number, base: number, max: number): number {
  const exp = Math.min(max, base * 2 ** Math.max(0, attempts - 1));
  return Math.round(exp * (0.75 + Math.random() * 0.25));
}

const rowsOf = <T>(result: unknown): T[] => (result as { rows: T[] }).rows;

export function startWebhookWorker(db: Db, bus: Bus | null, opts: WebhookWorkerOptions = {}): WebhookWorker {
  const pollMs = opts.pollMs ?? 1000;
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const maxAttempts = opts.maxAttempts ?? 10;
  const baseDelayMs = opts.baseDelayMs ?? 5000;
  const maxDelayMs = opts.maxDelayMs ?? 3_600_000;
  const concurrency = opts.concurrency ?? 8;
  // The lease outlives one attempt, so a live worker's claim never lapses under it.
  const leaseMs = timeoutMs + 30_000;
  const onError = opts.onError ?? (() => {});
  const closing = new AbortController();
  const inFlight = new Set<Promise<void>>();
  let ticking: Promise<void> | null = null;
  let again = false;

  async function claim(limit: number): Promise<Claimed[]> {
    const result = await db.execute(sql`
      update webhook_deliveries d
      set locked_until = now() + ${leaseMs} * interval '1 millisecond', attempts = d.attempts + 1, last_attempt_at = now()
      from site_webhooks w
      where w.site_id = d.site_id and d.id in (
        select id from webhook_deliveries
        where status = 'pending' and next_attempt_at <= now() and (locked_until is null or locked_until < now())
        order by next_attempt_at
        limit ${limit}
        for update skip locked)
      returning d.id, d.event, d.body, d.attempts, w.url, w.secret`);
    return rowsOf<Claimed>(result).map((r) => ({ ...r, attempts: Number(r.attempts) }));
  }

  async function attempt(d: Claimed): Promise<void> {
    let statusCode: number | null = null;
    let error: string | null = null;
    // A timer of our own, held until the attempt ends: an AbortSignal.timeout() referenced only through
    // AbortSignal.any() can be garbage-collected before it fires, and a hung receiver then held the attempt.
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(), timeoutMs);
    const signal = AbortSignal.any([timeout.signal, closing.signal]);
    try {
      const timestamp = Math.floor(Date.now() / 1000);
      const res = await fetch(d.url, {
        method: 'POST',
        redirect: 'manual',
        signal,
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Backstop-Webhooks/1',
          [SIGNATURE_HEADER]: signWebhook(d.secret, timestamp, d.body),
          [TIMESTAMP_HEADER]: String(timestamp),
          [DELIVERY_HEADER]: d.id,
          [EVENT_HEADER]: d.event,
        },
        body: d.body,
      });
      statusCode = res.status;
      await res.body?.cancel().catch(() => {});
      if (res.status < 200 || res.status >= 300) error = `receiver answered HTTP ${res.status}`;
    } catch (err) {
      if (closing.signal.aborted) {
        // Shutting down is not the receiver's fault: put the delivery back as it was.
        await db.execute(sql`update webhook_deliveries set attempts = attempts - 1, locked_until = null where id = ${d.id}`);
        return;
      }
      error = signal.aborted ? `no answer within ${timeoutMs / 1000} s` : `request failed: ${describe(err)}`;
    } finally {
      clearTimeout(timer);
    }
    if (!error) {
      await db.execute(sql`
        update webhook_deliveries set status = 'delivered', delivered_at = now(), locked_until = null, last_status_code = ${statusCode}, last_error = null
        where id = ${d.id}`);
    } else if (d.attempts >= maxAttempts) {
      await db.execute(sql`
        update webhook_deliveries set status = 'failed', locked_until = null, last_status_code = ${statusCode}, last_error = ${`${error}; gave up after ${d.attempts} attempts`}
        where id = ${d.id}`);
    } else {
      const delay = retryDelayMs(d.attempts, baseDelayMs, maxDelayMs);
      await db.execute(sql`
        update webhook_deliveries set locked_until = null, last_status_code = ${statusCode}, last_error = ${error},
          next_attempt_at = now() + ${delay} * interval '1 millisecond'
        where id = ${d.id}`);
    }
  }

  async function tick(): Promise<void> {
    do {
      again = false;
      const room = concurrency - inFlight.size;
      if (room <= 0 || closing.signal.aborted) return;
      const claimed = await claim(room);
      for (const d of claimed) {
        const p: Promise<void> = attempt(d)
          .catch(onError)
          .finally(() => {
            inFlight.delete(p);
            poke();
          });
        inFlight.add(p);
      }
      if (claimed.length === room) again = true;
    } while (again);
  }

  function poke(): void {
    if (closing.signal.aborted) return;
    if (ticking) {
      again = true;
      return;
    }
    ticking = tick()
      .catch(onError)
      .finally(() => {
        ticking = null;
      });
  }

  const timer = setInterval(poke, pollMs);
  timer.unref();
  // New deliveries are committed with an event-log append, whose notification wakes the bus.
  const wakeLoop = (async () => {
    while (bus && !closing.signal.aborted) {
      await bus.arm(null, closing.signal).promise;
      poke();
    }
  })().catch(onError);
  poke();

  return {
    poke,
    async close() {
      closing.abort();
      clearInterval(timer);
      await wakeLoop;
      await ticking;
      await Promise.all([...inFlight]);
    },
  };
}

function describe(err: unknown): string {
  const e = err as { message?: string; cause?: { code?: string; message?: string } };
  return e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(err);
}
