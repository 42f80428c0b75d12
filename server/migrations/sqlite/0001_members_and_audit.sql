-- Members: the account id never leaves the server; the public id is what others see.
-- nickname_key is the normalised nickname (see store::nickname_key), so "Sora" and
-- "ｓｏｒａ" cannot both exist; it is computed in Rust so PostgreSQL can share the rule.
CREATE TABLE members (
    account_id   TEXT PRIMARY KEY NOT NULL,
    public_id    TEXT NOT NULL UNIQUE,
    nickname     TEXT NOT NULL,
    nickname_key TEXT NOT NULL UNIQUE,
    avatar_shape TEXT NOT NULL,
    avatar_color TEXT NOT NULL,
    role         TEXT NOT NULL,
    created_at   TEXT NOT NULL  -- UTC, RFC 3339
);

-- Audit log: pseudonymous ids only (no foreign keys), so entries outlive deleted accounts.
-- AUTOINCREMENT so ids never get reused and id order is insertion order.
CREATE TABLE audit_log (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    at      TEXT NOT NULL,  -- UTC, RFC 3339
    actor   TEXT,
    action  TEXT NOT NULL,
    subject TEXT,
    detail  TEXT NOT NULL CHECK (json_valid(detail))
);

CREATE INDEX audit_log_subject ON audit_log (subject);
