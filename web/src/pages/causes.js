// Complaint causes: conversations per cause, and per day stacked by cause.
import { h } from '../dom.js';
import { get } from '../api.js';
import { t, causeLabel } from '../i18n.js';
import { barChart, stackedColumns } from '../charts.js';
import { filterBar, field, section, empty } from '../ui.js';

export async function causesPage(ctx) {
  const q = ctx.query;
  const data = await get('/causes', { day_from: q.get('day_from'), day_to: q.get('day_to') });
  const items = [...(data.items || [])].sort((a, b) => b.conversations - a.conversations);
  const series = items.map((c) => ({ key: c.cause, label: causeLabel(c.cause) }));
  const days = [...new Set((data.days || []).map((d) => d.day))].sort();
  const cell = new Map((data.days || []).map((d) => [d.day + '|' + d.cause, d.conversations]));
  return h('div', null,
    h('h1', null, t('causes.title')),
    filterBar(ctx, [
      field(t('common.from'), h('input', { name: 'day_from', type: 'date', value: q.get('day_from') || '' })),
      field(t('common.to'), h('input', { name: 'day_to', type: 'date', value: q.get('day_to') || '' })),
    ]),
    items.length ? [
      section(t('causes.total'), barChart(items.map((c, k) => ({
        label: causeLabel(c.cause), value: c.conversations, cls: 'c' + (k % 10) })))),
      days.length ? section(t('causes.byDay'),
        stackedColumns(days, series, (d, key) => cell.get(d + '|' + key) || 0)) : null,
    ] : empty());
}
