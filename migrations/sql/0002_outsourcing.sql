-- Outsourcing register: settings, vendors, contracts and their clauses,
-- security confirmations and corrective actions.

CREATE TABLE settings (
    id          INTEGER PRIMARY KEY,
    body        TEXT    NOT NULL,
    version     INTEGER NOT NULL,
    updated_at  {{.Timestamp}} NOT NULL
);

CREATE TABLE vendors (
    id                 VARCHAR(36)  PRIMARY KEY,
    name               VARCHAR(200) NOT NULL,
    kana               VARCHAR(200) NOT NULL,
    corporate_number   VARCHAR(13),
    address            VARCHAR(500) NOT NULL,
    website            VARCHAR(500) NOT NULL,
    contact_name       VARCHAR(200) NOT NULL,
    contact_email      VARCHAR(254) NOT NULL,
    contact_phone      VARCHAR(40)  NOT NULL,
    owner_id           VARCHAR(36)  NOT NULL REFERENCES people (id),
    notes              TEXT         NOT NULL,
    status             VARCHAR(20)  NOT NULL,
    risk_tier          VARCHAR(10)  NOT NULL,
    selected_by        VARCHAR(36)  REFERENCES people (id),
    selected_on        DATE,
    selection_results  TEXT,
    status_reason      TEXT         NOT NULL,
    version            INTEGER      NOT NULL,
    created_at         {{.Timestamp}} NOT NULL,
    updated_at         {{.Timestamp}} NOT NULL
);
CREATE UNIQUE INDEX vendors_corporate_number_key ON vendors (corporate_number) WHERE corporate_number IS NOT NULL;
CREATE INDEX vendors_owner_id_idx ON vendors (owner_id);
CREATE INDEX vendors_status_idx ON vendors (status);
CREATE INDEX vendors_risk_tier_idx ON vendors (risk_tier);

CREATE TABLE vendor_certifications (
    vendor_id    VARCHAR(36)  NOT NULL REFERENCES vendors (id) ON DELETE CASCADE,
    position     INTEGER      NOT NULL,
    kind         VARCHAR(20)  NOT NULL,
    name         VARCHAR(200) NOT NULL,
    number       VARCHAR(100) NOT NULL,
    valid_until  DATE         NOT NULL,
    PRIMARY KEY (vendor_id, position)
);
CREATE INDEX vendor_certifications_valid_until_idx ON vendor_certifications (valid_until);

CREATE TABLE contracts (
    id                      VARCHAR(36)  PRIMARY KEY,
    vendor_id               VARCHAR(36)  NOT NULL REFERENCES vendors (id),
    title                   VARCHAR(300) NOT NULL,
    scope                   TEXT         NOT NULL,
    start_date              DATE         NOT NULL,
    end_date                DATE,
    auto_renew              BOOLEAN      NOT NULL,
    notice_period_days      INTEGER      NOT NULL,
    work_location           VARCHAR(500) NOT NULL,
    vendor_manager_name     VARCHAR(200) NOT NULL,
    subcontracting_allowed  BOOLEAN      NOT NULL,
    subcontractors          TEXT         NOT NULL,
    owner_id                VARCHAR(36)  NOT NULL REFERENCES people (id),
    information_assets      TEXT         NOT NULL,
    status                  VARCHAR(20)  NOT NULL,
    termination_reason      TEXT         NOT NULL,
    last_confirmed_on       DATE,
    next_confirmation_due   DATE,
    renewal_review_due      DATE,
    version                 INTEGER      NOT NULL,
    created_at              {{.Timestamp}} NOT NULL,
    updated_at              {{.Timestamp}} NOT NULL
);
CREATE INDEX contracts_vendor_id_idx ON contracts (vendor_id);
CREATE INDEX contracts_owner_id_idx ON contracts (owner_id);
CREATE INDEX contracts_status_idx ON contracts (status);
CREATE INDEX contracts_next_confirmation_due_idx ON contracts (next_confirmation_due);
CREATE INDEX contracts_renewal_review_due_idx ON contracts (renewal_review_due);

CREATE TABLE contract_clauses (
    contract_id    VARCHAR(36)  NOT NULL REFERENCES contracts (id) ON DELETE CASCADE,
    code           VARCHAR(80)  NOT NULL,
    status         VARCHAR(20)  NOT NULL,
    article_ref    VARCHAR(100) NOT NULL,
    waiver_reason  TEXT         NOT NULL,
    updated_at     {{.Timestamp}} NOT NULL,
    PRIMARY KEY (contract_id, code)
);
CREATE INDEX contract_clauses_code_idx ON contract_clauses (code, status);

CREATE TABLE confirmations (
    id            VARCHAR(36)  PRIMARY KEY,
    contract_id   VARCHAR(36)  NOT NULL REFERENCES contracts (id),
    vendor_id     VARCHAR(36)  NOT NULL REFERENCES vendors (id),
    due_date      DATE         NOT NULL,
    status        VARCHAR(20)  NOT NULL,
    checklist     TEXT         NOT NULL,
    result        VARCHAR(20)  NOT NULL,
    performed_by  VARCHAR(36)  REFERENCES people (id),
    performed_on  DATE,
    notes         TEXT         NOT NULL,
    version       INTEGER      NOT NULL,
    created_at    {{.Timestamp}} NOT NULL,
    updated_at    {{.Timestamp}} NOT NULL
);
CREATE INDEX confirmations_contract_id_idx ON confirmations (contract_id);
CREATE INDEX confirmations_vendor_id_idx ON confirmations (vendor_id);
CREATE INDEX confirmations_status_due_idx ON confirmations (status, due_date);

CREATE TABLE corrective_actions (
    id               VARCHAR(36)  PRIMARY KEY,
    confirmation_id  VARCHAR(36)  NOT NULL REFERENCES confirmations (id),
    contract_id      VARCHAR(36)  NOT NULL REFERENCES contracts (id),
    vendor_id        VARCHAR(36)  NOT NULL REFERENCES vendors (id),
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
    updated_at       {{.Timestamp}} NOT NULL
);
CREATE INDEX corrective_actions_status_due_idx ON corrective_actions (status, due_date);
CREATE INDEX corrective_actions_owner_id_idx ON corrective_actions (owner_id);
CREATE INDEX corrective_actions_contract_id_idx ON corrective_actions (contract_id);
CREATE INDEX corrective_actions_vendor_id_idx ON corrective_actions (vendor_id);
