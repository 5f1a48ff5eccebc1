// One case: its flow with the moves allowed now, the fault reasoning, the
// plan (offers with their scripts, checklist, legal tips), promises with
// countdowns, the timeline and the state of its audit hash chain.
import { h } from '../dom.js';
import { get, post } from '../api.js';
import { t, stateLabel, causeLabel, faultLabel, remedyLabel, promiseLabel } from '../i18n.js';
import { shortTime, countdown, riskBadge, stateBadge } from '../fmt.js';
import { section, flowSteps } from '../ui.js';

let flash = null;   // the outcome of the last action, shown once

const list = (items, cls) => h('ul', { class: cls || 'plain' }, (items || []).map((x) => h('li', null, x)));

function eventText(e) {
  const d = e.data || {};
  switch (e.type) {
    case 'move': return [stateLabel(d.from), ' → ', stateLabel(d.to), d.note ? ':' + d.note : ''];
    case 'resolve': return remedyLabel(d.remedy);
    case 'note': return d.text || d.note || '';
    case 'create': return d.summary || '';
    case 'promise': return [promiseLabel(d.kind), d.text ? ':' + d.text : ''];
    case 'update': case 'set':   // the facts set: "key=value" pairs
      return Object.entries(d).filter(([key]) => key !== 'promises' && key !== 'fault')
        .map(([key, v]) => `${key}=${typeof v === 'object' ? JSON.stringify(v) : v}`).join(' ')
        + (d.fault ? ' → ' + faultLabel(d.fault) : '');
    default: return d.note || '';
  }
}

function flowCard(c, allowed, act) {
  const msg = flash ? h('p', { class: flash.ok ? 'ok-box' : 'error', role: 'status', 'data-testid': 'move-result' },
    flash.text) : null;
  flash = null;
  return section(t('case.flow'),
    flowSteps(c.state),
    h('div', { class: 'actions' },
      c.state === 'closed' ? h('span', { class: 'muted' }, t('case.final')) :
        allowed.map((st) => h('button', { class: 'primary', 'data-testid': 'move', 'data-to': st,
          onclick: () => act('move', { to: st }, t('case.moved', { s: stateLabel(st) })) },
        t('case.move', { s: stateLabel(st) })))),
    msg);
}

function planCard(plan) {
  const offers = plan.offers || [];
  return section(t('case.plan'),
    offers.length ? h('div', { class: 'offers' }, offers.map((o) => h('div', { class: 'offer', 'data-testid': 'offer' },
      h('h3', null, remedyLabel(o.remedy), o.amount ? ` ¥${o.amount}` : ''),
      h('p', { class: 'small muted' }, o.why),
      o.script ? h('blockquote', { class: 'script' }, o.script) : null)))
      : h('p', { class: 'muted' }, t('case.noOffers')),
    plan.checklist && plan.checklist.length ? [h('h3', null, t('case.checklist')), list(plan.checklist, 'checklist')] : null,
    plan.refund_advice && plan.refund_advice.length ? [h('h3', null, t('case.refund')), list(plan.refund_advice)] : null,
    plan.tips && plan.tips.length ? [h('h3', null, t('case.tips')), list(plan.tips, 'tips')] : null);
}

function promisesCard(promises) {
  if (!promises || !promises.length) return null;
  return section(t('case.promises'), h('ul', { class: 'plain' }, promises.map((p) => h('li', { class: 'promise' },
    h('b', null, promiseLabel(p.kind)), ' ', p.text || '', ' — ',
    p.kept_at ? h('span', { class: 'ok' }, t('case.kept'), ' ', shortTime(p.kept_at)) : countdown(p.due_at)))));
}

function auditCard(audit) {
  const ok = audit && audit.intact;
  return section(t('case.audit'), h('p', { class: ok ? 'ok-box' : 'error', 'data-testid': 'audit' },
    ok ? '✓ ' + t('case.auditOk', { n: audit.events }) : '✗ ' + t('case.auditBad')));
}

function noteForm(act) {
  const text = h('input', { name: 'text', required: true, class: 'grow' });
  const form = h('form', { class: 'inline' }, text, h('button', { type: 'submit' }, t('case.addNote')));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    act('note', { text: text.value }, t('case.note') + ' ✓');
  });
  return form;
}

export async function casePage(ctx) {
  const id = ctx.params[0];
  const c = await get('/cases/' + id);
  const act = async (verb, body, okText) => {
    try {
      await post(`/cases/${id}/${verb}`, body);
      flash = { ok: true, text: okText };
    } catch (err) {
      flash = { ok: false, text: `${t('case.refused')}: ${err.message}` };
    }
    ctx.rerender();
  };
  const o = c.order || {};
  return h('div', { class: 'case-page', 'data-state': c.state },
    h('h1', null, t('case.title', { id: c.id }), ' ', stateBadge(c.state), ' ', riskBadge(c.risk),
      c.safety ? h('span', { class: 'badge risk-critical' }, t('case.safety')) : null,
      c.plan && c.plan.escalate_to_lead ? h('span', { class: 'badge warn' }, t('case.escalate')) : null),
    h('p', { class: 'meta-line' },
      t('common.customer'), ' ', h('b', null, c.customer), ' · ', t('common.agent'), ' ', c.agent || '—',
      ' · ', t('common.shop'), ' ', c.shop || '—',
      c.causes && c.causes.length ? [' · ', c.causes.map(causeLabel).join('、')] : null,
      (c.conversations || []).map((cv) => [' · ', h('a', { href: '/conversations/' + encodeURIComponent(cv) }, cv)])),
    h('blockquote', { class: 'summary' }, c.summary),
    o.sku ? h('p', { class: 'small muted' }, t('case.order'), ' ', [o.id, o.sku, o.batch, o.price && '¥' + o.price,
      o.carrier, o.region].filter(Boolean).join(' · ')) : null,
    flowCard(c, c.allowed || [], act),
    h('div', { class: 'two' },
      h('div', null,
        section(t('case.fault'), h('p', null, h('b', { 'data-testid': 'fault' }, faultLabel(c.fault))),
          list(c.fault_reasons, 'reasons')),
        planCard(c.plan || {}),
        c.scripts && c.scripts.length ? section(t('case.scripts'), c.scripts.map((sc) =>
          h('div', { class: 'offer' }, h('h3', null, sc.title || sc.name),
            h('blockquote', { class: 'script' }, sc.text)))) : null),
      h('div', null,
        promisesCard(c.promises),
        c.notes && c.notes.length ? section(t('case.notes'), h('ul', { class: 'plain notes' }, c.notes.map((n) =>
          h('li', null, h('span', { class: 'muted small' }, shortTime(n.at), ' ', n.author || ''), ' ', n.text)))) : null,
        section(t('case.timeline'),
          h('ol', { class: 'timeline', 'data-testid': 'timeline' }, (c.events || []).map((e) => h('li', null,
            h('span', { class: 'muted small' }, '#', e.seq, ' ', shortTime(e.at), ' ', e.actor || ''), ' ',
            h('b', null, t('ev.' + e.type)), ' ', eventText(e)))),
          noteForm(act)),
        auditCard(c.audit))));
}
