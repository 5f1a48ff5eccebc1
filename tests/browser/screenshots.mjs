#!/usr/bin/env node
// Screenshots of the dashboard's main pages for docs/screenshots/, taken
// from the real server with the demo data (examples/demo.jsonl), a few
// cases moved along so that the flow, promises and countdowns show.
//
// usage: node screenshots.mjs PATH/TO/kesu SOURCE_ROOT PATH/TO/http_mkuser [OUT_DIR]
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Kesu, USERS, browser, newPage, check } from './harness.mjs';

const [kesuBin, src, mkuser, outArg] = process.argv.slice(2);
const out = outArg || join(src, 'docs', 'screenshots');
const PASSWORD = Object.fromEntries(USERS.map((u) => [u[0], u[4]]));

/** Moves a few demo cases on through the API, as an agent would. */
async function workCases(k) {
  const cases = (await k.api('boss1', 'GET', '/cases?limit=100')).body.items;
  const ham = cases.find((c) => c.summary && c.summary.includes('火腿肠') && c.risk === 'critical') || cases[0];
  const steps = [
    ['move', { to: 'soothing', note: '先道歉,问候身体有无不适' }],
    ['move', { to: 'verifying' }],
    ['set', { other_units_bad: false, transit_damage: false }],
    ['move', { to: 'negotiating' }],
    ['promise', { kind: 'callback', text: '和主管商量后回电', within: '2h' }],
    ['resolve', { remedy: 'reship', note: '客户选择补发一包' }],
  ];
  for (const [verb, body] of steps) {
    const r = await k.api('boss1', 'POST', `/cases/${ham.id}/${verb}`, body);
    check(r.status === 200, `${verb} ${JSON.stringify(body)}`, r);
  }
  const other = cases.find((c) => c.id !== ham.id && c.risk === 'high');
  if (other) {
    await k.api('boss1', 'POST', `/cases/${other.id}/move`, { to: 'soothing' });
    await k.api('boss1', 'POST', `/cases/${other.id}/promise`, { kind: 'callback', text: '半小时内回电' });
  }
  return ham.id;
}

async function shot(page, name, fullPage = true) {
  await page.waitForLoadState('networkidle');
  await page.screenshot({ path: join(out, name + '.png'), fullPage });
  console.log('wrote ' + join(out, name + '.png'));
}

async function nav(page, name) {
  await page.locator(`nav a[data-nav=${name}]`).click();
  await page.waitForURL(new RegExp('/' + name));
  await page.locator('main h1').waitFor();
}

async function main() {
  mkdirSync(out, { recursive: true });
  const k = new Kesu(kesuBin, src, mkuser);
  let b;
  try {
    await k.ready();
    await k.seed(src);
    const caseId = await workCases(k);
    b = await browser(src);
    const page = await newPage(b, { viewport: { width: 1360, height: 860 } });
    await page.goto(k.base + '/incidents');
    await page.getByTestId('login-name').fill('boss1');
    await shot(page, 'login');
    await page.getByTestId('login-password').fill(PASSWORD.boss1);
    await page.getByTestId('login-submit').click();
    await page.getByTestId('finding').first().waitFor();
    await shot(page, 'incidents', false);   // the first screen of a long list
    await page.getByTestId('open-conversation').first().click();
    await page.locator('.transcript').waitFor();
    await shot(page, 'conversation');
    await nav(page, 'scorecards');
    await shot(page, 'scorecards');
    await nav(page, 'cases');
    await shot(page, 'cases');
    await page.locator(`[data-testid=case-row][data-id="${caseId}"] a`).click();
    await page.locator('.case-page').waitFor();
    await shot(page, 'case');
    await nav(page, 'risk');
    await shot(page, 'risk');
    await nav(page, 'causes');
    await shot(page, 'causes');
    await nav(page, 'guard');
    await page.getByTestId('guard-context').fill('东西坏了,你们怎么回事');
    await page.getByTestId('guard-draft').fill('加我微信 abc123 私聊');
    await page.getByTestId('guard-check').click();
    await page.getByTestId('guard-finding').first().waitFor();
    await shot(page, 'guard');
    await page.getByTestId('lang').click();
    await page.waitForFunction(() => document.documentElement.lang === 'en');
    await page.getByTestId('guard-finding').first().waitFor();
    await shot(page, 'guard-en');
    check(page.problems.length === 0, 'a clean console', page.problems);
  } finally {
    if (b) await b.close();
    await k.stop();
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
