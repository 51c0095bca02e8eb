-- Breach register (GDPR Art. 33/34): one row per incident, per tenant.
-- Rows are never deleted (Art. 33(5)); the trigger refuses it at the storage level.
-- Times are gd_time (0: not known / not yet); counts are -1 when not known.
-- owner: breach
CREATE TABLE IF NOT EXISTS breaches (
  id                 INTEGER PRIMARY KEY,
  tenant_id          INTEGER NOT NULL,
  detected_at        INTEGER NOT NULL,
  recorded_at        INTEGER NOT NULL,
  started_at         INTEGER NOT NULL DEFAULT 0,
  ended_at           INTEGER NOT NULL DEFAULT 0,
  nature             TEXT NOT NULL,
  description        TEXT NOT NULL,
  data_categories    TEXT,
  subject_categories TEXT,
  approx_subjects    INTEGER NOT NULL DEFAULT -1,
  approx_records     INTEGER NOT NULL DEFAULT -1,
  consequences       TEXT,
  measures_taken     TEXT,
  measures_proposed  TEXT,
  contact            TEXT,
  controller         TEXT,
  language           TEXT NOT NULL DEFAULT 'en',
  high_risk          INTEGER NOT NULL DEFAULT 0,
  notified_at        INTEGER NOT NULL DEFAULT 0,
  delay_reason       TEXT,
  informed_at        INTEGER NOT NULL DEFAULT 0,
  no_notice_reason   TEXT,
  scope_from         INTEGER NOT NULL DEFAULT 0,
  scope_to           INTEGER NOT NULL DEFAULT 0,
  scope_principal    TEXT,
  scope_activity     TEXT,
  scoped_subjects    INTEGER NOT NULL DEFAULT -1,
  scoped_records     INTEGER NOT NULL DEFAULT -1,
  scoped_categories  TEXT
);
CREATE INDEX IF NOT EXISTS breaches_tenant ON breaches (tenant_id);
CREATE TRIGGER IF NOT EXISTS breaches_never_deleted BEFORE DELETE ON breaches
BEGIN
  SELECT RAISE(ABORT, 'breaches are never deleted (GDPR Art. 33(5))');
END;
-- Scratch space of gd_breach_scope, per connection and empty between calls:
-- the entries in a scope's window, copied out of the audit blocks to be counted.
-- owner: breach
CREATE TEMP TABLE IF NOT EXISTS breach_scope_entries (
  subject   TEXT,
  record_id INTEGER,
  category  TEXT
);
