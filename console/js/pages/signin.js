// signin.js — password and TOTP sign-in (POST /v1/auth/login). Support staff
// leave the tenant empty and pick one afterwards (their grants say which).
import { h, field, notice } from '../dom.js';
import { t } from '../i18n.js';
import { api, saveSession, ApiError } from '../api.js';

export async function render(box, arg, go) {
  const tenant = h('input', { name: 'tenant', autocomplete: 'organization', spellcheck: 'false' });
  const name = h('input', { name: 'name', autocomplete: 'username', required: true, spellcheck: 'false' });
  const password = h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const code = h('input', { name: 'totp', inputmode: 'numeric', autocomplete: 'one-time-code', pattern: '[0-9]{6}',
    maxlength: '6' });
  const msg = h('div.msg');
  const submit = h('button', { type: 'submit' }, t('sign_in'));
  const form = h('form.card.signin', { novalidate: true },
    h('h1', t('sign_in')),
    h('p', t('signin_intro')),
    field(t('tenant'), tenant, t('tenant_hint')),
    field(t('name'), name),
    field(t('password'), password),
    field(t('totp_code'), code, t('totp_hint')),
    msg, submit);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    msg.replaceChildren();
    if (!name.value || !password.value) {
      msg.append(notice('error', t('signin_missing')));
      return;
    }
    submit.disabled = true;
    const body = { name: name.value, password: password.value };
    if (tenant.value.trim()) body.tenant = tenant.value.trim();
    if (code.value.trim()) body.totp = code.value.trim();
    try {
      const r = await api('POST', '/v1/auth/login', body);
      password.value = '';
      saveSession(r.token, body.tenant || '', body.name);
      sessionStorage.setItem('gd.timeouts', JSON.stringify([r.idle_timeout, r.absolute_timeout]));
      go('#/today');
    } catch (e) {
      password.value = '';
      code.value = '';
      const text = e instanceof ApiError && e.status === 429 ? t('locked_out') :
        e instanceof ApiError && e.status === 401 ? t('signin_refused', e.message) : e.message;
      msg.append(notice('error', text));
      password.focus();
    } finally {
      submit.disabled = false;
    }
  });
  box.append(form);
}
