-- Run at every connection, not only when the schema changes (store_pg.c):
-- what lives per session.
-- Scratch space of gd_breach_scope, per connection and empty between calls:
-- the entries in a scope's window, copied out of the audit blocks to be counted.
-- owner: breach
CREATE TEMP TABLE IF NOT EXISTS breach_scope_entries (
  subject   TEXT,
  record_id BIGINT,
  category  TEXT
);
