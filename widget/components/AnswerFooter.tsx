import { useComputed, type ReadonlySignal } from '@preact/signals';
import type { AgentAnswer } from '../../shared/agent-answer';
import { confidenceLevel, type BadgeThresholds } from '../../shared/confidence';
import type { FeedbackModel } from '../models/feedback';
import type { TopicThresholds } from '../models/config';
import { ConfidenceBadge } from '../../shared/ui/ConfidenceBadge';
import type { HandoffModel } from '../models/handoff';
import { FeedbackControls } from './FeedbackControls';
import { HandoffOffer } from './HandoffOffer';
import { Sources } from './Sources';

interface Props {
  answer: AgentAnswer;
  thresholds: ReadonlySignal<BadgeThresholds>;
  feedback: FeedbackModel;
  waiting?: ReadonlySignal<boolean>;
  /** The handoff, and this answer's id: a Low-confidence answer offers a person right under it. */
  handoff?: { model: HandoffModel; at: string };
}

/** Everything Backstop adds under an agent answer, in the panel and in wrap mode alike. */
export function AnswerFooter({ answer, thresholds: site, feedback, waiting, handoff }: Props) {
  // A topic with calibrated thresholds of its own uses them; others the site's.
  const thresholds = useComputed(() => {
    const own = answer.topic ? (site.value as TopicThresholds).byTopic?.[answer.topic] : undefined;
    return own?.high != null ? own : site.value;
  });
  const low = confidenceLevel(answer.confidence, thresholds.value) === 'low';
  return (
    <div class="meta">
      <ConfidenceBadge confidence={answer.confidence} thresholds={thresholds} />
      {answer.sources?.length ? <Sources sources={answer.sources} /> : null}
      <FeedbackControls model={feedback} waiting={waiting} />
      {handoff && low && (
        <div class="fb">
          <HandoffOffer model={handoff.model} at={handoff.at} trigger="low_confidence" standalone={!!waiting} />
        </div>
      )}
    </div>
  );
}
