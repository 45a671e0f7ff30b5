-- Webhooks: subscriptions of a URL to event types, and one delivery per
-- (change, subscription), written in the transaction of the change. The
-- event types are JSON text. secret (and previous_secret while a rotation
-- lasts) are the signing keys "whsec_<base64>": the server signs with them,
-- so they are kept as they are, never returned after create or rotate, and
-- never in an audit snapshot.

CREATE TABLE webhook_subscriptions (
    id                        VARCHAR(36)   PRIMARY KEY,
    url                       VARCHAR(2000) NOT NULL,
    event_types               TEXT          NOT NULL,
    description               VARCHAR(500)  NOT NULL,
    owner_id                  VARCHAR(36)   NOT NULL REFERENCES people (id),
    active                    BOOLEAN       NOT NULL,
    disabled_reason           TEXT          NOT NULL,
    disabled_at               {{.Timestamp}},
    consecutive_failures      INTEGER       NOT NULL,
    secret                    VARCHAR(200)  NOT NULL,
    previous_secret           VARCHAR(200)  NOT NULL,
    previous_secret_until     {{.Timestamp}},
    version                   INTEGER       NOT NULL,
    created_at                {{.Timestamp}} NOT NULL,
    updated_at                {{.Timestamp}} NOT NULL
);
CREATE INDEX webhook_subscriptions_active_idx ON webhook_subscriptions (active);

CREATE TABLE webhook_deliveries (
    id                   VARCHAR(36)  PRIMARY KEY,
    subscription_id      VARCHAR(36)  NOT NULL REFERENCES webhook_subscriptions (id) ON DELETE CASCADE,
    event_id             VARCHAR(36)  NOT NULL,
    event_type           VARCHAR(80)  NOT NULL,
    payload              TEXT         NOT NULL,
    attempts             INTEGER      NOT NULL,
    status               VARCHAR(20)  NOT NULL,
    last_status_code     INTEGER      NOT NULL,
    last_response        TEXT         NOT NULL,
    last_error           TEXT         NOT NULL,
    created_at           {{.Timestamp}} NOT NULL,
    last_attempt_at      {{.Timestamp}},
    delivered_at         {{.Timestamp}}
);
CREATE UNIQUE INDEX webhook_deliveries_event_idx ON webhook_deliveries (subscription_id, event_id);
CREATE INDEX webhook_deliveries_subscription_idx ON webhook_deliveries (subscription_id, id);
