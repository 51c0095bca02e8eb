-- Authentication and roles (auth.c, docs/server.md). Principals of tenant 0
-- are the provider's support staff. Secrets are never stored in clear:
-- passwords as Argon2id strings, TOTP secrets sealed under a key derived from
-- the master key, tokens as their BLAKE2b-256 hash.
-- owner: auth
CREATE TABLE IF NOT EXISTS auth_roles (
  id         INTEGER PRIMARY KEY,
  tenant_id  INTEGER NOT NULL,
  name       TEXT NOT NULL,
  ops        INTEGER NOT NULL,
  activities TEXT NOT NULL,
  mfa        INTEGER NOT NULL,
  UNIQUE (tenant_id, name)
);
-- owner: auth
CREATE TABLE IF NOT EXISTS auth_principals (
  id           INTEGER PRIMARY KEY,
  tenant_id    INTEGER NOT NULL,
  name         TEXT NOT NULL,
  kind         INTEGER NOT NULL, -- 0 person, 1 service, 2 support
  role_id      INTEGER,
  pwhash       TEXT,
  totp         BLOB,
  totp_step    INTEGER NOT NULL DEFAULT 0, -- last accepted TOTP time step (no replay)
  failures     INTEGER NOT NULL DEFAULT 0,
  locked_until INTEGER NOT NULL DEFAULT 0,
  disabled     INTEGER NOT NULL DEFAULT 0,
  created_at   INTEGER NOT NULL,
  UNIQUE (tenant_id, name)
);
-- owner: auth
CREATE TABLE IF NOT EXISTS auth_tokens (
  id           INTEGER PRIMARY KEY,
  principal_id INTEGER NOT NULL,
  hash         BLOB NOT NULL UNIQUE,
  session      INTEGER NOT NULL,
  created_at   INTEGER NOT NULL,
  expires_at   INTEGER NOT NULL, -- 0: none
  last_used    INTEGER NOT NULL,
  revoked      INTEGER NOT NULL DEFAULT 0,
  tenant_id    INTEGER NOT NULL -- the principal's (format 7: keys on PostgreSQL lead with it)
);
CREATE INDEX IF NOT EXISTS auth_tokens_principal ON auth_tokens (principal_id);
-- owner: auth
CREATE TABLE IF NOT EXISTS auth_grants (
  id           INTEGER PRIMARY KEY,
  tenant_id    INTEGER NOT NULL,
  principal_id INTEGER NOT NULL,
  ops          INTEGER NOT NULL,
  activities   TEXT NOT NULL,
  created_at   INTEGER NOT NULL,
  expires_at   INTEGER NOT NULL,
  issued_by    TEXT NOT NULL,
  revoked      INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS auth_grants_principal ON auth_grants (principal_id);
-- owner: auth
CREATE TABLE IF NOT EXISTS auth_settings (
  key   TEXT PRIMARY KEY,
  value INTEGER NOT NULL
);
