-- Vault core: meta, tenants, subjects, identifiers, records.
-- Integer keys everywhere: a subject's records cluster under sequential ids,
-- and only what is looked up is indexed (docs/FORMAT.md explains each table).
CREATE TABLE IF NOT EXISTS meta (
  key   TEXT PRIMARY KEY,
  value BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS tenants (
  id           INTEGER PRIMARY KEY,
  name         TEXT NOT NULL UNIQUE,
  country_code TEXT,
  created_at   INTEGER NOT NULL,
  wrapped_key  BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS subjects (
  id          INTEGER PRIMARY KEY,
  tenant_id   INTEGER NOT NULL,
  pseudonym   TEXT NOT NULL UNIQUE,
  created_at  INTEGER NOT NULL,
  wrapped_key BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS identifiers (
  tenant_id  INTEGER NOT NULL,
  blind      BLOB NOT NULL,
  subject_id INTEGER NOT NULL,
  kind       TEXT NOT NULL,
  sealed     BLOB NOT NULL,
  mac        BLOB,             -- binds blind, subject and kind (integrity.c)
  PRIMARY KEY (tenant_id, blind)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS identifiers_subject ON identifiers (subject_id);
CREATE TABLE IF NOT EXISTS records (
  id           INTEGER PRIMARY KEY,
  tenant_id    INTEGER NOT NULL,
  subject_id   INTEGER NOT NULL,
  activity     TEXT NOT NULL,
  category     TEXT NOT NULL,
  source       TEXT NOT NULL,
  collected_at INTEGER NOT NULL,
  updated_at   INTEGER NOT NULL,
  type         INTEGER NOT NULL,
  stage        INTEGER NOT NULL DEFAULT 0, -- 0 active, 1 archived, 2 anonymised
  sealed       BLOB NOT NULL,
  subject_category TEXT,                   -- who it is about (retention rules may depend on it)
  mac          BLOB                        -- binds the metadata that decides enforcement (integrity.c)
);
CREATE INDEX IF NOT EXISTS records_subject ON records (subject_id);
-- Record ids are never reused, so an id in the audit trail or the erasure
-- journal names one record forever: the highest id ever deleted is kept here
-- and new ids start above it. Whoever deletes records raises it in the same
-- transaction (gd__retention_record_gone; the sweep once per batch): a per-row
-- trigger cost every deletion a sub-program.
INSERT OR IGNORE INTO meta (key, value) VALUES ('record_high_water', 0);
-- The erasure journal's last sequence number, raised by every append (backup.c):
-- a journal file removed or replaced cannot restart the count unnoticed.
INSERT OR IGNORE INTO meta (key, value) VALUES ('journal_seq', 0);
DROP TRIGGER IF EXISTS records_high_water;
