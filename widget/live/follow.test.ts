import { describe, expect, it, vi } from 'vitest';
import { conversation } from '../test-utils';
import { follow, handoffApi, statusText, type ConversationView } from './follow';

describe('handoffApi', () => {
  it('should send the conversation token in a POST body, never in the URL', async () => {
    const fetchFn = vi.fn(async () => new Response(JSON.stringify({ result: { data: { ticket: 't'.repeat(30) } } })));
    const ticket = await handoffApi('https://api.example.com/', 'pk_test_12345678', fetchFn as unknown as typeof fetch).streamTicket(conversation);
    expect(ticket).toBe('t'.repeat(30));
    const [url, init] = fetchFn.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe('https://api.example.com/trpc/conversation.streamTicket');
    expect(url).not.toContain(conversation.token);
    expect(init.method).toBe('POST');
    expect(JSON.parse(init.body as string)).toEqual({ conversationId: conversation.id, conversationToken: conversation.token });
  });

  it("should fail with the server's message when it refuses", async () => {
    const fetchFn = vi.fn(async () => new Response(JSON.stringify({ error: { message: 'No conversation with this token' } }), { status: 404 }));
    await expect(handoffApi('https://api.example.com', 'pk_test_12345678', fetchFn as unknown as typeof fetch).conversation(conversation)).rejects.toThrow(
      'No conversation with this token',
    );
  });
});

describe('statusText', () => {
  it('should give the queue position while waiting', () => {
    expect(statusText({ status: 'queued', position: 3 })).toBe("Waiting for a person. You're number 3 in the queue.");
  });

  it('should say plainly that nobody is online and where the answer will go', () => {
    expect(statusText({ status: 'queued', nobodyOnline: true, contactEmail: 'ada@example.com' })).toBe(
      "Nobody from our team is online right now. Your request is queued; we'll answer by email at ada@example.com as soon as someone is back.",
    );
  });

  it('should say it is reconnecting while the live connection is down', () => {
    expect(statusText({ status: 'claimed', staffName: 'Maya', live: 'down' })).toBe("You're talking with Maya from Support. Reconnecting…");
  });

  it('should say nothing more once the conversation is resolved', () => {
    expect(statusText({ status: 'resolved', live: 'down' })).toBe('');
  });
});

describe('follow', () => {
  const view = (status: 'queued' | 'claimed'): ConversationView => ({
    transcript: [],
    escalation: { status, staff: status === 'claimed' ? { displayName: 'Maya' } : null, position: status === 'queued' ? 1 : null },
    availability: { nobodyOnline: false },
    lastEventId: '7',
  });
  const start = async (v: ConversationView) => {
    const show = vi.fn();
    const openLive = vi.fn(() => () => {});
    const api = { conversation: async () => v, streamTicket: async () => 't'.repeat(30) };
    const stop = follow({ conversation, apiUrl: 'https://api.example.com', siteKey: 'pk_test_12345678', api, set: () => {}, show, openLive });
    await vi.waitFor(() => expect(openLive).toHaveBeenCalled());
    stop();
    return { show, openLive };
  };

  it('should say who joined when a person took the request before the stream started', async () => {
    const { show, openLive } = await start(view('claimed'));
    expect(show.mock.calls.map(([item]) => item)).toEqual([{ type: 'notice', id: 'ev7', text: 'Maya from Support joined' }]);
    expect((openLive.mock.calls[0] as unknown as [{ lastEventId: string }])[0].lastEventId).toBe('7');
  });

  it('should say nobody joined while the request is still queued', async () => {
    const { show } = await start(view('queued'));
    expect(show).not.toHaveBeenCalled();
  });
});

describe('follow when the stream is cut', () => {
  it('should not announce again, while polling, a person the stream already said joined', async () => {
    vi.useFakeTimers();
    try {
      const queued: ConversationView = { transcript: [], escalation: { status: 'queued', staff: null, position: 1 }, availability: { nobodyOnline: false }, lastEventId: '3' };
      const claimed: ConversationView = { transcript: [], escalation: { status: 'claimed', staff: { displayName: 'Maya' }, position: null }, availability: { nobodyOnline: false }, lastEventId: '8' };
      let current = queued;
      const api = { conversation: async () => current, streamTicket: async () => 't'.repeat(30) };
      const show = vi.fn();
      let live: { onEvent: (id: string, e: { type: string; payload: unknown }) => void; onState: (s: 'open' | 'down') => void } | undefined;
      const openLive = (opts: typeof live) => {
        live = opts;
        return () => {};
      };
      const stop = follow({ conversation, apiUrl: 'https://api.example.com', siteKey: 'pk_test_12345678', api, set: () => {}, show, openLive: openLive as never });
      await vi.advanceTimersByTimeAsync(0);
      live!.onState('open');
      live!.onEvent('5', { type: 'escalation.claimed', payload: { staff: { displayName: 'Maya' } } });
      current = claimed;
      live!.onState('down');
      await vi.advanceTimersByTimeAsync(6000);
      stop();
      expect(show.mock.calls.map(([item]) => item)).toEqual([{ type: 'notice', id: 'ev5', text: 'Maya from Support joined' }]);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('follow without a live stream', () => {
  it('should read the conversation every few seconds and say who joined, their replies and the resolution', async () => {
    vi.useFakeTimers();
    try {
      const views: ConversationView[] = [
        { transcript: [], escalation: { status: 'queued', staff: null, position: 1 }, availability: { nobodyOnline: false }, lastEventId: '3' },
        {
          transcript: [{ messageId: 'm1', role: 'human', text: 'Hello, I am here', author: 'Maya' }],
          escalation: { status: 'claimed', staff: { displayName: 'Maya' }, position: null },
          availability: { nobodyOnline: false },
          lastEventId: '5',
        },
        { transcript: [], escalation: { status: 'resolved', staff: null, position: null }, availability: { nobodyOnline: false }, lastEventId: '6' },
      ];
      let read = 0;
      const api = { conversation: async () => views[Math.min(read++, views.length - 1)]!, streamTicket: async () => 't'.repeat(30) };
      const show = vi.fn();
      const set = vi.fn();
      // A page without EventSource: openLive opens nothing.
      const stop = follow({ conversation, apiUrl: 'https://api.example.com', siteKey: 'pk_test_12345678', api, set, show, openLive: () => undefined });
      await vi.advanceTimersByTimeAsync(0);
      expect(set).toHaveBeenCalledWith({ live: 'open' });
      await vi.advanceTimersByTimeAsync(3000);
      await vi.advanceTimersByTimeAsync(3000);
      stop();
      expect(show.mock.calls.map(([item]) => item)).toEqual([
        { type: 'human', id: 'm1', text: 'Hello, I am here', author: 'Maya' },
        { type: 'notice', id: 'ev5', text: 'Maya from Support joined' },
        { type: 'notice', id: 'ev6', text: 'This conversation was resolved' },
      ]);
      expect(set).toHaveBeenCalledWith(expect.objectContaining({ status: 'resolved' }));
      // Stopped: no more reads.
      const reads = read;
      await vi.advanceTimersByTimeAsync(10_000);
      expect(read).toBe(reads);
    } finally {
      vi.useRealTimers();
    }
  });
});
