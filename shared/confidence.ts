/** Confidence levels shown on the badge, and the pure rule that picks one. No runtime deps: the widget imports this. */

export type ConfidenceLevel = 'high' | 'medium' | 'low';

/** Badge thresholds of a site's policy: `high` and above is High, below `low` is Low, Medium in between. */
export interface BadgeThresholds {
  high: number;
  low: number;
}

/** Defaults from the product's policy: High ≥ 0.8, Low < 0.5. */
export const DEFAULT_THRESHOLDS: BadgeThresholds = { high: 0.8, low: 0.5 };

/** Picks the badge level for a stated confidence in 0..1. */
export function confidenceLevel(confidence: number, thresholds: BadgeThresholds = DEFAULT_THRESHOLDS): ConfidenceLevel {
  if (confidence >= thresholds.high) return 'high';
  if (confidence < thresholds.low) return 'low';
  return 'medium';
}

/** Badge text, exactly as users and tests see it. */
export const CONFIDENCE_LABEL: Record<ConfidenceLevel, string> = {
  high: 'High confidence',
  medium: 'Medium confidence',
  low: 'Low confidence',
};

/** What each level means, shown as the badge's description (colour is never the only signal). */
export const CONFIDENCE_DESCRIPTION: Record<ConfidenceLevel, string> = {
  high: 'The assistant is confident in this answer.',
  medium: 'The assistant is fairly sure, but you may want to double-check important details.',
  low: 'The assistant is unsure about this answer. Consider asking a person.',
};
