import { describe, expect, it } from 'vitest';
import type { SpanView } from '../../../shared/review';
import { axisTicks, keyAttributes, waterfallRows } from './waterfall';

const span = (spanId: string, parentSpanId: string | null, startOffsetMs: number, durationMs: number, over: Partial<SpanView> = {}): SpanView => ({
  spanId,
  parentSpanId,
  name: spanId,
  startOffsetMs,
  durationMs,
  status: 'unset',
  statusMessage: null,
  operation: null,
  model: null,
  toolName: null,
  errorType: null,
  inputTokens: null,
  outputTokens: null,
  attributes: {},
  events: [],
  ...over,
});

describe('waterfall', () => {
  it('should put children under their parent by start time, indented one level deeper', () => {
    const { rows, totalMs } = waterfallRows([span('tool2', 'root', 600, 300), span('root', null, 0, 1000), span('llm', 'root', 0, 500), span('retry', 'tool2', 650, 100)]);
    expect(rows.map((r) => [r.span.spanId, r.depth])).toEqual([
      ['root', 0],
      ['llm', 1],
      ['tool2', 1],
      ['retry', 2],
    ]);
    expect(totalMs).toBe(1000);
  });

  it('should place bars by start and duration on the trace-wide axis', () => {
    const { rows } = waterfallRows([span('root', null, 0, 2000), span('tool', 'root', 500, 1000)]);
    expect(rows[1]).toMatchObject({ leftPct: 25, widthPct: 50 });
    expect(rows[0]).toMatchObject({ leftPct: 0, widthPct: 100 });
  });

  it('should keep an instant span visible and inside the axis', () => {
    const { rows } = waterfallRows([span('root', null, 0, 1000), span('end', 'root', 1000, 0)]);
    expect(rows[1]!.widthPct).toBeGreaterThan(0);
    expect(rows[1]!.leftPct + rows[1]!.widthPct).toBeLessThanOrEqual(100);
  });

  it('should show a span whose parent has not arrived as a root, and survive a cycle', () => {
    const orphan = waterfallRows([span('a', 'missing', 10, 5), span('b', null, 0, 5)]);
    expect(orphan.rows.map((r) => [r.span.spanId, r.depth])).toEqual([
      ['b', 0],
      ['a', 0],
    ]);
    const cycle = waterfallRows([span('x', 'y', 0, 5), span('y', 'x', 1, 5), span('self', 'self', 2, 1)]);
    expect(cycle.rows.map((r) => r.span.spanId).sort()).toEqual(['self', 'x', 'y']);
  });

  it('should pick the attributes worth reading at a glance', () => {
    const s = span('t', null, 0, 1, { operation: 'execute_tool', toolName: 'refund.create', errorType: 'timeout', attributes: { 'backstop.retry.attempt': 2 } });
    expect(keyAttributes(s)).toEqual([
      ['operation', 'execute_tool'],
      ['tool', 'refund.create'],
      ['attempt', '2'],
      ['error.type', 'timeout'],
    ]);
    expect(keyAttributes(span('c', null, 0, 1, { model: 'gpt-4o', inputTokens: 1200, outputTokens: 80 }))).toEqual([
      ['model', 'gpt-4o'],
      ['tokens', '1,200 in / 80 out'],
    ]);
  });

  it('should tick the axis from 0 to the end of the trace', () => {
    expect(axisTicks(800).map((t) => [t.pct, t.ms])).toEqual([
      [0, 0],
      [25, 200],
      [50, 400],
      [75, 600],
      [100, 800],
    ]);
  });
});
