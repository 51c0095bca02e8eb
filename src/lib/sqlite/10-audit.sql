-- Audit trail: one hash chain per tenant (tenant 0 is the vault's own chain).
-- Entries hold pseudonyms and names only, never personal data; see docs/FORMAT.md.
CREATE TABLE IF NOT EXISTS audit (
  tenant_id INTEGER NOT NULL,
  seq       INTEGER NOT NULL,
  at        INTEGER NOT NULL,
  principal TEXT NOT NULL,
  action    TEXT NOT NULL,
  purpose   TEXT,
  subject   TEXT,
  record_id INTEGER,
  category  TEXT,
  outcome   INTEGER NOT NULL,
  reason    TEXT,
  hash      BLOB NOT NULL,
  PRIMARY KEY (tenant_id, seq)
) WITHOUT ROWID;
-- Signed checkpoints (kind 0) and prune anchors (kind 1) of each chain: an
-- Ed25519 signature over (kind, tenant, seq, at, hash of entry seq); see docs/FORMAT.md.
CREATE TABLE IF NOT EXISTS audit_checkpoints (
  tenant_id INTEGER NOT NULL,
  seq       INTEGER NOT NULL,
  kind      INTEGER NOT NULL,
  at        INTEGER NOT NULL,
  hash      BLOB NOT NULL,
  sig       BLOB NOT NULL,
  PRIMARY KEY (tenant_id, seq, kind)
) WITHOUT ROWID;
