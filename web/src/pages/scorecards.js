// Agent scorecards: conversations, findings per level, and findings per
// 100 conversations, with a bar chart of the last.
import { h } from '../dom.js';
import { get } from '../api.js';
import { t } from '../i18n.js';
import { barChart } from '../charts.js';
import { filterBar, field, table, section, empty } from '../ui.js';

export async function scorecardsPage(ctx) {
  const q = ctx.query;
  const { items } = await get('/scorecards', { day_from: q.get('day_from'), day_to: q.get('day_to') });
  const rows = [...items].sort((a, b) => b.per_100 - a.per_100);
  const per100 = (r) => Math.round(r.per_100 * 10) / 10;
  return h('div', null,
    h('h1', null, t('score.title')),
    filterBar(ctx, [
      field(t('common.from'), h('input', { name: 'day_from', type: 'date', value: q.get('day_from') || '' })),
      field(t('common.to'), h('input', { name: 'day_to', type: 'date', value: q.get('day_to') || '' })),
    ]),
    rows.length ? [
      section(t('score.chart'), barChart(rows.map((r) => ({
        label: `${r.agent} (${r.shop})`, value: per100(r),
        cls: r.findings.A ? 'bad' : r.findings.B ? 'warn' : 'ok',
      })))),
      section(null, table([
        [t('common.agent'), (r) => h('a', { href: '/incidents?agent=' + encodeURIComponent(r.agent) }, r.agent)],
        [t('common.shop'), (r) => r.shop],
        [t('score.conversations'), (r) => r.conversations, 'num'],
        ['A', (r) => r.findings.A || 0, 'num lv-A'],
        ['B', (r) => r.findings.B || 0, 'num lv-B'],
        ['C', (r) => r.findings.C || 0, 'num lv-C'],
        [t('score.per100'), per100, 'num'],
      ], rows, () => ({ 'data-testid': 'scorecard' }))),
    ] : empty());
}
