// dom.js — building the page without innerHTML: every text from the API goes
// through textContent, so nothing it holds is ever parsed as markup (and the
// Content-Security-Policy forbids inline script anyway).
import { t, lang } from './i18n.js';
import { session } from './api.js';

// h('tag.class#id', {attr: v, on: {click: f}}, children…)
export function h(spec, attrs, ...kids) {
  const m = /^([a-z0-9]+)((?:[.#][\w-]+)*)$/.exec(spec);
  const el = document.createElement(m ? m[1] : spec);
  if (m && m[2]) for (const part of m[2].match(/[.#][\w-]+/g)) {
    if (part[0] === '.') el.classList.add(part.slice(1)); else el.id = part.slice(1);
  }
  if (attrs && (typeof attrs !== 'object' || attrs instanceof Node || Array.isArray(attrs))) {
    kids.unshift(attrs);
    attrs = null;
  }
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'on') for (const [ev, f] of Object.entries(v)) el.addEventListener(ev, f);
    else if (k === 'text') el.textContent = v;
    else if (k in el && typeof v !== 'string') el[k] = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, kids);
  return el;
}

function append(el, kids) {
  for (const k of kids.flat(Infinity)) {
    if (k === null || k === undefined || k === false) continue;
    el.append(k instanceof Node ? k : document.createTextNode(String(k)));
  }
}

const SVG = 'http://www.w3.org/2000/svg';
export function s(tag, attrs, ...kids) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) if (v !== undefined && v !== null) el.setAttribute(k, String(v));
  append(el, kids);
  return el;
}

export function clear(el, ...kids) {
  el.replaceChildren();
  append(el, kids);
  return el;
}

// Whether the browser knows the zone (Intl throws RangeError on an unknown one).
export function validZone(z) {
  try {
    new Intl.DateTimeFormat('en', { timeZone: z });
    return true;
  } catch (e) {
    return false;
  }
}

// The tenant's time zone: its calendar's (session.zone, GET …/calendar), else
// UTC — said in the header.
export function zone() {
  return session.zone || 'UTC';
}

function locale() { return lang() === 'fr' ? 'fr-BE' : 'en-GB'; }

export function fmtDate(iso) {
  if (!iso) return '—';
  return new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeZone: zone() }).format(new Date(iso));
}

export function fmtDateTime(iso) {
  if (!iso) return '—';
  return new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeStyle: 'short', timeZone: zone() })
    .format(new Date(iso));
}

// Whole days from now to `iso`, counted on the calendar of the tenant's zone.
export function daysLeft(iso) {
  const day = (d) => {
    const p = new Intl.DateTimeFormat('en-CA', { timeZone: zone(), year: 'numeric', month: '2-digit', day: '2-digit' })
      .format(d);
    return Date.UTC(+p.slice(0, 4), +p.slice(5, 7) - 1, +p.slice(8, 10));
  };
  return Math.round((day(new Date(iso)) - day(new Date())) / 86400000);
}

export function countdown(seconds) {
  const neg = seconds < 0;
  let x = Math.abs(seconds);
  const hrs = Math.floor(x / 3600);
  x -= hrs * 3600;
  const min = Math.floor(x / 60);
  const txt = `${hrs} h ${String(min).padStart(2, '0')} min`;
  return neg ? t('overdue_by', txt) : t('time_left', txt);
}

// A labelled form field; returns [wrapper, input].
export function field(label, input, hint) {
  const id = input.id || ('f' + Math.random().toString(36).slice(2, 9));
  input.id = id;
  const kids = [h('label', { for: id }, label), input];
  if (hint) {
    const hid = id + '-hint';
    input.setAttribute('aria-describedby', hid);
    kids.push(h('small.hint', { id: hid }, hint));
  }
  return h('div.field', kids);
}

export function select(name, options, value) {
  return h('select', { name },
    options.map(([v, label]) => h('option', { value: v, selected: v === value ? true : undefined }, label)));
}

export function table(caption, headers, rows, opts = {}) {
  // Focusable so that a table wider than the screen scrolls from the keyboard too.
  return h('div.table-wrap', { tabindex: 0, role: 'region', 'aria-label': caption || headers.filter(Boolean).join(', ') }, h('table', opts,
    caption ? h('caption', caption) : null,
    h('thead', h('tr', headers.map((x) => h('th', { scope: 'col' }, x)))),
    h('tbody', rows.length ? rows : h('tr', h('td.empty', { colspan: headers.length }, t('none'))))));
}

export function notice(kind, text) {
  return h(`p.notice.${kind}`, { role: kind === 'error' ? 'alert' : 'status' }, text);
}

export function say(text) {
  const live = document.getElementById('live');
  if (live) live.textContent = text;
}

// Offers `data` (a Blob) as a file to save.
export function download(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = h('a', { href: url, download: name, class: 'hidden' });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

export function button(label, onclick, cls = '') {
  return h('button', { type: 'button', class: cls || undefined, on: { click: onclick } }, label);
}
