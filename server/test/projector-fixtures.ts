/** Builders for the review projector's suites: conversations with answers, feedback, escalations and traces. */
import { randomUUID } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import type { MessageSignal } from '../../shared/schemas';
import type { TraceSummary } from '../../shared/traces';
import type { EscalationOutcome } from '../../shared/handoff';
import type { Db } from '../db/client';
import { cases, escalations, traces } from '../db/schema';
import { markTracesChanged } from '../domain/case-invalidation';
import { resolveEscalation } from '../domain/escalations';
import type { SessionStaff } from '../domain/sessions';
import { createSite } from '../domain/sites';
import { storeSignals } from '../domain/signals';
import { agentMessage, conversation, feedbackFor, userMessage } from './fixtures';
import { escalationSignal } from './handoff-fixtures';

export const randomTraceId = () => randomUUID().replace(/-/g, '');

/** A trace where nothing went wrong; `extra` adds the failure under test. */
export function traceSummary(extra: Partial<TraceSummary> = {}): TraceSummary {
  return {
    spanCount: 3,
    errorCount: 0,
    durationMs: 900,
    model: 'gpt-4o',
    llmCalls: 1,
    inputTokens: 2000,
    outputTokens: 150,
    context: { spanId: 'a1a1a1a1a1a1a1a1', inputTokens: 2000, windowTokens: 10000, ratio: 0.2, turns: 1 },
    systemPromptTokens: 400,
    tools: [],
    retrieval: { calls: 1, sources: 2, spanId: 'b2b2b2b2b2b2b2b2' },
    confidence: 0.9,
    topic: 'billing',
    release: '2026.12.1',
    errorSpanId: null,
    ...extra,
  };
}

/** A site and helpers that store signals on it as the widget would. */
export async function projectorSite(db: Db, name = 'Projector shop') {
  const site = await createSite(db, { name, origins: [] });
  const store = (items: Parameters<typeof storeSignals>[2]['items']) => storeSignals(db, { siteId: site.siteId, userAgent: null }, { items });
  const admin: SessionStaff = { id: randomUUID(), email: 'admin@example.com', role: 'admin', displayName: 'Admin', siteIds: [site.siteId] };

  /** A conversation: the user asks, the agent answers (with a fresh trace id); returns both signals. */
  async function exchange(opts: { input?: string; answer?: Partial<NonNullable<MessageSignal['answer']>>; conv?: ReturnType<typeof conversation> } = {}) {
    const conv = opts.conv ?? conversation();
    const question = userMessage(conv, opts.input ?? 'When is my next bill?');
    const answer = agentMessage(conv, { answer: { id: randomUUID(), confidence: 0.9, traceId: randomTraceId(), topic: 'billing', ...opts.answer } });
    await store([question, answer]);
    return { conv, question, answer, traceId: answer.answer!.traceId! };
  }

  return {
    ...site,
    store,
    exchange,
    async rate(answer: MessageSignal, rating: 1 | -1, reasons: string[] = [], comment: string | null = null) {
      const f = feedbackFor(answer, { rating, reasons: reasons as never, comment: comment ?? undefined });
      await store([f]);
      return f;
    },
    async escalate(conv: ReturnType<typeof conversation>, extra: Parameters<typeof escalationSignal>[1] = {}) {
      await store([escalationSignal(conv, extra)]);
      const [row] = await db.select().from(escalations).where(eq(escalations.conversationId, conv.conversationId)).orderBy(sql`created_at desc`).limit(1);
      return row!;
    },
    resolve: (escalationId: string, outcome: EscalationOutcome) => resolveEscalation(db, admin, escalationId, outcome),
    /** Stores (or replaces) a trace's summary and requeues its cases, as trace ingestion does. */
    async putTrace(traceId: string, summary: TraceSummary) {
      await db.transaction(async (tx) => {
        await tx
          .insert(traces)
          .values({ siteId: site.siteId, traceId, startedAt: new Date(), summary, model: summary.model, release: summary.release, topic: summary.topic })
          .onConflictDoUpdate({ target: [traces.siteId, traces.traceId], set: { summary, model: summary.model, release: summary.release, topic: summary.topic, updatedAt: new Date() } });
        await markTracesChanged(tx as unknown as Db, site.siteId, [traceId]);
      });
    },
  };
}

export const casesOf = (db: Db, conversationId: string) => db.select().from(cases).where(eq(cases.conversationId, conversationId)).orderBy(cases.occurredAt);
