use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};

use crate::{Result, StorageError};

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A handle on the database. Cheap to clone.
#[derive(Clone, Debug)]
pub enum Db {
    /// SQLite serialises writers, so writes go through a one-connection pool (no `SQLITE_BUSY`
    /// storms under load) while reads use their own pool in WAL mode.
    Sqlite {
        reader: SqlitePool,
        writer: SqlitePool,
    },
    Postgres(PgPool),
}

/// Runs the same body against whichever pool is live. `$pool` is bound to the reader pool
/// (`read`) or the writer pool (`write`); on PostgreSQL both are the one pool.
#[macro_export]
macro_rules! on_db {
    ($db:expr, read, |$pool:ident| $body:expr) => {
        match $db {
            $crate::Db::Sqlite { reader: $pool, .. } => $body,
            $crate::Db::Postgres($pool) => $body,
        }
    };
    ($db:expr, write, |$pool:ident| $body:expr) => {
        match $db {
            $crate::Db::Sqlite { writer: $pool, .. } => $body,
            $crate::Db::Postgres($pool) => $body,
        }
    };
}

impl Db {
    /// Connects to `sqlite://path` or `postgres://...`, creating the database if it does not
    /// exist. `sqlite::memory:` is refused: the readers and the writer must share one database.
    pub async fn connect(url: &str) -> Result<Self> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            use sqlx::migrate::MigrateDatabase;
            // A named database that does not exist yet is created, as SQLite creates its file.
            if !sqlx::Postgres::database_exists(url).await? {
                sqlx::Postgres::create_database(url).await?;
            }
            let options = PgConnectOptions::from_str(url)?;
            Self::connect_postgres(options).await
        } else if let Some(path) = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")) {
            if path.is_empty() || path.starts_with(":memory:") {
                return Err(StorageError::UnsupportedUrl(url.to_owned()));
            }
            Self::connect_sqlite_file(Path::new(path.split('?').next().unwrap_or(path))).await
        } else {
            Err(StorageError::UnsupportedUrl(url.to_owned()))
        }
    }

    pub async fn connect_sqlite_file(path: &Path) -> Result<Self> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true);
        let writer = SqlitePoolOptions::new().max_connections(1).connect_with(options.clone()).await?;
        let reader = SqlitePoolOptions::new().max_connections(4).connect_with(options.read_only(true)).await?;
        Ok(Self::Sqlite { reader, writer })
    }

    pub async fn connect_postgres(options: PgConnectOptions) -> Result<Self> {
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await?;
        Ok(Self::Postgres(pool))
    }

    pub fn backend(&self) -> Backend {
        match self {
            Db::Sqlite { .. } => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
        }
    }

    /// Applies every pending migration. Safe to run on every start and from several instances
    /// (sqlx takes an advisory lock on PostgreSQL).
    pub async fn migrate(&self) -> Result<()> {
        match self {
            Db::Sqlite { writer, .. } => SQLITE_MIGRATIONS.run(writer).await?,
            Db::Postgres(pool) => POSTGRES_MIGRATIONS.run(pool).await?,
        }
        Ok(())
    }

    /// The migration versions each backend ships, for the test that keeps them in step.
    pub fn migration_versions(backend: Backend) -> Vec<(i64, String)> {
        let migrator = match backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        migrator.iter().map(|m| (m.version, m.description.to_string())).collect()
    }

    pub async fn close(&self) {
        match self {
            Db::Sqlite { reader, writer } => {
                reader.close().await;
                writer.close().await;
            }
            Db::Postgres(pool) => pool.close().await,
        }
    }
}
