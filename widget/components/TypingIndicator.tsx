/** Three dots for sighted users, one sentence for screen readers. */
export function TypingIndicator() {
  return (
    <div class="typing" role="status" aria-label="Assistant is typing">
      <span class="sr">Assistant is typing</span>
      <i aria-hidden="true" />
      <i aria-hidden="true" />
      <i aria-hidden="true" />
    </div>
  );
}
