/**
 * The request form ("What do you need help with?", and the email to answer to when nobody is online). It
 * lives in `widget-live.js` but renders with widget.js's own Preact and signals, which it is given: a
 * second copy of Preact in this file would not work with the first (hooks and signals are per copy).
 */
import type { useSignal } from '@preact/signals';
import type { ComponentChild, h } from 'preact';
import type { useId } from 'preact/hooks';
import { isContactEmail } from '../../shared/contact-email';
import type { HandoffForm, HandoffModel } from '../models/handoff';

export const EMAIL_ERROR = 'Enter a valid email address, like name@example.com.';

/** What widget.js lends this file. */
export interface Ui {
  h: typeof h;
  useId: typeof useId;
  useSignal: typeof useSignal;
}

export interface HandoffFormProps {
  model: HandoffModel;
  form: HandoffForm;
}

/** The form component, made with the given Preact. */
export function makeHandoffForm({ h, useId, useSignal }: Ui): (props: HandoffFormProps) => ComponentChild {
  return function HandoffFormView({ model, form }): ComponentChild {
    const id = useId();
    const note = useSignal('');
    const email = useSignal('');
    const error = useSignal('');
    const input = (s: { value: string }) => (e: Event) => (s.value = (e.currentTarget as HTMLInputElement).value);
    return h(
      'form',
      {
        class: 'fb',
        onSubmit: (e: Event) => {
          e.preventDefault();
          const address = model.nobodyOnline.value ? email.value.trim() : '';
          // A refused address would make the server refuse the whole request, after the user saw it sent.
          error.value = address && !isContactEmail(address) ? EMAIL_ERROR : '';
          if (!error.value) model.request(form.trigger, note.value, address);
        },
      },
      h('label', { for: id }, 'What do you need help with? (optional)'),
      h('textarea', { id, rows: 2, maxLength: 2000, value: note.value, onInput: input(note) }),
      model.nobodyOnline.value &&
        h(
          'div',
          { class: 'fb' },
          h('p', { class: 'note' }, "Nobody is online right now. Leave your email and we'll answer there."),
          h('label', { for: `${id}e` }, 'Your email'),
          h('input', {
            id: `${id}e`,
            type: 'email',
            autocomplete: 'email',
            'aria-invalid': !!error.value,
            'aria-describedby': error.value ? `${id}x` : undefined,
            value: email.value,
            onInput: input(email),
          }),
          error.value && h('p', { id: `${id}x`, class: 'note err', role: 'alert' }, error.value),
        ),
      h('button', { type: 'submit', class: 'primary' }, 'Request a person'),
    );
  };
}
