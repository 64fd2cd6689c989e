/**
 * What an operator would look at: the rows the server stored. Read straight from PostgreSQL (the server
 * exposes no counting API), in the private schema of this run.
 */
import pg from 'pg';
import { stackInfo } from './env';

let pool: pg.Pool | undefined;

function db(): pg.Pool {
  const { schema } = stackInfo();
  if (!schema || !process.env.DATABASE_URL)
    throw new Error('e2e needs DATABASE_URL=postgres://postgres@127.0.0.1:5432/test to count stored rows (the server is on PGlite).');
  pool ??= new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 2, options: `-c search_path=${schema}` });
  return pool;
}

export interface FeedbackRow {
  clientEventId: string;
  rating: number;
  reasons: string[];
  comment: string | null;
  answerId: string | null;
  siteId: string;
  conversationId: string;
}

/** Feedback stored on agent answers whose id (the agent's own) starts with `answerIdPrefix`. */
export async function feedbackOnAnswers(answerIdPrefix: string): Promise<FeedbackRow[]> {
  const { rows } = await db().query<FeedbackRow>(
    `select f.client_event_id as "clientEventId", f.rating, f.reasons, f.comment, m.answer_id as "answerId", f.site_id as "siteId",
            f.conversation_id as "conversationId"
       from feedback f join messages m on m.id = f.message_id
      where starts_with(m.answer_id, $1)
      order by f.created_at`,
    [answerIdPrefix],
  );
  return rows;
}

/** How many feedback rows are stored on those answers (for `expect.poll`). */
export async function countFeedback(answerIdPrefix: string): Promise<number> {
  return (await feedbackOnAnswers(answerIdPrefix)).length;
}

export interface MessageRow {
  role: string;
  text: string;
  answerId: string | null;
  confidence: number | null;
  siteId: string;
  conversationId: string;
}

/** Every stored message of the conversations in which some message contains `marker`. */
export async function messagesOfConversationWith(marker: string): Promise<MessageRow[]> {
  const { rows } = await db().query<MessageRow>(
    `select role, text, answer_id as "answerId", confidence, site_id as "siteId", conversation_id as "conversationId"
       from messages
      where conversation_id in (select conversation_id from messages where strpos(text, $1) > 0)
      order by sent_at, created_at`,
    [marker],
  );
  return rows;
}

/** The demo site's id (seeded by the server's first start). */
export async function demoSiteId(): Promise<string> {
  const { rows } = await db().query<{ value: string }>(`select value from settings where key = 'demo_site_id'`);
  if (!rows[0]) throw new Error('the demo site is not seeded');
  return rows[0].value;
}

export interface EscalationRow {
  trigger: string;
  status: string;
  note: string | null;
  contactEmail: string | null;
}

/** The escalations stored for a conversation. */
export async function escalationsOf(conversationId: string): Promise<EscalationRow[]> {
  const { rows } = await db().query<EscalationRow>(
    `select trigger, status, note, contact_email as "contactEmail" from escalations where conversation_id = $1`,
    [conversationId],
  );
  return rows;
}
