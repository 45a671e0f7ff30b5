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

-- The scan finds every unresolved date up to its horizon, however old.
-- These partial indexes hold only the unresolved rows, so expired,
-- terminated and retired history is never read (confirmations, cloud
-- services and corrective actions have (status, date) indexes already).
-- Partial, not (status, date): SQLite would otherwise pick the status
-- prefix for other queries on active contracts.
CREATE INDEX contracts_active_renewal_review_idx ON contracts (renewal_review_due) WHERE status = 'active';
CREATE INDEX social_accounts_active_review_idx ON social_accounts (next_review_due) WHERE status = 'active';
