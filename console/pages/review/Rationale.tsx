/**
 * A classifier's rationale. It quotes trace attributes and user text (a tool's name, a comment), so it is
 * rendered like every untrusted text: the safe markdown subset, which also shows `refund.create` as code.
 */
import { renderMarkdown } from '../../../shared/ui/markdown';

export function Rationale({ text, inline }: { text: string | null; inline?: boolean }) {
  if (!text) return null;
  return <div class={inline ? 'rationale inline' : 'rationale'}>{renderMarkdown(text)}</div>;
}
