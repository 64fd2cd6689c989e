/**
 * The answer an agent gives the widget, and a dependency-free check of it.
 *
 * Why not zod here: the widget validates every answer at runtime, and full zod adds ~90 KB gzip to a
 * browser bundle. The zod schema for the same shape lives in `schemas.ts` (server side); a unit test
 * runs both over the same table of inputs so they cannot drift apart.
 *
 * Strings are normalised (`cleanText`) before they are checked, and the answer returned is the
 * normalised one: it is what the widget shows and what it records.
 */
import { fitsInSignal, jsonBytes, MAX_CONTENT_BYTES, MAX_MESSAGE_TEXT } from './limits';
import { cleanConfidence, cleanText } from './normalise';

export interface AnswerSource {
  title: string;
  url: string;
}

export interface AgentAnswer {
  id: string;
  text: string;
  /** The agent's stated confidence, 0..1. */
  confidence: number;
  /**
   * The trace the answer was made in, as stored spans name it: 32 lowercase hex characters. A W3C
   * `traceparent` (`00-<trace id>-<span id>-<flags>`) or uppercase hex is accepted and normalised.
   */
  traceId?: string;
  spanId?: string;
  topic?: string;
  sources?: AnswerSource[];
  /** The agent hands the conversation to a person at once; `reason` is shown to staff. */
  handoff?: { reason: string };
}

/** Longest reason an agent may give for handing off. */
export const MAX_HANDOFF_REASON = 200;

export type AnswerCheck = { ok: true; answer: AgentAnswer } | { ok: false; field: string; error: string };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const nonEmptyString = (v: unknown, max: number): v is string => typeof v === 'string' && v.length > 0 && v.length <= max;
const HTTP_URL = /^https?:\/\//i;

const clean = (v: unknown): unknown => (typeof v === 'string' ? cleanText(v) : v);

const TRACE_ID = /^[0-9a-f]{32}$/;
// A UUID is the same 16 bytes spelled with dashes; some tracing libraries print trace ids that way.
const UUID_FORM = /^([0-9a-f]{8})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{12})$/;
// W3C Trace Context: version (ff is invalid), trace id, parent (span) id, flags.
const TRACEPARENT = /^(?!ff)[0-9a-f]{2}-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/;
const notAllZero = (hex: string) => /[1-9a-f]/.test(hex);

/**
 * A trace id as stored spans name it (lowercase hex), from hex in any case, a UUID or a W3C traceparent (which
 * also gives the span id); null for anything else, all-zero ids included (invalid in W3C Trace Context).
 */
export function parseTraceRef(value: string): { traceId: string; spanId?: string } | null {
  const v = value.trim().toLowerCase().replace(UUID_FORM, '$1$2$3$4$5');
  if (TRACE_ID.test(v)) return notAllZero(v) ? { traceId: v } : null;
  const parent = TRACEPARENT.exec(v);
  return parent && notAllZero(parent[1]!) && notAllZero(parent[2]!) ? { traceId: parent[1]!, spanId: parent[2]! } : null;
}

/**
 * The answer with its traceId normalised (parseTraceRef) and, from a traceparent, the spanId it did not give.
 * Any other id is kept as given: it joins traces recorded under exactly that id, and refusing the answer for it
 * would show the user an error instead of the agent's answer.
 */
export function withTraceRef<T extends { traceId?: string; spanId?: string }>(answer: T): T {
  const ref = answer.traceId === undefined ? null : parseTraceRef(answer.traceId);
  if (!ref) return answer;
  return { ...answer, traceId: ref.traceId, ...(ref.spanId && answer.spanId === undefined ? { spanId: ref.spanId } : {}) };
}

/** Validates an unknown value as an AgentAnswer, normalised for storage; on failure names the first bad field. */
export function checkAgentAnswer(value: unknown): AnswerCheck {
  const fail = (field: string, error: string): AnswerCheck => ({ ok: false, field, error });
  if (!isObject(value)) return fail('answer', 'must be an object');
  const [id, text, traceId, spanId, topic] = [value.id, value.text, value.traceId, value.spanId, value.topic].map(clean);
  const { confidence, sources } = value;
  if (!nonEmptyString(id, 200)) return fail('id', 'must be a non-empty string of at most 200 characters');
  if (typeof text !== 'string' || text.length > MAX_MESSAGE_TEXT) return fail('text', `must be a string of at most ${MAX_MESSAGE_TEXT} characters`);
  if (typeof confidence !== 'number' || !Number.isFinite(confidence) || confidence < 0 || confidence > 1)
    return fail('confidence', 'must be a number from 0 to 1');
  for (const [field, v] of [['traceId', traceId], ['spanId', spanId], ['topic', topic]] as const) {
    if (v !== undefined && !nonEmptyString(v, 200)) return fail(field, 'must be a non-empty string of at most 200 characters');
  }
  let cleanSources: AnswerSource[] | undefined;
  if (sources !== undefined) {
    if (!Array.isArray(sources) || sources.length > 20) return fail('sources', 'must be a list of at most 20 sources');
    cleanSources = [];
    for (let i = 0; i < sources.length; i++) {
      const s: unknown = sources[i];
      const title = isObject(s) ? clean(s.title) : undefined;
      const url = isObject(s) ? clean(s.url) : undefined;
      if (!nonEmptyString(title, 500)) return fail(`sources.${i}.title`, 'must be a non-empty string');
      if (typeof url !== 'string' || !HTTP_URL.test(url) || url.length > 2000) return fail(`sources.${i}.url`, 'must be an http(s) URL');
      cleanSources.push({ title, url });
    }
  }
  let handoff: AgentAnswer['handoff'];
  if (value.handoff !== undefined) {
    const reason = isObject(value.handoff) ? clean(value.handoff.reason) : undefined;
    if (!nonEmptyString(reason, MAX_HANDOFF_REASON)) return fail('handoff.reason', 'must be a non-empty string of at most 200 characters');
    handoff = { reason };
  }
  let answer: AgentAnswer = { id, text, confidence: cleanConfidence(confidence) };
  if (traceId !== undefined) answer.traceId = traceId as string;
  if (spanId !== undefined) answer.spanId = spanId as string;
  answer = withTraceRef(answer);
  if (topic !== undefined) answer.topic = topic as string;
  if (cleanSources) answer.sources = cleanSources;
  if (handoff) answer.handoff = handoff;
  if (!fitsInSignal(answer)) return fail('text', answerTooLarge(jsonBytes(answer)));
  return { ok: true, answer };
}

/** Why an answer does not fit in a signal; the server's schema says the same. */
export const answerTooLarge = (bytes: number): string =>
  `makes the answer ${bytes} bytes as JSON; at most ${MAX_CONTENT_BYTES} bytes fit in a signal`;
