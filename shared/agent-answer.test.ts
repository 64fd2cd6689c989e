import { describe, expect, it } from 'vitest';
import { checkAgentAnswer } from './agent-answer';
import { agentAnswerSchema } from './schemas';

const valid = { id: 'a1', text: 'Hello', confidence: 0.7 };
const cases: [string, unknown][] = [
  ['a minimal answer', valid],
  ['a full answer', { ...valid, traceId: 't', spanId: 's', topic: 'billing', sources: [{ title: 'Docs', url: 'https://e.com/x' }] }],
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
];

describe('checkAgentAnswer', () => {
  it.each(cases)('should agree with the zod schema on %s', (_name, input) => {
    expect(checkAgentAnswer(input).ok).toBe(agentAnswerSchema.safeParse(input).success);
  });

  it('should name the bad field', () => {
    expect(checkAgentAnswer({ ...valid, confidence: 3 })).toEqual({ ok: false, field: 'confidence', error: 'must be a number from 0 to 1' });
  });

  it('should drop unknown fields from the answer it returns', () => {
    const result = checkAgentAnswer({ ...valid, injected: '<script>' });
    expect(result.ok && Object.keys(result.answer)).toEqual(['id', 'text', 'confidence']);
  });
});
