/**
 * A trace's spans laid out as a waterfall: one row per span in tree order (children under their parent,
 * by start), with the depth for indenting and the bar's offset and width as percentages of a shared axis.
 */
import type { SpanView } from '../../../shared/review';
import { count } from './review-format';

export interface WaterfallRow {
  span: SpanView;
  depth: number;
  /** Bar start and width in % of the trace's duration. */
  leftPct: number;
  widthPct: number;
}

/** A bar never gets thinner than this (in %), so instant spans stay visible. */
const MIN_WIDTH_PCT = 0.4;

/**
 * Orders the spans as a tree. A span whose parent did not arrive (or is itself) is shown as a root, so no
 * span is ever hidden; a cycle in bad data cannot loop.
 */
export function waterfallRows(spans: SpanView[]): { rows: WaterfallRow[]; totalMs: number } {
  const totalMs = Math.max(1, ...spans.map((s) => s.startOffsetMs + s.durationMs));
  const ids = new Set(spans.map((s) => s.spanId));
  const children = new Map<string | null, SpanView[]>();
  for (const s of spans) {
    const parent = s.parentSpanId && s.parentSpanId !== s.spanId && ids.has(s.parentSpanId) ? s.parentSpanId : null;
    children.set(parent, [...(children.get(parent) ?? []), s]);
  }
  for (const list of children.values()) list.sort((a, b) => a.startOffsetMs - b.startOffsetMs || a.name.localeCompare(b.name));

  const rows: WaterfallRow[] = [];
  const seen = new Set<string>();
  const visit = (s: SpanView, depth: number) => {
    if (seen.has(s.spanId)) return;
    seen.add(s.spanId);
    const leftPct = Math.min(100 - MIN_WIDTH_PCT, Math.max(0, (s.startOffsetMs / totalMs) * 100));
    const widthPct = Math.min(100 - leftPct, Math.max(MIN_WIDTH_PCT, (s.durationMs / totalMs) * 100));
    rows.push({ span: s, depth, leftPct, widthPct });
    for (const c of children.get(s.spanId) ?? []) visit(c, depth + 1);
  };
  for (const root of children.get(null) ?? []) visit(root, 0);
  // Spans only reachable through a cycle (each other's parents) still get a row.
  for (const s of spans) visit(s, 0);
  return { rows, totalMs };
}

/** The attributes worth reading at a glance, as label/value pairs. */
export function keyAttributes(s: SpanView): [string, string][] {
  const out: [string, string][] = [];
  if (s.operation) out.push(['operation', s.operation]);
  if (s.model) out.push(['model', s.model]);
  if (s.inputTokens != null || s.outputTokens != null) out.push(['tokens', `${count(s.inputTokens ?? 0)} in / ${count(s.outputTokens ?? 0)} out`]);
  if (s.toolName) out.push(['tool', s.toolName]);
  const attempt = s.attributes['backstop.retry.attempt'];
  if (typeof attempt === 'number' || typeof attempt === 'string') out.push(['attempt', String(attempt)]);
  if (s.errorType) out.push(['error.type', s.errorType]);
  return out;
}

/** Tick positions and labels for the shared time axis (0 to the trace's end). */
export function axisTicks(totalMs: number, steps = 4): { pct: number; ms: number }[] {
  return Array.from({ length: steps + 1 }, (_, i) => ({ pct: (i / steps) * 100, ms: (totalMs * i) / steps }));
}
