// Small pieces several pages share: error boxes, sections, filter forms,
// tables and the "load more" pager.
import { h } from './dom.js';
import { ApiError } from './api.js';
import { t, FLOW, stateLabel } from './i18n.js';

export function errorBox(err) {
  const msg = err instanceof ApiError ? `${err.status} ${err.code}: ${err.message}` : String(err);
  return h('div', { class: 'error', role: 'alert' }, t('common.error'), ': ', msg);
}

export const section = (title, ...body) =>
  h('section', { class: 'card' }, title ? h('h2', null, title) : null, ...body);

export const empty = () => h('p', { class: 'muted empty' }, t('common.empty'));

/** A labelled form field. */
export const field = (label, control) => h('label', { class: 'field' }, h('span', null, label), control);

/** A <select> with an "all" first option; options: [[value, label]]. */
export function select(name, options, value, all = true) {
  return h('select', { name },
    all ? h('option', { value: '' }, t('common.all')) : null,
    options.map(([v, label]) => h('option', { value: v, selected: v === value }, label)));
}

/**
 * A filter bar: on submit, the non-empty fields become the URL's query
 * (so a filtered view can be linked) and the page renders again.
 */
export function filterBar(ctx, fields) {
  const form = h('form', { class: 'filters', 'data-testid': 'filters' },
    fields,
    h('button', { type: 'submit', class: 'primary' }, t('common.filter')),
    h('button', { type: 'button', class: 'link', onclick: () => ctx.go(location.pathname) }, t('common.clear')));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const q = new URLSearchParams();
    for (const [k, v] of new FormData(form)) if (v) q.set(k, v);
    const qs = q.toString();
    ctx.go(location.pathname + (qs ? '?' + qs : ''));
  });
  return form;
}

/** A table: cols [[label, (row) => cell, class?]]. */
export function table(cols, rows, rowAttrs) {
  return h('table', { class: 'grid' },
    h('thead', null, h('tr', null, cols.map(([label, , cls]) => h('th', { class: cls }, label)))),
    h('tbody', null, rows.map((r) => h('tr', rowAttrs ? rowAttrs(r) : null,
      cols.map(([, cell, cls]) => h('td', { class: cls }, cell(r)))))));
}

/**
 * A list that fetches pages of items: fetchPage(offset) -> {items, limit},
 * renderItems(items) -> elements appended to container.
 */
export async function pagedList(container, fetchPage, renderItems) {
  let offset = 0;
  const more = h('button', { class: 'more' }, t('common.more'));
  const load = async () => {
    more.disabled = true;
    const page = await fetchPage(offset);
    const items = page.items || [];
    offset += items.length;
    container.append(...renderItems(items));
    more.disabled = false;
    more.hidden = items.length < (page.limit || 100);
    return items.length;
  };
  more.addEventListener('click', () => load().catch((e) => container.append(errorBox(e))));
  const n = await load();
  return { more, n };
}

/** The case flow as steps (SPEC 2.1), the current one marked; escalated
 * (平台介入) is shown beside the main line. */
export function flowSteps(state, compact) {
  const at = FLOW.indexOf(state);
  return h('ol', { class: ['flow', compact && 'compact'], 'data-state': state },
    FLOW.map((st, i) => h('li', {
      class: [i < at && 'done', st === state && 'current'],
      title: stateLabel(st),
    }, compact ? null : stateLabel(st))),
    state === 'escalated' ? h('li', { class: 'current escalated' }, stateLabel('escalated')) : null);
}
