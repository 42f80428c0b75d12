//! Invitations: created by staff or on approval, renewed, revoked. Expiry is decided by the
//! callers in Rust (they hold the clock); SQL only checks the states that need no clock
//! (used, revoked), so each check-and-set is atomic.
use super::rows::{InvitationRow, SELECT_INVITATION};
use super::{now, Conflict, StoreError};
use crate::model::{email_key, short_id, Invitation, NewInvitation};
use chrono::{DateTime, Utc};

queries! {
    helpers {
        /// The invitation after a guarded update: `NotFound`, or `NotOpen` if the guard
        /// refused.
        async fn settled(
            db: &sqlx::Pool<Db>,
            id: &str,
            changed: u64,
        ) -> Result<Invitation, StoreError> {
            let found = invitation(db, id).await?.ok_or(StoreError::NotFound)?;
            if changed == 0 {
                return Err(StoreError::Conflict(Conflict::NotOpen));
            }
            Ok(found)
        }
    }

    pub async fn create_invitation(db, new: NewInvitation) -> Invitation {
        let id = short_id("i");
        sqlx::query(
            "INSERT INTO invitations (id, token_hash, email, email_key, role, nickname, lang, \
             application, created_by, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(&id)
        .bind(&new.token_hash)
        .bind(&new.email)
        .bind(email_key(&new.email))
        .bind(new.role.as_str())
        .bind(&new.nickname)
        .bind(new.lang.as_str())
        .bind(&new.application)
        .bind(new.created_by.map(|p| p.0))
        .bind(now())
        .bind(new.expires_at)
        .execute(db)
        .await?;
        invitation(db, &id).await?.ok_or(StoreError::NotFound)
    }

    pub async fn invitation(db, id: &str) -> Option<Invitation> {
        let row: Option<InvitationRow> =
            sqlx::query_as(&format!("{SELECT_INVITATION} WHERE id = $1"))
                .bind(id)
                .fetch_optional(db)
                .await?;
        row.map(Invitation::try_from).transpose()
    }

    pub async fn invitation_by_token(db, token_hash: &str) -> Option<Invitation> {
        let row: Option<InvitationRow> =
            sqlx::query_as(&format!("{SELECT_INVITATION} WHERE token_hash = $1"))
                .bind(token_hash)
                .fetch_optional(db)
                .await?;
        row.map(Invitation::try_from).transpose()
    }

    /// Newest first.
    pub async fn invitations(db) -> Vec<Invitation> {
        let rows: Vec<InvitationRow> =
            sqlx::query_as(&format!("{SELECT_INVITATION} ORDER BY created_at DESC, id"))
                .fetch_all(db)
                .await?;
        rows.into_iter().map(Invitation::try_from).collect()
    }

    /// A new token and expiry for an invitation that is neither used nor revoked (the old
    /// link stops working): `NotFound`, `Conflict(NotOpen)`.
    pub async fn renew_invitation(
        db,
        id: &str,
        token_hash: &str,
        expires_at: DateTime<Utc>,
    ) -> Invitation {
        let done = sqlx::query(
            "UPDATE invitations SET token_hash = $1, expires_at = $2 \
             WHERE id = $3 AND used_at IS NULL AND revoked_at IS NULL",
        )
        .bind(token_hash)
        .bind(expires_at)
        .bind(id)
        .execute(db)
        .await?;
        settled(db, id, done.rows_affected()).await
    }

    /// `NotFound`, `Conflict(NotOpen)` if used or revoked already.
    pub async fn revoke_invitation(db, id: &str) -> Invitation {
        let done = sqlx::query(
            "UPDATE invitations SET revoked_at = $1 \
             WHERE id = $2 AND used_at IS NULL AND revoked_at IS NULL",
        )
        .bind(now())
        .bind(id)
        .execute(db)
        .await?;
        settled(db, id, done.rows_affected()).await
    }
}
