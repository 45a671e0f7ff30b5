-- A keyed audit chain. Each event names the key segment it belongs to
-- (key_id, a fingerprint of the audit key; '' for the legacy, unkeyed
-- segment of plain SHA-256 hashes), and so does the head, so that a writer
-- under a new key starts a segment with an audit_key_rotated event. The key
-- itself is never stored.
ALTER TABLE audit_events ADD COLUMN key_id VARCHAR(16) NOT NULL DEFAULT '';
ALTER TABLE audit_head ADD COLUMN key_id VARCHAR(16) NOT NULL DEFAULT '';

-- Signed checkpoints: the chain's length and last hash at a time, signed
-- with the Ed25519 key derived from the audit key (also written to the
-- checkpoint folder and e-mailed to every ciso).
CREATE TABLE audit_checkpoints (
    id          VARCHAR(36)  PRIMARY KEY,
    seq         BIGINT       NOT NULL,
    hash        VARCHAR(64)  NOT NULL,
    signed_at   {{.Timestamp}} NOT NULL,
    key_id      VARCHAR(16)  NOT NULL,
    public_key  VARCHAR(64)  NOT NULL,
    signature   VARCHAR(100) NOT NULL
);
CREATE INDEX audit_checkpoints_signed_at_idx ON audit_checkpoints (signed_at);

-- Breaks of the chain already reported to the cisos, one row per distinct
-- break, so that a break is e-mailed once, not at every verification.
CREATE TABLE audit_alerts (
    fingerprint VARCHAR(64)  PRIMARY KEY,
    first_seen  {{.Timestamp}} NOT NULL
);
