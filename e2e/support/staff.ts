/**
 * Acting as a support agent over HTTP, as the console does: `staff.login` sets the session cookie, every
 * mutation carries it with `x-backstop-csrf: 1`, and an open `escalation.onInbox` stream makes the agent
 * count as online for their sites.
 */
import { expect } from '@playwright/test';
import { API_URL, stackInfo } from './env';

export interface Staff {
  /** The escalation of a conversation, once the server has it. */
  escalationOf(conversationId: string): Promise<string>;
  claim(escalationId: string): Promise<void>;
  reply(escalationId: string, text: string): Promise<void>;
  resolve(escalationId: string): Promise<void>;
  /** Opens the Inbox stream (the agent is online while it is open); returns the function that closes it. */
  goOnline(): Promise<() => void>;
}

async function trpc(path: string, cookie: string, body?: unknown): Promise<unknown> {
  const init: RequestInit =
    body === undefined
      ? { headers: { cookie } }
      : { method: 'POST', headers: { cookie, 'content-type': 'application/json', 'x-backstop-csrf': '1' }, body: JSON.stringify(body) };
  const res = await fetch(`${API_URL}/trpc/${path}`, init);
  const json = (await res.json()) as { result?: { data: unknown }; error?: { message: string } };
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status} ${json.error?.message ?? ''}`);
  return json.result!.data;
}

export async function signInAsAgent(): Promise<Staff> {
  const { email, password } = stackInfo().agent;
  const res = await fetch(`${API_URL}/trpc/staff.login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-backstop-csrf': '1' },
    body: JSON.stringify({ email, password }),
  });
  expect(res.status).toBe(200);
  const cookie = res.headers.get('set-cookie')!.split(';')[0]!;
  return {
    async escalationOf(conversationId) {
      let id: string | undefined;
      await expect
        .poll(async () => {
          const list = (await trpc(`escalation.list?input=${encodeURIComponent(JSON.stringify({ filter: 'open' }))}`, cookie)) as {
            items: { id: string; conversationId: string }[];
          };
          id = list.items.find((i) => i.conversationId === conversationId)?.id;
          return id;
        }, { timeout: 15_000 })
        .toBeTruthy();
      return id!;
    },
    claim: async (escalationId) => void (await trpc('escalation.claim', cookie, { escalationId })),
    reply: async (escalationId, text) => void (await trpc('escalation.reply', cookie, { escalationId, text })),
    resolve: async (escalationId) => void (await trpc('escalation.resolve', cookie, { escalationId, outcome: 'resolved' })),
    async goOnline() {
      const stop = new AbortController();
      const res = await fetch(`${API_URL}/trpc/escalation.onInbox?input=${encodeURIComponent('{}')}`, { headers: { cookie }, signal: stop.signal });
      expect(res.status).toBe(200);
      // Read the stream so it stays open until closed.
      void (async () => {
        try {
          for await (const _ of res.body!) void _;
        } catch {
          // closed
        }
      })();
      return () => stop.abort();
    },
  };
}
