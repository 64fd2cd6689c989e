/** The case's conversation, with the answer the case is about highlighted. Text is rendered inert (never HTML). */
import { signal } from '@preact/signals';
import { DEFAULT_THRESHOLDS } from '../../../shared/confidence';
import type { TranscriptEntry } from '../../../shared/review';
import { ConfidenceBadge } from '../../../shared/ui/ConfidenceBadge';
import { renderMarkdown } from '../../../shared/ui/markdown';
import { formatTime } from '../../format';

const thresholds = signal(DEFAULT_THRESHOLDS);
const ROLE_LABEL: Record<TranscriptEntry['role'], string> = { user: 'User', agent: 'Agent', human: 'Support' };

export function CaseTranscript({ entries }: { entries: TranscriptEntry[] }) {
  if (!entries.length) return <p class="empty">No messages of this conversation are stored.</p>;
  return (
    <ol class="transcript" aria-label="Transcript">
      {entries.map((m) => (
        <li key={m.id} class={`msg ${m.role}${m.isCaseAnswer ? ' case-answer' : ''}`} aria-current={m.isCaseAnswer ? 'true' : undefined}>
          <p class="msg-head">
            <strong>{m.role === 'human' ? (m.staffName ?? 'Support') : ROLE_LABEL[m.role]}</strong> <time dateTime={m.sentAt}>{formatTime(m.sentAt)}</time>
            {m.confidence != null && (
              <>
                {' '}
                <ConfidenceBadge confidence={m.confidence} thresholds={thresholds} /> <span class="figure">{Math.round(m.confidence * 100)}%</span>
              </>
            )}
            {m.isCaseAnswer && <span class="tag case-tag">This case's answer</span>}
          </p>
          <div class="msg-text">{renderMarkdown(m.text)}</div>
        </li>
      ))}
    </ol>
  );
}
