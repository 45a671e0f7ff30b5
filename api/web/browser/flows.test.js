// The staff pages in a real Chromium, one helper a flow, run in order by
// Node's test runner (node --test) from browser_test.go, which starts
// vendorwatch and seeds the data these flows start from. Every page a flow
// visits goes through checkPage: axe (WCAG 2.1 A/AA, no serious or critical
// violation), no console error, one h1, and a screenshot.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
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

/** The text of the page's error summary, to say why a form was refused. */
async function refusal(page) {
  const s = page.locator('.error-summary, [role=alert]');
  return (await s.count()) ? (await s.allInnerTexts()).join(' / ') : '(no error summary)';
}

/** a. Sign in by the e-mailed link; the home page 私の対応事項 follows. */
async function signInByLink() {
  admin = await newPerson(browser, 'admin');
  const { page } = admin;
  // A signed-out browser is sent to sign in, and brought back after.
  await go(page, '/');
  assert.match(new URL(page.url()).pathname, /^\/sign-in$/);
  await signIn(page, env.adminEmail);
  assert.equal(new URL(page.url()).pathname, '/');
  assert.equal(await checkPage(page, 'home', { narrow: true, doc: 'home' }), T.home);
  // The header says who is signed in, with a sign-out button.
  await page.getByRole('button', { name: T.signOut }).waitFor();
}

/**
 * b. A reminder e-mail's link, opened signed out: sign in, come back to the
 * confirmation, fill its checklist and record it; the reminder ledger and
 * the audit log show it.
 */
async function completeConfirmationFromReminder() {
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
    await checkPage(page, 'confirmation-recorded', { doc: 'confirmation' });

    // The contract it belongs to.
    assert.equal(await go(page, `/contracts/${env.contractID}`), 200);
    assert.equal(await checkPage(page, 'contract'), '収集運搬システム保守');

    // The reminder that was sent for it, in the ledger.
    assert.equal(await go(page, '/reminders'), 200);
    assert.equal(await checkPage(page, 'reminders'), '通知履歴');
    await page.locator(`table a[href="/confirmations/${id}"]`).first().waitFor();

    // And the completion in the audit log, by the administrator.
    assert.equal(await go(page, `/audit?entity_type=confirmation&entity_id=${id}`), 200);
    assert.equal(await checkPage(page, 'audit'), '監査ログ');
    const rows = page.locator('table tbody tr', { hasText: id });
    assert.ok(await rows.count() > 0, 'the audit log lists the confirmation');
    assert.match((await rows.allInnerTexts()).join('\n'), /完了|確認結果の記録/);
  } finally {
    await context.close();
  }
}

/** The editor's browser, signed in once for flows c and d. */
let editor;
async function editorBrowser() {
  if (!editor) {
    editor = await newPerson(browser, 'editor');
    await signIn(editor.page, env.editorEmail);
  }
  return editor;
}

/** A form control by its id (ids carry the JSON field name, brackets and all). */
function field(page, name) {
  return page.locator(`[id="f-${name}"]`);
}

/**
 * c. An editor requests a cloud service; a supervisor, signed in by their
 * own link in a second browser, approves it.
 */
async function requestAndApproveCloudService() {
  const { page } = await editorBrowser();
  assert.equal(await go(page, '/cloud-services'), 200);
  assert.equal(await checkPage(page, 'cloud-services'), '約款による外部サービス');
  assert.equal(await go(page, '/cloud-services/new'), 200);
  assert.equal(await checkPage(page, 'cloud-service-new'), '約款による外部サービスの利用申請');
  await field(page, 'name').fill('ファイル転送サービス');
  await field(page, 'provider').fill('Example Cloud株式会社');
  await field(page, 'permitted_uses[0]').fill('公開資料の外部への送付');
  await field(page, 'service_url').fill('https://transfer.example.com');
  await field(page, 'terms_url').fill('https://transfer.example.com/terms');
  await field(page, 'terms_version').fill('2026-04-01版');
  await field(page, 'terms_reviewed_at').fill(today());
  await field(page, 'information_assets[0].name').fill('公開済みの収集日程表');
  // Every item of the terms checklist read and found acceptable.
  const checks = page.locator('[id="f-terms_checks"] fieldset');
  const n = await checks.count();
  assert.ok(n > 0, 'the request form lists the terms checklist');
  for (let i = 0; i < n; i++) await checks.nth(i).getByLabel('問題なし', { exact: true }).check();
  await Promise.all([
    page.waitForURL((u) => /^\/cloud-services\/[0-9a-f-]{36}$/.test(u.pathname)),
    page.getByRole('button', { name: '申請する' }).click(),
  ]).catch(async (e) => { throw new Error(`the request was refused: ${await refusal(page)} (${e.message})`); });
  await page.getByText('利用申請を登録しました。').waitFor();
  const servicePath = new URL(page.url()).pathname;
  assert.equal(await checkPage(page, 'cloud-service-requested'), 'ファイル転送サービス');
  assert.match(await page.locator('main').innerText(), /申請中/);

  // The supervisor opens the request signed out, signs in, and approves.
  const supervisor = await newPerson(browser, 'supervisor');
  try {
    const sp = supervisor.page;
    await go(sp, servicePath);
    await signIn(sp, env.supervisorEmail);
    assert.equal(new URL(sp.url()).pathname, servicePath);
    await checkPage(sp, 'cloud-service-to-approve');
    await Promise.all([
      sp.waitForURL((u) => u.pathname === servicePath && u.searchParams.has('done')),
      sp.getByRole('button', { name: '承認する' }).click(),
    ]).catch(async (e) => { throw new Error(`the approval was refused: ${await refusal(sp)} (${e.message})`); });
    await sp.getByText('承認しました。').waitFor();
    const facts = await sp.locator('main').innerText();
    assert.match(facts, /承認済み/);
    assert.match(facts, /統括 責任者/, 'the supervisor is named as approver');
    await checkPage(sp, 'cloud-service-approved');
  } finally {
    await supervisor.context.close();
  }
}

/** Today in Tokyo, YYYY-MM-DD. */
function today() {
  return new Intl.DateTimeFormat('sv-SE', { timeZone: 'Asia/Tokyo' }).format(new Date());
}

/** d. A post check on a social account marks what may not be published. */
async function postCheck() {
  const { page } = await editorBrowser();
  assert.equal(await go(page, '/social-accounts'), 200);
  assert.equal(await checkPage(page, 'social-accounts'), 'ソーシャルメディアのアカウント');
  assert.equal(await go(page, `/social-accounts/${env.socialAccountID}`), 200);
  await checkPage(page, 'social-account');
  const p = `/social-accounts/${env.socialAccountID}/post-check`;
  await page.locator(`a[href="${p}"]`).click();
  assert.equal(new URL(page.url()).pathname, p);
  assert.equal(await checkPage(page, 'post-check'), '投稿前の確認');
  await field(page, 'category').selectOption('お知らせ');
  await field(page, 'text').fill('粗大ごみの受付について、お問い合わせは 090-1234-5678 まで');
  await page.getByRole('button', { name: '確認する', exact: true }).click();
  const mark = page.locator('mark.finding');
  await mark.first().waitFor();
  assert.equal((await mark.allInnerTexts()).join(' '), '090-1234-5678', 'the phone number is marked');
  assert.match(await page.locator('[role=status]').innerText(), /指摘事項が1件あります/);
  await checkPage(page, 'post-check-findings', { narrow: true });
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

/**
 * f. A self-inspection: the administrator opens one for themself, answers
 * an item on the answering page, and prints the report to an A4 PDF.
 */
async function selfInspectionReport() {
  const { page } = admin;
  assert.equal(await go(page, '/inspections/new'), 200);
  assert.equal(await checkPage(page, 'inspection-new'), '自己点検を開始する');
  await field(page, 'title').fill('令和8年度 情報セキュリティ自己点検');
  const due = new Date(Date.now() + 14 * 86400_000).toISOString().slice(0, 10);
  await field(page, 'due_date').fill(due);
  await field(page, 'person_ids').selectOption({ label: 'vendorwatch 管理者' });
  await Promise.all([
    page.waitForURL((u) => /^\/inspections\/[0-9a-f-]{36}$/.test(u.pathname)),
    page.getByRole('button', { name: '自己点検を開始する' }).click(),
  ]).catch(async (e) => { throw new Error(`the campaign was refused: ${await refusal(page)} (${e.message})`); });
  const id = new URL(page.url()).pathname.split('/').pop();
  await checkPage(page, 'inspection');
  await page.getByRole('link', { name: '自分の回答を入力する' }).click();
  await page.waitForURL((u) => u.pathname.startsWith('/inspection-assignments/'));
  await checkPage(page, 'inspection-answer');
  const item = page.locator('section.inspection-item', { hasText: '研修を受講' });
  await item.getByLabel('適合', { exact: true }).check();
  await Promise.all([
    page.waitForURL((u) => u.searchParams.get('done') === 'answer_saved'),
    item.getByRole('button', { name: '回答を保存する' }).click(),
  ]);
  assert.equal(await go(page, `/inspections/${id}/report`), 200);
  assert.equal(await checkPage(page, 'inspection-report'), '情報セキュリティ自己点検結果報告書');
  const pdf = await page.pdf({ preferCSSPageSize: true });
  fs.writeFileSync(path.join(env.shots, 'inspection-report.pdf'), pdf);
  const raw = pdf.toString('latin1');
  assert.ok(raw.startsWith('%PDF-'), 'a PDF');
  const boxes = [...raw.matchAll(/\/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]/g)];
  assert.ok(boxes.length >= 1, 'the PDF has pages');
  for (const [, w, h] of boxes) {
    assert.ok(Math.abs(Number(w) - 595.3) < 2 && Math.abs(Number(h) - 841.9) < 2, `an A4 page: ${w} × ${h} pt`);
  }
}

/**
 * g. An editor records a high-severity incident on the contract: every
 * ciso is e-mailed at once; the editor records the report to the CISO and
 * attaches the contractor's report as an evidence file, which downloads
 * with its bytes.
 */
async function recordIncident() {
  const { page } = await editorBrowser();
  assert.equal(await go(page, '/incidents'), 200);
  assert.equal(await checkPage(page, 'incidents'), '情報セキュリティインシデント');
  assert.equal(await go(page, '/incidents/new'), 200);
  assert.equal(await checkPage(page, 'incident-new'), 'インシデントの登録');
  await field(page, 'title').fill('委託先での収集運搬データの誤送信');
  await field(page, 'description').fill('委託先の担当者が収集ルート表を誤った宛先にメールで送信した。');
  await field(page, 'severity').selectOption('high');
  await field(page, 'record_contract').selectOption(env.contractID);
  await field(page, 'asset_name').fill('収集ルート表');
  await Promise.all([
    page.waitForURL((u) => /^\/incidents\/[0-9a-f-]{36}$/.test(u.pathname)),
    page.getByRole('button', { name: '登録する', exact: true }).click(),
  ]).catch(async (e) => { throw new Error(`the incident was refused: ${await refusal(page)} (${e.message})`); });
  await page.getByText('インシデントを登録しました。').waitFor();
  const incidentPath = new URL(page.url()).pathname;
  assert.equal(await checkPage(page, 'incident'), 'インシデント：委託先での収集運搬データの誤送信');

  // Every ciso hears of it at once, with a link to the incident.
  const mail = await waitForMail(env.cisoEmail, /対応ページ：(https?:\/\/\S+\/incidents\/[0-9a-f-]+)/);
  assert.ok(mail.match[1].endsWith(incidentPath), `the notice links to the incident: ${mail.match[1]}`);

  // The next step is the report to the CISO; record it.
  await Promise.all([
    page.waitForURL((u) => u.pathname === incidentPath && u.searchParams.has('done')),
    page.getByRole('button', { name: '記録する', exact: true }).click(),
  ]).catch(async (e) => { throw new Error(`the step was refused: ${await refusal(page)} (${e.message})`); });
  await page.getByText('段階を記録しました。').waitFor();

  // The contractor's report, attached as a file; its type is read from its bytes.
  assert.equal(await go(page, incidentPath), 200);
  const pdf = Buffer.from('%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');
  await page.locator('[id="f-evidence-file"]').setInputFiles({ name: '事故報告書.pdf', mimeType: 'application/octet-stream', buffer: pdf });
  await Promise.all([
    page.waitForURL((u) => u.pathname === incidentPath && u.searchParams.has('done')),
    page.getByRole('button', { name: '添付する', exact: true }).click(),
  ]).catch(async (e) => { throw new Error(`the file was refused: ${await refusal(page)} (${e.message})`); });
  await page.getByText('ファイルを添付しました。').waitFor();
  const link = page.locator('#evidence a[download]', { hasText: '事故報告書.pdf' });
  await link.waitFor();
  assert.match(await page.locator('#evidence').innerText(), /PDF/);
  await checkPage(page, 'incident-with-evidence');
  const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
  assert.equal(download.suggestedFilename(), '事故報告書.pdf');
  const chunks = [];
  for await (const c of await download.createReadStream()) chunks.push(c);
  assert.deepEqual(Buffer.concat(chunks), pdf, 'the file downloads with the bytes it was given');
}

describe('staff pages in Chromium', () => {
  before(async () => { browser = await launch(); });
  after(async () => {
    writeAxeLog();
    await editor?.context.close();
    await browser?.close();
  });

  it('a. signs in by the e-mailed link', signInByLink);
  it('b. completes a confirmation from its reminder e-mail', completeConfirmationFromReminder);
  it('c. requests a cloud service and a supervisor approves it', requestAndApproveCloudService);
  it('d. checks a social media post', postCheck);
  it('f. prints a self-inspection report to an A4 PDF', selfInspectionReport);
  it('g. records a high-severity incident, tells the ciso and attaches a file', recordIncident);
  it('e. signs out', signOut);
});
