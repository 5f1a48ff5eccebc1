// Times, countdowns and small badges shared by the pages.
import { h } from './dom.js';
import { t, riskLabel, stateLabel, codeLabel } from './i18n.js';

/** "2026-06-05T10:00:35+08:00" -> "06-05 10:00" (kesu's times are China time). */
export function shortTime(iso) {
  if (!iso) return '—';
  const m = /^\d{4}-(\d\d-\d\d)T(\d\d:\d\d)/.exec(iso);
  return m ? m[1] + ' ' + m[2] : iso;
}

/** A duration in ms as "2天3小时" / "2d 3h", down to seconds under an hour. */
export function duration(ms) {
  let s = Math.floor(Math.abs(ms) / 1000);
  const d = Math.floor(s / 86400); s -= d * 86400;
  const hh = Math.floor(s / 3600); s -= hh * 3600;
  const mm = Math.floor(s / 60); s -= mm * 60;
  const parts = d ? [[d, 'd'], [hh, 'h']] : hh ? [[hh, 'h'], [mm, 'm']] : [[mm, 'm'], [s, 's']];
  const sep = t('unit.d') === 'd' ? ' ' : '';
  return parts.map(([n, u]) => n + t('unit.' + u)).join(sep);
}

function countdownText(el) {
  const left = Date.parse(el.dataset.due) - Date.now();
  el.classList.toggle('over', left < 0);
  el.classList.toggle('soon', left >= 0 && left < 3600e3);
  el.textContent = left < 0 ? t('due.over', { t: duration(left) }) : t('due.left', { t: duration(left) });
}

/** A live countdown to iso (updated every second while on the page). */
export function countdown(iso) {
  if (!iso) return h('span', { class: 'muted' }, '—');
  const el = h('span', { class: 'countdown', 'data-due': iso, title: iso });
  countdownText(el);
  return el;
}

setInterval(() => document.querySelectorAll('.countdown').forEach(countdownText), 1000);

export const riskBadge = (r) => h('span', { class: ['badge', 'risk-' + r] }, riskLabel(r));
export const levelBadge = (l) => h('span', { class: ['badge', 'lv-' + l] }, l);
export const stateBadge = (st) => h('span', { class: ['badge', 'state', 'st-' + st] }, stateLabel(st));
export const codeTag = (c) => h('span', { class: 'code', title: c }, codeLabel(c));
