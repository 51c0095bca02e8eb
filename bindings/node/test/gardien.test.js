'use strict';
// Tests of the Node binding against the real libgardien.so (GARDIEN_LIBRARY).
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const gardien = require('..');

function fixture() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gd-node-'));
  const file = path.join(dir, 'v.db');
  gardien.Vault.init(file, null, { now: new Date('2027-01-31T10:00:00Z') }); // a test vault
  const vault = new gardien.Vault(file, { now: new Date('2027-01-31T10:00:00Z') });
  vault.createTenant('acme', '33');
  const actor = vault.actor('acme', 'svc:node');
  return {
    dir, file, vault, actor,
    done() { actor.close(); vault.close(); fs.rmSync(dir, { recursive: true }); },
  };
}

test('version', () => {
  assert.match(gardien.libraryVersion(), /^\d+\.\d+\.\d+$/);
});

test('subjects and records', () => {
  const f = fixture();
  try {
    const a = f.actor;
    const s = a.subjectCreate({ email: 'Ana@Example.org', phone: '06 12 34 56 78' });
    assert.match(s, /^sub_[0-9a-f]{24}$/);
    assert.strictEqual(a.find('email', 'ana@example.org'), s);
    assert.strictEqual(a.find('phone', '+33612345678'), s);
    const r = a.put(s, 'ana@example.org', { activity: 'billing', category: 'user.contact.email' });
    const rec = a.get(r, 'billing');
    assert.strictEqual(rec.value, 'ana@example.org');
    assert.strictEqual(rec.subject, s);
    assert.strictEqual(rec.category, 'user.contact.email');
    assert.strictEqual(rec.collectedAt.toISOString(), '2027-01-31T10:00:00.000Z');
    const j = a.put(s, '{"city":"Liège"}', { activity: 'billing', category: 'user.contact.address', json: true });
    assert.deepStrictEqual(JSON.parse(a.get(j, 'billing').value), { city: 'Liège' });
    a.update(r, 'ana@example.com');
    assert.strictEqual(a.get(r, 'billing').value, 'ana@example.com');
    a.delete(r);
    assert.throws(() => a.get(r, 'billing'), { name: 'GD_ENOTFOUND' });
  } finally { f.done(); }
});

test('errors are GardienError with the library message', () => {
  const f = fixture();
  try {
    const a = f.actor;
    const s = a.subjectCreate();
    const r = a.put(s, 'x', { activity: 'billing', category: 'user.name' });
    assert.throws(() => a.get(r, 'marketing'), (e) => e instanceof gardien.GardienError &&
      e.name === 'GD_EDENIED' && e.code === -4 && /marketing/.test(e.message));
    assert.throws(() => a.find('email', 'nobody@example.org'), { name: 'GD_ENOTFOUND' });
    assert.throws(() => a.addIdentifier(s, 'email', 'not an email'), { name: 'GD_EINVAL' });
    assert.throws(() => gardien.Vault.init(f.file), { name: 'GD_EEXISTS' });
  } finally { f.done(); }
});

test('erasure', () => {
  const f = fixture();
  try {
    const a = f.actor;
    const s = a.subjectCreate({ email: 'bob@example.org' });
    const r = a.put(s, 'bob@example.org', { activity: 'billing', category: 'user.contact.email' });
    a.erase(s);
    assert.throws(() => a.find('email', 'bob@example.org'), { name: 'GD_ENOTFOUND' });
    assert.throws(() => a.get(r, 'billing'), { name: 'GD_ENOTFOUND' });
  } finally { f.done(); }
});

test('access request from opening to export', () => {
  const f = fixture();
  try {
    const a = f.actor;
    const s = a.subjectCreate({ email: 'eve@example.org' });
    a.put(s, 'eve@example.org', { activity: 'billing', category: 'user.contact.email' });
    const id = a.requestOpen('access', s);
    assert.strictEqual(a.request(id).state, 'received');
    assert.throws(() => a.requestExport(id), gardien.GardienError);
    a.requestVerify(id, 'id-card', 'scan-0042');
    a.requestStart(id);
    const copy = a.requestExport(id, 'json').toString();
    assert.match(copy, /eve@example\.org/);
    a.requestComplete(id, 'sent');
    const req = a.request(id);
    assert.strictEqual(req.state, 'completed');
    assert.strictEqual(req.copies, 1);
    assert.ok(req.dueAt > req.receivedAt);
  } finally { f.done(); }
});
