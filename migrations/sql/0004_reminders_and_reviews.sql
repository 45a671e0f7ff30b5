-- Reminders and reviews: the reminder ledger written by the due-scan, the
-- reviews that move due dates, and the end date a contract's renewal review
-- was done for.

ALTER TABLE contracts ADD COLUMN renewal_reviewed_for DATE;

CREATE TABLE reminders (
    id            VARCHAR(36)  PRIMARY KEY,
    subject_type  VARCHAR(40)  NOT NULL,
    subject_id    VARCHAR(36)  NOT NULL,
    title         VARCHAR(500) NOT NULL,
    path          VARCHAR(200) NOT NULL,
    due_date      DATE         NOT NULL,
    stage         VARCHAR(20)  NOT NULL,
    recipient_id  VARCHAR(36)  NOT NULL REFERENCES people (id),
    escalated     BOOLEAN      NOT NULL,
    status        VARCHAR(20)  NOT NULL,
    message_id    VARCHAR(200) NOT NULL,
    error         TEXT         NOT NULL,
    created_at    {{.Timestamp}} NOT NULL,
    sent_at       {{.Timestamp}}
);
CREATE UNIQUE INDEX reminders_once_key ON reminders (subject_type, subject_id, due_date, stage, recipient_id);
CREATE INDEX reminders_recipient_idx ON reminders (recipient_id, status);
CREATE INDEX reminders_status_idx ON reminders (status);
CREATE INDEX reminders_subject_idx ON reminders (subject_id, status);

CREATE TABLE reviews (
    id             VARCHAR(36) PRIMARY KEY,
    subject_type   VARCHAR(40) NOT NULL,
    subject_id     VARCHAR(36) NOT NULL,
    kind           VARCHAR(20) NOT NULL,
    due_date       DATE,
    outcome        VARCHAR(20) NOT NULL,
    notes          TEXT        NOT NULL,
    reviewer_id    VARCHAR(36) NOT NULL REFERENCES people (id),
    reviewed_on    DATE        NOT NULL,
    new_end_date   DATE,
    next_due_date  DATE,
    created_at     {{.Timestamp}} NOT NULL
);
CREATE INDEX reviews_subject_idx ON reviews (subject_type, subject_id);
CREATE INDEX cloud_services_status_review_idx ON cloud_services (status, next_review_due);
CREATE INDEX corrective_actions_due_date_idx ON corrective_actions (due_date);
CREATE INDEX confirmations_due_date_idx ON confirmations (due_date);
