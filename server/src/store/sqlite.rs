//! The embedded SQLite store (WAL). The server and the CLI may open the same file at
//! once: WAL lets readers run beside the one writer, and the busy timeout makes a second
//! writer wait instead of failing.
use super::{Pools, Store, StoreError};
use sqlx::migrate::MigrateError;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use std::path::Path;
use std::time::Duration;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// A handful is plenty: SQLite serialises writers anyway, and we have few cores.
const MAX_CONNECTIONS: u32 = 4;

impl Store {
    /// Opens (creating if missing) the SQLite database file and brings its schema up to
    /// date.
    pub async fn open_sqlite(path: &Path) -> Result<Store, StoreError> {
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
        migrate(&pool).await?;
        Ok(Store {
            pools: Pools::Sqlite(pool),
        })
    }

    /// A private SQLite database that lives as long as the store, for tests.
    pub async fn sqlite_in_memory() -> Result<Store, StoreError> {
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
        migrate(&pool).await?;
        Ok(Store {
            pools: Pools::Sqlite(pool),
        })
    }
}

async fn migrate(pool: &SqlitePool) -> Result<(), StoreError> {
    // Two processes starting on a fresh file can race to apply the same migration; each
    // migration is one transaction, so the loser retries and finds it applied. Only a
    // failed statement can be the race; a missing or changed migration is not.
    let raced = |e: &MigrateError| {
        matches!(
            e,
            MigrateError::Execute(_) | MigrateError::ExecuteMigration(..)
        )
    };
    retrying_start_up_races(raced, || MIGRATOR.run(pool))
        .await
        .map_err(StoreError::Migrate)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Applicant, Avatar, NewApplication, NewMember, Role};
    use crate::store::suite;
    use chrono::Utc;

    fn pool(store: &Store) -> &SqlitePool {
        store.pools().0.expect("a SQLite store")
    }

    #[tokio::test]
    async fn suite_in_memory() {
        let store = Store::sqlite_in_memory().await.unwrap();
        suite::run(&store).await;
    }

    #[tokio::test]
    async fn suite_on_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_sqlite(&dir.path().join("ibasho.db"))
            .await
            .unwrap();
        suite::run(&store).await;
    }

    #[tokio::test]
    async fn reopening_keeps_data_and_migrations_are_idempotent() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ibasho.db");
        let created = {
            let store = Store::open_sqlite(&path).await.unwrap();
            let created = store
                .create_member(NewMember {
                    nickname: "ゆき".into(),
                    avatar: Avatar::default(),
                    role: Role::Family,
                    group: None,
                })
                .await
                .unwrap();
            pool(&store).close().await;
            created
        };
        for _ in 0..2 {
            let store = Store::open_sqlite(&path).await.unwrap();
            let found = store.member(&created.account).await.unwrap().unwrap();
            assert_eq!(found.public_id, created.public_id);
            assert_eq!(found.created_at, created.created_at);
            let applied: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations")
                .fetch_one(pool(&store))
                .await
                .unwrap();
            assert_eq!(applied, MIGRATOR.iter().count() as i64);
            pool(&store).close().await;
        }
    }

    #[tokio::test]
    async fn two_handles_on_one_file_see_each_other() {
        // The server and `ibasho admin` open the same file at once; on a fresh file the two
        // race to turn it to WAL and to migrate it, so try the race a number of times.
        for _ in 0..20 {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("ibasho.db");
            let (server, cli) = tokio::join!(Store::open_sqlite(&path), Store::open_sqlite(&path));
            let (server, cli) = (server.unwrap(), cli.unwrap());
            a_member_made_by_one_is_seen_by_the_other(&server, &cli).await;
        }
    }

    async fn a_member_made_by_one_is_seen_by_the_other(server: &Store, cli: &Store) {
        let m = cli
            .create_member(NewMember {
                nickname: "staff-a".into(),
                avatar: Avatar::default(),
                role: Role::Staff,
                group: None,
            })
            .await
            .unwrap();
        assert!(server.member(&m.account).await.unwrap().is_some());
        let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
            .fetch_one(pool(server))
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
        let store = Store::open_sqlite(&dir.path().join("ibasho.db"))
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
                        .submit_application(NewApplication {
                            nickname: format!("ひと{n}"),
                            email: format!("p{n}@example.org"),
                            applicant: Applicant::Myself,
                            heard_from: None,
                            note: None,
                            lang: crate::model::Lang::Ja,
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
        let store = Store::sqlite_in_memory().await.unwrap();
        let m = store
            .create_member(NewMember {
                nickname: "ハル".into(),
                avatar: Avatar::default(),
                role: Role::Participant,
                group: None,
            })
            .await
            .unwrap();
        sqlx::query("UPDATE members SET role = 'root'")
            .execute(pool(&store))
            .await
            .unwrap();
        let err = store.member(&m.account).await.unwrap_err();
        assert!(matches!(err, StoreError::Corrupt { .. }), "{err}");
    }
}
