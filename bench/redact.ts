/**
 * What redaction costs on the ingestion paths, in-process (no database): `redactText` on typical chat texts,
 * `prepareBatch` (size checks, body hashes, redaction: everything signal.push does before the database) with
 * redaction on and off, and `toSpanRow` on the OTLP bench's spans with redaction on and off. Medians of
 * several timed rounds after a warm-up, in µs per call.
 */
import { randomUUID } from 'node:crypto';
import type { Signal } from '../shared/schemas';
import { redactText } from '../server/domain/redact';
import { prepareBatch } from '../server/domain/signals';
import { decodeProtobuf } from '../server/traces/otlp-protobuf';
import { toSpanRow } from '../server/traces/normalise';
import { benchSpans, protobufBody } from './lib/otlp-payload';
import { busyNote, machineLine, stamp } from './lib/machine';
import os from 'node:os';
import { writeSection } from './lib/report';

/** Texts as they come: most chat has no `@` and few digits; some carry ids, dates and amounts; a few carry personal data. */
const TEXTS: [string, string][] = [
  ['short question', 'When is my next bill?'],
  ['complaint, no digits', 'I asked about changing the plan on my account twice and the answer keeps telling me to contact support, which is what I am doing.'],
  ['order, date and amount', 'Order ORD-2024-000123 from 2026-03-01 was charged $1,234.56 twice, see invoice 2024-000123 and #100234.'],
  ['email and phone', 'Please write to jane.doe@example.com or call +44 20 7946 0958 after 5pm, or 020 7946 0958.'],
  ['card and IBAN', 'My card 4111 1111 1111 1111 was declined, pay to DE89 3704 0044 0532 0130 00 instead.'],
  ['agent answer, 900 chars markdown', ('Your next bill is on **March 1**. It covers the period from February 1 to February 28 and includes the add-ons you chose in January. ' +
    'You can see every line in **Billing → Invoices**, and download a PDF for your records. If you switch plans before the bill date, the difference is prorated. ').repeat(3)],
];

function timeIt(fn: () => void, rounds = 7, minMs = 150): number {
  for (let i = 0; i < 200; i++) fn();
  const perRound: number[] = [];
  for (let r = 0; r < rounds; r++) {
    let n = 0;
    const start = performance.now();
    // Calls in groups of 20 between clock reads: a clock read costs about as much as redacting a short text.
    while (performance.now() - start < minMs) {
      for (let i = 0; i < 20; i++) fn();
      n += 20;
    }
    perRound.push(((performance.now() - start) * 1000) / n);
  }
  return perRound.sort((a, b) => a - b)[Math.floor(rounds / 2)]!;
}

const conv = { conversationId: randomUUID(), conversationToken: 'x'.repeat(32) };
const now = new Date().toISOString();
/** A typical request of the widget: one user message, one agent answer with a source, one feedback with a comment. */
function typicalBatch(): Signal[] {
  const answerId = randomUUID();
  return [
    { kind: 'message', clientEventId: randomUUID(), ...conv, createdAt: now, role: 'user', text: TEXTS[2]![1] },
    { kind: 'message', clientEventId: answerId, ...conv, createdAt: now, role: 'agent', text: TEXTS[5]![1], answer: { id: 'a1', confidence: 0.8, sources: [{ title: 'Billing FAQ', url: 'https://help.example.com/billing' }] } },
    { kind: 'feedback', clientEventId: randomUUID(), ...conv, createdAt: now, messageId: answerId, rating: -1, reasons: ['wrong'], comment: TEXTS[1]![1] },
  ];
}

export async function runRedact(): Promise<boolean> {
  const loadAvg = os.loadavg()[0]!;
  const textRows = TEXTS.map(([name, text]) => ({ name, chars: text.length, us: timeIt(() => redactText(text)) }));
  const batch = { items: typicalBatch() };
  const ctx = { siteId: randomUUID(), userAgent: 'bench' };
  const prepOn = timeIt(() => prepareBatch({ ...ctx, redact: true }, batch));
  const prepOff = timeIt(() => prepareBatch({ ...ctx, redact: false }, batch));
  const spans = decodeProtobuf(protobufBody(benchSpans(100))).spans;
  const siteId = randomUUID();
  const spansOn = timeIt(() => spans.forEach((s) => toSpanRow(siteId, s, { redact: true })), 5) / spans.length;
  const spansOff = timeIt(() => spans.forEach((s) => toSpanRow(siteId, s, { redact: false })), 5) / spans.length;

  const f = (us: number) => us.toFixed(us < 10 ? 2 : 1);
  const lines = [
    '## Redaction cost (`bench/redact.ts`)',
    '',
    'In-process, no database: `redactText` on chat texts; `prepareBatch` (what signal.push does before the database: size checks,',
    'body hashes, redaction) on a request of one user message, one agent answer with a source and one feedback comment; `toSpanRow`',
    'on the OTLP bench\'s spans (10 attributes, an exception event on the failing tool call). Medians of timed rounds after a warm-up.',
    `Machine: ${machineLine()}; load average ${loadAvg.toFixed(2)} at start. Date: ${stamp()}.`,
    busyNote(loadAvg),
    '',
    '| text | chars | µs per `redactText` |',
    '|---|---:|---:|',
    ...textRows.map((r) => `| ${r.name} | ${r.chars} | ${f(r.us)} |`),
    '',
    '| path | redaction off | redaction on | added per item |',
    '|---|---:|---:|---:|',
    `| \`prepareBatch\`, 3 signals, µs per request | ${f(prepOff)} | ${f(prepOn)} | ${f((prepOn - prepOff) / 3)} µs per signal |`,
    `| \`toSpanRow\`, µs per span | ${f(spansOff)} | ${f(spansOn)} | ${f(spansOn - spansOff)} µs per span |`,
    '',
    'For scale: the ingestion bench stores a signal for about 50 µs of server CPU, the OTLP bench a span for 60 to 90 µs. The costly',
    'passes run only where they can match: phone, card and IBAN checks on texts with a run of digits (7+ characters of digits and',
    'separators), addresses on texts with an `@`, secrets where a fixed prefix of one appears; so plain chat costs a few regex scans.',
    'A text that does hold a phone number pays for libphonenumber-js parsing it (tens of µs per candidate number).',
  ].filter((l) => l !== undefined);
  const body = lines.join('\n');
  console.log(body);
  if (!process.env.BENCH_NO_WRITE) writeSection('redact', body);
  return true;
}

if (import.meta.url === `file://${process.argv[1]}`) void runRedact();
