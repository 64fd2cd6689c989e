/**
 * A trace as a waterfall: one row per span, indented under its parent, its bar placed by start and sized by
 * duration on one time axis for the whole trace. Failed spans are red and say "error"; the span the
 * classification cites as evidence is marked, opened and scrolled into view. Each row opens to show every
 * attribute and event.
 */
import { useEffect, useMemo } from 'preact/hooks';
import type { CaseDetail, SpanView } from '../../../shared/review';
import { count, duration } from './review-format';
import { axisTicks, keyAttributes, waterfallRows } from './waterfall';

type Trace = NonNullable<CaseDetail['trace']>;

/** The element id of a span's row, for scrolling to it. */
export const spanRowId = (spanId: string) => `span-${spanId}`;

const STATUS_TEXT: Record<SpanView['status'], string> = { ok: 'ok', error: 'error', unset: 'unset' };

function show(v: unknown): string {
  if (typeof v === 'string') return v;
  try {
    return JSON.stringify(v);
  } catch {
    return String(v);
  }
}

function SpanDetail({ s }: { s: SpanView }) {
  const attrs = Object.entries(s.attributes);
  return (
    <div class="wf-detail">
      <p>
        Span <code>{s.spanId}</code> · starts at {duration(s.startOffsetMs)} · lasts {duration(s.durationMs)} · status {STATUS_TEXT[s.status]}
        {s.statusMessage && <>: {s.statusMessage}</>}
      </p>
      {attrs.length > 0 ? (
        <dl class="wf-attrs">
          {attrs.map(([k, v]) => (
            <div key={k}>
              <dt>{k}</dt>
              <dd>{show(v)}</dd>
            </div>
          ))}
        </dl>
      ) : (
        <p class="hint">No attributes.</p>
      )}
      {s.events.length > 0 && (
        <>
          <h4>Events</h4>
          <ul class="wf-events">
            {s.events.map((e, i) => (
              <li key={i}>
                <strong>{e.name}</strong> at +{duration(e.offsetMs)}
                {Object.keys(e.attributes).length > 0 && (
                  <span class="hint">
                    {' '}
                    {Object.entries(e.attributes)
                      .map(([k, v]) => `${k}=${show(v)}`)
                      .join(', ')}
                  </span>
                )}
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}

export function Waterfall({ trace, evidenceSpanId }: { trace: Trace; evidenceSpanId: string | null }) {
  const { rows, totalMs } = useMemo(() => waterfallRows(trace.spans), [trace]);
  const ticks = axisTicks(totalMs);
  const sum = trace.summary;

  useEffect(() => {
    if (evidenceSpanId) document.getElementById(spanRowId(evidenceSpanId))?.scrollIntoView({ block: 'center' });
  }, [evidenceSpanId, trace.traceId]);

  return (
    <div class="waterfall">
      <p class="trace-meta">
        Trace <code>{trace.traceId}</code> · {count(sum.spanCount)} spans · {duration(sum.durationMs)}
        {sum.errorCount > 0 && <span class="wf-error-count"> · {count(sum.errorCount)} failed</span>}
        {sum.model && <> · model {sum.model}</>} · {count(sum.inputTokens)} tokens in / {count(sum.outputTokens)} out
      </p>
      <div class="wf-head" aria-hidden="true">
        <span>Span</span>
        <span class="wf-axis">
          {ticks.map((t) => (
            <span key={t.pct} class="wf-tick" style={{ left: `${t.pct}%` }}>
              {duration(t.ms)}
            </span>
          ))}
        </span>
        <span>Duration</span>
      </div>
      <ol class="wf-rows" aria-label="Spans">
        {rows.map(({ span: s, depth, leftPct, widthPct }) => {
          const evidence = s.spanId === evidenceSpanId;
          return (
            <li key={s.spanId} id={spanRowId(s.spanId)} class={`wf-row status-${s.status}${evidence ? ' evidence' : ''}`}>
              <details open={evidence}>
                <summary>
                  <span class="wf-name" style={{ paddingLeft: `${depth * 1.1}rem` }}>
                    {depth > 0 && <span class="sr-only">{`level ${depth + 1}: `}</span>}
                    {s.name}
                    {s.status === 'error' && <span class="tag error-tag">error</span>}
                    {evidence && <span class="tag evidence-tag">evidence</span>}
                    <span class="wf-keys">
                      {keyAttributes(s).map(([k, v]) => (
                        <span key={k}>
                          {k} {v}
                        </span>
                      ))}
                    </span>
                  </span>
                  <span class="wf-track" aria-hidden="true">
                    <span class="wf-bar" style={{ left: `${leftPct}%`, width: `${widthPct}%` }} />
                  </span>
                  <span class="wf-dur">
                    <span class="sr-only">starts at {duration(s.startOffsetMs)}, lasts </span>
                    {duration(s.durationMs)}
                  </span>
                </summary>
                <SpanDetail s={s} />
              </details>
            </li>
          );
        })}
      </ol>
    </div>
  );
}
