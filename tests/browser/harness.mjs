// Shared by the browser tests and the screenshot script: starts the real
// `kesu serve` on a temporary database and a free port, makes accounts
// with tests/http's mkuser, seeds the demo data through the API, and
// launches Debian's chromium through playwright-core (no browser of
// playwright's own is ever downloaded).
import { spawn, execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

export const CHROMIUM = process.env.KESU_CHROMIUM || '/usr/bin/chromium';

// name, role, shop, team, password
export const USERS = [
  ['boss1', 'owner', 's1', '-', 'pw-owner-1'],
  ['a07', 'agent', 's1', 't1', 'pw-agent-7'],
];

export class Failure extends Error {}

export function check(cond, what, got) {
  if (!cond) throw new Failure(what + (got === undefined ? '' : '\n  got: ' + JSON.stringify(got).slice(0, 2000)));
}

/** playwright-core from web/node_modules (the dashboard's devDependency). */
export function playwright(src) {
  const req = createRequire(resolve(src, 'web', 'package.json'));
  return req('playwright-core');
}

export class Kesu {
  /** Starts kesu serve; await ready() before use. */
  constructor(kesu, src, mkuser, extra = []) {
    this.tmp = mkdtempSync(join(tmpdir(), 'kesu-browser.'));
    this.db = join(this.tmp, 'kesu.db');
    this.tokens = {};
    for (const u of USERS) {
      const out = execFileSync(mkuser, [this.db, ...u], { encoding: 'utf8' }).trim().split(/\s+/);
      this.tokens[u[0]] = out[0];
    }
    this.stderr = '';
    this.proc = spawn(kesu, ['serve', '--listen', '127.0.0.1:0', '--db', this.db,
      '--rules', join(src, 'rules'), '--rate', '0', ...extra],
    { env: { ...process.env, KESU_CACHE_DIR: join(this.tmp, 'cache') }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc.stderr.on('data', (b) => { this.stderr += b.toString(); });
    this.exited = new Promise((resolve) => this.proc.on('exit', (code, sig) => resolve(code ?? sig)));
    this.started = new Promise((resolve, reject) => {
      const rl = createInterface({ input: this.proc.stdout });
      rl.once('line', (line) => {
        const m = /listening on (http:\/\/127\.0\.0\.1:\d+)\//.exec(line);
        if (m) resolve(m[1]);
        else reject(new Failure('kesu serve did not start: ' + line + '\n' + this.stderr));
      });
      this.exited.then((code) => reject(new Failure(`kesu serve exited (${code}):\n${this.stderr}`)));
    });
  }

  async ready() {
    this.base = await this.started;
    return this.base;
  }

  /** An API call with a user's token: {status, body}. */
  async api(user, method, path, body, type = 'application/json') {
    const headers = { Authorization: 'Bearer ' + this.tokens[user] };
    if (body !== undefined) headers['Content-Type'] = type;
    const res = await fetch(this.base + '/api/v1' + path, {
      method, headers, body: body === undefined ? undefined : (typeof body === 'string' ? body : JSON.stringify(body)),
    });
    const text = await res.text();
    let parsed = text;
    try { parsed = JSON.parse(text); } catch { /* not JSON */ }
    return { status: res.status, body: parsed };
  }

  /** Imports the demo conversations (and their cases) as the owner. */
  async seed(src) {
    const lines = readFileSync(join(src, 'examples', 'demo.jsonl'), 'utf8');
    const r = await this.api('boss1', 'POST', '/conversations', lines, 'application/x-ndjson');
    check(r.status === 200 && r.body.stored + r.body.existing > 0, 'the demo data is imported', r);
    return r.body;
  }

  async stop() {
    if (this.proc.exitCode === null) this.proc.kill('SIGTERM');
    const code = await this.exited;
    if (!process.env.KESU_KEEP_TMP) rmSync(this.tmp, { recursive: true, force: true });
    return code;
  }
}

/** Debian's chromium, headless, with no network of its own. */
export async function browser(src) {
  const { chromium } = playwright(src);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-proxy-server',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--no-first-run', '--disable-quic'],
  });
}

/** A page that records console errors and failed requests (a CSP
 * violation shows as a console error). */
export async function newPage(b, opts = {}) {
  const ctx = await b.newContext({ viewport: { width: 1360, height: 900 }, locale: 'zh-CN', ...opts });
  const page = await ctx.newPage();
  page.problems = [];
  page.on('console', (m) => { if (m.type() === 'error') page.problems.push('console: ' + m.text()); });
  page.on('pageerror', (e) => page.problems.push('page error: ' + e.message));
  return page;
}

/** Logs in through the form. */
export async function login(page, base, name, password, path = '/incidents') {
  await page.goto(base + path);
  await page.getByTestId('login-name').fill(name);
  await page.getByTestId('login-password').fill(password);
  await page.getByTestId('login-submit').click();
  await page.getByTestId('user').waitFor();
}
