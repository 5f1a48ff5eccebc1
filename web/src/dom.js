// Building the page: elements from plain calls, text always as text nodes
// (never innerHTML), so nothing from the data can become markup.

const SVG_NS = 'http://www.w3.org/2000/svg';

function setAttrs(el, attrs) {
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') {
      el.addEventListener(k.slice(2), v);
    } else if (k === 'class') {
      el.setAttribute('class', Array.isArray(v) ? v.filter(Boolean).join(' ') : v);
    } else if (k === 'value' && 'value' in el) {
      el.value = v;
    } else if (k === 'checked' || k === 'selected' || k === 'disabled') {
      el[k] = Boolean(v);
    } else {
      el.setAttribute(k, v === true ? '' : String(v));
    }
  }
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else if (c instanceof Node) el.appendChild(c);
    else el.appendChild(document.createTextNode(String(c)));
  }
}

/** An HTML element: h('a', {href: '/x', class: 'nav'}, 'text', child). */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

/** An SVG element (charts). */
export function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

/** Replaces el's children. */
export function put(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/**
 * text with each span [start, end) wrapped in <mark>: start and end count
 * code points (as kesu's findings do), not UTF-16 units. A span inside
 * another is a <mark> inside the other's, so every mark's text is its
 * span's whole evidence; a span crossing another's end is cut there.
 * spans: [{start, end, title, level}].
 */
export function highlighted(text, spans) {
  const cps = Array.from(text || '');
  const sorted = spans
    .map((sp) => ({ ...sp, start: Math.max(0, sp.start), end: Math.min(sp.end, cps.length) }))
    .filter((sp) => sp.end > sp.start)
    .sort((a, b) => a.start - b.start || b.end - a.end);
  return marked(cps, 0, cps.length, sorted);
}

function marked(cps, from, to, spans) {
  const out = [];
  let at = from;
  for (let i = 0; i < spans.length;) {
    const sp = spans[i];
    const b = Math.max(sp.start, at), e = Math.min(sp.end, to);
    let j = i + 1;
    const inner = [];
    for (; j < spans.length && spans[j].start < e; j++) inner.push(spans[j]);
    i = j;
    if (e <= b) continue;
    if (b > at) out.push(cps.slice(at, b).join(''));
    out.push(h('mark', { class: ['evidence', sp.level && 'lv-' + sp.level], title: sp.title || null },
      marked(cps, b, e, inner)));
    at = e;
  }
  if (at < to) out.push(cps.slice(at, to).join(''));
  return out;
}
