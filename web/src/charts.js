// Hand-made SVG charts (no library): horizontal bars and stacked columns.
// Colours come from CSS classes, sizes from the viewBox, so the charts
// scale with the page.
import { s, h } from './dom.js';

/** Horizontal bars: rows [{label, value, cls?}], sorted as given. */
export function barChart(rows, { unit = '', width = 640 } = {}) {
  const bar = 22, gap = 8, left = 170, right = 60;
  const max = Math.max(1, ...rows.map((r) => r.value));
  const height = rows.length * (bar + gap) + gap;
  const scale = (width - left - right) / max;
  return s('svg', { class: 'chart bars', viewBox: `0 0 ${width} ${height}`, role: 'img' },
    rows.map((r, i) => {
      const y = gap + i * (bar + gap);
      const w = Math.max(1, r.value * scale);
      return s('g', { class: r.cls || 'c0' },
        s('text', { x: left - 8, y: y + bar * 0.7, 'text-anchor': 'end', class: 'label' }, r.label),
        s('rect', { x: left, y, width: w, height: bar, rx: 3 }, s('title', null, `${r.label}: ${r.value}${unit}`)),
        s('text', { x: left + w + 6, y: y + bar * 0.7, class: 'value' }, `${r.value}${unit}`));
    }));
}

/**
 * Stacked columns: days ["YYYY-MM-DD"], series [{key, label}],
 * value(day, key) -> number. With a legend below.
 */
export function stackedColumns(days, series, value, { width = 720, height = 260 } = {}) {
  const top = 10, bottom = 40, left = 36, right = 10;
  const totals = days.map((d) => series.reduce((n, se) => n + value(d, se.key), 0));
  const max = Math.max(1, ...totals);
  const plotH = height - top - bottom;
  const step = (width - left - right) / Math.max(1, days.length);
  const colW = Math.min(48, step * 0.7);
  const ticks = [0, Math.ceil(max / 2), max];
  const svg = s('svg', { class: 'chart columns', viewBox: `0 0 ${width} ${height}`, role: 'img' },
    ticks.map((v) => {
      const y = top + plotH - (v / max) * plotH;
      return s('g', { class: 'tick' },
        s('line', { x1: left, x2: width - right, y1: y, y2: y }),
        s('text', { x: left - 6, y: y + 4, 'text-anchor': 'end' }, String(v)));
    }),
    days.map((d, i) => {
      const x = left + i * step + (step - colW) / 2;
      let y = top + plotH;
      const parts = series.map((se, k) => {
        const v = value(d, se.key);
        if (!v) return null;
        const hgt = (v / max) * plotH;
        y -= hgt;
        return s('rect', { x, y, width: colW, height: hgt, class: 'c' + (k % 10) },
          s('title', null, `${d} ${se.label}: ${v}`));
      });
      return s('g', null, parts,
        s('text', { x: x + colW / 2, y: height - bottom + 16, 'text-anchor': 'middle', class: 'label' }, d.slice(5)));
    }));
  const legend = h('div', { class: 'legend' }, series.map((se, k) =>
    h('span', null, h('i', { class: 'swatch c' + (k % 10) }), se.label)));
  return h('div', { class: 'chart-wrap' }, svg, legend);
}
