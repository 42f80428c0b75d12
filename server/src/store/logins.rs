//! Logging in: credentials by e-mail address, web sessions and one-time login links.
use super::{corrupt, now, Conflict, StoreError};
use crate::model::{email_key, AccountId, LoginLink, LoginRecord};
use chrono::{DateTime, Utc};

queries! {
    helpers {
        /// A web session or a login link: a token's hash that stands for an account until
        /// it expires.
        async fn insert_token(
            db: &sqlx::Pool<Db>,
            table: &str,
            token_hash: &str,
            account: &AccountId,
            expires_at: DateTime<Utc>,
        ) -> Result<(), StoreError> {
            sqlx::query(&format!(
                "INSERT INTO {table} (token_hash, account_id, created_at, expires_at) \
                 VALUES ($1, $2, $3, $4)"
            ))
            .bind(token_hash)
            .bind(&account.0)
            .bind(now())
            .bind(expires_at)
            .execute(db)
            .await?;
            Ok(())
        }
    }

    pub async fn login_record(db, email: &str) -> Option<LoginRecord> {
        let row: Option<(String, Option<String>, String)> = sqlx::query_as(
            "SELECT account_id, passphrase_hash, lang FROM credentials WHERE email_key = $1",
        )
        .bind(email_key(email))
        .fetch_optional(db)
        .await?;
        row.map(|(account, passphrase_hash, lang)| {
            Ok(LoginRecord {
                account: AccountId(account),
                passphrase_hash,
                lang: lang.parse().map_err(|e| corrupt("credentials", e))?,
            })
        })
        .transpose()
    }

    /// The member's e-mail address: for admins' eyes and for sending mail only.
    pub async fn email(db, account: &AccountId) -> Option<String> {
        Ok(
            sqlx::query_scalar("SELECT email FROM credentials WHERE account_id = $1")
                .bind(&account.0)
                .fetch_optional(db)
                .await?,
        )
    }

    pub async fn create_web_session(
        db,
        token_hash: &str,
        account: &AccountId,
        expires_at: DateTime<Utc>,
    ) -> () {
        insert_token(db, "web_sessions", token_hash, account, expires_at).await
    }

    /// The account of an unexpired session.
    pub async fn web_session(db, token_hash: &str) -> Option<AccountId> {
        let row: Option<(String, DateTime<Utc>)> = sqlx::query_as(
            "SELECT account_id, expires_at FROM web_sessions WHERE token_hash = $1",
        )
        .bind(token_hash)
        .fetch_optional(db)
        .await?;
        Ok(row
            .filter(|(_, expires_at)| Utc::now() < *expires_at)
            .map(|(account, _)| AccountId(account)))
    }

    pub async fn end_web_session(db, token_hash: &str) -> () {
        // Expired sessions of anyone go too: nothing else needs them.
        sqlx::query("DELETE FROM web_sessions WHERE token_hash = $1 OR expires_at < $2")
            .bind(token_hash)
            .bind(now())
            .execute(db)
            .await?;
        Ok(())
    }

    pub async fn create_login_link(
        db,
        token_hash: &str,
        account: &AccountId,
        expires_at: DateTime<Utc>,
    ) -> () {
        insert_token(db, "login_links", token_hash, account, expires_at).await
    }

    pub async fn login_link(db, token_hash: &str) -> Option<LoginLink> {
        let row: Option<(String, DateTime<Utc>, Option<DateTime<Utc>>)> = sqlx::query_as(
            "SELECT account_id, expires_at, used_at FROM login_links WHERE token_hash = $1",
        )
        .bind(token_hash)
        .fetch_optional(db)
        .await?;
        Ok(row.map(|(account, expires_at, used_at)| LoginLink {
            account: AccountId(account),
            expires_at,
            used_at,
        }))
    }

    /// Marks an unused link used: `Conflict(NotOpen)` if it was used already (the caller
    /// checks expiry), `NotFound`.
    pub async fn use_login_link(db, token_hash: &str) -> () {
        let done = sqlx::query(
            "UPDATE login_links SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL",
        )
        .bind(now())
        .bind(token_hash)
        .execute(db)
        .await?;
        if done.rows_affected() == 1 {
            return Ok(());
        }
        match login_link(db, token_hash).await? {
            Some(_) => Err(StoreError::Conflict(Conflict::NotOpen)),
            None => Err(StoreError::NotFound),
        }
    }
}
