import type { ReadonlySignal } from '@preact/signals';
import type { AgentAnswer } from '../../shared/agent-answer';
import type { BadgeThresholds } from '../../shared/confidence';
import type { FeedbackModel } from '../models/feedback';
import { ConfidenceBadge } from '../../shared/ui/ConfidenceBadge';
import { FeedbackControls } from './FeedbackControls';
import { Sources } from './Sources';

interface Props {
  answer: AgentAnswer;
  thresholds: ReadonlySignal<BadgeThresholds>;
  feedback: FeedbackModel;
  waiting?: ReadonlySignal<boolean>;
}

/** Everything Backstop adds under an agent answer, in the panel and in wrap mode alike. */
export function AnswerFooter({ answer, thresholds, feedback, waiting }: Props) {
  return (
    <div class="meta">
      <ConfidenceBadge confidence={answer.confidence} thresholds={thresholds} />
      {answer.sources?.length ? <Sources sources={answer.sources} /> : null}
      <FeedbackControls model={feedback} waiting={waiting} />
      {/* Reserved for the "Talk to a person" handoff. */}
      <div class="handoff" hidden />
    </div>
  );
}
