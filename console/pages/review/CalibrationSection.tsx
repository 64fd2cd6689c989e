/**
 * Calibration: does stated confidence mean anything? The reliability diagram with its bins as a table,
 * expected calibration error, Brier score, the false-confident rate, and the same figures by topic and release
 * (the groups with the most rated answers). Topic and Release narrow every figure to one topic or release.
 */
import { useSignal } from '@preact/signals';
import { useEffect, useMemo } from 'preact/hooks';
import type { Calibration, CalibrationStats } from '../../../shared/review';
import { ReliabilityChart } from '../../charts/ReliabilityChart';
import { BadgesPart } from './BadgesPart';
import { asChoices, FilterSelect, MenusError } from './CaseFilters';
import { createLoadable } from './loadable';
import { reviewApi } from './review-api';
import { breakdownCaption, count, pct, score } from './review-format';
import { resolveRange, type ReviewQuery } from './review-query';
import { Status } from './Status';

function Scores({ c }: { c: Calibration }) {
  const tiles: [string, string, string][] = [
    ['Rated answers with a confidence', count(c.n), 'the answers these figures are computed from'],
    ['Expected calibration error', score(c.ece), '0 is perfect: the gap between stated confidence and the helpful rate, weighted by bin'],
    ['Brier score', score(c.brier), '0 is perfect; always saying 50% scores 0.25'],
    ['False-confident rate', pct(c.falseConfidentRate), `of ${count(c.highAnswers)} "High confidence" answers (≥ ${pct(c.highThreshold)}) rated Not helpful`],
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

function Bins({ c }: { c: Calibration }) {
  return (
    <table class="data">
      <caption>Confidence bins</caption>
      <thead>
        <tr>
          <th scope="col">Stated confidence</th>
          <th scope="col" class="num">
            Rated answers
          </th>
          <th scope="col" class="num">
            Mean confidence
          </th>
          <th scope="col" class="num">
            Helpful rate
          </th>
          <th scope="col" class="num">
            95% interval
          </th>
        </tr>
      </thead>
      <tbody>
        {c.bins.map((b, i) => (
          <tr key={b.lo}>
            <th scope="row">
              {pct(b.lo)}–{pct(b.hi)}
              {i === c.bins.length - 1 ? ' (incl.)' : ''}
            </th>
            <td class="num">{count(b.count)}</td>
            <td class="num">{pct(b.meanConfidence)}</td>
            <td class="num">{pct(b.helpfulRate)}</td>
            <td class="num">{b.ciLow == null || b.ciHigh == null ? '–' : `${pct(b.ciLow)}–${pct(b.ciHigh)}`}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Breakdown<K extends 'topic' | 'release'>({ rows, by, title, total }: { rows: ({ [k in K]: string | null } & CalibrationStats)[]; by: K; title: string; total: number }) {
  if (!rows.length) return <p class="empty">No rated answers with a {by} in this range.</p>;
  return (
    <table class="data">
      <caption>{breakdownCaption(title, rows.length, total)}</caption>
      <thead>
        <tr>
          <th scope="col">{by === 'topic' ? 'Topic' : 'Release'}</th>
          <th scope="col" class="num">
            Rated answers
          </th>
          <th scope="col" class="num">
            ECE
          </th>
          <th scope="col" class="num">
            Brier
          </th>
          <th scope="col" class="num">
            False-confident rate
          </th>
          <th scope="col" class="num">
            High-confidence answers
          </th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r[by] ?? ''}>
            <th scope="row">{r[by] ?? <span class="muted">(none)</span>}</th>
            <td class="num">{count(r.n)}</td>
            <td class="num">{score(r.ece)}</td>
            <td class="num">{score(r.brier)}</td>
            <td class="num">{pct(r.falseConfidentRate)}</td>
            <td class="num">{count(r.highAnswers)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** In words, what the diagram shows: where the answers are over- or under-confident. */
export function reliabilitySummary(c: Calibration): string {
  const filled = c.bins.filter((b) => b.count > 0 && b.meanConfidence != null && b.helpfulRate != null);
  if (!filled.length) return 'No rated answers with a stated confidence in this range.';
  const parts = filled.map((b) => {
    const gap = b.helpfulRate! - b.meanConfidence!;
    const verdict = Math.abs(gap) < 0.05 ? 'about right' : gap < 0 ? 'over-confident' : 'under-confident';
    return `stated ${pct(b.meanConfidence)}, helpful ${pct(b.helpfulRate)} of ${b.count} (${verdict})`;
  });
  return `Mean stated confidence against observed helpful rate per bin; the dashed diagonal is perfect calibration, whiskers are 95% intervals. ${parts.join('; ')}.`;
}

export function CalibrationSection({ q }: { q: ReviewQuery }) {
  const model = useMemo(() => createLoadable((input: Parameters<typeof reviewApi.calibration.query>[0]) => reviewApi.calibration.query(input), 'The calibration'), []);
  const options = useMemo(() => createLoadable((siteId: string) => reviewApi.filters.query({ siteId }), 'The topic and release menus'), []);
  const topic = useSignal<string | undefined>(undefined);
  const release = useSignal<string | undefined>(undefined);
  useEffect(
    () => () => {
      model.dispose();
      options.dispose();
    },
    [],
  );
  useEffect(() => {
    // Topics and releases belong to a site: a choice does not carry over to another.
    topic.value = release.value = undefined;
    if (q.site) void options.load(q.site);
  }, [q.site]);
  useEffect(() => {
    if (q.site) void model.load({ siteId: q.site, ...resolveRange(q), topic: topic.value, release: release.value });
  }, [q.site, q.range, q.from, q.to, topic.value, release.value]);

  const c = model.data.value;
  const narrowed = [topic.value && `topic ${topic.value}`, release.value && `release ${release.value}`].filter(Boolean).join(' and ');
  return (
    <>
      <fieldset class="case-filters">
        <legend>Answers of</legend>
        <FilterSelect idPrefix="calibration" name="topic" label="Topic" value={topic.value} choices={asChoices(options.data.value?.topics)} onPick={(v) => (topic.value = v)} />
        <FilterSelect idPrefix="calibration" name="release" label="Release" value={release.value} choices={asChoices(options.data.value?.releases)} onPick={(v) => (release.value = v)} />
      </fieldset>
      <MenusError error={options.error.value} retry={() => void options.retry()} />
      <Status error={model.error.value} loading={model.loading.value} ready={!!c} retry={model.retry} what="the calibration">
        {c && (
          <>
            <h2 class="sr-only">Scores</h2>
            {narrowed && <p class="hint">Scores, diagram, bins and breakdowns count only the answers of {narrowed} (the calibrated badges below are fitted on all of them).</p>}
            <Scores c={c} />
            <h2>Reliability diagram</h2>
            <figure class="chart" aria-labelledby="reliability-t" aria-describedby="reliability-d">
              <figcaption id="reliability-t" class="chart-title">
                Stated confidence against observed helpful rate (10 bins)
              </figcaption>
              <p id="reliability-d" class="chart-desc">
                {reliabilitySummary(c)}
              </p>
              {c.n > 0 ? <ReliabilityChart bins={c.bins} /> : <p class="empty">Nothing to plot in this range.</p>}
            </figure>
            <Bins c={c} />
            <h2>By topic</h2>
            <Breakdown rows={c.byTopic} by="topic" title="Calibration by topic" total={c.topicCount} />
            <h2>By release</h2>
            <Breakdown rows={c.byRelease} by="release" title="Calibration by release" total={c.releaseCount} />
            {q.site && <BadgesPart siteId={q.site} />}
          </>
        )}
      </Status>
    </>
  );
}
