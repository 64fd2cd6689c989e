/**
 * Calibrated badges, under Review's calibration: the fitted curve, the thresholds chosen from outcomes next
 * to the fixed ones, samples and fit time; admins switch fixed ↔ calibrated, set the target and refit.
 */
import { useEffect, useMemo, useState } from 'preact/hooks';
import type { BadgeFit, BadgesState } from '../../../shared/trust';
import { api, errorMessage } from '../../api/client';
import { CalibrationCurveChart } from '../../charts/CalibrationCurveChart';
import { announce } from '../../shell/announcer';
import { me } from '../../shell/session';
import { createLoadable } from './loadable';
import { count, dateTime, pct } from './review-format';
import { Status } from './Status';

/** The rule, in one sentence (shown under the heading). */
export function badgeRule(s: Pick<BadgesState, 'target' | 'confidence' | 'minSamples'>): string {
  return (
    `"High confidence" starts at the lowest confidence whose answers at or above it were helpful at least ${pct(s.target)} of the time ` +
    `with ${pct(s.confidence)} statistical confidence (Wilson lower bound); "Low" is below where the fitted curve reaches 60%; ` +
    `thresholds change only with at least ${count(s.minSamples)} rated answers (per topic: the topic's own).`
  );
}

const fmt = (t: { high: number; low: number }) => `High ≥ ${pct(t.high)}, Low < ${pct(t.low)}`;

function FitsTable({ state }: { state: BadgesState }) {
  const fits: BadgeFit[] = [...(state.site ? [state.site] : []), ...state.topics];
  if (!fits.length)
    return (
      <p class="empty">
        {state.mode === 'calibrated'
          ? `No fit yet: it needs ${count(state.minSamples)} rated answers with a confidence in the last 90 days.`
          : `No fit yet: thresholds are fitted once calibrated badges are chosen below (from ${count(state.minSamples)} rated answers with a confidence in the last 90 days).`}
      </p>
    );
  return (
    <table class="data">
      <caption>Fitted thresholds</caption>
      <thead>
        <tr>
          <th scope="col">Scope</th>
          <th scope="col" class="num">High from</th>
          <th scope="col" class="num">Low below</th>
          <th scope="col" class="num">Rated answers</th>
          <th scope="col">Fitted</th>
        </tr>
      </thead>
      <tbody>
        {fits.map((f) => (
          <tr key={f.topic}>
            <th scope="row">{f.topic || 'Whole site'}</th>
            <td class="num">{pct(f.high)}</td>
            <td class="num">{pct(f.low)}</td>
            <td class="num">{count(f.samples)}</td>
            <td>
              <time dateTime={f.fittedAt}>{dateTime(f.fittedAt)}</time>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function SettingsForm({ state, onSaved }: { state: BadgesState; onSaved: (s: BadgesState) => void }) {
  const [mode, setMode] = useState(state.mode);
  const [target, setTarget] = useState(String(Math.round(state.target * 1000) / 10));
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  useEffect(() => {
    setMode(state.mode);
    setTarget(String(Math.round(state.target * 1000) / 10));
  }, [state.siteId, state.mode, state.target]);

  const save = async (e: Event) => {
    e.preventDefault();
    const t = Number(target) / 100;
    if (!Number.isFinite(t) || t < 0.5 || t > 0.999) return setProblem('The target must be a percentage from 50 to 99.9.');
    setBusy(true);
    setProblem(null);
    try {
      const next = await api.badges.set.mutate({ siteId: state.siteId, badgeMode: mode, calibrationTarget: t });
      onSaved(next);
      announce(next.mode === 'calibrated' ? `Calibrated badges on: ${fmt(next.inForce)}.` : 'Fixed badge thresholds in use.', 'info');
    } catch (err) {
      setProblem(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  const refit = async () => {
    setBusy(true);
    try {
      const r = await api.badges.refit.mutate({ siteId: state.siteId });
      onSaved(await api.badges.get.query({ siteId: state.siteId }));
      announce(r.mode === 'fixed' ? 'Badges are fixed: nothing to refit.' : r.changed.length ? `Refitted: new thresholds for ${r.changed.map((t) => t || 'the whole site').join(', ')}.` : 'Refitted: thresholds unchanged.', 'info');
    } catch (err) {
      announce(errorMessage(err), 'error');
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="badge-settings" onSubmit={save}>
      <fieldset>
        <legend>Badge thresholds</legend>
        <label>
          <input type="radio" name="badge-mode" value="fixed" checked={mode === 'fixed'} onChange={() => setMode('fixed')} /> Fixed ({fmt(state.fixed)})
        </label>
        <label>
          <input type="radio" name="badge-mode" value="calibrated" checked={mode === 'calibrated'} onChange={() => setMode('calibrated')} /> Calibrated from outcomes
        </label>
      </fieldset>
      <label>
        Target helpful rate for High (%){' '}
        <input type="number" min={50} max={99.9} step={0.1} value={target} onInput={(e) => setTarget((e.target as HTMLInputElement).value)} required />
      </label>
      {problem && (
        <p class="error" role="alert">
          {problem}
        </p>
      )}
      <button type="submit" disabled={busy}>
        Save badge settings
      </button>{' '}
      <button type="button" class="secondary" disabled={busy || state.mode !== 'calibrated'} onClick={refit}>
        Refit now
      </button>
    </form>
  );
}

export function BadgesPart({ siteId }: { siteId: string }) {
  const model = useMemo(() => createLoadable((input: { siteId: string }) => api.badges.get.query(input), 'The badge settings'), []);
  useEffect(() => model.dispose, [model]);
  useEffect(() => {
    void model.load({ siteId });
  }, [siteId]);
  const s = model.data.value;
  const isAdmin = me.value?.role === 'admin';
  return (
    <section aria-labelledby="badges-title">
      <h2 id="badges-title">Badges</h2>
      <Status error={model.error.value} loading={model.loading.value} ready={!!s} retry={model.retry} what="the badge settings">
        {s && (
          <>
            <p class="hint">{badgeRule(s)}</p>
            <p>
              In use: <strong>{s.mode === 'calibrated' ? 'calibrated' : 'fixed'}</strong> thresholds, {fmt(s.inForce)} site-wide (fixed: {fmt(s.fixed)}).
              {s.mode === 'calibrated' && s.topics.length > 0 && ` ${s.topics.length} topic(s) have their own.`}
            </p>
            {s.site && (
              <figure class="chart" aria-labelledby="badges-curve-t" aria-describedby="badges-curve-d">
                <figcaption id="badges-curve-t" class="chart-title">
                  Fitted helpful rate by stated confidence (whole site)
                </figcaption>
                <p id="badges-curve-d" class="chart-desc">
                  The monotone fit over {count(s.site.samples)} rated answers; dashed lines mark High (≥ {pct(s.site.high)}) and Low (&lt; {pct(s.site.low)}), the dotted line
                  the {pct(s.target)} target.
                </p>
                <CalibrationCurveChart curve={s.site.curve} high={s.site.high} low={s.site.low} target={s.target} />
              </figure>
            )}
            <FitsTable state={s} />
            {isAdmin && <SettingsForm state={s} onSaved={(next) => (model.data.value = next)} />}
          </>
        )}
      </Status>
    </section>
  );
}
