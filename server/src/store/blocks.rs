//! Blocks between members: who blocked whom. Apart means either blocked the other; only the
//! blocker's own list is ever shown to anyone.
use super::rows::{MemberRow, SELECT_MEMBER};
use super::{now, StoreError};
use crate::model::{Member, PublicId};

queries! {
    /// Records that `blocker` blocked `blocked` (again: nothing changes). `NotFound` when
    /// either is no member.
    pub async fn block(db, blocker: &PublicId, blocked: &PublicId) -> () {
        let inserted = sqlx::query(
            "INSERT INTO blocks (blocker, blocked, at) VALUES ($1, $2, $3) \
             ON CONFLICT (blocker, blocked) DO NOTHING",
        )
        .bind(&blocker.0)
        .bind(&blocked.0)
        .bind(now())
        .execute(db)
        .await;
        match inserted {
            Ok(_) => Ok(()),
            Err(sqlx::Error::Database(e)) if e.is_foreign_key_violation() => Err(StoreError::NotFound),
            Err(e) => Err(e.into()),
        }
    }

    /// Lifts a block; false if there was none.
    pub async fn unblock(db, blocker: &PublicId, blocked: &PublicId) -> bool {
        let done = sqlx::query("DELETE FROM blocks WHERE blocker = $1 AND blocked = $2")
            .bind(&blocker.0)
            .bind(&blocked.0)
            .execute(db)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Whom `member` blocked, oldest first.
    pub async fn blocked_by(db, member: &PublicId) -> Vec<Member> {
        let rows: Vec<MemberRow> = sqlx::query_as(&format!(
            "{SELECT_MEMBER} JOIN blocks ON blocks.blocked = members.public_id \
             WHERE blocks.blocker = $1 ORDER BY blocks.at, members.public_id"
        ))
        .bind(&member.0)
        .fetch_all(db)
        .await?;
        rows.into_iter().map(Member::try_from).collect()
    }

    /// Everyone `member` is apart from: whom they blocked and who blocked them.
    pub async fn apart_from(db, member: &PublicId) -> Vec<PublicId> {
        let ids: Vec<String> = sqlx::query_scalar(
            "SELECT blocked FROM blocks WHERE blocker = $1 \
             UNION SELECT blocker FROM blocks WHERE blocked = $1",
        )
        .bind(&member.0)
        .fetch_all(db)
        .await?;
        Ok(ids.into_iter().map(PublicId).collect())
    }

    /// Whether either of the two blocked the other.
    pub async fn apart(db, a: &PublicId, b: &PublicId) -> bool {
        let found: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM blocks WHERE (blocker = $1 AND blocked = $2) \
             OR (blocker = $2 AND blocked = $1)",
        )
        .bind(&a.0)
        .bind(&b.0)
        .fetch_one(db)
        .await?;
        Ok(found > 0)
    }
}
