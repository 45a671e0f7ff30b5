-- Overdue never falls silent: an overdue item is reminded again every
-- overdue_repeat_days until resolved, so the ledger's key gains the repeat
-- number (0 for every existing row, which stays valid). Each row records the
-- day its stage was reached (the next repeat follows it) and why an
-- escalated recipient is told (supervisor or ciso). The key leads with the
-- due date, so the scan reads the ledger of its window through it.

ALTER TABLE reminders ADD COLUMN repeat INTEGER NOT NULL DEFAULT 0;
ALTER TABLE reminders ADD COLUMN reached_on DATE;
ALTER TABLE reminders ADD COLUMN escalated_as VARCHAR(20) NOT NULL DEFAULT '';
UPDATE reminders SET reached_on = {{if .Postgres}}CAST(created_at AS DATE){{else}}date(created_at){{end}};
UPDATE reminders SET escalated_as = 'supervisor' WHERE escalated;
DROP INDEX reminders_once_key;
CREATE UNIQUE INDEX reminders_once_key ON reminders (due_date, subject_type, subject_id, stage, repeat, recipient_id);

-- The scan finds every unresolved date up to its horizon, however old;
-- these let it read only the unresolved rows of each register.
CREATE INDEX contracts_status_renewal_review_idx ON contracts (status, renewal_review_due);
CREATE INDEX social_accounts_status_review_idx ON social_accounts (status, next_review_due);
