-- Integrations for Ghost's APIs: each owns one Content API key and one Admin API key, and the
-- webhooks it registered. Ghost's key formats: a content key is 26 hex characters; an admin key
-- is a 24-hex id and a 64-hex secret, which signs the short-lived JWTs clients send.

CREATE TABLE integrations (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    slug        TEXT NOT NULL UNIQUE,
    description TEXT,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE api_keys (
    id             TEXT PRIMARY KEY,
    integration_id TEXT NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
    type           TEXT NOT NULL CHECK (type IN ('content', 'admin')),
    -- The admin secret must be readable to check signatures, as in Ghost.
    secret         TEXT NOT NULL UNIQUE,
    last_seen_at   TIMESTAMPTZ,
    created_at     TIMESTAMPTZ NOT NULL,
    UNIQUE (integration_id, type)
);

CREATE TABLE webhooks (
    id                    TEXT PRIMARY KEY,
    integration_id        TEXT NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
    event                 TEXT NOT NULL,
    target_url            TEXT NOT NULL,
    name                  TEXT,
    secret                TEXT,
    api_version           TEXT NOT NULL DEFAULT 'v6.0',
    last_triggered_at     TIMESTAMPTZ,
    last_triggered_status TEXT,
    last_triggered_error  TEXT,
    created_at            TIMESTAMPTZ NOT NULL,
    updated_at            TIMESTAMPTZ NOT NULL
);
CREATE INDEX webhooks_event ON webhooks (event);
