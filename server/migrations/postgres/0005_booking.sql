-- Consultation booking (docs/consultations-booking.md): slots counsellors publish inside the
-- opening windows, and the one booking each may carry. The booking lives on the slot's row,
-- so "never booked twice" is one conditional UPDATE (… WHERE booked_by IS NULL) that the
-- database serialises, whatever the number of requests or nodes.
-- Timestamps are TIMESTAMPTZ.

CREATE TABLE slots (
    id                 TEXT PRIMARY KEY,
    counsellor         TEXT NOT NULL REFERENCES members (account_id) ON DELETE CASCADE,
    day                TEXT NOT NULL,        -- the local date (YYYY-MM-DD) in the space's zone
    starts_at          TIMESTAMPTZ NOT NULL,
    ends_at            TIMESTAMPTZ NOT NULL,
    profession         TEXT NOT NULL,        -- clinical_psychologist | social_worker | psychiatric_social_worker
    modes              TEXT NOT NULL,        -- comma-separated: text,voice,video
    counsellor_email   BOOLEAN NOT NULL,     -- the counsellor opted in to e-mails about it
    created_at         TIMESTAMPTZ NOT NULL,
    booked_by          TEXT REFERENCES members (account_id) ON DELETE SET NULL,
    booked_mode        TEXT,
    booked_email       BOOLEAN,              -- the person who booked opted in to e-mails
    booked_at          TIMESTAMPTZ,
    reminded_at        TIMESTAMPTZ
);
CREATE INDEX slots_day ON slots (day, starts_at);
CREATE INDEX slots_counsellor ON slots (counsellor, starts_at);
CREATE INDEX slots_booked_by ON slots (booked_by);

-- What a person is told about their booking in the space (a cancellation, a reminder): kept
-- until they have seen it (delivered_at), so whoever is not connected hears it on entering.
CREATE TABLE booking_notices (
    id            TEXT PRIMARY KEY,
    account_id    TEXT NOT NULL REFERENCES members (account_id) ON DELETE CASCADE,
    kind          TEXT NOT NULL,             -- booking_cancelled | booking_reminder
    message       TEXT NOT NULL,             -- the Japanese words; pages in English word it from kind
    slot_start    TIMESTAMPTZ NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    delivered_at  TIMESTAMPTZ
);
CREATE INDEX booking_notices_account ON booking_notices (account_id, created_at);
