/**
 * What an agent or admin can do with a handoff. The button names ("Claim", "Unclaim", "Transfer",
 * "Resolve") are how people and tests find them: keep them as they are.
 */
import { useSignal } from '@preact/signals';
import type { EscalationOutcome } from '../../../shared/handoff';
import { OUTCOME_LABEL, OUTCOMES } from '../../format';
import { me } from '../../shell/session';
import type { ConversationModel } from './conversation-model';

export function Actions({ model }: { model: ConversationModel }) {
  const outcome = useSignal<EscalationOutcome>('resolved');
  const target = useSignal('');
  const e = model.detail.value!.escalation;
  const busy = model.busy.value;
  const mine = e.assignee?.id === me.value?.id;
  const admin = me.value?.role === 'admin';
  const colleagues = model.colleagues.value;

  if (e.status === 'resolved') return <p class="resolved-note">This handoff is resolved.</p>;

  return (
    <section class="actions" aria-label="Actions">
      {e.status === 'queued' && (
        <button type="button" onClick={model.claim} disabled={busy}>
          Claim
        </button>
      )}
      {e.status === 'claimed' && (mine || admin) && (
        <button type="button" class="secondary" onClick={model.unclaim} disabled={busy}>
          Unclaim
        </button>
      )}
      <form
        class="inline"
        onSubmit={(ev) => {
          ev.preventDefault();
          if (target.value) void model.transfer(target.value).then((ok) => ok && (target.value = ''));
        }}
      >
        <label for="transfer-to">Transfer to</label>
        <select id="transfer-to" value={target.value} onChange={(ev) => (target.value = ev.currentTarget.value)} disabled={!colleagues.length}>
          <option value="">{colleagues.length ? 'Choose a colleague' : 'No other agent on this site'}</option>
          {colleagues.map((c) => (
            <option key={c.id} value={c.id}>
              {c.displayName} ({c.email})
            </option>
          ))}
        </select>
        <button type="submit" class="secondary" disabled={busy || !target.value}>
          Transfer
        </button>
      </form>
      <form
        class="inline"
        onSubmit={(ev) => {
          ev.preventDefault();
          void model.resolve(outcome.value);
        }}
      >
        <label for="outcome">Outcome</label>
        <select id="outcome" value={outcome.value} onChange={(ev) => (outcome.value = ev.currentTarget.value as EscalationOutcome)}>
          {OUTCOMES.map((o) => (
            <option key={o} value={o}>
              {OUTCOME_LABEL[o]}
            </option>
          ))}
        </select>
        <button type="submit" disabled={busy}>
          Resolve
        </button>
      </form>
    </section>
  );
}
