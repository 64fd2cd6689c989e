import type { AgentErrorCode } from '../agent';
import { AGENT_ERROR_TEXT } from '../models/chat';

interface Props {
  code: AgentErrorCode;
  /** Present only where asking again makes sense (the newest failure, nothing pending). */
  onRetry?: () => void;
}

export function FailedMessage({ code, onRetry }: Props) {
  return (
    <div class="msg agent failed">
      <p>{AGENT_ERROR_TEXT[code]}</p>
      {onRetry && (
        <button type="button" class="primary" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}
