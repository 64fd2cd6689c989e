/** Builders for signals and callers used across the server suite. */
import { randomUUID } from 'node:crypto';
import type { FeedbackSignal, MessageSignal } from '../../shared/schemas';
import { createContextInner } from '../context';
import type { Db } from '../db/client';
import { createSite } from '../domain/sites';
import { randomToken } from '../domain/secrets';
import { appRouter } from '../routers';
import { createCallerFactory } from '../trpc';

const createCaller = createCallerFactory(appRouter);

export const TEST_ORIGIN = 'https://shop.example.com';

export async function siteWithCaller(db: Db, origins = [TEST_ORIGIN]) {
  const site = await createSite(db, { name: 'Test shop', origins });
  const caller = (origin: string | null = TEST_ORIGIN, userAgent = 'vitest') =>
    createCaller(createContextInner({ db, siteKey: site.publicKey, origin, userAgent }));
  return { site, caller };
}

export function conversation() {
  return { conversationId: randomUUID(), conversationToken: randomToken(32) };
}

type Conv = ReturnType<typeof conversation>;

export function agentMessage(conv: Conv, extra: Partial<MessageSignal> = {}): MessageSignal {
  return {
    kind: 'message',
    clientEventId: randomUUID(),
    ...conv,
    createdAt: new Date().toISOString(),
    role: 'agent',
    text: 'Your next bill is on **March 1**.',
    answer: { id: 'a1', confidence: 0.9, traceId: '4bf92f3577b34da6a3ce929d0e0e4736', topic: 'billing' },
    ...extra,
  };
}

export function userMessage(conv: Conv, text = 'When is my next bill?'): MessageSignal {
  return { kind: 'message', clientEventId: randomUUID(), ...conv, createdAt: new Date().toISOString(), role: 'user', text };
}

export function feedbackFor(message: MessageSignal, extra: Partial<FeedbackSignal> = {}): FeedbackSignal {
  return {
    kind: 'feedback',
    clientEventId: randomUUID(),
    conversationId: message.conversationId,
    conversationToken: message.conversationToken,
    createdAt: new Date().toISOString(),
    messageId: message.clientEventId,
    rating: -1,
    reasons: ['wrong'],
    comment: 'The date is wrong.',
    ...extra,
  };
}
