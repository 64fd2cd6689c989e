import type { EscalationTrigger } from '../../shared/handoff';
import { OFFLINE_TEXT, WAITING_TEXT, type HandoffModel } from '../models/handoff';

interface Props {
  model: HandoffModel;
  /** Where this offer is: `'panel'` or the answer's id. */
  at: string;
  trigger: EscalationTrigger;
  /** Outside the panel (wrap mode) the request's state is shown here. */
  standalone?: boolean;
}

/** "Talk to a person", and the request form when it is opened here. Hidden while a person is asked or answering. */
export function HandoffOffer({ model, at, trigger, standalone }: Props) {
  if (model.active.value) {
    return standalone ? (
      <p class="note" role="status">
        {model.waiting.value ? OFFLINE_TEXT : WAITING_TEXT}
      </p>
    ) : null;
  }
  const form = model.form.value;
  const open = form?.at === at;
  const Form = model.Form.value;
  return (
    <>
      <button type="button" class="chip" aria-expanded={open} onClick={() => model.toggle(at, trigger)}>
        Talk to a person
      </button>
      {open && Form && <Form model={model} form={form} />}
    </>
  );
}
