-- Timed mutes set by staff (docs/protocol.md, `mute`): until when a member's text (chat and
-- stamps) and voice are held back. One row per muted member; a row whose times have passed
-- means nothing and is replaced or deleted on the next change. Timestamps are UTC, RFC 3339.
CREATE TABLE mutes (
    member       TEXT PRIMARY KEY NOT NULL REFERENCES members (account_id) ON DELETE CASCADE,
    text_until   TEXT,
    voice_until  TEXT
);
