-- Audit trail: per tenant (tenant 0 is the vault's own), one hash chain per
-- lane, the chain a writer appends to (docs/FORMAT.md, "Lanes"; lane 0 holds
-- the chains of vaults before format 5). Entries hold pseudonyms and names
-- only, never personal data. They are stored in blocks of consecutive entries
-- of one lane, one row per block (a transaction's entries, up to 32 KiB); the
-- encoding is in docs/FORMAT.md. Vaults that kept an `audit` table (an entry
-- per row) or no lane column are converted at open.
-- owner: audit
CREATE TABLE IF NOT EXISTS audit_blocks (
  tenant_id INTEGER NOT NULL,
  lane      INTEGER NOT NULL,
  first_seq INTEGER NOT NULL,
  last_seq  INTEGER NOT NULL,
  body      BLOB NOT NULL,
  PRIMARY KEY (tenant_id, lane, first_seq)
) WITHOUT ROWID; -- one B-tree: a rowid table and its key's index cost an erasure ~70 µs more
-- Signed checkpoints (kind 0) and prune anchors (kind 1) of each lane: an
-- Ed25519 signature over (kind, tenant, lane, seq, at, hash of entry seq); see docs/FORMAT.md.
-- owner: audit
CREATE TABLE IF NOT EXISTS audit_checkpoints (
  tenant_id INTEGER NOT NULL,
  lane      INTEGER NOT NULL,
  seq       INTEGER NOT NULL,
  kind      INTEGER NOT NULL,
  at        INTEGER NOT NULL,
  hash      BLOB NOT NULL,
  sig       BLOB NOT NULL,
  PRIMARY KEY (tenant_id, lane, seq, kind)
) WITHOUT ROWID;
-- Where gardien before format 2 kept its entries, a row each: a view that no
-- statement can use, so that an older gardien opening this vault fails at its
-- first entry ("no such function: written_by_a_newer_gardien") instead of
-- starting a second chain beside the blocks. Created by the conversion of a
-- format-1 vault once its table is gone.
-- owner: audit
CREATE VIEW IF NOT EXISTS audit AS SELECT written_by_a_newer_gardien();
