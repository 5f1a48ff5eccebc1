// The reply guard demo: a draft reply (and optionally what the customer
// just said) goes to POST /guard; the findings it would cause are shown
// in the draft, with the advice and the script to say instead.
import { h, put, highlighted } from '../dom.js';
import { post } from '../api.js';
import { t } from '../i18n.js';
import { levelBadge, codeTag, riskBadge } from '../fmt.js';
import { section, errorBox } from '../ui.js';

// kept across re-renders (a language switch keeps the draft and answer)
const last = { context: '', draft: '', answer: null };

export function guardPage(ctx) {
  const context = h('textarea', { name: 'context', rows: 2, 'data-testid': 'guard-context',
    oninput: () => { last.context = context.value; } });
  const draft = h('textarea', { name: 'reply', rows: 4, required: true, 'data-testid': 'guard-draft',
    placeholder: t('guard.placeholder'), oninput: () => { last.draft = draft.value; } });
  context.value = last.context;
  draft.value = last.draft;
  const out = h('div', { class: 'guard-out', 'data-testid': 'guard-result', 'aria-live': 'polite' });
  const form = h('form', { class: 'guard card' },
    h('p', { class: 'muted' }, t('guard.intro')),
    h('label', { class: 'field' }, h('span', null, t('guard.context')), context),
    h('label', { class: 'field' }, h('span', null, t('guard.draft')), draft),
    h('button', { type: 'submit', class: 'primary', 'data-testid': 'guard-check' }, t('guard.check')));
  const show = (reply, res) => {
    last.answer = [reply, res];
    if (res.ok) return put(out, h('p', { class: 'ok-box', 'data-testid': 'guard-ok' }, '✓ ', t('guard.ok')));
    put(out,
      h('p', { class: 'error' }, '✗ ', t('guard.bad', { n: res.findings.length }), ' ', riskBadge(res.risk)),
      section(t('guard.draft'), h('p', { class: 'msg', 'data-testid': 'guard-marked' },
        highlighted(reply, res.findings.map((f) => ({ start: f.start, end: f.end, level: f.level, title: f.code }))))),
      res.findings.map((f) => h('article', { class: ['finding', 'lv-' + f.level], 'data-testid': 'guard-finding', 'data-code': f.code },
        h('header', null, levelBadge(f.level), codeTag(f.code), ' ', h('q', null, f.evidence)),
        h('div', { class: 'advice' }, h('b', null, t('inc.advice'), ':'), ' ', f.advice))),
      res.suggestion ? section(t('guard.suggestion'),
        h('h3', null, res.suggestion.title),
        h('blockquote', { class: 'script', 'data-testid': 'guard-suggestion' }, res.suggestion.text),
        h('button', { type: 'button', onclick: () => { draft.value = last.draft = res.suggestion.text; draft.focus(); } },
          t('guard.use'))) : null);
  };
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const body = { reply: draft.value, agent: ctx.me.user };
    if (ctx.me.shop) body.shop = ctx.me.shop;
    if (context.value.trim()) body.context = [{ from: 'customer', text: context.value }];
    try {
      show(draft.value, await post('/guard', body));
    } catch (err) {
      put(out, errorBox(err));
    }
  });
  if (last.answer) show(...last.answer);
  return h('div', null, h('h1', null, t('guard.title')), form, out);
}
