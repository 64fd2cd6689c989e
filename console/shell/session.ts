/** Who is signed in: loaded once at start, set by sign-in, cleared by sign-out or when the server says the session ended. */
import { signal } from '@preact/signals';
import type { StaffMe } from '../../shared/handoff';
import { api, errorCode } from '../api/client';

/** `undefined` while the first check runs, `null` when nobody is signed in. */
export const me = signal<StaffMe | null | undefined>(undefined);

/** Set when the first check failed for another reason than "not signed in" (server down). */
export const sessionError = signal<string | null>(null);

/** Asks the server who the cookie belongs to. */
export async function loadSession(): Promise<void> {
  try {
    me.value = await api.staff.me.query();
    sessionError.value = null;
  } catch (err) {
    if (errorCode(err) === 'UNAUTHORIZED') me.value = null;
    else sessionError.value = 'The server cannot be reached. Retrying…';
  }
}

/** Signs in; throws the server's error (one message for any wrong credential). */
export async function signIn(email: string, password: string): Promise<void> {
  me.value = await api.staff.login.mutate({ email, password });
}

export async function signOut(): Promise<void> {
  try {
    await api.staff.logout.mutate();
  } finally {
    me.value = null;
  }
}

/** Whether this staff member may work escalations (claim, reply, note, transfer, resolve). */
export const canWork = (who: StaffMe | null | undefined): boolean => who?.role === 'admin' || who?.role === 'agent';

/** A request failed with UNAUTHORIZED: the session ended elsewhere; back to sign-in. */
export function sessionEnded(err: unknown): boolean {
  if (errorCode(err) !== 'UNAUTHORIZED') return false;
  me.value = null;
  return true;
}
