-- Evidence files (証跡ファイル): files attached to a record. The bytes live
-- in the blob store under blob_key; the row records their size and SHA-256
-- so that the audit verification can tell when they change in storage.
-- A delete is soft: deleted_at and deleted_by are set, the row and the
-- bytes stay for the audit trail.

CREATE TABLE evidence_files (
    id            VARCHAR(36)  PRIMARY KEY,
    subject_type  VARCHAR(40)  NOT NULL,
    subject_id    VARCHAR(36)  NOT NULL,
    item_code     VARCHAR(80)  NOT NULL,
    file_name     VARCHAR(400) NOT NULL,
    media_type    VARCHAR(200) NOT NULL,
    size          BIGINT       NOT NULL,
    sha256        VARCHAR(64)  NOT NULL,
    blob_key      VARCHAR(200) NOT NULL,
    uploaded_by   VARCHAR(36),
    uploader_name VARCHAR(200) NOT NULL,
    uploaded_at   {{.Timestamp}} NOT NULL,
    deleted_at    {{.Timestamp}},
    deleted_by    VARCHAR(36),
    version       INTEGER      NOT NULL
);
CREATE INDEX evidence_files_subject_idx ON evidence_files (subject_type, subject_id, id);
CREATE INDEX evidence_files_live_idx ON evidence_files (id) WHERE deleted_at IS NULL;
