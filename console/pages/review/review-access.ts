/** Who may open Review: reviewers and admins (the server checks the same on every procedure). */
import type { StaffMe } from '../../../shared/handoff';

export const canReview = (who: StaffMe | null | undefined): boolean => who?.role === 'reviewer' || who?.role === 'admin';
