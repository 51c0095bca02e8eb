-- Register versions: one row per version loaded into a tenant, never updated.
-- The source is kept whole so that any version can be exported and compared
-- again; the digest (BLAKE2b-256, hex) makes re-loading the same file a no-op.
-- owner: register
CREATE TABLE IF NOT EXISTS registers (
  tenant_id  INTEGER NOT NULL,
  version    INTEGER NOT NULL,
  loaded_at  INTEGER NOT NULL,
  principal  TEXT NOT NULL,
  file       TEXT NOT NULL,
  digest     TEXT NOT NULL,
  activities INTEGER NOT NULL,
  source     BLOB NOT NULL,
  PRIMARY KEY (tenant_id, version)
) WITHOUT ROWID;
