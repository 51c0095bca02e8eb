// breaches.js — the breach register (Art. 33(5)): the list with each
// breach's 72-hour clock, recording one, and one breach's page: its facts
// (completed in phases, Art. 33(4)),
// the scope computed from the audit trail (who and what was read in the
// window), the drafts of the notification to the authority and of the
// communication to the subjects in French or English (view, print,
// download), and recording the notification.
import { h, field, select, table, notice, fmtDateTime, countdown, download, button, say } from '../dom.js';
import { t } from '../i18n.js';
import { api, tpath } from '../api.js';

const NATURES = ['confidentiality', 'integrity', 'availability'];

function clock(b) {
  if (b.notified_at) return h('span.ok', t('notified_on', fmtDateTime(b.notified_at)));
  return h(b.seconds_left < 0 ? 'span.late' : 'span', { 'data-testid': 'clock' }, countdown(b.seconds_left));
}

export async function render(box, arg, go) {
  if (arg) return renderOne(box, arg, go);
  box.append(h('h1', t('nav_breaches')));
  const list = (await api('GET', tpath('/breaches'))).breaches;
  box.append(table(t('n_breaches', list.length), [t('number'), t('detected_at'), t('nature'), t('status'), t('clock')],
    list.map((b) => h('tr', h('td', h('a', { href: `#/breaches/${b.id}` }, `#${b.id}`)),
      h('td', fmtDateTime(b.detected_at)), h('td', (b.nature || '').split(',').map((n) => t('nature_' + n.trim())).join(', ')),
      h('td', t('bstatus_' + b.status)), h('td', clock(b))))));
  box.append(recordForm(go));
}

function recordForm(go) {
  const natures = NATURES.map((n) => h('input', { type: 'checkbox', name: 'nature', value: n, id: `nature-${n}` }));
  const detected = h('input', { type: 'datetime-local', name: 'detected_at' });
  const description = h('textarea', { name: 'description', rows: 3, required: true });
  const cats = h('input', { name: 'data_categories' });
  const subjects = h('input', { name: 'subject_categories' });
  const approx = h('input', { name: 'approx_subjects', type: 'number', min: 0 });
  const consequences = h('textarea', { name: 'consequences', rows: 2 });
  const measures = h('textarea', { name: 'measures_taken', rows: 2 });
  const contact = h('input', { name: 'contact' });
  const language = select('language', [['fr', 'Français'], ['en', 'English']], 'fr');
  const high = h('input', { type: 'checkbox', name: 'high_risk', id: 'high-risk' });
  const msg = h('div');
  const form = h('form.card', h('h2', t('record_breach')),
    h('fieldset', h('legend', t('nature')), natures.map((c, i) => h('span.check', c, h('label', { for: c.id }, t('nature_' + NATURES[i]))))),
    field(t('detected_at'), detected, t('detected_hint')), field(t('description'), description),
    field(t('data_categories'), cats, t('comma_list')), field(t('subject_categories'), subjects, t('comma_list')),
    field(t('approx_subjects'), approx), field(t('consequences'), consequences), field(t('measures_taken'), measures),
    field(t('contact'), contact), field(t('draft_language'), language),
    h('div.field.check', high, h('label', { for: 'high-risk' }, t('high_risk'))), msg,
    h('button', { type: 'submit' }, t('record_breach')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    msg.replaceChildren();
    const body = { language: language.value, high_risk: high.checked };
    const nat = natures.filter((c) => c.checked).map((c) => c.value).join(',');
    if (nat) body.nature = nat;
    if (detected.value) body.detected_at = new Date(detected.value).toISOString().replace(/\.\d+Z$/, 'Z');
    for (const [k, el] of [['description', description], ['data_categories', cats], ['subject_categories', subjects],
      ['consequences', consequences], ['measures_taken', measures], ['contact', contact]])
      if (el.value.trim()) body[k] = el.value.trim();
    if (approx.value !== '') body.approx_subjects = Number(approx.value);
    try {
      const r = await api('POST', tpath('/breaches'), body);
      say(t('breach_recorded', r.id));
      go(`#/breaches/${r.id}`);
    } catch (err) { msg.append(notice('error', err.message)); }
  });
  return form;
}

async function renderOne(box, id) {
  const b = await api('GET', tpath(`/breaches/${encodeURIComponent(id)}`));
  box.append(h('p', h('a', { href: '#/breaches' }, '← ' + t('nav_breaches'))), h('h1', t('breach_title', b.id)));
  box.append(h('dl.facts',
    h('dt', t('status')), h('dd', t('bstatus_' + b.status)),
    h('dt', t('clock')), h('dd', clock(b)),
    h('dt', t('detected_at')), h('dd', fmtDateTime(b.detected_at)),
    h('dt', t('deadline')), h('dd', fmtDateTime(b.deadline)),
    h('dt', t('nature')), h('dd', b.nature ? b.nature.split(',').map((n) => t('nature_' + n.trim())).join(', ') : '—'),
    h('dt', t('description')), h('dd', b.description || '—'),
    h('dt', t('data_categories')), h('dd', b.data_categories || '—'),
    h('dt', t('approx_subjects')), h('dd', b.approx_subjects >= 0 ? String(b.approx_subjects) : t('unknown')),
    h('dt', t('high_risk')), h('dd', b.high_risk ? t('yes') : t('no')),
    h('dt', t('consequences')), h('dd', b.consequences || '—'),
    h('dt', t('measures_taken')), h('dd', b.measures_taken || '—'),
    h('dt', t('measures_proposed')), h('dd', b.measures_proposed || '—')));
  box.append(updateForm(b, box), scopeForm(b), drafts(b), notifyForm(b));
}

// Art. 33(4): what was not known at first is given in phases.
function updateForm(b, box) {
  const els = {
    consequences: h('textarea', { name: 'consequences', rows: 2 }),
    measures_taken: h('textarea', { name: 'measures_taken', rows: 2 }),
    measures_proposed: h('textarea', { name: 'measures_proposed', rows: 2 }),
    approx_subjects: h('input', { name: 'approx_subjects', type: 'number', min: 0 }),
    approx_records: h('input', { name: 'approx_records', type: 'number', min: 0 }),
  };
  for (const [k, el] of Object.entries(els)) if (b[k] !== null && b[k] !== undefined && b[k] !== -1) el.value = String(b[k]);
  const msg = h('div');
  const form = h('form.card.update', h('h2', t('complete_breach')), h('p', t('complete_breach_intro')),
    Object.entries(els).map(([k, el]) => field(t(k), el)), msg, h('button', { type: 'submit' }, t('save')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const body = {};
    for (const [k, el] of Object.entries(els)) {
      const v = el.value.trim();
      if (!v) continue;
      body[k] = el.type === 'number' ? Number(v) : v;
    }
    try {
      await api('PUT', tpath(`/breaches/${b.id}`), body);
      say(t('breach_updated', b.id));
      box.replaceChildren();
      await renderOne(box, b.id);
    } catch (err) { msg.replaceChildren(notice('error', err.message)); }
  });
  return form;
}

function scopeForm(b) {
  const from = h('input', { type: 'datetime-local', name: 'from', required: true });
  const to = h('input', { type: 'datetime-local', name: 'to' });
  const principal = h('input', { name: 'principal', spellcheck: 'false' });
  const activity = h('input', { name: 'activity', spellcheck: 'false' });
  const out = h('div');
  const iso = (v) => new Date(v).toISOString().replace(/\.\d+Z$/, 'Z');
  const form = h('form.card.scope', h('h2', t('scope')), h('p', t('scope_intro')),
    h('div.row', field(t('from'), from), field(t('to'), to)),
    h('div.row', field(t('principal'), principal, t('principal_hint')), field(t('activity'), activity)),
    h('button', { type: 'submit' }, t('compute_scope')), out);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    out.replaceChildren();
    if (!from.value) return out.append(notice('error', t('scope_from_missing')));
    const body = { from: iso(from.value) };
    if (to.value) body.to = iso(to.value);
    if (principal.value.trim()) body.principal = principal.value.trim();
    if (activity.value.trim()) body.activity = activity.value.trim();
    try {
      const r = await api('POST', tpath(`/breaches/${b.id}/scope`), body);
      out.append(h('p', { 'data-testid': 'scope-summary' }, t('scope_result', r.accesses, r.subjects, r.records, r.categories)),
        table(t('by_category'), [t('category'), t('subjects'), t('records'), t('accesses')],
          r.by_category.map((x) => h('tr', h('td', x.category), h('td', String(x.subjects)), h('td', String(x.records)),
            h('td', String(x.accesses))))),
        table(t('by_subject'), [t('subject'), t('records'), t('accesses')],
          r.by_subject.map((x) => h('tr', h('td.mono', x.subject), h('td', String(x.records)), h('td', String(x.accesses))))));
    } catch (err) { out.append(notice('error', err.message)); }
  });
  return form;
}

function drafts(b) {
  const to = select('to', [['authority', t('to_authority')], ['subjects', t('to_subjects')]], 'authority');
  const language = select('language', [['fr', 'Français'], ['en', 'English']], 'fr');
  const pre = h('pre.draft', { 'data-testid': 'draft', tabindex: 0, 'aria-label': t('draft') });
  const msg = h('div');
  const q = () => `/breaches/${b.id}/draft?to=${to.value}&language=${language.value}`;
  const show = async () => {
    msg.replaceChildren();
    try {
      const res = await api('GET', tpath(q() + '&format=text'), undefined, { raw: true });
      pre.textContent = await res.text();
      pre.lang = language.value;
    } catch (err) { msg.append(notice('error', err.message)); }
  };
  const save = async (format) => {
    try {
      const res = await api('GET', tpath(`${q()}&format=${format}`), undefined, { raw: true });
      download(await res.blob(), `breach-${b.id}-${to.value}-${language.value}.${format === 'html' ? 'html' : 'txt'}`);
    } catch (err) { msg.append(notice('error', err.message)); }
  };
  const form = h('form.card.drafts', h('h2', t('drafts')), h('div.row', field(t('recipient'), to), field(t('draft_language'), language)),
    h('div.buttons', h('button', { type: 'submit' }, t('show_draft')), button(t('print'), () => window.print()),
      button(t('download_text'), () => save('text')), button(t('download_html'), () => save('html'))), msg, pre);
  form.addEventListener('submit', (e) => { e.preventDefault(); show(); });
  return form;
}

function notifyForm(b) {
  if (b.notified_at) return null;
  const at = h('input', { type: 'datetime-local', name: 'at' });
  const why = h('input', { name: 'delay_reason' });
  const msg = h('div');
  const form = h('form.card', h('h2', t('notify')), h('div.row', field(t('notified_at'), at, t('now_if_empty')),
    field(t('delay_reason'), why, t('delay_hint'))), msg, h('button', { type: 'submit' }, t('record_notification')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const body = {};
    if (at.value) body.at = new Date(at.value).toISOString().replace(/\.\d+Z$/, 'Z');
    if (why.value.trim()) body.delay_reason = why.value.trim();
    try {
      await api('POST', tpath(`/breaches/${b.id}/notify`), body);
      location.reload();
    } catch (err) { msg.replaceChildren(notice('error', err.message)); }
  });
  return form;
}
