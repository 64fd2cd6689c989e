/**
 * Track record in a real browser against the real server: an admin reads a topic's rates with their
 * intervals and the weekly chart, sees a reviewer flagged by the rubber-stamp guard and those approvals
 * discounted, and applies a step-down recommendation through its confirmation (audited with the
 * recommendation as the reason); a reviewer sees the same record without "Apply".
 */
import { expect, test } from '@playwright/test';
import { axeViolations, signIn } from './support/console';
import { seedTrackRecordSite, type TrackRecordSeed } from './support/track-record-seed';

let seed: TrackRecordSeed;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  // Three CLI runs (site, two staff) and 66 inserts: slow on a busy machine.
  test.setTimeout(120_000);
  seed = await seedTrackRecordSite();
});
test.afterAll(async () => {
  await seed?.db.end();
});

test('should show an admin the record with intervals, the rubber-stamp guard, and apply a recommendation', async ({ page }) => {
  test.slow();
  await signIn(page, seed.admin);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Track record' }).click();
  await expect(page.getByRole('heading', { name: 'Track record', level: 1 })).toBeVisible();

  const refunds = page.getByRole('article', { name: 'refunds' });
  // 12 of 20 approvals took 0.5 s for a 200-character draft (5 s to read): 8 of 10 reviewed drafts approved.
  await expect(refunds.getByRole('row', { name: /^Approved unedited Share of reviewed/ })).toContainText('80.0% (49.0–94.3%) of 10');
  await expect(refunds.getByRole('row', { name: /^Approved unedited \(raw\)/ })).toContainText('90.9% (72.2–97.5%) of 22');
  await expect(refunds.getByRole('row', { name: /^Edit rate/ })).toContainText('4.5% (0.8–21.8%) of 22');
  await expect(refunds).toContainText('Refunds: 10 drafts reviewed, 80.0% approved unedited (95% CI 49.0–94.3%).');
  await expect(refunds.getByRole('figure', { name: 'refunds: by week' }).locator('canvas')).toHaveCount(1);

  const guard = page.getByRole('region', { name: 'Rubber-stamp guard' });
  await expect(guard).toContainText(`Flagged: 12 of ${seed.reviewer.email}'s 20 approvals took under a second: not counted as reviewed.`);

  const deletion = page.getByRole('article', { name: 'account deletion' });
  await expect(deletion.getByRole('alert')).toHaveText(/Account deletion: failure cost is high and it answers automatically with no record in the last 90 days\. Step down to human_review\./);
  if (process.env.TRACK_SHOTS) await page.screenshot({ path: `${process.env.TRACK_SHOTS}/track-record.png`, fullPage: true });
  expect(await axeViolations(page)).toEqual([]);

  await deletion.getByRole('button', { name: 'Apply: set account deletion to human_review' }).click();
  const dialog = page.getByRole('dialog', { name: 'Set “account deletion” to human_review?' });
  await expect(dialog).toContainText('Step down to human_review.');
  if (process.env.TRACK_SHOTS) await page.screenshot({ path: `${process.env.TRACK_SHOTS}/track-record-apply.png` });
  await dialog.getByRole('button', { name: 'Apply', exact: true }).click();
  await expect(dialog).toBeHidden();
  await expect(deletion.getByRole('alert')).toHaveCount(0);
  await expect(deletion).toContainText('Human review');

  const { rows } = await seed.db.query<{ actor: string; details: { reason: string; after: { autonomy: string } } }>(
    `select actor, details from audit_log where site_id = $1 and target_id = 'account deletion' and action = 'topic.set'`,
    [seed.siteId],
  );
  expect(rows).toHaveLength(1);
  expect(rows[0]!.actor).toBe(seed.admin.email);
  expect(rows[0]!.details.after.autonomy).toBe('human_review');
  expect(rows[0]!.details.reason).toBe('Account deletion: failure cost is high and it answers automatically with no record in the last 90 days. Step down to human_review.');
});

test('should show a reviewer the record without Apply', async ({ page }) => {
  await signIn(page, seed.reviewer);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Track record' }).click();
  await expect(page.getByRole('article', { name: 'refunds' })).toBeVisible();
  await expect(page.getByRole('button', { name: /^Apply/ })).toHaveCount(0);
});
