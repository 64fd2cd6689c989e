/**
 * The automatic and the human label side by side, and the reviewer's relabel: a failure mode, an optional
 * note and "Save label" (a name people and tests use: keep it). The automatic label is never overwritten;
 * "Use the automatic label" takes a reviewer's label away so that it counts again.
 */
import { useSignal } from '@preact/signals';
import { useEffect } from 'preact/hooks';
import { FAILURE_MODES, type FailureMode } from '../../../shared/traces';
import { me } from '../../shell/session';
import type { CaseModel } from './case-model';
import { dateTime, labellerName, modeLabel, pct } from './review-format';

export function Relabel({ model }: { model: CaseModel }) {
  const c = model.detail.data.value!.case;
  const mode = useSignal<FailureMode>(c.humanMode ?? c.autoMode ?? 'unknown');
  const note = useSignal(c.humanNote ?? '');
  useEffect(() => {
    mode.value = c.humanMode ?? c.autoMode ?? 'unknown';
    note.value = c.humanNote ?? '';
  }, [c.id, c.humanMode, c.humanNote]);

  return (
    <section class="panel" aria-labelledby="label-h">
      <h2 id="label-h">Label</h2>
      <dl class="facts">
        <dt>Automatic</dt>
        <dd>
          {modeLabel(c.autoMode)}
          {c.autoConfidence != null && <span class="hint"> ({pct(c.autoConfidence)} sure)</span>}
        </dd>
        <dt>Reviewer</dt>
        <dd>
          {c.humanMode ? (
            <>
              {modeLabel(c.humanMode)}
              <span class="hint">
                {' '}
                by {labellerName(c.labelledBy, me.value, c.labelledByName)}
                {c.labelledAt && <>, {dateTime(c.labelledAt)}</>}
              </span>
              {c.humanNote && <p class="label-note">{c.humanNote}</p>}
            </>
          ) : (
            <span class="muted">Not labelled yet</span>
          )}
        </dd>
        {c.humanMode && c.autoMode && (
          <>
            <dt>Agreement</dt>
            <dd>{c.humanMode === c.autoMode ? 'The reviewer kept the automatic mode.' : 'The reviewer changed the automatic mode.'}</dd>
          </>
        )}
      </dl>
      <form
        class="relabel"
        onSubmit={async (e) => {
          e.preventDefault();
          await model.label(mode.value, note.value);
        }}
      >
        <label for="relabel-mode">Failure mode</label>
        <select id="relabel-mode" value={mode.value} onChange={(e) => (mode.value = e.currentTarget.value as FailureMode)}>
          {FAILURE_MODES.map((m) => (
            <option key={m.id} value={m.id}>
              {m.label}
              {m.id === c.autoMode ? ' (automatic)' : ''}
            </option>
          ))}
        </select>
        <label for="relabel-note">Note (optional)</label>
        <textarea id="relabel-note" rows={2} maxLength={2000} value={note.value} onInput={(e) => (note.value = e.currentTarget.value)} />
        {model.saveError.value && (
          <p class="error" role="alert">
            {model.saveError.value}
          </p>
        )}
        <button type="submit" disabled={model.saving.value} aria-busy={model.saving.value}>
          Save label
        </button>
        {c.humanMode && (
          <button type="button" class="secondary" disabled={model.saving.value} onClick={() => void model.label(null, '')}>
            {/* Without an automatic label there is nothing to go back to but no label. */}
            {c.autoMode ? 'Use the automatic label' : "Remove the reviewer's label"}
          </button>
        )}
      </form>
    </section>
  );
}
