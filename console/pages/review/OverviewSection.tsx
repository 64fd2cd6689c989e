/**
 * Overview: the counts and rates of the range, negatives by failure mode (each linking to its cases), the
 * modes over time, the negative and escalation rate trends, and how often reviewers agree with the
 * automatic label. Series buckets are UTC hours or days, and say so.
 */
import { useEffect, useMemo } from 'preact/hooks';
import type { Overview } from '../../../shared/review';
import { escalationRate, modeSeries, negativeRate, notHelpfulRate, rateSeries } from '../../charts/chart-data';
import { TimeChart } from '../../charts/TimeChart';
import { createLoadable } from './loadable';
import { Rationale } from './Rationale';
import { reviewApi } from './review-api';
import { bucketLabel, count, MODE_LABEL, pct } from './review-format';
import { sectionHref } from './review-nav';
import { resolveRange, type ReviewQuery } from './review-query';
import { Status } from './Status';

function Totals({ o }: { o: Overview }) {
  const t = o.totals;
  const a = o.agreement;
  const tiles: [string, string, string][] = [
    ['Answers', count(t.answers), 'agent answers shown'],
    ['Rated', pct(t.ratedShare), `${count(t.rated)} answers rated`],
    ['Helpful rate', pct(t.helpfulRate), `${count(t.helpful)} helpful, ${count(t.notHelpful)} not helpful`],
    ['Escalation rate', pct(t.escalationRate), `${count(t.escalations)} handed to a person`],
    ['Negatives', count(t.negatives), 'not helpful, escalations, agent was wrong'],
    ['Reviewer agreement', pct(a.rate), `${count(a.agreed)} of ${count(a.labelled)} labels kept the automatic mode`],
  ];
  return (
    <dl class="kpis">
      {tiles.map(([name, value, hint]) => (
        <div key={name} class="kpi">
          <dt>{name}</dt>
          <dd>
            <span class="kpi-value">{value}</span>
            <span class="hint">{hint}</span>
          </dd>
        </div>
      ))}
    </dl>
  );
}

function Modes({ o, q }: { o: Overview; q: ReviewQuery }) {
  if (!o.modes.length) return <p class="empty">No classified negative cases in this range.</p>;
  return (
    <table class="data">
      <caption>Negative cases by failure mode</caption>
      <thead>
        <tr>
          <th scope="col">Failure mode</th>
          <th scope="col" class="num">
            Cases
          </th>
          <th scope="col" class="num">
            Share
          </th>
          <th scope="col">Example rationale</th>
        </tr>
      </thead>
      <tbody>
        {o.modes.map((m) => (
          <tr key={m.mode}>
            <th scope="row">
              <a href={sectionHref('cases', { ...q, filters: { mode: m.mode } })} aria-label={`${MODE_LABEL[m.mode]}: show its ${m.count} cases`}>
                {MODE_LABEL[m.mode] ?? m.mode}
              </a>
            </th>
            <td class="num">{count(m.count)}</td>
            <td class="num">{pct(m.share)}</td>
            <td class="rationale">{m.exampleRationale ? <Rationale text={m.exampleRationale} inline /> : '–'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Trends({ o }: { o: Overview }) {
  const modes = useMemo(() => modeSeries(o.series), [o]);
  const rates = useMemo(() => rateSeries(o.series), [o]);
  const per = o.bucket === 'hour' ? 'UTC hour' : 'UTC day';
  const bucketHead = o.bucket === 'hour' ? 'Hour (UTC)' : 'Day (UTC)';
  const peak = (label: string, values: (number | null)[], fmt: (v: number) => string) => {
    let best = -1;
    values.forEach((v, i) => v != null && (best < 0 || v > values[best]!) && (best = i));
    return best < 0 || values[best] === 0 ? `${label}: none` : `${label} peaks at ${fmt(values[best]!)} on ${bucketLabel(o.series[best]!.t, o.bucket)} UTC`;
  };
  const modeDesc =
    modes.series.length === 0
      ? `No negative cases were classified in this range.`
      : `Negative cases per ${per} for each failure mode. ` + modes.series.map((s, i) => peak(s.label, modes.data[i + 1]!, (v) => String(v))).join('; ') + '.';
  const rateDesc =
    `Negative cases (Not helpful ratings, escalations, agent-was-wrong outcomes) per answer, and escalations per answer, per ${per}. ` +
    rates.series.map((s, i) => peak(s.label, rates.data[i + 1]!, pct)).join('; ') +
    '.';
  return (
    <div class="charts">
      <TimeChart
        title="Failure modes over time"
        description={modeDesc}
        chart={modes}
        yLabel="Negative cases"
        format={(v) => String(Math.round(v * 10) / 10)}
        bucket={o.bucket}
        utc
        table={
          <table class="data">
            <thead>
              <tr>
                <th scope="col">{bucketHead}</th>
                {modes.series.map((s) => (
                  <th key={s.label} scope="col" class="num">
                    {s.label}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {o.series.map((p, i) => (
                <tr key={p.t}>
                  <th scope="row">{bucketLabel(p.t, o.bucket)}</th>
                  {modes.series.map((s, k) => (
                    <td key={s.label} class="num">
                      {modes.data[k + 1]![i]}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        }
      />
      <TimeChart
        title="Negative and escalation rate"
        description={rateDesc}
        chart={rates}
        yLabel="Rate"
        format={pct}
        unitInterval
        bucket={o.bucket}
        utc
        table={
          <table class="data">
            <thead>
              <tr>
                <th scope="col">{bucketHead}</th>
                <th scope="col" class="num">
                  Answers
                </th>
                <th scope="col" class="num">
                  Negative cases
                </th>
                <th scope="col" class="num">
                  Negative rate
                </th>
                <th scope="col" class="num">
                  Escalation rate
                </th>
                <th scope="col" class="num">
                  Not-helpful rate (of rated)
                </th>
              </tr>
            </thead>
            <tbody>
              {o.series.map((p) => (
                <tr key={p.t}>
                  <th scope="row">{bucketLabel(p.t, o.bucket)}</th>
                  <td class="num">{count(p.answers)}</td>
                  <td class="num">{count(p.negatives)}</td>
                  <td class="num">{pct(negativeRate(p))}</td>
                  <td class="num">{pct(escalationRate(p))}</td>
                  <td class="num">{pct(notHelpfulRate(p))}</td>
                </tr>
              ))}
            </tbody>
          </table>
        }
      />
    </div>
  );
}

export function OverviewSection({ q }: { q: ReviewQuery }) {
  const model = useMemo(() => createLoadable((input: Parameters<typeof reviewApi.overview.query>[0]) => reviewApi.overview.query(input), 'The overview'), []);
  useEffect(() => model.dispose, [model]);
  useEffect(() => {
    if (q.site) void model.load({ siteId: q.site, ...resolveRange(q) });
  }, [q.site, q.range, q.from, q.to]);

  const o = model.data.value;
  return (
    <Status error={model.error.value} loading={model.loading.value} ready={!!o} retry={model.retry} what="the overview">
      {o && (
        <>
          <h2 class="sr-only">Totals</h2>
          <Totals o={o} />
          <h2>Failure modes</h2>
          <Modes o={o} q={q} />
          <h2>Trends</h2>
          <Trends o={o} />
        </>
      )}
    </Status>
  );
}
