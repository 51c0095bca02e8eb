-- Retention engine (retention.c, event.c, hold.c); see docs/retention.md.
-- events: the latest occurrence of each named event per subject (clocks count
-- from it). Clustered by subject: looked up by (subject, name).
-- owner: retention
CREATE TABLE IF NOT EXISTS events (
  subject_id INTEGER NOT NULL,
  name       TEXT NOT NULL,
  at         INTEGER NOT NULL,
  tenant_id  INTEGER NOT NULL,
  PRIMARY KEY (subject_id, name)
) WITHOUT ROWID;
-- holds: legal holds on a whole subject (record_id 0) or one record. Active
-- while lifted_at IS NULL; lifted holds are kept as history.
-- owner: retention
CREATE TABLE IF NOT EXISTS holds (
  id          INTEGER PRIMARY KEY,
  tenant_id   INTEGER NOT NULL,
  subject_id  INTEGER NOT NULL,
  record_id   INTEGER NOT NULL DEFAULT 0,
  reason      TEXT NOT NULL,
  placed_at   INTEGER NOT NULL,
  placed_by   TEXT NOT NULL,
  lifted_at   INTEGER,
  lifted_by   TEXT,
  lift_reason TEXT
);
CREATE INDEX IF NOT EXISTS holds_subject ON holds (subject_id);
CREATE INDEX IF NOT EXISTS holds_record ON holds (record_id);
-- retention_due: the due-date index, one row per record: its next transition
-- (action: 0 archive, 1 anonymise, 2 delete) and when. due_at -1: not yet
-- scheduled (new record, or its clock was re-based by an event or a hold);
-- 9223372036854775806: blocked by a hold; 9223372036854775807: nothing due
-- (no rule, or waiting for an event). A sweep reads (tenant_id, due_at) in order.
-- owner: retention
CREATE TABLE IF NOT EXISTS retention_due (
  record_id INTEGER PRIMARY KEY,
  tenant_id INTEGER NOT NULL,
  due_at    INTEGER NOT NULL,
  action    INTEGER NOT NULL,
  stage_no  INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS retention_due_at ON retention_due (tenant_id, due_at);
-- Every new record enters the index unscheduled: gd_record_put inserts its row
-- (gd__retention_track) before the record, with no trigger, whose statement
-- journal cost a store a part of its time. A deleted record leaves it by the
-- records module's own delete (record.c calls gd__retention_forget*, in bulk
-- for a range or a subject): a per-row trigger cost the sweep a seventh of its
-- time. A row left behind (a put that failed after it, a record gone another
-- way) is dropped by the next sweep that reaches it.
DROP TRIGGER IF EXISTS retention_record_new;
DROP TRIGGER IF EXISTS retention_record_gone;
-- retention_state: the register version the tenant's schedule was computed
-- with; a new version re-schedules every record of the tenant.
-- owner: retention
CREATE TABLE IF NOT EXISTS retention_state (
  tenant_id        INTEGER PRIMARY KEY,
  register_version INTEGER NOT NULL
);
-- record_objects: the thing a record is about, when it is one of several the
-- subject holds (a contract, a subscription, an account: "--object C-2041").
-- Events of that object (object_events) count for its records alone, so that
-- ending one contract does not end another's clock. A row goes with its
-- record, by the same deleters as retention_due (gd__retention_record_gone,
-- the sweep, the erase hook) and with its record's anonymisation.
-- owner: records
CREATE TABLE IF NOT EXISTS record_objects (
  record_id INTEGER PRIMARY KEY,
  object    TEXT NOT NULL,
  tenant_id INTEGER NOT NULL -- the record's (format 7: keys on PostgreSQL lead with it)
);
-- object_events: the latest occurrence of each named event per object of a
-- subject; looked up by (subject, object, name).
-- owner: retention
CREATE TABLE IF NOT EXISTS object_events (
  subject_id INTEGER NOT NULL,
  object     TEXT NOT NULL,
  name       TEXT NOT NULL,
  at         INTEGER NOT NULL,
  tenant_id  INTEGER NOT NULL,
  PRIMARY KEY (subject_id, object, name)
) WITHOUT ROWID;
