/**
 * A site of its own for the Track record e2e: created with the CLI, an admin and a reviewer member, two
 * topics ("refunds" under human review, "account deletion" high cost and automatic with no record), and
 * 22 decided refund drafts written with SQL (standing in for the draft queue, whose own suite tests it):
 * 12 approved by the reviewer in 0.5 s, 8 approved after 20 s, one edited, one rejected.
 */
import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import { HOST_URL, stackInfo, type StaffAccount } from './env';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = path.join(ROOT, 'bin/backstop.js');
const run = promisify(execFile);

export interface TrackRecordSeed {
  siteId: string;
  admin: StaffAccount;
  reviewer: StaffAccount;
  db: pg.Pool;
}

function cliEnv(): NodeJS.ProcessEnv {
  const { schema } = stackInfo();
  if (!schema || !process.env.DATABASE_URL) throw new Error('The Track record e2e needs the server on PostgreSQL: set DATABASE_URL.');
  return { ...process.env, DATABASE_SCHEMA: schema };
}

async function createStaff(role: string, siteId: string, name: string): Promise<StaffAccount> {
  const email = `${role}-${randomBytes(3).toString('hex')}@track-e2e.example`;
  const password = randomBytes(12).toString('base64url');
  await new Promise<void>((resolve, reject) => {
    const child = execFile(process.execPath, [CLI, 'staff', 'create', '--email', email, '--role', role, '--site', siteId, '--name', name], { cwd: ROOT, env: cliEnv() }, (err, _o, stderr) =>
      err ? reject(new Error(`staff create failed: ${stderr || err.message}`)) : resolve(),
    );
    child.stdin!.end(`${password}\n`);
  });
  return { email, password, displayName: name };
}

export async function seedTrackRecordSite(): Promise<TrackRecordSeed> {
  const env = cliEnv();
  const db = new pg.Pool({ connectionString: env.DATABASE_URL, max: 2, options: `-c search_path=${env.DATABASE_SCHEMA}` });
  const { stdout } = await run(process.execPath, [CLI, 'site', 'create', '--name', `Track E2E ${randomBytes(3).toString('hex')}`, '--origin', HOST_URL, '--json'], { cwd: ROOT, env });
  const { siteId } = JSON.parse(stdout.trim().split('\n').findLast((l) => l.startsWith('{'))!) as { siteId: string };
  const admin = await createStaff('admin', siteId, 'Ada Admin');
  const reviewer = await createStaff('reviewer', siteId, 'Maya Reviewer');
  const reviewerId = (await db.query<{ id: string }>('select id from staff where email = $1', [reviewer.email])).rows[0]!.id;

  await db.query(
    `insert into topics (site_id, name, failure_cost, autonomy, criterion, updated_by) values
       ($1, 'refunds', 'high', 'human_review', 'names the refund amount and the date it arrives', 'cli'),
       ($1, 'account deletion', 'high', 'auto', null, 'cli')`,
    [siteId],
  );
  const text = 'You can get a refund within 30 days of purchase. '.repeat(4).slice(0, 200);
  const decisions: { status: string; openMs: number }[] = [
    ...Array.from({ length: 12 }, () => ({ status: 'approved', openMs: 500 })),
    ...Array.from({ length: 8 }, () => ({ status: 'approved', openMs: 20_000 })),
    { status: 'edited', openMs: 45_000 },
    { status: 'rejected', openMs: 30_000 },
  ];
  for (const [i, d] of decisions.entries()) {
    const conversationId = randomUUID();
    const messageId = randomUUID();
    const at = new Date(Date.now() - (i + 2) * 3_600_000);
    await db.query(`insert into conversations (id, site_id, token_hash, created_at) values ($1, $2, 'e2e', $3)`, [conversationId, siteId, at]);
    await db.query(
      `insert into messages (id, site_id, conversation_id, client_event_id, role, text, confidence, topic, body_hash, sent_at)
       values ($1, $2, $3, $4, 'agent', $5, 0.8, 'refunds', 'e2e', $6)`,
      [messageId, siteId, conversationId, randomUUID(), text, at],
    );
    await db.query(
      `insert into drafts (site_id, conversation_id, message_id, topic, confidence, status, final_text, decided_by, decided_at, opened_at, open_ms, created_at)
       values ($1, $2, $3, 'refunds', 0.8, $4, $5, $6, $7, $7, $8, $7)`,
      [siteId, conversationId, messageId, d.status, text, reviewerId, new Date(at.getTime() + 60_000), d.openMs],
    );
  }
  return { siteId, admin, reviewer, db };
}
