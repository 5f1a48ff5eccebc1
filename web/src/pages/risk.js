// Risk board: conversations at critical and high risk (critical first,
// as the API orders them), and the open cases at high risk or worse.
import { h } from '../dom.js';
import { get } from '../api.js';
import { t, causeLabel } from '../i18n.js';
import { riskBadge, stateBadge, countdown } from '../fmt.js';
import { section, table, empty } from '../ui.js';

const RANK = { critical: 0, high: 1, elevated: 2, normal: 3 };

export async function riskPage() {
  const [convs, cases] = await Promise.all([
    get('/conversations', { risk: 'critical,high', limit: 200 }),
    get('/cases', { open: 1, min_risk: 'high', limit: 200 }),
  ]);
  const byRisk = (a, b) => RANK[a.risk] - RANK[b.risk];
  const cv = [...convs.items].sort(byRisk), cs = [...cases.items].sort(byRisk);
  return h('div', null,
    h('h1', null, t('risk.title')),
    h('div', { class: 'two' },
      section(t('risk.convs'), cv.length ? table([
        [t('common.risk'), (c) => riskBadge(c.risk)],
        [t('common.conversation'), (c) => h('a', { href: '/conversations/' + encodeURIComponent(c.id) }, c.id)],
        [t('common.agent'), (c) => c.agent || '—'],
        [t('common.day'), (c) => c.day || '—'],
        [t('common.causes'), (c) => (c.causes || []).map(causeLabel).join('、') || '—'],
        ['A/B/C', (c) => `${c.findings.A || 0}/${c.findings.B || 0}/${c.findings.C || 0}`, 'num'],
        [t('common.case'), (c) => (c.case ? h('a', { href: '/cases/' + c.case }, '#', c.case) : '—')],
      ], cv, (c) => ({ class: 'risk-row-' + c.risk, 'data-testid': 'risk-conv' })) : empty()),
      section(t('risk.cases'), cs.length ? table([
        [t('common.risk'), (c) => riskBadge(c.risk)],
        [t('common.case'), (c) => h('a', { href: '/cases/' + c.id }, '#', c.id)],
        [t('common.state'), (c) => stateBadge(c.state)],
        [t('common.summary'), (c) => c.summary, 'summary'],
        [t('cases.nextDue'), (c) => countdown(c.next_due)],
      ], cs, (c) => ({ class: 'risk-row-' + c.risk, 'data-testid': 'risk-case' })) : empty())));
}
