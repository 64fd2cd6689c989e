/**
 * A site of its own for the Review e2e (so no other test's answers change its numbers): created with the
 * CLI like an operator would, a reviewer member, and three rated answers sent through the widget API
 * (`signal.push`). The tool-failure answer's trace goes in through `POST /v1/traces` (OTLP/HTTP JSON) when
 * the server has that route; the classified `cases` rows and an alert are written with SQL, standing in for
 * the classifier and the alert job, whose own suites test them.
 */
import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import { API_URL, HOST_URL, stackInfo, type StaffAccount } from './env';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = path.join(ROOT, 'bin/backstop.js');
const run = promisify(execFile);

export interface ReviewSeed {
  siteId: string;
  siteName: string;
  reviewer: StaffAccount;
  tag: string;
  questions: { tool: string; hallucination: string; helpful: string };
  /** The failing tool attempt the classification cites. */
  evidenceSpanId: string;
  traceId: string;
  /** Whether the trace went in through OTLP/HTTP (else SQL). */
  tracedOverHttp: boolean;
  db: pg.Pool;
}

function cliEnv(): NodeJS.ProcessEnv {
  const { schema } = stackInfo();
  if (!schema || !process.env.DATABASE_URL) throw new Error('The Review e2e needs the server on PostgreSQL: set DATABASE_URL (npm test does).');
  return { ...process.env, DATABASE_SCHEMA: schema };
}

async function createSite(name: string): Promise<{ siteId: string; publicKey: string; ingestKey: string }> {
  const { stdout } = await run(process.execPath, [CLI, 'site', 'create', '--name', name, '--origin', HOST_URL, '--json'], { cwd: ROOT, env: cliEnv() });
  return JSON.parse(stdout.trim().split('\n').findLast((l) => l.startsWith('{'))!);
}

async function createStaff(role: string, siteId: string, name: string): Promise<StaffAccount> {
  const email = `${role}-${randomBytes(3).toString('hex')}@review-e2e.example`;
  const password = randomBytes(12).toString('base64url');
  await new Promise<void>((resolve, reject) => {
    const child = execFile(process.execPath, [CLI, 'staff', 'create', '--email', email, '--role', role, '--site', siteId, '--name', name], { cwd: ROOT, env: cliEnv() }, (err, _o, stderr) =>
      err ? reject(new Error(`staff create failed: ${stderr || err.message}`)) : resolve(),
    );
    child.stdin!.end(`${password}\n`);
  });
  return { email, password, displayName: name };
}

async function push(publicKey: string, items: unknown[]): Promise<void> {
  const res = await fetch(`${API_URL}/trpc/signal.push`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-backstop-key': publicKey, origin: HOST_URL },
    body: JSON.stringify({ items }),
  });
  if (!res.ok) throw new Error(`signal.push answered ${res.status}: ${await res.text()}`);
}

interface Answer {
  question: string;
  answer: string;
  confidence: number;
  topic: string;
  traceId?: string;
  rating: 1 | -1;
  reasons?: string[];
  comment?: string;
  minutesAgo: number;
}

/** A conversation in which the user asks, the agent answers, and the user rates the answer. */
async function rateAnswer(publicKey: string, a: Answer): Promise<string> {
  const conv = { conversationId: randomUUID(), conversationToken: randomBytes(24).toString('base64url') };
  const at = (offsetMs: number) => new Date(Date.now() - a.minutesAgo * 60_000 + offsetMs).toISOString();
  const agentEvent = randomUUID();
  await push(publicKey, [
    { kind: 'message', clientEventId: randomUUID(), ...conv, createdAt: at(0), role: 'user', text: a.question },
    {
      kind: 'message',
      clientEventId: agentEvent,
      ...conv,
      createdAt: at(1000),
      role: 'agent',
      text: a.answer,
      answer: { id: `a-${randomUUID()}`, confidence: a.confidence, topic: a.topic, ...(a.traceId ? { traceId: a.traceId } : {}) },
    },
    { kind: 'feedback', clientEventId: randomUUID(), ...conv, createdAt: at(2000), messageId: agentEvent, rating: a.rating, reasons: a.reasons ?? [], ...(a.comment ? { comment: a.comment } : {}) },
  ]);
  return conv.conversationId;
}

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

interface SpanSeed {
  spanId: string;
  parent: string | null;
  name: string;
  startMs: number;
  durationMs: number;
  error?: string;
  attributes: Record<string, string | number>;
}

/** The trace of an answer whose refund tool timed out twice: agent → chat → tool (2 failing attempts) → chat. */
function refundTrace(): { traceId: string; spans: SpanSeed[]; evidence: string } {
  const root = hex(8);
  const evidence = hex(8);
  const spans: SpanSeed[] = [
    { spanId: root, parent: null, name: 'invoke_agent support', startMs: 0, durationMs: 5200, attributes: { 'gen_ai.operation.name': 'invoke_agent', 'backstop.topic': 'billing', 'backstop.release': 'r42' } },
    { spanId: hex(8), parent: root, name: 'chat gpt-4o-mini', startMs: 20, durationMs: 600, attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.usage.input_tokens': 1200, 'gen_ai.usage.output_tokens': 40 } },
    { spanId: hex(8), parent: root, name: 'execute_tool refund.create', startMs: 650, durationMs: 2000, error: 'timeout', attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'refund.create', 'error.type': 'timeout', 'backstop.retry.attempt': 1 } },
    { spanId: evidence, parent: root, name: 'execute_tool refund.create', startMs: 2700, durationMs: 2000, error: 'timeout', attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'refund.create', 'error.type': 'timeout', 'backstop.retry.attempt': 2 } },
    { spanId: hex(8), parent: root, name: 'chat gpt-4o-mini', startMs: 4750, durationMs: 420, attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.usage.input_tokens': 1300, 'gen_ai.usage.output_tokens': 60 } },
  ];
  return { traceId: hex(16), spans, evidence };
}

/** Sends the trace as a stock OTLP/HTTP JSON exporter would; false when the server has no such route. */
async function sendOtlp(ingestKey: string, traceId: string, spans: SpanSeed[], startNs: bigint): Promise<boolean> {
  const attr = (k: string, v: string | number) => ({ key: k, value: typeof v === 'number' ? { intValue: String(v) } : { stringValue: v } });
  const body = {
    resourceSpans: [
      {
        resource: { attributes: [attr('service.name', 'review-e2e-agent')] },
        scopeSpans: [
          {
            scope: { name: 'review-e2e' },
            spans: spans.map((s) => ({
              traceId,
              spanId: s.spanId,
              ...(s.parent ? { parentSpanId: s.parent } : {}),
              name: s.name,
              kind: 1,
              startTimeUnixNano: String(startNs + BigInt(s.startMs) * 1_000_000n),
              endTimeUnixNano: String(startNs + BigInt(s.startMs + s.durationMs) * 1_000_000n),
              attributes: Object.entries(s.attributes).map(([k, v]) => attr(k, v)),
              status: s.error ? { code: 2, message: `${s.error} after 2000 ms` } : { code: 1 },
            })),
          },
        ],
      },
    ],
  };
  const res = await fetch(`${API_URL}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${ingestKey}` }, body: JSON.stringify(body) });
  if (res.status === 404) return false;
  if (!res.ok) throw new Error(`/v1/traces answered ${res.status}: ${await res.text()}`);
  return true;
}

async function insertTraceSql(db: pg.Pool, siteId: string, traceId: string, spans: SpanSeed[], start: Date): Promise<void> {
  for (const s of spans) {
    const a = s.attributes;
    await db.query(
      `insert into spans (site_id, trace_id, span_id, parent_span_id, name, kind, start_time, duration_ms, status_code, status_message, operation, model, tool_name, error_type, input_tokens, output_tokens, attributes, events)
       values ($1,$2,$3,$4,$5,1,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17)`,
      [
        siteId, traceId, s.spanId, s.parent, s.name, new Date(start.getTime() + s.startMs), s.durationMs, s.error ? 2 : 1, s.error ? `${s.error} after 2000 ms` : null,
        a['gen_ai.operation.name'] ?? null, a['gen_ai.request.model'] ?? null, a['gen_ai.tool.name'] ?? null, a['error.type'] ?? null,
        a['gen_ai.usage.input_tokens'] ?? null, a['gen_ai.usage.output_tokens'] ?? null, JSON.stringify(a),
        JSON.stringify(s.error ? [{ name: 'exception', offsetMs: s.durationMs, attributes: { 'exception.type': s.error } }] : []),
      ],
    );
  }
  const tools = spans.filter((s) => s.attributes['gen_ai.tool.name']);
  const summary = {
    spanCount: spans.length,
    errorCount: spans.filter((s) => s.error).length,
    durationMs: Math.max(...spans.map((s) => s.startMs + s.durationMs)),
    model: 'gpt-4o-mini',
    llmCalls: 2,
    inputTokens: 2500,
    outputTokens: 100,
    context: null,
    systemPromptTokens: null,
    tools: [{ name: 'refund.create', spanId: tools.at(-1)!.spanId, status: 'error', error: 'timeout', attempts: tools.length, durationMs: 4000 }],
    retrieval: null,
    confidence: 0.85,
    topic: 'billing',
    release: 'r42',
    errorSpanId: tools[0]!.spanId,
  };
  await db.query(`insert into traces (site_id, trace_id, started_at, summary, model, release, topic) values ($1,$2,$3,$4,'gpt-4o-mini','r42','billing') on conflict do nothing`, [
    siteId, traceId, start, JSON.stringify(summary),
  ]);
}

interface Verdict {
  mode: string;
  rationale: string;
  spanId: string | null;
}

/** The case of a feedback row, classified (an upsert: a classifier that got there first is overruled). */
async function upsertCase(db: Db, siteId: string, conversationId: string, verdict: Verdict | null): Promise<void> {
  const { rows } = await db.query<{ id: string; message_id: string; rating: number; reasons: string[]; comment: string | null; trace_id: string | null; confidence: number; topic: string; sent_at: Date }>(
    `select id, message_id, rating, reasons, comment, trace_id, confidence, topic, sent_at from feedback where conversation_id = $1`,
    [conversationId],
  );
  const f = rows[0]!;
  const modes = verdict ? [{ mode: verdict.mode, confidence: 0.9, rationale: verdict.rationale, spanId: verdict.spanId, rule: 'e2e' }] : null;
  await db.query(
    `insert into cases (site_id, source, source_id, conversation_id, message_id, trace_id, occurred_at, rating, reasons, comment, confidence, topic, release, model, escalated, negative,
                        auto_mode, auto_modes, auto_confidence, rationale, evidence_span_id, classified_at)
     values ($1,'feedback',$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,'r42','gpt-4o-mini',false,$12,$13,$14,$15,$16,$17,now())
     on conflict (source_id) do update set auto_mode = excluded.auto_mode, auto_modes = excluded.auto_modes, auto_confidence = excluded.auto_confidence,
       rationale = excluded.rationale, evidence_span_id = excluded.evidence_span_id, release = excluded.release, model = excluded.model, classified_at = now()`,
    [
      siteId, f.id, conversationId, f.message_id, f.trace_id, f.sent_at, f.rating, JSON.stringify(f.reasons), f.comment, f.confidence, f.topic, f.rating === -1,
      verdict?.mode ?? null, modes ? JSON.stringify(modes) : null, verdict ? 0.9 : null, verdict?.rationale ?? null, verdict?.spanId ?? null,
    ],
  );
}
type Db = pg.Pool;

export async function seedReviewSite(): Promise<ReviewSeed> {
  const env = cliEnv();
  const db = new pg.Pool({ connectionString: env.DATABASE_URL, max: 2, options: `-c search_path=${env.DATABASE_SCHEMA}` });
  const tag = randomBytes(3).toString('hex');
  const siteName = `Review E2E ${tag}`;
  const site = await createSite(siteName);
  const reviewer = await createStaff('reviewer', site.siteId, 'Rita Reviewer');
  const { traceId, spans, evidence } = refundTrace();
  const questions = { tool: `Can you refund my last invoice? ${tag}`, hallucination: `Do I owe VAT on exports? ${tag}`, helpful: `When is my next bill? ${tag}` };

  const toolConv = await rateAnswer(site.publicKey, {
    question: questions.tool, answer: 'I have **started** the refund.', confidence: 0.85, topic: 'billing', traceId, rating: -1, reasons: ['action_failed'], comment: 'Nothing happened', minutesAgo: 90,
  });
  const vatConv = await rateAnswer(site.publicKey, {
    question: questions.hallucination, answer: 'No VAT is due on any export.', confidence: 0.3, topic: 'tax', traceId: hex(16), rating: -1, reasons: ['wrong'], minutesAgo: 60,
  });
  const okConv = await rateAnswer(site.publicKey, { question: questions.helpful, answer: 'On March 1.', confidence: 0.9, topic: 'billing', rating: 1, minutesAgo: 30 });

  const start = new Date(Date.now() - 90 * 60_000 + 500);
  const tracedOverHttp = await sendOtlp(site.ingestKey, traceId, spans, BigInt(start.getTime()) * 1_000_000n);
  if (tracedOverHttp) {
    // Stored before the answer, but let a slow machine finish before the cases point at the spans.
    for (let i = 0; i < 50; i++) {
      const { rows } = await db.query(`select count(*)::int as n from spans where site_id = $1 and trace_id = $2`, [site.siteId, traceId]);
      if (rows[0].n === spans.length) break;
      await new Promise((r) => setTimeout(r, 100));
    }
  } else await insertTraceSql(db, site.siteId, traceId, spans, start);

  await upsertCase(db, site.siteId, toolConv, { mode: 'tool_failure', rationale: 'tool `refund.create` failed with timeout after 2 attempts', spanId: evidence });
  await upsertCase(db, site.siteId, vatConv, { mode: 'hallucination', rationale: 'stated confidence 0.30 and no retrieval sources', spanId: null });
  await upsertCase(db, site.siteId, okConv, null);

  const hourStart = new Date(Math.floor(Date.now() / 3600_000) * 3600_000 - 3600_000);
  await db.query(
    `insert into alerts (site_id, topic, metric, window_start, window_end, observed_count, observed_total, observed_rate, baseline_rate, baseline_total, message)
     values ($1, 'billing', 'negative_rate', $2, $3, 9, 20, 0.45, 0.1, 400, $4)`,
    [site.siteId, hourStart, new Date(hourStart.getTime() + 3600_000), `Negative rate for billing was 45% (9 of 20) in the hour, against a baseline of 10% ${tag}`],
  );
  return { siteId: site.siteId, siteName, reviewer, tag, questions, evidenceSpanId: evidence, traceId, tracedOverHttp, db };
}
