//! Keeping no more than needed: what nobody needs any more, deleted in one transaction,
//! each statement comparing against one instant.
use chrono::{DateTime, Utc};

/// How many rows `forget_stale` deleted, by kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Forgotten {
    pub applications: u64,
    pub invitations: u64,
    pub login_links: u64,
    pub web_sessions: u64,
}

/// The statements in the order they run, each with the instant bound as `$1`. The
/// applications come after the invitations, so an approved application whose invitation
/// just went goes too.
fn statements(now: DateTime<Utc>, cutoff: DateTime<Utc>) -> [(&'static str, DateTime<Utc>); 4] {
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

queries! {
    /// Deletes web sessions expired before `now`; login links, and invitations never used,
    /// that expired (or were withdrawn) before `cutoff`; applications declined before
    /// `cutoff`, and those approved before it whose invitation is gone. Pending
    /// applications, used invitations and whatever belongs to a member stay.
    pub async fn forget_stale(db, now: DateTime<Utc>, cutoff: DateTime<Utc>) -> Forgotten {
        let mut tx = Db::begin_write(db).await?;
        let mut counts = [0; 4];
        for (count, (sql, before)) in counts.iter_mut().zip(statements(now, cutoff)) {
            *count = sqlx::query(sql)
                .bind(before)
                .execute(&mut *tx)
                .await?
                .rows_affected();
        }
        tx.commit().await?;
        let [web_sessions, login_links, invitations, applications] = counts;
        Ok(Forgotten {
            applications,
            invitations,
            login_links,
            web_sessions,
        })
    }
}
