import type { HandoffModel } from '../models/handoff';

/** What happens next after a request for a person, in words; a status region so changes are announced. */
export function HandoffStatus({ model }: { model: HandoffModel }) {
  return (
    <p class="status" role="status">
      {model.statusText.value}
    </p>
  );
}
