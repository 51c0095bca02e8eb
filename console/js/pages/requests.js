// requests.js — data-subject requests: the queue with filters, opening one,
// and one request's page: its timeline (from the request and, for roles that
// read the audit trail, its audited steps), verify identity, extend with the
// reason, refuse, start, rectify a record, complete, erase (with what was
// kept and until when),
// and the export answering it as a file.
import { h, field, select, table, notice, fmtDate, fmtDateTime, daysLeft, download, button, say } from '../dom.js';
import { t, kindName, noticeName, KINDS } from '../i18n.js';
import { api, tpath, can } from '../api.js';

const STATES = ['received', 'verified', 'in_progress', 'extended', 'completed', 'refused'];

function due(r) {
  if (r.state === 'completed' || r.state === 'refused') return h('span', fmtDate(r.due_at));
  const d = daysLeft(r.due_at);
  return h(d < 0 ? 'span.late' : 'span', fmtDate(r.due_at), ' — ', d < 0 ? t('late_by', -d) : t('days_left', d));
}

export async function render(box, arg, go) {
  if (arg) return renderOne(box, arg, go);
  box.append(h('h1', t('nav_requests')));
  const fState = select('state', [['open', t('open_ones')], ['', t('all')], ...STATES.map((s) => [s, t('state_' + s)])], 'open');
  const fKind = select('kind', [['', t('all')], ...KINDS.map((k) => [k, kindName(k)])], '');
  const fLate = h('input', { type: 'checkbox', name: 'late' });
  const fText = h('input', { type: 'search', name: 'q' });
  const filters = h('form.filters', { role: 'search' },
    field(t('state'), fState), field(t('kind'), fKind), field(t('subject'), fText),
    h('div.field.check', fLate, h('label', { for: 'late-only' }, t('late_only'))));
  fLate.id = 'late-only';
  const out = h('div');
  box.append(filters, out);
  let all = [];
  const draw = () => {
    const rows = all.filter((r) => (fState.value === 'open' ? !['completed', 'refused'].includes(r.state)
      : !fState.value || r.state === fState.value))
      .filter((r) => !fKind.value || r.kind === fKind.value)
      .filter((r) => !fLate.checked || (r.late || daysLeft(r.due_at) < 0))
      .filter((r) => !fText.value || r.subject.includes(fText.value.trim()))
      .sort((a, b) => a.due_at.localeCompare(b.due_at));
    out.replaceChildren(table(t('n_requests', rows.length), [t('number'), t('kind'), t('subject'), t('state'), t('due'), t('target')],
      rows.map((r) => h('tr', h('td', h('a', { href: `#/requests/${r.id}` }, `#${r.id}`)), h('td', kindName(r.kind)),
        h('td.mono', r.subject), h('td', t('state_' + r.state)), h('td', due(r)),
        h('td', { 'data-testid': 'target' }, r.target_at ? fmtDate(r.target_at) : '—')))));
  };
  for (const el of [fState, fKind, fLate]) el.addEventListener('change', draw);
  fText.addEventListener('input', draw);
  filters.addEventListener('submit', (e) => e.preventDefault());
  all = (await api('GET', tpath('/requests'))).requests;
  draw();
  box.append(await outbox(null, () => go('#/requests')), openForm(go));
}

// Art. 19: the recipients owed a notice of a rectification, erasure or
// restriction; acknowledged once they were told. `request`: only its notices.
async function outbox(request, redraw) {
  const all = (await api('GET', tpath('/outbox'))).notices.filter((n) => !request || n.request_id === request);
  return h('section.card', { 'aria-labelledby': 'h-outbox' }, h('h2', { id: 'h-outbox' }, t('outbox')), h('p', t('outbox_intro')),
    table(t('n_notices', all.length), ['', t('number'), t('recipient'), t('action'), request ? null : t('subject'), t('activity'),
      t('category'), t('at')].filter((x) => x !== null),
    all.map((n) => h('tr', h('td', button(t('acknowledge'), async () => {
      await api('POST', tpath(`/outbox/${n.id}/ack`));
      say(t('acknowledged', n.id));
      redraw();
    }, 'small')), h('td', String(n.id)), h('td', n.recipient), h('td', noticeName(n.action)),
    request ? null : h('td.mono', n.subject), h('td', n.activity), h('td', n.category || '—'), h('td', fmtDateTime(n.at)))),
    { 'data-testid': 'outbox' }));
}

function openForm(go) {
  const kind = select('kind', KINDS.map((k) => [k, kindName(k)]), 'access');
  const subject = h('input', { name: 'subject', required: true, spellcheck: 'false', class: 'mono' });
  const activity = h('input', { name: 'activity', spellcheck: 'false' });
  const received = h('input', { name: 'received_at', type: 'date' });
  const msg = h('div');
  const form = h('form.card', h('h2', t('open_request')), field(t('kind'), kind),
    field(t('subject'), subject, t('subject_hint')), field(t('activity_opt'), activity),
    field(t('received_at'), received, t('received_hint')), msg, h('button', { type: 'submit' }, t('open_request')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    msg.replaceChildren();
    const body = { kind: kind.value, subject: subject.value.trim() };
    if (activity.value.trim()) body.activity = activity.value.trim();
    if (received.value) body.received_at = received.value;
    try {
      const r = await api('POST', tpath('/requests'), body);
      say(t('request_opened', r.id));
      go(`#/requests/${r.id}`);
    } catch (err) { msg.append(notice('error', err.message)); }
  });
  return form;
}

async function renderOne(box, id, go, kept) {
  // Built off-page and shown at once: the state and the timeline never disagree on screen.
  const page = document.createDocumentFragment();
  const r = await api('GET', tpath(`/requests/${encodeURIComponent(id)}`));
  page.append(h('p', h('a', { href: '#/requests' }, '← ' + t('nav_requests'))),
    h('h1', t('request_title', r.id, kindName(r.kind))));
  const dl = h('dl.facts',
    h('dt', t('subject')), h('dd.mono', { 'data-testid': 'subject' }, r.subject),
    h('dt', t('state')), h('dd', { 'data-testid': 'state' }, t('state_' + r.state)),
    h('dt', t('due')), h('dd', due(r)),
    h('dt', t('target')), h('dd', r.target_at ? fmtDate(r.target_at) : '—'),
    r.activity ? [h('dt', t('activity')), h('dd', r.activity)] : null,
    h('dt', t('opened_by')), h('dd', r.opened_by));
  page.append(dl);
  // Timeline: the request's own dates, then its audited steps when the role reads the trail.
  const steps = [[r.received_at, t('tl_received')]];
  if (r.identity_verified_at) steps.push([r.identity_verified_at, t('tl_verified')]);
  if (r.extended) steps.push([null, t('tl_extended', r.reason || '')]);
  let erasedAt = null;           // when an erasure request was completed, from the trail
  if (can('audit')) {
    try {
      // A request's steps are audited with its kind as the purpose: only those, not every read.
      const a = await api('GET', tpath(`/audit?subject=${encodeURIComponent(r.subject)}&purpose=${encodeURIComponent(r.kind)}&limit=1000`));
      for (const e of a.entries) if (e.action === 'request.complete') erasedAt = e.at;
      for (const e of a.entries) if (e.action.startsWith('request.'))
        steps.push([e.at, `${e.action} — ${e.principal}${e.reason ? ' — ' + e.reason : ''}`]);
    } catch (e) { /* the request's own dates remain */ }
  }
  // In time order; the extension (no time of its own) after what precedes it.
  steps.forEach((x, i) => x.push(i));
  steps.sort((a, b) => (a[0] && b[0] ? a[0].localeCompare(b[0]) || a[2] - b[2] : a[2] - b[2]));
  page.append(h('section', h('h2', t('timeline')), h('ol.timeline', steps.map(([at, what]) =>
    h('li', at ? h('time', { datetime: at }, fmtDateTime(at)) : null, ' ', what)))));
  const open = !['completed', 'refused'].includes(r.state);
  const msg = h('div');
  const act = async (step, body) => {
    msg.replaceChildren();
    try {
      const x = await api('POST', tpath(`/requests/${r.id}/${step}`), body || {});
      if (x.kept) say(t('kept_n', x.kept.length));
      await refresh(box, r.id, go, x.kept);
    } catch (err) { msg.append(notice('error', err.message)); }
  };
  const actions = h('section.card', h('h2', t('actions')), msg);
  if (open) {
    if (!r.identity_verified_at) {
      const method = h('input', { name: 'method', required: true });
      const evidence = h('input', { name: 'evidence' });
      const f = h('form.inline', field(t('verify_method'), method, t('verify_hint')), field(t('evidence'), evidence),
        h('button', { type: 'submit' }, t('verify')));
      f.addEventListener('submit', (e) => { e.preventDefault(); act('verify', { method: method.value, evidence: evidence.value || undefined }); });
      actions.append(f);
    }
    if (!r.extended) {
      const reason = h('input', { name: 'reason', required: true });
      const f = h('form.inline', field(t('extend_reason'), reason, t('extend_hint')), h('button', { type: 'submit' }, t('extend')));
      f.addEventListener('submit', (e) => { e.preventDefault(); act('extend', { reason: reason.value }); });
      actions.append(f);
    }
    if (r.kind === 'rectification' && can('write') && r.identity_verified_at) {
      const rec = h('input', { name: 'record_id', type: 'number', min: 1, required: true });
      const value = h('input', { name: 'value', required: true });
      const f = h('form.inline', field(t('record_number'), rec, t('record_number_hint')), field(t('corrected_value'), value),
        h('button', { type: 'submit' }, t('rectify')));
      f.addEventListener('submit', (e) => { e.preventDefault(); act('rectify', { record_id: Number(rec.value), value: value.value }); });
      actions.append(f);
    }
    const why = h('input', { name: 'reason' });
    const f = h('form.inline', field(t('refuse_reason'), why), h('button.danger', { type: 'submit' }, t('refuse')));
    f.addEventListener('submit', (e) => { e.preventDefault(); act('refuse', { reason: why.value }); });
    actions.append(f);
    const row = h('div.buttons');
    if (r.state === 'verified' || r.state === 'received') row.append(button(t('start'), () => act('start')));
    if ((r.kind === 'access' || r.kind === 'portability') && can('export'))
      row.append(button(t('export_download'), () => exportCopy(r, msg), 'primary'));
    if (r.kind === 'erasure' && can('erase')) row.append(button(t('erase'), () => act('erase'), 'danger'));
    row.append(button(t('complete'), () => act('complete')));
    actions.append(row);
  } else {
    actions.append(h('p', t('request_closed')));
    if ((r.kind === 'access' || r.kind === 'portability') && can('export'))
      actions.append(button(t('export_download'), () => exportCopy(r, msg), 'primary'));
  }
  page.append(actions);
  if (r.kind === 'erasure' || r.kind === 'rectification' || r.kind === 'restriction')
    page.append(await outbox(r.id, () => refresh(box, r.id, go)));
  if (kept) page.append(notice('info', t('kept_n', kept.length)));
  if (r.kind === 'erasure' && r.state === 'completed') {
    // Backups made before the erasure still hold the data until the rotation drops them.
    // Without the trail's date, every backup counts: an upper bound, as the words say.
    const b = await api('GET', tpath('/backups')).catch(() => null);
    const before = b ? b.backups.filter((x) => !erasedAt || x.created_at <= erasedAt) : [];
    const until = before.reduce((m, x) => (x.kept_until > m ? x.kept_until : m), '');
    if (b) page.append(h('p', { 'data-testid': 'erasure-horizon' }, until
      ? t('erasure_horizon', before.length, fmtDate(until)) : t('erasure_no_backup')));
  }
  if (kept && kept.length) page.append(table(t('kept_title'), [t('activity'), t('category'), t('rule'), t('until')],
    kept.map((k) => h('tr', h('td', k.activity), h('td', k.category), h('td', k.rule), h('td', fmtDate(k.until))))));
  box.replaceChildren(page);
}

// After a step: the same box redrawn from the API, focus back on the title.
async function refresh(box, id, go, kept) {
  await renderOne(box, id, go, kept);
  const h1 = box.querySelector('h1');
  if (h1) { h1.tabIndex = -1; h1.focus(); }
}

async function exportCopy(r, msg) {
  msg.replaceChildren();
  try {
    const res = await api('GET', tpath(`/requests/${r.id}/export?format=json`), undefined, { raw: true });
    const blob = await res.blob();
    download(blob, `request-${r.id}-export.json`);
    msg.append(notice('info', t('export_done', blob.size)));
  } catch (err) { msg.append(notice('error', err.message)); }
}
