-- Step 1: separation of duties and dates that are always reached.
-- A clause waiver is asked for by one person and takes effect when a second
-- person with a security role approves it. On an active contract a waiver
-- of an included clause waits as pending_waiver_reason while the clause stays
-- included (an amendment through the same gate).
ALTER TABLE contract_clauses ADD COLUMN waiver_requested_by VARCHAR(36);
ALTER TABLE contract_clauses ADD COLUMN waiver_requested_at {{.Timestamp}};
ALTER TABLE contract_clauses ADD COLUMN waiver_approved_by VARCHAR(36);
ALTER TABLE contract_clauses ADD COLUMN waiver_approved_at {{.Timestamp}};
ALTER TABLE contract_clauses ADD COLUMN pending_waiver_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE contract_clauses ADD COLUMN pending_waiver_requested_by VARCHAR(36);
ALTER TABLE contract_clauses ADD COLUMN pending_waiver_requested_at {{.Timestamp}};
-- Waivers recorded before this rule keep counting: they were the decision of
-- their time, and the audit trail says who set them.
UPDATE contract_clauses SET waiver_approved_at = updated_at WHERE status = 'waived';
-- The due date of the last completed confirmation: one due on or after the
-- day before the end that a one-year contract is confirmed is that one.
ALTER TABLE contracts ADD COLUMN last_confirmation_due DATE;
-- An auto-renewing contract is extended by its renewal term when its end passes.
ALTER TABLE contracts ADD COLUMN renewal_term_months INTEGER NOT NULL DEFAULT 12;
-- Who made the selection, and when the record was written, decide who may
-- approve the vendor and whether a suspended vendor may return.
ALTER TABLE vendors ADD COLUMN selection_recorded_at {{.Timestamp}};
ALTER TABLE vendors ADD COLUMN status_changed_at {{.Timestamp}};
ALTER TABLE vendors ADD COLUMN approved_by VARCHAR(36);
-- Who wrote the selection record (the caller), beside selected_by (who the
-- record says made the selection): neither may approve.
ALTER TABLE vendors ADD COLUMN selection_recorded_by VARCHAR(36);
-- Who last changed a requested cloud service (its checklist answers or
-- terms) shaped the request too, and may not approve it.
ALTER TABLE cloud_services ADD COLUMN request_changed_by VARCHAR(36);
-- A vendor with no active contract has not been assessed.
UPDATE vendors SET risk_tier = 'unassessed'
    WHERE NOT EXISTS (SELECT 1 FROM contracts c WHERE c.vendor_id = vendors.id AND c.status = 'active');
-- A risk acceptance holds until a date, then the action comes due again.
ALTER TABLE corrective_actions ADD COLUMN accepted_until DATE;
-- Acceptances recorded before this rule expire like new ones, 12 months
-- (the default of risk_acceptance_months) after they were given.
UPDATE corrective_actions SET accepted_until = {{if .Postgres}}(closed_at + interval '12 months')::date{{else}}date(closed_at, '+12 months'){{end}}
    WHERE status = 'risk_accepted' AND closed_at IS NOT NULL;
CREATE INDEX corrective_actions_accepted_until_idx ON corrective_actions (status, accepted_until);
-- The scan looks for the active contracts whose end passed, to renew or
-- expire them: an index on the end date of active contracts only, so it
-- reads those few rows rather than every active contract.
CREATE INDEX contracts_active_end_date_idx ON contracts (end_date) WHERE status = 'active';
-- Likewise for the confirmations the scan schedules: active contracts whose
-- next confirmation enters the window, in id order.
CREATE INDEX contracts_active_next_confirmation_idx ON contracts (next_confirmation_due) WHERE status = 'active';
