/**
 * Role and site-membership checks for staff procedures. Rows of sites a staff member does not belong to
 * are reported as not found, so their existence is not revealed.
 */
import { FieldError } from './errors';
import type { SessionStaff } from './sessions';

/** `read`: see conversations (every role); `work`: claim, reply, note, transfer, resolve (agents and admins). */
export type StaffAction = 'read' | 'work';

/** Throws unless the staff member may do `action` on the site. */
export function assertSiteAccess(staff: SessionStaff, siteId: string, action: StaffAction, notFound = `No site with id '${siteId}'.`): void {
  if (!staff.siteIds.includes(siteId)) throw new FieldError('NOT_FOUND', notFound);
  assertRole(staff, action);
}

export function assertRole(staff: SessionStaff, action: StaffAction): void {
  if (action === 'work' && staff.role === 'reviewer')
    throw new FieldError('FORBIDDEN', 'Reviewers may read conversations but not claim, reply, add notes, transfer or resolve them.');
}

/** Throws unless the staff member is an admin. */
export function assertAdmin(staff: SessionStaff): void {
  if (staff.role !== 'admin') throw new FieldError('FORBIDDEN', 'Only admins may change site settings.');
}

/**
 * Review (failure modes, calibration, labels, exports) is for reviewers and admins. A site the staff member
 * is not a member of is not found, as everywhere; agents get FORBIDDEN on their own sites.
 */
export function assertReviewAccess(staff: SessionStaff, siteId: string, notFound = `No site with id '${siteId}'.`): void {
  if (!staff.siteIds.includes(siteId)) throw new FieldError('NOT_FOUND', notFound);
  if (staff.role !== 'reviewer' && staff.role !== 'admin') throw new FieldError('FORBIDDEN', 'Review is for reviewers and admins.');
}
