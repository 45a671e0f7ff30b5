-- The fiscal_year filter (年度, April to March) selects a range of each list's
-- main date; these are the main dates that had no index yet.
CREATE INDEX contracts_start_date_idx ON contracts (start_date);
CREATE INDEX reviews_reviewed_on_idx ON reviews (reviewed_on);
CREATE INDEX reminders_due_date_idx ON reminders (due_date);
