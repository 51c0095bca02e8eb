// tenant.js — the tenant picker: a person belongs to one tenant and goes
// straight in; support staff of the provider name the tenant whose grant
// they work under (the API refuses without a live grant).
import { h, field } from '../dom.js';
import { t } from '../i18n.js';
import { session, saveSession } from '../api.js';

export async function render(box, arg, go) {
  const input = h('input', { name: 'tenant', required: true, autocomplete: 'organization', spellcheck: 'false' });
  const form = h('form.card', h('h1', t('pick_tenant')),
    h('p', t('pick_tenant_intro', session.name)),
    field(t('tenant'), input), h('button', { type: 'submit' }, t('open')));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    if (!input.value.trim()) return;
    saveSession(session.token, input.value.trim());
    go('#/today');
  });
  box.append(form);
}
