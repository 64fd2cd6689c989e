/** Wire schemas of account security, ingest keys and the audit log (staff console and CLI). */
import { z } from 'zod';
import { cleanText } from './normalise';

import { MIN_PASSWORD_LENGTH } from './limits';

export { MIN_PASSWORD_LENGTH };

export const changePasswordInput = z.object({
  currentPassword: z.string().min(1, 'enter your current password').max(200),
  newPassword: z.string().min(MIN_PASSWORD_LENGTH, `must be at least ${MIN_PASSWORD_LENGTH} characters`).max(200),
});

export const staffIdInput = z.object({ staffId: z.uuid() });

export const ingestKeyListInput = z.object({ siteId: z.uuid() });

export const createIngestKeyInput = z.object({
  siteId: z.uuid(),
  name: z.string().overwrite(cleanText).trim().min(1, 'give the key a name').max(60, 'must be at most 60 characters'),
});

export const revokeIngestKeyInput = z.object({ siteId: z.uuid(), keyId: z.uuid() });

/** An ingest key as lists show it: never the key itself, which exists only in the answer that created it. */
export interface IngestKeyInfo {
  id: string;
  name: string;
  createdAt: string;
  createdBy: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export interface CreatedIngestKey extends IngestKeyInfo {
  /** The secret key, shown this once. */
  key: string;
}

export const auditListInput = z.object({
  /** One site's rows; without it, every site of the admin plus actions outside any site (accounts, sign-ins). */
  siteId: z.uuid().optional(),
  /** Keyset cursor: the `nextCursor` of the previous page. */
  cursor: z.coerce.number().int().positive().optional(),
  limit: z.number().int().min(1).max(200).default(50),
});

export interface AuditEntry {
  id: number;
  siteId: string | null;
  staffId: string | null;
  actor: string;
  action: string;
  targetType: string | null;
  targetId: string | null;
  details: Record<string, unknown>;
  ip: string | null;
  userAgent: string | null;
  createdAt: string;
}

export interface AuditPage {
  entries: AuditEntry[];
  nextCursor: number | null;
}
