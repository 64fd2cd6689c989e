/**
 * Words and chart data of the Track record page, from the server's wire shapes. Pure functions, so what the
 * page says and plots is unit-tested without a browser.
 */
import type { RateWithInterval, TopicRecord, TrackRecord } from '../../../shared/trust';
import type { ChartData } from '../../charts/chart-data';

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

/** "97.6% (95.6–98.7%) of 412", or "No data" when nothing was counted. */
export function rateText(r: RateWithInterval): string {
  if (r.n === 0 || r.rate === null) return 'No data';
  const interval = r.low !== null && r.high !== null ? ` (${(r.low * 100).toFixed(1)}–${pct(r.high)})` : '';
  return `${pct(r.rate)}${interval} of ${r.n.toLocaleString('en-US')}`;
}

/** One row of a topic's metrics table: its name, what it means in one sentence, and its value. */
export interface MetricRow {
  name: string;
  help: string;
  value: string;
}

/** The metrics of a topic, each explained in one sentence (the page's help lines). */
export function metricRows(t: TopicRecord, windowDays: number): MetricRow[] {
  const rows: MetricRow[] = [
    { name: 'Volume', help: `Agent answers in the last ${windowDays} days.`, value: t.volume.toLocaleString('en-US') },
    { name: 'Helpful rate', help: 'Share of the ratings users gave that said "Helpful".', value: rateText(t.helpful) },
    {
      name: 'Approved unedited',
      help: 'Share of reviewed drafts a person approved without changing them; approvals faster than reading the draft are not counted as reviewed.',
      value: rateText(t.approvedReviewed),
    },
    { name: 'Approved unedited (raw)', help: 'The same share counting every approval, however fast.', value: rateText(t.approvedRaw) },
    { name: 'Edit rate', help: 'Share of decided drafts a person edited before the user saw them.', value: rateText(t.edited) },
    { name: 'Rejection rate', help: 'Share of decided drafts a person rejected and replaced.', value: rateText(t.rejected) },
    { name: 'Escalation rate', help: 'Escalations to a person per agent answer.', value: rateText(t.escalated) },
    { name: 'Agent was wrong', help: 'Share of resolved escalations where the person found the agent’s answer wrong.', value: rateText(t.agentWasWrong) },
  ];
  return rows;
}

/** Whether the site has nothing to show: no answers and no decided drafts in the window. */
export const isEmpty = (r: TrackRecord) => r.total.volume === 0 && r.total.approvedRaw.n === 0;

const seconds = (iso: string) => Math.floor(new Date(iso).getTime() / 1000);

/** The weekly lines of a topic: helpful rate, approval rate (reviewed drafts) and escalation rate; a week without data plots nothing. */
export function weeklySeries(t: TopicRecord): ChartData {
  const ratio = (a: number, b: number) => (b > 0 ? a / b : null);
  return {
    series: [
      { label: 'Helpful rate', stroke: '#15803d' },
      { label: 'Approved unedited (reviewed)', stroke: '#1d4ed8', dash: [6, 3] },
      { label: 'Escalation rate', stroke: '#b91c1c', dash: [2, 3] },
    ],
    data: [
      t.weeks.map((w) => seconds(w.start)),
      t.weeks.map((w) => ratio(w.helpful, w.rated)),
      t.weeks.map((w) => ratio(w.reviewedApprovals, w.reviewed)),
      t.weeks.map((w) => ratio(w.escalations, w.answers)),
    ],
  };
}

/** Whether any week has answers or decided drafts (else the chart would be empty). */
export const hasWeeklyData = (t: TopicRecord) => t.weeks.some((w) => w.answers > 0 || w.reviewed > 0 || w.rated > 0);

/** What the weekly chart shows, in words, for screen readers and anyone. */
export function weeklyDescription(t: TopicRecord): string {
  const withAnswers = t.weeks.filter((w) => w.answers > 0 || w.reviewed > 0).length;
  return `Weekly helpful rate, approval rate of reviewed drafts and escalation rate of ${t.label}, over ${t.weeks.length} weeks (${withAnswers} with data).`;
}
