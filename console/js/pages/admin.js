// admin.js — the tenant admin's page: people and services, TOTP enrolment
// (the secret shown once, with its otpauth:// QR code drawn here from the
// vendored qrcode-generator), tokens and sessions, roles, and support grants
// (time-limited access for the provider's support staff).
import { h, s, field, table, notice, fmtDateTime, button, say } from '../dom.js';
import { t } from '../i18n.js';
import { api, tpath } from '../api.js';
import qrcode from '../../vendor/qrcode-2.0.4.mjs';

export async function render(box, arg, go) {
  box.append(h('h1', t('nav_admin')));
  const [p, roles, tokens, grants] = await Promise.all([api('GET', tpath('/principals')), api('GET', tpath('/roles')),
    api('GET', tpath('/tokens')), api('GET', tpath('/grants'))]);
  const redraw = () => go('#/admin');
  const enrol = h('div');
  box.append(h('section', h('h2', t('principals')),
    table(null, [t('name'), t('kind'), t('role'), t('totp'), t('state'), ''], p.principals.map((x) => h('tr',
      h('td', x.name), h('td', t('pkind_' + x.kind)), h('td', x.role), h('td', x.totp ? t('yes') : t('no')),
      h('td', x.disabled ? t('disabled') : x.locked_until ? t('locked_until', fmtDateTime(x.locked_until)) : t('active')),
      h('td', x.kind === 'person' ? button(t('enrol_totp'), () => enrolTotp(enrol, x.name), 'small') : null,
        x.locked_until ? button(t('unlock'), async () => { await api('POST', tpath(`/principals/${encodeURIComponent(x.name)}/unlock`)); redraw(); }, 'small') : null)))),
    enrol, userForm(roles.roles, redraw)));
  box.append(h('section', h('h2', t('roles')), table(null, [t('name'), t('ops'), t('activities'), 'MFA'],
    roles.roles.map((r) => h('tr', h('td', r.name), h('td', r.ops), h('td', r.activities), h('td', r.mfa ? t('yes') : t('no'))))),
  roleForm(redraw)));
  box.append(h('section', h('h2', t('tokens')), table(null, [t('number'), t('principal'), t('kind'), t('created_at'), t('expires_at'), t('last_used'), ''],
    tokens.tokens.map((x) => h('tr', h('td', String(x.id)), h('td', x.principal), h('td', x.kind), h('td', fmtDateTime(x.created_at)),
      h('td', fmtDateTime(x.expires_at)), h('td', fmtDateTime(x.last_used)),
      h('td', x.revoked ? t('revoked') : button(t('revoke'), async () => { await api('DELETE', tpath(`/tokens/${x.id}`)); redraw(); }, 'small')))))));
  // The vault-wide security settings are the operator's (gardien user settings); shown here as they apply.
  const [idle, absolute] = JSON.parse(sessionStorage.getItem('gd.timeouts') || '[0,0]');
  if (idle) box.append(h('section', h('h2', t('security_settings')), h('p', { 'data-testid': 'timeouts' },
    t('timeouts', Math.round(idle / 60), Math.round(absolute / 3600))), h('p.small', t('settings_operator'))));
  box.append(h('section', h('h2', t('grants')), table(null, [t('number'), t('support'), t('ops'), t('activities'), t('expires_at'), t('issued_by'), ''],
    grants.grants.map((g) => h('tr', h('td', String(g.id)), h('td', g.support), h('td', g.ops), h('td', g.activities),
      h('td', fmtDateTime(g.expires_at)), h('td', g.issued_by),
      h('td', g.revoked ? t('revoked') : button(t('revoke'), async () => {
        await api('DELETE', tpath(`/grants/${g.id}`)); say(t('grant_revoked', g.id)); redraw();
      }, 'small'))))), grantForm(redraw)));
}

async function enrolTotp(box, name) {
  box.replaceChildren();
  try {
    const r = await api('POST', tpath(`/principals/${encodeURIComponent(name)}/totp`));
    const qr = qrcode(0, 'M');
    qr.addData(r.otpauth);
    qr.make();
    const n = qr.getModuleCount();
    const svg = s('svg', { viewBox: `-4 -4 ${n + 8} ${n + 8}`, class: 'qr', role: 'img', 'aria-labelledby': 'qr-title', 'data-testid': 'qr' },
      s('title', { id: 'qr-title' }, t('qr_title', name)), s('rect', { x: -4, y: -4, width: n + 8, height: n + 8, fill: '#fff' }));
    let d = '';
    for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) if (qr.isDark(y, x)) d += `M${x} ${y}h1v1h-1z`;
    svg.append(s('path', { d, fill: '#000' }));
    box.append(h('div.card.enrol', h('h3', t('enrolled', name)), svg, h('p', t('secret_once')),
      h('p.mono', { 'data-testid': 'totp-secret' }, r.secret)));
  } catch (err) { box.append(notice('error', err.message)); }
}

function userForm(roles, redraw) {
  const name = h('input', { name: 'name', required: true, spellcheck: 'false' });
  const role = h('select', { name: 'role' }, roles.map((r) => h('option', { value: r.name }, r.name)));
  const pw = h('input', { name: 'password', type: 'password', autocomplete: 'new-password' });
  const kind = h('select', { name: 'kind' }, h('option', { value: 'person' }, t('pkind_person')), h('option', { value: 'service' }, t('pkind_service')));
  const msg = h('div');
  const f = h('form.card', h('h3', t('add_principal')), h('div.row', field(t('kind'), kind), field(t('name'), name), field(t('role'), role),
    field(t('password'), pw, t('password_hint'))), msg, h('button', { type: 'submit' }, t('add')));
  f.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      if (kind.value === 'person') await api('POST', tpath('/users'), { name: name.value, role: role.value, password: pw.value });
      else await api('POST', tpath('/services'), { name: name.value, role: role.value });
      redraw();
    } catch (err) { msg.replaceChildren(notice('error', err.message)); }
  });
  return f;
}

function roleForm(redraw) {
  const name = h('input', { name: 'name', required: true });
  const ops = h('input', { name: 'ops', required: true, placeholder: 'read,write' });
  const acts = h('input', { name: 'activities', required: true, placeholder: '*' });
  const mfa = h('input', { type: 'checkbox', id: 'role-mfa' });
  const msg = h('div');
  const f = h('form.card', h('h3', t('set_role')), h('div.row', field(t('name'), name), field(t('ops'), ops, t('ops_hint')),
    field(t('activities'), acts, t('activities_hint'))), h('div.field.check', mfa, h('label', { for: 'role-mfa' }, t('role_mfa'))),
  msg, h('button', { type: 'submit' }, t('save')));
  f.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      await api('PUT', tpath(`/roles/${encodeURIComponent(name.value)}`), { ops: ops.value, activities: acts.value, mfa: mfa.checked });
      redraw();
    } catch (err) { msg.replaceChildren(notice('error', err.message)); }
  });
  return f;
}

function grantForm(redraw) {
  const support = h('input', { name: 'support', required: true });
  const ops = h('input', { name: 'ops', required: true, value: 'read' });
  const acts = h('input', { name: 'activities', required: true });
  const until = h('input', { name: 'expires_at', type: 'datetime-local', required: true });
  const msg = h('div');
  const f = h('form.card', h('h3', t('grant_access')), h('div.row', field(t('support'), support), field(t('ops'), ops),
    field(t('activities'), acts), field(t('expires_at'), until)), msg, h('button', { type: 'submit' }, t('grant')));
  f.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      await api('POST', tpath('/grants'), { support: support.value, ops: ops.value, activities: acts.value,
        expires_at: new Date(until.value).toISOString().replace(/\.\d+Z$/, 'Z') });
      redraw();
    } catch (err) { msg.replaceChildren(notice('error', err.message)); }
  });
  return f;
}
