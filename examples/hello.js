'use strict';
// hello.js — the Node binding's smallest program: the same steps as hello.c.
//   (cd bindings/node && npm ci)
//   GARDIEN_LIBRARY=build/libgardien.so.0 node examples/hello.js
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const gardien = require('../bindings/node');

const file = process.argv[2] || path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'hello-')), 'hello.db');
gardien.Vault.init(file);
const vault = new gardien.Vault(file);
vault.createTenant('acme', '33');
const a = vault.actor('acme', 'svc:hello');
const ana = a.subjectCreate({ email: 'ana@example.org' });
const rec = a.put(ana, 'ana@example.org', { activity: 'billing', category: 'user.contact.email' });
console.log('found', a.find('email', ' ANA@example.org '), '->', a.get(rec, 'billing').value);
try {
  a.get(rec, 'marketing');
} catch (e) {
  console.log('refused:', e.message);
}
a.erase(ana);
console.log('erased', ana);
a.close();
vault.close();
