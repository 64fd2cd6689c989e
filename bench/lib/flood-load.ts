/**
 * The flood bench's senders, run as forked children so that neither site's client work shares the
 * server's event loop. Each child sends `signal.push` requests on an open-loop schedule (a fixed rate,
 * whatever the answers do) from a set of client addresses (X-Forwarded-For), a new conversation per
 * request, and reports every latency and every status it saw.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { MessageSignal } from '../../shared/schemas';

/** One open-loop run, sent by the bench. */
export interface FloodRun {
  type: 'run';
  baseUrl: string;
  publicKey: string;
  origin: string;
  /** Client addresses, used in turn. */
  addresses: string[];
  requestsPerSecond: number;
  seconds: number;
  /** Connections at most; requests beyond wait for one, and their wait counts in their latency. */
  maxSockets: number;
}

/** What the child answers when a run is done. */
export interface FloodResult {
  type: 'result';
  /** Per request, ms from its scheduled send time to the end of the answer. */
  latencies: number[];
  /** Answers by HTTP status (`0` for a failed connection). */
  statuses: Record<string, number>;
  /** First answers that were neither 200 nor 429. */
  samples: string[];
  elapsedMs: number;
}

function body(): string {
  const m: MessageSignal = {
    kind: 'message',
    clientEventId: randomUUID(),
    conversationId: randomUUID(),
    conversationToken: randomBytes(24).toString('base64url'),
    createdAt: new Date().toISOString(),
    role: 'user',
    text: 'When is my next bill?',
  };
  return JSON.stringify({ 0: { items: [m] } });
}

function push(run: FloodRun, agent: http.Agent, address: string): Promise<{ status: number; text: string }> {
  const payload = body();
  return new Promise((resolve) => {
    const req = http.request(
      new URL('/trpc/signal.push?batch=1', run.baseUrl),
      {
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
          'x-backstop-key': run.publicKey,
          origin: run.origin,
          'x-forwarded-for': address,
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        res.on('error', (err) => resolve({ status: 0, text: err.message }));
      },
    );
    req.on('error', (err) => resolve({ status: 0, text: err.message }));
    req.end(payload);
  });
}

async function openLoop(run: FloodRun): Promise<FloodResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: run.maxSockets });
  const result: FloodResult = { type: 'result', latencies: [], statuses: {}, samples: [], elapsedMs: 0 };
  const total = Math.round(run.seconds * run.requestsPerSecond);
  const start = performance.now();
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / run.requestsPerSecond;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    inFlight.push(
      push(run, agent, run.addresses[i % run.addresses.length]!).then(({ status, text }) => {
        result.latencies.push(performance.now() - due);
        result.statuses[status] = (result.statuses[status] ?? 0) + 1;
        if (status !== 200 && status !== 429 && result.samples.length < 3) result.samples.push(`${status} ${text.slice(0, 200)}`);
      }),
    );
  }
  await Promise.all(inFlight);
  result.elapsedMs = performance.now() - start;
  agent.destroy();
  return result;
}

process.on('message', async (msg: FloodRun | { type: 'exit' }) => {
  if (msg.type === 'run') process.send!(await openLoop(msg));
  else process.exit(0);
});
