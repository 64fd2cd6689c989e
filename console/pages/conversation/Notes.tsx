/**
 * Internal notes: for staff only, never sent to the user's widget. The field is labelled "Internal note"
 * and the button is "Add note": keep those names, people and tests rely on them.
 */
import { useSignal } from '@preact/signals';
import { renderMarkdown } from '../../../shared/ui/markdown';
import { formatTime } from '../../format';
import type { ConversationModel, Detail } from './conversation-model';

export function Notes({ model, notes, canAdd }: { model: ConversationModel; notes: Detail['notes']; canAdd: boolean }) {
  const text = useSignal('');
  const add = async (e: Event) => {
    e.preventDefault();
    const value = text.value.trim();
    if (value && (await model.note(value))) text.value = '';
  };
  return (
    <section class="notes" aria-labelledby="notes-title">
      <h2 id="notes-title">
        Internal notes <span class="tag internal">Never shown to the user</span>
      </h2>
      {notes.length === 0 ? (
        <p class="empty">No notes yet.</p>
      ) : (
        <ul class="plain">
          {notes.map((n) => (
            <li key={n.id} class="note-item">
              <p class="msg-head">
                <strong>{n.author ?? 'Staff'}</strong> <time dateTime={n.createdAt}>{formatTime(n.createdAt)}</time>
              </p>
              <div class="msg-text">{renderMarkdown(n.text)}</div>
            </li>
          ))}
        </ul>
      )}
      {canAdd && (
        <form class="composer internal" onSubmit={add}>
          <label for="note">Internal note</label>
          <textarea id="note" rows={2} value={text.value} aria-describedby="note-hint" onInput={(e) => (text.value = e.currentTarget.value)} />
          <p id="note-hint" class="hint">
            Only staff see notes; they are never sent to the user.
          </p>
          <button type="submit" class="secondary" disabled={model.busy.value}>
            Add note
          </button>
        </form>
      )}
    </section>
  );
}
