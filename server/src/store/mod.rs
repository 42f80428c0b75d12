//! Persistence: one [`Store`] over embedded SQLite (the default) or PostgreSQL (several
//! nodes sharing data), chosen once at start-up. It speaks domain types ([`crate::model`]);
//! no SQL and no driver types leave it.
//!
//! Each query is written once, in the file of its kind of data (`members.rs`,
//! `applications.rs`, …): one SQL text, which both back ends read (SQLite takes `$N`
//! placeholders too), and one body. The few real differences between the back ends are the
//! named hooks of [`Backend`]. Adding a kind of data is a migration per back end and one file
//! here with a `queries!` block.
//!
//! Why a macro rather than functions generic over `sqlx::Database`: a generic query needs a
//! where-clause naming `Encode`/`Type`/`FromRow`/`Executor` for every type it binds or reads
//! (Rust does not imply such bounds from a trait), which buries the SQL; and sqlx's `Any`
//! driver loses typed timestamps. `queries!` stamps the one body for each pool, as the two
//! hand-written copies compiled before, so compile time is unchanged and a query reads as
//! plain sqlx.
use sqlx::{PgPool, SqlitePool};

mod backend;
mod postgres;
mod rows;
mod sqlite;

/// Writes each query once and compiles it for both back ends. In the block, `pub async fn
/// name(db, arg: T, …) -> R { … }` becomes `Store::name(&self, arg: T, …) -> Result<R,
/// StoreError>`; in the body `db` is the back end's pool, `Db` its `sqlx::Database` (whose
/// [`Backend`] hooks name the differences), `Conn` its connection. Helpers the queries of
/// one file share go in a leading `helpers { … }`, stamped the same way.
macro_rules! queries {
    (
        $( helpers { $($helper:item)* } )?
        $(
            $(#[$doc:meta])*
            pub async fn $name:ident($db:ident $(, $arg:ident : $ty:ty)* $(,)?) -> $ret:ty
            $body:block
        )*
    ) => {
        queries!(@stamp on_sqlite, sqlx::Sqlite, { $($($helper)*)? }
            $( query $name($db $(, $arg: $ty)*) -> $ret $body )*);
        queries!(@stamp on_postgres, sqlx::Postgres, { $($($helper)*)? }
            $( query $name($db $(, $arg: $ty)*) -> $ret $body )*);

        impl $crate::store::Store {
            $(
                $(#[$doc])*
                pub async fn $name(&self $(, $arg: $ty)*) -> Result<$ret, $crate::store::StoreError> {
                    match &self.pools {
                        $crate::store::Pools::Sqlite(pool) => on_sqlite::$name(pool $(, $arg)*).await,
                        $crate::store::Pools::Postgres(pool) => on_postgres::$name(pool $(, $arg)*).await,
                    }
                }
            )*
        }
    };
    (@stamp $module:ident, $database:ty, { $($helper:item)* }
        $( query $name:ident($db:ident $(, $arg:ident : $ty:ty)*) -> $ret:ty $body:block )*
    ) => {
        mod $module {
            // The file's imports, whichever of them this file's queries use.
            #![allow(unused_imports)]
            use super::*;
            use $crate::store::backend::Backend as _;
            type Db = $database;
            /// For helpers that run inside a transaction.
            #[allow(dead_code)]
            type Conn = <Db as sqlx::Database>::Connection;
            $($helper)*
            $(
                pub(super) async fn $name(
                    $db: &sqlx::Pool<Db> $(, $arg: $ty)*
                ) -> Result<$ret, $crate::store::StoreError> $body
            )*
        }
    };
}

mod applications;
mod audit;
mod blocks;
mod consent;
mod invitations;
mod logins;
mod members;
mod mutes;
mod notes;
mod safety;
mod slots;
mod stale;
#[cfg(test)]
pub(crate) mod suite;
#[cfg(test)]
pub(crate) mod suite_accounts;
#[cfg(test)]
mod suite_slots;

pub use stale::Forgotten;

/// The store: a cheap-to-clone handle on one back end's connection pool.
#[derive(Debug, Clone)]
pub struct Store {
    pools: Pools,
}

#[derive(Debug, Clone)]
enum Pools {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

#[cfg(test)]
impl Store {
    /// The pool underneath, for tests that look at the database itself.
    fn pools(&self) -> (Option<&SqlitePool>, Option<&PgPool>) {
        match &self.pools {
            Pools::Sqlite(pool) => (Some(pool), None),
            Pools::Postgres(pool) => (None, Some(pool)),
        }
    }
}

/// The database file inside the data directory (the embedded default).
pub fn database_path(data: &std::path::Path) -> std::path::PathBuf {
    data.join("ibasho.db")
}

/// Opens the store that `database` names, once, at start-up: `None` is SQLite `ibasho.db`
/// in `data_dir`; `sqlite://PATH` another SQLite file; `postgres://…` PostgreSQL.
pub async fn open(
    database: Option<&str>,
    data_dir: &std::path::Path,
) -> Result<std::sync::Arc<Store>, StoreError> {
    let database = database.map(str::trim).filter(|d| !d.is_empty());
    let store = match database {
        None => Store::open_sqlite(&database_path(data_dir)).await?,
        Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
            let options = url
                .parse::<sqlx::postgres::PgConnectOptions>()
                .map_err(|_| StoreError::Url("the PostgreSQL URL does not parse".into()))?;
            Store::connect_postgres(options).await?
        }
        Some(url) => match url.strip_prefix("sqlite://") {
            Some(path) if !path.is_empty() => {
                Store::open_sqlite(std::path::Path::new(path)).await?
            }
            _ => {
                return Err(StoreError::Url(
                    "--database must be postgres://…, postgresql://… or sqlite://PATH".into(),
                ))
            }
        },
    };
    Ok(std::sync::Arc::new(store))
}

/// Messages never carry the values involved (nicknames, ids): they end up in logs.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    #[error("conflict: {0}")]
    Conflict(Conflict),
    #[error("cannot open the database at {path}")]
    Open {
        path: std::path::PathBuf,
        #[source]
        source: sqlx::Error,
    },
    /// A `--database` that names no back end; the message never repeats the URL (it may
    /// carry a password).
    #[error("{0}")]
    Url(String),
    #[error("cannot migrate the database schema")]
    Migrate(#[source] sqlx::migrate::MigrateError),
    #[error("database error")]
    Database(#[source] sqlx::Error),
    /// A stored row no longer parses (unknown role, bad JSON): data written by another
    /// version or by hand.
    #[error("corrupt row in {table}: {what}")]
    Corrupt { table: &'static str, what: String },
}

/// A stored value that no longer parses.
pub(crate) fn corrupt(table: &'static str, what: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt {
        table,
        what: what.to_string(),
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match e {
            sqlx::Error::RowNotFound => StoreError::NotFound,
            other => StoreError::Database(other),
        }
    }
}

/// Why a write was refused because of what is already stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Conflict {
    #[error("nickname is already in use")]
    Nickname,
    #[error("e-mail address already has an account")]
    Email,
    /// An application already decided, an invitation or login link used or revoked.
    #[error("no longer open")]
    NotOpen,
    #[error("could not allocate a unique id")]
    Ids,
    /// A counsellor's new slot overlaps one of theirs.
    #[error("overlaps another slot")]
    SlotOverlap,
    /// A slot is booked already (or has started).
    #[error("already taken")]
    Taken,
}

/// Postgres keeps microseconds; truncating here keeps both back ends alike.
fn now() -> chrono::DateTime<chrono::Utc> {
    use chrono::SubsecRound;
    chrono::Utc::now().trunc_subsecs(6)
}
