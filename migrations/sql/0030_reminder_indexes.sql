-- The reminder ledger is the table the due-scan writes most (two rows per
-- item due at a first scan over a large register), and every index costs
-- each of those rows an insertion. Three indexes were covered by others:
--   reminders_due_date_idx (due_date): the unique key reminders_once_key
--     leads with due_date, so the scan's window (ledgerKeys) and the
--     fiscal_year filter read that instead;
--   reminders_recipient_idx (recipient_id, status): a recipient's rows are
--     read by reminders_recipient_id_idx (recipient_id, id), which also
--     gives the recipient filter its page order;
--   reminders_subject_idx (subject_id, status): a subject's rows (the
--     overdue ledger, cancelling what was queued about a subject) are read
--     by reminders_subject_id_idx (subject_id, id), a handful per subject.
DROP INDEX reminders_due_date_idx;
DROP INDEX reminders_recipient_idx;
DROP INDEX reminders_subject_idx;

-- The due-scan's candidates (contractsDue) read id, vendor_id and the
-- nominal date besides the key: with them in the index the read is an
-- index-only range in the index's order. Without them PostgreSQL weighed
-- the heap fetches of a range in that order against a bitmap read of the
-- window through contracts_next_confirmation_due_idx and a sort, and chose
-- the sort whenever a page (1,000) was a large part of the window.
DROP INDEX contracts_confirmation_due_idx;
{{if .Postgres}}CREATE INDEX contracts_confirmation_due_idx ON contracts (next_confirmation_due, id) INCLUDE (vendor_id, next_confirmation_nominal) WHERE status = 'active';
{{else}}CREATE INDEX contracts_confirmation_due_idx ON contracts (next_confirmation_due, id, vendor_id, next_confirmation_nominal) WHERE status = 'active';
{{end}}
