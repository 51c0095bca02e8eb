// expiry.test.mjs — a support agent's view ends when the grant expires, in
// Debian's chromium driven by puppeteer-core. test_console.sh runs it after the
// main console test, on the vault's fixed clock: the server runs with
// `--now T0`, the grant ends at T0 + 5 minutes. The agent signs in and works;
// the script then writes GD_SIGNAL ("in") and waits for test_console.sh to
// restart the server on the same port with `--now T0 + 10 minutes` (the
// session is still within its idle timeout, the grant is past its end) and
// write GD_SIGNAL.restarted. The agent's open console must then say the access
// ended because the grant expired, and show no tenant page.
// Also: the tenant's admin sets the calendar's zone (Atlantic/Azores, not the
// member state's), and the console's header and the grant's end follow it:
// the zone comes from GET /v1/tenants/{t}/calendar.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const puppeteer = require('puppeteer-core');

const env = (k) => { const v = process.env[k]; assert.ok(v, `${k} is not set`); return v; };
const BASE = env('GD_BASE');
const SIGNAL = env('GD_SIGNAL');
const ADMIN = env('GD_ADMIN_TOKEN');
const T = '/v1/tenants/winbooks';
const problems = [];
let step = 'start';
const log = (s) => { step = s; console.log(`- ${s}`); };

async function api(token, method, p, body) {
  const res = await fetch(BASE + p, {
    signal: AbortSignal.timeout(30000),
    method, headers: { Authorization: `Bearer ${token}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  let json = null;
  try { json = JSON.parse(text); } catch (e) { /* not JSON */ }
  return { status: res.status, json, text };
}

// Waits for a file the shell writes, bounded (the shell's own steps are bounded too).
async function waitFor(file, ms) {
  const end = Date.now() + ms;
  while (!fs.existsSync(file)) {
    assert.ok(Date.now() < end, `${file} did not appear`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const browser = await puppeteer.launch({
  executablePath: env('GD_CHROMIUM'),
  headless: true,
  userDataDir: env('GD_PROFILE'),
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage', '--lang=fr-BE'],
  protocolTimeout: 60000,
});
fs.writeFileSync(env('GD_PIDFILE'), String(browser.process().pid));

try {
  log("the tenant's admin sets the calendar's zone");
  const put = await api(ADMIN, 'PUT', `${T}/calendar`, { zone: 'Atlantic/Azores' });
  assert.equal(put.status, 200, put.text);
  const cal = (await api(ADMIN, 'GET', `${T}/calendar`)).json;
  assert.equal(cal.zone, 'Atlantic/Azores');
  assert.equal(cal.state, 'BE', 'the member state stays Belgium');

  // only the grant made for this run (the newest) is live: the main test's was revoked
  const live = (await api(ADMIN, 'GET', `${T}/grants`)).json.grants.filter((g) => !g.revoked);
  const newest = Math.max(...live.map((g) => g.id));
  for (const g of live.filter((x) => x.id !== newest))
    assert.equal((await api(ADMIN, 'DELETE', `${T}/grants/${g.id}`)).status, 200);

  log('a support agent signs in under a grant that will expire');
  const p = await browser.newPage();
  await p.setViewport({ width: 1280, height: 860 });
  p.setDefaultTimeout(20000);
  await p.evaluateOnNewDocument(() => {
    window.__csp = [];
    if (location.origin !== 'null' && !localStorage.getItem('gd.lang')) localStorage.setItem('gd.lang', 'fr');
    document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  p.on('pageerror', (e) => problems.push(`${step}: page error ${e.message}`));
  p.on('console', (m) => {
    // The 403 once the grant has expired is logged by chromium as a failed load: expected.
    if ((m.type() === 'error' || m.type() === 'warn') && !/status of 403/.test(m.text()))
      problems.push(`${step}: console ${m.type()}: ${m.text()}`);
  });
  await p.goto(`${BASE}/console/#/signin`, { waitUntil: 'networkidle0' });
  for (const [name, v] of Object.entries({ tenant: '', name: 'sam', password: env('GD_SAM_PASS'), totp: '' })) {
    await p.$eval(`form.signin [name="${name}"]`, (e) => { e.value = ''; });
    if (v) await p.type(`form.signin [name="${name}"]`, v);
  }
  await p.click('form.signin button[type="submit"]');
  await p.waitForFunction(() => document.querySelector('main h1')?.textContent === 'Choisir un locataire');
  await p.type('main form [name="tenant"]', 'winbooks');
  await p.click('main form button[type="submit"]');
  await p.waitForFunction(() => document.querySelector('main h1')?.textContent === "Aujourd'hui");
  await p.waitForNetworkIdle({ idleTime: 300 });

  log("the header and the grant's end are in the calendar's zone");
  assert.equal(await p.$eval('header .zone', (e) => e.textContent), 'Atlantic/Azores');
  const grant = (await api(ADMIN, 'GET', `${T}/grants`)).json.grants.find((g) => g.id === newest);
  assert.ok(grant, 'the live grant');
  const badge = await p.$eval('[data-testid="grant"]', (e) => e.textContent);
  const fmt = (zone) => p.evaluate((iso, z) => new Intl.DateTimeFormat('fr-BE', { dateStyle: 'medium', timeStyle: 'short', timeZone: z })
    .format(new Date(iso)), grant.expires_at, zone);
  const [azores, brussels] = [await fmt('Atlantic/Azores'), await fmt('Europe/Brussels')];
  assert.notEqual(azores, brussels, 'the two zones give different times');
  assert.ok(badge.endsWith(azores), `${badge} does not end with the grant's end ${grant.expires_at} in Azores time (${azores})`);
  await p.evaluate(() => { location.hash = '#/subjects'; });
  await p.waitForFunction(() => document.querySelector('main h1')?.textContent === 'Personnes');

  log('the clock passes the grant’s end (server restarted at a later fixed time)');
  fs.writeFileSync(SIGNAL, 'in');
  await waitFor(`${SIGNAL}.restarted`, 60000);

  log("the agent's next page says the access ended: the grant expired");
  await p.evaluate(() => { location.hash = '#/register'; });
  await p.waitForFunction(() => document.querySelector('main h1')?.textContent === 'Choisir un locataire');
  const text = await p.$eval('main .notice', (e) => e.textContent);
  assert.match(text, /Votre accès au locataire « winbooks » a pris fin/);
  assert.match(text, /expired grant/, `the reason is the expiry: ${text}`);
  assert.equal(await p.$('nav a'), null, 'no tenant page after the grant expired');
  assert.equal(await p.$('[data-testid="tenant"]'), null);
  // the API agrees: the same session is refused for that tenant, as expired
  const tok = await p.evaluate(() => sessionStorage.getItem('gd.token'));
  const r = await api(tok, 'GET', T);
  assert.equal(r.status, 403);
  assert.equal(r.json.code, 'expired');
  assert.deepEqual(await p.evaluate(() => window.__csp), [], 'CSP violations');
  assert.deepEqual(problems, [], 'page errors or console errors');
  console.log('expiry test: ok');
} catch (e) {
  console.error(`FAILED at "${step}": ${e.stack || e}`);
  if (problems.length) console.error(problems.join('\n'));
  for (const pg of await browser.pages().catch(() => [])) {
    const text = await pg.evaluate(() => document.querySelector('main')?.innerText).catch(() => '');
    if (text) console.error(`--- ${pg.url()}\n${text.slice(0, 1500)}`);
  }
  process.exitCode = 1;
} finally {
  await browser.close();
}
