//! What `Store::forget_stale` deletes, the same on both back ends (`$1` reads as the first
//! parameter on SQLite too): each statement compares against one instant.
use super::Forgotten;
use chrono::{DateTime, Utc};

/// The statements in the order they run, each with the instant bound as `$1`. The
/// applications come after the invitations, so an approved application whose invitation
/// just went goes too.
pub(super) fn statements(
    now: DateTime<Utc>,
    cutoff: DateTime<Utc>,
) -> [(&'static str, DateTime<Utc>); 4] {
    [
        ("DELETE FROM web_sessions WHERE expires_at < $1", now),
        ("DELETE FROM login_links WHERE expires_at < $1", cutoff),
        (
            "DELETE FROM invitations WHERE used_at IS NULL \
             AND (expires_at < $1 OR revoked_at < $1)",
            cutoff,
        ),
        (
            "DELETE FROM applications WHERE decided_at < $1 AND (status = 'declined' \
             OR (status = 'approved' AND NOT EXISTS \
                 (SELECT 1 FROM invitations i WHERE i.application = applications.id)))",
            cutoff,
        ),
    ]
}

/// The rows each of `statements` deleted, in its order.
pub(super) fn forgotten(
    [web_sessions, login_links, invitations, applications]: [u64; 4],
) -> Forgotten {
    Forgotten {
        applications,
        invitations,
        login_links,
        web_sessions,
    }
}
