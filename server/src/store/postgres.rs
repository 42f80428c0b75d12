//! The PostgreSQL store, for several nodes sharing one database. Same behaviour as the
//! SQLite store (the shared suite checks both); its own migrations in migrations/postgres.
use super::{Pools, Store, StoreError};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use std::time::Duration;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

const MAX_CONNECTIONS: u32 = 8;
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);
impl Store {
    /// Connects to PostgreSQL and brings the schema up to date. sqlx takes an advisory lock
    /// while migrating, so several nodes starting at once apply each migration once.
    pub async fn connect_postgres(options: PgConnectOptions) -> Result<Store, StoreError> {
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
        Ok(Store {
            pools: Pools::Postgres(pool),
        })
    }
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
    use crate::model::{Avatar, NewMember, Role};
    use crate::store::suite;
    use sqlx::PgPool;

    fn pool(store: &Store) -> &PgPool {
        store.pools().1.expect("a PostgreSQL store")
    }

    #[tokio::test]
    async fn suite_on_postgres() {
        let Some(schema) = testdb::Schema::create().await else {
            return;
        };
        let store = Store::connect_postgres(schema.options()).await.unwrap();
        suite::run(&store).await;
        pool(&store).close().await;
        schema.drop().await;
    }

    #[tokio::test]
    async fn two_nodes_migrating_at_once_share_one_schema() {
        let Some(schema) = testdb::Schema::create().await else {
            return;
        };
        let (a, b) = tokio::join!(
            Store::connect_postgres(schema.options()),
            Store::connect_postgres(schema.options())
        );
        let (a, b) = (a.unwrap(), b.unwrap());
        let m = a
            .create_member(NewMember {
                nickname: "ふたつめ".into(),
                avatar: Avatar::default(),
                role: Role::Staff,
                group: None,
            })
            .await
            .unwrap();
        assert_eq!(
            b.member(&m.account).await.unwrap().unwrap().public_id,
            m.public_id
        );
        let applied: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations")
            .fetch_one(pool(&b))
            .await
            .unwrap();
        assert_eq!(applied, MIGRATOR.iter().count() as i64);
        pool(&a).close().await;
        pool(&b).close().await;
        schema.drop().await;
    }

    #[tokio::test]
    async fn a_wrong_server_is_an_open_error_without_the_password() {
        let options: PgConnectOptions = "postgres://someone:s3cret@127.0.0.1:9/none"
            .parse()
            .unwrap();
        let err = Store::connect_postgres(options).await.unwrap_err();
        assert!(matches!(err, StoreError::Open { .. }), "{err}");
        assert!(!format!("{err} {err:?}").contains("s3cret"), "{err:?}");
    }
}
