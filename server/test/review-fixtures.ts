/**
 * Builders for the Review suites: conversations, messages, traces, spans and `cases` rows written
 * directly (the projector that fills `cases` in production is not needed to test the queries).
 */
import { randomUUID } from 'node:crypto';
import type { Db } from '../db/client';
import { cases, conversations, escalations, messages, spans, traces } from '../db/schema';
import type { CaseModeVerdict, FailureMode, TraceSummary } from '../../shared/traces';

type CaseRow = typeof cases.$inferInsert;

/** A conversation of the site, with its first message `minutesAgo` before `base`. */
export async function reviewConversation(db: Db, siteId: string) {
  const id = randomUUID();
  await db.insert(conversations).values({ id, siteId, tokenHash: 'test' });
  return id;
}

export async function addMessage(
  db: Db,
  siteId: string,
  conversationId: string,
  values: { role: 'user' | 'agent' | 'human'; text: string; sentAt: Date; confidence?: number; traceId?: string; topic?: string; staffId?: string },
): Promise<string> {
  const [row] = await db
    .insert(messages)
    .values({ siteId, conversationId, clientEventId: randomUUID(), bodyHash: 'test', ...values })
    .returning({ id: messages.id });
  return row!.id;
}

/** A case row; defaults make a negative feedback case on a fresh conversation's answer. */
export async function addCase(db: Db, siteId: string, values: Partial<CaseRow> & { occurredAt: Date; conversationId: string }): Promise<string> {
  const [row] = await db
    .insert(cases)
    .values({ siteId, source: 'feedback', sourceId: randomUUID(), negative: values.rating === -1 || values.source === 'escalation', ...values })
    .returning({ id: cases.id });
  return row!.id;
}

/**
 * A question, an answer (with confidence and trace) and a rating of it, as one feedback case; returns
 * the ids. `at` is the rating's time; the question is 2 s before and the answer 1 s before it.
 */
export async function ratedAnswer(
  db: Db,
  siteId: string,
  opts: {
    at: Date;
    rating: 1 | -1;
    confidence?: number | null;
    question?: string;
    answer?: string;
    topic?: string | null;
    release?: string | null;
    model?: string | null;
    traceId?: string | null;
    autoMode?: FailureMode | null;
    rationale?: string | null;
    conversationId?: string;
    extra?: Partial<CaseRow>;
  },
) {
  const conversationId = opts.conversationId ?? (await reviewConversation(db, siteId));
  const question = opts.question ?? 'When is my next bill?';
  await addMessage(db, siteId, conversationId, { role: 'user', text: question, sentAt: new Date(opts.at.getTime() - 2000) });
  const messageId = await addMessage(db, siteId, conversationId, {
    role: 'agent',
    text: opts.answer ?? 'Your next bill is on March 1.',
    sentAt: new Date(opts.at.getTime() - 1000),
    confidence: opts.confidence ?? undefined,
    traceId: opts.traceId ?? undefined,
    topic: opts.topic ?? undefined,
  });
  const autoModes: CaseModeVerdict[] | null = opts.autoMode ? [{ mode: opts.autoMode, confidence: 0.9, rationale: opts.rationale ?? 'because', spanId: null, rule: 'test' }] : null;
  const caseId = await addCase(db, siteId, {
    conversationId,
    messageId,
    occurredAt: opts.at,
    rating: opts.rating,
    reasons: opts.rating === -1 ? ['wrong'] : [],
    confidence: opts.confidence ?? null,
    topic: opts.topic ?? null,
    release: opts.release ?? null,
    model: opts.model ?? null,
    traceId: opts.traceId ?? null,
    autoMode: opts.autoMode ?? null,
    autoModes,
    rationale: opts.autoMode ? (opts.rationale ?? 'because') : null,
    classifiedAt: opts.autoMode ? opts.at : null,
    ...opts.extra,
  });
  return { conversationId, messageId, caseId };
}

/** An escalation row of a conversation (for escalation cases and their detail). */
export async function addEscalation(db: Db, siteId: string, conversationId: string, at: Date, extra: Partial<typeof escalations.$inferInsert> = {}) {
  const [row] = await db.insert(escalations).values({ siteId, conversationId, trigger: 'user', note: 'I need a person', createdAt: at, ...extra }).returning({ id: escalations.id });
  return row!.id;
}

export const traceSummary = (over: Partial<TraceSummary> = {}): TraceSummary => ({
  spanCount: 3,
  errorCount: 1,
  durationMs: 1500,
  model: 'gpt-test',
  llmCalls: 1,
  inputTokens: 1200,
  outputTokens: 80,
  context: null,
  systemPromptTokens: null,
  tools: [{ name: 'refund.create', spanId: 'bbbbbbbbbbbbbbbb', status: 'error', error: 'timeout', attempts: 2, durationMs: 1000 }],
  retrieval: null,
  confidence: 0.4,
  topic: 'billing',
  release: 'r1',
  errorSpanId: 'bbbbbbbbbbbbbbbb',
  ...over,
});

/** A trace with a root span, a failing tool call 100 ms in and an LLM call 1200 ms in; spans inserted out of order. */
export async function addTrace(db: Db, siteId: string, traceId: string, startedAt: Date, summary = traceSummary()) {
  await db.insert(traces).values({ siteId, traceId, startedAt, summary, model: summary.model, release: summary.release, topic: summary.topic });
  const at = (ms: number) => new Date(startedAt.getTime() + ms);
  const base = { siteId, traceId, attributes: {}, events: [] };
  await db.insert(spans).values([
    { ...base, spanId: 'cccccccccccccccc', parentSpanId: 'aaaaaaaaaaaaaaaa', name: 'chat gpt-test', startTime: at(1200), durationMs: 300, statusCode: 1, operation: 'chat', model: 'gpt-test', inputTokens: 1200, outputTokens: 80 },
    { ...base, spanId: 'aaaaaaaaaaaaaaaa', parentSpanId: null, name: 'agent', startTime: at(0), durationMs: 1500, statusCode: 0 },
    {
      ...base,
      spanId: 'bbbbbbbbbbbbbbbb',
      parentSpanId: 'aaaaaaaaaaaaaaaa',
      name: 'execute_tool refund.create',
      startTime: at(100),
      durationMs: 1000,
      statusCode: 2,
      statusMessage: 'timeout',
      toolName: 'refund.create',
      errorType: 'timeout',
      events: [{ name: 'retry', offsetMs: 500, attributes: { attempt: 2 } }],
    },
  ]);
}
