//! The PostgreSQL store, for several nodes sharing one database. Same behaviour as the
//! SQLite store (the shared suite checks both); its own migrations in migrations/postgres.
mod accounts;

use super::rows::{AuditRow, MemberRow, SELECT_MEMBER};
use super::{
    nickname_key, AuditEntry, AuditRecord, Conflict, Forgotten, NewMember, Store, StoreError,
};
use crate::accounts::{
    Application, ApplicationStatus, Invitation, LoginLink, LoginRecord, NewApplication,
    NewInvitation, Registration, Submitted,
};
use crate::member::{AccountId, Avatar, Member, PublicId};
use async_trait::async_trait;
use chrono::{DateTime, SubsecRound, Utc};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use std::time::Duration;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

const MAX_CONNECTIONS: u32 = 8;
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);
/// Fresh ids collide with probability ~0; retrying a few times makes "never" certain.
const ID_ATTEMPTS: usize = 3;

#[derive(Debug, Clone)]
pub struct PostgresStore {
    pool: PgPool,
}

impl PostgresStore {
    /// Connects and brings the schema up to date. sqlx takes an advisory lock while
    /// migrating, so several nodes starting at once apply each migration once.
    pub async fn connect(options: PgConnectOptions) -> Result<PostgresStore, StoreError> {
        let pool = PgPoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(options)
            .await
            .map_err(|source| StoreError::Open {
                // Never the URL: it may carry a password.
                path: "postgres".into(),
                source,
            })?;
        MIGRATOR.run(&pool).await.map_err(StoreError::Migrate)?;
        Ok(PostgresStore { pool })
    }
}

#[async_trait]
impl Store for PostgresStore {
    async fn create_member(&self, new: NewMember) -> Result<Member, StoreError> {
        let mut conn = self.pool.acquire().await?;
        insert_member(&mut conn, new).await
    }

    async fn member(&self, account: &AccountId) -> Result<Option<Member>, StoreError> {
        let row: Option<MemberRow> =
            sqlx::query_as(&format!("{SELECT_MEMBER} WHERE account_id = $1"))
                .bind(&account.0)
                .fetch_optional(&self.pool)
                .await?;
        row.map(Member::try_from).transpose()
    }

    async fn member_by_nickname(&self, nickname: &str) -> Result<Option<Member>, StoreError> {
        let row: Option<MemberRow> =
            sqlx::query_as(&format!("{SELECT_MEMBER} WHERE nickname_key = $1"))
                .bind(nickname_key(nickname))
                .fetch_optional(&self.pool)
                .await?;
        row.map(Member::try_from).transpose()
    }

    async fn set_avatar(&self, account: &AccountId, avatar: &Avatar) -> Result<(), StoreError> {
        let done = sqlx::query(
            "UPDATE members SET avatar_shape = $1, avatar_color = $2 WHERE account_id = $3",
        )
        .bind(&avatar.shape)
        .bind(&avatar.color)
        .bind(&account.0)
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    async fn record_audit(&self, entry: AuditEntry) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO audit_log (at, actor, action, subject, detail) VALUES ($1, $2, $3, $4, $5::jsonb)",
        )
        .bind(now())
        .bind(entry.actor.map(|p| p.0))
        .bind(entry.action)
        .bind(entry.subject.map(|p| p.0))
        .bind(entry.detail.to_string())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn audit_log(&self, limit: u32) -> Result<Vec<AuditRecord>, StoreError> {
        // Newest first by id, not by `at`: ids follow insertion order even if the
        // system clock steps back.
        let rows: Vec<AuditRow> = sqlx::query_as(
            "SELECT id, at, actor, action, subject, detail::text AS detail FROM audit_log \
             ORDER BY id DESC LIMIT $1",
        )
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(AuditRecord::try_from).collect()
    }

    async fn member_by_public_id(&self, id: &PublicId) -> Result<Option<Member>, StoreError> {
        let row: Option<MemberRow> =
            sqlx::query_as(&format!("{SELECT_MEMBER} WHERE public_id = $1"))
                .bind(&id.0)
                .fetch_optional(&self.pool)
                .await?;
        row.map(Member::try_from).transpose()
    }

    async fn delete_member(&self, account: &AccountId) -> Result<Member, StoreError> {
        let member = self.member(account).await?.ok_or(StoreError::NotFound)?;
        let mut tx = self.pool.begin().await?;
        accounts::forget_email(&mut tx, account).await?;
        // Credentials, web sessions and login links go with the row (ON DELETE CASCADE).
        sqlx::query("DELETE FROM members WHERE account_id = $1")
            .bind(&account.0)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(member)
    }

    async fn submit_application(&self, new: NewApplication) -> Result<Submitted, StoreError> {
        accounts::submit_application(&self.pool, new).await
    }

    async fn application(&self, id: &str) -> Result<Option<Application>, StoreError> {
        accounts::application(&self.pool, id).await
    }

    async fn applications(
        &self,
        status: Option<ApplicationStatus>,
    ) -> Result<Vec<Application>, StoreError> {
        accounts::applications(&self.pool, status).await
    }

    async fn decide_application(
        &self,
        id: &str,
        decision: ApplicationStatus,
        by: Option<&PublicId>,
    ) -> Result<Application, StoreError> {
        accounts::decide_application(&self.pool, id, decision, by).await
    }

    async fn create_invitation(&self, new: NewInvitation) -> Result<Invitation, StoreError> {
        accounts::create_invitation(&self.pool, new).await
    }

    async fn invitation(&self, id: &str) -> Result<Option<Invitation>, StoreError> {
        accounts::invitation(&self.pool, id).await
    }

    async fn invitation_by_token(
        &self,
        token_hash: &str,
    ) -> Result<Option<Invitation>, StoreError> {
        accounts::invitation_by_token(&self.pool, token_hash).await
    }

    async fn invitations(&self) -> Result<Vec<Invitation>, StoreError> {
        accounts::invitations(&self.pool).await
    }

    async fn renew_invitation(
        &self,
        id: &str,
        token_hash: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<Invitation, StoreError> {
        accounts::renew_invitation(&self.pool, id, token_hash, expires_at).await
    }

    async fn revoke_invitation(&self, id: &str) -> Result<Invitation, StoreError> {
        accounts::revoke_invitation(&self.pool, id).await
    }

    async fn register(&self, registration: Registration) -> Result<Member, StoreError> {
        accounts::register(&self.pool, registration).await
    }

    async fn login_record(&self, email: &str) -> Result<Option<LoginRecord>, StoreError> {
        accounts::login_record(&self.pool, email).await
    }

    async fn email(&self, account: &AccountId) -> Result<Option<String>, StoreError> {
        accounts::email(&self.pool, account).await
    }

    async fn create_web_session(
        &self,
        token_hash: &str,
        account: &AccountId,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        accounts::create_web_session(&self.pool, token_hash, account, expires_at).await
    }

    async fn web_session(&self, token_hash: &str) -> Result<Option<AccountId>, StoreError> {
        accounts::web_session(&self.pool, token_hash).await
    }

    async fn end_web_session(&self, token_hash: &str) -> Result<(), StoreError> {
        accounts::end_web_session(&self.pool, token_hash).await
    }

    async fn create_login_link(
        &self,
        token_hash: &str,
        account: &AccountId,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        accounts::create_login_link(&self.pool, token_hash, account, expires_at).await
    }

    async fn login_link(&self, token_hash: &str) -> Result<Option<LoginLink>, StoreError> {
        accounts::login_link(&self.pool, token_hash).await
    }

    async fn use_login_link(&self, token_hash: &str) -> Result<(), StoreError> {
        accounts::use_login_link(&self.pool, token_hash).await
    }

    async fn forget_stale(
        &self,
        now: DateTime<Utc>,
        cutoff: DateTime<Utc>,
    ) -> Result<Forgotten, StoreError> {
        accounts::forget_stale(&self.pool, now, cutoff).await
    }
}

/// Inserts a member with fresh ids (drawn again on the rare collision). Shared by
/// `create_member` and registration, which runs it inside its transaction.
async fn insert_member(
    conn: &mut sqlx::PgConnection,
    new: NewMember,
) -> Result<Member, StoreError> {
    let key = nickname_key(&new.nickname);
    let created_at = now();
    for _ in 0..ID_ATTEMPTS {
        let member = Member {
            account: AccountId::generate(),
            public_id: PublicId::generate(),
            nickname: new.nickname.clone(),
            avatar: new.avatar.clone(),
            role: new.role,
            created_at,
        };
        let inserted = sqlx::query(
            "INSERT INTO members (account_id, public_id, nickname, nickname_key, \
             avatar_shape, avatar_color, role, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&member.account.0)
        .bind(&member.public_id.0)
        .bind(&member.nickname)
        .bind(&key)
        .bind(&member.avatar.shape)
        .bind(&member.avatar.color)
        .bind(member.role.as_str())
        .bind(member.created_at)
        .execute(&mut *conn)
        .await;
        match inserted {
            Ok(_) => return Ok(member),
            Err(sqlx::Error::Database(db)) if db.is_unique_violation() => {
                if db.constraint() == Some("members_nickname_key_unique") {
                    return Err(StoreError::Conflict(Conflict::Nickname));
                }
                // An id collided: draw new ones.
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(StoreError::Conflict(Conflict::Ids))
}

/// Postgres keeps microseconds; truncating here keeps both back ends alike.
fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

/// A fresh schema on the test PostgreSQL (`IBASHO_TEST_POSTGRES`, default the machine's
/// local server), dropped when the test ends. `None` (with the reason printed) when no
/// server answers outside CI; under `CI=true` a missing server fails the test instead of
/// letting it pass silently.
#[cfg(test)]
pub(crate) mod testdb {
    use sqlx::postgres::PgConnectOptions;
    use sqlx::{ConnectOptions, Connection};

    pub const DEFAULT_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

    pub struct Schema {
        base: PgConnectOptions,
        pub name: String,
    }

    impl Schema {
        pub async fn create() -> Option<Schema> {
            let url =
                std::env::var("IBASHO_TEST_POSTGRES").unwrap_or_else(|_| DEFAULT_URL.to_string());
            let base: PgConnectOptions = url.parse().expect("IBASHO_TEST_POSTGRES parses");
            let mut conn = match base.connect().await {
                Ok(conn) => conn,
                Err(e) if std::env::var("CI").is_ok_and(|v| v == "true") => {
                    panic!("PostgreSQL is required under CI=true and did not answer at {url}: {e}")
                }
                Err(e) => {
                    eprintln!("skipping: no PostgreSQL at {url} ({e})");
                    return None;
                }
            };
            let name = format!("t_{}", uuid::Uuid::new_v4().simple());
            sqlx::query(&format!("CREATE SCHEMA {name}"))
                .execute(&mut conn)
                .await
                .expect("create a test schema");
            conn.close().await.ok();
            Some(Schema { base, name })
        }

        /// Connections whose tables live in this schema only.
        pub fn options(&self) -> PgConnectOptions {
            self.base
                .clone()
                .options([("search_path", self.name.as_str())])
        }

        pub async fn drop(self) {
            let mut conn = self
                .base
                .connect()
                .await
                .expect("reconnect to drop the schema");
            sqlx::query(&format!("DROP SCHEMA {} CASCADE", self.name))
                .execute(&mut conn)
                .await
                .expect("drop the test schema");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::Role;
    use crate::store::suite;

    #[tokio::test]
    async fn suite_on_postgres() {
        let Some(schema) = testdb::Schema::create().await else {
            return;
        };
        let store = PostgresStore::connect(schema.options()).await.unwrap();
        suite::run(&store).await;
        store.pool.close().await;
        schema.drop().await;
    }

    #[tokio::test]
    async fn two_nodes_migrating_at_once_share_one_schema() {
        let Some(schema) = testdb::Schema::create().await else {
            return;
        };
        let (a, b) = tokio::join!(
            PostgresStore::connect(schema.options()),
            PostgresStore::connect(schema.options())
        );
        let (a, b) = (a.unwrap(), b.unwrap());
        let m = a
            .create_member(NewMember {
                nickname: "ふたつめ".into(),
                avatar: Avatar::default(),
                role: Role::Staff,
            })
            .await
            .unwrap();
        assert_eq!(
            b.member(&m.account).await.unwrap().unwrap().public_id,
            m.public_id
        );
        let applied: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations")
            .fetch_one(&b.pool)
            .await
            .unwrap();
        assert_eq!(applied, MIGRATOR.iter().count() as i64);
        a.pool.close().await;
        b.pool.close().await;
        schema.drop().await;
    }

    #[tokio::test]
    async fn a_wrong_server_is_an_open_error_without_the_password() {
        let options: PgConnectOptions = "postgres://someone:s3cret@127.0.0.1:9/none"
            .parse()
            .unwrap();
        let err = PostgresStore::connect(options).await.unwrap_err();
        assert!(matches!(err, StoreError::Open { .. }), "{err}");
        assert!(!format!("{err} {err:?}").contains("s3cret"), "{err:?}");
    }
}
