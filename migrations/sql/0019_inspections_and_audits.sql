-- Self-inspection and audit (自己点検・監査, the policy's 第7).
--
-- A campaign asks its assignees (one row each, the subject of the
-- "inspection" reminders) to answer the checklist items it lists; each
-- answer keeps what the register said when it was pre-filled (prefill, JSON
-- as text) and the corrective action a not_compliant answer opened. An
-- audit keeps its findings, each with the corrective action it opened.

CREATE TABLE inspection_campaigns (
    id                VARCHAR(36)  PRIMARY KEY,
    fiscal_year       INTEGER      NOT NULL,
    title             VARCHAR(300) NOT NULL,
    description       TEXT         NOT NULL,
    due_date          DATE         NOT NULL,
    due_date_nominal  DATE         NOT NULL,
    item_codes        TEXT         NOT NULL,
    status            VARCHAR(20)  NOT NULL,
    closed_by         VARCHAR(36)  REFERENCES people (id),
    closed_at         {{.Timestamp}},
    created_by        VARCHAR(36)  REFERENCES people (id),
    version           INTEGER      NOT NULL,
    created_at        {{.Timestamp}} NOT NULL,
    updated_at        {{.Timestamp}} NOT NULL
);
CREATE INDEX inspection_campaigns_fiscal_year_idx ON inspection_campaigns (fiscal_year, status);
CREATE INDEX inspection_campaigns_status_due_idx ON inspection_campaigns (status, due_date);

CREATE TABLE inspection_assignments (
    id             VARCHAR(36) PRIMARY KEY,
    campaign_id    VARCHAR(36) NOT NULL REFERENCES inspection_campaigns (id),
    person_id      VARCHAR(36) NOT NULL REFERENCES people (id),
    department_id  VARCHAR(36) NOT NULL REFERENCES departments (id),
    completed_at   {{.Timestamp}},
    created_at     {{.Timestamp}} NOT NULL
);
CREATE UNIQUE INDEX inspection_assignments_campaign_person_key ON inspection_assignments (campaign_id, person_id);
CREATE INDEX inspection_assignments_person_idx ON inspection_assignments (person_id);
CREATE INDEX inspection_assignments_open_idx ON inspection_assignments (campaign_id) WHERE completed_at IS NULL;

CREATE TABLE inspection_answers (
    id                    VARCHAR(36)  PRIMARY KEY,
    campaign_id           VARCHAR(36)  NOT NULL REFERENCES inspection_campaigns (id),
    assignment_id         VARCHAR(36)  NOT NULL REFERENCES inspection_assignments (id),
    person_id             VARCHAR(36)  NOT NULL REFERENCES people (id),
    department_id         VARCHAR(36)  NOT NULL REFERENCES departments (id),
    item_code             VARCHAR(80)  NOT NULL,
    position              INTEGER      NOT NULL,
    answer                VARCHAR(20)  NOT NULL,
    note                  TEXT         NOT NULL,
    prefill               TEXT,
    kept_prefill          BOOLEAN,
    answered_by           VARCHAR(36)  REFERENCES people (id),
    answered_at           {{.Timestamp}},
    corrective_action_id  VARCHAR(36)  REFERENCES corrective_actions (id),
    version               INTEGER      NOT NULL,
    created_at            {{.Timestamp}} NOT NULL,
    updated_at            {{.Timestamp}} NOT NULL
);
CREATE UNIQUE INDEX inspection_answers_assignment_item_key ON inspection_answers (assignment_id, item_code);
CREATE INDEX inspection_answers_campaign_idx ON inspection_answers (campaign_id, department_id);

CREATE TABLE audits (
    id                 VARCHAR(36)  PRIMARY KEY,
    fiscal_year        INTEGER      NOT NULL,
    title              VARCHAR(300) NOT NULL,
    scope              TEXT         NOT NULL,
    auditor_person_id  VARCHAR(36)  REFERENCES people (id),
    auditor_name       VARCHAR(200) NOT NULL,
    start_date         DATE         NOT NULL,
    end_date           DATE,
    status             VARCHAR(20)  NOT NULL,
    summary            TEXT         NOT NULL,
    version            INTEGER      NOT NULL,
    created_at         {{.Timestamp}} NOT NULL,
    updated_at         {{.Timestamp}} NOT NULL
);
CREATE INDEX audits_fiscal_year_idx ON audits (fiscal_year, status);

CREATE TABLE audit_findings (
    id                    VARCHAR(36)  PRIMARY KEY,
    audit_id              VARCHAR(36)  NOT NULL REFERENCES audits (id),
    description           TEXT         NOT NULL,
    severity              VARCHAR(10)  NOT NULL,
    subject_type          VARCHAR(20)  NOT NULL,
    subject_id            VARCHAR(36)  NOT NULL,
    corrective_action_id  VARCHAR(36)  REFERENCES corrective_actions (id),
    recorded_by           VARCHAR(36)  REFERENCES people (id),
    created_at            {{.Timestamp}} NOT NULL
);
CREATE INDEX audit_findings_audit_idx ON audit_findings (audit_id, created_at);
