// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { HandoffEvent } from '../../../shared/handoff';

// The model talks to the server only through the client; the test stands in for the server.
const server = vi.hoisted(() => ({
  lists: [] as unknown[],
  query: vi.fn(),
  onData: null as null | ((e: { id: string; data: unknown }) => void),
  subscribedFrom: [] as (string | null | undefined)[],
}));
vi.mock('../../api/client', () => ({
  api: {
    escalation: {
      list: { query: server.query },
      onInbox: {
        subscribe: (input: { lastEventId?: string | null }, opts: { onData: (e: { id: string; data: unknown }) => void; onStarted?: () => void }) => {
          server.subscribedFrom.push(input.lastEventId);
          server.onData = opts.onData;
          opts.onStarted?.();
          return { unsubscribe: vi.fn() };
        },
      },
    },
  },
  errorCode: () => undefined,
  errorMessage: (e: Error) => e.message,
}));

const { createInboxModel } = await import('./inbox-model');
const { toasts } = await import('../../shell/announcer');
const { liveStatus } = await import('../../shell/live-status');

const list = (n: number, lastEventId: string) => ({
  items: Array.from({ length: n }, (_, i) => ({ id: `e${i}`, status: 'queued', trigger: 'user', waitingMs: 0 })),
  counts: { queued: n, mine: 0, open: n, resolved: 0 },
  lastEventId,
});
const event = (id: number, type: HandoffEvent['type']): { id: string; data: HandoffEvent } => ({
  id: String(id),
  data: { id, type, siteId: 's', conversationId: 'c', escalationId: 'e', audience: 'staff', payload: { trigger: 'low_confidence' }, createdAt: '' },
});
const settle = () => new Promise((r) => setTimeout(r, 120));

describe('inbox model', () => {
  beforeEach(() => {
    server.query.mockReset();
    server.subscribedFrom.length = 0;
    toasts.value = [];
  });
  afterEach(() => vi.useRealTimers());

  it('should follow the event log from the id of the list it read', async () => {
    server.query.mockResolvedValueOnce(list(1, '41'));
    const model = createInboxModel();
    model.start();
    await settle();
    expect(server.subscribedFrom).toEqual(['41']);
    expect(liveStatus.value).toBe('live');
    model.dispose();
    expect(liveStatus.value).toBe('idle');
  });

  it('should read the list again after a new handoff and announce it', async () => {
    server.query.mockResolvedValueOnce(list(1, '41')).mockResolvedValueOnce(list(2, '42'));
    const model = createInboxModel();
    model.start();
    await settle();
    server.onData!(event(42, 'escalation.created'));
    await settle();
    expect(model.list.value?.items).toHaveLength(2);
    expect(model.queued.value).toBe(2);
    expect(toasts.value.map((t) => t.text)).toEqual(['New handoff: Low-confidence answer.']);
    model.dispose();
  });

  it('should not read the list for events that do not change it (notes, messages)', async () => {
    server.query.mockResolvedValue(list(1, '41'));
    const model = createInboxModel();
    model.start();
    await settle();
    server.onData!(event(42, 'escalation.note'));
    server.onData!(event(43, 'message.user'));
    await settle();
    expect(server.query).toHaveBeenCalledTimes(1);
    model.dispose();
  });

  it('should never read the list on a timer', async () => {
    vi.useFakeTimers();
    server.query.mockResolvedValue(list(1, '41'));
    const model = createInboxModel();
    model.start();
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    expect(server.query).toHaveBeenCalledTimes(1);
    model.dispose();
  });
});
