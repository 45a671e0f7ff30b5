-- Services under standard terms (約款による外部サービス) and official
-- social-media accounts (ソーシャルメディアサービス).

CREATE TABLE cloud_services (
    id                      VARCHAR(36)  PRIMARY KEY,
    name                    VARCHAR(200) NOT NULL,
    provider                VARCHAR(200) NOT NULL,
    service_url             VARCHAR(500) NOT NULL,
    terms_url               VARCHAR(500) NOT NULL,
    terms_version           VARCHAR(100) NOT NULL,
    terms_reviewed_at       DATE,
    permitted_uses          TEXT         NOT NULL,
    information_assets      TEXT         NOT NULL,
    responsible_person_id   VARCHAR(36)  NOT NULL REFERENCES people (id),
    department_id           VARCHAR(36)  NOT NULL REFERENCES departments (id),
    status                  VARCHAR(20)  NOT NULL,
    requester_id            VARCHAR(36)  REFERENCES people (id),
    approver_id             VARCHAR(36)  REFERENCES people (id),
    approved_on             DATE,
    status_reason           TEXT         NOT NULL,
    terms_checks            TEXT         NOT NULL,
    review_interval_months  INTEGER      NOT NULL,
    last_reviewed_on        DATE,
    next_review_due         DATE,
    version                 INTEGER      NOT NULL,
    created_at              {{.Timestamp}} NOT NULL,
    updated_at              {{.Timestamp}} NOT NULL
);
CREATE INDEX cloud_services_status_idx ON cloud_services (status);
CREATE INDEX cloud_services_responsible_person_id_idx ON cloud_services (responsible_person_id);
CREATE INDEX cloud_services_department_id_idx ON cloud_services (department_id);
CREATE INDEX cloud_services_next_review_due_idx ON cloud_services (next_review_due);

CREATE TABLE social_accounts (
    id                      VARCHAR(36)  PRIMARY KEY,
    platform                VARCHAR(20)  NOT NULL,
    handle                  VARCHAR(100) NOT NULL,
    profile_url             VARCHAR(500) NOT NULL,
    purpose                 TEXT         NOT NULL,
    department_id           VARCHAR(36)  NOT NULL REFERENCES departments (id),
    responsible_person_id   VARCHAR(36)  NOT NULL REFERENCES people (id),
    operator_ids            TEXT         NOT NULL,
    operating_procedure     TEXT         NOT NULL,
    publishing_rules        TEXT         NOT NULL,
    impersonation_measures  TEXT         NOT NULL,
    authentication          TEXT         NOT NULL,
    credential_custodian_id VARCHAR(36)  REFERENCES people (id),
    carries_availability_2  BOOLEAN      NOT NULL,
    mirror_site_url         VARCHAR(500) NOT NULL,
    status                  VARCHAR(20)  NOT NULL,
    status_reason           TEXT         NOT NULL,
    review_interval_months  INTEGER      NOT NULL,
    last_reviewed_on        DATE,
    next_review_due         DATE,
    version                 INTEGER      NOT NULL,
    created_at              {{.Timestamp}} NOT NULL,
    updated_at              {{.Timestamp}} NOT NULL
);
CREATE UNIQUE INDEX social_accounts_platform_handle_key ON social_accounts (platform, handle);
CREATE INDEX social_accounts_status_idx ON social_accounts (status);
CREATE INDEX social_accounts_responsible_person_id_idx ON social_accounts (responsible_person_id);
CREATE INDEX social_accounts_next_review_due_idx ON social_accounts (next_review_due);

-- Operators of accounts, so that deleting a person who operates one is
-- refused like any other responsibility.
CREATE TABLE social_account_operators (
    account_id  VARCHAR(36) NOT NULL REFERENCES social_accounts (id) ON DELETE CASCADE,
    person_id   VARCHAR(36) NOT NULL REFERENCES people (id),
    PRIMARY KEY (account_id, person_id)
);
CREATE INDEX social_account_operators_person_id_idx ON social_account_operators (person_id);
