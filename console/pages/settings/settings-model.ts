/**
 * Settings (admins): a site's secret ingest keys (a new key is kept in memory only until the admin dismisses
 * it: it is never shown again) and the audit log in keyset pages.
 */
import { signal } from '@preact/signals';
import type { AuditEntry, CreatedIngestKey, IngestKeyInfo } from '../../../shared/security';
import { api, errorMessage } from '../../api/client';
import { sessionEnded } from '../../shell/session';

export function createSettingsModel() {
  const keys = signal<IngestKeyInfo[] | null>(null);
  const keysError = signal<string | null>(null);
  /** The key just created, shown once. */
  const revealed = signal<CreatedIngestKey | null>(null);
  const audit = signal<AuditEntry[]>([]);
  const auditCursor = signal<number | null>(null);
  const auditError = signal<string | null>(null);
  const auditLoading = signal(false);
  let site: string | null = null;

  async function loadKeys(siteId: string) {
    site = siteId;
    try {
      const list = await api.ingestKey.list.query({ siteId });
      if (site === siteId) [keys.value, keysError.value] = [list, null];
    } catch (err) {
      if (!sessionEnded(err)) keysError.value = `The ingest keys could not be loaded: ${errorMessage(err)}`;
    }
  }

  async function loadAudit(siteId: string, more = false) {
    auditLoading.value = true;
    try {
      const page = await api.audit.list.query({ siteId, cursor: more ? (auditCursor.value ?? undefined) : undefined, limit: 50 });
      if (site !== siteId) return;
      audit.value = more ? [...audit.value, ...page.entries] : page.entries;
      auditCursor.value = page.nextCursor;
      auditError.value = null;
    } catch (err) {
      if (!sessionEnded(err)) auditError.value = `The audit log could not be loaded: ${errorMessage(err)}`;
    } finally {
      auditLoading.value = false;
    }
  }

  return {
    keys,
    keysError,
    revealed,
    audit,
    auditCursor,
    auditError,
    auditLoading,
    async load(siteId: string) {
      revealed.value = null;
      keys.value = null;
      audit.value = [];
      await Promise.all([loadKeys(siteId), loadAudit(siteId)]);
    },
    loadMoreAudit: (siteId: string) => loadAudit(siteId, true),
    /** Creates a key; throws a sentence for the form when the server refuses. */
    async createKey(siteId: string, name: string) {
      try {
        revealed.value = await api.ingestKey.create.mutate({ siteId, name });
      } catch (err) {
        throw new Error(errorMessage(err));
      }
      await Promise.all([loadKeys(siteId), loadAudit(siteId)]);
    },
    async revokeKey(siteId: string, keyId: string) {
      try {
        await api.ingestKey.revoke.mutate({ siteId, keyId });
      } catch (err) {
        throw new Error(errorMessage(err));
      }
      if (revealed.value?.id === keyId) revealed.value = null;
      await Promise.all([loadKeys(siteId), loadAudit(siteId)]);
    },
    dispose() {
      site = null;
      revealed.value = null;
    },
  };
}

export type SettingsModel = ReturnType<typeof createSettingsModel>;
