-- Imports (取込み): an uploaded CSV or XLSX file and its plan. The plan's
-- rows are kept until the import is committed, fails or expires: commit
-- applies exactly them. values and input are JSON as TEXT.

CREATE TABLE imports (
    id            VARCHAR(36)  PRIMARY KEY,
    register      VARCHAR(40)  NOT NULL,
    file_name     VARCHAR(400) NOT NULL,
    sha256        VARCHAR(64)  NOT NULL,
    format        VARCHAR(10)  NOT NULL,
    encoding      VARCHAR(20)  NOT NULL,
    status        VARCHAR(20)  NOT NULL,
    headers       TEXT         NOT NULL,
    rows_total    INTEGER      NOT NULL,
    rows_done     INTEGER      NOT NULL,
    n_create      INTEGER      NOT NULL,
    n_update      INTEGER      NOT NULL,
    n_unchanged   INTEGER      NOT NULL,
    n_error       INTEGER      NOT NULL,
    failure       TEXT         NOT NULL,
    created_by    VARCHAR(36),
    committed_by  VARCHAR(36),
    committed_at  {{.Timestamp}},
    version       INTEGER      NOT NULL,
    created_at    {{.Timestamp}} NOT NULL,
    updated_at    {{.Timestamp}} NOT NULL,
    -- The file of a running import, kept until its job has planned it.
    content       {{if .Postgres}}BYTEA{{else}}BLOB{{end}},
    asked_encoding VARCHAR(20) NOT NULL DEFAULT ''
);
CREATE INDEX imports_register_idx ON imports (register, id);

CREATE TABLE import_rows (
    import_id      VARCHAR(36) NOT NULL REFERENCES imports (id) ON DELETE CASCADE,
    row_number     INTEGER     NOT NULL,
    action         VARCHAR(20) NOT NULL,
    match_id       VARCHAR(36) NOT NULL,
    matched_by     VARCHAR(40) NOT NULL,
    match_version  INTEGER     NOT NULL,
    changed_fields TEXT        NOT NULL,
    errors         TEXT        NOT NULL,
    cell_values    TEXT        NOT NULL,
    input          TEXT        NOT NULL,
    PRIMARY KEY (import_id, row_number)
);
CREATE INDEX import_rows_action_idx ON import_rows (import_id, action, row_number);
