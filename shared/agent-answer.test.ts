import { describe, expect, it } from 'vitest';
import { checkAgentAnswer } from './agent-answer';
import { jsonBytes, MAX_CONTENT_BYTES, MAX_SIGNAL_BYTES } from './limits';
import { agentAnswerSchema, messageSignalSchema } from './schemas';

const valid = { id: 'a1', text: 'Hello', confidence: 0.7 };
const cases: [string, unknown][] = [
  ['a minimal answer', valid],
  ['a full answer', { ...valid, traceId: 'ab'.repeat(16), spanId: 's', topic: 'billing', sources: [{ title: 'Docs', url: 'https://e.com/x' }] }],
  ['an uppercase traceId', { ...valid, traceId: 'AB'.repeat(16) }],
  ['a traceparent as traceId', { ...valid, traceId: `00-${'4bf92f3577b34da6a3ce929d0e0e4736'}-00f067aa0ba902b7-01` }],
  ['a traceparent and a spanId of its own', { ...valid, traceId: `00-${'4bf92f3577b34da6a3ce929d0e0e4736'}-00f067aa0ba902b7-01`, spanId: 'mine' }],
  ['a traceparent of version ff', { ...valid, traceId: `ff-${'4bf92f3577b34da6a3ce929d0e0e4736'}-00f067aa0ba902b7-01` }],
  ['a traceparent with an all-zero span id', { ...valid, traceId: `00-${'4bf92f3577b34da6a3ce929d0e0e4736'}-${'0'.repeat(16)}-01` }],
  ['an all-zero traceId', { ...valid, traceId: '0'.repeat(32) }],
  ['a 31-character traceId', { ...valid, traceId: 'a'.repeat(31) }],
  ['a traceId that is not hex', { ...valid, traceId: 'trace-1' }],
  ['a UUID as traceId', { ...valid, traceId: '4bf92f35-77b3-4da6-a3ce-929d0e0e4736' }],
  ['an empty traceId', { ...valid, traceId: '' }],
  ['a numeric traceId', { ...valid, traceId: 42 }],
  ['confidence 0', { ...valid, confidence: 0 }],
  ['confidence 1', { ...valid, confidence: 1 }],
  ['an empty text', { ...valid, text: '' }],
  ['null', null],
  ['an array', [valid]],
  ['a string', 'answer'],
  ['a missing id', { text: 'x', confidence: 0.5 }],
  ['an empty id', { ...valid, id: '' }],
  ['a numeric id', { ...valid, id: 7 }],
  ['a missing text', { id: 'a', confidence: 0.5 }],
  ['a too long text', { ...valid, text: 'x'.repeat(8001) }],
  ['confidence above 1', { ...valid, confidence: 1.01 }],
  ['confidence below 0', { ...valid, confidence: -0.1 }],
  ['confidence as a string', { ...valid, confidence: '0.9' }],
  ['confidence NaN', { ...valid, confidence: Number.NaN }],
  ['an empty traceId', { ...valid, traceId: '' }],
  ['a numeric topic', { ...valid, topic: 3 }],
  ['a javascript: source url', { ...valid, sources: [{ title: 'x', url: 'javascript:alert(1)' }] }],
  ['a source without title', { ...valid, sources: [{ url: 'https://e.com' }] }],
  ['sources not a list', { ...valid, sources: 'https://e.com' }],
  ['21 sources', { ...valid, sources: Array.from({ length: 21 }, () => ({ title: 't', url: 'https://e.com' })) }],
  // 3 bytes per character: 5000 fit in the byte budget, 5200 do not, though both are under 8000 characters.
  ['5000 three-byte characters', { ...valid, text: '€'.repeat(5000) }],
  ['5200 three-byte characters', { ...valid, text: '€'.repeat(5200) }],
  ['8000 emoji halves (4000 emoji)', { ...valid, text: '😀'.repeat(4000) }],
  // JSON escapes a quote as two bytes and a control character as six.
  ['7900 quotes', { ...valid, text: '"'.repeat(7900) }],
  ['3000 control characters', { ...valid, text: '\u0001'.repeat(3000) }],
  ['a NUL in the text', { ...valid, text: 'a\u0000b' }],
  ['an id that is only NUL', { ...valid, id: '\u0000' }],
  ['a lone high surrogate', { ...valid, text: 'a\ud800b' }],
  ['a lone low surrogate in the topic', { ...valid, topic: '\udc00' }],
  ['an id that is only byte order marks', { ...valid, id: '\ufeff\ufeff' }],
  ['a NUL before the scheme of a source url', { ...valid, sources: [{ title: 't', url: '\u0000https://e.com' }] }],
  ['a 2000-character source url of emoji halves', { ...valid, sources: [{ title: 't', url: 'https://e.com/' + '\ud83d'.repeat(1986) }] }],
  ['20 sources of 2000-character urls', { ...valid, sources: Array.from({ length: 20 }, () => ({ title: 't', url: 'https://e.com/' + 'x'.repeat(1986) })) }],
  ['a subnormal confidence', { ...valid, confidence: 1e-50 }],
  ['confidence -0', { ...valid, confidence: -0 }],
  ['confidence Infinity', { ...valid, confidence: Infinity }],
  ['a handoff with a reason', { ...valid, handoff: { reason: 'Refunds need a person' } }],
  ['a handoff with an empty reason', { ...valid, handoff: { reason: '' } }],
  ['a handoff without a reason', { ...valid, handoff: {} }],
  ['a handoff as true', { ...valid, handoff: true }],
  ['a handoff reason of 201 characters', { ...valid, handoff: { reason: 'x'.repeat(201) } }],
  ['a handoff reason of 200 characters', { ...valid, handoff: { reason: 'x'.repeat(200) } }],
  ['a handoff reason that is only NUL', { ...valid, handoff: { reason: '\u0000' } }],
];

describe('checkAgentAnswer', () => {
  it.each(cases)('should agree with the zod schema on %s', (_name, input) => {
    expect(checkAgentAnswer(input).ok).toBe(agentAnswerSchema.safeParse(input).success);
  });

  it.each(cases)('should return the same normalised answer as the zod schema on %s', (_name, input) => {
    const check = checkAgentAnswer(input);
    const parsed = agentAnswerSchema.safeParse(input);
    if (check.ok && parsed.success) expect(check.answer).toEqual(parsed.data);
  });

  it('should store a traceId as lowercase hex, taking the span id of a traceparent when no spanId is given', () => {
    const traceparent = '00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01';
    const expected = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7' };
    for (const answer of [checkAgentAnswer({ ...valid, traceId: traceparent }), { ok: true, answer: agentAnswerSchema.parse({ ...valid, traceId: traceparent }) }])
      expect(answer).toMatchObject({ ok: true, answer: expected });
    expect(checkAgentAnswer({ ...valid, traceId: ' 4BF92F3577B34DA6A3CE929D0E0E4736 ', spanId: 'mine' })).toMatchObject({ ok: true, answer: { traceId: expected.traceId, spanId: 'mine' } });
    expect(checkAgentAnswer({ ...valid, traceId: '4BF92F35-77B3-4DA6-A3CE-929D0E0E4736' })).toMatchObject({ ok: true, answer: { traceId: expected.traceId } });
    // Another kind of id is kept as given (it joins traces recorded under it), not refused with the answer.
    expect(checkAgentAnswer({ ...valid, traceId: 'trace-1' })).toMatchObject({ ok: true, answer: { traceId: 'trace-1' } });
    expect(agentAnswerSchema.parse({ ...valid, traceId: 'trace-1' }).traceId).toBe('trace-1');
    const signal = messageSignalSchema.parse({ kind: 'message', clientEventId: crypto.randomUUID(), conversationId: crypto.randomUUID(), conversationToken: 't'.repeat(32), createdAt: new Date().toISOString(), role: 'agent', text: 'x', answer: { id: 'a', confidence: 0.5, traceId: traceparent } });
    expect(signal.answer).toMatchObject(expected);
  });

  it('should strip NUL and replace lone surrogates in what it returns', () => {
    const result = checkAgentAnswer({ ...valid, text: 'a\u0000b\ud800c', topic: 'x\udc00' });
    expect(result.ok && [result.answer.text, result.answer.topic]).toEqual(['ab\ufffdc', 'x\ufffd']);
  });

  it('should store confidences too small for a real, and -0, as 0', () => {
    for (const confidence of [1e-50, 1e-40, -0]) {
      const result = checkAgentAnswer({ ...valid, confidence });
      expect(result.ok && Object.is(result.answer.confidence, 0)).toBe(true);
    }
  });

  it('should refuse an answer whose JSON passes the content budget, naming the text', () => {
    const result = checkAgentAnswer({ ...valid, text: '€'.repeat(5200) });
    expect(result).toMatchObject({ ok: false, field: 'text' });
    expect(!result.ok && result.error).toContain(`at most ${MAX_CONTENT_BYTES} bytes`);
  });

  it('should accept only answers whose message signal fits the signal limit with the longest envelope', () => {
    // The largest answer accepted, in a message with the longest token and the longest error the schema allows.
    const filler = MAX_CONTENT_BYTES - jsonBytes({ ...valid, text: '' });
    const answer = { ...valid, text: '€'.repeat(Math.floor(filler / 3)) };
    const check = checkAgentAnswer(answer);
    expect(check.ok).toBe(true);
    const { text, ...meta } = answer;
    const signal = {
      kind: 'message',
      role: 'agent',
      text,
      answer: meta,
      error: 'agent_bad_answer',
      clientEventId: '00000000-0000-4000-8000-000000000000',
      conversationId: '00000000-0000-4000-8000-000000000001',
      conversationToken: 'x'.repeat(200),
      createdAt: '2024-01-01T00:00:00.000Z',
    };
    expect(jsonBytes(signal)).toBeLessThanOrEqual(MAX_SIGNAL_BYTES);
    expect(messageSignalSchema.safeParse(signal).success).toBe(true);
  });

  it('should name the bad field', () => {
    expect(checkAgentAnswer({ ...valid, confidence: 3 })).toEqual({ ok: false, field: 'confidence', error: 'must be a number from 0 to 1' });
  });

  it('should keep only the reason of a handoff', () => {
    const result = checkAgentAnswer({ ...valid, handoff: { reason: 'Billing dispute', urgent: true } });
    expect(result.ok && result.answer.handoff).toEqual({ reason: 'Billing dispute' });
  });

  it('should name the handoff reason when it is missing', () => {
    expect(checkAgentAnswer({ ...valid, handoff: {} })).toMatchObject({ ok: false, field: 'handoff.reason' });
  });

  it('should drop unknown fields from the answer it returns', () => {
    const result = checkAgentAnswer({ ...valid, injected: '<script>' });
    expect(result.ok && Object.keys(result.answer)).toEqual(['id', 'text', 'confidence']);
  });
});
