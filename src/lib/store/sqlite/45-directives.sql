-- directives: post-mortem directives (French law 78-17, art. 85): what a
-- subject wants done with their data after their death, and the person they
-- designate to see it done (rights/directive.c). One per subject. The
-- designated person and the directive's words are sealed under the subject's
-- key (so erasing the subject crypto-shreds them); the row goes with the
-- subject's erasure (rights.c, gd__rights_erase_hook).
-- owner: rights
CREATE TABLE IF NOT EXISTS directives (
  subject_id  INTEGER PRIMARY KEY,
  tenant_id   INTEGER NOT NULL,
  wish        INTEGER NOT NULL,          -- 0 erase, 1 transmit, 2 keep
  sealed      BLOB NOT NULL,             -- designated \0 contact \0 text
  recorded_at INTEGER NOT NULL,
  applied_at  INTEGER                    -- NULL: not applied yet
);
