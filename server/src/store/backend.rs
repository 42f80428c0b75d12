//! The four ways SQLite and PostgreSQL really differ for our queries, named, so a query
//! body says which one it relies on and stays the same text on both back ends.
use sqlx::error::DatabaseError;
use sqlx::{Pool, Postgres, Sqlite, Transaction};

pub(crate) trait Backend: sqlx::Database {
    /// How a transaction that writes begins.
    const BEGIN_WRITE: &'static str;
    /// Taken at the start of a transaction that submits an application, with the e-mail
    /// key as `$1`; `None` where `BEGIN_WRITE` already serialises writers.
    const LOCK_APPLICATION: Option<&'static str>;
    /// Appended to a `SELECT` whose rows the transaction will change.
    const FOR_UPDATE: &'static str;
    /// Turns a text parameter into a JSON column value (after `$N`), and a JSON column
    /// into text (after its name), where the column type is JSON rather than text.
    const TO_JSON: &'static str;
    const JSON_TO_TEXT: &'static str;

    /// Whether `error` broke the unique constraint on `table.column`.
    fn violates_unique(error: &dyn DatabaseError, table: &str, column: &str) -> bool;

    async fn begin_write(pool: &Pool<Self>) -> Result<Transaction<'static, Self>, sqlx::Error> {
        pool.begin_with(Self::BEGIN_WRITE).await
    }
}

impl Backend for Sqlite {
    /// `BEGIN IMMEDIATE` takes the write lock first, so a second writer waits for it (the
    /// busy timeout); a plain (deferred) transaction that read before writing cannot wait,
    /// and would fail with "database is locked" whenever another connection wrote between.
    const BEGIN_WRITE: &'static str = "BEGIN IMMEDIATE";
    /// The write lock taken at `BEGIN IMMEDIATE` already makes submissions one at a time.
    const LOCK_APPLICATION: Option<&'static str> = None;
    /// Not needed (the write lock is held) and not SQL SQLite reads.
    const FOR_UPDATE: &'static str = "";
    /// JSON is stored as text.
    const TO_JSON: &'static str = "";
    const JSON_TO_TEXT: &'static str = "";

    /// SQLite names the column in the message only: "UNIQUE constraint failed: t.c".
    fn violates_unique(error: &dyn DatabaseError, table: &str, column: &str) -> bool {
        error.is_unique_violation() && error.message().contains(&format!("{table}.{column}"))
    }
}

impl Backend for Postgres {
    const BEGIN_WRITE: &'static str = "BEGIN";
    /// One submission per address at a time (a double click, two nodes): the second waits,
    /// then finds the first pending and refreshes it, instead of breaking the one-pending
    /// index. The lock goes with the transaction.
    const LOCK_APPLICATION: Option<&'static str> =
        Some("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))");
    /// The same link sent twice at once registers once: the second waits and finds it used.
    const FOR_UPDATE: &'static str = " FOR UPDATE";
    const TO_JSON: &'static str = "::jsonb";
    const JSON_TO_TEXT: &'static str = "::text";

    /// Our migrations name each such constraint `{table}_{column}_unique`.
    fn violates_unique(error: &dyn DatabaseError, table: &str, column: &str) -> bool {
        error.is_unique_violation()
            && error.constraint() == Some(format!("{table}_{column}_unique").as_str())
    }
}
