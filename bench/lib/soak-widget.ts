/**
 * One simulated widget for the soak: a visitor who chats at human pace (a question every few seconds,
 * the agent's answer about a second later, a rating now and then), sometimes with an outbox that
 * drains a backlog after being offline. It speaks the widget's wire form (`POST
 * /trpc/signal.push?batch=1` with `{"0": input}`), retries 429 after `Retry-After` and 5xx after a
 * second, as the outbox does, and records every signal the server acknowledged.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import { MAX_BATCH_ITEMS } from '../../shared/limits';
import type { FeedbackSignal, MessageSignal, Signal } from '../../shared/schemas';

export interface SoakTarget {
  baseUrl: string;
  publicKey: string;
  origin: string;
  agent: http.Agent;
}

/** What all widgets saw, shared. */
export class SoakTally {
  requests = 0;
  throttled = 0;
  errors = 0;
  errorSamples: string[] = [];
  /** Requests of at most three signals (live chat) and larger ones (backlog drains), ms. */
  latencies: number[] = [];
  drainLatencies: number[] = [];
  acked: string[] = [];
}

export interface WidgetPlan {
  /** Distinct client address, sent as X-Forwarded-For (used by the server only when it trusts a proxy). */
  address: string;
  seconds: number;
  /** Signals queued while offline before the run, sent as the first request(s). */
  backlog: number;
  /** Goes offline once for this long, at a random time, then drains what it queued. */
  offlineSeconds: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const between = (lo: number, hi: number) => lo + Math.random() * (hi - lo);

function send(target: SoakTarget, address: string, items: Signal[]): Promise<{ status: number; retryAfter?: string; body: string }> {
  const body = JSON.stringify({ 0: { items } });
  return new Promise((resolve) => {
    const req = http.request(
      new URL('/trpc/signal.push?batch=1', target.baseUrl),
      {
        method: 'POST',
        agent: target.agent,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          'x-backstop-key': target.publicKey,
          origin: target.origin,
          'user-agent': 'backstop-soak',
          'x-forwarded-for': address,
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'] as string | undefined, body: text }));
        res.on('error', (err) => resolve({ status: 0, body: err.message }));
      },
    );
    req.on('error', (err) => resolve({ status: 0, body: err.message }));
    req.end(body);
  });
}

/** Runs one widget's plan to the end, including the last drain. */
export async function runWidget(target: SoakTarget, plan: WidgetPlan, tally: SoakTally): Promise<void> {
  const conv = { conversationId: randomUUID(), conversationToken: randomBytes(32).toString('base64url') };
  const queue: Signal[] = [];
  const answers: MessageSignal[] = [];
  let turn = 0;
  const message = (role: 'user' | 'agent'): MessageSignal => {
    const base = { kind: 'message' as const, clientEventId: randomUUID(), ...conv, createdAt: new Date().toISOString() };
    if (role === 'user') return { ...base, role, text: `Question ${turn}: when is my next bill?` };
    const m: MessageSignal = { ...base, role, text: 'Your next bill is on **March 1**.', answer: { id: `a${turn}`, confidence: Math.random(), traceId: randomBytes(16).toString('hex'), topic: 'billing' } };
    answers.push(m);
    return m;
  };
  const rating = (m: MessageSignal): FeedbackSignal => {
    const good = Math.random() < 0.6;
    return { kind: 'feedback', clientEventId: randomUUID(), ...conv, createdAt: new Date().toISOString(), messageId: m.clientEventId, rating: good ? 1 : -1, reasons: good ? [] : ['wrong'] };
  };

  // Sends what is queued, in batches of at most MAX_BATCH_ITEMS, until the queue is empty.
  const drain = async () => {
    while (queue.length) {
      const items = queue.slice(0, MAX_BATCH_ITEMS);
      const sent = performance.now();
      const res = await send(target, plan.address, items);
      tally.requests++;
      (items.length <= 3 ? tally.latencies : tally.drainLatencies).push(performance.now() - sent);
      if (res.status === 200) {
        for (const r of JSON.parse(res.body)[0].result.data.results as { clientEventId: string; status: string }[])
          if (r.status === 'stored' || r.status === 'duplicate') tally.acked.push(r.clientEventId);
        queue.splice(0, items.length);
      } else if (res.status === 429) {
        tally.throttled++;
        await sleep(Math.max(100, Number(res.retryAfter ?? 1) * 1000));
      } else {
        tally.errors++;
        if (tally.errorSamples.length < 5) tally.errorSamples.push(`${res.status} ${res.body.slice(0, 200)}`);
        if (res.status >= 400 && res.status < 500) queue.splice(0, items.length); // refused for good, as the outbox sets it aside
        else await sleep(1000);
      }
    }
  };

  for (let i = 0; i < plan.backlog; i++) {
    turn++;
    queue.push(message('user'), message('agent'));
    if (Math.random() < 0.5) queue.push(rating(answers.at(-1)!));
  }
  const end = Date.now() + plan.seconds * 1000;
  const offlineAt = plan.offlineSeconds ? Date.now() + between(0, plan.seconds * 1000 - plan.offlineSeconds * 1000) : Infinity;
  const offlineUntil = offlineAt + plan.offlineSeconds * 1000;
  await sleep(between(0, 3000)); // visitors do not all arrive in the same second
  while (Date.now() < end) {
    const offline = Date.now() >= offlineAt && Date.now() < offlineUntil;
    if (!offline) await drain();
    turn++;
    queue.push(message('user'));
    if (!offline) await drain();
    await sleep(between(500, 1500)); // the agent thinks
    queue.push(message('agent'));
    if (!offline) await drain();
    if (Math.random() < 0.3) {
      await sleep(between(1000, 3000));
      queue.push(rating(answers.at(-1)!));
      if (!offline) await drain();
    }
    await sleep(between(2000, 6000)); // the visitor reads and types
  }
  await drain();
}
