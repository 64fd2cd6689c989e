/** Builders for staff, sessions, escalations and live subscriptions used by the handoff suites. */
import { randomUUID } from 'node:crypto';
import type { EscalationSignal } from '../../shared/schemas';
import type { HandoffEvent } from '../../shared/handoff';
import { createContextInner } from '../context';
import type { Database, Db } from '../db/client';
import { signIn } from '../domain/sessions';
import { addStaffToSites, createStaff, type StaffRole } from '../domain/staff';
import { openBus, type Bus } from '../realtime/bus';
import { createPresence, type Presence } from '../realtime/presence';
import { appRouter } from '../routers';
import { createCallerFactory } from '../trpc';
import type { conversation } from './fixtures';

const createCaller = createCallerFactory(appRouter);
export const PASSWORD = 'correct horse battery staple';

/** What one server instance shares between requests: its bus and presence. */
export interface Instance {
  db: Db;
  bus: Bus;
  presence: Presence;
  close(): Promise<void>;
}

export async function instanceOf(database: Database): Promise<Instance> {
  const bus = await openBus(database);
  const presence = createPresence(database.db);
  return {
    db: database.db,
    bus,
    presence,
    close: async () => {
      await presence.close();
      await bus.close();
    },
  };
}

/** A staff account on the given sites, signed in; `caller()` calls as them (with the CSRF header). */
export async function signedInStaff(inst: Instance, role: StaffRole, siteIds: string[], name?: string) {
  const email = `${(name ?? role).toLowerCase()}-${randomUUID().slice(0, 8)}@example.com`;
  const row = await createStaff(inst.db, { email, role, password: PASSWORD, displayName: name });
  await addStaffToSites(inst.db, row.id, siteIds);
  const session = (await signIn(inst.db, email, PASSWORD))!;
  const caller = (opts: { signal?: AbortSignal; csrf?: boolean } = {}) =>
    createCaller(createContextInner({ db: inst.db, bus: inst.bus, presence: inst.presence, sessionId: session.sessionId, csrf: opts.csrf ?? true }), { signal: opts.signal });
  return { ...row, email, sessionId: session.sessionId, caller };
}

/** A widget caller for a site, on one instance. */
export function widgetCaller(inst: Instance, publicKey: string, origin = 'https://shop.example.com', opts: { signal?: AbortSignal; method?: string } = {}) {
  return createCaller(createContextInner({ db: inst.db, bus: inst.bus, presence: inst.presence, siteKey: publicKey, origin, method: opts.method ?? 'POST' }), { signal: opts.signal });
}

export function escalationSignal(conv: ReturnType<typeof conversation>, extra: Partial<EscalationSignal> = {}): EscalationSignal {
  return { kind: 'escalation', clientEventId: randomUUID(), ...conv, createdAt: new Date().toISOString(), trigger: 'user', note: 'I need a refund', pageUrl: 'https://shop.example.com/billing', ...extra };
}

/**
 * Collects what a subscription yields in the background; `until` waits for a condition on the
 * collected events, `stop` aborts the stream.
 */
export function collect(start: (signal: AbortSignal) => Promise<AsyncIterable<unknown>>) {
  const controller = new AbortController();
  const events: HandoffEvent[] = [];
  const ids: string[] = [];
  const done = (async () => {
    const iterable = await start(controller.signal);
    for await (const item of iterable) {
      // Server-side callers get tracked() envelopes: [id, data, marker].
      const [id, data] = item as [string, HandoffEvent];
      ids.push(id);
      events.push(data);
    }
  })().catch((err) => {
    if (!controller.signal.aborted) throw err;
  });
  return {
    events,
    ids,
    done,
    async until(test: (events: HandoffEvent[]) => boolean, timeoutMs = 5000): Promise<HandoffEvent[]> {
      const deadline = Date.now() + timeoutMs;
      while (!test(events)) {
        if (Date.now() > deadline) throw new Error(`timed out; events so far: ${JSON.stringify(events.map((e) => e.type))}`);
        await new Promise((r) => setTimeout(r, 10));
      }
      return events;
    },
    async stop() {
      controller.abort();
      await done;
    },
  };
}

/** The error a subscription fails with when it is iterated (subscriptions start lazily). */
export async function subscriptionError(start: Promise<AsyncIterable<unknown>>): Promise<unknown> {
  try {
    for await (const _ of await start) return new Error('the subscription yielded instead of failing');
  } catch (err) {
    return err;
  }
  return new Error('the subscription ended instead of failing');
}
