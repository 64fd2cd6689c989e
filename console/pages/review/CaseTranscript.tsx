/** The case's conversation, with the answer the case is about highlighted. Text is rendered inert (never HTML). */
import { signal } from '@preact/signals';
import { useMemo } from 'preact/hooks';
import type { BadgeThresholds } from '../../../shared/confidence';
import type { CaseDetail, TranscriptEntry } from '../../../shared/review';
import { ConfidenceBadge } from '../../../shared/ui/ConfidenceBadge';
import { renderMarkdown } from '../../../shared/ui/markdown';
import { formatTime } from '../../format';

const ROLE_LABEL: Record<TranscriptEntry['role'], string> = { user: 'User', agent: 'Agent', human: 'Support' };

/**
 * The thresholds the widget showed this answer's badge with: its topic's calibrated ones if the site has
 * them, else the site's. (Own-property lookup: a topic named "constructor" finds nothing it did not set.)
 */
export function badgeThresholdsFor(thresholds: CaseDetail['thresholds'], topic: string | null): BadgeThresholds {
  const own = topic != null && Object.prototype.hasOwnProperty.call(thresholds.byTopic, topic) ? thresholds.byTopic[topic] : undefined;
  return own ?? { high: thresholds.high, low: thresholds.low };
}

function Badge({ confidence, thresholds }: { confidence: number; thresholds: BadgeThresholds }) {
  // ConfidenceBadge follows a signal (the widget's thresholds arrive late); here they come with the case.
  const fixed = useMemo(() => signal(thresholds), [thresholds.high, thresholds.low]);
  return <ConfidenceBadge confidence={confidence} thresholds={fixed} />;
}

export function CaseTranscript({ entries, thresholds }: { entries: TranscriptEntry[]; thresholds: CaseDetail['thresholds'] }) {
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
                <Badge confidence={m.confidence} thresholds={badgeThresholdsFor(thresholds, m.topic)} /> <span class="figure">{Math.round(m.confidence * 100)}%</span>
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
