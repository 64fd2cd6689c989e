import { describe, expect, it } from 'vitest';
import type { TraceSummary } from '../../shared/traces';
import { summarySpan } from '../test/summary-span';
import { summariseTrace, type SummarySpan } from './trace-summary';

const T0 = Date.parse('2026-03-01T10:00:00Z');
let seq = 0;

/** A span starting `at` ms after T0; an id in start order unless given. */
function span(at: number, extra: Partial<SummarySpan> = {}): SummarySpan {
  seq++;
  return summarySpan(seq.toString(16).padStart(16, '0'), new Date(T0 + at), extra);
}
const chat = (at: number, input: number | null, attributes: Record<string, unknown> = {}, extra: Partial<SummarySpan> = {}) =>
  span(at, { operation: 'chat', model: 'm', inputTokens: input, outputTokens: 5, attributes, ...extra });
const tool = (at: number, name: string, status: number, attributes: Record<string, unknown> = {}, extra: Partial<SummarySpan> = {}) =>
  span(at, { operation: 'execute_tool', toolName: name, statusCode: status, attributes, ...extra });

interface Case {
  name: string;
  spans: () => SummarySpan[];
  expected: (ids: string[]) => Partial<TraceSummary>;
}

const cases: Case[] = [
  {
    name: 'an empty trace',
    spans: () => [],
    expected: () => ({ spanCount: 0, errorCount: 0, durationMs: 0, model: null, llmCalls: 0, context: null, tools: [], retrieval: null, errorSpanId: null }),
  },
  {
    name: 'duration from the earliest start to the latest end',
    spans: () => [span(100, { durationMs: 50 }), span(0, { durationMs: 20 }), span(30, { durationMs: 400 })],
    expected: () => ({ spanCount: 3, durationMs: 430 }),
  },
  {
    name: 'model of the last LLM call, tokens summed over LLM calls only',
    spans: () => [chat(0, 100, {}, { model: 'first' }), chat(20, 300, {}, { model: 'last' }), span(30, { operation: 'embeddings', model: 'emb', inputTokens: 9999 })],
    expected: () => ({ model: 'last', llmCalls: 2, inputTokens: 400, outputTokens: 10 }),
  },
  {
    name: 'a span naming a model without an operation counts as an LLM call',
    spans: () => [span(0, { model: 'bare', inputTokens: 7 })],
    expected: () => ({ model: 'bare', llmCalls: 1, inputTokens: 7 }),
  },
  {
    name: 'an operation the conventions do not list as an LLM call when it carries a model or tokens',
    spans: () => [
      span(0, { operation: 'completion', model: 'legacy-davinci', inputTokens: 60, outputTokens: 30 }),
      span(10, { operation: 'vendor.generate', inputTokens: 80, attributes: { 'backstop.context.window_tokens': 100 } }),
      span(20, { operation: 'completion' }),
    ],
    expected: (ids) => ({ model: 'legacy-davinci', llmCalls: 2, inputTokens: 140, outputTokens: 30, context: { spanId: ids[1]!, inputTokens: 80, windowTokens: 100, ratio: 0.8, turns: null } }),
  },
  {
    name: 'an agent span repeating its model and token totals not counted as another call',
    spans: () => [span(0, { operation: 'invoke_agent', model: 'm', inputTokens: 500, outputTokens: 50, durationMs: 100 }), chat(10, 500, {}, { outputTokens: 50 })],
    expected: () => ({ llmCalls: 1, inputTokens: 500, outputTokens: 50 }),
  },
  {
    name: 'tokens from the deprecated prompt_tokens / completion_tokens when the current attributes are absent',
    spans: () => [
      span(0, { operation: 'text_completion', model: 'm', attributes: { 'gen_ai.usage.prompt_tokens': 900, 'gen_ai.usage.completion_tokens': '40', 'backstop.context.window_tokens': 1000 } }),
      span(10, { model: 'n', attributes: { 'gen_ai.usage.prompt_tokens': -5, 'gen_ai.usage.completion_tokens': 'many' } }),
      chat(20, 100, { 'gen_ai.usage.prompt_tokens': 99999 }, { outputTokens: 7 }),
    ],
    expected: (ids) => ({ llmCalls: 3, inputTokens: 1000, outputTokens: 47, context: { spanId: ids[0]!, inputTokens: 900, windowTokens: 1000, ratio: 0.9, turns: null } }),
  },
  {
    name: 'a span reporting only deprecated token counts as an LLM call',
    spans: () => [span(0, { operation: 'completion', attributes: { 'gen_ai.usage.completion_tokens': 12 } })],
    expected: () => ({ llmCalls: 1, inputTokens: 0, outputTokens: 12, model: null }),
  },
  {
    name: 'context ratio on the fullest call, window from the call',
    spans: () => [chat(0, 2000, { 'backstop.context.window_tokens': 8000 }), chat(10, 7600, { 'backstop.context.window_tokens': 8000, 'backstop.conversation.turns': 14 }), chat(20, 3000, { 'backstop.context.window_tokens': 8000 })],
    expected: (ids) => ({ context: { spanId: ids[1]!, inputTokens: 7600, windowTokens: 8000, ratio: 0.95, turns: 14 } }),
  },
  {
    name: 'context window and turns from elsewhere in the trace when the call lacks them',
    spans: () => [span(0, { attributes: { 'backstop.context.window_tokens': 1000, 'backstop.conversation.turns': 3 } }), chat(5, 250)],
    expected: (ids) => ({ context: { spanId: ids[1]!, inputTokens: 250, windowTokens: 1000, ratio: 0.25, turns: 3 } }),
  },
  {
    name: 'no context without a window',
    spans: () => [chat(0, 5000)],
    expected: () => ({ context: null }),
  },
  {
    name: 'tool attempts folded by name, the last attempt deciding status, the failed one giving the error',
    spans: () => [tool(0, 'refund.create', 2, {}, { errorType: 'timeout', durationMs: 5000 }), tool(6000, 'refund.create', 1, {}, { durationMs: 300 }), tool(7000, 'crm.lookup', 1)],
    expected: (ids) => ({
      tools: [
        { name: 'refund.create', spanId: ids[1]!, status: 'ok', error: 'timeout', attempts: 2, durationMs: 5300 },
        { name: 'crm.lookup', spanId: ids[2]!, status: 'ok', error: null, attempts: 1, durationMs: 10 },
      ],
      errorCount: 1,
      errorSpanId: ids[0]!,
    }),
  },
  {
    name: 'retries counted from backstop.retry.attempt when only the final attempt is reported',
    spans: () => [tool(0, 'refund.create', 2, { 'backstop.retry.attempt': 3 }, { statusMessage: 'upstream 504' })],
    expected: (ids) => ({ tools: [{ name: 'refund.create', spanId: ids[0]!, status: 'error', error: 'upstream 504', attempts: 3, durationMs: 10 }] }),
  },
  {
    name: 'attempts starting in the same millisecond ordered by retry attempt, not by span id',
    spans: () => [tool(0, 'pay', 1, { 'backstop.retry.attempt': 2 }), tool(0, 'pay', 2, { 'backstop.retry.attempt': 1 }, { errorType: 'timeout' })],
    expected: (ids) => ({ tools: [{ name: 'pay', spanId: ids[0]!, status: 'ok', error: 'timeout', attempts: 2, durationMs: 20 }], errorSpanId: ids[1]! }),
  },
  {
    name: "a tool's error from its exception event when error.type is missing",
    spans: () => [tool(0, 'search', 2, {}, { events: [{ name: 'exception', offsetMs: 1, attributes: { 'exception.type': 'ECONNRESET' } }] })],
    expected: () => ({ tools: [expect.objectContaining({ error: 'ECONNRESET' })] as never }),
  },
  {
    name: 'retrieval steps with their sources summed',
    spans: () => [span(0, { operation: 'retrieval', attributes: { 'backstop.retrieval.sources': 2 } }), span(10, { operation: 'embeddings' }), span(20, { operation: 'retrieval', attributes: { 'backstop.retrieval.sources': 0 } })],
    expected: (ids) => ({ retrieval: { calls: 3, sources: 2, spanId: ids[2]! } }),
  },
  {
    name: 'retrieval without reported sources',
    spans: () => [span(0, { operation: 'retrieval' })],
    expected: (ids) => ({ retrieval: { calls: 1, sources: null, spanId: ids[0]! } }),
  },
  {
    name: 'confidence, topic, release and system prompt from the last span that has them',
    spans: () => [
      span(0, { attributes: { 'backstop.confidence': 0.9, 'backstop.topic': 'billing', 'backstop.prompt.system_tokens': 100 } }),
      span(10, { attributes: { 'backstop.confidence': '0.31', 'backstop.release': 'r-2', 'backstop.prompt.system_tokens': 1200 } }),
    ],
    expected: () => ({ confidence: 0.31, topic: 'billing', release: 'r-2', systemPromptTokens: 1200 }),
  },
  {
    name: 'topic and release from the resource, release falling back to service.version',
    spans: () => [span(0, { attributes: { resource: { 'backstop.topic': 'shipping', 'service.version': '1.4.2' } } })],
    expected: () => ({ topic: 'shipping', release: '1.4.2' }),
  },
  {
    name: "a broken instruction from the agent's check event, as the demo records it",
    spans: () => [
      chat(0, 100, {}, { events: [{ name: 'backstop.instruction.check', offsetMs: 900, attributes: { 'backstop.instruction': 'in one sentence', 'backstop.instruction.followed': false, 'backstop.answer.words': 84 } }] }),
    ],
    expected: (ids) => ({ instructionBroken: { spanId: ids[0]!, instruction: 'in one sentence', count: 1 } }),
  },
  {
    name: 'broken instructions from span attributes and events, the first in start order reported, "false" as text too',
    spans: () => [
      span(50, { events: [{ name: 'check', offsetMs: 0, attributes: { 'backstop.instruction.followed': 'false', 'backstop.instruction': 'in French' } }] }),
      span(10, { attributes: { 'backstop.instruction.followed': false } }),
      span(0, { attributes: { 'backstop.instruction.followed': true, 'backstop.instruction': 'be polite' } }),
    ],
    expected: (ids) => ({ instructionBroken: { spanId: ids[1]!, instruction: null, count: 2 } }),
  },
  {
    name: 'no broken instruction when every check passed or none was made',
    spans: () => [chat(0, 100, { 'backstop.instruction.followed': true }), span(10, { events: [{ name: 'check', offsetMs: 0, attributes: { 'backstop.instruction.followed': 'true' } }] })],
    expected: () => ({ instructionBroken: null }),
  },
  {
    name: 'a confidence outside 0–1 is ignored',
    spans: () => [span(0, { attributes: { 'backstop.confidence': 42 } })],
    expected: () => ({ confidence: null }),
  },
];

describe('summariseTrace', () => {
  for (const c of cases) {
    it(`should summarise ${c.name}`, () => {
      const spans = c.spans();
      const ids = spans.map((s) => s.spanId);
      expect(summariseTrace(spans)).toMatchObject(c.expected(ids));
    });
  }

  it('should not depend on the order spans arrive in', () => {
    const spans = [chat(0, 900, { 'backstop.context.window_tokens': 1000 }), tool(10, 'a', 2), tool(20, 'a', 1), span(30, { operation: 'retrieval' })];
    const forward = summariseTrace(spans);
    expect(summariseTrace([...spans].reverse())).toEqual(forward);
    expect(summariseTrace([spans[2]!, spans[0]!, spans[3]!, spans[1]!])).toEqual(forward);
  });
});
