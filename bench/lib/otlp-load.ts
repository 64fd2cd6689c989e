/**
 * The OTLP bench's load generator, run as a forked child so that the server under test has its own
 * event loop: closed-loop clients POSTing fresh batches to /v1/traces over keep-alive HTTP/1.1.
 * A pool of bodies is built before the timed loop starts, so encoding mostly happens outside it; when
 * the pool runs out, more are built as needed (in this process, so never on the server's CPU).
 */
import http from 'node:http';
import { benchSpans, jsonBody, protobufBody } from './otlp-payload';
import { summarize, type Summary } from './stats';

export interface OtlpPhase {
  type: 'run';
  name: string;
  url: string;
  ingestKey: string;
  encoding: 'json' | 'protobuf';
  batchSize: number;
  concurrency: number;
  seconds: number;
  /** Bodies to prepare before timing; each is sent once, more are built if the loop needs them. */
  bodies: number;
}

export interface OtlpPhaseResult {
  type: 'result';
  name: string;
  requests: number;
  spans: number;
  errors: number;
  errorSamples: string[];
  elapsedMs: number;
  spansPerSec: number;
  bodyBytes: number;
  latency: Summary;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

function post(phase: OtlpPhase, body: Buffer): Promise<{ ok: boolean; detail?: string }> {
  return new Promise((resolve) => {
    const req = http.request(
      phase.url,
      {
        method: 'POST',
        agent,
        headers: {
          'content-type': phase.encoding === 'json' ? 'application/json' : 'application/x-protobuf',
          'content-length': body.length,
          authorization: `Bearer ${phase.ingestKey}`,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks);
          // A partialSuccess would show in the body; the bench's spans are all valid, so 200 with a short body is full success.
          if (res.statusCode === 200 && text.length < 8) resolve({ ok: true });
          else resolve({ ok: false, detail: `${res.statusCode} ${text.toString('utf8').slice(0, 200)}` });
        });
        res.on('error', (err) => resolve({ ok: false, detail: err.message }));
      },
    );
    req.on('error', (err) => resolve({ ok: false, detail: err.message }));
    req.end(body);
  });
}

async function run(phase: OtlpPhase): Promise<OtlpPhaseResult> {
  const encode = phase.encoding === 'json' ? jsonBody : protobufBody;
  const bodies = Array.from({ length: phase.bodies }, () => encode(benchSpans(phase.batchSize)));
  const bodyBytes = bodies[0]?.length ?? 0;
  let next = 0;
  let requests = 0;
  let spans = 0;
  let errors = 0;
  const errorSamples: string[] = [];
  const latencies: number[] = [];
  const start = performance.now();
  const end = start + phase.seconds * 1000;
  const client = async () => {
    while (performance.now() < end) {
      const body = next < bodies.length ? bodies[next++]! : encode(benchSpans(phase.batchSize));
      const sent = performance.now();
      const outcome = await post(phase, body);
      latencies.push(performance.now() - sent);
      requests++;
      if (outcome.ok) spans += phase.batchSize;
      else {
        errors++;
        if (errorSamples.length < 3 && outcome.detail) errorSamples.push(outcome.detail);
      }
    }
  };
  await Promise.all(Array.from({ length: phase.concurrency }, client));
  const elapsedMs = performance.now() - start;
  return { type: 'result', name: phase.name, requests, spans, errors, errorSamples, elapsedMs, spansPerSec: (spans / elapsedMs) * 1000, bodyBytes, latency: summarize(latencies) };
}

process.on('message', (msg: OtlpPhase | { type: 'exit' }) => {
  if (msg.type === 'exit') {
    agent.destroy();
    process.exit(0);
  }
  void run(msg).then((result) => process.send!(result));
});
