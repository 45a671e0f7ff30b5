-- A folded copy of each searchable table's searched fields (NFKC, katakana
-- as hiragana, lower case: domain.FoldSearch), which q matches with LIKE.
-- The store writes it on every insert and update; rows written before this
-- migration (NULL here) are filled by the store at start (FillSearchText),
-- since the folding is Go code.
ALTER TABLE vendors ADD COLUMN search_text TEXT;
ALTER TABLE contracts ADD COLUMN search_text TEXT;
ALTER TABLE cloud_services ADD COLUMN search_text TEXT;
ALTER TABLE social_accounts ADD COLUMN search_text TEXT;
ALTER TABLE people ADD COLUMN search_text TEXT;
ALTER TABLE departments ADD COLUMN search_text TEXT;
