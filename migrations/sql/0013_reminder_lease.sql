-- A digest job holds a lease on the ledger rows it sends: lease_holder names
-- the job and lease_until says how long the hold lasts unless renewed. A
-- running job renews it while it works, so a row whose lease ran out belongs
-- to a worker that died (a replica killed mid-send), and another replica
-- sends it again within minutes instead of waiting for River's rescue.

ALTER TABLE reminders ADD COLUMN lease_holder VARCHAR(40) NOT NULL DEFAULT '';
ALTER TABLE reminders ADD COLUMN lease_until {{.Timestamp}};
