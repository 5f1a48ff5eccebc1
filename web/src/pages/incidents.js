// Incidents: every finding, newest first, filtered by level, code, agent
// and day; each shows its message with the evidence highlighted (code
// point offsets from kesu) and the code's coaching advice.
import { h, highlighted } from '../dom.js';
import { get } from '../api.js';
import { t, codeLabel, CODES } from '../i18n.js';
import { shortTime, levelBadge, codeTag } from '../fmt.js';
import { filterBar, field, select, pagedList, empty } from '../ui.js';

async function codeOptions() {
  try {
    const { items } = await get('/codes');
    return items.map((c) => [c.code, `${c.level} · ${codeLabel(c.code)}`]);
  } catch {
    return CODES.map((c) => [c, codeLabel(c)]);
  }
}

export function findingCard(f) {
  return h('article', { class: ['finding', 'lv-' + f.level], 'data-testid': 'finding', 'data-id': f.id },
    h('header', null,
      levelBadge(f.level), codeTag(f.code),
      h('span', { class: 'meta' }, t('common.agent'), ' ', h('b', null, f.agent || '—')),
      h('a', { class: 'meta', href: '/conversations/' + encodeURIComponent(f.conversation), 'data-testid': 'open-conversation' },
        t('common.conversation'), ' ', f.conversation),
      h('span', { class: 'meta muted' }, shortTime(f.at))),
    h('p', { class: 'msg' }, h('span', { class: 'from' }, t('from.' + (f.from || 'agent')), ':'),
      f.text ? highlighted(f.text, [{ start: f.start, end: f.end, level: f.level, title: f.rule }])
        : h('span', { class: 'muted' }, t('inc.noText'))),
    h('div', { class: 'advice' }, h('b', null, t('inc.advice'), ':'), ' ', f.advice || '—'),
    h('p', { class: 'small muted' },
      f.evidence ? [t('inc.evidence'), ': ', h('q', { class: 'evidence-text' }, f.evidence), ' · '] : null,
      t('inc.rule'), ' ', h('code', null, f.rule)));
}

export async function incidentsPage(ctx) {
  const q = ctx.query;
  const day = q.get('day') || '';
  const params = { level: q.get('level'), code: q.get('code'), agent: q.get('agent'),
    day_from: day, day_to: day, limit: 50 };
  const list = h('div', { class: 'findings', 'data-testid': 'findings' });
  const { more, n } = await pagedList(list,
    (offset) => get('/incidents', { ...params, offset }), (items) => items.map(findingCard));
  return h('div', null,
    h('h1', null, t('inc.title')),
    filterBar(ctx, [
      field(t('common.level'), select('level', ['A', 'B', 'C'].map((l) => [l, t('level.' + l)]), q.get('level'))),
      field(t('common.code'), select('code', await codeOptions(), q.get('code'))),
      field(t('common.agent'), h('input', { name: 'agent', value: q.get('agent') || '', size: 8 })),
      field(t('common.day'), h('input', { name: 'day', type: 'date', value: day })),
    ]),
    n ? list : empty(), more);
}
