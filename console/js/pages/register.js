// register.js — the register of processing activities (Art. 30): the chosen
// version rendered from its JSON, the list of versions, the diff between two
// (GET …/register/diff), and the data flows as an SVG picture: activities →
// categories of data → recipients and processors → countries outside the
// EEA with their safeguard.
import { h, s, field, select, table, notice, fmtDateTime } from '../dom.js';
import { t } from '../i18n.js';
import { api, tpath } from '../api.js';

const list = (x) => (Array.isArray(x) ? x.join(', ') : x || '—');

export async function render(box) {
  box.append(h('h1', t('nav_register')));
  const versions = (await api('GET', tpath('/register/versions'))).versions;
  if (!versions.length) return box.append(notice('info', t('no_register')));
  const latest = versions[versions.length - 1].version;
  box.append(table(t('versions'), [t('version'), t('loaded_at'), t('by'), t('file'), t('activities')],
    versions.map((v) => h('tr', h('td', String(v.version)), h('td', fmtDateTime(v.loaded_at)), h('td', v.principal),
      h('td', v.file), h('td', String(v.activities))))));
  box.append(diffForm(versions));
  const pick = select('version', versions.map((v) => [String(v.version), t('version_n', v.version)]), String(latest));
  const shown = h('div');
  box.append(h('section.card', h('h2', t('register_content')), field(t('version'), pick), shown));
  const show = async () => {
    const reg = await api('GET', tpath(`/register?format=json&version=${pick.value}`));
    shown.replaceChildren(...content(reg));
  };
  pick.addEventListener('change', show);
  await show();
}

function diffForm(versions) {
  const opts = versions.map((v) => [String(v.version), t('version_n', v.version)]);
  const from = select('from', opts, opts[Math.max(0, opts.length - 2)][0]);
  const to = select('to', opts, opts[opts.length - 1][0]);
  const out = h('div');
  const form = h('form.card', h('h2', t('diff')), h('div.row', field(t('from_version'), from), field(t('to_version'), to)),
    h('button', { type: 'submit' }, t('compare')), out);
  const json = (x) => (x === null || x === undefined ? '' : typeof x === 'string' ? x : JSON.stringify(x));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    out.replaceChildren();
    try {
      const d = await api('GET', tpath(`/register/diff?from=${from.value}&to=${to.value}`));
      out.append(table(t('n_changes', d.changes.length), [t('change'), t('where'), t('field'), t('before'), t('after')],
        d.changes.map((c) => h(`tr.op-${{ '+': 'add', '-': 'del', '~': 'mod' }[c.op]}`,
          h('td', { title: t('op_' + { '+': 'add', '-': 'del', '~': 'mod' }[c.op]) }, t('op_' + { '+': 'add', '-': 'del', '~': 'mod' }[c.op])),
          h('td', c.where), h('td', c.field || '—'), h('td.mono', json(c.before)), h('td.mono', json(c.after)))),
        { 'data-testid': 'diff' }));
    } catch (err) { out.append(notice('error', err.message)); }
  });
  return form;
}

function content(reg) {
  const c = reg.controller || {};
  const acts = reg.activities || [];
  return [
    h('dl.facts', h('dt', t('controller')), h('dd', c.name || '—'), h('dt', t('country')), h('dd', c.country || '—'),
      reg.dpo ? [h('dt', t('dpo')), h('dd', [reg.dpo.name, reg.dpo.email].filter(Boolean).join(' — '))] : null),
    h('h3', t('data_flows')), flows(acts),
    table(t('activities'), [t('activity'), t('legal_basis'), t('data_categories'), t('recipients'), t('transfers')],
      acts.map((a) => h('tr', h('th', { scope: 'row' }, h('span', a.name), h('br'), h('small.mono', a.id)),
        h('td', a.legal_basis || '—'), h('td', list(a.categories)),
        h('td', list([...(a.recipients || []), ...(a.processors || [])].map((r) => r.name))),
        h('td', list((a.transfers || []).map((x) => `${x.country || x.recipient || ''} (${x.safeguard || '?'})`)))))),
  ];
}

// Four columns of boxes joined by lines; third countries in orange with their safeguard.
function flows(acts) {
  const cols = [[], [], [], []];
  const idx = [new Map(), new Map(), new Map(), new Map()];
  const edges = new Set();
  const node = (col, key, label, cls) => {
    if (!idx[col].has(key)) { idx[col].set(key, cols[col].length); cols[col].push({ label, cls }); }
    return idx[col].get(key);
  };
  for (const a of acts) {
    const ai = node(0, a.id, a.id, 'act');
    const recips = [...(a.recipients || []).map((r) => r.name), ...(a.processors || []).map((p) => p.name)];
    const cats = a.categories || [];
    for (const c of cats) edges.add(`0:${ai}:${node(1, c, c, 'cat')}`);
    for (const r of recips) {
      const ri = node(2, r, r, 'rcp');
      for (const c of cats) edges.add(`1:${idx[1].get(c)}:${ri}`);
    }
    for (const x of a.transfers || []) {
      const where = x.country || t('third_country');
      const ci = node(3, `${where}|${x.safeguard}`, `${where} — ${x.safeguard || '?'}`, 'tc');
      const from = x.recipient && idx[2].has(x.recipient) ? idx[2].get(x.recipient) : node(2, x.recipient || '?', x.recipient || '?', 'rcp');
      edges.add(`2:${from}:${ci}`);
    }
  }
  const W = 230, GAP = 70, RH = 26, PAD = 30;
  const rows = Math.max(1, ...cols.map((c) => c.length));
  const width = 4 * W + 3 * GAP, height = PAD + rows * RH + 10;
  const x = (col) => col * (W + GAP);
  const y = (i) => PAD + i * RH;
  const cut = (str) => (str.length > 34 ? str.slice(0, 33) + '…' : str);
  const svg = s('svg', { viewBox: `0 0 ${width} ${height}`, class: 'flows', role: 'img', 'aria-labelledby': 'flows-title' },
    s('title', { id: 'flows-title' }, t('flows_title', acts.length)));
  ['col_activities', 'col_categories', 'col_recipients', 'col_countries'].forEach((k, i) =>
    svg.append(s('text', { x: x(i), y: 16, class: 'colhead' }, t(k))));
  for (const e of edges) {
    const [c, a, b] = e.split(':').map(Number);
    svg.append(s('path', { d: `M${x(c) + W} ${y(a) + 10} C${x(c) + W + GAP / 2} ${y(a) + 10} ${x(c + 1) - GAP / 2} ${y(b) + 10} ${x(c + 1)} ${y(b) + 10}`, class: 'edge' }));
  }
  cols.forEach((col, ci) => col.forEach((n, i) => svg.append(s('g', { class: `node ${n.cls}` },
    s('rect', { x: x(ci), y: y(i), width: W, height: RH - 6, rx: 4 }),
    s('text', { x: x(ci) + 6, y: y(i) + 14 }, s('title', {}, n.label), cut(n.label))))));
  return h('div.flows-wrap', { tabindex: 0, role: 'region', 'aria-label': t('data_flows') }, svg);
}
