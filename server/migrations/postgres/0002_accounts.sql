-- Accounts: how people get in (docs/accounts.md). E-mail addresses live only in these
-- tables, and every row tied to a person goes when they delete their account.
-- Tokens (invitation links, login links, web sessions) are stored as their SHA-256 only.
-- Timestamps are TIMESTAMPTZ.

CREATE TABLE applications (
    id          TEXT PRIMARY KEY,
    nickname    TEXT NOT NULL,
    email       TEXT NOT NULL,
    email_key   TEXT NOT NULL,        -- accounts::email_key(email)
    applicant   TEXT NOT NULL,        -- self | family
    heard_from  TEXT,
    note        TEXT,
    lang        TEXT NOT NULL,
    status      TEXT NOT NULL,        -- pending | approved | declined
    created_at  TIMESTAMPTZ NOT NULL,
    decided_at  TIMESTAMPTZ,
    decided_by  TEXT                  -- public id, or NULL for the command line
);
-- One person, one pending application.
CREATE UNIQUE INDEX applications_one_pending ON applications (email_key) WHERE status = 'pending';
CREATE INDEX applications_email ON applications (email_key);

CREATE TABLE credentials (
    account_id      TEXT PRIMARY KEY REFERENCES members (account_id) ON DELETE CASCADE,
    email           TEXT NOT NULL,
    email_key       TEXT NOT NULL UNIQUE,
    passphrase_hash TEXT,             -- argon2id PHC string; NULL: logs in by e-mail link
    lang            TEXT NOT NULL
);

CREATE TABLE invitations (
    id           TEXT PRIMARY KEY,
    token_hash   TEXT NOT NULL UNIQUE,
    email        TEXT NOT NULL,
    email_key    TEXT NOT NULL,
    role         TEXT NOT NULL,
    nickname     TEXT,
    lang         TEXT NOT NULL,
    application  TEXT REFERENCES applications (id) ON DELETE SET NULL,
    created_by   TEXT,
    created_at   TIMESTAMPTZ NOT NULL,
    expires_at   TIMESTAMPTZ NOT NULL,
    used_at      TIMESTAMPTZ,
    revoked_at   TIMESTAMPTZ
);
CREATE INDEX invitations_email ON invitations (email_key);

CREATE TABLE web_sessions (
    token_hash  TEXT PRIMARY KEY,
    account_id  TEXT NOT NULL REFERENCES members (account_id) ON DELETE CASCADE,
    created_at  TIMESTAMPTZ NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX web_sessions_account ON web_sessions (account_id);

CREATE TABLE login_links (
    token_hash  TEXT PRIMARY KEY,
    account_id  TEXT NOT NULL REFERENCES members (account_id) ON DELETE CASCADE,
    created_at  TIMESTAMPTZ NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL,
    used_at     TIMESTAMPTZ
);
CREATE INDEX login_links_account ON login_links (account_id);
