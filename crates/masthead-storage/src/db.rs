use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};

use crate::{Result, StorageError};

/// How long a PostgreSQL connection may sit idle before it is checked with a ping on its way out
/// of the pool (see [`Db::connect_postgres_with`]).
const PING_AFTER_IDLE: Duration = Duration::from_secs(1);

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// How long a query waits for a PostgreSQL connection by default. While the server is
/// unreachable, the pool keeps trying to connect for this long; then the query fails with
/// [`StorageError::Unavailable`] and the request is answered at once, instead of hanging.
pub const DEFAULT_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);

/// How the connection pools behave.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoolSettings {
    /// How long a query waits for a PostgreSQL connection (see [`DEFAULT_ACQUIRE_TIMEOUT`]).
    /// SQLite keeps sqlx's default: its file does not go away, and waiting there means waiting
    /// for the one writer connection, which a long import may hold for a while.
    pub acquire_timeout: Duration,
    /// PostgreSQL connections kept open even when idle, opened in the background as soon as the
    /// pool exists (the server's; commands and tests open them as they need them).
    pub min_connections: u32,
}

impl Default for PoolSettings {
    fn default() -> Self {
        Self { acquire_timeout: DEFAULT_ACQUIRE_TIMEOUT, min_connections: 0 }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The connection pools behind both handles.
#[derive(Clone, Debug)]
pub(crate) enum Pools {
    /// SQLite serialises writers, so writes go through a one-connection pool (no `SQLITE_BUSY`
    /// storms under load) while reads use their own pool in WAL mode.
    Sqlite {
        reader: SqlitePool,
        writer: SqlitePool,
    },
    Postgres(PgPool),
}

/// Read access to the database, and nothing else: the handle the web layer gets. Every write
/// (and every read of a secret) is a method of [`Db`], which only `masthead-app`'s use cases
/// hold, so a handler cannot change data without going through the rules, webhooks and cache
/// invalidation of a use case. Cheap to clone.
#[derive(Clone, Debug)]
pub struct DbReader {
    pools: Pools,
}

/// The whole database: every read of [`DbReader`] (through `Deref`) and every write. Cheap to
/// clone.
#[derive(Clone, Debug)]
pub struct Db {
    reader: DbReader,
}

impl std::ops::Deref for Db {
    type Target = DbReader;

    fn deref(&self) -> &DbReader {
        &self.reader
    }
}

impl DbReader {
    pub(crate) fn pools(&self) -> &Pools {
        &self.pools
    }

    pub fn backend(&self) -> Backend {
        match self.pools {
            Pools::Sqlite { .. } => Backend::Sqlite,
            Pools::Postgres(_) => Backend::Postgres,
        }
    }
}

/// Runs the same body against whichever pool is live. `$pool` is bound to the reader pool
/// (`read`) or the writer pool (`write`); on PostgreSQL both are the one pool.
macro_rules! on_db {
    ($db:expr, read, |$pool:ident| $body:expr) => {
        match $db.pools() {
            $crate::db::Pools::Sqlite { reader: $pool, .. } => $body,
            $crate::db::Pools::Postgres($pool) => $body,
        }
    };
    ($db:expr, write, |$pool:ident| $body:expr) => {
        match $db.pools() {
            $crate::db::Pools::Sqlite { writer: $pool, .. } => $body,
            $crate::db::Pools::Postgres($pool) => $body,
        }
    };
}
pub(crate) use on_db;

/// The database file a `sqlite://PATH` (or `sqlite:PATH`) URL names, without its query; `None`
/// for any other URL, and for an in-memory SQLite database.
pub fn sqlite_file(url: &str) -> Option<PathBuf> {
    let path = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    let path = path.split('?').next().unwrap_or(path);
    (!path.is_empty() && !path.starts_with(":memory:")).then(|| PathBuf::from(path))
}

impl Db {
    /// Connects to `sqlite://path` or `postgres://...`, creating the database if it does not
    /// exist. `sqlite::memory:` is refused: the readers and the writer must share one database.
    pub async fn connect(url: &str) -> Result<Self> {
        Self::connect_with(url, PoolSettings::default()).await
    }

    /// [`Db::connect`] with pools set up as `settings` says.
    pub async fn connect_with(url: &str, settings: PoolSettings) -> Result<Self> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            use sqlx::migrate::MigrateDatabase;
            // A named database that does not exist yet is created, as SQLite creates its file.
            if !sqlx::Postgres::database_exists(url).await? {
                sqlx::Postgres::create_database(url).await?;
            }
            let options = PgConnectOptions::from_str(url)?;
            Self::connect_postgres_with(options, settings).await
        } else if url.starts_with("sqlite:") {
            match sqlite_file(url) {
                Some(path) => Self::connect_sqlite_file(&path).await,
                None => Err(StorageError::UnsupportedUrl(url.to_owned())),
            }
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
        // A connection to a file does not break while idle: no ping before handing one out (a
        // hop to the connection's thread and back before every query).
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .test_before_acquire(false)
            .connect_with(options.clone())
            .await?;
        let reader = SqlitePoolOptions::new()
            .max_connections(4)
            .test_before_acquire(false)
            .connect_with(options.read_only(true))
            .await?;
        Ok(Self::from_pools(Pools::Sqlite { reader, writer }))
    }

    pub async fn connect_postgres(options: PgConnectOptions) -> Result<Self> {
        Self::connect_postgres_with(options, PoolSettings::default()).await
    }

    /// Connects to PostgreSQL. Connections that broke while the server was away are found by a
    /// ping before an idle connection is handed out, and replaced; so once the server is back,
    /// queries work again without a restart. Only a connection idle for a second or more is
    /// pinged: sqlx's own check pings before every query, a round trip that doubled the number
    /// of a page's waits on the database (a story's page makes two dozen small queries). A server
    /// that went away and came back within that time costs at most one failed query on each
    /// connection it broke, which is then closed.
    ///
    /// Parallel query is off for these connections: every statement here is a page's or an
    /// answer's, many of them at once, and the cores are already busy serving them. On two
    /// cores, PostgreSQL chose to walk a whole index with two extra workers for a tag page deep
    /// in a 100,000-story archive (38 ms, where one process reading the tag's links took 11).
    pub async fn connect_postgres_with(options: PgConnectOptions, settings: PoolSettings) -> Result<Self> {
        let options = options.options([("max_parallel_workers_per_gather", "0")]);
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .min_connections(settings.min_connections)
            .acquire_timeout(settings.acquire_timeout)
            .test_before_acquire(false)
            .before_acquire(|connection, meta| {
                Box::pin(async move {
                    if meta.idle_for >= PING_AFTER_IDLE {
                        sqlx::Connection::ping(connection).await?;
                    }
                    Ok(true)
                })
            })
            .connect_with(options)
            .await?;
        Ok(Self::from_pools(Pools::Postgres(pool)))
    }

    fn from_pools(pools: Pools) -> Self {
        Self { reader: DbReader { pools } }
    }

    /// A handle that can only read, for the web layer.
    pub fn reader(&self) -> DbReader {
        self.reader.clone()
    }

    /// Applies every pending migration. Safe to run on every start and from several instances
    /// (sqlx takes an advisory lock on PostgreSQL).
    pub async fn migrate(&self) -> Result<()> {
        match self.pools() {
            Pools::Sqlite { writer, .. } => SQLITE_MIGRATIONS.run(writer).await?,
            Pools::Postgres(pool) => POSTGRES_MIGRATIONS.run(pool).await?,
        }
        match self.pools() {
            Pools::Sqlite { .. } => self.refresh_statistics().await,
            Pools::Postgres(pool) => {
                // Statistics PostgreSQL has never gathered (a database loaded while autovacuum
                // was off or had not come round yet) are gathered now; otherwise autovacuum
                // keeps them, and a start does not wait for a full `ANALYZE`.
                let missing: bool = sqlx::query_scalar(
                    "SELECT NOT EXISTS (SELECT 1 FROM pg_stats WHERE schemaname = current_schema() \
                     AND tablename = 'posts') AND EXISTS (SELECT 1 FROM posts)",
                )
                .fetch_one(pool)
                .await?;
                if missing { self.refresh_statistics().await } else { Ok(()) }
            }
        }
    }

    /// Applies the migrations up to and including `version` and no further: for tests that
    /// write data as an earlier schema held it, then run the migrations after it.
    pub async fn migrate_to(&self, version: i64) -> Result<()> {
        match self.pools() {
            Pools::Sqlite { writer, .. } => SQLITE_MIGRATIONS.run_to(version, writer).await?,
            Pools::Postgres(pool) => POSTGRES_MIGRATIONS.run_to(version, pool).await?,
        }
        Ok(())
    }

    /// Lets the query planner see how large the tables have grown, after bulk writes (imports,
    /// generated archives) and on start. Without statistics a planner may walk every story to
    /// find a tag's fifteen. SQLite only has those `ANALYZE` gathers (here sampling at most a
    /// thousand rows an index). PostgreSQL's autovacuum gathers them a minute or more after a
    /// table has grown, and not at all where it is switched off, so they are gathered at once,
    /// with a `VACUUM` that marks the new rows visible to all: until then a list read from an
    /// index also reads every row it passes (a deep page of the archive took 67-98 ms instead
    /// of 27-33 ms at 100,000 stories).
    pub async fn refresh_statistics(&self) -> Result<()> {
        match self.pools() {
            Pools::Sqlite { writer, .. } => {
                sqlx::raw_sql("PRAGMA analysis_limit = 1000; PRAGMA optimize = 0x10002;").execute(writer).await?;
            }
            Pools::Postgres(pool) => {
                sqlx::raw_sql(
                    "VACUUM (ANALYZE) posts, posts_tags, posts_authors, posts_tiers, tags, users, members, \
                     members_newsletters",
                )
                .execute(pool)
                .await?;
            }
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
        match self.pools() {
            Pools::Sqlite { reader, writer } => {
                reader.close().await;
                writer.close().await;
            }
            Pools::Postgres(pool) => pool.close().await,
        }
    }
}
