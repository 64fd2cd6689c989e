/** Streams stored feedback in arrival order, in pages (keyset on `seq`), for exports of any size. */
import { and, asc, eq, gt, gte, type SQL } from 'drizzle-orm';
import type { Db } from '../db/client';
import { feedback, messages } from '../db/schema';

export interface ExportedFeedback {
  id: string;
  siteId: string;
  conversationId: string;
  /** The rated message's clientEventId, as the widget knows it. */
  messageId: string;
  traceId: string | null;
  rating: number;
  reasons: string[];
  comment: string | null;
  confidence: number | null;
  topic: string | null;
  createdAt: string;
}

export const EXPORT_FIELDS: (keyof ExportedFeedback)[] = [
  'id', 'siteId', 'conversationId', 'messageId', 'traceId', 'rating', 'reasons', 'comment', 'confidence', 'topic', 'createdAt',
];

export async function* exportFeedback(db: Db, filter: { siteId?: string; since?: Date }, pageSize = 2000): AsyncGenerator<ExportedFeedback[]> {
  let after: number | null = null;
  for (;;) {
    const conditions: (SQL | undefined)[] = [
      filter.siteId ? eq(feedback.siteId, filter.siteId) : undefined,
      filter.since ? gte(feedback.createdAt, filter.since) : undefined,
      after === null ? undefined : gt(feedback.seq, after),
    ];
    const rows = await db
      .select({
        id: feedback.id,
        siteId: feedback.siteId,
        conversationId: feedback.conversationId,
        messageId: messages.clientEventId,
        traceId: feedback.traceId,
        rating: feedback.rating,
        reasons: feedback.reasons,
        comment: feedback.comment,
        confidence: feedback.confidence,
        topic: feedback.topic,
        createdAt: feedback.createdAt,
        seq: feedback.seq,
      })
      .from(feedback)
      .innerJoin(messages, eq(messages.id, feedback.messageId))
      .where(and(...conditions))
      .orderBy(asc(feedback.seq))
      .limit(pageSize);
    if (rows.length === 0) return;
    yield rows.map(({ seq: _seq, ...r }) => ({ ...r, createdAt: r.createdAt.toISOString() }));
    const last = rows[rows.length - 1]!;
    after = last.seq;
    if (rows.length < pageSize) return;
  }
}

/** One CSV field, quoted when needed; reasons are joined with `;`. */
export function csvField(value: unknown): string {
  const text = value === null || value === undefined ? '' : Array.isArray(value) ? value.join(';') : String(value);
  // Cells starting with = + - @ are formulas to spreadsheet apps; prefix a quote so user text stays text.
  const safe = /^[=+\-@\t\r]/.test(text) && typeof value === 'string' ? `'${text}` : text;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
