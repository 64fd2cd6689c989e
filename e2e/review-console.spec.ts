/**
 * Review in a real browser against the real server: a reviewer reads the overview (numbers, uPlot charts
 * with their legends), calibration and alerts, filters the case list (kept in the URL), opens a case to
 * find the failing span highlighted in the trace waterfall, and relabels it; an agent never sees Review.
 * The data is a site of its own, seeded in e2e/support/review-seed.ts.
 */
import { readFile } from 'node:fs/promises';
import { expect, test, type Page } from '@playwright/test';
import type { EvalCase } from '../shared/review';
import { axeViolations, CONSOLE_URL, signIn } from './support/console';
import { stackInfo } from './support/env';
import { seedReviewSite, type ReviewSeed } from './support/review-seed';

let seed: ReviewSeed;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  seed = await seedReviewSite();
});
test.afterAll(async () => {
  await seed?.db.end();
});

const kpi = (page: Page, name: string) => page.locator('.kpi').filter({ has: page.locator('dt', { hasText: new RegExp(`^${name}$`) }) }).locator('.kpi-value');

/** Clicks "Export JSONL" and reads the downloaded eval dataset. */
async function exportedCases(page: Page): Promise<EvalCase[]> {
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export JSONL' }).click()]);
  expect(download.suggestedFilename()).toMatch(/\.jsonl$/);
  const text = await readFile((await download.path())!, 'utf8');
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as EvalCase);
}

async function openReview(page: Page): Promise<void> {
  await signIn(page, seed.reviewer);
  const nav = page.getByRole('navigation', { name: 'Main' });
  // The alert of the last hour shows as a count on the entry.
  await expect(nav.getByRole('link', { name: /^Review\s*\(1 alert in the last 24 hours\)$/ })).toBeVisible();
  await nav.getByRole('link', { name: /^Review/ }).click();
  await expect(page.getByRole('heading', { name: 'Review', level: 1 })).toBeVisible();
}

test('should show a reviewer the overview: numbers, failure modes with rationale, and charts with legends', async ({ page }) => {
  test.slow();
  await openReview(page);
  await expect(page.getByLabel('Site')).toHaveValue(seed.siteId);
  await expect(kpi(page, 'Answers')).toHaveText('3');
  await expect(kpi(page, 'Rated')).toHaveText('100%');
  await expect(kpi(page, 'Helpful rate')).toHaveText('33%');
  await expect(kpi(page, 'Negatives')).toHaveText('2');

  const modes = page.getByRole('table', { name: 'Negative cases by failure mode' });
  await expect(modes.getByRole('row', { name: /Tool failure/ })).toContainText('tool refund.create failed with timeout after 2 attempts');
  await expect(modes.getByRole('row', { name: /Hallucination under uncertainty/ })).toContainText('50%');

  // uPlot drew both trend charts on canvases, with legends naming their lines.
  const modesChart = page.getByRole('figure', { name: 'Failure modes over time' });
  await expect(modesChart.locator('canvas')).toHaveCount(1);
  await expect(modesChart.locator('.u-legend')).toContainText('Tool failure');
  await expect(modesChart.locator('.u-legend')).toContainText('Hallucination under uncertainty');
  const ratesChart = page.getByRole('figure', { name: 'Negative and escalation rate' });
  await expect(ratesChart.locator('canvas')).toHaveCount(1);
  await expect(ratesChart.locator('.u-legend')).toContainText('Negative rate (negative cases per answer)');
  await expect(ratesChart.locator('.u-legend')).toContainText('Escalation rate (per answer)');
  await expect(ratesChart).toHaveAccessibleDescription(/Negative cases .* per answer/);
  // Daily buckets start at UTC midnight, and say so.
  await expect(ratesChart.locator('.u-legend')).toContainText('Day (UTC)');
  // Moving over the chart puts values in the legend (uPlot's tooltip).
  // (A resize while the page scrolls to the chart hides the cursor until the mouse moves again: move again.)
  const over = ratesChart.locator('.u-over');
  await expect(async () => {
    const box = (await over.boundingBox())!;
    await over.hover({ position: { x: box.width - 2 - Math.random(), y: box.height / 2 } });
    await expect(ratesChart.locator('.u-legend .u-value').nth(1)).toHaveText('67%', { timeout: 1000 });
  }).toPass();
  await expect(ratesChart.locator('.u-legend .u-value').nth(2)).toHaveText('0%');
  if (process.env.REVIEW_SHOTS) await page.screenshot({ path: `${process.env.REVIEW_SHOTS}/overview.png`, fullPage: true });
  expect(await axeViolations(page)).toEqual([]);

  // The range is in the URL: a reload keeps it.
  await page.getByLabel('Time range').selectOption({ label: 'Last 24 hours' });
  await expect(page).toHaveURL(/range=24h/);
  await page.reload();
  await expect(page.getByLabel('Time range')).toHaveValue('24h');
  await expect(kpi(page, 'Answers')).toHaveText('3');
  if (process.env.REVIEW_SHOTS) await page.screenshot({ path: `${process.env.REVIEW_SHOTS}/overview-24h.png`, fullPage: true });
});

test('should show calibration and alerts', async ({ page }) => {
  await openReview(page);
  await page.getByRole('navigation', { name: 'Review sections' }).getByRole('link', { name: 'Calibration' }).click();
  await expect(kpi(page, 'Rated answers with a confidence')).toHaveText('3');
  await expect(kpi(page, 'Expected calibration error')).toHaveText(/^0\.\d{3}$/);
  await expect(kpi(page, 'Brier score')).toHaveText(/^0\.\d{3}$/);
  await expect(page.getByRole('figure', { name: /Stated confidence against observed helpful rate/ }).locator('canvas')).toHaveCount(1);
  await expect(page.getByRole('table', { name: 'Confidence bins' }).getByRole('row')).toHaveCount(11);
  if (process.env.REVIEW_SHOTS) await page.screenshot({ path: `${process.env.REVIEW_SHOTS}/calibration.png`, fullPage: true });
  await expect(page.getByRole('table', { name: 'Calibration by topic' })).toContainText('billing');
  expect(await axeViolations(page)).toEqual([]);

  // Topic narrows every figure: billing has two rated answers (0.85 Not helpful, 0.9 Helpful), both High.
  await page.getByLabel('Topic').selectOption('billing');
  await expect(kpi(page, 'Rated answers with a confidence')).toHaveText('2');
  await expect(kpi(page, 'False-confident rate')).toHaveText('50%');
  await expect(page.getByRole('table', { name: 'Calibration by topic' }).getByRole('row')).toHaveCount(2);
  await page.getByLabel('Release').selectOption('r42');
  await expect(kpi(page, 'Rated answers with a confidence')).toHaveText('2');
  await page.getByLabel('Topic').selectOption({ label: 'Any' });
  await expect(kpi(page, 'Rated answers with a confidence')).toHaveText('3');
  expect(await axeViolations(page)).toEqual([]);

  await page.getByRole('navigation', { name: 'Review sections' }).getByRole('link', { name: /Alerts/ }).click();
  const alerts = page.getByRole('table', { name: /Alerts in this range/ });
  await expect(alerts).toContainText(`against a baseline of 10% ${seed.tag}`);
  await expect(alerts).toContainText('Not-helpful rate');
  await expect(alerts).toContainText('45%');
  expect(await axeViolations(page)).toEqual([]);
});

test('should filter the case list by failure mode, keep the filter in the URL, and offer its export', async ({ page }) => {
  await openReview(page);
  await page.getByRole('navigation', { name: 'Review sections' }).getByRole('link', { name: 'Cases' }).click();
  const table = page.getByRole('table', { name: 'Cases, newest first' });
  await expect(table.getByRole('link')).toHaveCount(3);

  await page.getByLabel('Failure mode').selectOption({ label: 'Tool failure' });
  await expect(page).toHaveURL(/mode=tool_failure/);
  await expect(table.getByRole('link')).toHaveText([seed.questions.tool]);
  await expect(page.getByText('The eval dataset of the cases these filters select (one JSON object per line).')).toBeVisible();
  const exported = await exportedCases(page);
  expect(exported.map((c) => [c.input, c.autoMode])).toEqual([[seed.questions.tool, 'tool_failure']]);
  expect(exported[0]!.failureModes[0]!.rationale).toContain('tool `refund.create` failed with timeout after 2 attempts');

  await page.getByLabel('Rating').selectOption({ label: 'Helpful' });
  await expect(page.getByText('No cases match these filters in this range.')).toBeVisible();
  await page.reload();
  await expect(page.getByLabel('Rating')).toHaveValue('helpful');
  await page.getByRole('button', { name: 'Clear filters' }).click();
  await expect(table.getByRole('link')).toHaveCount(3);
  // Without case-only filters the export carries corrected drafts too, and the hint says so.
  await expect(page.getByText(/plus drafts reviewers edited or rejected/)).toBeVisible();
  expect(await axeViolations(page)).toEqual([]);

  // A range without cases, and no filter: nothing to "match".
  await page.goto(`${CONSOLE_URL}review/cases?site=${seed.siteId}&range=custom&from=2020-01-01&to=2020-01-02`);
  await expect(page.getByText('No cases in this range yet.')).toBeVisible();
  await expect(page.getByLabel('From (UTC day)')).toHaveValue('2020-01-01');

  // A refused export (the session is gone) shows the server's message and saves nothing.
  let downloads = 0;
  page.on('download', () => void downloads++);
  await page.context().clearCookies();
  await page.getByRole('button', { name: 'Export JSONL' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'The export could not be downloaded: Sign in to the console first.' })).toBeVisible();
  expect(downloads).toBe(0);
});

test('should open a case with the failing span highlighted in the waterfall, and relabel it', async ({ page }) => {
  test.slow();
  await openReview(page);
  await page.getByRole('link', { name: 'Tool failure: show its 1 cases' }).click();
  await page.getByRole('link', { name: seed.questions.tool }).click();
  await expect(page.getByRole('heading', { name: 'Case: Tool failure' })).toBeVisible();

  const transcript = page.getByRole('list', { name: 'Transcript' });
  await expect(transcript.locator('[aria-current="true"]')).toContainText('I have started the refund.');
  await expect(page.getByRole('complementary', { name: 'Case details' })).toContainText('Nothing happened');

  const spans = page.getByRole('list', { name: 'Spans' });
  await expect(spans.locator('.wf-row')).toHaveCount(5);
  const evidence = page.locator(`#span-${seed.evidenceSpanId}`);
  await expect(evidence).toHaveClass(/\bstatus-error\b/);
  await expect(evidence).toHaveClass(/\bevidence\b/);
  await expect(evidence).toBeInViewport();
  await expect(evidence).toContainText('error.type timeout');
  await expect(evidence).toContainText('attempt 2');
  await expect(spans.locator('.wf-row.status-error')).toHaveCount(2);
  // Rows open from the keyboard to show every attribute.
  const firstChat = spans.locator('.wf-row').nth(1);
  await firstChat.locator('summary').focus();
  await page.keyboard.press('Enter');
  await expect(firstChat.locator('.wf-attrs')).toContainText('gen_ai.usage.input_tokens');
  if (process.env.REVIEW_SHOTS) await page.screenshot({ path: `${process.env.REVIEW_SHOTS}/case.png`, fullPage: true });
  expect(await axeViolations(page)).toEqual([]);

  await page.getByLabel('Failure mode').selectOption({ label: 'Context drift' });
  await page.getByLabel('Note (optional)').fill(`The context was full ${seed.tag}`);
  await page.getByRole('button', { name: 'Save label' }).click();
  const label = page.getByRole('region', { name: 'Label' });
  await expect(label).toContainText('Context drift');
  await expect(label).toContainText('by you (Rita Reviewer)');
  await expect(label).toContainText('The reviewer changed the automatic mode.');
  await expect(page.getByRole('status').filter({ hasText: 'Label saved: Context drift.' })).toBeVisible();
  const { rows } = await seed.db.query(`select auto_mode, human_mode, human_note from cases where site_id = $1 and trace_id = $2`, [seed.siteId, seed.traceId]);
  expect(rows).toEqual([{ auto_mode: 'tool_failure', human_mode: 'context_drift', human_note: `The context was full ${seed.tag}` }]);

  // Back in the list (still filtered by Tool failure, which this case no longer is) the relabel shows, and
  // the export carries it.
  await page.getByRole('link', { name: '← Cases' }).click();
  await expect(page.getByText('No cases match these filters in this range.')).toBeVisible();
  await page.getByLabel('Failure mode').selectOption({ label: 'Context drift' });
  await page.getByLabel('Label source').selectOption({ label: 'Labelled by a reviewer' });
  await expect(page.getByRole('table', { name: 'Cases, newest first' }).getByRole('link')).toHaveText([seed.questions.tool]);
  expect((await exportedCases(page)).map((c) => [c.input, c.autoMode, c.humanLabel])).toEqual([[seed.questions.tool, 'tool_failure', 'context_drift']]);

  // The overview counts the reviewer's label, and their disagreement.
  await page.getByRole('navigation', { name: 'Review sections' }).getByRole('link', { name: 'Overview' }).click();
  await expect(kpi(page, 'Reviewer agreement')).toHaveText('0%');
});

test("should take a reviewer's label away so that the automatic one counts again", async ({ page }) => {
  await openReview(page);
  await page.getByRole('navigation', { name: 'Review sections' }).getByRole('link', { name: 'Cases' }).click();
  await page.getByRole('link', { name: seed.questions.tool }).click();
  const label = page.getByRole('region', { name: 'Label' });
  await expect(label).toContainText('by you (Rita Reviewer)');
  await label.getByRole('button', { name: 'Use the automatic label' }).click();
  await expect(label).toContainText('Not labelled yet');
  await expect(page.getByRole('heading', { name: 'Case: Tool failure' })).toBeVisible();
  await expect(page.getByRole('status').filter({ hasText: 'Reviewer label removed: the automatic label counts again.' })).toBeVisible();
  const { rows } = await seed.db.query(`select auto_mode, human_mode, human_note, labelled_by from cases where site_id = $1 and trace_id = $2`, [seed.siteId, seed.traceId]);
  expect(rows).toEqual([{ auto_mode: 'tool_failure', human_mode: null, human_note: null, labelled_by: null }]);
  expect(await axeViolations(page)).toEqual([]);
});

test('should say when no trace was received for an answer', async ({ page }) => {
  await openReview(page);
  await page.getByRole('navigation', { name: 'Review sections' }).getByRole('link', { name: 'Cases' }).click();
  await page.getByRole('link', { name: seed.questions.hallucination }).click();
  await expect(page.getByText('No trace received for this answer')).toBeVisible();
  await expect(page.getByRole('region', { name: 'Classification' })).toContainText('stated confidence 0.30 and no retrieval sources');
});

test('should not show Review to an agent', async ({ page }) => {
  await signIn(page, stackInfo().staff.agent);
  await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Inbox' })).toBeVisible();
  await expect(page.getByRole('link', { name: /^Review/ })).toHaveCount(0);
  await page.goto(`${CONSOLE_URL}review`);
  await expect(page.getByText('Review is for reviewers and admins.')).toBeVisible();
});
