#!/usr/bin/env python3
"""hello.py — the Python binding's smallest program: the same steps as hello.c.

    PYTHONPATH=bindings/python GARDIEN_LIBRARY=build/libgardien.so.0 python3 examples/hello.py
"""
import os
import sys
import tempfile

import gardien

path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(tempfile.mkdtemp(), "hello.db")
gardien.Vault.init(path)
with gardien.Vault(path) as vault:
    vault.create_tenant("acme", country_code="33")
    with vault.actor("acme", "svc:hello") as a:
        ana = a.subject_create(email="ana@example.org")
        rec = a.put(ana, "ana@example.org", activity="billing", category="user.contact.email")
        found = a.find("email", " ANA@example.org ")
        print("found", found, "->", a.get(rec, purpose="billing").value)
        try:
            a.get(rec, purpose="marketing")
        except gardien.Denied as e:
            print("refused:", e)
        a.erase(ana)
        print("erased", ana)
