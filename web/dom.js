/*
 * dom.js - small helpers of the scaleadvisor dashboard, shared by app.js:
 * building elements with text-only children (never HTML), morphing a fresh
 * tree into the live one, and formatting values from the API.
 */
'use strict';

window.saDom = (function () {
  const SVG_NS = 'http://www.w3.org/2000/svg';

  /* ---------- small DOM helpers (text only, never HTML) ---------- */

  function append(el, kids) {
    for (const k of kids) {
      if (k === null || k === undefined || k === false) continue;
      if (Array.isArray(k)) append(el, k);
      else if (typeof k === 'object' && k.nodeType) el.appendChild(k);
      else el.appendChild(document.createTextNode(String(k)));
    }
    return el;
  }

  /* h('tag.class1.class2', {attr: value}, child...) - attributes via
   * setAttribute; children that are not nodes become text nodes. */
  function h(spec, attrs, ...kids) {
    const parts = spec.split('.');
    const el = document.createElement(parts[0]);
    if (parts.length > 1) el.className = parts.slice(1).join(' ');
    setAttrs(el, attrs);
    return append(el, kids);
  }

  function s(tag, attrs, ...kids) {
    const el = document.createElementNS(SVG_NS, tag);
    setAttrs(el, attrs);
    return append(el, kids);
  }

  function setAttrs(el, attrs) {
    if (!attrs) return;
    for (const [k, v] of Object.entries(attrs)) {
      if (v === null || v === undefined || v === false) continue;
      el.setAttribute(k, v === true ? '' : String(v));
    }
  }

  /* Make `live` look like `fresh` (same tag), reusing nodes where the tag
   * and data-key match. Event handlers are delegated, so none are lost. */
  function morph(live, fresh) {
    for (const a of Array.from(live.attributes)) {
      if (!fresh.hasAttribute(a.name)) live.removeAttribute(a.name);
    }
    for (const a of Array.from(fresh.attributes)) {
      if (live.getAttribute(a.name) !== a.value) live.setAttribute(a.name, a.value);
    }
    const fk = Array.from(fresh.childNodes);
    for (let i = 0; i < fk.length; i++) {
      const o = live.childNodes[i];
      const n = fk[i];
      if (!o) {
        live.appendChild(n);
      } else if (o.nodeType !== n.nodeType || o.nodeName !== n.nodeName ||
                 (o.nodeType === 1 && o.getAttribute('data-key') !== n.getAttribute('data-key'))) {
        live.replaceChild(n, o);
      } else if (o.nodeType === 1) {
        morph(o, n);
      } else if (o.nodeValue !== n.nodeValue) {
        o.nodeValue = n.nodeValue;
      }
    }
    while (live.childNodes.length > fk.length) live.removeChild(live.lastChild);
  }

  /* Replace the children of container `live` by `kids`, via morph. */
  function patch(live, kids) {
    const fresh = live.cloneNode(false);
    append(fresh, kids);
    morph(live, fresh);
  }

  /* ---------- formatting ---------- */

  const LABELS = {
    scale_up: 'scale up', scale_down: 'scale down', maintain: 'maintain', at_max: 'at max',
    llm: 'LLM', predictive: 'predictive', rule: 'rule', safety: 'safety',
    within_5_minutes: 'within 5 minutes', within_15_minutes: 'within 15 minutes',
    next_review: 'next review', immediate: 'immediate',
  };

  function label(v) {
    if (v === null || v === undefined || v === '') return '—';
    const t = String(v);
    return Object.prototype.hasOwnProperty.call(LABELS, t) ? LABELS[t] : t;
  }

  function isNum(v) { return typeof v === 'number' && Number.isFinite(v); }
  function num(v, digits) { return isNum(v) ? v.toFixed(digits === undefined ? 0 : digits) : '—'; }
  function int(v) { return isNum(v) ? String(Math.round(v)) : '—'; }
  function pct(v) { return isNum(v) ? Math.round(v * 100) + ' %' : '—'; }

  /* Timestamps arrive as epoch seconds or ISO 8601 text. */
  function epoch(v) {
    if (isNum(v)) return v;
    if (typeof v === 'string' && v !== '') {
      const ms = Date.parse(v);
      if (Number.isFinite(ms)) return ms / 1000;
    }
    return NaN;
  }

  function clock(t, withDate) {
    if (!Number.isFinite(t)) return '—';
    const d = new Date(t * 1000);
    const hm = d.toLocaleTimeString([], {hour: '2-digit', minute: '2-digit', second: '2-digit'});
    return withDate ? d.toLocaleDateString([], {month: 'short', day: 'numeric'}) + ' ' + hm : hm;
  }

  /* A short class-safe token from API text (for CSS classes only). */
  function tok(v) { return String(v === null || v === undefined ? 'none' : v).toLowerCase().replace(/[^a-z0-9_-]/g, '') || 'none'; }

  return {append, h, s, morph, patch, label, isNum, num, int, pct, epoch, clock, tok};
})();
