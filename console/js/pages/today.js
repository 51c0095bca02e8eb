// today.js — the DPO's morning: requests due (days left, late in red),
// Art. 19 notices owed to recipients, consents expiring within 30 days, breaches and their 72-hour clock,
// retention transitions due within seven days, holds in force, the
// vault's backups and how long erased data stays in them, the audit trail's
// state. Each block only when the
// role allows the route it comes from; every number is the API's.
import { h, fmtDate, fmtDateTime, daysLeft, countdown, notice } from '../dom.js';
import { t, kindName } from '../i18n.js';
import { api, tpath, can } from '../api.js';

function card(key, title, count, body, alert) {
  return h(`section.card.today${alert ? '.alert' : ''}`, { 'aria-labelledby': `h-${key}` },
    h('h2', { id: `h-${key}` }, title),
    h('p.count', h('span', { 'data-count': key }, String(count))),
    body);
}

function dueText(iso) {
  const d = daysLeft(iso);
  if (d < 0) return h('span.late', t('late_by', -d));
  return h('span', d === 0 ? t('due_today') : t('days_left', d));
}

export async function render(box) {
  box.append(h('h1', t('nav_today')));
  const grid = h('div.grid');
  box.append(grid);
  const jobs = [];
  // Blocks keep their order whatever answers first.
  const slot = () => grid.appendChild(h('div'));
  if (can('requests')) { const at = slot(); jobs.push(api('GET', tpath('/requests?open=true')).then((r) => {
    const list = r.requests.slice().sort((a, b) => a.due_at.localeCompare(b.due_at));
    const late = list.filter((x) => daysLeft(x.due_at) < 0).length;
    at.replaceWith(card('requests', t('open_requests'), list.length,
      h('div', late ? h('p.late', { 'data-count': 'late' }, t('n_late', late)) : null,
        h('ul.plain', list.slice(0, 8).map((x) => h('li',
          h('a', { href: `#/requests/${x.id}` }, `#${x.id} ${kindName(x.kind)}`), ' — ', dueText(x.due_at))))),
      late > 0));
  })); }
  if (can('requests')) { const at = slot(); jobs.push(api('GET', tpath('/outbox')).then((r) => {
    at.replaceWith(card('outbox', t('outbox'), r.notices.length,
      h('p', h('a', { href: '#/requests' }, t('outbox_todo'))), false));
  })); }
  if (can('requests')) {
    const at = slot();
    const until = new Date(Date.now() + 30 * 86400000).toISOString().slice(0, 10);
    jobs.push(api('GET', tpath(`/consents/expiring?until=${until}`)).then((r) => {
      at.replaceWith(card('consents', t('consents_expiring'), r.consents.length,
        h('ul.plain', r.consents.slice(0, 8).map((x) => h('li', `${x.activity} — ${fmtDate(x.expires_at)} `,
          h('span', t('days_left', daysLeft(x.expires_at))))))));
    }));
  }
  if (can('audit')) { const at = slot(); jobs.push(api('GET', tpath('/breaches')).then((r) => {
    const open = r.breaches.filter((b) => b.status === 'open' || b.status === 'overdue');
    at.replaceWith(card('breaches', t('breaches_open'), open.length,
      h('ul.plain', open.map((b) => h('li', h('a', { href: `#/breaches/${b.id}` }, `#${b.id}`), ' — ',
        h(b.seconds_left < 0 ? 'span.late' : 'span', countdown(b.seconds_left))))), open.length > 0));
  })); }
  if (can('register')) {
    const at = slot();
    const until = new Date(Date.now() + 7 * 86400000).toISOString().slice(0, 10);
    jobs.push(api('GET', tpath(`/retention/plan?until=${until}`)).then((r) => {
      at.replaceWith(card('retention', t('retention_week'), r.transitions,
        h('ul.plain', r.rows.map((x) => h('li', `${x.activity}: ${t('action_' + x.action)} × ${x.count}`,
          x.first_due ? ` (${fmtDate(x.first_due)})` : '')))));
    }));
  }
  if (can('admin')) { const at = slot(); jobs.push(api('GET', tpath('/holds')).then((r) => {
    const live = r.holds.filter((x) => !x.lifted_at);
    at.replaceWith(card('holds', t('holds_in_force'), live.length,
      h('ul.plain', live.map((x) => h('li', `${x.reason} — ${fmtDate(x.placed_at)}`)))));
  })); }
  { const at = slot(); jobs.push(api('GET', tpath('/backups')).then((r) => {
    at.replaceWith(card('backups', t('backups'), r.count, h('div',
      h('p', r.last ? t('backup_last', fmtDateTime(r.last)) : t('backup_none')),
      r.horizon ? h('p', { 'data-testid': 'backup-horizon' }, t('backup_horizon', fmtDate(r.horizon))) : null), !r.count));
  })); }
  if (can('audit')) { const at = slot(); jobs.push(api('GET', tpath('/audit/verify')).then((r) => {
    at.replaceWith(card('audit', t('audit_state'), r.entries,
      h('div', h('p', { 'data-testid': 'audit-intact', class: r.intact ? 'ok' : 'late' },
        r.intact ? t('audit_intact') : t('audit_broken', r.detail)),
      h('p', t('audit_detail', r.checkpoints, r.unsigned_tail))), !r.intact));
  })); }
  const results = await Promise.allSettled(jobs);
  for (const x of results) if (x.status === 'rejected') box.append(notice('error', x.reason.message));
  if (!jobs.length) box.append(notice('info', t('nothing_for_role')));
  box.append(h('p.small', t('as_of', fmtDateTime(new Date().toISOString()))));
}
