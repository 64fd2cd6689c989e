/**
 * The trust framework's levels and their labels, without zod: the console and the widget import these
 * values (importing them from trust.ts would bring zod into those bundles).
 */
export const AUTONOMY_LEVELS = ['auto', 'suggest_handoff', 'human_review'] as const;
export type Autonomy = (typeof AUTONOMY_LEVELS)[number];
export const FAILURE_COSTS = ['low', 'high'] as const;
export type FailureCost = (typeof FAILURE_COSTS)[number];

/** How each autonomy level is described to admins (Settings, Track record, CLI). */
export const AUTONOMY_LABELS: Record<Autonomy, string> = {
  auto: 'Automatic: answers shown with their badge',
  suggest_handoff: 'Suggest handoff: answers shown, a person offered under every answer',
  human_review: 'Human review: a person approves each answer before the user sees it',
};

export const DRAFT_STATUSES = ['pending', 'approved', 'edited', 'rejected'] as const;
export type DraftStatus = (typeof DRAFT_STATUSES)[number];
