-- Reviews of the information security policy itself (第8): what called for
-- each, what was decided, the settings and catalogue changes it made (their
-- audit events, one row each) and the next review date, which the due-scan
-- reminds while the review is the latest approved one (superseded_by empty).

CREATE TABLE policy_reviews (
    id                  VARCHAR(36) PRIMARY KEY,
    trigger_kind        VARCHAR(40) NOT NULL,
    trigger_id          VARCHAR(36),
    trigger_description TEXT        NOT NULL,
    decision            TEXT        NOT NULL,
    status              VARCHAR(20) NOT NULL,
    owner_id            VARCHAR(36) NOT NULL REFERENCES people (id),
    drafted_by          VARCHAR(36) REFERENCES people (id),
    changed_by          VARCHAR(36) REFERENCES people (id),
    approver_id         VARCHAR(36) REFERENCES people (id),
    approved_at         {{.Timestamp}},
    next_review_due     DATE,
    next_review_nominal DATE,
    superseded_by       VARCHAR(36) REFERENCES policy_reviews (id),
    version             INTEGER     NOT NULL,
    created_at          {{.Timestamp}} NOT NULL,
    updated_at          {{.Timestamp}} NOT NULL
);
CREATE INDEX policy_reviews_owner_idx ON policy_reviews (owner_id);
-- The due-scan reads the latest approved review only.
CREATE INDEX policy_reviews_due_idx ON policy_reviews (next_review_due)
    WHERE status = 'approved' AND superseded_by IS NULL;

CREATE TABLE policy_review_changes (
    review_id      VARCHAR(36) NOT NULL REFERENCES policy_reviews (id),
    position       INTEGER     NOT NULL,
    audit_event_id VARCHAR(36) NOT NULL,
    PRIMARY KEY (review_id, position)
);
CREATE INDEX policy_review_changes_event_idx ON policy_review_changes (audit_event_id);
