-- Audit appends without a global lock (PostgreSQL). A write inserts its
-- event unsealed (hash, prev_hash and key_id empty) with a seq from
-- audit_events_seq, in its own transaction, under a shared advisory lock;
-- the sealer chains the events in seq order and moves audit_head (see the
-- README's architecture section). SQLite has one writer and seals inline.
--
-- The sealer's UPDATE of hash, prev_hash and key_id touches no indexed
-- column, so with room left on each page (fillfactor) it is a HOT update
-- that writes no index entry.
{{if .Postgres}}CREATE SEQUENCE audit_events_seq;
SELECT setval('audit_events_seq', COALESCE((SELECT max(seq) FROM audit_events), 0) + 1, false);
ALTER TABLE audit_events SET (fillfactor = 80);{{end}}
