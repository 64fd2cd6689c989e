/**
 * The ingest bench's load generator, run as a forked child so that the server under test has its own
 * event loop. Sends feedback batches to POST /trpc/signal.push over keep-alive HTTP/1.1.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { FeedbackSignal } from '../../shared/schemas';
import { BENCH_ORIGIN, type LoadPhase, type LoadSetup, type PhaseResult, type PhaseTarget, type PoolConversation } from './ingest-protocol';
import { summarize } from './stats';

let setup: LoadSetup;
let agent: http.Agent;
let cursor = 0;

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;

function feedbackFor(conv: PoolConversation, createdAt: string): FeedbackSignal {
  return {
    kind: 'feedback',
    clientEventId: randomUUID(),
    conversationId: conv.conversationId,
    conversationToken: conv.conversationToken,
    createdAt,
    messageId: pick(conv.agentMessageIds),
    rating: -1,
    reasons: ['wrong'],
    comment: 'x',
  };
}

function batchBody(size: number, wire: PhaseTarget['wire']): string {
  const createdAt = new Date().toISOString();
  const items: FeedbackSignal[] = [];
  const first = setup.pool[cursor++ % setup.pool.length]!;
  for (let i = 0; i < size; i++) items.push(feedbackFor(setup.sameConversation ? first : pick(setup.pool), createdAt));
  return JSON.stringify(wire === 'batch' ? { 0: { items } } : { items });
}

interface Outcome {
  ok: boolean;
  events: number;
  detail?: string;
}

function post(body: string, target: PhaseTarget): Promise<Outcome> {
  const url = new URL(target.wire === 'batch' ? '/trpc/signal.push?batch=1' : '/trpc/signal.push', target.baseUrl ?? setup.baseUrl);
  return new Promise((resolve) => {
    const req = http.request(
      url,
      {
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          'x-backstop-key': setup.publicKey,
          origin: BENCH_ORIGIN,
          'user-agent': 'backstop-bench',
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if (res.statusCode !== 200) return resolve({ ok: false, events: 0, detail: `${res.statusCode} ${text.slice(0, 300)}` });
          try {
            const answer = JSON.parse(text);
            const results = (target.wire === 'batch' ? answer[0] : answer).result.data.results as { status: string }[];
            resolve({ ok: true, events: results.filter((r) => r.status === 'stored' || r.status === 'duplicate').length });
          } catch (err) {
            resolve({ ok: false, events: 0, detail: `unreadable answer: ${(err as Error).message}` });
          }
        });
        res.on('error', (err) => resolve({ ok: false, events: 0, detail: err.message }));
      },
    );
    req.on('error', (err) => resolve({ ok: false, events: 0, detail: err.message }));
    req.end(body);
  });
}

class Tally {
  requests = 0;
  events = 0;
  errors = 0;
  errorSamples: string[] = [];
  latencies: number[] = [];
  add(outcome: Outcome, latencyMs: number): void {
    this.requests++;
    this.latencies.push(latencyMs);
    if (outcome.ok) this.events += outcome.events;
    else {
      this.errors++;
      if (this.errorSamples.length < 3 && outcome.detail) this.errorSamples.push(outcome.detail);
    }
  }
  result(name: string, elapsedMs: number): PhaseResult {
    return {
      type: 'result',
      name,
      requests: this.requests,
      events: this.events,
      errors: this.errors,
      errorSamples: this.errorSamples,
      elapsedMs,
      eventsPerSec: (this.events / elapsedMs) * 1000,
      latency: summarize(this.latencies),
    };
  }
}

async function closedLoop(phase: Extract<LoadPhase, { mode: 'closed' }>): Promise<PhaseResult> {
  const tally = new Tally();
  const start = performance.now();
  const end = start + phase.seconds * 1000;
  const client = async () => {
    while (performance.now() < end) {
      const body = batchBody(phase.batchSize, phase.wire);
      const sent = performance.now();
      const outcome = await post(body, phase);
      tally.add(outcome, performance.now() - sent);
    }
  };
  await Promise.all(Array.from({ length: phase.concurrency }, client));
  return tally.result(phase.name, performance.now() - start);
}

async function openLoop(phase: Extract<LoadPhase, { mode: 'open' }>): Promise<PhaseResult> {
  const tally = new Tally();
  const interval = 1000 / phase.requestsPerSecond;
  const total = Math.round(phase.seconds * phase.requestsPerSecond);
  const start = performance.now();
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = start + i * interval;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const body = batchBody(phase.batchSize, phase.wire);
    inFlight.push(post(body, phase).then((outcome) => tally.add(outcome, performance.now() - due)));
  }
  await Promise.all(inFlight);
  return tally.result(phase.name, performance.now() - start);
}

process.on('message', async (msg: LoadSetup | LoadPhase | { type: 'exit' }) => {
  if (msg.type === 'setup') {
    setup = msg;
    // One socket per client of the largest phase (64), so no request waits for a socket.
    agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
    process.send!({ type: 'ready' });
  } else if (msg.type === 'run') {
    const result = msg.mode === 'closed' ? await closedLoop(msg) : await openLoop(msg);
    process.send!(result);
  } else if (msg.type === 'exit') {
    agent?.destroy();
    process.exit(0);
  }
});
