/**
 * Confirms applying a recommendation: shows the change and the reason that goes into the audit log. A modal
 * `<dialog>` (focus moves into it, Escape cancels); the buttons' names "Apply" and "Cancel" are what tests
 * and people look for, keep them.
 */
import { useEffect, useRef } from 'preact/hooks';
import { AUTONOMY_LABELS } from '../../../shared/trust-levels';
import type { TrustRecommendation } from '../../../shared/trust';

interface Props {
  topic: string;
  recommendation: TrustRecommendation;
  busy: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}

export function ApplyDialog({ topic, recommendation, busy, onConfirm, onCancel }: Props) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current!;
    if (!dialog.open) dialog.showModal();
    return () => dialog.close();
  }, []);
  return (
    <dialog ref={ref} class="apply-dialog" aria-labelledby="apply-title" aria-describedby="apply-reason" onCancel={(e) => (e.preventDefault(), onCancel())}>
      <h2 id="apply-title">
        Set “{topic}” to {recommendation.to}?
      </h2>
      <p>
        From <strong>{AUTONOMY_LABELS[recommendation.from]}</strong> to <strong>{AUTONOMY_LABELS[recommendation.to]}</strong>.
      </p>
      <p class="hint">Reason recorded in the audit log:</p>
      <blockquote id="apply-reason">{recommendation.text}</blockquote>
      <p class="hint">The server checks the recommendation again from the latest data before applying it.</p>
      <div class="apply-actions">
        <button type="button" onClick={onConfirm} disabled={busy}>
          {busy ? 'Applying…' : 'Apply'}
        </button>
        <button type="button" class="secondary" onClick={onCancel} disabled={busy}>
          Cancel
        </button>
      </div>
    </dialog>
  );
}
