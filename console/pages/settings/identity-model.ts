/**
 * Settings → End-user identity (admins): the site's identity mode and its identity secrets. A new secret is
 * kept in memory only until the admin dismisses it: it is never shown again.
 */
import { signal } from '@preact/signals';
import type { CreatedIdentitySecret, IdentitySettings } from '../../../shared/identity';
import { api, errorMessage } from '../../api/client';
import { sessionEnded } from '../../shell/session';

export function createIdentityModel() {
  const settings = signal<IdentitySettings | null>(null);
  const error = signal<string | null>(null);
  /** The secret just made, shown once. */
  const revealed = signal<CreatedIdentitySecret | null>(null);
  let site: string | null = null;

  async function load(siteId: string) {
    site = siteId;
    try {
      const loaded = await api.identity.settings.query({ siteId });
      if (site === siteId) [settings.value, error.value] = [loaded, null];
    } catch (err) {
      if (!sessionEnded(err)) error.value = `The identity settings could not be loaded: ${errorMessage(err)}`;
    }
  }

  /** Runs a change; throws a sentence for the page when the server refuses, then reloads. */
  async function change<T>(siteId: string, call: () => Promise<T>): Promise<T> {
    let result: T;
    try {
      result = await call();
    } catch (err) {
      throw new Error(errorMessage(err));
    }
    await load(siteId);
    return result;
  }

  return {
    settings,
    error,
    revealed,
    async load(siteId: string) {
      revealed.value = null;
      settings.value = null;
      await load(siteId);
    },
    async rotate(siteId: string, graceHours: number) {
      revealed.value = await change(siteId, () => api.identity.rotateSecret.mutate({ siteId, graceHours }));
    },
    revoke: (siteId: string, secretId: string) => change(siteId, () => api.identity.revokeSecret.mutate({ siteId, secretId })),
    setMode: (siteId: string, mode: IdentitySettings['mode']) => change(siteId, () => api.identity.setMode.mutate({ siteId, mode })),
    dispose() {
      site = null;
      revealed.value = null;
    },
  };
}

export type IdentityModel = ReturnType<typeof createIdentityModel>;
