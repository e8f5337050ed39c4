-- A run's parameters, result and snapshots are shown to people (tables, fields, CSV) in the
-- order the action wrote them. jsonb sorts an object's keys (by length, then bytes), so a result
-- read back showed `plan` before `name`; json keeps the text as written. Nothing queries inside
-- these columns, and json is also cheaper to write than jsonb (no conversion to binary).
ALTER TABLE airlock.runs
  ALTER COLUMN params TYPE json USING params::json,
  ALTER COLUMN result TYPE json USING result::json,
  ALTER COLUMN snapshot_before TYPE json USING snapshot_before::json,
  ALTER COLUMN snapshot_after TYPE json USING snapshot_after::json;
