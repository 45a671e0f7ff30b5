-- Staff pages (api/web). A person signs in by a one-time e-mailed link or
-- through OpenID Connect and gets a session kept here; both secrets are
-- stored only as their SHA-256. web_role is the role an admin gave a person
-- on the pages; NULL takes the role of the person's best unrevoked token.

ALTER TABLE people ADD COLUMN web_role VARCHAR(20);

CREATE TABLE sign_in_links (
    id           VARCHAR(36)  PRIMARY KEY,
    person_id    VARCHAR(36)  NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    secret_hash  VARCHAR(64)  NOT NULL,
    created_at   {{.Timestamp}} NOT NULL,
    expires_at   {{.Timestamp}} NOT NULL,
    used_at      {{.Timestamp}}
);
CREATE UNIQUE INDEX sign_in_links_secret_hash_key ON sign_in_links (secret_hash);
CREATE INDEX sign_in_links_person_id_idx ON sign_in_links (person_id);

CREATE TABLE web_sessions (
    id            VARCHAR(36)  PRIMARY KEY,
    person_id     VARCHAR(36)  NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    secret_hash   VARCHAR(64)  NOT NULL,
    method        VARCHAR(20)  NOT NULL,
    created_at    {{.Timestamp}} NOT NULL,
    last_seen_at  {{.Timestamp}} NOT NULL,
    ended_at      {{.Timestamp}}
);
CREATE UNIQUE INDEX web_sessions_secret_hash_key ON web_sessions (secret_hash);
CREATE INDEX web_sessions_person_id_idx ON web_sessions (person_id);
