-- A cancelled ledger row no longer holds its key: when an item comes due
-- again on the same date (a date moved away and back), the scan writes a new
-- row, with a new id, for the stage it stopped. The cancelled row stays as
-- history.
DROP INDEX reminders_once_key;
CREATE UNIQUE INDEX reminders_once_key ON reminders (subject_type, subject_id, due_date, stage, recipient_id) WHERE status <> 'cancelled';
