-- Step 1: due dates on business days. A due date that falls on a Saturday,
-- Sunday, national holiday or closure day moves to the previous business
-- day; the date column holds the moved date (what reminders and filters
-- use), and *_nominal the date the rule gave, shown beside it. NULL in a
-- nominal column means a row from before this migration: the store fills it
-- (and moves the date) when it starts, see FillBusinessDueDates.
ALTER TABLE contracts ADD COLUMN next_confirmation_nominal DATE;
ALTER TABLE contracts ADD COLUMN renewal_review_nominal DATE;
ALTER TABLE confirmations ADD COLUMN due_date_nominal DATE;
ALTER TABLE corrective_actions ADD COLUMN due_date_nominal DATE;
ALTER TABLE cloud_services ADD COLUMN next_review_nominal DATE;
ALTER TABLE social_accounts ADD COLUMN next_review_nominal DATE;
