/**
 * A site whose every stored text is hostile, made the way its users, its agent and its staff would make it:
 * the site and a staff account with the CLI (hostile names), the conversation through the widget API
 * (`signal.push` with the site key and its allowed Origin), staff replies and internal notes through the
 * console's API, and the agent's trace through `POST /v1/traces` with the site's ingest key (OTLP/HTTP JSON).
 * Needs the server on PostgreSQL (the CLI runs beside it; rows are read to wait for the projector).
 */
import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect } from '@playwright/test';
import pg from 'pg';
import { API_URL, HOST_URL, stackInfo, type StaffAccount } from './env';
import { XSS_PAYLOADS, joinedPayloads } from './xss-payloads';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = path.join(ROOT, 'bin/backstop.js');
const run = promisify(execFile);

/** What a site name and a staff member's display name can carry. */
export const HOSTILE_SITE_NAME = `Acme <img src=x onerror="window.__pwned='site name'"> [Docs](javascript:window.__pwned='site md') <script>window.__pwned='site script'</script>`;
export const HOSTILE_STAFF_NAME = `Maya <img src=x onerror="window.__pwned='staff name'">`;
/** Topic, release and model: agent-given values that Review lists in tables and filter menus. */
export const HOSTILE_TOPIC = `billing<script>window.__pwned='topic'</script>`;
export const HOSTILE_RELEASE = `r1"><img src=x onerror="window.__pwned='release'">`;
export const HOSTILE_MODEL = `gpt<svg onload="window.__pwned='model'">`;

function cliEnv(): NodeJS.ProcessEnv {
  const { schema } = stackInfo();
  if (!schema || !process.env.DATABASE_URL) throw new Error('The XSS e2e needs the server on PostgreSQL: set DATABASE_URL (npm test does).');
  return { ...process.env, DATABASE_SCHEMA: schema };
}

export interface HostileSite {
  siteId: string;
  publicKey: string;
  ingestKey: string;
  admin: StaffAccount;
  db: pg.Pool;
}

/** Creates the site (hostile name, the host origin allowed) and an admin of it with a hostile display name. */
export async function createHostileSite(): Promise<HostileSite> {
  const env = cliEnv();
  const { stdout } = await run(process.execPath, [CLI, 'site', 'create', '--name', HOSTILE_SITE_NAME, '--origin', HOST_URL, '--json'], { cwd: ROOT, env });
  const site = JSON.parse(stdout.trim().split('\n').findLast((l) => l.startsWith('{'))!) as { siteId: string; publicKey: string; ingestKey: string };
  const admin: StaffAccount = { email: `xss-${randomBytes(3).toString('hex')}@xss-e2e.example`, password: randomBytes(12).toString('base64url'), displayName: HOSTILE_STAFF_NAME };
  await new Promise<void>((resolve, reject) => {
    const child = execFile(process.execPath, [CLI, 'staff', 'create', '--email', admin.email, '--role', 'admin', '--site', site.siteId, '--name', admin.displayName], { cwd: ROOT, env }, (err, _o, stderr) =>
      err ? reject(new Error(`staff create failed: ${stderr || err.message}`)) : resolve(),
    );
    child.stdin!.end(`${admin.password}\n`);
  });
  const db = new pg.Pool({ connectionString: env.DATABASE_URL, max: 2, options: `-c search_path=${env.DATABASE_SCHEMA}` });
  return { ...site, admin, db };
}

async function widgetCall(site: HostileSite, procedure: string, body: unknown): Promise<unknown> {
  const res = await fetch(`${API_URL}/trpc/${procedure}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-backstop-key': site.publicKey, origin: HOST_URL },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${procedure} answered ${res.status}: ${text}`);
  return (JSON.parse(text) as { result: { data: unknown } }).result.data;
}

/** A signed-in staff member calling the console's API (session cookie, CSRF header on mutations). */
export interface StaffApi {
  call(procedure: string, input: unknown): Promise<unknown>;
  query(procedure: string, input: unknown): Promise<unknown>;
}

export async function staffApi(who: StaffAccount): Promise<StaffApi> {
  const login = await fetch(`${API_URL}/trpc/staff.login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-backstop-csrf': '1' },
    body: JSON.stringify({ email: who.email, password: who.password }),
  });
  if (!login.ok) throw new Error(`staff.login answered ${login.status}`);
  const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
  const unwrap = async (res: Response, procedure: string) => {
    const json = (await res.json()) as { result?: { data: unknown }; error?: { message: string } };
    if (!res.ok) throw new Error(`${procedure}: HTTP ${res.status} ${json.error?.message ?? ''}`);
    return json.result!.data;
  };
  return {
    call: async (procedure, input) =>
      unwrap(
        await fetch(`${API_URL}/trpc/${procedure}`, { method: 'POST', headers: { cookie, 'content-type': 'application/json', 'x-backstop-csrf': '1' }, body: JSON.stringify(input) }),
        procedure,
      ),
    query: async (procedure, input) => unwrap(await fetch(`${API_URL}/trpc/${procedure}?input=${encodeURIComponent(JSON.stringify(input))}`, { headers: { cookie } }), procedure),
  };
}

/** The escalation of a conversation, once the server has it. */
export async function escalationOf(staff: StaffApi, conversationId: string): Promise<string> {
  let id: string | undefined;
  await expect
    .poll(async () => {
      const list = (await staff.query('escalation.list', { filter: 'open' })) as { items: { id: string; conversationId: string }[] };
      return (id = list.items.find((i) => i.conversationId === conversationId)?.id);
    }, { timeout: 15_000 })
    .toBeTruthy();
  return id!;
}

/** Claims the escalation and sends every payload as a reply and as an internal note, then `last` as a reply. */
export async function answerWithPayloads(staff: StaffApi, escalationId: string, last: string): Promise<void> {
  await staff.call('escalation.claim', { escalationId });
  for (const p of XSS_PAYLOADS) {
    await staff.call('escalation.reply', { escalationId, text: p.text });
    await staff.call('escalation.note', { escalationId, text: p.text });
  }
  await staff.call('escalation.reply', { escalationId, text: last });
}

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

/** Sends a trace whose span names, attributes, status messages and events are the payloads. */
async function sendHostileTrace(site: HostileSite, traceId: string): Promise<void> {
  const str = (key: string, v: string) => ({ key, value: { stringValue: v } });
  const startNs = BigInt(Date.now() - 60_000) * 1_000_000n;
  const root = hex(8);
  const spans = [
    {
      traceId,
      spanId: root,
      name: 'invoke_agent support',
      kind: 1,
      startTimeUnixNano: String(startNs),
      endTimeUnixNano: String(startNs + 2_000_000_000n),
      // The release and the model are listed in Review's case table and filter menus.
      attributes: [str('gen_ai.operation.name', 'invoke_agent'), str('backstop.release', HOSTILE_RELEASE), str('backstop.topic', HOSTILE_TOPIC)],
    },
    {
      traceId,
      spanId: hex(8),
      parentSpanId: root,
      name: 'chat',
      kind: 1,
      startTimeUnixNano: String(startNs),
      endTimeUnixNano: String(startNs + 10_000_000n),
      attributes: [str('gen_ai.operation.name', 'chat'), str('gen_ai.request.model', HOSTILE_MODEL)],
    },
    ...XSS_PAYLOADS.map((p, i) => {
      const start = startNs + BigInt(i) * 20_000_000n;
      return {
        traceId,
        spanId: hex(8),
        parentSpanId: root,
        name: p.text,
        kind: 1,
        startTimeUnixNano: String(start),
        endTimeUnixNano: String(start + 15_000_000n),
        attributes: [str('gen_ai.operation.name', 'execute_tool'), str('gen_ai.tool.name', p.text), str('gen_ai.request.model', p.text), str('error.type', p.text), str(`xss.${i}`, p.text), str(p.text.slice(0, 100), 'key is a payload')],
        events: [{ name: p.text, timeUnixNano: String(start + 1_000_000n), attributes: [str('exception.type', p.text), str('exception.message', p.text)] }],
        status: { code: 2, message: p.text },
      };
    }),
  ];
  const body = { resourceSpans: [{ resource: { attributes: [str('service.name', joinedPayloads(500, ' '))] }, scopeSpans: [{ scope: { name: 'xss-e2e' }, spans }] }] };
  const res = await fetch(`${API_URL}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${site.ingestKey}` }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`/v1/traces answered ${res.status}: ${await res.text()}`);
  const result = (await res.json()) as { partialSuccess?: { rejectedSpans?: string | number } };
  expect(Number(result.partialSuccess?.rejectedSpans ?? 0), 'spans refused').toBe(0);
}

export interface HostileConversation {
  conversationId: string;
  /** The case of the answer that carries the hostile trace. */
  tracedCaseId: string;
}

/**
 * A conversation in which every payload is a user message, an agent answer and a Not helpful comment, the
 * user asks for a person with the payloads as the note, and the last answer's trace is hostile too. Resolves
 * once the projector made the traced answer's review case.
 */
export async function seedHostileConversation(site: HostileSite, extra: { user: string; agent: string }[] = []): Promise<HostileConversation> {
  const conv = { conversationId: randomUUID(), conversationToken: randomBytes(24).toString('base64url') };
  const traceId = hex(16);
  const t0 = Date.now() - 5 * 60_000;
  let n = 0;
  const at = () => new Date(t0 + n++ * 1000).toISOString();
  const turns = [...XSS_PAYLOADS.map((p) => ({ user: p.text, agent: p.text })), ...extra];
  const items: unknown[] = [];
  let tracedAnswer = '';
  turns.forEach((turn, i) => {
    const answerEvent = randomUUID();
    const last = i === turns.length - 1;
    if (last) tracedAnswer = answerEvent;
    items.push(
      { kind: 'message', clientEventId: randomUUID(), ...conv, createdAt: at(), role: 'user', text: turn.user },
      {
        kind: 'message',
        clientEventId: answerEvent,
        ...conv,
        createdAt: at(),
        role: 'agent',
        text: turn.agent,
        answer: { id: `xss-${randomUUID()}`, confidence: i % 2 ? 0.3 : 0.9, topic: i % 3 ? 'xss' : HOSTILE_TOPIC, ...(last ? { traceId } : {}) },
      },
      {
        kind: 'feedback',
        clientEventId: randomUUID(),
        ...conv,
        createdAt: at(),
        messageId: answerEvent,
        rating: -1,
        // Half without a reason: their cases' rationale quotes the comment.
        reasons: i % 2 ? ['wrong'] : [],
        comment: XSS_PAYLOADS[i % XSS_PAYLOADS.length]!.text,
      },
    );
  });
  items.push({ kind: 'escalation', clientEventId: randomUUID(), ...conv, createdAt: at(), trigger: 'user', note: joinedPayloads(2000), pageUrl: `${HOST_URL}/billing`, identity: { name: HOSTILE_STAFF_NAME } });
  await sendHostileTrace(site, traceId);
  await widgetCall(site, 'signal.push', { items });

  let tracedCaseId: string | undefined;
  await expect
    .poll(
      async () => {
        const { rows } = await site.db.query<{ id: string }>(
          `select c.id from cases c join messages m on m.id = c.message_id where m.client_event_id = $1 and c.source = 'feedback'`,
          [tracedAnswer],
        );
        return (tracedCaseId = rows[0]?.id);
      },
      { timeout: 15_000, message: 'the projector made the review case' },
    )
    .toBeTruthy();
  return { conversationId: conv.conversationId, tracedCaseId: tracedCaseId! };
}
