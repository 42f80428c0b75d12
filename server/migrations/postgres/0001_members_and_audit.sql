-- Members: the account id never leaves the server; the public id is what others see.
-- nickname_key is the normalised nickname (store::nickname_key, computed in Rust so both
-- back ends share the rule).
CREATE TABLE members (
    account_id   TEXT PRIMARY KEY,
    public_id    TEXT NOT NULL UNIQUE,
    nickname     TEXT NOT NULL,
    nickname_key TEXT NOT NULL CONSTRAINT members_nickname_key_unique UNIQUE,
    avatar_shape TEXT NOT NULL,
    avatar_color TEXT NOT NULL,
    role         TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL
);

-- Audit log: pseudonymous ids only (no foreign keys), so entries outlive deleted accounts.
CREATE TABLE audit_log (
    id      BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at      TIMESTAMPTZ NOT NULL,
    actor   TEXT,
    action  TEXT NOT NULL,
    subject TEXT,
    detail  JSONB NOT NULL
);

CREATE INDEX audit_log_subject ON audit_log (subject);
