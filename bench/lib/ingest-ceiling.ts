/**
 * The database's own ceiling for the ingest bench: multi-row INSERTs of feedback rows, shaped like
 * the ones the server writes, sent straight through the driver with no HTTP, validation or ORM.
 */
import { randomBytes, randomUUID } from 'node:crypto';

/** What a feedback row copies from its rated agent message. */
export interface RatedMessage {
  id: string;
  conversationId: string;
  traceId: string | null;
  confidence: number | null;
  topic: string | null;
}

/** A driver-level query function: pg's `Pool#query` or PGlite's `query`. */
export type QueryFn = (text: string, params: unknown[]) => Promise<unknown>;

const COLUMNS = [
  'site_id', 'conversation_id', 'message_id', 'client_event_id', 'rating', 'reasons', 'comment',
  'page_url', 'user_agent', 'trace_id', 'confidence', 'topic', 'body_hash', 'sent_at',
];

function insertText(rows: number): string {
  const values: string[] = [];
  for (let r = 0; r < rows; r++) values.push(`(${COLUMNS.map((_, c) => `$${r * COLUMNS.length + c + 1}`).join(', ')})`);
  return `INSERT INTO feedback (${COLUMNS.join(', ')}) VALUES ${values.join(', ')} ON CONFLICT (site_id, client_event_id) DO NOTHING`;
}

function rowParams(siteId: string, m: RatedMessage, sentAt: string): unknown[] {
  return [siteId, m.conversationId, m.id, randomUUID(), -1, '["wrong"]', 'x', null, 'backstop-bench', m.traceId, m.confidence, m.topic, randomBytes(32).toString('hex'), sentAt];
}

export interface CeilingResult {
  rows: number;
  statements: number;
  elapsedMs: number;
  rowsPerSec: number;
}

/** Runs `connections` loops of multi-row INSERTs for `seconds`; each statement commits on its own. */
export async function insertCeiling(opts: {
  query: QueryFn;
  connections: number;
  seconds: number;
  batchSize: number;
  siteId: string;
  messages: RatedMessage[];
}): Promise<CeilingResult> {
  const text = insertText(opts.batchSize);
  let rows = 0;
  let statements = 0;
  const start = performance.now();
  const end = start + opts.seconds * 1000;
  const loop = async () => {
    while (performance.now() < end) {
      const sentAt = new Date().toISOString();
      const params: unknown[] = [];
      for (let i = 0; i < opts.batchSize; i++)
        params.push(...rowParams(opts.siteId, opts.messages[Math.floor(Math.random() * opts.messages.length)]!, sentAt));
      await opts.query(text, params);
      rows += opts.batchSize;
      statements++;
    }
  };
  await Promise.all(Array.from({ length: opts.connections }, loop));
  const elapsedMs = performance.now() - start;
  return { rows, statements, elapsedMs, rowsPerSec: (rows / elapsedMs) * 1000 };
}
