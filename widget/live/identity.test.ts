// @vitest-environment happy-dom
import { h, render } from 'preact';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { identify, type IdentifyOptions } from './identity';

const conversation = { id: '11111111-1111-4111-8111-111111111111', token: 't'.repeat(43) };
const EARLIER = '22222222-2222-4222-8222-222222222222';

/** A server answering each path with the given data, recording the bodies it was sent. */
function server(answers: Record<string, unknown>) {
  const sent: Record<string, unknown> = {};
  const fetchFn = vi.fn(async (url: string, init: RequestInit) => {
    const path = url.split('/trpc/')[1]!;
    sent[path] = JSON.parse(String(init.body));
    return new Response(JSON.stringify({ result: { data: answers[path] } }), { status: 200 });
  });
  return { fetch: fetchFn as unknown as typeof fetch, sent };
}

function options(fetchFn: typeof fetch, identity: Record<string, unknown>) {
  const shown: (IdentifyOptions['show'] extends (v: infer V) => void ? V : never)[] = [];
  const opened: Parameters<IdentifyOptions['open']>[] = [];
  const o: IdentifyOptions = { apiUrl: 'https://api.example.com', siteKey: 'pk_test_12345678', conversation, identity, h, show: (v) => void shown.push(v), open: (...a) => void opened.push(a), fetch: fetchFn };
  return { o, shown, opened };
}

afterEach(() => vi.restoreAllMocks());

describe('identify (widget-live)', () => {
  it('should send the identity with the conversation token and list nothing for an unverified user, with one warning', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const { fetch, sent } = server({ 'identity.verify': { verified: false, reason: 'expired' } });
    const { o, shown } = options(fetch, { userId: 'u_1', name: 'Ada', token: 'old' });
    await identify(o);
    expect(sent['identity.verify']).toEqual({ conversationId: conversation.id, conversationToken: conversation.token, userId: 'u_1', name: 'Ada', token: 'old' });
    expect(sent['conversation.mine']).toBeUndefined();
    expect(shown).toEqual([]);
    expect(warn.mock.calls[0]!.join(' ')).toContain('not verified (expired)');
  });

  it("should show a verified user's other conversations as text, and open one with its access token", async () => {
    const mine = [
      { conversationId: conversation.id, startedAt: '2026-12-05T10:00:00Z', preview: 'this tab', lastMessageAt: '2026-12-05T10:00:00Z', accessToken: 'va.x' },
      { conversationId: EARLIER, startedAt: '2026-12-04T10:00:00Z', preview: '<img src=x onerror=alert(1)>', lastMessageAt: '2026-12-04T10:01:00Z', accessToken: 'va.earlier' },
    ];
    const transcript = [
      { messageId: 'm1', role: 'user', text: 'Where is my parcel?', author: null },
      { messageId: 'm2', role: 'agent', text: 'On its way.', author: null },
    ];
    const { fetch, sent } = server({ 'identity.verify': { verified: true }, 'conversation.mine': mine, 'conversation.byId': { transcript, escalation: null, availability: { nobodyOnline: false }, lastEventId: '0' } });
    const { o, shown, opened } = options(fetch, { userId: 'u_1', token: 'jwt' });
    await identify(o);
    expect(sent['conversation.mine']).toEqual({ userId: 'u_1', token: 'jwt' });
    const root = document.createElement('div');
    render(h(() => shown[0]!() as never, {}), root);
    const buttons = root.querySelectorAll('button');
    expect(buttons).toHaveLength(1);
    expect(buttons[0]!.textContent).toContain('<img src=x onerror=alert(1)>');
    expect(root.querySelector('img')).toBeNull();
    buttons[0]!.click();
    await vi.waitFor(() => expect(opened).toHaveLength(1));
    expect(sent['conversation.byId']).toEqual({ conversationId: EARLIER, conversationToken: 'va.earlier' });
    expect(opened[0]).toEqual([
      { id: EARLIER, token: 'va.earlier' },
      [
        { type: 'user', id: 'm1', text: 'Where is my parcel?' },
        { type: 'human', id: 'm2', text: 'On its way.', author: 'Assistant' },
      ],
    ]);
    expect(shown.at(-1)).toBeUndefined();
  });
});
