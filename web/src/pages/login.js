// The login page: POST /login; the answer's csrf token is kept in memory
// by the caller.
import { h } from '../dom.js';
import { post } from '../api.js';
import { t } from '../i18n.js';

export function loginPage({ onLogin, switchLang }) {
  const name = h('input', { name: 'name', autocomplete: 'username', required: true, 'data-testid': 'login-name' });
  const password = h('input', { name: 'password', type: 'password', autocomplete: 'current-password',
    required: true, 'data-testid': 'login-password' });
  const msg = h('p', { class: 'error', role: 'alert', hidden: true });
  const button = h('button', { type: 'submit', class: 'primary', 'data-testid': 'login-submit' }, t('login.submit'));
  const form = h('form', { class: 'login card' },
    h('div', { class: 'login-head' },
      h('span', { class: 'logo' }, '诉'),
      h('h1', null, t('login.title')),
      h('button', { type: 'button', class: 'link', 'data-testid': 'lang', onclick: switchLang }, t('lang.other'))),
    h('label', { class: 'field' }, h('span', null, t('login.name')), name),
    h('label', { class: 'field' }, h('span', null, t('login.password')), password),
    button, msg,
    h('p', { class: 'muted small' }, t('login.note')));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    button.disabled = true;
    msg.hidden = true;
    try {
      onLogin(await post('/login', { name: name.value, password: password.value }));
    } catch (err) {
      msg.textContent = err.status === 401 ? t('login.failed') : `${t('common.error')}: ${err.message}`;
      msg.hidden = false;
      button.disabled = false;
    }
  });
  queueMicrotask(() => name.focus());
  return h('div', { class: 'login-wrap' }, form);
}
