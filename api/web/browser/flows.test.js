// The staff pages in a real Chromium, one helper a flow, run in order by
// Node's test runner (node --test) from browser_test.go, which starts
// vendorwatch and seeds the data these flows start from. Every page a flow
// visits goes through checkPage: axe (WCAG 2.1 A/AA, no serious or critical
// violation), no console error, one h1, and a screenshot.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { env, launch, newPerson, checkPage, writeAxeLog, go, waitForMail, signIn } from './lib.js';

/** The pages' Japanese texts the flows look for. */
const T = {
  home: '私の対応事項',
  signOut: 'サインアウト',
  signedOut: 'サインアウトしました。',
  recordConfirmation: '確認結果を記録する',
  confirmationRecorded: '確認結果を記録しました。',
  completed: '実施済み',
  complied: '遵守',
};

let browser;
/** The administrator's browser, signed in by flow a and out by flow e. */
let admin;

/** Skips a flow whose page is not on main yet (a 404 behind sign-in). */
function missing(t, status, what) {
  if (status !== 404) return false;
  t.skip(`${what} is not served yet (404)`);
  return true;
}

/** The text of the page's error summary, to say why a form was refused. */
async function refusal(page) {
  const s = page.locator('.error-summary, [role=alert]');
  return (await s.count()) ? (await s.allInnerTexts()).join(' / ') : '(no error summary)';
}

/** a. Sign in by the e-mailed link; the home page 私の対応事項 follows. */
async function signInByLink(t) {
  admin = await newPerson(browser, 'admin');
  const { page } = admin;
  // A signed-out browser is sent to sign in, and brought back after.
  await go(page, '/');
  assert.match(new URL(page.url()).pathname, /^\/sign-in$/);
  await signIn(page, env.adminEmail);
  assert.equal(new URL(page.url()).pathname, '/');
  const h1 = await checkPage(page, 'home', { narrow: true });
  if (h1 !== T.home) {
    t.diagnostic(`the home page is not served yet: / shows 「${h1}」`);
  }
  // The header says who is signed in, with a sign-out button.
  await page.getByRole('button', { name: T.signOut }).waitFor();
}

/**
 * b. A reminder e-mail's link, opened signed out: sign in, come back to the
 * confirmation, fill its checklist and record it; the reminder ledger and
 * the audit log show it.
 */
async function completeConfirmationFromReminder(t) {
  const mail = await waitForMail(env.adminEmail, /対応ページ：(https?:\/\/\S+\/confirmations\/([0-9a-f-]+))/);
  const [, link, id] = mail.match;
  assert.ok(link.startsWith(env.base), `the reminder links under the public URL: ${link}`);
  const { context, page } = await newPerson(browser, 'admin-from-mail');
  try {
    await page.goto(link);
    assert.equal(new URL(page.url()).pathname, '/sign-in', 'signed out, the link asks to sign in first');
    assert.equal(new URL(page.url()).searchParams.get('next'), `/confirmations/${id}`);
    await signIn(page, env.adminEmail);
    assert.equal(new URL(page.url()).pathname, `/confirmations/${id}`, 'back at the confirmation after signing in');
    if (missing(t, (await page.reload()).status(), `/confirmations/${id}`)) return;
    await checkPage(page, 'confirmation', { narrow: true });

    const items = page.locator('fieldset.checklist-item');
    const n = await items.count();
    assert.ok(n > 0, 'the checklist has items');
    for (let i = 0; i < n; i++) {
      const item = items.nth(i);
      await item.getByLabel(T.complied, { exact: true }).check();
      await item.getByLabel('確認内容・所見').fill(`第${i + 1}項：報告書と現地で確認した。`);
    }
    await page.getByLabel(/^全体の所見/).fill('年次の遵守状況確認。指摘事項なし。');
    await Promise.all([
      page.waitForURL((u) => u.pathname === `/confirmations/${id}` && u.searchParams.has('done')),
      page.getByRole('button', { name: T.recordConfirmation }).click(),
    ]).catch(async (e) => { throw new Error(`recording was refused: ${await refusal(page)} (${e.message})`); });
    await page.getByText(T.confirmationRecorded).waitFor();
    assert.match(await page.locator('.facts').innerText(), new RegExp(T.completed));
    await checkPage(page, 'confirmation-recorded');

    // The reminder that was sent for it, in the ledger.
    await go(page, '/reminders');
    assert.equal(await checkPage(page, 'reminders'), '通知履歴');
    await page.locator(`table a[href="/confirmations/${id}"]`).first().waitFor();

    // And the completion in the audit log, by the administrator.
    await go(page, `/audit?entity_type=confirmation&entity_id=${id}`);
    assert.equal(await checkPage(page, 'audit'), '監査ログ');
    const rows = page.locator('table tbody tr', { hasText: id });
    assert.ok(await rows.count() > 0, 'the audit log lists the confirmation');
    assert.match((await rows.allInnerTexts()).join('\n'), /完了|確認結果の記録/);
  } finally {
    await context.close();
  }
}

/**
 * c. An editor requests a cloud service; a supervisor, signed in by their
 * own link in a second browser, approves it.
 */
async function requestAndApproveCloudService(t) {
  const editor = await newPerson(browser, 'editor');
  const supervisor = await newPerson(browser, 'supervisor');
  try {
    await signIn(editor.page, env.editorEmail);
    if (missing(t, await go(editor.page, '/cloud-services'), '/cloud-services')) return;
    await checkPage(editor.page, 'cloud-services');
    t.skip('the cloud-service request form is not written into this flow yet');
    void supervisor;
  } finally {
    await editor.context.close();
    await supervisor.context.close();
  }
}

/** d. A post check on a social account marks what may not be published. */
async function postCheck(t) {
  const editor = await newPerson(browser, 'editor-social');
  try {
    await signIn(editor.page, env.editorEmail);
    const p = `/social-accounts/${env.socialAccountID}/post-check`;
    if (missing(t, await go(editor.page, p), p)) return;
    await checkPage(editor.page, 'post-check');
    t.skip('the post-check form is not written into this flow yet');
  } finally {
    await editor.context.close();
  }
}

/** e. Sign out: the session ends, and the pages ask to sign in again. */
async function signOut() {
  const { page, context } = admin;
  await go(page, '/');
  await Promise.all([
    page.waitForURL((u) => u.pathname === '/sign-in'),
    page.getByRole('button', { name: T.signOut }).click(),
  ]);
  await page.getByText(T.signedOut).waitFor();
  await checkPage(page, 'signed-out');
  await go(page, '/');
  assert.equal(new URL(page.url()).pathname, '/sign-in', 'signed out, / asks to sign in');
  await context.close();
}

describe('staff pages in Chromium', () => {
  before(async () => { browser = await launch(); });
  after(async () => {
    writeAxeLog();
    await browser?.close();
  });

  it('a. signs in by the e-mailed link', signInByLink);
  it('b. completes a confirmation from its reminder e-mail', completeConfirmationFromReminder);
  it('c. requests a cloud service and a supervisor approves it', requestAndApproveCloudService);
  it('d. checks a social media post', postCheck);
  it('e. signs out', signOut);
});
