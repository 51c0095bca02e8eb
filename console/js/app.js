// app.js — the console's shell: the hash router (#/today, #/requests/12…), the
// header (tenant, who is signed in, the time zone of dates, language, sign-out)
// and the navigation, shown by what the role or grant allows. No page is drawn
// without a session: without a token every route shows the sign-in page.
import { h, clear, notice, button, zone, validZone, fmtDateTime } from './dom.js';
import { t, lang, setLang } from './i18n.js';
import { session, saveSession, api, tpath, onUnauthenticated, can, ApiError } from './api.js';
import * as signin from './pages/signin.js';
import * as tenant from './pages/tenant.js';
import * as today from './pages/today.js';
import * as requests from './pages/requests.js';
import * as breaches from './pages/breaches.js';
import * as register from './pages/register.js';
import * as retention from './pages/retention.js';
import * as audit from './pages/audit.js';
import * as subjects from './pages/subjects.js';
import * as admin from './pages/admin.js';

// route → [module, title key, operation needed to show it in the navigation]
const routes = {
  today: [today, 'nav_today', null],
  requests: [requests, 'nav_requests', 'requests'],
  breaches: [breaches, 'nav_breaches', 'audit'],
  register: [register, 'nav_register', null],
  retention: [retention, 'nav_retention', 'register'],
  audit: [audit, 'nav_audit', 'audit'],
  subjects: [subjects, 'nav_subjects', 'read'],
  admin: [admin, 'nav_admin', 'admin'],
};

const main = document.getElementById('main');
const nav = document.getElementById('nav');
const top = document.getElementById('top');

export function go(hash) {
  if (location.hash === hash) route(); else location.hash = hash;
}

onUnauthenticated((code, message) => {
  saveSession('', '', '');
  session.me = null;
  session.ended = code === 'expired' ? t('session_expired') : t('session_ended', message);
  go('#/signin');
});

function drawHeader() {
  document.documentElement.lang = lang();
  document.getElementById('skip').textContent = t('skip');
  nav.setAttribute('aria-label', t('sections'));
  const me = session.me;
  const signedIn = !!session.token;
  clear(top,
    h('span.brand', 'gardien'),
    signedIn && session.tenant ? h('span.who', { 'data-testid': 'tenant' }, session.tenant) : null,
    signedIn && me ? h('span.who', me.principal) : null,
    signedIn && me && me.grant ? h('span.badge.support', { 'data-testid': 'grant' },
      t('under_grant', me.grant, fmtDateTime(me.grant_expires_at))) : null,
    signedIn && session.tenant ? h('span.zone', { title: t('zone_title') }, zone()) : null,
    h('span.spacer'),
    button(lang() === 'fr' ? 'English' : 'Français', () => { setLang(lang() === 'fr' ? 'en' : 'fr'); route(); },
      'link lang'),
    signedIn ? button(t('sign_out'), signOut, 'link') : null);
  const cur = (location.hash.split('/')[1] || '');
  clear(nav, signedIn && session.tenant && me ? h('ul',
    Object.entries(routes).filter(([, r]) => !r[2] || can(r[2])).map(([name, r]) =>
      h('li', h('a', { href: `#/${name}`, 'aria-current': cur === name ? 'page' : undefined }, t(r[1]))))) : null);
}

async function signOut() {
  try { await api('POST', '/v1/auth/logout'); } catch (e) { /* already ended */ }
  saveSession('', '', '');
  session.me = null;
  session.ended = t('signed_out');
  go('#/signin');
}

let drawing = 0;
let grantTimer = 0;
async function route() {
  const hash = location.hash || '#/today';
  if (!hash.startsWith('#/')) return;          // "#main": the skip link
  const [name, arg] = hash.slice(2).split('/');
  const mine = ++drawing;
  let page, title;
  if (!session.token) {
    [page, title] = [signin, 'sign_in'];
    if (name !== 'signin') history.replaceState(null, '', '#/signin');
  } else if (name === 'signin') {
    return go('#/today');
  } else {
    // The tenant is the one named at sign-in, or, for support staff, the one
    // picked afterwards; its view (GET /v1/tenants/{t}) gives the rights.
    if (session.tenant) {
      try {
        session.me = await api('GET', tpath(''));
        if (session.zoneOf !== session.tenant) {
          // Once per tenant: the zone its deadlines are counted in, as the API
          // says (GET /v1/tenants/{t}/calendar: set, or the member state's);
          // unreadable: UTC, said in the header.
          const cal = await api('GET', tpath('/calendar')).catch(() => null);
          session.zone = (cal && typeof cal.zone === 'string' && validZone(cal.zone)) ? cal.zone : '';
          session.zoneOf = session.tenant;
        }
      } catch (e) {
        if (!session.token) return;           // 401: the handler went to sign-in
        if (e instanceof ApiError && e.status === 403) {
          // Support staff whose grant ended or was revoked: back to the tenant picker.
          session.ended = t('access_ended', session.tenant, e.message);
        } else if (e instanceof ApiError && e.status === 404) {
          session.ended = t('no_tenant', session.tenant);
        } else {
          session.ended = e.message;
        }
        saveSession(session.token, '');
        session.me = null;
      }
    }
    if (mine !== drawing) return;
    // Support staff: the view ends when the grant does, without waiting for a click.
    clearTimeout(grantTimer);
    if (session.me && session.me.grant_expires_at) {
      const ms = Date.parse(session.me.grant_expires_at) - Date.now() + 1000;
      if (ms > 0 && ms < 2 ** 31) grantTimer = setTimeout(route, ms);
    }
    if (!session.tenant) {
      [page, title] = [tenant, 'pick_tenant'];
      if (name !== 'tenant') history.replaceState(null, '', '#/tenant');
    } else {
      const r = routes[name] || routes.today;
      [page, title] = [r[0], r[1]];
      if (!routes[name]) history.replaceState(null, '', '#/today');
    }
  }
  drawHeader();
  document.title = `${t(title)} — gardien`;
  const box = h('div.page');
  clear(main, box);
  if (session.ended) {
    box.append(notice('info', session.ended));
    session.ended = '';
  }
  try {
    await page.render(box, arg, go);
  } catch (e) {
    if (session.token && mine === drawing) box.append(notice('error', e.message));
  }
  if (mine === drawing) {
    const h1 = main.querySelector('h1');
    if (h1) { h1.tabIndex = -1; h1.focus({ preventScroll: true }); }
  }
}

window.addEventListener('hashchange', route);
route();
