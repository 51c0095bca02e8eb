// retention.js — the retention plan (GET …/retention/plan): what retention
// will archive, anonymise and delete, month by month over a horizon, as a
// stacked bar chart and a table, with what waits for an event and what is held.
import { h, s, field, select, table } from '../dom.js';
import { t } from '../i18n.js';
import { api, tpath } from '../api.js';

const ACTIONS = ['archive', 'anonymise', 'delete'];

export async function render(box) {
  box.append(h('h1', t('nav_retention')));
  const horizon = select('months', [['3', t('months_n', 3)], ['12', t('months_n', 12)], ['36', t('months_n', 36)]], '12');
  const out = h('div');
  box.append(h('form.filters', field(t('horizon'), horizon)), out);
  const draw = async () => {
    const d = new Date();
    d.setUTCMonth(d.getUTCMonth() + Number(horizon.value));
    const plan = await api('GET', tpath(`/retention/plan?until=${d.toISOString().slice(0, 10)}`));
    out.replaceChildren(
      h('p', { 'data-testid': 'plan-totals' }, t('plan_totals', plan.transitions, plan.waiting, plan.held, plan.no_rule)),
      chart(plan.rows, Number(horizon.value)),
      table(t('plan_rows'), [t('month'), t('activity'), t('action'), t('rule'), t('count')],
        plan.rows.map((r) => h('tr', h('td', r.month), h('td', r.activity), h('td', t('action_' + r.action)),
          h('td', r.rule), h('td', String(r.count))))));
  };
  horizon.addEventListener('change', draw);
  await draw();
}

// One bar per month of the horizon, empty months included, so that the
// chart reads as a calendar; rows of months before it (overdue) come first.
function chart(rows, n) {
  if (!rows.length) return h('p', t('plan_empty'));
  const now = new Date();
  const span = [];
  for (let i = 0; i <= n; i++) {
    const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + i, 1));
    span.push(d.toISOString().slice(0, 7));
  }
  const months = [...new Set([...rows.map((r) => r.month), ...span])].sort();
  const sums = months.map((m) => ACTIONS.map((a) => rows.filter((r) => r.month === m && r.action === a)
    .reduce((n, r) => n + r.count, 0)));
  const max = Math.max(1, ...sums.map((x) => x.reduce((a, b) => a + b, 0)));
  const BW = 28, GAP = 10, H = 180, L = 30;
  const width = L + months.length * (BW + GAP) + 160;
  const svg = s('svg', { viewBox: `0 0 ${width} ${H + 40}`, class: 'chart', role: 'img', 'aria-labelledby': 'chart-title' },
    s('title', { id: 'chart-title' }, t('chart_title', months.length)));
  svg.append(s('text', { x: 0, y: 12, class: 'axis' }, String(max)), s('text', { x: 0, y: H, class: 'axis' }, '0'));
  months.forEach((m, i) => {
    let y = H;
    ACTIONS.forEach((a, k) => {
      const hgt = (sums[i][k] / max) * (H - 20);
      if (hgt > 0) {
        y -= hgt;
        svg.append(s('rect', { x: L + i * (BW + GAP), y, width: BW, height: hgt, class: `bar ${a}` },
          s('title', {}, `${m} — ${t('action_' + a)}: ${sums[i][k]}`)));
      }
    });
    svg.append(s('text', { x: L + i * (BW + GAP), y: H + 16, class: 'axis' }, m.slice(2)));
  });
  ACTIONS.forEach((a, k) => svg.append(s('rect', { x: width - 150, y: 10 + k * 22, width: 14, height: 14, class: `bar ${a}` }),
    s('text', { x: width - 130, y: 22 + k * 22, class: 'axis' }, t('action_' + a))));
  return h('div.chart-wrap', { tabindex: 0, role: 'region', 'aria-label': t('plan_rows') }, svg);
}
