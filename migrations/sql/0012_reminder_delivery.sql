-- The reminder ledger records delivery: a row is claimed as 'sending' (a
-- status, no column) before its e-mail goes to the mail server; attempts
-- counts those hand-overs, possible_duplicate flags a resend after an
-- attempt whose outcome was unknown, and cancel_reason says why a cancelled
-- row was not sent. Rows already sent or failed count one attempt.

ALTER TABLE reminders ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE reminders ADD COLUMN possible_duplicate BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE reminders ADD COLUMN cancel_reason VARCHAR(20) NOT NULL DEFAULT '';
UPDATE reminders SET attempts = 1 WHERE status IN ('sent', 'failed');
