-- Data-subject rights and consent (src/lib/consent.c, request.c, outbox.c).
-- Consents are an append-only ledger of events per subject and activity: the
-- latest event is the state; expiry is derived from expires_at and the clock.
-- Requests name their subject by pseudonym so that the record of a request
-- survives the subject's erasure as proof, without personal data.
-- owner: rights
CREATE TABLE IF NOT EXISTS consents (
  id           INTEGER PRIMARY KEY,
  tenant_id    INTEGER NOT NULL,
  subject_id   INTEGER NOT NULL,
  activity     TEXT NOT NULL,
  event        INTEGER NOT NULL,          -- 1 given, 2 renewed, 3 withdrawn
  at           INTEGER NOT NULL,
  expires_at   INTEGER NOT NULL DEFAULT 0, -- 0: no expiry
  text_hash    BLOB,                       -- BLAKE2b-256 of the wording shown
  text_version TEXT,
  channel      TEXT NOT NULL,
  source       TEXT NOT NULL,
  principal    TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS consents_subject ON consents (subject_id, activity);
CREATE INDEX IF NOT EXISTS consents_activity ON consents (tenant_id, activity);
-- Restrictions (Art. 18) and objections (Art. 21) in force.
-- owner: rights
CREATE TABLE IF NOT EXISTS subject_limits (
  tenant_id  INTEGER NOT NULL,
  subject_id INTEGER NOT NULL,
  kind       INTEGER NOT NULL,             -- 1 restriction, 2 objection
  activity   TEXT NOT NULL,                -- objection: the activity; restriction: ''
  since      INTEGER NOT NULL,
  request_id INTEGER,
  PRIMARY KEY (subject_id, kind, activity)
) WITHOUT ROWID;
-- owner: rights
CREATE TABLE IF NOT EXISTS requests (
  id              INTEGER PRIMARY KEY,
  tenant_id       INTEGER NOT NULL,
  subject         TEXT NOT NULL,           -- pseudonym
  kind            TEXT NOT NULL,
  activity        TEXT,                    -- objection / withdraw_consent target
  state           INTEGER NOT NULL,        -- enum gd_request_state
  received_at     INTEGER NOT NULL,
  due_at          INTEGER NOT NULL,
  extended        INTEGER NOT NULL DEFAULT 0,
  reason          TEXT,                    -- refusal or extension reason
  identity_method TEXT,
  identity_ref    TEXT,
  identity_by     TEXT,
  identity_at     INTEGER NOT NULL DEFAULT 0,
  closed_at       INTEGER NOT NULL DEFAULT 0,
  opened_by       TEXT NOT NULL,
  copies          INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS requests_open ON requests (tenant_id, closed_at);
CREATE INDEX IF NOT EXISTS requests_subject ON requests (subject);
-- owner: rights
CREATE TABLE IF NOT EXISTS request_steps (
  request_id INTEGER NOT NULL,
  seq        INTEGER NOT NULL,
  at         INTEGER NOT NULL,
  principal  TEXT NOT NULL,
  state      INTEGER NOT NULL,
  note       TEXT,
  tenant_id  INTEGER NOT NULL, -- the request's (format 7: keys on PostgreSQL lead with it)
  PRIMARY KEY (request_id, seq)
) WITHOUT ROWID;
-- Art. 19 notifications to recipients, read and acknowledged by applications.
-- owner: rights
CREATE TABLE IF NOT EXISTS outbox (
  id         INTEGER PRIMARY KEY,
  tenant_id  INTEGER NOT NULL,
  at         INTEGER NOT NULL,
  recipient  TEXT NOT NULL,
  action     TEXT NOT NULL,                -- rectification, erasure, restriction
  subject    TEXT NOT NULL,                -- pseudonym
  activity   TEXT NOT NULL,
  category   TEXT,
  record_id  INTEGER,
  request_id INTEGER,
  acked_at   INTEGER NOT NULL DEFAULT 0,
  acked_by   TEXT
);
CREATE INDEX IF NOT EXISTS outbox_pending ON outbox (tenant_id, acked_at);
