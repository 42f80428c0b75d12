-- The age band a member declared (10s, 20s, 30s, 40s_plus), or NULL for 答えない. Only the
-- member and the server read it: rooms.toml's for_groups lets a room admit some bands only.
ALTER TABLE members ADD COLUMN age_group TEXT;
