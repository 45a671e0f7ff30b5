-- Idempotency-Key (safe retries of POST): per token and key, the request it
-- was first used for (method, path, SHA-256 of the body) and, once answered,
-- the answer (status, the headers that matter, body). Rows older than
-- domain.IdempotencyWindow are purged on write.

CREATE TABLE idempotency_keys (
    token_id    VARCHAR(36)  NOT NULL,
    idem_key    VARCHAR(255) NOT NULL,
    method      VARCHAR(10)  NOT NULL,
    path        TEXT         NOT NULL,
    body_sha256 VARCHAR(64)  NOT NULL,
    state       VARCHAR(20)  NOT NULL,
    status      INTEGER      NOT NULL,
    headers     TEXT         NOT NULL,
    body        {{if .Postgres}}BYTEA{{else}}BLOB{{end}},
    created_at  {{.Timestamp}} NOT NULL,
    PRIMARY KEY (token_id, idem_key)
);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);
