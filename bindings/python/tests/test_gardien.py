"""Tests of the Python binding against the real libgardien.so (GARDIEN_LIBRARY)."""
import datetime
import json
import os
import shutil
import tempfile
import unittest

import gardien

UTC = datetime.timezone.utc


class BindingTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="gd-py-")
        self.path = os.path.join(self.dir, "v.db")
        now = datetime.datetime(2027, 1, 31, 10, tzinfo=UTC)
        gardien.Vault.init(self.path, now=now)  # a test vault: it opens with a fixed clock
        self.vault = gardien.Vault(self.path, now=now)
        self.vault.create_tenant("acme", country_code="33")
        self.actor = self.vault.actor("acme", "svc:python")

    def tearDown(self):
        self.actor.close()
        self.vault.close()
        shutil.rmtree(self.dir)

    def test_version(self):
        self.assertRegex(gardien.library_version(), r"^\d+\.\d+\.\d+$")

    def test_subjects_and_records(self):
        a = self.actor
        s = a.subject_create(email="Ana@Example.org", phone="06 12 34 56 78")
        self.assertRegex(s, r"^sub_[0-9a-f]{24}$")
        # Identifiers are normalised before they are indexed.
        self.assertEqual(a.find("email", "ana@example.org"), s)
        self.assertEqual(a.find("phone", "+33 6 12 34 56 78"), s)
        r1 = a.put(s, "ana@example.org", activity="billing", category="user.contact.email")
        r2 = a.put(s, json.dumps({"street": "1 rue X"}), activity="billing",
                   category="user.contact.address", is_json=True)
        rec = a.get(r1, purpose="billing")
        self.assertEqual((rec.id, rec.subject, rec.value, rec.is_json),
                         (r1, s, "ana@example.org", False))
        self.assertEqual(rec.collected_at, datetime.datetime(2027, 1, 31, 10, tzinfo=UTC))
        self.assertEqual(json.loads(a.get(r2, purpose="billing").value), {"street": "1 rue X"})
        records, denied = a.records(s, "billing")
        self.assertEqual([r.id for r in records], [r1, r2])
        self.assertEqual(denied, 0)
        a.update(r1, "ana@example.com")
        self.assertEqual(a.get(r1, purpose="billing").value, "ana@example.com")
        a.delete(r2)
        with self.assertRaises(gardien.NotFound):
            a.get(r2, purpose="billing")

    def test_errors_are_exceptions(self):
        a = self.actor
        s = a.subject_create()
        r = a.put(s, "x", activity="billing", category="user.name")
        with self.assertRaises(gardien.Denied) as cm:
            a.get(r, purpose="marketing")
        self.assertEqual(cm.exception.name, "GD_EDENIED")
        self.assertEqual(cm.exception.code, -4)
        self.assertIn("marketing", str(cm.exception))
        with self.assertRaises(gardien.NotFound):
            a.find("email", "nobody@example.org")
        with self.assertRaises(gardien.InvalidInput):
            a.add_identifier(s, "email", "not an email")
        with self.assertRaises(gardien.AlreadyExists):
            gardien.Vault.init(self.path)
        # Every error is a GardienError.
        with self.assertRaises(gardien.GardienError):
            a.get(999, purpose="billing")

    def test_wrong_key_is_denied(self):
        other = os.path.join(self.dir, "other.db")
        gardien.Vault.init(other)
        with self.assertRaises(gardien.Denied):
            gardien.Vault(self.path, key_path=other + ".key")

    def test_erasure(self):
        a = self.actor
        s = a.subject_create(email="bob@example.org")
        r = a.put(s, "bob@example.org", activity="billing", category="user.contact.email")
        a.erase(s)
        with self.assertRaises(gardien.NotFound):
            a.find("email", "bob@example.org")
        with self.assertRaises(gardien.NotFound):
            a.get(r, purpose="billing")

    def test_access_request(self):
        a = self.actor
        s = a.subject_create(email="eve@example.org")
        a.put(s, "eve@example.org", activity="billing", category="user.contact.email")
        rid = a.request_open("access", s)
        req = a.request(rid)
        self.assertEqual((req.kind, req.subject, req.state), ("access", s, "received"))
        self.assertGreater(req.due_at, req.received_at)
        # Nothing is answered before identity is verified.
        with self.assertRaises(gardien.GardienError):
            a.request_export(rid)
        a.request_verify(rid, "id-card", "scan-0042")
        a.request_start(rid)
        copy = json.loads(a.request_export(rid, "json"))
        self.assertIn("eve@example.org", json.dumps(copy))
        self.assertIn(b"eve@example.org", a.request_export(rid, "csv"))
        a.request_complete(rid, "sent by post")
        req = a.request(rid)
        self.assertEqual(req.state, "completed")
        self.assertEqual(req.copies, 2)

    def test_erasure_request(self):
        a = self.actor
        s = a.subject_create(email="zoe@example.org")
        r = a.put(s, "zoe@example.org", activity="billing", category="user.contact.email")
        rid = a.request_open("erasure", s)
        a.request_verify(rid, "email-link", "ticket-7")
        kept = a.request_erase(rid)
        self.assertEqual(kept, [])
        with self.assertRaises(gardien.NotFound):
            a.get(r, purpose="billing")

    def test_batch_rollback(self):
        a = self.actor
        s = a.subject_create()
        self.vault.begin()
        r = a.put(s, "x", activity="billing", category="user.name")
        self.vault.rollback()
        with self.assertRaises(gardien.NotFound):
            a.get(r, purpose="billing")


if __name__ == "__main__":
    unittest.main()
