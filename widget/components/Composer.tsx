import { useSignal } from '@preact/signals';
import type { Ref } from 'preact';
import { useId } from 'preact/hooks';
import { MAX_MESSAGE_TEXT } from '../../shared/limits';

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
  const submit = (e: Event) => {
    e.preventDefault();
    if (onSend(text.value)) text.value = '';
  };
  return (
    <form class="compose" onSubmit={submit}>
      <label for={id} class="sr">
        Message
      </label>
      <textarea
        id={id}
        ref={inputRef}
        rows={1}
        maxLength={MAX_MESSAGE_TEXT}
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
  );
}
