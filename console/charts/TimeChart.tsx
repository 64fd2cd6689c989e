/**
 * A time-series line chart (Review's trends): time on x, one line per series with points, a y-axis label,
 * and a legend whose values follow the cursor. Wrapped in a figure whose caption names it and whose
 * description says in words what it shows.
 */
import type { ComponentChildren } from 'preact';
import { useMemo } from 'preact/hooks';
import type uPlot from 'uplot';
import type { ChartData } from './chart-data';
import { bucketLabel, bucketTick, SERIES_TIME_ZONE } from './time-labels';
import { UPlotChart } from './UPlotChart';

export interface TimeChartProps {
  title: string;
  /** What the chart shows, read by screen readers (and anyone) instead of the canvas. */
  description: string;
  chart: ChartData;
  yLabel: string;
  /** How a y value reads in the axis and the legend ("12", "4.5%"). */
  format: (v: number) => string;
  /** Hourly buckets show times, daily and weekly ones dates (a week by the date it starts), all in UTC like the buckets. */
  bucket: 'hour' | 'day' | 'week';
  /** The same data as a table, for reading exact values and for screen readers. */
  table?: ComponentChildren;
  /** Rates: the y axis spans 0 to 100% at most. */
  unitInterval?: boolean;
  /** Buckets cut at UTC hours and midnights (Review's): ticks on UTC midnights, labels in UTC and saying so. */
  utc?: boolean;
}

const HOUR = 3600;
const HOUR_INCRS = [HOUR, 2 * HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR, 24 * HOUR, 48 * HOUR];
const DAY_INCRS = [24 * HOUR, 2 * 24 * HOUR, 7 * 24 * HOUR, 14 * 24 * HOUR, 28 * 24 * HOUR];

/**
 * uPlot places time ticks by a Date's local fields; this Date's local fields are the instant's UTC ones, so
 * day ticks fall on UTC midnights, where the buckets start (uPlot.tzDate does the same through Intl).
 */
function utcAsLocal(ts: number): Date {
  const d = new Date(ts * 1000);
  return new Date(d.getTime() + d.getTimezoneOffset() * 60_000);
}

const AXIS = { stroke: '#374151', grid: { stroke: '#e5e7eb', width: 1 }, ticks: { stroke: '#d1d5db', width: 1 } };

export function TimeChart({ title, description, chart, yLabel, format, bucket, table, unitInterval, utc }: TimeChartProps) {
  const id = useMemo(() => `chart-${Math.random().toString(36).slice(2, 9)}`, []);
  const seriesKey = chart.series.map((s) => s.label).join('|');
  const options = useMemo<Omit<uPlot.Options, 'width' | 'height'>>(() => {
    const zone = utc ? SERIES_TIME_ZONE : undefined;
    const inZone = utc ? ' (UTC)' : '';
    const when = (ts: number) => bucketLabel(ts * 1000, bucket, zone) + (utc ? ' UTC' : '');
    return {
      ...(utc ? { tzDate: utcAsLocal } : {}),
      scales: { x: { time: true }, y: unitInterval ? { range: (_u, _min, max) => [0, Math.min(1, Math.max(0.05, max * 1.15))] } : { range: (_u, _min, max) => [0, Math.max(1, Math.ceil(max * 1.15))] } },
      series: [
        { label: (bucket === 'hour' ? 'Hour' : bucket === 'week' ? 'Week of' : 'Day') + inZone, value: (_u, v) => (v == null ? '–' : when(v)) },
        ...chart.series.map((s) => ({
          label: s.label,
          stroke: s.stroke,
          width: 2,
          dash: s.dash,
          points: { show: true, size: 5 },
          spanGaps: false,
          value: (_u: uPlot, v: number | null) => (v == null ? '–' : format(v)),
        })),
      ],
      axes: [
        {
          ...AXIS,
          label: bucket === 'hour' ? `Time (hourly${utc ? ', UTC' : ''})` : bucket === 'week' ? `Week starting (weekly${utc ? ', UTC' : ''})` : `Date (daily${utc ? ', UTC' : ''})`,
          // Ticks on whole buckets only (no "12pm" between two days), labelled as people read them.
          incrs: bucket === 'hour' ? HOUR_INCRS : DAY_INCRS,
          values: (_u, ticks) => ticks.map((t) => bucketTick(t * 1000, bucket, zone)),
        },
        { ...AXIS, label: yLabel, size: 60, values: (_u, ticks) => ticks.map((t) => format(t)) },
      ],
      legend: { live: true },
      cursor: { points: { size: 8 } },
    };
    // Rebuilt only when the set of series or the formatting changes, not for new values.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [seriesKey, bucket, yLabel, unitInterval, utc]);

  return (
    <figure class="chart" aria-labelledby={`${id}-t`} aria-describedby={`${id}-d`}>
      <figcaption id={`${id}-t`} class="chart-title">
        {title}
      </figcaption>
      <p id={`${id}-d`} class="chart-desc">
        {description}
      </p>
      {chart.series.length === 0 || chart.data[0].length === 0 ? (
        <p class="empty">Nothing to plot in this range.</p>
      ) : (
        <UPlotChart options={options} data={chart.data} />
      )}
      {table && (
        <details class="chart-table">
          <summary>Show the data as a table</summary>
          {table}
        </details>
      )}
    </figure>
  );
}
