-- Blocks between members (docs/protocol.md, block): blocker no longer sees blocked, nor
-- blocked blocker. Only the blocker is ever told of it. A block goes with either account
-- (ON DELETE CASCADE).
CREATE TABLE blocks (
    blocker     TEXT NOT NULL REFERENCES members (public_id) ON DELETE CASCADE,
    blocked     TEXT NOT NULL REFERENCES members (public_id) ON DELETE CASCADE,
    at          TEXT NOT NULL,
    PRIMARY KEY (blocker, blocked)
);
CREATE INDEX blocks_blocked ON blocks (blocked);
