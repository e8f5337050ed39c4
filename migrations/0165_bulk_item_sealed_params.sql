-- Bulk items of actions with PII-classified parameters: `params` holds them masked, and the raw
-- parameters are sealed beside them (`params_sealed`, envelope encryption under the master key,
-- bound to the batch and the item's position), as a run's are (`airlock.runs.params_sealed`).
-- The runner opens an item's envelope only to submit that item. An item that succeeded or was
-- skipped drops it (its run keeps its own sealed copy); a failed one keeps it for "retry the
-- failed items" until the retention period after the batch ended, when `pii_purged_at` is set.
ALTER TABLE airlock.bulk_items ADD COLUMN params_sealed bytea;
ALTER TABLE airlock.bulk_batches ADD COLUMN pii_purged_at timestamptz;
