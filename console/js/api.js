// api.js — the one way the console talks to gardien: the documented HTTP API
// (/v1/…, docs/openapi.json) with the session's bearer token.
//
// The session token lives in sessionStorage (this tab only, gone when it
// closes) and is sent in the Authorization header. The console sets no
// cookie, so a page on another site cannot make the browser act with the
// session (no CSRF): the token is never sent implicitly. The strict
// Content-Security-Policy keeps foreign script from reading it.

export const session = {
  token: sessionStorage.getItem('gd.token') || '',
  tenant: sessionStorage.getItem('gd.tenant') || '',
  name: sessionStorage.getItem('gd.name') || '',   // who signed in, for the tenant picker
  me: null,            // GET /v1/tenants/{t}: principal, role, operations, activities, grant
  ended: '',           // why the last session or access ended, shown on the next page
  zone: '',            // the tenant's time zone, from GET /v1/tenants/{t}/calendar (dom.js zone())
  zoneOf: '',          // the tenant it was found for
};

export function saveSession(token, tenant, name) {
  if (name !== undefined) {
    session.name = name;
    if (name) sessionStorage.setItem('gd.name', name); else sessionStorage.removeItem('gd.name');
  }
  session.token = token || '';
  session.tenant = tenant || '';
  if (token) sessionStorage.setItem('gd.token', token); else sessionStorage.removeItem('gd.token');
  if (tenant) sessionStorage.setItem('gd.tenant', tenant); else sessionStorage.removeItem('gd.tenant');
}

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message || code || String(status));
    this.status = status;
    this.code = code || '';
  }
}

// Hook called when the server says the session is over (401).
let onSessionEnd = () => {};
export function onUnauthenticated(f) { onSessionEnd = f; }

export function tpath(rest) {
  return `/v1/tenants/${encodeURIComponent(session.tenant)}${rest}`;
}

// api('GET', '/v1/…') → parsed JSON; {raw: true} → the Response (exports, drafts).
export async function api(method, path, body, opts = {}) {
  const headers = {};
  if (session.token) headers.Authorization = `Bearer ${session.token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(path, {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body),
    cache: 'no-store', credentials: 'omit', redirect: 'error',
  });
  if (!res.ok) {
    let code = '', message = res.statusText;
    try {
      const j = await res.json();
      code = j.code; // problem details (RFC 9457)
      message = j.detail;
    } catch (e) { /* not JSON */ }
    if (res.status === 401 && path !== '/v1/auth/login') onSessionEnd(code, message);
    throw new ApiError(res.status, code, message);
  }
  if (opts.raw) return res;
  if (res.status === 204) return null;
  const j = await res.json();
  // Lists come a page at a time (docs/server.md, "HTTP conventions"); the
  // views that ask for no page of their own (no ?limit=, ?cursor=) want the
  // whole list: the following pages are fetched and joined, up to 100.
  if (method !== 'GET' || /[?&](limit|cursor)=/.test(path)) return j;
  for (let page = j, n = 0; page.next_cursor && n < 100; n++) {
    page = await api('GET', `${path}${path.includes('?') ? '&' : '?'}cursor=${encodeURIComponent(page.next_cursor)}`);
    for (const [k, v] of Object.entries(page)) if (Array.isArray(v) && Array.isArray(j[k])) j[k].push(...v);
  }
  delete j.next_cursor;
  return j;
}

// Which operations the role (or grant) allows: "read,write" or "all".
export function can(op) {
  const ops = (session.me && session.me.ops) || '';
  return ops === 'all' || ops.split(',').includes(op);
}
