import type { AnswerSource } from '../../shared/agent-answer';

interface Props {
  /** Already validated as http(s) URLs by checkAgentAnswer. */
  sources: AnswerSource[];
}

export function Sources({ sources }: Props) {
  return (
    <ul class="sources" aria-label="Sources">
      {sources.map((s) => (
        <li key={s.url}>
          <a href={s.url} target="_blank" rel="noopener noreferrer">
            {s.title}
          </a>
        </li>
      ))}
    </ul>
  );
}
