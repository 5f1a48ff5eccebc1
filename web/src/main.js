// The dashboard: a login, then a shell (navigation, language switch) around
// one page chosen by the URL path. Pages are plain functions returning
// elements; links change the path with the History API, so the server
// answers every page path with index.html.
import './style.css';
import { h, put } from './dom.js';
import { post, setCsrf, whenUnauthorized, ApiError } from './api.js';
import { t, lang, setLang } from './i18n.js';
import { errorBox } from './ui.js';
import { loginPage } from './pages/login.js';
import { incidentsPage } from './pages/incidents.js';
import { conversationPage } from './pages/conversation.js';
import { scorecardsPage } from './pages/scorecards.js';
import { casesPage } from './pages/cases.js';
import { casePage } from './pages/case.js';
import { riskPage } from './pages/risk.js';
import { causesPage } from './pages/causes.js';
import { guardPage } from './pages/guard.js';

const NAV = [
  ['/incidents', 'nav.incidents'],
  ['/scorecards', 'nav.scorecards'],
  ['/cases', 'nav.cases'],
  ['/risk', 'nav.risk'],
  ['/causes', 'nav.causes'],
  ['/guard', 'nav.guard'],
];

const ROUTES = [
  [/^\/incidents$/, incidentsPage],
  [/^\/conversations\/([^/]+)$/, conversationPage],
  [/^\/scorecards$/, scorecardsPage],
  [/^\/cases$/, casesPage],
  [/^\/cases\/(\d+)$/, casePage],
  [/^\/risk$/, riskPage],
  [/^\/causes$/, causesPage],
  [/^\/guard$/, guardPage],
];

const root = document.getElementById('app');
let me = null;          // the login answer, in memory only
let renderSeq = 0;

export function go(path, replace) {
  if (replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  render();
}

// Same-origin links are handled here instead of reloading the page (a
// reload would drop the in-memory session).
document.addEventListener('click', (ev) => {
  const a = ev.target.closest && ev.target.closest('a[href]');
  if (!a || ev.defaultPrevented || ev.button !== 0 || ev.metaKey || ev.ctrlKey ||
      ev.shiftKey || a.target === '_blank') return;
  const url = new URL(a.href, location.href);
  if (url.origin !== location.origin || url.pathname.startsWith('/api/')) return;
  ev.preventDefault();
  go(url.pathname + url.search);
});
window.addEventListener('popstate', () => render());

// A session that ended (expired, logged out elsewhere): a fresh page, so
// nothing of it stays in memory; the login shows at the same path.
whenUnauthorized(() => location.reload());

function switchLang() {
  setLang(lang() === 'zh' ? 'en' : 'zh');
  render();
}

async function logout() {
  try { await post('/logout'); } catch { /* gone already */ }
  location.replace('/incidents');   // a fresh page: no data of the session stays
}

function shell(path, main) {
  return h('div', { class: 'shell' },
    h('header', { class: 'top' },
      h('a', { class: 'brand', href: '/incidents' },
        h('span', { class: 'logo' }, '诉'),
        h('span', { class: 'name' }, t('app.name')),
        h('span', { class: 'sub' }, t('app.sub'))),
      h('nav', { class: 'nav' }, NAV.map(([href, key]) =>
        h('a', { href, class: path.startsWith(href) ? 'active' : null, 'data-nav': href.slice(1) }, t(key)))),
      h('div', { class: 'who' },
        h('span', { class: 'user', 'data-testid': 'user' }, me.user, ' · ', me.role, me.shop ? ' · ' + me.shop : ''),
        h('button', { class: 'link', 'data-testid': 'lang', onclick: switchLang }, t('lang.other')),
        h('button', { class: 'link', 'data-testid': 'logout', onclick: logout }, t('logout')))),
    main);
}

export async function render() {
  const seq = ++renderSeq;
  document.documentElement.lang = lang() === 'zh' ? 'zh-CN' : 'en';
  const path = location.pathname;
  if (!me) {
    document.title = t('login.title');
    put(root, loginPage({
      onLogin(answer) {
        me = answer;
        setCsrf(answer.csrf);
        if (path === '/' || path === '/login') go('/incidents', true);
        else render();
      },
      switchLang,
    }));
    return;
  }
  if (path === '/' || path === '/login') return go('/incidents', true);
  const main = h('main', { class: 'page' }, h('p', { class: 'muted' }, t('common.loading')));
  put(root, shell(path, main));
  const route = ROUTES.find(([re]) => re.test(path));
  if (!route) {
    put(main, h('p', { class: 'error' }, '404 ', path));
    return;
  }
  const params = route[0].exec(path).slice(1).map(decodeURIComponent);
  const ctx = { params, query: new URLSearchParams(location.search), me, go, rerender: render };
  try {
    const el = await route[1](ctx);
    if (seq === renderSeq) put(main, el);
  } catch (err) {
    if (seq === renderSeq && !(err instanceof ApiError && err.status === 401)) put(main, errorBox(err));
  }
  if (seq === renderSeq) document.title = t('app.name') + ' · ' + (main.querySelector('h1')?.textContent || '');
}

render();
