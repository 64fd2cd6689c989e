import { useSignal } from '@preact/signals';
import type { Ref } from 'preact';
import { useId } from 'preact/hooks';
import { isTooLong, messageText } from '../models/chat';

interface Props {
  /** Sending is paused while the agent answers. */
  busy: boolean;
  /** Returns false when the text was not sent (then it stays in the box). */
  onSend: (text: string) => boolean;
  inputRef: Ref<HTMLTextAreaElement>;
}

/** The message box: Enter sends, Shift+Enter starts a new line. */
export function Composer({ busy, onSend, inputRef }: Props) {
  const text = useSignal('');
  const id = useId();
  // Measured as it will be recorded, so multi-byte text is judged by the same rule the server applies.
  const tooLong = isTooLong(messageText(text.value));
  const submit = (e: Event) => {
    e.preventDefault();
    if (!tooLong && onSend(text.value)) text.value = '';
  };
  return (
    <>
      {tooLong && (
        <p class="note err too-long" role="alert">
          Your message is too long to send. Please shorten it.
        </p>
      )}
      <form class="compose" onSubmit={submit}>
        <label for={id} class="sr">
          Message
        </label>
        <textarea
          id={id}
          ref={inputRef}
          rows={1}
          aria-invalid={tooLong}
          placeholder="Ask a question…"
          value={text.value}
          onInput={(e) => (text.value = e.currentTarget.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) submit(e);
          }}
        />
        <button type="submit" class="primary" disabled={busy}>
          Send
        </button>
      </form>
    </>
  );
}
