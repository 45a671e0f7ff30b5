-- Foundation: departments, people, tokens, catalogues and the audit chain.
-- Templated per dialect: {{.Timestamp}} is the column type of instants.

CREATE TABLE departments (
    id          VARCHAR(36)  PRIMARY KEY,
    name        VARCHAR(200) NOT NULL,
    name_en     VARCHAR(200) NOT NULL DEFAULT '',
    version     INTEGER      NOT NULL,
    created_at  {{.Timestamp}} NOT NULL,
    updated_at  {{.Timestamp}} NOT NULL
);
CREATE UNIQUE INDEX departments_name_key ON departments (name);

CREATE TABLE people (
    id               VARCHAR(36)  PRIMARY KEY,
    name             VARCHAR(200) NOT NULL,
    email            VARCHAR(254) NOT NULL,
    department_id    VARCHAR(36)  NOT NULL REFERENCES departments (id),
    employment_type  VARCHAR(20)  NOT NULL,
    security_roles   TEXT         NOT NULL,
    supervisor_id    VARCHAR(36)  REFERENCES people (id),
    locale           VARCHAR(5)   NOT NULL,
    active           BOOLEAN      NOT NULL,
    version          INTEGER      NOT NULL,
    created_at       {{.Timestamp}} NOT NULL,
    updated_at       {{.Timestamp}} NOT NULL
);
CREATE UNIQUE INDEX people_email_key ON people (lower(email));
CREATE INDEX people_department_id_idx ON people (department_id);
CREATE INDEX people_supervisor_id_idx ON people (supervisor_id);

CREATE TABLE tokens (
    id            VARCHAR(36)  PRIMARY KEY,
    person_id     VARCHAR(36)  NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    role          VARCHAR(20)  NOT NULL,
    description   VARCHAR(200) NOT NULL DEFAULT '',
    secret_hash   VARCHAR(64)  NOT NULL,
    hint          VARCHAR(20)  NOT NULL,
    created_by    VARCHAR(36),
    created_at    {{.Timestamp}} NOT NULL,
    last_used_at  {{.Timestamp}},
    revoked_at    {{.Timestamp}},
    version       INTEGER      NOT NULL
);
CREATE UNIQUE INDEX tokens_secret_hash_key ON tokens (secret_hash);
CREATE INDEX tokens_person_id_idx ON tokens (person_id);

CREATE TABLE catalogue_items (
    catalogue   VARCHAR(40)  NOT NULL,
    code        VARCHAR(80)  NOT NULL,
    title_ja    VARCHAR(300) NOT NULL,
    title_en    VARCHAR(300) NOT NULL,
    mandatory   BOOLEAN      NOT NULL,
    position    INTEGER      NOT NULL,
    retired_at  {{.Timestamp}},
    version     INTEGER      NOT NULL,
    created_at  {{.Timestamp}} NOT NULL,
    updated_at  {{.Timestamp}} NOT NULL,
    PRIMARY KEY (catalogue, code)
);

-- The audit chain. audit_head is a single row that every writer updates
-- first: the update serialises appends on PostgreSQL without FOR UPDATE, and
-- holds the last hash so an append never scans the log.
CREATE TABLE audit_head (
    id         INTEGER     PRIMARY KEY,
    seq        BIGINT      NOT NULL,
    last_hash  VARCHAR(64) NOT NULL
);
INSERT INTO audit_head (id, seq, last_hash) VALUES (1, 0, '');

CREATE TABLE audit_events (
    seq          BIGINT       PRIMARY KEY,
    id           VARCHAR(36)  NOT NULL,
    occurred_at  {{.Timestamp}} NOT NULL,
    actor_id     VARCHAR(36),
    actor_name   VARCHAR(200) NOT NULL,
    action       VARCHAR(40)  NOT NULL,
    entity_type  VARCHAR(40)  NOT NULL,
    entity_id    VARCHAR(80)  NOT NULL,
    reason       TEXT         NOT NULL,
    before_json  TEXT,
    after_json   TEXT,
    prev_hash    VARCHAR(64)  NOT NULL,
    hash         VARCHAR(64)  NOT NULL
);
CREATE UNIQUE INDEX audit_events_id_key ON audit_events (id);
CREATE INDEX audit_events_entity_idx ON audit_events (entity_type, entity_id, seq);
CREATE INDEX audit_events_actor_idx ON audit_events (actor_id, seq);
CREATE INDEX audit_events_occurred_at_idx ON audit_events (occurred_at);
