/**
 * The frame around every page: the sign-in guard, navigation, the live stream's state, sign-out, and the
 * toasts with their live region.
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { loadRecentAlerts, recentAlerts } from '../pages/review/recent-alerts';
import { canReview } from '../pages/review/review-access';
import { canManageSettings } from '../pages/settings/SettingsPage';
import { lastReviewSearch } from '../pages/review/review-nav';
import { paths, publicPaths } from '../routes';
import { announce, toasts } from './announcer';
import { liveStatus } from './live-status';
import { me, sessionError, signOut } from './session';

const LIVE_TEXT = { connecting: 'Connecting to live updates…', down: 'Live updates are disconnected. Reconnecting…' } as const;

function LiveState() {
  const status = liveStatus.value;
  if (status !== 'connecting' && status !== 'down') return null;
  return (
    <p class={`live-state ${status}`} role="status">
      {LIVE_TEXT[status]}
    </p>
  );
}

function Toasts() {
  // The region exists from the start, so screen readers pick up what is added to it later.
  return (
    <div class="toasts" role="status" aria-live="polite">
      {toasts.value.map((t) => (
        <p key={t.id} class={`toast ${t.tone}`}>
          {t.text}
        </p>
      ))}
    </div>
  );
}

/** "Review", with the number of alerts of the last 24 hours when there are some. */
function ReviewLink({ current }: { current: boolean }) {
  const n = recentAlerts.value;
  return (
    <a href={paths.review + lastReviewSearch.value} aria-current={current ? 'page' : undefined}>
      Review
      {n ? (
        <>
          <span class="badge-count" aria-hidden="true">
            {n}
          </span>
          <span class="sr-only">{` (${n} ${n === 1 ? 'alert' : 'alerts'} in the last 24 hours)`}</span>
        </>
      ) : null}
    </a>
  );
}

export function Shell({ children }: { children: ComponentChildren }) {
  const { path, route } = useLocation();
  const who = me.value;
  const isPublic = publicPaths.has(path);

  useEffect(() => {
    if (who === null && !isPublic) route(paths.signIn, true);
    if (who && isPublic) route(paths.inbox, true);
  }, [who, isPublic]);

  // After moving to another page, keyboard and screen-reader users start at its content, not at a link
  // that no longer exists. Not on the first page, whose own autofocus (if any) wins.
  const firstPath = useRef(path);
  useEffect(() => {
    if (path !== firstPath.current) document.getElementById('main')?.focus();
  }, [path]);

  // The Review entry's alert count, read once per sign-in (Review refreshes it when it reads alerts).
  useEffect(() => {
    if (who && canReview(who)) void loadRecentAlerts(who.sites.map((s) => s.id));
    else recentAlerts.value = null;
  }, [who?.id]);

  if (who === undefined)
    return (
      <main class="page-body" aria-busy="true">
        <p>{sessionError.value ?? 'Loading…'}</p>
      </main>
    );
  if (!who) return isPublic ? <main>{children}</main> : null;

  const onSignOut = async () => {
    try {
      await signOut();
    } catch {
      announce('Signed out here; the server could not be told.', 'error');
    }
  };

  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="topbar">
        <span class="brand">Backstop</span>
        <nav aria-label="Main">
          <a href={paths.inbox} aria-current={path === paths.inbox || path.startsWith('/console/conversation/') ? 'page' : undefined}>
            Inbox
          </a>
          {canReview(who) && <ReviewLink current={path.startsWith(paths.review)} />}
          {canReview(who) && (
            <a href={paths.trackRecord} aria-current={path.startsWith(paths.trackRecord) ? 'page' : undefined}>
              Track record
            </a>
          )}
          <a href={paths.readiness} aria-current={path === paths.readiness ? 'page' : undefined}>
            Readiness
          </a>
          {canManageSettings(who) && (
            <a href={paths.settings} aria-current={path === paths.settings ? 'page' : undefined}>
              Settings
            </a>
          )}
        </nav>
        <LiveState />
        <a class="who" href={paths.account} aria-current={path === paths.account ? 'page' : undefined} title="Your account">
          {who.displayName} <span class="role">({who.role})</span>
        </a>
        <button type="button" class="secondary" onClick={onSignOut}>
          Sign out
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        {children}
      </main>
      <Toasts />
    </>
  );
}
