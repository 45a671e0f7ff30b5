// Helpers of the browser flows: Chromium, the axe check and screenshots of
// every page, and sign-in by the link that vendorwatch writes to its outbox.
import fs from 'node:fs';
import path from 'node:path';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';

/** The environment browser_test.go hands over. */
export const env = {
  base: need('BASE_URL'),
  outbox: need('OUTBOX_DIR'),
  shots: need('SCREENSHOT_DIR'),
  chromium: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
  adminEmail: need('ADMIN_EMAIL'),
  editorEmail: need('EDITOR_EMAIL'),
  supervisorEmail: need('SUPERVISOR_EMAIL'),
  cisoEmail: need('CISO_EMAIL'),
  contractID: need('CONTRACT_ID'),
  socialAccountID: need('SOCIAL_ACCOUNT_ID'),
};

function need(name) {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run the flows through go test ./api/web/browser`);
  return v;
}

/** Wide and narrow viewports: a desktop, and the 320 CSS px of WCAG 1.4.10 reflow. */
export const WIDE = { width: 1280, height: 800 };
export const NARROW = { width: 320, height: 640 };
/** The window of the README's screenshots (api/web/screenshots). */
const DOC = { width: 1024, height: 700 };

/** The WCAG levels axe checks. */
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

/**
 * Starts Chromium. The flags keep it from calling home: the machine's closed
 * network refuses those connections, which would otherwise slow every page.
 */
export async function launch() {
  return chromium.launch({
    executablePath: env.chromium,
    headless: true,
    args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** A person's own browser: its own cookies, Japanese, a desktop window. */
export async function newPerson(browser, who) {
  const context = await browser.newContext({ viewport: WIDE, locale: 'ja-JP', timezoneId: 'Asia/Tokyo' });
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  page.who = who;
  page.problems = [];
  // Every page is expected to run without a script error or a refusal by
  // its Content-Security-Policy. The refusals are read from the page's own
  // securitypolicyviolation events before axe runs: axe, injected into the
  // page, sets inline styles of its own that the CSP rightly refuses.
  await context.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => window.__cspViolations.push(
      `CSP refused ${e.blockedURI || 'inline'} (${e.violatedDirective}) at ${e.sourceFile}:${e.lineNumber} ${e.sample}`));
  });
  // A stylesheet, script or image the page asks for and does not get; the
  // page's own status is the flow's business (a 404 page is a page). While
  // axe runs its own fetches are not the page's: it fetches each @import
  // again, resolved against the page's address instead of the stylesheet's.
  page.on('response', (r) => {
    if (r.status() >= 400 && !page.axeRunning && r.request().resourceType() !== 'document') {
      page.problems.push(`${r.status()} for ${r.url()}`);
    }
  });
  page.on('console', (m) => {
    const text = m.text();
    if (m.type() === 'error' && !page.axeRunning && !text.includes('Content Security Policy') && !text.startsWith('Failed to load resource')) {
      page.problems.push(`console: ${text}`);
    }
  });
  page.on('pageerror', (e) => { if (!page.axeRunning) page.problems.push(`page error: ${e.message}`); });
  return { context, page };
}

let shotNo = 0;
/** The pages checked once for everyone (see checkPage's once). */
const checkedOnce = new Set();
/** Every page's axe outcome, written to axe-results.json at the end. */
export const axeLog = [];

/**
 * Checks the page the browser shows: no axe violation of impact serious or
 * critical, no console error; and takes a full-page screenshot at 1280 CSS
 * px (also at 320 with narrow, and a 1024×700 one for the README with doc).
 * A page named by once is checked fully the first time only (the sign-in
 * pages, the same for every person); later its h1 and console only.
 * Returns the page's h1 text.
 */
export async function checkPage(page, name, { narrow = false, doc = '', once = '' } = {}) {
  const began = Date.now();
  await page.waitForLoadState('load');
  const url = page.url().replace(env.base, '');
  const h1s = await page.locator('h1').allInnerTexts();
  assert.equal(h1s.length, 1, `${url}: one h1 per page, found ${JSON.stringify(h1s)}`);
  assert.equal(await page.locator('html').getAttribute('lang'), 'ja', `${url}: <html lang="ja">`);
  page.problems.push(...await page.evaluate(() => window.__cspViolations.splice(0)));
  if (once && checkedOnce.has(once)) {
    // The same page for the next person (the sign-in pages): axe and the
    // screenshot would say the same again.
    const problems = page.problems.splice(0);
    assert.deepEqual(problems, [], `${url}: console errors`);
    return h1s[0].trim();
  }
  if (once) checkedOnce.add(once);

  page.axeRunning = true;
  const res = await new AxeBuilder({ page }).withTags(AXE_TAGS).options({ resultTypes: ['violations'] }).analyze().finally(() => { page.axeRunning = false; });
  await page.evaluate(() => window.__cspViolations.splice(0));
  const bad = res.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const other = res.violations.filter((v) => !bad.includes(v));
  axeLog.push({ page: name, url, who: page.who, passes: res.passes.length, incomplete: res.incomplete.length,
    violations: res.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length })) });
  const describe = (v) => `  [${v.impact}] ${v.id}: ${v.help} (${v.helpUrl})\n` +
    v.nodes.map((n) => `      ${n.target.join(' ')}\n        ${(n.failureSummary || '').replace(/\n/g, '\n        ')}`).join('\n');
  if (other.length) console.log(`axe ${url}: ${other.length} minor/moderate:\n${other.map(describe).join('\n')}`);

  const base = `${String(++shotNo).padStart(2, '0')}-${name}`;
  await page.screenshot({ path: path.join(env.shots, `${base}.png`), fullPage: true, caret: 'initial' });
  if (doc) {
    // A small picture for the README: one 1024×700 window, not the page.
    const was = page.viewportSize();
    await page.setViewportSize(DOC);
    await page.screenshot({ path: path.join(env.shots, `docs-${doc}.png`), caret: 'initial' });
    await page.setViewportSize(was);
  }
  if (narrow) {
    const was = page.viewportSize();
    await page.setViewportSize(NARROW);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    await page.screenshot({ path: path.join(env.shots, `${base}-320.png`), fullPage: true, caret: 'initial' });
    await page.setViewportSize(was);
    assert.ok(overflow <= 0, `${url}: at 320 px the page scrolls sideways by ${overflow} px (WCAG 1.4.10)`);
  }
  assert.deepEqual(bad.map(describe), [], `${url}: axe violations of impact serious or critical:\n${bad.map(describe).join('\n')}`);
  const problems = page.problems.splice(0);
  assert.deepEqual(problems, [], `${url}: console errors`);
  console.log(`checked ${url} as ${page.who}: axe ${res.passes.length} rules passed, ${res.violations.length} violations (none serious), screenshot ${base}.png, ${Date.now() - began} ms`);
  return h1s[0].trim();
}

/** Writes the axe outcome of every page next to the screenshots. */
export function writeAxeLog() {
  fs.writeFileSync(path.join(env.shots, 'axe-results.json'), JSON.stringify(axeLog, null, 2));
}

/** Goes to a path; returns the response status. */
export async function go(page, p) {
  const res = await page.goto(env.base + p);
  return res ? res.status() : 0;
}

/** The page's h1. */
export function heading(page) {
  return page.locator('h1');
}

// ---- the outbox --------------------------------------------------------

/** .eml files already handed to a flow, so no link is used twice. */
const taken = new Set();

/** Decodes quoted-printable (RFC 2045) to UTF-8 text. */
export function decodeQP(s) {
  s = s.replace(/=\r?\n/g, '');
  const bytes = [];
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(s.slice(i + 1, i + 3))) {
      bytes.push(parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(s.charCodeAt(i) & 0xff);
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

function splitHead(raw) {
  const at = raw.search(/\r?\n\r?\n/);
  const head = at < 0 ? raw : raw.slice(0, at);
  const body = at < 0 ? '' : raw.slice(at).replace(/^\r?\n\r?\n/, '');
  const headers = {};
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
  }
  return { headers, body };
}

/** The text/plain part of a MIME message (multipart or not), decoded. */
export function textPart(raw) {
  const { headers, body } = splitHead(raw);
  const type = headers['content-type'] || 'text/plain';
  const boundary = /boundary="?([^";]+)"?/i.exec(type);
  if (/^multipart\//i.test(type) && boundary) {
    for (const part of body.split('--' + boundary[1]).slice(1)) {
      if (part.startsWith('--')) break;
      const text = textPart(part.replace(/^\r?\n/, ''));
      if (text !== null) return text;
    }
    return null;
  }
  if (!/^text\/plain/i.test(type)) return null;
  const enc = (headers['content-transfer-encoding'] || '7bit').toLowerCase();
  if (enc === 'quoted-printable') return decodeQP(body);
  if (enc === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  return Buffer.from(body, 'latin1').toString('utf8');
}

/**
 * Waits for an e-mail to `to` whose text part matches `pattern`, not handed
 * out before, and returns the match.
 */
export async function waitForMail(to, pattern, { timeout = 20_000 } = {}) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const files = fs.existsSync(env.outbox) ? fs.readdirSync(env.outbox).filter((f) => f.endsWith('.eml')) : [];
    for (const f of files) {
      if (taken.has(f)) continue;
      const raw = fs.readFileSync(path.join(env.outbox, f), 'latin1');
      const { headers } = splitHead(raw);
      if (!(headers.to || '').toLowerCase().includes(to.toLowerCase())) continue;
      const text = textPart(raw);
      const m = text && text.match(pattern);
      if (m) {
        taken.add(f);
        return { file: f, text, match: m };
      }
    }
    if (Date.now() > deadline) throw new Error(`no e-mail to ${to} matching ${pattern} in ${env.outbox} (files: ${files.join(', ')})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Signs in from the sign-in page the browser shows (or /sign-in): asks for
 * a link, takes it from the outbox, opens it and presses 「サインインする」.
 * The browser ends where the sign-in page's "next" pointed.
 */
export async function signIn(page, email) {
  if (!new URL(page.url(), env.base).pathname.startsWith('/sign-in')) await go(page, '/sign-in');
  assert.equal(await checkPage(page, 'sign-in', { doc: 'sign-in', once: 'sign-in' }), 'サインイン');
  await page.getByLabel('メールアドレス').fill(email);
  await page.getByRole('button', { name: 'サインイン用のリンクを送る' }).click();
  await page.getByRole('heading', { level: 1, name: 'メールを確認してください' }).waitFor();
  await checkPage(page, 'sign-in-sent', { once: 'sign-in-sent' });

  const asked = Date.now();
  const mail = await waitForMail(email, /https?:\/\/\S+\/sign-in\/link\?\S+/);
  console.log(`sign-in link for ${email} in the outbox after ${Date.now() - asked} ms`);
  const link = mail.match[0];
  assert.ok(link.startsWith(env.base + '/sign-in/link?'), `the link starts with the public URL: ${link}`);
  await page.goto(link);
  assert.equal(await checkPage(page, 'sign-in-confirm', { once: 'sign-in-confirm' }), 'サインインの確認');
  await Promise.all([
    page.waitForURL((u) => !u.pathname.startsWith('/sign-in')),
    page.getByRole('button', { name: 'サインインする' }).click(),
  ]);
}
