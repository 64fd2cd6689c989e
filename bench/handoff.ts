/**
 * Handoff delivery over real HTTP and SSE on PostgreSQL: (1) a widget's escalation (`signal.push`) until
 * it arrives on a staff `escalation.onInbox` stream, and a staff `escalation.reply` until it arrives on
 * the widget's `conversation.onEvent` stream, over 100 handoffs, on one instance and on two (subscribers
 * on the other instance); (2) fan-out: 1,000 widget streams and 50 Inbox streams open on one instance, its
 * memory per open stream, and how long one event takes to reach all 50 Inboxes. The servers are child
 * processes (bench/lib/handoff-server.ts), loopback only; about a minute. Rewrites the `handoff` section.
 *
 * `DATABASE_URL=postgres://… NODE_OPTIONS=--experimental-eventsource npx tsx bench/run.ts handoff`
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import os from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../server/db/client';
import { createSite } from '../server/domain/sites';
import { addStaffToSites, createStaff } from '../server/domain/staff';
import type { HandoffEvent } from '../shared/handoff';
import type { EscalationSignal, MessageSignal } from '../shared/schemas';
import { benchClient, prepareEventSource } from './lib/handoff-clients';
import { busyNote, machineLine, stamp, waitForQuiet } from './lib/machine';
import { repoRoot, writeSection } from './lib/report';
import { fmt, percentile } from './lib/stats';

const ORIGIN = 'https://bench.example.com';
const HANDOFFS = 100;
const WIDGET_STREAMS = 1000;
const INBOX_STREAMS = 50;
const FANOUT_EVENTS = 10;
const PASSWORD = 'bench password, not for production';
const TIMEOUT_MS = 10_000;

interface Server {
  url: string;
  memory(): Promise<NodeJS.MemoryUsage>;
  close(): Promise<void>;
}

async function startServer(url: string, schema: string): Promise<Server> {
  const child: ChildProcess = fork(join(repoRoot, 'bench/lib/handoff-server.ts'), [], {
    env: { ...process.env, DATABASE_URL: url, BENCH_SCHEMA: schema, NODE_OPTIONS: '' },
    execArgv: ['--import', 'tsx', '--expose-gc'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const next = <T>(key: string) =>
    new Promise<T>((resolve, reject) => {
      const onMessage = (m: Record<string, unknown>) => {
        if (key in m) {
          child.off('message', onMessage);
          resolve(m[key] as T);
        }
      };
      child.on('message', onMessage);
      child.once('exit', (code) => reject(new Error(`server process exited (${code})`)));
    });
  const listening = await next<string>('url');
  return {
    url: listening,
    memory: () => {
      const m = next<NodeJS.MemoryUsage>('memory');
      child.send('memory');
      return m;
    },
    close: async () => {
      const exited = new Promise((r) => child.once('exit', r));
      child.send('close');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      child.kill();
    },
  };
}

/** Resolves when `test` holds for an event of the stream; collects arrival times. */
function eventWaiter() {
  const waiting = new Set<{ test: (e: HandoffEvent) => boolean; resolve: (at: number) => void }>();
  return {
    onData(envelope: unknown) {
      const at = performance.now();
      const e = ((envelope as { data?: HandoffEvent }).data ?? envelope) as HandoffEvent;
      for (const w of [...waiting]) if (w.test(e)) (waiting.delete(w), w.resolve(at));
    },
    next(test: (e: HandoffEvent) => boolean): Promise<number> {
      return new Promise((resolve, reject) => {
        const w = { test, resolve };
        waiting.add(w);
        setTimeout(() => waiting.delete(w) && reject(new Error('event did not arrive within 10 s')), TIMEOUT_MS).unref();
      });
    },
  };
}

const messageSignal = (conv: { conversationId: string; conversationToken: string }): MessageSignal => ({
  kind: 'message', clientEventId: randomUUID(), ...conv, createdAt: new Date().toISOString(), role: 'user', text: 'I need a person',
});
const escalationSignal = (conv: { conversationId: string; conversationToken: string }): EscalationSignal => ({
  kind: 'escalation', clientEventId: randomUUID(), ...conv, createdAt: new Date().toISOString(), trigger: 'user', note: 'refund please',
});
const newConversation = () => ({ conversationId: randomUUID(), conversationToken: randomBytes(24).toString('base64url') });

async function login(url: string, email: string): Promise<string> {
  const res = await fetch(`${url}/trpc/staff.login`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-backstop-csrf': '1' }, body: JSON.stringify({ email, password: PASSWORD }) });
  if (!res.ok) throw new Error(`staff.login answered ${res.status}`);
  return res.headers.get('set-cookie')!.split(';')[0]!;
}

interface LatencyResult {
  escalate: number[];
  reply: number[];
}

/** 100 handoffs: calls go to `front`, streams are opened on `back` (the same server for one instance). */
async function handoffLatency(front: Server, back: Server, publicKey: string, cookie: string): Promise<LatencyResult> {
  const widgetHeaders = { 'x-backstop-key': publicKey, origin: ORIGIN };
  const staffFront = benchClient(front.url, { cookie });
  const widgetFront = benchClient(front.url, widgetHeaders);
  const inbox = eventWaiter();
  const inboxSub = benchClient(back.url, { cookie }).escalation.onInbox.subscribe({}, { onData: inbox.onData, onError: (err) => console.error('  inbox stream:', err.message) });
  await new Promise((r) => setTimeout(r, 500));
  const out: LatencyResult = { escalate: [], reply: [] };
  try {
    for (let i = 0; i < HANDOFFS; i++) {
      const conv = newConversation();
      const arrived = inbox.next((e) => e.type === 'escalation.created' && e.conversationId === conv.conversationId);
      const t0 = performance.now();
      await widgetFront.signal.push.mutate({ items: [messageSignal(conv), escalationSignal(conv)] });
      out.escalate.push((await arrived) - t0);
      const escalationId = (await staffFront.escalation.list.query({ filter: 'queued' })).items.find((x: { conversationId: string }) => x.conversationId === conv.conversationId)!.id;
      await staffFront.escalation.claim.mutate({ escalationId });

      const widget = eventWaiter();
      const claimed = widget.next((e) => e.type === 'escalation.claimed');
      const stream = benchClient(back.url, widgetHeaders, async () => ({ ticket: (await widgetFront.conversation.streamTicket.mutate(conv)).ticket }));
      const sub = stream.conversation.onEvent.subscribe({ lastEventId: '0' }, { onData: widget.onData });
      await claimed; // the stream is open and caught up
      const replied = widget.next((e) => e.type === 'message.human');
      const t1 = performance.now();
      await staffFront.escalation.reply.mutate({ escalationId, text: `Hello from a person (${i})` });
      out.reply.push((await replied) - t1);
      sub.unsubscribe();
      await staffFront.escalation.resolve.mutate({ escalationId, outcome: 'resolved' });
    }
  } finally {
    inboxSub.unsubscribe();
  }
  return out;
}

interface FanoutResult {
  perWidgetStream: { rss: number; heap: number };
  perInboxStream: { rss: number; heap: number };
  before: NodeJS.MemoryUsage;
  after: NodeJS.MemoryUsage;
  deliveries: number[];
  worstPerEvent: number[];
}

async function pool<T>(n: number, width: number, fn: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(n);
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < n) {
      const i = next++;
      out[i] = await fn(i);
    }
  }));
  return out;
}

async function fanout(server: Server, publicKey: string, cookie: string): Promise<FanoutResult> {
  const widgetHeaders = { 'x-backstop-key': publicKey, origin: ORIGIN };
  const widget = benchClient(server.url, widgetHeaders);
  const convs = Array.from({ length: WIDGET_STREAMS }, newConversation);
  for (let i = 0; i < convs.length; i += 50) await widget.signal.push.mutate({ items: convs.slice(i, i + 50).map(messageSignal) });
  const tickets = await pool(convs.length, 16, async (i) => (await widget.conversation.streamTicket.mutate(convs[i]!)).ticket);

  const before = await server.memory();
  let started = 0;
  const widgetSubs = convs.map((_, i) =>
    benchClient(server.url, widgetHeaders, async () => ({ ticket: tickets[i]! })).conversation.onEvent.subscribe({}, { onStarted: () => void started++, onData: () => {} }),
  );
  const deadline = Date.now() + 60_000;
  while (started < WIDGET_STREAMS && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (started < WIDGET_STREAMS) throw new Error(`only ${started} of ${WIDGET_STREAMS} widget streams opened`);
  await new Promise((r) => setTimeout(r, 1000));
  const withWidgets = await server.memory();

  const waiters = Array.from({ length: INBOX_STREAMS }, eventWaiter);
  let inboxStarted = 0;
  const inboxSubs = waiters.map((w) => benchClient(server.url, { cookie }).escalation.onInbox.subscribe({}, { onStarted: () => void inboxStarted++, onData: w.onData }));
  while (inboxStarted < INBOX_STREAMS && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  await new Promise((r) => setTimeout(r, 1000));
  const after = await server.memory();

  const deliveries: number[] = [];
  const worstPerEvent: number[] = [];
  for (let k = 0; k < FANOUT_EVENTS; k++) {
    const conv = convs[k]!;
    const arrivals = waiters.map((w) => w.next((e) => e.type === 'escalation.created' && e.conversationId === conv.conversationId));
    const t0 = performance.now();
    await widget.signal.push.mutate({ items: [escalationSignal(conv)] });
    const times = (await Promise.all(arrivals)).map((at) => at - t0);
    deliveries.push(...times);
    worstPerEvent.push(Math.max(...times));
  }
  for (const s of [...widgetSubs, ...inboxSubs]) s.unsubscribe();
  return {
    before,
    after,
    perWidgetStream: { rss: (withWidgets.rss - before.rss) / WIDGET_STREAMS, heap: (withWidgets.heapUsed - before.heapUsed) / WIDGET_STREAMS },
    perInboxStream: { rss: (after.rss - withWidgets.rss) / INBOX_STREAMS, heap: (after.heapUsed - withWidgets.heapUsed) / INBOX_STREAMS },
    deliveries,
    worstPerEvent,
  };
}

const sorted = (v: number[]) => [...v].sort((a, b) => a - b);
const row = (label: string, v: number[]) => {
  const s = sorted(v);
  return `| ${label} | ${s.length} | ${fmt(percentile(s, 50), 1)} | ${fmt(percentile(s, 95), 1)} | ${fmt(percentile(s, 99), 1)} | ${fmt(s[s.length - 1]!, 1)} |`;
};
const kib = (bytes: number) => `${fmt(bytes / 1024, 1)} KiB`;
/** 50 streams move memory less than the garbage collector does between two readings: a negative figure means "too small to see". */
const perStream = (bytes: number) => (bytes > 0 ? kib(bytes) : 'below GC noise');
const mib = (bytes: number) => `${fmt(bytes / 2 ** 20, 1)} MiB`;

export async function runHandoff(): Promise<boolean> {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('the handoff bench runs on PostgreSQL: set DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/test)');
  const schema = `bench_handoff_${randomBytes(4).toString('hex')}`;
  const setup = await openDatabase({ kind: 'postgres', url, schema, poolSize: 2 });
  const servers: Server[] = [];
  try {
    const site = await createSite(setup.db, { name: 'Handoff bench', origins: [ORIGIN] });
    const email = `bench-agent-${randomBytes(3).toString('hex')}@example.com`;
    const agent = await createStaff(setup.db, { email, role: 'agent', password: PASSWORD, displayName: 'Maya' });
    await addStaffToSites(setup.db, agent.id, [site.siteId]);
    const a = await startServer(url, schema);
    servers.push(a);
    const b = await startServer(url, schema);
    servers.push(b);
    await prepareEventSource(`${a.url}/healthz`);
    const cookie = await login(a.url, email);

    const load = await waitForQuiet('handoff');
    const loadsDuring: number[] = [];
    const sample = setInterval(() => loadsDuring.push(os.loadavg()[0]!), 2000);
    sample.unref();
    console.log('  handoff: 100 handoffs on one instance…');
    const one = await handoffLatency(a, a, site.publicKey, cookie);
    console.log('  handoff: 100 handoffs across two instances…');
    const two = await handoffLatency(a, b, site.publicKey, cookie);
    console.log(`  handoff: fan-out, ${WIDGET_STREAMS} widget and ${INBOX_STREAMS} Inbox streams…`);
    const fan = await fanout(a, site.publicKey, cookie);
    clearInterval(sample);
    const loadMax = Math.max(load, ...loadsDuring);

    const body = `## Handoff delivery and fan-out (PostgreSQL)

${stamp()} · ${machineLine()} · load average ${load.toFixed(1)} at start, up to ${loadMax.toFixed(1)} during the run
${busyNote(loadMax)}

Real HTTP and SSE on loopback: each server instance is its own process (its own pool and LISTEN connection);
the clients are \`@trpc/client\` with \`httpSubscriptionLink\` over Node's EventSource, as the console and
the widget use it. **Escalation → Inbox**: from sending \`signal.push\` with an escalation until the
\`escalation.created\` event arrives on a staff \`escalation.onInbox\` stream. **Reply → widget**: from sending
\`escalation.reply\` until the \`message.human\` event arrives on the widget's \`conversation.onEvent\` stream.
Two instances: calls to instance A, streams on instance B. ${HANDOFFS} handoffs each, one after another.
Aim (DESIGN.md): p95 < 250 ms, p99 < 1 s. Browser rendering is not included.

| path (ms) | n | p50 | p95 | p99 | max |
|---|---|---|---|---|---|
${row('escalation → Inbox, one instance', one.escalate)}
${row('reply → widget, one instance', one.reply)}
${row('escalation → Inbox, two instances', two.escalate)}
${row('reply → widget, two instances', two.reply)}

**Fan-out** on one instance: ${WIDGET_STREAMS} widget streams and ${INBOX_STREAMS} Inbox streams open at once.
Server memory after garbage collection: ${mib(fan.before.rss)} RSS / ${mib(fan.before.heapUsed)} heap before,
${mib(fan.after.rss)} RSS / ${mib(fan.after.heapUsed)} heap with all streams open.

| per open stream | RSS | heap |
|---|---|---|
| widget (\`conversation.onEvent\`) | ${perStream(fan.perWidgetStream.rss)} | ${perStream(fan.perWidgetStream.heap)} |
| Inbox (\`escalation.onInbox\`) | ${perStream(fan.perInboxStream.rss)} | ${perStream(fan.perInboxStream.heap)} |

One escalation reaching all ${INBOX_STREAMS} Inboxes (from sending \`signal.push\`), over ${FANOUT_EVENTS} escalations:
p50 ${fmt(percentile(sorted(fan.deliveries), 50), 1)} ms and max ${fmt(Math.max(...fan.deliveries), 1)} ms over all
${fan.deliveries.length} deliveries; the last of the ${INBOX_STREAMS} arrived after ${fmt(percentile(sorted(fan.worstPerEvent), 50), 1)} ms (median over the escalations).
All widget streams here belong to one site. A notification names the site and the conversation of its events,
and the bus wakes only the streams waiting on either: the ${INBOX_STREAMS} Inboxes of the site and the one widget stream of
that conversation, so one escalation costs about ${INBOX_STREAMS + 1} log reads on this instance, not ${WIDGET_STREAMS + INBOX_STREAMS}.
`;
    console.log(body);
    writeSection('handoff', body);
    return true;
  } finally {
    for (const s of servers) await s.close();
    await setup.exec(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await setup.close();
  }
}
