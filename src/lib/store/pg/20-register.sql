-- Register versions: one row per version loaded into a tenant, never updated.
-- The source is kept whole so that any version can be exported and compared
-- again; the digest (BLAKE2b-256, hex) makes re-loading the same file a no-op.
-- owner: register
CREATE TABLE IF NOT EXISTS registers (
  tenant_id  BIGINT NOT NULL,
  version    BIGINT NOT NULL,
  loaded_at  BIGINT NOT NULL,
  principal  TEXT NOT NULL,
  file       TEXT NOT NULL,
  digest     TEXT NOT NULL,
  activities BIGINT NOT NULL,
  source     BYTEA NOT NULL,
  PRIMARY KEY (tenant_id, version)
);
