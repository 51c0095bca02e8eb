'use strict';
/*
 * gardien for Node.js: a binding over the shared library libgardien.so through
 * koffi (a foreign-function interface from npm: no compiler at install).
 * The library is GARDIEN_LIBRARY if set, else libgardien.so.0 from the system's
 * library path. Every C error becomes a GardienError with the library's
 * one-line message and its code name (err.name === 'GD_EDENIED', …).
 *
 *   const gardien = require('gardien');
 *   gardien.Vault.init('acme.db');
 *   const v = new gardien.Vault('acme.db');
 *   v.createTenant('acme', '33');
 *   const a = v.actor('acme', 'svc:app');
 *   const s = a.subjectCreate({ email: 'ana@example.org' });
 *   const r = a.put(s, 'ana@example.org', { activity: 'billing', category: 'user.contact.email' });
 *   a.get(r, 'billing').value;  // 'ana@example.org'
 *   a.close(); v.close();
 *
 * A Vault and its actors are used by one thread at a time, as in C: the calls
 * are synchronous.
 */
const koffi = require('koffi');

const lib = koffi.load(process.env.GARDIEN_LIBRARY || 'libgardien.so.0');
const SUBJECT_ID_SIZE = 29;
const NAME_MAX = 128;
const REASON_MAX = 1000;

const VaultOptions = koffi.struct('gd_vault_options', {
  version: 'uint', key_path: 'const char *', now: 'int64',
});
const RecordSpec = koffi.struct('gd_record_spec', {
  version: 'uint', activity: 'const char *', category: 'const char *', source: 'const char *',
  collected_at: 'int64', type: 'int', value: 'const uint8_t *', value_len: 'size_t',
  subject_category: 'const char *',
});
const Record = koffi.struct('gd_record', {
  id: 'int64', subject: koffi.array('char', SUBJECT_ID_SIZE, 'String'),
  activity: koffi.array('char', NAME_MAX + 1, 'String'),
  category: koffi.array('char', NAME_MAX + 1, 'String'),
  source: koffi.array('char', NAME_MAX + 1, 'String'),
  collected_at: 'int64', updated_at: 'int64', type: 'int', value: 'void *', value_len: 'size_t',
});
const RequestSpec = koffi.struct('gd_request_spec', {
  version: 'uint', kind: 'const char *', subject: 'const char *', received_at: 'int64',
  activity: 'const char *',
});
const Request = koffi.struct('gd_request', {
  id: 'int64', subject: koffi.array('char', SUBJECT_ID_SIZE, 'String'),
  kind: koffi.array('char', 32, 'String'), activity: koffi.array('char', NAME_MAX + 1, 'String'),
  state: 'int', received_at: 'int64', due_at: 'int64', extended: 'bool', late: 'bool',
  reason: koffi.array('char', REASON_MAX + 1, 'String'),
  identity_method: koffi.array('char', NAME_MAX + 1, 'String'),
  identity_ref: koffi.array('char', NAME_MAX + 1, 'String'),
  identity_by: koffi.array('char', NAME_MAX + 1, 'String'),
  identity_at: 'int64', closed_at: 'int64',
  opened_by: koffi.array('char', NAME_MAX + 1, 'String'), copies: 'int64', target_at: 'int64',
});
const WriteCb = koffi.proto('int gd_write_cb(void *ud, const void *p, size_t n)');

const c = {
  errorLast: lib.func('const char *gd_error_last(void)'),
  errorName: lib.func('const char *gd_error_name(int)'),
  version: lib.func('const char *gd_version(void)'),
  vaultInit: lib.func('int gd_vault_init(const char *, const gd_vault_options *)'),
  vaultOpen: lib.func('int gd_vault_open(_Out_ void **, const char *, const gd_vault_options *)'),
  vaultClose: lib.func('void gd_vault_close(void *)'),
  tenantCreate: lib.func('int gd_tenant_create(void *, const char *, const char *)'),
  actorOpen: lib.func('int gd_actor_open(_Out_ void **, void *, const char *, const char *)'),
  actorClose: lib.func('void gd_actor_close(void *)'),
  subjectCreate: lib.func('int gd_subject_create(void *, _Out_ uint8_t *out)'),
  addIdentifier: lib.func('int gd_subject_add_identifier(void *, const char *, const char *, const char *)'),
  subjectFind: lib.func('int gd_subject_find(void *, _Out_ uint8_t *out, const char *, const char *)'),
  subjectErase: lib.func('int gd_subject_erase(void *, const char *)'),
  recordPut: lib.func('int gd_record_put(void *, _Out_ int64_t *, const char *, const gd_record_spec *)'),
  recordGet: lib.func('int gd_record_get(void *, _Out_ gd_record **, int64_t, const char *)'),
  recordFree: lib.func('void gd_record_free(gd_record *)'),
  recordUpdate: lib.func('int gd_record_update(void *, int64_t, int, const uint8_t *, size_t)'),
  recordDelete: lib.func('int gd_record_delete(void *, int64_t)'),
  requestOpen: lib.func('int gd_request_open(void *, _Out_ int64_t *, const gd_request_spec *)'),
  requestGet: lib.func('int gd_request_get(void *, _Out_ gd_request *, int64_t)'),
  requestStateName: lib.func('const char *gd_request_state_name(int)'),
  requestVerify: lib.func('int gd_request_verify(void *, int64_t, const char *, const char *)'),
  requestStart: lib.func('int gd_request_start(void *, int64_t)'),
  requestComplete: lib.func('int gd_request_complete(void *, int64_t, const char *)'),
  requestExport: lib.func('int gd_request_export(void *, int64_t, int, gd_write_cb *, void *, void *, void *)'),
};

class GardienError extends Error {
  constructor(rc) {
    const name = c.errorName(rc);
    super(c.errorLast() || name);
    this.name = name;
    this.code = rc;
  }
}

function check(rc) {
  if (rc < 0) throw new GardienError(rc);
  return rc;
}

const seconds = (d) => (d === undefined || d === null ? 0
  : typeof d === 'number' ? d : Math.floor(d.getTime() / 1000));
const date = (t) => (Number(t) ? new Date(Number(t) * 1000) : null);
const cstr = (buf) => { const b = Buffer.from(buf); const z = b.indexOf(0); return b.subarray(0, z < 0 ? b.length : z).toString(); };

class Vault {
  // `now`: create a test or demo vault, the only kind that opens with a fixed clock.
  static init(path, keyPath = null, { now = null } = {}) {
    check(c.vaultInit(path, { version: 1, key_path: keyPath, now: seconds(now) }));
  }

  constructor(path, { keyPath = null, now = null } = {}) {
    const out = [null];
    check(c.vaultOpen(out, path, { version: 1, key_path: keyPath, now: seconds(now) }));
    this.h = out[0];
  }

  close() { if (this.h) { c.vaultClose(this.h); this.h = null; } }

  createTenant(name, countryCode = null) { check(c.tenantCreate(this.h, name, countryCode)); }

  actor(tenant, principal) { return new Actor(this, tenant, principal); }
}

class Actor {
  constructor(vault, tenant, principal) {
    const out = [null];
    check(c.actorOpen(out, vault.h, tenant, principal));
    this.h = out[0];
  }

  close() { if (this.h) { c.actorClose(this.h); this.h = null; } }

  subjectCreate(identifiers = {}) {
    const out = Buffer.alloc(SUBJECT_ID_SIZE);
    check(c.subjectCreate(this.h, out));
    const s = cstr(out);
    for (const [kind, value] of Object.entries(identifiers)) this.addIdentifier(s, kind, value);
    return s;
  }

  addIdentifier(subject, kind, value) { check(c.addIdentifier(this.h, subject, kind, value)); }

  find(kind, value) {
    const out = Buffer.alloc(SUBJECT_ID_SIZE);
    check(c.subjectFind(this.h, out, kind, value));
    return cstr(out);
  }

  erase(subject) { check(c.subjectErase(this.h, subject)); }

  put(subject, value, { activity, category, source = null, subjectCategory = null, collectedAt = null, json = false }) {
    const data = Buffer.from(value, 'utf8');
    const out = [0];
    check(c.recordPut(this.h, out, subject, {
      version: 1, activity, category, source, collected_at: seconds(collectedAt),
      type: json ? 1 : 0, value: data, value_len: data.length, subject_category: subjectCategory,
    }));
    return Number(out[0]);
  }

  get(id, purpose) {
    const out = [null];
    check(c.recordGet(this.h, out, id, purpose));
    try {
      const r = koffi.decode(out[0], Record);
      const len = Number(r.value_len);
      const value = len ? Buffer.from(koffi.decode(r.value, 'uint8_t', len)).toString('utf8') : '';
      return {
        id: Number(r.id), subject: r.subject, activity: r.activity, category: r.category,
        source: r.source, collectedAt: date(r.collected_at), updatedAt: date(r.updated_at),
        json: r.type === 1, value,
      };
    } finally {
      c.recordFree(out[0]);
    }
  }

  update(id, value, { json = false } = {}) {
    const data = Buffer.from(value, 'utf8');
    check(c.recordUpdate(this.h, id, json ? 1 : 0, data, data.length));
  }

  delete(id) { check(c.recordDelete(this.h, id)); }

  requestOpen(kind, subject, { receivedAt = null, activity = null } = {}) {
    const out = [0];
    check(c.requestOpen(this.h, out, { version: 1, kind, subject, received_at: seconds(receivedAt), activity }));
    return Number(out[0]);
  }

  request(id) {
    const r = {};
    check(c.requestGet(this.h, r, id));
    return {
      id: Number(r.id), subject: r.subject, kind: r.kind, activity: r.activity,
      state: c.requestStateName(r.state), receivedAt: date(r.received_at), dueAt: date(r.due_at),
      extended: r.extended, late: r.late, reason: r.reason, closedAt: date(r.closed_at),
      copies: Number(r.copies), targetAt: date(r.target_at),
    };
  }

  requestVerify(id, method, evidenceRef) { check(c.requestVerify(this.h, id, method, evidenceRef)); }

  requestStart(id) { check(c.requestStart(this.h, id)); }

  requestComplete(id, note = null) { check(c.requestComplete(this.h, id, note)); }

  requestExport(id, format = 'json') {
    const formats = { json: 0, csv: 1, html: 2 };
    if (!(format in formats)) throw new TypeError('format is json, csv or html');
    const chunks = [];
    const cb = koffi.register((ud, p, n) => {
      chunks.push(Buffer.from(koffi.decode(p, 'uint8_t', Number(n))));
      return 0;
    }, koffi.pointer(WriteCb));
    try {
      check(c.requestExport(this.h, id, formats[format], cb, null, null, null));
    } finally {
      koffi.unregister(cb);
    }
    return Buffer.concat(chunks);
  }
}

module.exports = { Vault, Actor, GardienError, libraryVersion: () => c.version() };
