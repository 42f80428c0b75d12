-- Counsellors' notes (docs/consultations.md): the text only as AES-256-GCM ciphertext, the
-- key in its own file (notes.key in the data directory, never here); key_id names which
-- key of that ring sealed it, so a rotation can re-encrypt row by row. Notes go with the
-- member they are about (ON DELETE CASCADE).
CREATE TABLE notes (
    id          TEXT PRIMARY KEY NOT NULL,
    subject     TEXT NOT NULL REFERENCES members (public_id) ON DELETE CASCADE,
    author      TEXT NOT NULL,      -- public id of the counsellor who wrote it
    key_id      TEXT NOT NULL,
    nonce       BLOB NOT NULL,      -- 12 random bytes, one per note (and per re-encryption)
    ciphertext  BLOB NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE INDEX notes_subject ON notes (subject, created_at);
CREATE INDEX notes_created ON notes (created_at);

-- The consent ledger: append-only, one hash chain per participant. Each entry carries the
-- SHA-256 of the one before it (prev_hash; 64 zeros for the first) and its own (hash) over
-- its canonical bytes (consult::consent); `ibasho admin consent verify` walks the chains.
-- The unique (subject, prev_hash) keeps a chain from forking under concurrent appends.
-- body is the proposal's JSON as hashed, kept as text so its bytes never change.
CREATE TABLE consent_ledger (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    subject     TEXT NOT NULL REFERENCES members (public_id) ON DELETE CASCADE,
    consent     TEXT NOT NULL,
    event       TEXT NOT NULL,      -- proposed | agreed | declined | withdrawn
    actor       TEXT NOT NULL,
    at          TEXT NOT NULL,
    body        TEXT NOT NULL,
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL,
    CONSTRAINT consent_ledger_prev_hash_unique UNIQUE (subject, prev_hash)
);
CREATE INDEX consent_ledger_consent ON consent_ledger (consent);
