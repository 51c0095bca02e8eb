-- The tenant's calendar for deadlines (src/lib/calendar/calendar.c): its member state
-- (whose public holidays count, data/holidays.yml), its time zone and the
-- internal target for answering requests. No row: the state of the tenant's
-- calling code, that state's zone, no target.
-- owner: calendar
CREATE TABLE IF NOT EXISTS tenant_calendar (
  tenant_id   INTEGER PRIMARY KEY,
  state       TEXT NOT NULL DEFAULT '',     -- ISO 3166-1 alpha-2, '' unset
  zone        TEXT NOT NULL DEFAULT '',     -- IANA zone name, '' the state's
  target_days INTEGER NOT NULL DEFAULT 0    -- 0: no internal target
);
