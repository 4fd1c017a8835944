// Runs one browser scenario against a real passkoopd: a fresh demo shop on 127.0.0.1 (port 0, read
// from its log) in a fresh temporary folder, and Debian's headless Chromium driven by playwright-core
// with a fresh profile. Everything is stopped and removed at the end, pass or fail.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export const CHROMIUM = process.env.PASSKOOP_CHROMIUM || '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

function loadPlaywright() {
  try {
    return require('playwright-core');
  } catch (e) {
    throw new Error('playwright-core is missing: run `npm ci` in tests/browser (tools/build.sh test does it)');
  }
}

// Starts `passkoopd demo` in `dir`; resolves once it listens, with its base URL and sample passes.
async function startServer(passkoopd, dir) {
  if (!fs.existsSync(passkoopd)) throw new Error(`${passkoopd}: no such file (build the passkoopd target first)`);
  const demoDir = path.join(dir, 'demo');
  const logFile = path.join(dir, 'passkoopd.log');
  const log = fs.openSync(logFile, 'a');
  const child = spawn(passkoopd, ['demo', '--dir', demoDir, '--listen', '127.0.0.1:0'],
    { stdio: ['ignore', 'ignore', log], env: { ...process.env, PASSKOOP_LANG: 'fr' } });
  fs.closeSync(log);
  let exited = null;
  child.on('exit', (code, signal) => { exited = signal ? `signal ${signal}` : `status ${code}`; });
  child.on('error', e => { exited = String(e); });
  const deadline = Date.now() + 20000;
  while (Date.now() < deadline) {
    const m = /http:\/\/127\.0\.0\.1:(\d+)/.exec(fs.readFileSync(logFile, 'utf8'));
    if (m) {
      const demo = JSON.parse(fs.readFileSync(path.join(demoDir, 'passes.json'), 'utf8'));
      return { child, base: `http://127.0.0.1:${m[1]}`, demo, logFile };
    }
    if (exited !== null) throw new Error(`passkoopd exited at start (${exited}):\n` + fs.readFileSync(logFile, 'utf8'));
    await new Promise(r => setTimeout(r, 25));
  }
  child.kill('SIGKILL');
  throw new Error('passkoopd did not start listening:\n' + fs.readFileSync(logFile, 'utf8'));
}

async function stopServer(child) {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const done = new Promise(r => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10000);
  await done;
  clearTimeout(timer);
}

// The page asks for today's visits and this month's report by the till's local date, the shop's
// calendar (the demo server, Node and Chromium share this machine's time zone), and a scenario
// compares what it recorded with those lists: none may straddle local midnight. A scenario takes
// well under a minute, so none starts in the last 90 seconds of a local day.
async function keepClearOfMidnight(seconds = 90) {
  const now = new Date();
  const left = new Date(now.getFullYear(), now.getMonth(), now.getDate() + 1) - now;
  if (left <= seconds * 1000) await new Promise(r => setTimeout(r, left + 500));
}

// The two screens every page point is checked on: a till's and a phone's.
export const SCREENS = { desktop: { width: 1280, height: 800 }, phone: { width: 390, height: 844 } };

// Runs `scenario(ctx)` with a server and a page; `ctx` holds helpers. Rejects on failure or timeout.
// `chromiumArgs` adds flags to the usual ones for this run only.
export async function withShop(passkoopd, scenario, { timeoutMs = 90000, chromiumArgs = [] } = {}) {
  const { chromium } = loadPlaywright();
  await keepClearOfMidnight();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'passkoop-browser-'));
  let server = null, context = null, timer = null;
  try {
    server = await startServer(passkoopd, dir);
    context = await chromium.launchPersistentContext(path.join(dir, 'profile'), {
      executablePath: CHROMIUM, headless: true, args: [...CHROMIUM_ARGS, ...chromiumArgs],
      viewport: { width: 1000, height: 1100 }, locale: 'fr-FR', timeout: 30000
    });
    context.setDefaultTimeout(10000);
    const page = context.pages()[0] || await context.newPage();
    const errors = [];
    page.on('pageerror', e => errors.push(String(e)));
    // Refused requests (401, 403, 422) are answers the page handles; Chromium logs them all the same.
    page.on('console', m => { if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(m.text()); });
    const ctx = new Shop(server, page, errors);
    const run = scenario(ctx);
    const timeout = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`scenario timed out after ${timeoutMs} ms`)), timeoutMs);
    });
    await Promise.race([run, timeout]);
    if (errors.length) throw new Error('errors in the page:\n' + errors.join('\n'));
  } catch (e) {
    if (server) e.message += '\n--- passkoopd log ---\n' + fs.readFileSync(server.logFile, 'utf8');
    throw e;
  } finally {
    clearTimeout(timer);
    if (context) await context.close().catch(() => {});
    if (server) await stopServer(server.child);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// Mangles "PK0123…" the way a scanner set to US layout types it on a French AZERTY till.
export function azerty(text) {
  const keys = ['à', '&', 'é', '"', "'", '(', '-', 'è', '_', 'ç'];
  return text.slice(0, 2) + [...text.slice(2)].map(d => keys[Number(d)]).join('');
}

class Shop {
  constructor(server, page, errors) {
    this.base = server.base;
    this.demo = server.demo;
    this.page = page;
    this.errors = errors;
  }
  // The sample pass whose expected outcome starts with `expected` (see the demo's passes.json).
  pass(expected) {
    const p = this.demo.passes.find(s => s.expected.startsWith(expected));
    if (!p) throw new Error('no demo pass for ' + expected);
    return p.pass;
  }
  get cashierToken() { return this.demo.cashier_token; }
  get managerToken() { return this.demo.manager_token; }

  async open() {
    await this.page.goto(this.base + '/');
  }
  async signIn(token = this.cashierToken) {
    await this.open();
    await this.page.fill('#token', token);
    await this.page.press('#token', 'Enter');
    await this.page.waitForSelector('#scan', { state: 'visible' });
  }
  // Types like a USB scanner: a fast burst of keys, then Enter, into whatever has the focus.
  async scan(text) {
    await this.expectVerdict();
    await this.page.keyboard.type(text, { delay: 2 });
    await this.page.keyboard.press('Enter');
  }
  // Notes the verdicts shown so far: the next verdict() waits for a newer one, never the last.
  async expectVerdict() {
    this.seenVerdicts = await this.page.evaluate(() => Number(document.getElementById('result').dataset.seq || 0));
  }
  // Waits for a verdict after a scan and returns what the cashier sees.
  async verdict(color) {
    await this.page.waitForFunction(
      seen => Number(document.getElementById('result').dataset.seq || 0) > seen, this.seenVerdicts ?? -1);
    await this.page.waitForSelector(`#result[data-color="${color}"]:not([hidden])`);
    return this.page.evaluate(() => ({
      headline: document.getElementById('headline').textContent,
      reason: document.getElementById('reason').textContent,
      warnings: [...document.querySelectorAll('#warnings li')].map(li => li.textContent),
      details: document.getElementById('details').innerText,
      icon: document.getElementById('icon').textContent
    }));
  }
  // GET on the shop's API from outside the browser.
  async api(pathname, token = this.managerToken) {
    const res = await fetch(this.base + pathname, { headers: { Authorization: 'Bearer ' + token } });
    if (!res.ok) throw new Error(`${pathname}: HTTP ${res.status} ${await res.text()}`);
    return res.json();
  }
  // The whole page, or with `{ fullPage: false }` only what the screen shows.
  async screenshot(dir, name, { fullPage = true } = {}) {
    fs.mkdirSync(dir, { recursive: true });
    await this.page.screenshot({ path: path.join(dir, name), fullPage });
  }
  // Whether an element is entirely on screen, without scrolling either way.
  async onScreen(selector) {
    return this.page.evaluate(sel => {
      const r = document.querySelector(sel).getBoundingClientRect();
      return r.width > 0 && r.top >= 0 && r.left >= 0 && r.bottom <= window.innerHeight && r.right <= window.innerWidth;
    }, selector);
  }
  // How far the page reaches past the screen's right edge (0 when nothing needs a sideways scroll).
  async overflowX() {
    return this.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  }
}
