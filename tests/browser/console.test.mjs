// console.test.mjs — the web console in Debian's chromium, headless, driven
// by puppeteer-core against the real `gardien serve` that test_console.sh
// started. Each step asserts what a DPO, a clerk or a support agent relies
// on; every page is checked with axe-core (no serious or critical
// violation) and photographed for docs/console/. Content-Security-Policy
// violations and page errors are collected the whole time and must be none.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const puppeteer = require('puppeteer-core');
const axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

const env = (k) => { const v = process.env[k]; assert.ok(v, `${k} is not set`); return v; };
const BASE = env('GD_BASE');
const SHOTS = env('GD_SHOTS');
const DOWNLOADS = env('GD_DOWNLOADS');
fs.mkdirSync(SHOTS, { recursive: true });
fs.mkdirSync(DOWNLOADS, { recursive: true });

const problems = [];      // CSP violations, page errors, console errors
let step = 'start';
const log = (s) => { step = s; console.log(`- ${s}`); };

async function api(token, method, p, body) {
  const res = await fetch(BASE + p, {
    signal: AbortSignal.timeout(30000),
    method, headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  let json = null;
  try { json = JSON.parse(text); } catch (e) { /* not JSON */ }
  return { status: res.status, json, text, headers: res.headers };
}

const totp = (secret) => execFileSync('oathtool', ['--totp', '-b', secret], { encoding: 'utf8' }).trim();

const browser = await puppeteer.launch({
  executablePath: env('GD_CHROMIUM'),
  headless: true,
  userDataDir: env('GD_PROFILE'),
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage', '--lang=fr-BE'],
  protocolTimeout: 60000,
});
fs.writeFileSync(env('GD_PIDFILE'), String(browser.process().pid));

async function newPage(ctx, name) {
  const page = await ctx.newPage();
  await page.setViewport({ width: 1280, height: 860 });
  page.setDefaultTimeout(20000);
  // Runs before the console's own scripts, through the DevTools protocol (not inline).
  await page.evaluateOnNewDocument(() => {
    window.__csp = [];
    // A French-speaking DPO (headless chromium says en-US whatever --lang says).
    if (location.origin !== 'null' && !localStorage.getItem('gd.lang')) localStorage.setItem('gd.lang', 'fr');
    document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  page.on('pageerror', (e) => problems.push(`${name} ${step}: page error ${e.message}`));
  page.on('console', (m) => {
    const text = m.text();
    // A refused API call (401 on a wrong code, 403 after a grant ended) is logged by chromium as a failed load: expected.
    if ((m.type() === 'error' || m.type() === 'warn') && !/Failed to load resource: the server responded with a status of 40[13]/.test(text))
      problems.push(`${name} ${step}: console ${m.type()}: ${text}`);
  });
  return page;
}

async function h1(page) {
  await page.waitForSelector('main h1');
  return page.$eval('main h1', (e) => e.textContent);
}

async function visit(page, hash, title) {
  await page.evaluate((hh) => { location.hash = hh; }, hash);
  await page.waitForFunction((tt) => document.querySelector('main h1')?.textContent.startsWith(tt), {}, title);
  await page.waitForNetworkIdle({ idleTime: 200 });
}

async function checkPage(page, name) {
  await page.evaluate(axeSource);
  const r = await page.evaluate(async () => {
    const res = await window.axe.run(document, { resultTypes: ['violations'] });
    return res.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
  });
  const bad = r.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(bad, [], `${name}: axe-core violations ${JSON.stringify(bad, null, 1)}`);
  const csp = await page.evaluate(() => window.__csp);
  assert.deepEqual(csp, [], `${name}: CSP violations`);
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

async function fill(page, form, values) {
  for (const [name, v] of Object.entries(values)) {
    const sel = `${form} [name="${name}"]`;
    await page.$eval(sel, (e) => { e.value = ''; });
    await page.type(sel, v);
  }
}

async function signIn(page, tenant, name, password, code) {
  await fill(page, 'form.signin', { tenant, name, password, totp: code || '' });
  await page.click('form.signin button[type="submit"]');
}

async function waitFile(pred) {
  for (let i = 0; i < 100; i++) {
    const f = fs.readdirSync(DOWNLOADS).find((n) => pred(n) && !n.endsWith('.crdownload'));
    if (f) return path.join(DOWNLOADS, f);
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail('the download did not arrive');
}

try {
  // ---- the console is served with its headers; nothing without a session ----
  log('headers of the console and of the API');
  let r = await api(null, 'GET', '/console/');
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^text\/html/);
  const csp = r.headers.get('content-security-policy');
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /script-src 'self'(;|$)/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
  assert.equal(r.headers.get('x-frame-options'), 'DENY');
  assert.doesNotMatch(r.text, /<script>|style=/, 'no inline script or style in the page');
  assert.match((await api(null, 'GET', '/console/js/app.js')).headers.get('content-type'), /^text\/javascript/);
  assert.match((await api(null, 'GET', '/console/style.css')).headers.get('content-type'), /^text\/css/);
  assert.equal((await api(null, 'GET', '/console/../gardien.db')).status, 404);
  assert.equal((await api(null, 'GET', '/console/nothing.js')).status, 404);
  assert.equal((await api(null, 'POST', '/console/')).status, 405);
  assert.equal((await api(null, 'GET', '/v1/whoami')).headers.get('cache-control'), 'no-store');

  log('no console page without a session');
  {
    const ctx = await browser.createBrowserContext({ downloadBehavior: { policy: 'allow', downloadPath: DOWNLOADS } });
    const page = await newPage(ctx, 'anonymous');
    const apiCalls = [];
    page.on('request', (q) => { if (new URL(q.url()).pathname.startsWith('/v1/')) apiCalls.push(q.url()); });
    for (const route of ['today', 'requests', 'requests/1', 'breaches', 'breaches/1', 'register', 'retention', 'audit', 'subjects', 'admin', 'tenant']) {
      await page.goto(`${BASE}/console/#/${route}`, { waitUntil: 'networkidle0' });
      assert.equal(await h1(page), 'Connexion', `#/${route} without a session`);
      assert.equal(await page.evaluate(() => location.hash), '#/signin');
      assert.equal(await page.$('nav a'), null, 'no navigation without a session');
    }
    assert.deepEqual(apiCalls, [], 'no API call without a session');
    log('the CSP is enforced: an inline script does not run');
    const before = problems.length;
    const ran = await page.evaluate(() => {
      const s = document.createElement('script');
      s.textContent = 'window.__inline = 1';
      document.body.append(s);
      return new Promise((res) => setTimeout(() => res([window.__inline === undefined, window.__csp.splice(0)]), 100));
    });
    assert.ok(ran[0], 'an inline script ran');
    // Chromium logs the refusal: expected here, and only here.
    const logged = problems.splice(before);
    assert.ok(logged.length === 1 && /Content Security Policy/.test(logged[0]), `refusal not logged: ${logged}`);
    assert.ok(ran[1].some((v) => v.startsWith('script-src')), `no violation reported: ${ran[1]}`);
    await checkPage(page, 'signin');
    await ctx.close();
  }

  // ---- the DPO ----
  const ctx = await browser.createBrowserContext({ downloadBehavior: { policy: 'allow', downloadPath: DOWNLOADS } });
  const page = await newPage(ctx, 'dpo');
  await page.goto(`${BASE}/console/`, { waitUntil: 'networkidle0' });
  log('sign-in with a wrong TOTP code is refused');
  const right = totp(env('GD_DPO_SECRET'));
  const wrong = String((Number(right) + 500000) % 1000000).padStart(6, '0');
  await signIn(page, 'winbooks', 'dora', env('GD_DPO_PASS'), wrong);
  await page.waitForSelector('form.signin .notice.error');
  assert.match(await page.$eval('form.signin .notice.error', (e) => e.textContent), /Connexion refusée/);
  assert.equal(await page.evaluate(() => sessionStorage.getItem('gd.token')), null);
  log('sign-in with password and the right TOTP code');
  await signIn(page, 'winbooks', 'dora', env('GD_DPO_PASS'), totp(env('GD_DPO_SECRET')));
  await page.waitForFunction(() => document.querySelector('main h1')?.textContent === "Aujourd'hui");
  await page.waitForSelector('[data-count="audit"]');
  await page.waitForNetworkIdle({ idleTime: 300 });
  const token = await page.evaluate(() => sessionStorage.getItem('gd.token'));
  assert.match(token, /^gds_/);
  // Dates in the tenant's time zone, as its calendar says: WinBooks is Belgian.
  const ZONE = await page.$eval('header .zone', (e) => e.textContent);
  const calendar = (await api(token, 'GET', '/v1/tenants/winbooks/calendar')).json;
  assert.equal(calendar.zone, 'Europe/Brussels', 'a Belgian tenant counts its days in Brussels');
  assert.equal(ZONE, calendar.zone, "the header shows the calendar's zone");
  assert.equal(await page.evaluate(() => document.cookie), '', 'the console sets no cookie');

  log("Today's counts are the API's");
  const T = '/v1/tenants/winbooks';
  const count = (k) => page.$eval(`[data-count="${k}"]`, (e) => Number(e.textContent));
  const open = (await api(token, 'GET', `${T}/requests?open=true`)).json.requests;
  assert.equal(await count('requests'), open.length);
  assert.equal(open.length, 3);
  const lateApi = open.filter((q) => q.late || Date.parse(q.due_at) < Date.now()).length;
  assert.equal(lateApi, 1);
  assert.equal(await page.$eval('[data-count="late"]', (e) => e.textContent), '1 en retard');
  assert.equal(await page.$eval('.today.alert [data-count="requests"]', (e) => e.textContent), '3', 'late requests in red');
  assert.equal(await count('outbox'), (await api(token, 'GET', `${T}/outbox`)).json.notices.length);
  const in30 = new Date(Date.now() + 30 * 86400000).toISOString().slice(0, 10);
  const expiring = (await api(token, 'GET', `${T}/consents/expiring?until=${in30}`)).json.consents;
  assert.equal(expiring.length, 1, "Ana's newsletter consent expires within the month");
  assert.equal(await count('consents'), expiring.length);
  const backups = (await api(token, 'GET', `${T}/backups`)).json;
  assert.equal(backups.count, 1);
  assert.equal(await count('backups'), backups.count);
  const frDate = (iso) => page.evaluate((x, z) => new Intl.DateTimeFormat('fr-BE', { dateStyle: 'medium', timeZone: z }).format(new Date(x)), iso, ZONE);
  assert.match(await page.$eval('[data-testid="backup-horizon"]', (e) => e.textContent), new RegExp(`après le ${await frDate(backups.horizon)}\\.$`));
  const holds = (await api(token, 'GET', `${T}/holds`)).json.holds.filter((x) => !x.lifted_at);
  assert.equal(await count('holds'), holds.length);
  assert.equal(holds.length, 1);
  const week = new Date(Date.now() + 7 * 86400000).toISOString().slice(0, 10);
  const plan = (await api(token, 'GET', `${T}/retention/plan?until=${week}`)).json;
  assert.equal(await count('retention'), plan.transitions);
  assert.ok(plan.transitions > 0, 'the demo has retention due this week');
  const breachesApi = (await api(token, 'GET', `${T}/breaches`)).json.breaches;
  assert.equal(await count('breaches'), breachesApi.filter((b) => b.status === 'open' || b.status === 'overdue').length);
  assert.match(await page.$eval('[data-testid="audit-intact"]', (e) => e.textContent), /intacte/);
  await checkPage(page, 'today');
  // On a phone: one column, the navigation above, nothing wider than the screen.
  await page.setViewport({ width: 390, height: 844, isMobile: true, hasTouch: true });
  await page.waitForFunction(() => getComputedStyle(document.querySelector('.layout')).flexDirection === 'column');
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'Today is wider than a phone');
  await checkPage(page, 'today-phone');
  await page.setViewport({ width: 1280, height: 860 });

  log('an access request from opening to the export downloaded');
  await visit(page, '#/requests', 'Demandes');
  assert.equal(await page.$$eval('[role="search"] ~ div tbody tr', (r) => r.length), 3);
  await page.click('#late-only');
  assert.equal(await page.$$eval('[role="search"] ~ div tbody tr', (r) => r.length), 1, 'the late filter');
  assert.equal(await page.$$eval('[role="search"] ~ div tbody tr .late', (r) => r.length), 1, 'late in red');
  await page.click('#late-only');
  // Issue 19: the legal due date and, apart, the tenant's internal target, as the API gives them.
  const cal = await api(token, 'PUT', `${T}/calendar`, { target_days: 25 });
  assert.equal(cal.status, 200, `calendar target: ${JSON.stringify(cal.json)}`);
  await visit(page, '#/today', "Aujourd'hui");
  await visit(page, '#/requests', 'Demandes');
  const apiTargets = (await api(token, 'GET', `${T}/requests`)).json.requests.map((q) => Boolean(q.target_at));
  assert.ok(apiTargets.length > 0 && apiTargets.every(Boolean), 'the API gives each request a target date');
  const shown = await page.$$eval('[role="search"] ~ div tbody tr [data-testid="target"]', (c) => c.map((e) => e.textContent));
  assert.equal(shown.length, 3, 'a target column');
  assert.ok(shown.every((x) => /\d/.test(x)), `target dates shown: ${shown}`);
  await checkPage(page, 'requests');
  await page.select('form.card [name="kind"]', 'access');
  await fill(page, 'form.card', { subject: env('GD_ANA') });
  await page.click('form.card button[type="submit"]');
  await page.waitForFunction(() => /^Demande n° \d+/.test(document.querySelector('main h1')?.textContent));
  const rid = Number((await h1(page)).match(/\d+/)[0]);
  assert.equal(await page.$eval('[data-testid="state"]', (e) => e.textContent), 'reçue');
  await fill(page, 'main', { method: 'courriel-du-compte', evidence: 'ticket-4471' });
  await page.click('main form.inline button[type="submit"]');
  await page.waitForFunction(() => document.querySelector('[data-testid="state"]')?.textContent === 'identité vérifiée');
  const dl = await page.$$('main .buttons button');
  let exportButton = null;
  for (const b of dl) if ((await b.evaluate((e) => e.textContent)).startsWith('Télécharger la copie')) exportButton = b;
  assert.ok(exportButton, 'an export button');
  await exportButton.click();
  const file = await waitFile((n) => n === `request-${rid}-export.json`);
  const copy = fs.readFileSync(file, 'utf8');
  assert.match(copy, /ana\.peeters@example\.be/);
  assert.match(copy, /BE71 0961 2345 6769/);
  await page.waitForSelector('main .notice.info');
  await checkPage(page, 'request');
  for (const b of await page.$$('main .buttons button'))
    if ((await b.evaluate((e) => e.textContent)) === 'Terminer') { await b.click(); break; }
  await page.waitForFunction(() => document.querySelector('[data-testid="state"]')?.textContent === 'terminée');
  assert.equal((await api(token, 'GET', `${T}/requests/${rid}`)).json.state, 'completed');
  assert.ok(await page.$$eval('ol.timeline li', (l) => l.some((x) => x.textContent.includes('request.complete'))), 'the timeline shows the audited steps');

  log('an erasure: done, and the Art. 19 notice to the processors acknowledged');
  const er = (await api(token, 'GET', `${T}/requests?open=true`)).json.requests.find((q) => q.subject === env('GD_DAN'));
  await visit(page, `#/requests/${er.id}`, `Demande n° ${er.id}`);
  await fill(page, 'main', { method: 'piece-identite', evidence: 'scan-0042' });
  await page.click('main form.inline button[type="submit"]');
  await page.waitForFunction(() => document.querySelector('[data-testid="state"]')?.textContent === 'identité vérifiée');
  for (const b of await page.$$('main .buttons button'))
    if ((await b.evaluate((e) => e.textContent)) === 'Effacer') { await b.click(); break; }
  await page.waitForSelector('[data-testid="outbox"] tbody tr button');
  assert.match(await page.$eval('main .notice.info', (e) => e.textContent), /^Effacement fait ; 0 enregistrements conservés/);
  const pending = (await api(token, 'GET', `${T}/outbox`)).json.notices.filter((n) => n.request_id === er.id);
  assert.equal(pending.length, 1);
  assert.equal(await page.$$eval('[data-testid="outbox"] tbody tr', (r) => r.length), 1);
  assert.match(await page.$eval('[data-testid="outbox"]', (e) => e.textContent), /prestataires externes \(datacenters\).*effacement/);
  assert.equal((await api(token, 'GET', `${T}/requests/${er.id}`)).json.state, 'completed');
  assert.equal(await page.$eval('[data-testid="erasure-horizon"]', (e) => e.textContent),
    `Les données effacées restent dans 1 sauvegarde(s) jusqu'au ${await frDate(backups.horizon)} au plus tard (rotation), puis disparaissent.`);
  await checkPage(page, 'erasure');
  await visit(page, '#/today', "Aujourd'hui");
  await page.waitForSelector('[data-count="outbox"]');
  assert.equal(await count('outbox'), 1, 'the pending notice is on Today');
  await visit(page, `#/requests/${er.id}`, `Demande n° ${er.id}`);
  await page.waitForSelector('[data-testid="outbox"] tbody tr button');
  await page.click('[data-testid="outbox"] tbody tr button');
  await page.waitForFunction(() => !document.querySelector('[data-testid="outbox"] tbody tr button'));
  assert.equal((await api(token, 'GET', `${T}/outbox`)).json.notices.length, 0, 'the notice is acknowledged');

  log('a rectification through the request: the record corrected, MailCo owed a notice');
  const anaRecs = (await api(token, 'GET', `${T}/subjects/${env('GD_ANA')}/records?purpose=billing`)).json.records;
  const mail = anaRecs.find((x) => x.category === 'user.contact.email');
  const rq = (await api(token, 'POST', `${T}/requests`, { kind: 'rectification', subject: env('GD_ANA') })).json;
  await visit(page, `#/requests/${rq.id}`, `Demande n° ${rq.id}`);
  await fill(page, 'main', { method: 'courriel-du-compte', evidence: 'ticket-4480' });
  await page.click('main form.inline button[type="submit"]');
  await page.waitForSelector('main [name="record_id"]');
  await fill(page, 'main', { record_id: String(mail.id), value: 'ana.peeters@winbooks-client.be' });
  await page.click('main form.inline:has([name="record_id"]) button');
  await page.waitForFunction(() => document.querySelector('[data-testid="outbox"]')?.textContent.includes('MailCo'));
  const after = (await api(token, 'GET', `${T}/records/${mail.id}?purpose=billing`)).json;
  assert.equal(after.value, 'ana.peeters@winbooks-client.be');
  assert.match(await page.$eval('[data-testid="outbox"]', (e) => e.textContent), /MailCo.*rectification/);
  await checkPage(page, 'rectification');

  log('a breach recorded and drafted in French');
  await visit(page, '#/breaches', 'Violations');
  await page.click('#nature-confidentiality');
  await fill(page, 'form.card', {
    description: 'Un jeton de service a fuité dans un dépôt public.', data_categories: 'user.contact.email, user.financial',
    subject_categories: 'customer', approx_subjects: '2', contact: 'dpo@winbooks.be',
  });
  await page.select('form.card [name="language"]', 'fr');
  await page.click('form.card button[type="submit"]');
  await page.waitForFunction(() => /^Violation n° \d+/.test(document.querySelector('main h1')?.textContent));
  const bid = Number((await h1(page)).match(/\d+/)[0]);
  assert.match(await page.$eval('[data-testid="clock"]', (e) => e.textContent), /^7[12] h \d\d min restantes$/);
  log('the breach completed in a second phase (Art. 33(4))');
  await fill(page, 'form.update', { consequences: 'Hameçonnage possible des clients concernés.' });
  await page.click('form.update button[type="submit"]');
  await page.waitForFunction(() => document.querySelector('dl.facts')?.textContent.includes('Hameçonnage possible'));
  assert.equal((await api(token, 'GET', `${T}/breaches/${bid}`)).json.consequences, 'Hameçonnage possible des clients concernés.');
  await page.$eval('form.scope [name="from"]', (e) => { e.value = '2020-01-01T00:00'; });
  await page.click('form.scope button[type="submit"]');
  await page.waitForSelector('[data-testid="scope-summary"]');
  const scope = (await api(token, 'POST', `${T}/breaches/${bid}/scope`, { from: '2020-01-01T00:00:00Z' })).json;
  assert.ok(scope.accesses > 0, 'the export above is in the scope');
  assert.match(await page.$eval('[data-testid="scope-summary"]', (e) => e.textContent), new RegExp(`^${scope.accesses} accès, ${scope.subjects} personnes`));
  await page.select('form.drafts [name="language"]', 'fr');
  await page.click('form.drafts button[type="submit"]');
  await page.waitForFunction(() => document.querySelector('[data-testid="draft"]')?.textContent.length > 100);
  const draft = await page.$eval('[data-testid="draft"]', (e) => e.textContent);
  assert.match(draft, /Notification d'une violation de données à caractère personnel à l'autorité de contrôle/);
  assert.match(draft, /Un jeton de service a fuité/);
  assert.match(draft, /Hameçonnage possible des clients concernés/);
  assert.doesNotMatch(draft.split('Responsable du traitement')[0], /Conséquences probables/, 'the consequences are no longer to complete');
  assert.equal(await page.$eval('[data-testid="draft"]', (e) => e.lang), 'fr');
  await checkPage(page, 'breach');
  await visit(page, '#/breaches', 'Violations');
  await checkPage(page, 'breaches');
  await visit(page, '#/today', "Aujourd'hui");
  await page.waitForSelector('[data-count="breaches"]');
  assert.equal(await count('breaches'), 1, 'the new breach is on Today');

  log('the register: the diff between versions 1 and 2, the data flows');
  await visit(page, '#/register', 'Registre');
  await page.waitForSelector('svg.flows');
  await page.click('main form.card button[type="submit"]');
  await page.waitForSelector('[data-testid="diff"] tbody tr');
  const diffApi = (await api(token, 'GET', `${T}/register/diff?from=1&to=2`)).json;
  assert.ok(diffApi.changes.length > 0);
  assert.equal(await page.$$eval('[data-testid="diff"] tbody tr', (r) => r.length), diffApi.changes.length);
  assert.match(await page.$eval('[data-testid="diff"]', (e) => e.textContent), /MailCo/);
  const flows = await page.$eval('svg.flows', (e) => e.textContent);
  assert.match(flows, /MailCo/);
  assert.match(flows, /US — scc/);
  await checkPage(page, 'register');

  log('retention, audit, subjects and administration pages');
  await visit(page, '#/retention', 'Conservation');
  await page.waitForSelector('[data-testid="plan-totals"]');
  await checkPage(page, 'retention');
  await visit(page, '#/audit', 'Journal');
  await page.waitForSelector('main table tbody tr');
  await page.click('main section.card button');
  await page.waitForSelector('[data-testid="verify"]');
  assert.match(await page.$eval('[data-testid="verify"]', (e) => e.textContent), /intacte/);
  await checkPage(page, 'audit');
  await visit(page, '#/subjects', 'Personnes');
  await fill(page, 'main form.card', { value: 'ana.peeters@example.be' });
  await page.click('main form.card button[type="submit"]');
  await page.waitForSelector('[data-testid="subject-id"]');
  assert.equal(await page.$eval('[data-testid="subject-id"]', (e) => e.textContent), env('GD_ANA'));
  await page.select('main [name="purpose"]', 'billing');
  await page.click('main form.inline button[type="submit"]');
  await page.waitForFunction(() => document.querySelector('main')?.textContent.includes('BE71 0961 2345 6769'));
  await checkPage(page, 'subjects');
  await visit(page, '#/admin', 'Administration');
  await fill(page, 'main form.card', { name: 'erin', password: 'erin password 1' });
  await page.click('main form.card button[type="submit"]');
  await page.waitForFunction(() => [...document.querySelectorAll('main td')].some((td) => td.textContent === 'erin'));
  const rows = await page.$$('main tbody tr');
  for (const row of rows) {
    if ((await row.evaluate((e) => e.firstChild.textContent)) === 'erin') {
      await (await row.$('button')).click();
      break;
    }
  }
  await page.waitForSelector('[data-testid="qr"] path');
  const secret = await page.$eval('[data-testid="totp-secret"]', (e) => e.textContent);
  assert.match(secret, /^[A-Z2-7]{16,}$/);
  assert.equal(await page.$eval('[data-testid="timeouts"]', (e) => e.textContent),
    'Une session prend fin après 15 min sans usage et 8 h après la connexion.', 'the default timeouts');
  await checkPage(page, 'admin');

  log('sign-out ends the session');
  await page.click('header button:last-of-type');
  await page.waitForFunction(() => document.querySelector('main h1')?.textContent === 'Connexion');
  assert.match(await page.$eval('main .notice', (e) => e.textContent), /déconnecté/);
  assert.equal((await api(token, 'GET', '/v1/whoami')).status, 401, 'the session token no longer works');
  await page.evaluate(() => { location.hash = '#/today'; });
  await page.waitForFunction(() => location.hash === '#/signin');
  await ctx.close();

  // ---- a clerk: billing only ----
  log('a read refused for a purpose the role lacks');
  {
    const c = await browser.createBrowserContext({ downloadBehavior: { policy: 'allow', downloadPath: DOWNLOADS } });
    const p = await newPage(c, 'clerk');
    await p.goto(`${BASE}/console/#/signin`, { waitUntil: 'networkidle0' });
    // The clerk uses the keyboard only: Tab to the fields, Enter to sign in, Tab to a page.
    const tabTo = async (pred, what) => {
      for (let i = 0; i < 20; i++) {
        await p.keyboard.press('Tab');
        if (await p.evaluate(pred)) return;
      }
      assert.fail(`Tab never reaches ${what}`);
    };
    await tabTo(() => document.activeElement?.name === 'tenant', 'the tenant field');
    await p.keyboard.type('winbooks');
    await p.keyboard.press('Tab');
    await p.keyboard.type('carl');
    await p.keyboard.press('Tab');
    await p.keyboard.type(env('GD_CLERK_PASS'));
    await p.keyboard.press('Enter');
    await p.waitForFunction(() => document.querySelector('main h1')?.textContent === "Aujourd'hui");
    const navs = await p.$$eval('nav a', (a) => a.map((x) => x.textContent));
    assert.deepEqual(navs, ["Aujourd'hui", 'Registre', 'Personnes'], 'the navigation follows the role');
    await tabTo(() => document.activeElement?.textContent === 'Personnes', 'the Subjects link');
    await p.keyboard.press('Enter');
    await p.waitForFunction(() => document.querySelector('main h1')?.textContent === 'Personnes');
    assert.equal(await p.evaluate(() => document.activeElement?.textContent), 'Personnes', 'focus on the new page title');
    await fill(p, 'main form.card', { value: 'ana.peeters@example.be' });
    await p.click('main form.card button[type="submit"]');
    await p.waitForSelector('[data-testid="subject-id"]');
    await p.select('main [name="purpose"]', 'support');
    await p.click('main form.inline button[type="submit"]');
    await p.waitForSelector('main section .notice');
    const text = await p.$eval('main section .notice', (e) => e.textContent);
    assert.match(text, /votre rôle ne permet pas de les lire pour la finalité « support »|Lecture refusée/);
    assert.equal(await p.$('main section table'), null, 'nothing shown for that purpose');
    await c.close();
  }

  // ---- support staff under a grant ----
  log("a support agent's view ends when the grant ends");
  {
    const adminTok = execFileSync(process.env.GARDIEN, ['token', 'create', 'root'], { encoding: 'utf8' }).split('\n')[0];
    const c = await browser.createBrowserContext({ downloadBehavior: { policy: 'allow', downloadPath: DOWNLOADS } });
    const p = await newPage(c, 'support');
    await p.goto(`${BASE}/console/#/signin`, { waitUntil: 'networkidle0' });
    await signIn(p, '', 'sam', env('GD_SAM_PASS'));
    await p.waitForFunction(() => document.querySelector('main h1')?.textContent === 'Choisir un locataire');
    await fill(p, 'main form', { tenant: 'winbooks' });
    await p.click('main form button[type="submit"]');
    await p.waitForFunction(() => document.querySelector('main h1')?.textContent === "Aujourd'hui");
    const grants = (await api(adminTok, 'GET', `${T}/grants`)).json.grants;
    const badge = await p.$eval('[data-testid="grant"]', (e) => e.textContent);
    assert.match(badge, new RegExp(`n° ${grants[0].id} jusqu'au `), 'the agent sees which grant, and until when');
    const me = (await api(adminTok, 'GET', `${T}/grants`)).json.grants[0];
    assert.ok(badge.endsWith(await p.evaluate((iso) => new Intl.DateTimeFormat('fr-BE', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'Europe/Brussels' })
      .format(new Date(iso)), me.expires_at)), `${badge} does not end with the grant's expiry ${me.expires_at} in Brussels time`);
    await visit(p, '#/subjects', 'Personnes');
    await checkPage(p, 'support');
    assert.equal((await api(adminTok, 'DELETE', `${T}/grants/${grants[0].id}`)).status, 200);
    await p.evaluate(() => { location.hash = '#/register'; });
    await p.waitForFunction(() => document.querySelector('main h1')?.textContent === 'Choisir un locataire');
    assert.match(await p.$eval('main .notice', (e) => e.textContent), /Votre accès au locataire « winbooks » a pris fin/);
    assert.equal(await p.$('nav a'), null, 'no tenant page after the grant ended');
    assert.equal(await p.$('[data-testid="tenant"]'), null);
    await c.close();
  }

  log('English on demand');
  {
    const c = await browser.createBrowserContext({ downloadBehavior: { policy: 'allow', downloadPath: DOWNLOADS } });
    const p = await newPage(c, 'english');
    await p.goto(`${BASE}/console/`, { waitUntil: 'networkidle0' });
    await p.click('header button.lang');
    await p.waitForFunction(() => document.querySelector('main h1')?.textContent === 'Sign in');
    assert.equal(await p.evaluate(() => document.documentElement.lang), 'en');
    await c.close();
  }

  assert.deepEqual(problems, [], 'CSP violations, page errors or console errors');
  console.log('console test: ok');
} catch (e) {
  console.error(`FAILED at "${step}": ${e.stack || e}${e.cause ? `\ncause: ${e.cause.stack || e.cause}` : ''}`);
  if (problems.length) console.error(problems.join('\n'));
  for (const p of await browser.pages().catch(() => [])) {
    const text = await p.evaluate(() => document.querySelector('main')?.innerText).catch(() => '');
    if (text) console.error(`--- ${p.url()}\n${text.slice(0, 1500)}`);
  }
  process.exitCode = 1;
} finally {
  await browser.close();
}
