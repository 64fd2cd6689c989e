/**
 * Human review of drafts, as its people live it: an admin puts the "refunds" topic under human review; a
 * user of the demo product asks for a refund and sees "A specialist is checking this answer" instead of the
 * agent's text; a support agent, in a browser of their own, finds the draft in the Inbox and approves it
 * with an edit; the user sees the edited answer arrive live, with its badge and feedback; the decision is
 * recorded as an edit, with who decided and how long the draft was open, and the Track record counts it.
 */
import { expect, test } from '@playwright/test';
import pg from 'pg';
import { axeViolations, signIn } from './support/console';
import { API_URL, stackInfo, type StaffAccount } from './support/env';
import { helpfulButtons, messageBox, newTag, openChat } from './support/widget';

let pool: pg.Pool | undefined;
/** Rows the server stored, read in this run's schema (the stack runs on PostgreSQL for this test). */
function db(): pg.Pool {
  const { schema } = stackInfo();
  if (!schema || !process.env.DATABASE_URL) throw new Error('The trust-drafts test needs DATABASE_URL=postgres://postgres@127.0.0.1:5432/test.');
  pool ??= new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 2, options: `-c search_path=${schema}` });
  return pool;
}
test.afterAll(async () => {
  await pool?.end();
});

const demoSiteId = async () => (await db().query<{ value: string }>(`select value from settings where key = 'demo_site_id'`)).rows[0]!.value;

/** Calls a staff procedure over HTTP as the console does (session cookie, CSRF header on mutations). */
async function staffCall(cookie: string, path: string, body: unknown): Promise<unknown> {
  const res = await fetch(`${API_URL}/trpc/${path}`, { method: 'POST', headers: { cookie, 'content-type': 'application/json', 'x-backstop-csrf': '1' }, body: JSON.stringify(body) });
  const json = (await res.json()) as { result?: { data: unknown }; error?: { message: string } };
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status} ${json.error?.message ?? ''}`);
  return json.result!.data;
}

/**
 * Returns the function that puts back the topic's current autonomy on the demo site through `topic.set`
 * (the demo's other tests expect refund answers shown at once).
 */
async function restoreAutonomyLater(admin: StaffAccount, siteId: string, topic: string): Promise<() => Promise<void>> {
  const login = await fetch(`${API_URL}/trpc/staff.login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-backstop-csrf': '1' },
    body: JSON.stringify({ email: admin.email, password: admin.password }),
  });
  expect(login.status).toBe(200);
  const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
  const before = (await db().query<{ autonomy: string }>(`select autonomy from topics where site_id = $1 and name = $2`, [siteId, topic])).rows[0]?.autonomy ?? 'auto';
  return async () => void (await staffCall(cookie, 'topic.set', { siteId, name: topic, autonomy: before, reason: 'End of the review trial.' }));
}

interface DraftRow {
  status: string;
  finalText: string | null;
  decidedBy: string | null;
  openMs: number | null;
  original: string;
}
const draftOf = async (tag: string): Promise<DraftRow | undefined> =>
  (
    await db().query<DraftRow>(
      `select d.status, d.final_text as "finalText", s.email as "decidedBy", d.open_ms as "openMs", m.text as original
         from drafts d join messages m on m.id = d.message_id left join staff s on s.id = d.decided_by
        where d.conversation_id in (select conversation_id from messages where strpos(text, $1) > 0)`,
      [tag],
    )
  ).rows[0];

test('a refund answer under human review is checked, edited and approved in the console, and reaches the user live', async ({ browser }) => {
  test.setTimeout(90_000);
  const { demoAgent, demoAdmin } = stackInfo();
  if (!demoAgent || !demoAdmin) throw new Error('The trust-drafts test needs DATABASE_URL (the e2e setup creates a demo-site agent on PostgreSQL only).');
  const tag = newTag('draft');
  const edited = `Your refund is on its way and will reach your card within 5 days ${tag}.`;
  const siteId = await demoSiteId();
  const restore = await restoreAutonomyLater(demoAdmin, siteId, 'refunds');
  const userContext = await browser.newContext();
  const staffContext = await browser.newContext();
  const adminContext = await browser.newContext();
  try {
    // The admin puts refunds under human review in Settings, with a reason.
    const office = await adminContext.newPage();
    await signIn(office, demoAdmin);
    await office.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click();
    const topicsSection = office.getByRole('region', { name: 'Topics and autonomy' });
    const table = topicsSection.getByRole('table', { name: 'Topics of this site' });
    await expect(topicsSection.getByRole('form', { name: 'Add a topic' })).toBeVisible();
    if ((await table.getByRole('rowheader', { name: 'refunds', exact: true }).count()) === 0) {
      const add = topicsSection.getByRole('form', { name: 'Add a topic' });
      await add.getByLabel('Name').fill('refunds');
      await add.getByLabel('Failure cost').selectOption('high');
      await add.getByRole('button', { name: 'Add topic' }).click();
      await expect.poll(async () => (await db().query(`select 1 from topics where site_id = $1 and name = 'refunds'`, [siteId])).rowCount).toBe(1);
    }
    await topicsSection.getByLabel('Autonomy of refunds').selectOption('human_review');
    await topicsSection.getByLabel('Reason for changing the autonomy of refunds').fill('Refund answers are checked by a person first.');
    await topicsSection.getByRole('button', { name: 'Save refunds' }).click();
    await expect(topicsSection.getByRole('button', { name: 'Save refunds' })).toBeDisabled();
    await expect
      .poll(async () => (await db().query(`select autonomy from topics where site_id = $1 and name = 'refunds'`, [siteId])).rows[0]?.autonomy)
      .toBe('human_review');
    // Audited as the admin, with the reason.
    const audited = await db().query(`select details from audit_log where site_id = $1 and action = 'topic.set' and actor = $2 order by id desc limit 1`, [siteId, demoAdmin.email]);
    expect(audited.rows[0]?.details).toMatchObject({ reason: 'Refund answers are checked by a person first.', after: { autonomy: 'human_review' } });

    // The user's side: a refund question in the demo. The agent's own text never appears.
    const user = await userContext.newPage();
    await user.goto(`${API_URL}/demo/`);
    await openChat(user);
    await messageBox(user).fill(`Can you refund my last invoice? ${tag}`);
    await messageBox(user).press('Enter');
    await expect(user.getByText('A specialist is checking this answer')).toBeVisible({ timeout: 15_000 });
    await expect(user.getByText('the refund was not completed')).toHaveCount(0);
    await expect(helpfulButtons(user)).toHaveCount(0);
    await expect.poll(async () => (await draftOf(tag))?.status, { timeout: 15_000 }).toBe('pending');

    // The agent's side: the draft is in the Inbox with the question, the draft and its confidence.
    const desk = await staffContext.newPage();
    await signIn(desk, demoAgent);
    const queue = desk.getByRole('list', { name: 'Drafts to review' });
    const card = queue.getByRole('listitem').filter({ hasText: tag });
    await expect(card).toBeVisible({ timeout: 10_000 });
    await expect(card).toContainText('refunds');
    await expect(card).toContainText('the refund was not completed');
    await expect(card).toContainText('Medium confidence');
    expect(await axeViolations(desk)).toEqual([]);
    await card.getByRole('button', { name: 'Edit and approve' }).click();
    const editor = card.getByRole('textbox', { name: 'Edited answer' });
    await expect(editor).toBeFocused();
    await editor.fill(edited);
    await card.getByRole('button', { name: 'Approve edited answer' }).click();
    await expect(card).toHaveCount(0);

    // The user sees the edited answer arrive without a reload, with its badge and feedback.
    await expect(user.getByText(edited)).toBeVisible({ timeout: 10_000 });
    await expect(user.getByText('A specialist is checking this answer')).toHaveCount(0);
    await expect(helpfulButtons(user)).toHaveCount(1);
    await expect(user.getByText('the refund was not completed')).toHaveCount(0);

    // Recorded as an edit: who, the final text, how long it was open; the message keeps the agent's own text.
    const stored = (await draftOf(tag))!;
    expect(stored).toMatchObject({ status: 'edited', finalText: edited, decidedBy: demoAgent.email });
    expect(stored.openMs).toBeGreaterThanOrEqual(0);
    expect(stored.original).toContain('the refund was not completed');

    // The Track record counts it as an edit (the only decision on the demo's refunds in this run).
    await office.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Track record' }).click();
    const refunds = office.getByRole('article', { name: 'refunds' });
    await expect(refunds.getByRole('row', { name: /^Edit rate/ })).toContainText(/^.*100\.0% \(.*\) of 1\b/);

    // After a reload the user still sees the edited answer, never the original.
    await user.reload();
    await openChat(user);
    await expect(user.getByText(edited)).toBeVisible();
    await expect(user.getByText('the refund was not completed')).toHaveCount(0);
  } finally {
    await restore();
    await userContext.close();
    await staffContext.close();
    await adminContext.close();
  }
});
