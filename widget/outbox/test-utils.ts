/** Fakes shared by the outbox's tests: a scripted server, signals, Web Locks, and a way to let IndexedDB run. */
import { vi } from 'vitest';
import type { Signal, SignalBatch } from '../../shared/schemas';
import type { PushOutcome } from '../api/client';

export const uuid = (i: number) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;

const base = (i: number) => ({
  clientEventId: uuid(i),
  conversationId: '11111111-1111-4111-8111-111111111111',
  conversationToken: 'tok_0123456789abcdef',
  createdAt: '2025-01-01T00:00:00.000Z',
});
export const message = (i: number, role: 'user' | 'agent' = 'user', text = `message ${i}`): Signal => ({ kind: 'message', role, text, ...base(i) });
export const feedback = (i: number, messageId = uuid(0)): Signal => ({ kind: 'feedback', messageId, rating: 1, reasons: [], ...base(i) });

export const ok = (batch: SignalBatch): PushOutcome => ({
  kind: 'ok',
  results: batch.items.map((s) => ({ clientEventId: s.clientEventId, status: 'stored' as const })),
});

/** A server that answers each push with `answer` (default: stores everything) and records what it got. */
export function fakeApi(answer: (batch: SignalBatch, call: number) => PushOutcome | Promise<PushOutcome> = ok) {
  const calls: { batch: SignalBatch; keepalive: boolean; at: number }[] = [];
  const pushSignals = vi.fn(async (batch: SignalBatch, opts: { keepalive: boolean }) => {
    calls.push({ batch, keepalive: opts.keepalive, at: Date.now() });
    return answer(batch, calls.length);
  });
  /** Every clientEventId the server was sent, in order, over all calls. */
  const sentIds = () => calls.flatMap((c) => c.batch.items.map((s) => s.clientEventId));
  return { pushSignals, calls, sentIds };
}

/** An in-page Web Locks stand-in with `ifAvailable` semantics, shared by the "tabs" of one test. */
export function fakeLocks(): LockManager {
  const held = new Set<string>();
  return {
    async request(name: string, _opts: LockOptions, cb: (lock: Lock | null) => unknown) {
      if (held.has(name)) return cb(null);
      held.add(name);
      try {
        return await cb({ name, mode: 'exclusive' } as Lock);
      } finally {
        held.delete(name);
      }
    },
  } as unknown as LockManager;
}

/** Lets IndexedDB (fake-indexeddb runs on setImmediate, which fake timers leave alone) and promises run. */
export async function settle(rounds = 50): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r));
}

/** Runs real tasks until `cond` holds. */
export async function until(cond: () => boolean, rounds = 2000): Promise<void> {
  for (let i = 0; i < rounds && !cond(); i++) await new Promise((r) => setImmediate(r));
  if (!cond()) throw new Error('condition never held');
}

/** Controls `navigator.onLine` and fires the matching window event. */
export function setOnline(online: boolean, fire = true): void {
  vi.spyOn(navigator, 'onLine', 'get').mockReturnValue(online);
  if (fire) window.dispatchEvent(new Event(online ? 'online' : 'offline'));
}
