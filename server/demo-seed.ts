/**
 * `backstop demo seed`: gives the demo site a believable history, so that Review, Track record, calibration
 * and readiness have something to show on a fresh install. About 3,000 answers over six weeks across five
 * defined topics and one undefined one, with confidences that carry information (the helpful rate rises with
 * confidence), traces stored through the same path as /v1/traces (3% of answers have none), ratings, escalations with outcomes, and
 * ~300 decided drafts of the `human_review` topic, one reviewer of which approves in under a second.
 * Rows are inserted in batches in one transaction; then the review projector turns ratings and escalations
 * into cases, as it does for live traffic.
 */
import { randomUUID } from 'node:crypto';
import { and, count, eq, inArray } from 'drizzle-orm';
import { planTrace, type PlannedSpan } from '../demo/trace-plan';
import type { ScenarioId } from '../demo/agent';
import type { Db } from './db/client';
import { cases, conversations, drafts, escalations, events, feedback, messages, settings, staff } from './db/schema';
import { CLI_ACTOR } from './domain/audit';
import { generatePassword, hashPassword, sha256 } from './domain/secrets';
import { findSite } from './domain/sites';
import { addStaffToSites } from './domain/staff';
import { listTopics, setTopic } from './domain/topics';
import { startReviewProjector } from './review/projector';
import { ingestSpans } from './traces/store';
import type { IncomingSpan } from './traces/incoming';
import { BACKSTOP_ATTRIBUTES } from '../shared/traces';
import {
  DEFINED_DEMO_TOPICS,
  DEMO_TEAM,
  DEMO_TOPICS,
  EDITED_REFUND,
  NEGATIVE_COMMENTS,
  NEGATIVE_REASONS,
  OLD_RELEASE,
  REPLACED_REFUND,
  type DemoTopic,
} from './demo-seed-data';

/** The setting naming the demo site (written by the first start, server/seed.ts). */
const DEMO_SITE_SETTING = 'demo_site_id';
/** Marks a site as seeded, so a second run refuses unless forced. */
export const DEMO_SEEDED_SETTING = 'demo_seeded:';

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;
/** Rows per INSERT statement. */
const BATCH = 500;

export interface DemoSeedOptions {
  /** Default: the demo site `backstop start` created. */
  siteId?: string;
  /** Seed again on a site that was seeded (adds another history). */
  force?: boolean;
  /** Agent answers to make (default 3,000). */
  answers?: number;
  /** Days of history (default 42). */
  days?: number;
  now?: Date;
  /** Seed of the pseudo-random draws: the same seed gives the same history shape. */
  seed?: number;
}

export interface DemoSeedResult {
  siteId: string;
  siteName: string;
  conversations: number;
  answers: number;
  ratings: number;
  escalations: number;
  drafts: number;
  traces: number;
  cases: number;
}

/** A refusal the operator can act on (unknown site, already seeded). */
export class DemoSeedRefusal extends Error {}

/** The demo site's id, or null before the first start. */
export async function demoSiteId(db: Db): Promise<string | null> {
  const [row] = await db.select({ value: settings.value }).from(settings).where(eq(settings.key, DEMO_SITE_SETTING));
  return row?.value ?? null;
}

/** mulberry32: small, fast and good enough for a demo's draws. */
function randomSource(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const between = (lo: number, hi: number) => lo + (hi - lo) * next();
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  const gauss = () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
  const hex = (bytes: number) => Array.from({ length: bytes }, () => Math.floor(next() * 256).toString(16).padStart(2, '0')).join('');
  return { next, between, pick, gauss, hex };
}

const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));

/**
 * How often an answer at confidence `c` helps: a logistic curve, 50% at 0.6 and 94% at 0.8, so calibrated
 * "High confidence" thresholds come out between 0.75 and 0.85 (a topic's own quality moves them).
 */
export const helpfulChance = (c: number) => 1 / (1 + Math.exp(-14 * (c - 0.6)));

type Rows<T extends { $inferInsert: unknown }> = T['$inferInsert'][];

/** Seeds the site; refuses an unknown site and a second run without `force`. */
export async function seedDemo(db: Db, opts: DemoSeedOptions = {}): Promise<DemoSeedResult> {
  const siteId = opts.siteId ?? (await demoSiteId(db));
  if (!siteId) throw new DemoSeedRefusal('There is no demo site yet: run `npx backstop start` once (it creates it), or name a site with --site SITE_ID.');
  const site = await findSite(db, siteId);
  if (!site) throw new DemoSeedRefusal(`No site with id or key '${siteId}'.`);
  const marker = `${DEMO_SEEDED_SETTING}${site.id}`;
  const [seeded] = await db.select({ value: settings.value }).from(settings).where(eq(settings.key, marker));
  if (seeded && !opts.force) throw new DemoSeedRefusal(`Site '${site.name}' was already seeded (${seeded.value}); use --force to add more.`);

  const now = (opts.now ?? new Date()).getTime();
  const total = opts.answers ?? 3000;
  const days = opts.days ?? 42;
  const rnd = randomSource(opts.seed ?? 20261205);

  const team = await demoTeam(db, site.id);
  const history = buildHistory(site.id, { now, total, days, rnd, team });

  await db.transaction(async (t) => {
    const tx = t as unknown as Db;
    const defined = new Set((await listTopics(tx, site.id)).map((p) => p.name));
    // An admin's own policy for a topic is kept: the seed only defines the topics that are missing.
    for (const topic of DEFINED_DEMO_TOPICS.filter((p) => !defined.has(p.name)))
      await setTopic(tx, CLI_ACTOR, { siteId: site.id, name: topic.name, failureCost: topic.failureCost ?? undefined, autonomy: topic.autonomy, criterion: topic.criterion ?? undefined, reason: 'demo seed' });
    await insertInBatches(tx, conversations, history.conversations);
    await insertInBatches(tx, messages, history.messages);
    await insertInBatches(tx, drafts, history.drafts);
    await insertInBatches(tx, feedback, history.feedback);
    await insertInBatches(tx, escalations, history.escalations);
    await insertInBatches(tx, events, history.events);
    // Traces go through the same checks, bounds and summaries as an exporter's spans.
    for (let i = 0; i < history.spans.length; i += 2000) await ingestSpans(tx, site.id, { spans: history.spans.slice(i, i + 2000), rejected: 0, errors: [] });
    await tx
      .insert(settings)
      .values({ key: marker, value: new Date(now).toISOString() })
      .onConflictDoUpdate({ target: settings.key, set: { value: new Date(now).toISOString() } });
  });

  await projectCases(db);
  const [made] = await db.select({ n: count() }).from(cases).where(eq(cases.siteId, site.id));
  return {
    siteId: site.id,
    siteName: site.name,
    conversations: history.conversations.length,
    answers: history.messages.filter((m) => m.role === 'agent').length,
    ratings: history.feedback.length,
    escalations: history.escalations.length,
    drafts: history.drafts.length,
    traces: history.traceCount,
    cases: made?.n ?? 0,
  };
}

async function insertInBatches<T extends Parameters<Db['insert']>[0]>(tx: Db, table: T, rows: T['$inferInsert'][]): Promise<void> {
  for (let i = 0; i < rows.length; i += BATCH) await tx.insert(table).values(rows.slice(i, i + BATCH) as never);
}

/** Runs the review projector until it has nothing left, so the cases exist when the command returns. */
async function projectCases(db: Db): Promise<void> {
  const projector = startReviewProjector(db, { intervalMs: 0, commitLagMs: 0 });
  try {
    for (let pass = 0; pass < 50; pass++) {
      const run = await projector.runOnce();
      if (run.feedbackCases + run.escalationCases + run.resolved + run.classified === 0) break;
    }
  } finally {
    await projector.close();
  }
}

/** The demo team's accounts (made once, disabled: they cannot sign in), members of the site. */
async function demoTeam(db: Db, siteId: string): Promise<{ id: string; name: string; fastShare: number; share: number }[]> {
  const emails = DEMO_TEAM.map((m) => m.email);
  const existing = await db.select({ id: staff.id, email: staff.email }).from(staff).where(inArray(staff.email, emails));
  const ids = new Map(existing.map((r) => [r.email, r.id]));
  for (const member of DEMO_TEAM.filter((m) => !ids.has(m.email))) {
    const [row] = await db
      .insert(staff)
      .values({ email: member.email, role: member.role, displayName: member.name, passwordHash: await hashPassword(generatePassword()), disabledAt: new Date() })
      .onConflictDoNothing({ target: staff.email })
      .returning({ id: staff.id });
    if (row) ids.set(member.email, row.id);
    else ids.set(member.email, (await db.select({ id: staff.id }).from(staff).where(eq(staff.email, member.email)))[0]!.id);
  }
  for (const id of ids.values()) await addStaffToSites(db, id, [siteId]);
  return DEMO_TEAM.map((m) => ({ id: ids.get(m.email)!, name: m.name, fastShare: m.fastShare, share: m.share }));
}

interface HistoryInput {
  now: number;
  total: number;
  days: number;
  rnd: ReturnType<typeof randomSource>;
  team: { id: string; name: string; fastShare: number; share: number }[];
}

/** Every row of the history, in memory (a few MB for 3,000 answers). */
function buildHistory(siteId: string, { now, total, days, rnd, team }: HistoryInput) {
  const out = {
    conversations: [] as Rows<typeof conversations>,
    messages: [] as Rows<typeof messages>,
    drafts: [] as Rows<typeof drafts>,
    feedback: [] as Rows<typeof feedback>,
    escalations: [] as Rows<typeof escalations>,
    events: [] as Rows<typeof events>,
    spans: [] as IncomingSpan[],
    traceCount: 0,
  };
  const pickTopic = (): DemoTopic => {
    let x = rnd.next();
    for (const topic of DEMO_TOPICS) if ((x -= topic.weight) < 0) return topic;
    return DEMO_TOPICS[0]!;
  };
  const pickMember = () => (rnd.next() < team[0]!.share ? team[0]! : team[1] ?? team[0]!);
  const message = (conversationId: string, role: 'user' | 'agent' | 'human', text: string, at: number, extra: Partial<typeof messages.$inferInsert> = {}) => {
    const id = randomUUID();
    out.messages.push({ id, siteId, conversationId, clientEventId: randomUUID(), role, text, bodyHash: 'demo-seed', sentAt: new Date(at), createdAt: new Date(at), ...extra });
    return id;
  };

  let answers = 0;
  while (answers < total) {
    const topic = pickTopic();
    // Volume grows towards today (density rises linearly over the period); nothing in the last 2 minutes.
    const start = now - 2 * MINUTE_MS - days * DAY_MS * (1 - Math.sqrt(rnd.next()));
    const conversationId = randomUUID();
    out.conversations.push({ id: conversationId, siteId, tokenHash: sha256(randomUUID()), createdAt: new Date(start) });
    const turns = Math.min(total - answers, 1 + (rnd.next() < 0.3 ? 1 : 0) + (rnd.next() < 0.1 ? 1 : 0));
    let at = start;
    let unhelpful = 0;
    let negatives = 0;
    let lastAnswer = { at, confidence: 1, toolFailed: false };
    let toolFailures = 0;
    for (let turn = 1; turn <= turns; turn++, answers++) {
      const question = rnd.pick(topic.questions);
      message(conversationId, 'user', question, at);
      const answerAt = at + rnd.between(2_000, 8_000);
      const confidence = Number(clamp(0.72 + topic.confidenceShift + 0.17 * rnd.gauss(), 0.05, 0.99).toFixed(2));
      const toolFailed = rnd.next() < topic.toolFailureRate;
      const recent = now - answerAt < 7 * DAY_MS;
      let chance = clamp(helpfulChance(confidence) + topic.qualityShift - (recent ? (topic.recentDrop ?? 0) : 0), 0.02, 0.99);
      if (toolFailed) chance *= 0.5;
      const helpful = rnd.next() < chance;
      const text = rnd.pick(topic.answers);
      const traced = rnd.next() < 0.97;
      const traceId = traced ? rnd.hex(16) : null;
      const release = now - answerAt > 21 * DAY_MS ? OLD_RELEASE : null;
      let rootSpanId: string | null = null;
      if (traceId) {
        const scenario: ScenarioId = toolFailed ? 'tool_timeout' : confidence < 0.45 ? 'uncertain' : topic.name === 'billing dates' || topic.name === 'refunds' ? 'billing' : 'greeting';
        const plan = planTrace({ scenario, message: question, turn, conversationId, answer: { confidence, topic: topic.name, text } });
        if (release) plan.attributes[BACKSTOP_ATTRIBUTES.release] = release;
        rootSpanId = rnd.hex(8);
        flatten(plan, { traceId, spanId: rootSpanId, parentSpanId: null, startMs: answerAt - plan.durationMs, rnd, out: out.spans });
        out.traceCount++;
      }
      const messageId = message(conversationId, 'agent', text, answerAt, { answerId: `demo-${answers}`, confidence, topic: topic.name, traceId, spanId: rootSpanId });
      if (topic.autonomy === 'human_review') draftOf(messageId, { conversationId, topic: topic.name, confidence, traceId, at: answerAt, text });
      // What the user rated: under review, the answer a person let through.
      const seenHelpful = topic.autonomy === 'human_review' ? rnd.next() < Math.min(0.99, helpfulChance(confidence) + 0.15) : helpful;
      if (!seenHelpful) unhelpful++;
      if (rnd.next() < (seenHelpful ? 0.3 : 0.5)) {
        const rating = seenHelpful ? 1 : -1;
        if (rating === -1) negatives++;
        const ratedAt = answerAt + rnd.between(20_000, 240_000);
        out.feedback.push({
          siteId,
          conversationId,
          messageId,
          clientEventId: randomUUID(),
          rating,
          reasons: rating === 1 ? [] : [toolFailed ? 'action_failed' : rnd.pick(NEGATIVE_REASONS)],
          comment: rating === 1 ? null : rnd.pick(NEGATIVE_COMMENTS),
          traceId,
          confidence,
          topic: topic.name,
          bodyHash: 'demo-seed',
          sentAt: new Date(ratedAt),
          createdAt: new Date(ratedAt),
        });
      }
      lastAnswer = { at: answerAt, confidence, toolFailed };
      if (toolFailed) toolFailures++;
      at = answerAt + rnd.between(MINUTE_MS, 3 * MINUTE_MS);
    }
    // Users whose action failed ask for a person more often; still, about a third of them do not.
    const escalationChance = toolFailures > 0 ? 0.7 : unhelpful > 0 ? (topic.autonomy === 'suggest_handoff' ? 0.6 : 0.35) : 0.03;
    if (rnd.next() < escalationChance) escalate(conversationId, lastAnswer, unhelpful > 0, negatives);
  }
  return out;

  function draftOf(messageId: string, d: { conversationId: string; topic: string; confidence: number; traceId: string | null; at: number; text: string }) {
    const reviewer = pickMember();
    // About 97% approved unedited: eligible to step up on the record, unless fast approvals are discounted.
    const approve = rnd.next() < 0.93 + 0.06 * d.confidence;
    const status = approve ? 'approved' : rnd.next() < 0.7 ? 'edited' : 'rejected';
    const fast = status === 'approved' && rnd.next() < reviewer.fastShare;
    const openMs = Math.round(fast ? rnd.between(300, 950) : status === 'approved' ? rnd.between(4_000, 40_000) : rnd.between(15_000, 90_000));
    const openedAt = d.at + rnd.between(20_000, 8 * MINUTE_MS);
    out.drafts.push({
      siteId,
      conversationId: d.conversationId,
      messageId,
      topic: d.topic,
      confidence: d.confidence,
      traceId: d.traceId,
      status,
      finalText: status === 'approved' ? d.text : status === 'edited' ? EDITED_REFUND : REPLACED_REFUND,
      decidedBy: reviewer.id,
      openedAt: new Date(openedAt),
      decidedAt: new Date(openedAt + openMs),
      openMs,
      createdAt: new Date(d.at),
    });
  }

  function escalate(conversationId: string, last: { at: number; confidence: number; toolFailed: boolean }, wasUnhelpful: boolean, negatives: number) {
    const created = last.at + rnd.between(MINUTE_MS, 5 * MINUTE_MS);
    const trigger = negatives > 1 ? 'repeated_negative' : last.confidence < 0.45 ? 'low_confidence' : 'user';
    const id = randomUUID();
    const member = pickMember();
    // The last day's escalations are partly still open, so the Inbox has work in it.
    const open = now - created < DAY_MS && rnd.next() < 0.3;
    const claimedAt = created + rnd.between(MINUTE_MS, 10 * MINUTE_MS);
    const resolvedAt = Math.min(now - MINUTE_MS, claimedAt + rnd.between(5 * MINUTE_MS, 60 * MINUTE_MS));
    const x = rnd.next();
    const outcome = wasUnhelpful ? (x < 0.6 ? 'agent_was_wrong' : x < 0.85 ? 'resolved' : 'no_response') : x < 0.7 ? 'agent_was_right' : 'resolved';
    out.escalations.push({
      id,
      siteId,
      conversationId,
      trigger,
      note: last.toolFailed ? 'The refund did not go through' : wasUnhelpful ? 'The answer did not help' : 'I would like to talk to a person',
      status: open ? 'queued' : 'resolved',
      assigneeId: open ? null : member.id,
      outcome: open ? null : outcome,
      createdAt: new Date(created),
      claimedAt: open ? null : new Date(claimedAt),
      firstHumanReplyAt: open ? null : new Date(claimedAt + 30_000),
      resolvedAt: open ? null : new Date(resolvedAt),
    });
    const base = { siteId, conversationId, escalationId: id, audience: 'widget' as const };
    out.events.push({ ...base, type: 'escalation.created', payload: { status: 'queued', trigger, note: null, pageUrl: null, createdAt: new Date(created).toISOString() }, createdAt: new Date(created) });
    if (open) return;
    message(conversationId, 'human', `Hi, this is ${member.name} from support. Let me look into this for you.`, claimedAt + 30_000, { staffId: member.id });
    out.events.push({ ...base, type: 'escalation.resolved', payload: { status: 'resolved' }, createdAt: new Date(resolvedAt) });
  }
}

/** A planned span tree as the spans an exporter sends (times in ns), with fresh span ids. */
function flatten(
  span: PlannedSpan,
  at: { traceId: string; spanId: string; parentSpanId: string | null; startMs: number; rnd: ReturnType<typeof randomSource>; out: IncomingSpan[] },
  traceStartMs = at.startMs,
): void {
  const startMs = traceStartMs + span.startMs;
  const ns = (ms: number) => BigInt(Math.round(ms)) * 1_000_000n;
  const attributes = Object.entries(span.attributes) as [string, unknown][];
  if (span.error) attributes.push(['error.type', span.error.type]);
  at.out.push({
    traceId: at.traceId,
    spanId: at.spanId,
    parentSpanId: at.parentSpanId,
    name: span.name,
    kind: span.kind === 'client' ? 3 : 1,
    startNs: ns(startMs),
    endNs: ns(startMs + span.durationMs),
    attributes,
    events: span.events.map((e) => ({ name: e.name, timeNs: ns(startMs + e.offsetMs), attributes: Object.entries(e.attributes) })),
    statusCode: span.error ? 2 : 0,
    statusMessage: span.error?.message ?? null,
    resource: { 'service.name': 'acme-support-agent' },
  });
  for (const child of span.children) flatten(child, { ...at, spanId: at.rnd.hex(8), parentSpanId: at.spanId }, traceStartMs);
}

/** How many rows of each kind a site has (for the command's summary and tests). */
export async function seededCounts(db: Db, siteId: string) {
  const n = async (table: typeof messages | typeof feedback | typeof escalations | typeof drafts | typeof cases) => (await db.select({ n: count() }).from(table).where(eq(table.siteId, siteId)))[0]!.n;
  const [answers] = await db.select({ n: count() }).from(messages).where(and(eq(messages.siteId, siteId), eq(messages.role, 'agent')));
  return { answers: answers!.n, ratings: await n(feedback), escalations: await n(escalations), drafts: await n(drafts), cases: await n(cases) };
}
