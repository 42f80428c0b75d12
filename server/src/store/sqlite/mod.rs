//! The embedded SQLite store (WAL). The server and the CLI may open the same file at
//! once: WAL lets readers run beside the one writer, and the busy timeout makes a second
//! writer wait instead of failing.
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
use sqlx::migrate::MigrateError;
use sqlx::sqlite::{
    Sqlite, SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions,
    SqliteSynchronous,
};
use std::path::Path;
use std::time::Duration;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// A handful is plenty: SQLite serialises writers anyway, and we have few cores.
const MAX_CONNECTIONS: u32 = 4;
/// Fresh ids collide with probability ~0; retrying a few times makes "never" certain.
const ID_ATTEMPTS: usize = 3;

#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    /// Opens (creating if missing) the database file and brings its schema up to date.
    pub async fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // NORMAL is durable across application crashes in WAL mode and much cheaper.
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT);
        let pool = connect_waiting_for_wal(options)
            .await
            .map_err(|source| StoreError::Open {
                path: path.to_path_buf(),
                source,
            })?;
        let store = SqliteStore { pool };
        store.migrate().await?;
        Ok(store)
    }

    /// A private database that lives as long as the store, for tests.
    pub async fn open_in_memory() -> Result<SqliteStore, StoreError> {
        let options = SqliteConnectOptions::new()
            .in_memory(true)
            .foreign_keys(true);
        // Each in-memory connection is its own database, so keep exactly one, forever.
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(options)
            .await
            .map_err(|source| StoreError::Open {
                path: ":memory:".into(),
                source,
            })?;
        let store = SqliteStore { pool };
        store.migrate().await?;
        Ok(store)
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        // Two processes starting on a fresh file can race to apply the same migration; each
        // migration is one transaction, so the loser retries and finds it applied. Only a
        // failed statement can be the race; a missing or changed migration is not.
        let raced = |e: &MigrateError| {
            matches!(
                e,
                MigrateError::Execute(_) | MigrateError::ExecuteMigration(..)
            )
        };
        retrying_start_up_races(raced, || MIGRATOR.run(&self.pool))
            .await
            .map_err(StoreError::Migrate)
    }
}

/// Connects, waiting while another process turns a fresh file to WAL. That switch takes an
/// exclusive lock the busy timeout does not wait on, so the server and `ibasho admin`
/// starting together on a new file would otherwise see "database is locked".
async fn connect_waiting_for_wal(options: SqliteConnectOptions) -> Result<SqlitePool, sqlx::Error> {
    retrying_start_up_races(is_busy, || {
        SqlitePoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .connect_with(options.clone())
    })
    .await
}

/// Runs `attempt` again, a moment later, while it fails in a way `raced` says another
/// process starting on the same file caused, for up to the busy timeout.
async fn retrying_start_up_races<T, E, F>(
    raced: impl Fn(&E) -> bool,
    mut attempt: impl FnMut() -> F,
) -> Result<T, E>
where
    F: std::future::Future<Output = Result<T, E>>,
{
    let deadline = tokio::time::Instant::now() + BUSY_TIMEOUT;
    loop {
        match attempt().await {
            Err(e) if raced(&e) && tokio::time::Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(25)).await;
            }
            done => return done,
        }
    }
}

/// Begins a transaction that writes. `BEGIN IMMEDIATE` takes the write lock first, so a
/// second writer waits for it (the busy timeout); a plain (deferred) transaction that read
/// before writing cannot wait, and would fail with "database is locked" whenever another
/// connection wrote in between.
async fn begin_write(pool: &SqlitePool) -> Result<sqlx::Transaction<'static, Sqlite>, sqlx::Error> {
    pool.begin_with("BEGIN IMMEDIATE").await
}

/// SQLITE_BUSY, whatever its extended code (the low byte is the primary code).
fn is_busy(error: &sqlx::Error) -> bool {
    const SQLITE_BUSY: i32 = 5;
    match error {
        sqlx::Error::Database(db) => db
            .code()
            .and_then(|code| code.parse::<i32>().ok())
            .is_some_and(|code| code & 0xff == SQLITE_BUSY),
        _ => false,
    }
}

#[async_trait]
impl Store for SqliteStore {
    async fn create_member(&self, new: NewMember) -> Result<Member, StoreError> {
        let mut conn = self.pool.acquire().await?;
        insert_member(&mut conn, new).await
    }

    async fn member(&self, account: &AccountId) -> Result<Option<Member>, StoreError> {
        let row: Option<MemberRow> =
            sqlx::query_as(&format!("{SELECT_MEMBER} WHERE account_id = ?"))
                .bind(&account.0)
                .fetch_optional(&self.pool)
                .await?;
        row.map(Member::try_from).transpose()
    }

    async fn member_by_nickname(&self, nickname: &str) -> Result<Option<Member>, StoreError> {
        let row: Option<MemberRow> =
            sqlx::query_as(&format!("{SELECT_MEMBER} WHERE nickname_key = ?"))
                .bind(nickname_key(nickname))
                .fetch_optional(&self.pool)
                .await?;
        row.map(Member::try_from).transpose()
    }

    async fn set_avatar(&self, account: &AccountId, avatar: &Avatar) -> Result<(), StoreError> {
        let done = sqlx::query(
            "UPDATE members SET avatar_shape = ?, avatar_color = ? WHERE account_id = ?",
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
            "INSERT INTO audit_log (at, actor, action, subject, detail) VALUES (?, ?, ?, ?, ?)",
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
            "SELECT id, at, actor, action, subject, detail FROM audit_log \
             ORDER BY id DESC LIMIT ?",
        )
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(AuditRecord::try_from).collect()
    }

    async fn member_by_public_id(&self, id: &PublicId) -> Result<Option<Member>, StoreError> {
        let row: Option<MemberRow> =
            sqlx::query_as(&format!("{SELECT_MEMBER} WHERE public_id = ?"))
                .bind(&id.0)
                .fetch_optional(&self.pool)
                .await?;
        row.map(Member::try_from).transpose()
    }

    async fn delete_member(&self, account: &AccountId) -> Result<Member, StoreError> {
        let member = self.member(account).await?.ok_or(StoreError::NotFound)?;
        let mut tx = begin_write(&self.pool).await?;
        accounts::forget_email(&mut tx, account).await?;
        // Credentials, web sessions and login links go with the row (ON DELETE CASCADE).
        sqlx::query("DELETE FROM members WHERE account_id = ?")
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
    conn: &mut sqlx::SqliteConnection,
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
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
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
                if db.message().contains("members.nickname_key") {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::Role;
    use crate::store::suite;

    #[tokio::test]
    async fn suite_in_memory() {
        let store = SqliteStore::open_in_memory().await.unwrap();
        suite::run(&store).await;
    }

    #[tokio::test]
    async fn suite_on_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("ibasho.db"))
            .await
            .unwrap();
        suite::run(&store).await;
    }

    #[tokio::test]
    async fn reopening_keeps_data_and_migrations_are_idempotent() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ibasho.db");
        let created = {
            let store = SqliteStore::open(&path).await.unwrap();
            let created = store
                .create_member(NewMember {
                    nickname: "ゆき".into(),
                    avatar: Avatar::default(),
                    role: Role::Family,
                })
                .await
                .unwrap();
            store.pool.close().await;
            created
        };
        for _ in 0..2 {
            let store = SqliteStore::open(&path).await.unwrap();
            let found = store.member(&created.account).await.unwrap().unwrap();
            assert_eq!(found.public_id, created.public_id);
            assert_eq!(found.created_at, created.created_at);
            let applied: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations")
                .fetch_one(&store.pool)
                .await
                .unwrap();
            assert_eq!(applied, MIGRATOR.iter().count() as i64);
            store.pool.close().await;
        }
    }

    #[tokio::test]
    async fn two_handles_on_one_file_see_each_other() {
        // The server and `ibasho admin` open the same file at once; on a fresh file the two
        // race to turn it to WAL and to migrate it, so try the race a number of times.
        for _ in 0..20 {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("ibasho.db");
            let (server, cli) = tokio::join!(SqliteStore::open(&path), SqliteStore::open(&path));
            let (server, cli) = (server.unwrap(), cli.unwrap());
            a_member_made_by_one_is_seen_by_the_other(&server, &cli).await;
        }
    }

    async fn a_member_made_by_one_is_seen_by_the_other(server: &SqliteStore, cli: &SqliteStore) {
        let m = cli
            .create_member(NewMember {
                nickname: "staff-a".into(),
                avatar: Avatar::default(),
                role: Role::Staff,
            })
            .await
            .unwrap();
        assert!(server.member(&m.account).await.unwrap().is_some());
        let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
            .fetch_one(&server.pool)
            .await
            .unwrap();
        assert_eq!(mode, "wal");
    }

    #[tokio::test]
    async fn concurrent_writers_wait_for_each_other_instead_of_failing() {
        // A transaction that reads and then writes must not fail with "database is locked"
        // because another connection wrote in between (the application form while the
        // server's hourly clean-up runs, say): it waits its turn.
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("ibasho.db"))
            .await
            .unwrap();
        let mut tasks = tokio::task::JoinSet::new();
        for n in 0..40 {
            let store = store.clone();
            tasks.spawn(async move {
                if n % 2 == 0 {
                    store.forget_stale(Utc::now(), Utc::now()).await.map(|_| ())
                } else {
                    store
                        .submit_application(crate::accounts::NewApplication {
                            nickname: format!("ひと{n}"),
                            email: format!("p{n}@example.org"),
                            applicant: crate::accounts::Applicant::Myself,
                            heard_from: None,
                            note: None,
                            lang: crate::mail::Lang::Ja,
                        })
                        .await
                        .map(|_| ())
                }
            });
        }
        while let Some(done) = tasks.join_next().await {
            done.unwrap().unwrap();
        }
    }

    #[tokio::test]
    async fn an_unknown_role_reads_as_corrupt_not_as_a_panic() {
        let store = SqliteStore::open_in_memory().await.unwrap();
        let m = store
            .create_member(NewMember {
                nickname: "ハル".into(),
                avatar: Avatar::default(),
                role: Role::Participant,
            })
            .await
            .unwrap();
        sqlx::query("UPDATE members SET role = 'root'")
            .execute(&store.pool)
            .await
            .unwrap();
        let err = store.member(&m.account).await.unwrap_err();
        assert!(matches!(err, StoreError::Corrupt { .. }), "{err}");
    }
}
