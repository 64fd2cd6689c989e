/** The conversation as the user saw it, with what staff also need: confidence, trace ids and the user's feedback. */
import { signal } from '@preact/signals';
import { DEFAULT_THRESHOLDS } from '../../../shared/confidence';
import { FEEDBACK_REASONS } from '../../../shared/feedback';
import { ConfidenceBadge } from '../../../shared/ui/ConfidenceBadge';
import { renderMarkdown } from '../../../shared/ui/markdown';
import { formatTime } from '../../format';
import type { TranscriptEntry } from './conversation-model';

// The console shows levels by the default policy; the badge text always comes with the number.
const thresholds = signal(DEFAULT_THRESHOLDS);
const REASON_LABEL = new Map<string, string>(FEEDBACK_REASONS.map((r) => [r.id, r.label]));
const ROLE_LABEL = { user: 'User', agent: 'Agent', human: 'Support' } as Record<string, string>;

function Feedback({ items }: { items: NonNullable<TranscriptEntry['feedback']> }) {
  if (!items.length) return null;
  return (
    <ul class="feedback" aria-label="User feedback">
      {items.map((f, i) => (
        <li key={i} class={f.rating > 0 ? 'up' : 'down'}>
          {f.rating > 0 ? 'Rated helpful' : 'Rated not helpful'}
          {f.reasons.length > 0 && `: ${f.reasons.map((r) => REASON_LABEL.get(r) ?? r).join(', ')}`}
          {/* The comment is the user's own text: rendered inert, like every message. */}
          {f.comment && <blockquote class="comment">{renderMarkdown(f.comment)}</blockquote>}
        </li>
      ))}
    </ul>
  );
}

/** An answer held for human review: the user saw nothing until the decision, then the decided text. */
function DraftNote({ draft }: { draft: NonNullable<TranscriptEntry['draft']> }) {
  if (draft.status === 'pending') return <p class="tag warn">Held for review: the user sees “A specialist is checking this answer”.</p>;
  if (draft.status === 'approved') return <p class="meta">Approved in review.</p>;
  return (
    <div class="draft-note">
      <p class="meta">{draft.status === 'edited' ? 'Edited in review; the user saw:' : 'Rejected in review; the user saw instead:'}</p>
      <blockquote class="comment">{renderMarkdown(draft.finalText ?? '')}</blockquote>
    </div>
  );
}

function Entry({ m }: { m: TranscriptEntry }) {
  const who = m.role === 'human' ? (m.author ?? 'Support') : (ROLE_LABEL[m.role] ?? m.role);
  return (
    <li class={`msg ${m.role}`}>
      <p class="msg-head">
        <strong>{who}</strong> <time dateTime={m.createdAt}>{formatTime(m.createdAt)}</time>
        {m.confidence != null && (
          <>
            {' '}
            <ConfidenceBadge confidence={m.confidence} thresholds={thresholds} /> <span class="figure">{Math.round(m.confidence * 100)}%</span>
          </>
        )}
        {m.error && <span class="tag warn">Agent failed: {m.error.replace('agent_', '').replace('_', ' ')}</span>}
      </p>
      <div class="msg-text">{renderMarkdown(m.text)}</div>
      {(m.traceId || m.topic) && (
        <p class="trace">
          {m.topic && <>Topic {m.topic} · </>}
          {m.traceId && (
            <>
              Trace <code>{m.traceId}</code>
            </>
          )}
        </p>
      )}
      {m.draft && <DraftNote draft={m.draft} />}
      {m.feedback && <Feedback items={m.feedback} />}
    </li>
  );
}

export function Transcript({ entries }: { entries: TranscriptEntry[] }) {
  if (!entries.length) return <p class="empty">No messages in this conversation.</p>;
  return (
    <ol class="transcript" aria-label="Transcript">
      {entries.map((m) => (
        <Entry key={m.messageId} m={m} />
      ))}
    </ol>
  );
}
