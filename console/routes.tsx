/** The console's one route table: every page and its path. */
import { Route, Router } from 'preact-iso';
import { AccountPage } from './pages/account/AccountPage';
import { ConversationPage } from './pages/conversation/ConversationPage';
import { InboxPage } from './pages/inbox/InboxPage';
import { NotFoundPage } from './pages/not-found/NotFoundPage';
import { ReadinessPage } from './pages/readiness/ReadinessPage';
import { CasePage } from './pages/review/CasePage';
import { ReviewPage } from './pages/review/ReviewPage';
import { SettingsPage } from './pages/settings/SettingsPage';
import { SignInPage } from './pages/sign-in/SignInPage';
import { TrackRecordPage } from './pages/track-record/TrackRecordPage';

/** Paths of the pages, for links and redirects (the server serves index.html for any path under /console/). */
export const paths = {
  signIn: '/console/sign-in',
  inbox: '/console/',
  conversation: (escalationId: string) => `/console/conversation/${encodeURIComponent(escalationId)}`,
  /** Review's sections and cases: see pages/review/review-nav.ts. */
  review: '/console/review',
  /** Per-topic outcomes, recommendations and the rubber-stamp guard (reviewers and admins); `?site=`. */
  trackRecord: '/console/track-record',
  /** Ingest keys and the audit log (admins). */
  settings: '/console/settings',
  /** One's own account: password change (every role). */
  account: '/console/account',
  /** The seven production-readiness checks (every staff role). */
  readiness: '/console/readiness',
};

/** Pages a visitor may see without signing in. */
export const publicPaths = new Set([paths.signIn]);

export function Routes() {
  return (
    <Router>
      <Route path="/console/sign-in" component={SignInPage} />
      <Route path="/console/" component={InboxPage} />
      <Route path="/console/inbox" component={InboxPage} />
      <Route path="/console/conversation/:id" component={ConversationPage} />
      <Route path="/console/review" component={ReviewPage} />
      <Route path="/console/review/calibration" component={ReviewPage} />
      <Route path="/console/review/cases" component={ReviewPage} />
      <Route path="/console/review/alerts" component={ReviewPage} />
      <Route path="/console/review/cases/:id" component={CasePage} />
      <Route path="/console/track-record" component={TrackRecordPage} />
      <Route path="/console/settings" component={SettingsPage} />
      <Route path="/console/account" component={AccountPage} />
      <Route path="/console/readiness" component={ReadinessPage} />
      <Route default component={NotFoundPage} />
    </Router>
  );
}
