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
 * text with the code point range [start, end) wrapped in <mark>: start and
 * end count code points (as kesu's findings do), not UTF-16 units.
 * spans: [{start, end, title, level}] (overlaps are merged into the first).
 */
export function highlighted(text, spans) {
  const cps = Array.from(text || '');
  const sorted = [...spans].sort((a, b) => a.start - b.start);
  const out = [];
  let at = 0;
  for (const sp of sorted) {
    const b = Math.max(at, Math.min(sp.start, cps.length));
    const e = Math.max(b, Math.min(sp.end, cps.length));
    if (e <= b) continue;
    if (b > at) out.push(cps.slice(at, b).join(''));
    out.push(h('mark', { class: ['evidence', sp.level && 'lv-' + sp.level], title: sp.title || null },
      cps.slice(b, e).join('')));
    at = e;
  }
  if (at < cps.length) out.push(cps.slice(at).join(''));
  return out;
}
