// Cases: the promises falling due (live countdowns), then the cases with
// their flow stage and next deadline, filtered by stage, agent, open.
import { h } from '../dom.js';
import { get } from '../api.js';
import { t, stateLabel, causeLabel, promiseLabel } from '../i18n.js';
import { countdown, riskBadge, stateBadge } from '../fmt.js';
import { filterBar, field, select, table, section, pagedList, flowSteps, empty } from '../ui.js';

const STATES = ['new', 'soothing', 'verifying', 'negotiating', 'resolving', 'escalated', 'closed'];

function dueSection(items) {
  return section(t('cases.due'), items.length ? table([
    [t('cases.nextDue'), (d) => countdown(d.due_at)],
    [t('common.case'), (d) => h('a', { href: '/cases/' + d.case }, '#', d.case)],
    [t('cases.promise'), (d) => [promiseLabel(d.kind), d.text ? h('div', { class: 'small muted' }, d.text) : null]],
    [t('common.customer'), (d) => d.customer],
    [t('common.agent'), (d) => d.agent],
    [t('common.risk'), (d) => riskBadge(d.risk)],
    [t('common.state'), (d) => stateBadge(d.state)],
  ], items, (d) => ({ class: d.overdue ? 'overdue' : null, 'data-testid': 'due' }))
    : h('p', { class: 'muted' }, t('cases.noDue')));
}

function caseRow(c) {
  return h('tr', { 'data-testid': 'case-row', 'data-id': c.id },
    h('td', null, h('a', { href: '/cases/' + c.id, 'data-testid': 'open-case' }, '#', c.id)),
    h('td', null, stateBadge(c.state), flowSteps(c.state, true)),
    h('td', null, riskBadge(c.risk)),
    h('td', null, c.customer),
    h('td', null, c.agent || '—'),
    h('td', null, (c.causes || []).map(causeLabel).join('、') || '—'),
    h('td', { class: 'summary' }, c.summary || ''),
    h('td', null, c.state === 'closed' ? '—' : countdown(c.next_due)));
}

export async function casesPage(ctx) {
  const q = ctx.query;
  const params = { state: q.get('state'), open: q.get('open'), agent: q.get('agent'), limit: 50 };
  const [due, body] = [await get('/due', { within: '7d' }), h('tbody')];
  const { more, n } = await pagedList(body, (offset) => get('/cases', { ...params, offset }),
    (items) => items.map(caseRow));
  const head = [t('common.case'), t('common.state'), t('common.risk'), t('common.customer'),
    t('common.agent'), t('common.causes'), t('common.summary'), t('cases.nextDue')];
  return h('div', null,
    h('h1', null, t('cases.title')),
    dueSection(due.items || []),
    filterBar(ctx, [
      field(t('common.state'), select('state', STATES.map((st) => [st, stateLabel(st)]), q.get('state'))),
      field(t('common.agent'), h('input', { name: 'agent', value: q.get('agent') || '', size: 8 })),
      h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'open', value: '1', checked: q.get('open') === '1' }),
        t('cases.openOnly')),
    ]),
    n ? section(null, h('table', { class: 'grid cases' },
      h('thead', null, h('tr', null, head.map((x) => h('th', null, x)))), body), more) : empty());
}
