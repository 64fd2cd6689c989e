import type { ReadonlySignal } from '@preact/signals';
import { useMemo } from 'preact/hooks';
import type { AgentAnswer } from '../../shared/agent-answer';
import type { BadgeThresholds } from '../../shared/confidence';
import { renderMarkdown } from '../../shared/ui/markdown';
import type { FeedbackModel } from '../models/feedback';
import type { HandoffModel } from '../models/handoff';
import { AnswerFooter } from './AnswerFooter';

interface Props {
  answer: AgentAnswer;
  thresholds: ReadonlySignal<BadgeThresholds>;
  feedback: FeedbackModel;
  handoff?: { model: HandoffModel; at: string };
}

export function AgentMessage({ answer, thresholds, feedback, handoff }: Props) {
  const body = useMemo(() => renderMarkdown(answer.text), [answer.text]);
  return (
    <div class="msg agent">
      <div class="md">{body}</div>
      <AnswerFooter answer={answer} thresholds={thresholds} feedback={feedback} handoff={handoff} />
    </div>
  );
}
