-- Audit trail: one hash chain per tenant (tenant 0 is the vault's own chain).
-- Entries hold pseudonyms and names only, never personal data. They are
-- stored in blocks of consecutive entries of one chain, one row per block
-- (a transaction's entries, up to 32 KiB); the encoding is in docs/FORMAT.md.
-- Vaults that kept an `audit` table (an entry per row) are converted at open.
-- owner: audit
CREATE TABLE IF NOT EXISTS audit_blocks (
  tenant_id BIGINT NOT NULL,
  first_seq BIGINT NOT NULL,
  last_seq  BIGINT NOT NULL,
  body      BYTEA NOT NULL,
  PRIMARY KEY (tenant_id, first_seq)
); -- one B-tree: a rowid table and its key's index cost an erasure ~70 µs more
-- Signed checkpoints (kind 0) and prune anchors (kind 1) of each chain: an
-- Ed25519 signature over (kind, tenant, seq, at, hash of entry seq); see docs/FORMAT.md.
-- owner: audit
CREATE TABLE IF NOT EXISTS audit_checkpoints (
  tenant_id BIGINT NOT NULL,
  seq       BIGINT NOT NULL,
  kind      BIGINT NOT NULL,
  at        BIGINT NOT NULL,
  hash      BYTEA NOT NULL,
  sig       BYTEA NOT NULL,
  PRIMARY KEY (tenant_id, seq, kind)
);
