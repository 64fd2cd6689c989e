import type { Ref } from 'preact';

interface Props {
  open: boolean;
  /** id of the panel, once it exists. */
  controls?: string;
  onToggle: () => void;
  buttonRef: Ref<HTMLButtonElement>;
}

const BUBBLE = 'M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2z';
const CROSS = 'M6 6l12 12M18 6L6 18';

export function Launcher({ open, controls, onToggle, buttonRef }: Props) {
  return (
    <button
      ref={buttonRef}
      type="button"
      class="launcher"
      aria-label={open ? 'Close support chat' : 'Open support chat'}
      aria-expanded={open}
      aria-controls={controls}
      onClick={onToggle}
    >
      <svg viewBox="0 0 24 24" width="26" height="26" aria-hidden="true" focusable="false">
        <path d={open ? CROSS : BUBBLE} fill={open ? 'none' : 'currentColor'} stroke={open ? 'currentColor' : 'none'} stroke-width="2" stroke-linecap="round" />
      </svg>
    </button>
  );
}
