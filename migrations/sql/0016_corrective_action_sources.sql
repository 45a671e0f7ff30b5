-- A corrective action can be opened by more than a confirmation's finding:
-- by an incident, an audit finding or a self-inspection answer (Step 4).
-- source names what opened it and source_id its id; confirmation_id,
-- contract_id and vendor_id are set only when a contract is concerned.
-- SQLite cannot drop NOT NULL, so the table is rebuilt there; nothing
-- references corrective_actions, so dropping the old table is safe.

{{if .Postgres}}
ALTER TABLE corrective_actions ALTER COLUMN confirmation_id DROP NOT NULL;
ALTER TABLE corrective_actions ALTER COLUMN contract_id DROP NOT NULL;
ALTER TABLE corrective_actions ALTER COLUMN vendor_id DROP NOT NULL;
ALTER TABLE corrective_actions ADD COLUMN source VARCHAR(30) NOT NULL DEFAULT 'confirmation';
ALTER TABLE corrective_actions ADD COLUMN source_id VARCHAR(36) NOT NULL DEFAULT '';
UPDATE corrective_actions SET source_id = confirmation_id;
{{else}}
CREATE TABLE corrective_actions_new (
    id               VARCHAR(36)  PRIMARY KEY,
    source           VARCHAR(30)  NOT NULL DEFAULT 'confirmation',
    source_id        VARCHAR(36)  NOT NULL DEFAULT '',
    confirmation_id  VARCHAR(36)  REFERENCES confirmations (id),
    contract_id      VARCHAR(36)  REFERENCES contracts (id),
    vendor_id        VARCHAR(36)  REFERENCES vendors (id),
    clause_code      VARCHAR(80)  NOT NULL,
    description      TEXT         NOT NULL,
    severity         VARCHAR(10)  NOT NULL,
    owner_id         VARCHAR(36)  NOT NULL REFERENCES people (id),
    due_date         DATE         NOT NULL,
    status           VARCHAR(20)  NOT NULL,
    resolution       TEXT         NOT NULL,
    closed_by        VARCHAR(36)  REFERENCES people (id),
    closed_at        {{.Timestamp}},
    version          INTEGER      NOT NULL,
    created_at       {{.Timestamp}} NOT NULL,
    updated_at       {{.Timestamp}} NOT NULL,
    accepted_until   DATE,
    due_date_nominal DATE
);
INSERT INTO corrective_actions_new (id, source, source_id, confirmation_id, contract_id, vendor_id, clause_code, description, severity,
    owner_id, due_date, status, resolution, closed_by, closed_at, version, created_at, updated_at, accepted_until, due_date_nominal)
SELECT id, 'confirmation', confirmation_id, confirmation_id, contract_id, vendor_id, clause_code, description, severity,
    owner_id, due_date, status, resolution, closed_by, closed_at, version, created_at, updated_at, accepted_until, due_date_nominal
FROM corrective_actions;
DROP TABLE corrective_actions;
ALTER TABLE corrective_actions_new RENAME TO corrective_actions;
CREATE INDEX corrective_actions_status_due_idx ON corrective_actions (status, due_date);
CREATE INDEX corrective_actions_owner_id_idx ON corrective_actions (owner_id);
CREATE INDEX corrective_actions_contract_id_idx ON corrective_actions (contract_id);
CREATE INDEX corrective_actions_vendor_id_idx ON corrective_actions (vendor_id);
CREATE INDEX corrective_actions_due_date_idx ON corrective_actions (due_date);
CREATE INDEX corrective_actions_accepted_until_idx ON corrective_actions (status, accepted_until);
{{end}}
CREATE INDEX corrective_actions_source_idx ON corrective_actions (source, source_id);
