import type { ReadonlySignal } from '@preact/signals';
import type { FeedbackModel } from '../models/feedback';
import { FeedbackForm } from './FeedbackForm';

interface Props {
  model: FeedbackModel;
  /** Outside the panel (wrap mode) the offline note is shown here, under the thanks. */
  waiting?: ReadonlySignal<boolean>;
}

/** "Helpful" / "Not helpful" under an answer, the reasons form, and what became of the feedback. */
export function FeedbackControls({ model, waiting }: Props) {
  const rating = model.rating.value;
  const rejected = model.rejected.value;
  return (
    <div class="fb">
      <div class="row" role="group" aria-label="Rate this answer">
        <button type="button" class="chip" aria-pressed={rating === 1} onClick={() => model.helpful()}>
          Helpful
        </button>
        <button type="button" class="chip" aria-pressed={rating === -1} onClick={() => model.notHelpful()}>
          Not helpful
        </button>
      </div>
      {model.formOpen.value && <FeedbackForm model={model} />}
      {model.sent.value &&
        (rejected ? (
          <p class="note err" role="alert">
            Your feedback could not be sent: {rejected}
          </p>
        ) : (
          <p class="note" role="status">
            Thanks — this helps us improve.
          </p>
        ))}
      {model.sent.value && waiting?.value && <p class="note">Saved — will send when you're back online</p>}
    </div>
  );
}
