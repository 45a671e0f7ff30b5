-- Incidents (情報セキュリティインシデント, 第6 ⑦): what happened, who reported
-- it, its severity, the records it involves, its timeline of steps with
-- their deadlines, publication, and what it opened (corrective actions) or
-- suspended. The timeline, assets, action ids and suspensions are JSON text.
-- next_step / next_deadline / next_due / next_subject_id are derived from the
-- timeline and the settings' severity levels, stored for the due-scan's
-- index: the due-scan reminds next_due like every other date, its ledger
-- rows under next_subject_id (one subject per step).

CREATE TABLE incidents (
    id                        VARCHAR(36)  PRIMARY KEY,
    title                     VARCHAR(200) NOT NULL,
    description               TEXT         NOT NULL,
    detected_at               {{.Timestamp}} NOT NULL,
    detected_on               DATE         NOT NULL,
    reported_by               VARCHAR(20)  NOT NULL,
    reporter_id               VARCHAR(36)  REFERENCES people (id),
    reporting_contract_id     VARCHAR(36)  REFERENCES contracts (id),
    reporting_clause_included BOOLEAN      NOT NULL,
    contractor_reported_at    {{.Timestamp}},
    severity                  VARCHAR(40)  NOT NULL,
    affected_assets           TEXT         NOT NULL,
    personal_information      BOOLEAN      NOT NULL,
    records                   TEXT         NOT NULL,
    owner_id                  VARCHAR(36)  NOT NULL REFERENCES people (id),
    status                    VARCHAR(20)  NOT NULL,
    timeline                  TEXT         NOT NULL,
    next_step                 VARCHAR(20)  NOT NULL,
    next_deadline             {{.Timestamp}},
    next_due                  DATE,
    next_subject_id           VARCHAR(36)  NOT NULL,
    publication_default       BOOLEAN      NOT NULL,
    publication_override      BOOLEAN,
    publication_reason        TEXT         NOT NULL,
    published_on              DATE,
    publication_note          TEXT         NOT NULL,
    lessons_learned           TEXT         NOT NULL,
    corrective_action_ids     TEXT         NOT NULL,
    suspensions               TEXT         NOT NULL,
    version                   INTEGER      NOT NULL,
    created_at                {{.Timestamp}} NOT NULL,
    updated_at                {{.Timestamp}} NOT NULL,
    search_text               TEXT
);
-- The due-scan reads the incidents not closed by their next step's date.
CREATE INDEX incidents_next_due_idx ON incidents (next_due) WHERE status <> 'closed';
CREATE INDEX incidents_detected_on_idx ON incidents (detected_on);
CREATE INDEX incidents_owner_idx ON incidents (owner_id, status);

-- The records an incident involves, one row each, for the filter by record
-- and for the references that keep a record from being deleted.
CREATE TABLE incident_records (
    incident_id  VARCHAR(36) NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    record_type  VARCHAR(20) NOT NULL,
    record_id    VARCHAR(36) NOT NULL,
    PRIMARY KEY (incident_id, record_type, record_id)
);
CREATE INDEX incident_records_record_idx ON incident_records (record_id);
