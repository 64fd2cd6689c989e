// @vitest-environment happy-dom
import { render } from 'preact';
import { act } from 'preact/test-utils';
import { describe, expect, it } from 'vitest';
import type { SpanView, TranscriptEntry } from '../../../shared/review';
import type { TraceSummary } from '../../../shared/traces';
import { CaseTranscript } from './CaseTranscript';
import { Waterfall } from './Waterfall';

const span = (spanId: string, parentSpanId: string | null, startOffsetMs: number, durationMs: number, over: Partial<SpanView> = {}): SpanView => ({
  spanId,
  parentSpanId,
  name: spanId,
  startOffsetMs,
  durationMs,
  status: 'ok',
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
const summary = { spanCount: 3, errorCount: 1, durationMs: 3000, model: 'gpt-4o', llmCalls: 1, inputTokens: 900, outputTokens: 40 } as TraceSummary;

async function show(vnode: preact.VNode): Promise<HTMLElement> {
  const root = document.createElement('div');
  document.body.append(root);
  await act(() => render(vnode, root));
  return root;
}

describe('Waterfall', () => {
  it('should mark the failed span red with the word "error", and open and mark the evidence span', async () => {
    const spans = [
      span('root', null, 0, 3000, { name: 'invoke_agent support' }),
      span('t1', 'root', 100, 1000, { name: 'execute_tool refund.create', status: 'error', toolName: 'refund.create', errorType: 'timeout', attributes: { 'http.status': 504 }, events: [{ name: 'exception', offsetMs: 999, attributes: { 'exception.message': 'deadline' } }] }),
      span('llm', 'root', 1200, 1500, { name: 'chat gpt-4o', model: 'gpt-4o', inputTokens: 900, outputTokens: 40 }),
    ];
    const root = await show(<Waterfall trace={{ traceId: 'abc', summary, spans }} evidenceSpanId="t1" />);
    const rows = [...root.querySelectorAll('.wf-row')];
    expect(rows.map((r) => r.id)).toEqual(['span-root', 'span-t1', 'span-llm']);
    const failed = root.querySelector('#span-t1')!;
    expect(failed.classList.contains('status-error')).toBe(true);
    expect(failed.classList.contains('evidence')).toBe(true);
    expect(failed.querySelector<HTMLDetailsElement>('details')!.open).toBe(true);
    expect(failed.textContent).toContain('error.type timeout');
    expect(failed.textContent).toContain('http.status');
    expect(failed.textContent).toContain('exception');
    expect(root.querySelector<HTMLDetailsElement>('#span-llm details')!.open).toBe(false);
    expect(root.querySelector('#span-llm')!.textContent).toContain('900 in / 40 out');
    // Indented under the root, bar at 100 ms of 3 s.
    expect((failed.querySelector('.wf-name') as HTMLElement).style.paddingLeft).toBe('1.1rem');
    expect((failed.querySelector('.wf-bar') as HTMLElement).style.left).toMatch(/^3\.33/);
  });
});

describe('CaseTranscript', () => {
  const entry = (over: Partial<TranscriptEntry>): TranscriptEntry => ({ id: crypto.randomUUID(), role: 'agent', text: 'Hello', sentAt: new Date().toISOString(), confidence: null, traceId: null, topic: null, isCaseAnswer: false, staffName: null, ...over });
  const DEFAULTS = { high: 0.8, low: 0.5, byTopic: {} };

  it("should highlight the case's answer and keep text inert", async () => {
    const root = await show(
      <CaseTranscript entries={[entry({ role: 'user', text: '<img src=x onerror="alert(1)">' }), entry({ text: 'Refunds take **5 days**', confidence: 0.9, isCaseAnswer: true })]} thresholds={DEFAULTS} />,
    );
    expect(root.querySelector('img')).toBeNull();
    expect(root.textContent).toContain('<img src=x onerror="alert(1)">');
    const answer = root.querySelector('[aria-current="true"]')!;
    expect(answer.textContent).toContain("This case's answer");
    expect(answer.querySelector('.msg-text strong')?.textContent).toBe('5 days');
    expect(answer.querySelector('.badge')?.textContent).toBe('High confidence');
  });

  it("should badge answers with the site's thresholds, and a calibrated topic's own, as the widget did", async () => {
    const thresholds = { high: 0.95, low: 0.6, byTopic: { refunds: { high: 0.7, low: 0.3 } } };
    const root = await show(
      <CaseTranscript
        entries={[entry({ confidence: 0.9 }), entry({ confidence: 0.75, topic: 'refunds' }), entry({ confidence: 0.5, topic: 'constructor' })]}
        thresholds={thresholds}
      />,
    );
    expect([...root.querySelectorAll('.badge')].map((b) => b.textContent)).toEqual(['Medium confidence', 'High confidence', 'Low confidence']);
  });
});
