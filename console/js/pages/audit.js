// audit.js — the audit trail: search by subject, principal, action, purpose,
// outcome and time (GET …/audit), verification of the chain and its
// checkpoints (GET …/audit/verify), and the entries found saved as a file;
// long results come in pages (the API's cursor).
import { h, field, select, table, notice, fmtDateTime, download, button } from '../dom.js';
import { t } from '../i18n.js';
import { api, tpath } from '../api.js';

export async function render(box) {
  box.append(h('h1', t('nav_audit')));
  const inputs = {
    subject: h('input', { name: 'subject', spellcheck: 'false' }),
    principal: h('input', { name: 'principal', spellcheck: 'false' }),
    action: h('input', { name: 'action', spellcheck: 'false' }),
    purpose: h('input', { name: 'purpose', spellcheck: 'false' }),
    from: h('input', { name: 'from', type: 'date' }),
    to: h('input', { name: 'to', type: 'date' }),
  };
  const outcome = select('outcome', [['', t('all')], ['ok', 'ok'], ['denied', t('outcome_denied')], ['failed', t('outcome_failed')]], '');
  const out = h('div');
  const verifyOut = h('div');
  let last = [];
  const form = h('form.card.filters', { role: 'search' }, h('h2', t('search')),
    h('div.row', Object.entries(inputs).map(([k, el]) => field(t('audit_' + k), el)), field(t('outcome'), outcome)),
    h('div.buttons', h('button', { type: 'submit' }, t('search')),
      button(t('export_json'), () => download(new Blob([JSON.stringify(last, null, 1)], { type: 'application/json' }),
        'audit.json'))));
  // Pages of 200 entries; "next" is the API's cursor (?after=).
  const search = async (after) => {
    const q = new URLSearchParams({ limit: '200' });
    for (const [k, el] of Object.entries(inputs)) if (el.value.trim()) q.set(k, el.value.trim());
    if (outcome.value) q.set('outcome', outcome.value);
    if (after) q.set('after', String(after));
    try {
      const r = await api('GET', tpath(`/audit?${q}`));
      last = r.entries;
      const more = r.next ? button(t('next_page'), () => search(r.next)) : null;
      const first = after ? button(t('first_page'), () => search(0)) : null;
      out.replaceChildren(h('div.buttons', first, more), table(t('n_entries', r.entries.length) + (r.truncated ? ' ' + t('truncated') : ''),
        [t('seq'), t('at'), t('principal'), t('action'), t('purpose'), t('subject'), t('outcome'), t('reason')],
        r.entries.map((x) => h('tr', h('td', String(x.seq)), h('td', fmtDateTime(x.at)), h('td', x.principal), h('td', x.action),
          h('td', x.purpose || ''), h('td.mono', x.subject || ''), h(x.outcome === 'ok' ? 'td' : 'td.late', x.outcome),
          h('td', x.reason || '')))));
    } catch (err) { out.replaceChildren(notice('error', err.message)); }
  };
  form.addEventListener('submit', (e) => { e.preventDefault(); search(0); });
  const verify = h('section.card', h('h2', t('verify_chain')), button(t('verify_now'), async () => {
    try {
      const r = await api('GET', tpath('/audit/verify'));
      verifyOut.replaceChildren(h('p', { class: r.intact ? 'ok' : 'late', 'data-testid': 'verify' },
        r.intact ? t('audit_intact') : t('audit_broken', r.detail)), h('p', t('audit_detail', r.checkpoints, r.unsigned_tail)),
      h('p', t('n_entries', r.entries)));
    } catch (err) { verifyOut.replaceChildren(notice('error', err.message)); }
  }), verifyOut);
  box.append(form, out, verify);
  form.requestSubmit();
}
