#!/usr/bin/env node
// Browser tests of the dashboard: the real `kesu serve` and its built
// pages in Debian's chromium (playwright-core). Logs in, switches the
// language, opens incidents and checks each highlighted <mark> against
// the finding's evidence from the API, opens a conversation, moves a case
// to its next stage, and runs the reply guard on a diversion.
//
// usage: node dashboard.mjs PATH/TO/kesu SOURCE_ROOT PATH/TO/http_mkuser
import { Kesu, USERS, browser, newPage, login, check, Failure } from './harness.mjs';

const [kesuBin, src, mkuser] = process.argv.slice(2);
const PASSWORD = Object.fromEntries(USERS.map((u) => [u[0], u[4]]));

async function loginFlow(page, k) {
  await page.goto(k.base + '/cases');
  check(await page.getByTestId('login-submit').isVisible(), 'a page path without a session shows the login');
  check((await page.locator('html').getAttribute('lang')) === 'zh-CN', 'Chinese by default');
  await page.getByTestId('login-name').fill('boss1');
  await page.getByTestId('login-password').fill('wrong password');
  await page.getByTestId('login-submit').click();
  const err = page.locator('.login [role=alert]');
  await err.waitFor();
  check((await err.textContent()).includes('用户名或密码错误'), 'a wrong password is refused', await err.textContent());
  page.problems.length = 0;   // the 401 of the refused login is expected
  await page.getByTestId('login-password').fill(PASSWORD.boss1);
  await page.getByTestId('login-submit').click();
  await page.getByTestId('user').waitFor();
  check((await page.getByTestId('user').textContent()).includes('boss1'), 'logged in as boss1');
  check(page.url().endsWith('/cases'), 'the page asked for is shown after the login', page.url());
}

async function languages(page) {
  await page.locator('nav a[data-nav=guard]').click();
  await page.waitForURL(/\/guard$/);
  const nav = page.locator('nav a[data-nav=incidents]');
  check((await nav.textContent()) === '服务事故', 'Chinese labels', await nav.textContent());
  await page.getByTestId('lang').click();
  await page.waitForFunction(() => document.documentElement.lang === 'en');
  check((await nav.textContent()) === 'Incidents', 'English after the switch', await nav.textContent());
  check((await page.locator('nav a[data-nav=guard]').textContent()) === 'Reply guard', 'English nav');
  check((await page.locator('h1').textContent()) === 'Reply guard', 'English page title',
    await page.locator('h1').textContent());
  check((await page.getByTestId('guard-check').textContent()) === 'Check', 'English button');
  await page.getByTestId('lang').click();
  await page.waitForFunction(() => document.documentElement.lang === 'zh-CN');
  check((await nav.textContent()) === '服务事故', 'back to Chinese', await nav.textContent());
}

async function guard(page, k) {
  // after a complaint, so the draft has overlapping findings (the missing
  // apology spans the whole draft, the diversion two words of it)
  const context = '东西坏了,你们怎么回事';
  const reply = '加我微信 abc123 私聊';
  await page.locator('nav a[data-nav=guard]').click();
  await page.getByTestId('guard-context').fill(context);
  await page.getByTestId('guard-draft').fill(reply);
  await page.getByTestId('guard-check').click();
  const card = page.locator('[data-testid=guard-finding][data-code=diversion]');
  await card.first().waitFor();
  const api = await k.api('boss1', 'POST', '/guard', { reply, context: [{ from: 'customer', text: context }] });
  check(api.status === 200 && !api.body.ok, 'the API finds the diversion too', api);
  const div = api.body.findings.find((f) => f.code === 'diversion');
  check(div, 'a diversion finding from the API', api.body);
  check((await page.getByTestId('guard-finding').count()) === api.body.findings.length,
    'one card per finding', api.body.findings);
  const marks = await page.getByTestId('guard-marked').locator('mark').allTextContents();
  check(api.body.findings.every((f) => marks.includes(f.evidence)),
    'the draft marks each finding\'s evidence (nested where they overlap)', { marks, findings: api.body.findings });
  check(marks.includes('微信'), 'the diversion evidence is 微信', marks);
  check((await card.first().textContent()).includes('引流'), 'the finding is labelled 引流');
  const sugg = page.getByTestId('guard-suggestion');
  check(api.body.suggestion && (await sugg.textContent()) === api.body.suggestion.text,
    'the suggested script is shown', { api: api.body.suggestion });
  // a harmless reply passes (with no complaint before it)
  await page.getByTestId('guard-context').fill('');
  await page.getByTestId('guard-draft').fill('您好,请问有什么可以帮您?');
  await page.getByTestId('guard-check').click();
  await page.getByTestId('guard-ok').waitFor();
}

async function incidents(page, k) {
  const api = await k.api('boss1', 'GET', '/incidents?limit=50');
  check(api.status === 200 && api.body.items.length > 0, 'incidents from the API', api);
  const byId = new Map(api.body.items.map((f) => [String(f.id), f]));
  await page.locator('nav a[data-nav=incidents]').click();
  const cards = page.getByTestId('finding');
  await cards.first().waitFor();
  const n = await cards.count();
  check(n === api.body.items.length, 'one card per finding', { n, api: api.body.items.length });
  for (let i = 0; i < n; i++) {
    const card = cards.nth(i);
    const f = byId.get(await card.getAttribute('data-id'));
    check(f, 'the card is a finding of the API');
    const marks = await card.locator('.msg mark').allTextContents();
    // (a finding on a system event has no text and no evidence: no mark)
    const want = f.evidence ? [f.evidence] : [];
    check(JSON.stringify(marks) === JSON.stringify(want), `the mark is the evidence of finding ${f.id}`,
      { marks, evidence: f.evidence, text: f.text });
  }
  // filter by level A, then open the first one's conversation
  await page.locator('select[name=level]').selectOption('A');
  await page.locator('form.filters button[type=submit]').click();
  await page.waitForURL(/level=A/);
  await cards.first().waitFor();
  const levels = await page.locator('[data-testid=finding] .badge.lv-A, [data-testid=finding] .badge.lv-B, ' +
    '[data-testid=finding] .badge.lv-C').allTextContents();
  check(levels.length > 0 && levels.every((l) => l === 'A'), 'only level A after the filter', levels);
  const first = byId.get(await cards.first().getAttribute('data-id'));
  await cards.first().getByTestId('open-conversation').click();
  await page.waitForURL(/\/conversations\//);
  await page.locator('.transcript mark').first().waitFor();
  const inConv = await page.locator('.transcript mark').allTextContents();
  check(inConv.includes(first.evidence), 'the conversation marks the evidence', { inConv, first });
}

async function moveCase(page, k) {
  const list = await k.api('boss1', 'GET', '/cases?open=1');
  check(list.status === 200 && list.body.items.length > 0, 'open cases from the API', list);
  const id = list.body.items.find((c) => c.state === 'new').id;
  const before = await k.api('boss1', 'GET', '/cases/' + id);
  check(before.status === 200 && before.body.allowed.length > 0, 'the case may move', before);
  await page.locator('nav a[data-nav=cases]').click();
  await page.locator(`[data-testid=case-row][data-id="${id}"] a`).click();
  await page.waitForURL(new RegExp('/cases/' + id + '$'));
  const to = before.body.allowed.includes('soothing') ? 'soothing' : before.body.allowed[0];
  await page.locator(`[data-testid=move][data-to=${to}]`).click();
  await page.locator('[data-testid=move-result].ok-box').waitFor();
  const after = await k.api('boss1', 'GET', '/cases/' + id);
  check(after.body.state === to, 'the case moved on the server', after.body.state);
  check((await page.locator('.case-page').getAttribute('data-state')) === to, 'the page shows the new stage');
  const timeline = await page.getByTestId('timeline').textContent();
  check(timeline.includes('boss1'), 'the move is in the timeline with its actor', timeline);
  check((await page.getByTestId('audit').textContent()).startsWith('✓'), 'the audit chain is intact');
}

async function main() {
  const k = new Kesu(kesuBin, src, mkuser);
  let b;
  let passed = 0;
  const run = async (name, fn, ...args) => {
    const t0 = Date.now();
    try {
      await fn(...args);
    } catch (e) {
      console.error(`FAIL ${name}: ${e instanceof Failure ? e.message : e.stack}`);
      e.reported = true;
      throw e;
    }
    passed++;
    console.log(`ok   ${name} (${Date.now() - t0} ms)`);
  };
  try {
    await k.ready();
    await k.seed(src);
    b = await browser(src);
    const page = await newPage(b);
    await run('log in', loginFlow, page, k);
    await run('Chinese and English', languages, page);
    await run('reply guard', guard, page, k);
    await run('incidents with the evidence highlighted', incidents, page, k);
    await run('move a case', moveCase, page, k);
    await run('no console error or CSP violation', async () =>
      check(page.problems.length === 0, 'a clean console', page.problems));
  } finally {
    if (b) await b.close();
    const code = await k.stop();
    if (code !== 0) console.error('kesu serve exit status ' + code + '\n' + k.stderr);
  }
  console.log(`${passed} passed, 0 failed`);
}

main().catch((e) => {
  if (!e.reported) console.error(e instanceof Failure ? 'FAIL: ' + e.message : e);
  process.exit(1);
});
