/**
 * The reply to the user, shown live in their widget. The textbox is labelled "Reply" and the button is
 * "Send reply": people and tests rely on those names, keep them. Enter sends, Shift+Enter is a new line.
 */
import { useSignal } from '@preact/signals';
import type { ConversationModel } from './conversation-model';

export function ReplyBox({ model, disabledReason }: { model: ConversationModel; disabledReason: string | null }) {
  const text = useSignal('');
  const disabled = disabledReason !== null;

  const send = async () => {
    const value = text.value.trim();
    if (!value || model.busy.value || disabled) return;
    if (await model.reply(value)) text.value = '';
  };

  return (
    <form
      class="composer"
      onSubmit={(e) => {
        e.preventDefault();
        void send();
      }}
    >
      <label for="reply">Reply</label>
      {disabled && (
        <p id="reply-why" class="hint">
          {disabledReason}
        </p>
      )}
      <textarea
        id="reply"
        rows={3}
        value={text.value}
        disabled={disabled}
        aria-describedby={disabled ? 'reply-why' : 'reply-keys'}
        onInput={(e) => (text.value = e.currentTarget.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
            e.preventDefault();
            void send();
          }
        }}
      />
      <p id="reply-keys" class="hint">
        Enter sends, Shift+Enter starts a new line. The user sees the reply in their chat.
      </p>
      <button type="submit" disabled={disabled || model.busy.value}>
        Send reply
      </button>
    </form>
  );
}
