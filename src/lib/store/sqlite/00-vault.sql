-- Vault core: meta, tenants, counters, subjects, identifiers, records.
-- Each table has one owning module, named by the "-- owner:" line above it:
-- only that module's files (src/lib/<module>/) write to it, and
-- tests/lint/test_sql.sh checks it (HACKING.md).
-- Integer keys everywhere: a subject's records cluster under sequential ids,
-- and only what is looked up is indexed (docs/FORMAT.md explains each table).
-- owner: vault
CREATE TABLE IF NOT EXISTS meta (
  key   TEXT PRIMARY KEY,
  value BLOB NOT NULL
);
-- owner: vault
CREATE TABLE IF NOT EXISTS tenants (
  id           INTEGER PRIMARY KEY,
  name         TEXT NOT NULL UNIQUE,
  country_code TEXT,
  created_at   INTEGER NOT NULL,
  wrapped_key  BLOB NOT NULL,
  epoch_seconds INTEGER NOT NULL DEFAULT 604800 -- erasure epoch length (keys/epoch.c)
);
-- Erasure epochs (keys/epoch.c, docs/keys.md): a tenant's epoch keys, each
-- sealed under the key file's epoch secret; a destroyed one keeps its row,
-- its key gone (sealed_key NULL), for `backup horizon`.
-- owner: keys
CREATE TABLE IF NOT EXISTS tenant_epochs (
  tenant_id      INTEGER NOT NULL,
  epoch          INTEGER NOT NULL,
  started_at     INTEGER NOT NULL,
  ends_at        INTEGER NOT NULL,
  secret_version INTEGER NOT NULL,
  sealed_key     BLOB,
  destroyed_at   INTEGER,
  PRIMARY KEY (tenant_id, epoch)
);
-- owner: records
CREATE TABLE IF NOT EXISTS subjects (
  id          INTEGER PRIMARY KEY,
  tenant_id   INTEGER NOT NULL,
  pseudonym   TEXT NOT NULL UNIQUE,
  created_at  INTEGER NOT NULL,
  wrapped_key BLOB NOT NULL
);
-- Listing a tenant's subjects a page at a time (gd_subject_list) walks this.
CREATE INDEX IF NOT EXISTS subjects_tenant ON subjects (tenant_id, id);
-- owner: records
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
-- owner: records
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
-- Id counters (src/lib/store/store.h): the last id given of each sequence,
-- named after the table it gives ids to, so an id is never given twice, even
-- after its row is deleted: an id in the audit trail or the erasure journal
-- names one record (breach, request, hold, grant) forever. The engine
-- hands ids out and stores the counter back at commit; a PostgreSQL engine
-- maps each to a SEQUENCE. Vaults of format 2 kept the highest deleted record
-- id in meta.record_high_water instead: opening one converts it (vault.c).
-- owner: vault
CREATE TABLE IF NOT EXISTS counters (
  name  TEXT PRIMARY KEY,
  value INTEGER NOT NULL
);
INSERT OR IGNORE INTO counters (name, value)
  VALUES ('records', 0), ('breaches', 0), ('requests', 0), ('holds', 0), ('auth_grants', 0);
DROP TRIGGER IF EXISTS records_high_water;
-- record_clients: in a processor's activities, the customer (the controller)
-- each record is processed for ("--client ACME-42"), so that all of one
-- customer's data can be found and deleted at the end of its contract
-- (records/client.c). A row goes with its record (gd__retention_record_gone,
-- the sweep, the erase hook).
-- owner: records
CREATE TABLE IF NOT EXISTS record_clients (
  record_id INTEGER PRIMARY KEY,
  client    TEXT NOT NULL,
  tenant_id INTEGER NOT NULL -- the record's (format 7: keys on PostgreSQL lead with it)
);
CREATE INDEX IF NOT EXISTS record_clients_client ON record_clients (client);
