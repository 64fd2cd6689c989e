import type { ComponentChildren } from 'preact';
import { useId } from 'preact/hooks';

interface Props {
  id: string;
  title: string;
  hidden: boolean;
  onClose: () => void;
  children: ComponentChildren;
}

/** The chat window. It has its own close button because on small screens it covers the launcher. */
export function Panel({ id, title, hidden, onClose, children }: Props) {
  const titleId = useId();
  return (
    <section id={id} class="panel" role="dialog" aria-labelledby={titleId} hidden={hidden}>
      <header class="head">
        <h2 id={titleId}>{title}</h2>
        <button type="button" class="x" aria-label="Hide chat" onClick={onClose}>
          <span aria-hidden="true">×</span>
        </button>
      </header>
      {children}
    </section>
  );
}
