import type { ReadonlySignal } from '@preact/signals';
import { useId } from 'preact/hooks';
import { CONFIDENCE_DESCRIPTION, CONFIDENCE_LABEL, confidenceLevel, type BadgeThresholds } from '../confidence';

interface Props {
  confidence: number;
  /** A signal so the badge follows the site's thresholds when they arrive after the answer. */
  thresholds: ReadonlySignal<BadgeThresholds>;
}

/** The confidence level as text and an icon (colour is never the only cue), described for screen readers. */
export function ConfidenceBadge({ confidence, thresholds }: Props) {
  const level = confidenceLevel(confidence, thresholds.value);
  const id = useId();
  return (
    <>
      <span class={`badge ${level}`} title={CONFIDENCE_DESCRIPTION[level]} aria-describedby={id}>
        {CONFIDENCE_LABEL[level]}
      </span>
      <span id={id} hidden>
        {CONFIDENCE_DESCRIPTION[level]}
      </span>
    </>
  );
}
