-- The due-scan schedules confirmations in keyset order of (next confirmation
-- due, id) among the active contracts (contractsDue): an index in that
-- order, of the active contracts only, lets it read just the contracts due
-- within the reminder window and stop at each batch's limit. The former
-- index on the date alone, in id order, led the planners to walk the whole
-- primary key instead, so a repeat scan with nothing to schedule grew with
-- the register. This one covers it.
DROP INDEX contracts_active_next_confirmation_idx;
CREATE INDEX contracts_confirmation_due_idx ON contracts (next_confirmation_due, id) WHERE status = 'active';
