/**
 * The failure-tracing loop end to end, as its people live it: a user of the demo product gets an answer whose
 * refund tool timed out (the demo agent reports the trace over OTLP), says Not helpful; a reviewer finds it in
 * Review under Tool failure, sees the failing span highlighted in the trace, relabels it; the eval export
 * carries the relabel.
 */
import { readFile } from 'node:fs/promises';
import { expect, test, type Page } from '@playwright/test';
import pg from 'pg';
import type { EvalCase } from '../shared/review';
import { signIn } from './support/console';
import { API_URL, stackInfo } from './support/env';
import { ask, newTag, openChat, rateNotHelpful } from './support/widget';

let pool: pg.Pool | undefined;
/** Rows the server stored, read in this run's schema (the stack runs on PostgreSQL for this test). */
function db(): pg.Pool {
  const { schema } = stackInfo();
  if (!schema || !process.env.DATABASE_URL) throw new Error('The failure-loop test needs DATABASE_URL=postgres://postgres@127.0.0.1:5432/test.');
  pool ??= new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 2, options: `-c search_path=${schema}` });
  return pool;
}
test.afterAll(async () => {
  await pool?.end();
});

interface StoredSpan {
  spanId: string;
  name: string;
  statusCode: number;
  errorType: string | null;
}
const spansOf = async (traceId: string): Promise<StoredSpan[]> =>
  (
    await db().query<StoredSpan>(
      `select span_id as "spanId", name, status_code as "statusCode", error_type as "errorType" from spans where trace_id = $1 order by start_time`,
      [traceId],
    )
  ).rows;
const caseOf = async (traceId: string) =>
  (
    await db().query<{ id: string; autoMode: string | null; evidenceSpanId: string | null; rationale: string | null }>(
      `select id, auto_mode as "autoMode", evidence_span_id as "evidenceSpanId", rationale from cases where trace_id = $1 and source = 'feedback'`,
      [traceId],
    )
  ).rows[0];

/** The demo agent's answers as the widget receives them. */
function recordDemoAnswers(page: Page): { id: string; traceId: string; spanId: string }[] {
  const answers: { id: string; traceId: string; spanId: string }[] = [];
  page.on('response', async (response) => {
    if (new URL(response.url()).pathname === '/demo/agent' && response.ok()) answers.push(await response.json());
  });
  return answers;
}

test('a tool failure in the demo, rated Not helpful, is found in Review with its failing span, relabelled, and exported', async ({ page, browser }) => {
  test.setTimeout(90_000);
  const { demoReviewer } = stackInfo();
  if (!demoReviewer) throw new Error('The failure-loop test needs DATABASE_URL (the e2e setup creates a demo-site reviewer on PostgreSQL only).');
  const tag = newTag('loop');
  const answers = recordDemoAnswers(page);

  // The user's side: the refund fails, and they say so.
  await page.goto(`${API_URL}/demo/`);
  await openChat(page);
  await ask(page, `Can you refund my last invoice? ${tag}`);
  await expect(page.getByText('the refund was not completed')).toBeVisible();
  await expect.poll(() => answers.length).toBe(1);
  const { traceId } = answers[0]!;
  expect(traceId).toMatch(/^[0-9a-f]{32}$/);
  await rateNotHelpful(page, 0, 'An action failed');

  // The agent's exporter delivered its trace; the feedback became a case, classified from that trace.
  await expect.poll(async () => (await spansOf(traceId)).length, { timeout: 15_000 }).toBe(5);
  const failing = (await spansOf(traceId)).filter((s) => s.statusCode === 2);
  expect(failing.map((s) => [s.name, s.errorType])).toEqual([
    ['execute_tool refund.create', 'timeout'],
    ['execute_tool refund.create', 'timeout'],
  ]);
  await expect.poll(async () => (await caseOf(traceId))?.autoMode ?? null, { timeout: 20_000 }).toBe('tool_failure');
  const stored = (await caseOf(traceId))!;

  // The reviewer's side, in a browser of their own: Review, Cases, filtered to tool failures.
  const staff = await browser.newPage();
  await signIn(staff, demoReviewer);
  await staff.getByRole('link', { name: /^Review\b/ }).first().click();
  await staff.getByRole('link', { name: 'Cases', exact: true }).click();
  await staff.getByLabel('Failure mode').selectOption('tool_failure');
  const row = staff.getByRole('row').filter({ hasText: tag });
  await expect(row).toContainText('Tool failure');
  await row.getByRole('link').first().click();

  // The case: transcript beside the trace, the last failed attempt of the tool highlighted as the evidence.
  await expect(staff.getByRole('heading', { name: 'Case: Tool failure' })).toBeVisible();
  await expect(staff.getByText(`Can you refund my last invoice? ${tag}`, { exact: true })).toBeVisible();
  // The rationale, as the console renders it (the tool's name in code style, without the backticks).
  expect(stored.rationale).toContain('`refund.create` failed with timeout after 2 attempts');
  await expect(staff.getByText(stored.rationale!.replace(/`/g, '')).first()).toBeVisible();
  expect(stored.evidenceSpanId).toBe(failing[1]!.spanId);
  // One row per span (a row's own event list holds list items too); both attempts failed, one is the evidence.
  const spanRows = staff.getByRole('list', { name: 'Spans' }).locator(':scope > li');
  await expect(spanRows).toHaveCount(5);
  await expect(spanRows.filter({ hasText: 'error.type timeout' })).toHaveCount(2);
  const evidence = staff.locator(`#span-${stored.evidenceSpanId}`);
  await expect(spanRows.filter({ hasText: 'evidence' })).toHaveCount(1);
  await expect(evidence).toHaveClass(/\bevidence\b/);
  await expect(evidence).toHaveClass(/\bstatus-error\b/);
  await expect(evidence.getByRole('group')).toHaveAttribute('open', '');
  await expect(evidence).toContainText('execute_tool refund.create');
  await expect(evidence).toContainText('attempt 2');
  await expect(evidence).toContainText('did not answer within');
  await expect(evidence).toBeInViewport();

  // Relabel: the reviewer reads it as the agent ignoring what was asked, and says why.
  const note = `Relabelled in ${tag}`;
  await staff.getByLabel('Failure mode').selectOption('instruction_drift');
  await staff.getByLabel('Note (optional)').fill(note);
  await staff.getByRole('button', { name: 'Save label' }).click();
  await expect(staff.getByText(note)).toBeVisible();
  await expect(staff.getByRole('heading', { name: 'Case: Instruction drift' })).toBeVisible();
  await expect
    .poll(async () => (await db().query(`select human_mode, auto_mode from cases where id = $1`, [stored.id])).rows[0])
    .toEqual({ human_mode: 'instruction_drift', auto_mode: 'tool_failure' });

  // The list now counts the case under the reviewer's mode; the eval export of that list carries the human
  // label beside the automatic one.
  await staff.getByRole('link', { name: '← Cases' }).click();
  await staff.getByLabel('Failure mode').selectOption('instruction_drift');
  await expect(staff.getByRole('row').filter({ hasText: tag })).toContainText('Instruction drift');
  await expect(staff.getByRole('row').filter({ hasText: tag })).toContainText('reviewer');
  const download = staff.waitForEvent('download');
  await staff.getByRole('button', { name: 'Export JSONL' }).click();
  const file = await (await download).path();
  const lines = (await readFile(file, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as EvalCase);
  const exported = lines.find((l) => l.caseId === stored.id);
  expect(exported).toMatchObject({
    input: `Can you refund my last invoice? ${tag}`,
    autoMode: 'tool_failure',
    humanLabel: 'instruction_drift',
    rating: -1,
    reasons: ['action_failed'],
    trace: { traceId, tools: [expect.objectContaining({ name: 'refund.create', status: 'error', error: 'timeout', attempts: 2 })] },
  });
  expect(lines.every((l) => (l.humanLabel ?? l.autoMode) === 'instruction_drift')).toBe(true);
  await staff.close();
});
