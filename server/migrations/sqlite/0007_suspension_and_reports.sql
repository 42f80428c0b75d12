-- Suspension (docs/accounts.md): a member of staff stops an account for a while, with a
-- reason the person is told; lifting clears the three columns. suspended_by is the public id
-- of who did it (no foreign key: the audit log keeps the history).
ALTER TABLE members ADD COLUMN suspended_at TEXT;      -- UTC, RFC 3339
ALTER TABLE members ADD COLUMN suspended_reason TEXT;
ALTER TABLE members ADD COLUMN suspended_by TEXT;

-- Reports (docs/protocol.md `report`): the only place chat lines are kept, as a snapshot of
-- the reported line and the minutes before it, for staff to read; pruned after
-- rooms.toml [safety] report_keep_days. Public ids only, so a report outlives the accounts.
CREATE TABLE reports (
    id        TEXT PRIMARY KEY NOT NULL,
    reporter  TEXT NOT NULL,
    reported  TEXT NOT NULL,
    room      TEXT NOT NULL,
    seq       INTEGER,
    reason    TEXT NOT NULL,            -- harassment | contact_swapping | worrying | other
    note      TEXT,
    snapshot  TEXT NOT NULL CHECK (json_valid(snapshot)),
    at        TEXT NOT NULL             -- UTC, RFC 3339
);
CREATE INDEX reports_at ON reports (at);
