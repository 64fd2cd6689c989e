/**
 * Review's chart data in uPlot's aligned form (x values first, then one array per series), built from the
 * server's wire shapes. Pure functions, so what the charts plot is unit-tested without a canvas.
 */
import type { CalibrationBin, SeriesPoint } from '../../shared/review';
import { FAILURE_MODES, type FailureMode } from '../../shared/traces';

export interface ChartSeries {
  label: string;
  /** Colour of the line; the dash pattern tells lines apart without colour. */
  stroke: string;
  dash?: number[];
}

export interface ChartData {
  series: ChartSeries[];
  /** x in Unix seconds (uPlot's time scale), then one array per series (null: nothing to plot). */
  data: [number[], ...(number | null)[][]];
}

/**
 * Colours for the failure modes (the Okabe–Ito palette, told apart by people with colour-vision deficiency),
 * darkened where needed for 3:1 contrast on white.
 */
export const MODE_COLOR: Record<FailureMode, string> = {
  tool_failure: '#c2410c',
  context_drift: '#0072b2',
  instruction_drift: '#007a5a',
  hallucination: '#b3499b',
  adversarial_input: '#a16207',
  unknown: '#4b5563',
};
const DASHES: (number[] | undefined)[] = [undefined, [6, 3], [2, 3], [8, 3, 2, 3], [4, 4], [1, 2]];

const seconds = (iso: string) => Math.floor(new Date(iso).getTime() / 1000);

/** Negative cases per bucket and failure mode: one line per mode that occurs in the range. */
export function modeSeries(points: SeriesPoint[]): ChartData {
  const present = FAILURE_MODES.filter((m) => points.some((p) => (p.byMode[m.id] ?? 0) > 0));
  return {
    series: present.map((m, i) => ({ label: m.label, stroke: MODE_COLOR[m.id], dash: DASHES[i % DASHES.length] })),
    data: [points.map((p) => seconds(p.t)), ...present.map((m) => points.map((p) => p.byMode[m.id] ?? 0))],
  };
}

/** Not-helpful share of rated answers per bucket (what the alerts' "Negative rate" compares). */
export const notHelpfulRate = (p: SeriesPoint): number | null => (p.helpful + p.notHelpful > 0 ? p.notHelpful / (p.helpful + p.notHelpful) : null);
/**
 * Negative cases per answer per bucket: Not helpful ratings, escalations and `agent_was_wrong` outcomes over
 * the answers shown (an answer rated Not helpful and then escalated counts twice, as in the totals).
 */
export const negativeRate = (p: SeriesPoint): number | null => (p.answers > 0 ? p.negatives / p.answers : null);
/** Escalations per answer per bucket. */
export const escalationRate = (p: SeriesPoint): number | null => (p.answers > 0 ? p.escalations / p.answers : null);

export const NEGATIVE_RATE_LABEL = 'Negative rate (negative cases per answer)';
export const ESCALATION_RATE_LABEL = 'Escalation rate (per answer)';

/** The two trend lines: negative rate and escalation rate (0–1; a bucket without answers plots nothing). */
export function rateSeries(points: SeriesPoint[]): ChartData {
  return {
    series: [
      { label: NEGATIVE_RATE_LABEL, stroke: '#b91c1c' },
      { label: ESCALATION_RATE_LABEL, stroke: '#1d4ed8', dash: [6, 3] },
    ],
    data: [points.map((p) => seconds(p.t)), points.map(negativeRate), points.map(escalationRate)],
  };
}

/** One point of the reliability diagram, with what its whisker and label need. */
export interface ReliabilityPoint {
  x: number;
  y: number;
  lo: number | null;
  hi: number | null;
  count: number;
}

/**
 * The reliability diagram: x = mean stated confidence of each bin that has rated answers, y = its observed
 * helpful rate; series 1 is the diagonal (perfect calibration), drawn through 0 and 1 and every point.
 */
export function reliabilitySeries(bins: CalibrationBin[]): { data: [number[], (number | null)[], (number | null)[]]; points: ReliabilityPoint[] } {
  const points: ReliabilityPoint[] = bins
    .filter((b) => b.count > 0 && b.meanConfidence != null && b.helpfulRate != null)
    .map((b) => ({ x: b.meanConfidence!, y: b.helpfulRate!, lo: b.ciLow, hi: b.ciHigh, count: b.count }))
    .sort((a, b) => a.x - b.x);
  const xs = [...new Set([0, ...points.map((p) => p.x), 1])].sort((a, b) => a - b);
  const byX = new Map(points.map((p) => [p.x, p]));
  return { data: [xs, xs, xs.map((x) => byX.get(x)?.y ?? null)], points };
}
