// subjects.js — find a data subject by an identifier (email, phone,
// customer number: POST …/subjects/find, so the value stays out of URLs and
// logs), then read what is held for a purpose chosen from the register (the
// read is audited with that purpose; the role decides what is shown and
// what is withheld), and the subject's consents and their history.
import { h, field, select, table, notice, fmtDateTime, say } from '../dom.js';
import { t } from '../i18n.js';
import { api, tpath, can, session } from '../api.js';

export async function render(box, arg) {
  box.append(h('h1', t('nav_subjects')));
  const kind = select('kind', [['email', t('id_email')], ['phone', t('id_phone')], ['customer_number', t('id_customer_number')]], 'email');
  const other = h('input', { name: 'kind_other', spellcheck: 'false' });
  const value = h('input', { name: 'value', required: true, spellcheck: 'false', autocomplete: 'off' });
  const msg = h('div');
  const found = h('div');
  const form = h('form.card', { role: 'search' }, h('h2', t('find_subject')),
    h('div.row', field(t('identifier_kind'), kind), field(t('identifier_other'), other, t('identifier_other_hint')),
      field(t('identifier_value'), value)), msg, h('button', { type: 'submit' }, t('find')));
  box.append(form, found);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    msg.replaceChildren();
    found.replaceChildren();
    try {
      const r = await api('POST', tpath('/subjects/find'), { kind: other.value.trim() || kind.value, value: value.value.trim() });
      await showSubject(found, r.subject);
    } catch (err) {
      msg.append(notice('error', err.status === 404 ? t('subject_not_found') : err.message));
    }
  });
  if (arg) await showSubject(found, decodeURIComponent(arg));
}

async function showSubject(box, subject) {
  const reg = await api('GET', tpath('/register?format=json')).catch(() => ({ activities: [] }));
  const acts = (reg.activities || []).map((a) => [a.id, `${a.name} (${a.id})`]);
  const purpose = select('purpose', [['', t('choose_purpose')], ...acts], '');
  const out = h('div');
  const form = h('form.inline', field(t('purpose'), purpose, t('purpose_hint', (session.me && session.me.activities) || '')),
    h('button', { type: 'submit' }, t('read_records')));
  box.append(h('section.card', h('h2', t('subject_n')), h('p.mono', { 'data-testid': 'subject-id' }, subject),
    can('requests') ? h('p', t('subject_request_hint')) : null, form, out));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    out.replaceChildren();
    if (!purpose.value) return out.append(notice('error', t('choose_purpose')));
    try {
      const r = await api('GET', tpath(`/subjects/${encodeURIComponent(subject)}/records?purpose=${encodeURIComponent(purpose.value)}`));
      const byAct = new Map();
      for (const rec of r.records) {
        if (!byAct.has(rec.activity)) byAct.set(rec.activity, []);
        byAct.get(rec.activity).push(rec);
      }
      if (r.withheld) out.append(notice(r.records.length ? 'info' : 'error', t('withheld', r.withheld, r.purpose)));
      for (const [act, recs] of byAct) out.append(table(t('activity_n', act), [t('number'), t('category'), t('value'), t('source'), t('collected_at')],
        recs.map((x) => h('tr', h('td', String(x.id)), h('td', x.category), h('td.mono', typeof x.value === 'string' ? x.value : JSON.stringify(x.value)),
          h('td', x.source || ''), h('td', fmtDateTime(x.collected_at))))));
      if (!r.records.length && !r.withheld) out.append(notice('info', t('no_records')));
      say(t('read_audited', r.purpose));
    } catch (err) {
      out.append(notice('error', err.status === 403 ? t('read_refused', purpose.value, err.message) : err.message));
    }
  });
  if (can('requests')) {
    try {
      const c = await api('GET', tpath(`/subjects/${encodeURIComponent(subject)}/consents`));
      box.append(table(t('consents'), [t('activity'), t('event'), t('at'), t('expires_at'), t('channel'), t('text_version')],
        c.consents.map((x) => h('tr', h('td', x.activity), h('td', t('consent_' + x.event)), h('td', fmtDateTime(x.at)),
          h('td', fmtDateTime(x.expires_at)), h('td', x.channel), h('td', x.text_version)))));
    } catch (err) { box.append(notice('error', err.message)); }
  }
}
