import { useId } from 'preact/hooks';
import { FEEDBACK_REASONS, MAX_FEEDBACK_COMMENT } from '../../shared/feedback';
import type { FeedbackModel } from '../models/feedback';

interface Props {
  model: FeedbackModel;
}

/** What went wrong: reason chips (toggle buttons), an optional comment with a counter, and the send button. */
export function FeedbackForm({ model }: Props) {
  const id = useId();
  const chosen = model.reasons.value;
  const length = model.comment.value.length;
  return (
    <div class="fb">
      <div class="row" role="group" aria-label="What went wrong?">
        {FEEDBACK_REASONS.map((r) => (
          <button key={r.id} type="button" class="chip" aria-pressed={chosen.includes(r.id)} onClick={() => model.toggleReason(r.id)}>
            {r.label}
          </button>
        ))}
      </div>
      <label for={id}>Tell us more (optional)</label>
      <textarea
        id={id}
        rows={3}
        maxLength={MAX_FEEDBACK_COMMENT}
        aria-describedby={`${id}c`}
        value={model.comment.value}
        onInput={(e) => (model.comment.value = e.currentTarget.value)}
      />
      <span id={`${id}c`} class="count">
        {length}/{MAX_FEEDBACK_COMMENT}
      </span>
      <button type="button" class="primary" onClick={() => model.send()}>
        Send feedback
      </button>
    </div>
  );
}
