use std::io::Write;
use std::ops::Deref;
use std::str::FromStr;
use std::sync::Once;

use masthead_storage::{Backend, Db, PoolSettings};
use rand::Rng;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

pub const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/test";
/// Schemas left behind by crashed test runs are dropped once they are this old.
const STALE_SCHEMA_SECS: u64 = 3600;

/// A database that exists for one test only: a SQLite file in a temporary directory, or a
/// PostgreSQL schema of its own.
pub struct TestDb {
    db: Db,
    postgres_schema: Option<String>,
    sqlite_path: Option<std::path::PathBuf>,
    _dir: Option<tempfile::TempDir>,
}

impl Deref for TestDb {
    type Target = Db;
    fn deref(&self) -> &Db {
        &self.db
    }
}

fn postgres_url() -> String {
    std::env::var("MASTHEAD_TEST_POSTGRES_URL").unwrap_or_else(|_| DEFAULT_POSTGRES_URL.to_owned())
}

pub(crate) fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

fn unix_seconds() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

impl TestDb {
    pub async fn sqlite() -> Self {
        Self::sqlite_migrated(None).await
    }

    /// A fresh SQLite database with the migrations up to `version` only, for a test of the
    /// migrations after it (`migrate()` then applies the rest).
    pub async fn sqlite_at(version: i64) -> Self {
        Self::sqlite_migrated(Some(version)).await
    }

    async fn sqlite_migrated(version: Option<i64>) -> Self {
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = dir.path().join("test.db");
        let db = Db::connect_sqlite_file(&path).await.expect("open SQLite");
        match version {
            Some(version) => db.migrate_to(version).await.expect("migrate SQLite"),
            None => db.migrate().await.expect("migrate SQLite"),
        }
        Self { db, postgres_schema: None, sqlite_path: Some(path), _dir: Some(dir) }
    }

    /// A fresh schema on the test PostgreSQL server. Outside CI, an unreachable server skips
    /// the PostgreSQL half of the test with one loud line; in CI it fails the test.
    pub async fn postgres() -> Option<Self> {
        Self::postgres_migrated(None).await
    }

    /// [`TestDb::sqlite_at`] on PostgreSQL.
    pub async fn postgres_at(version: i64) -> Option<Self> {
        Self::postgres_migrated(Some(version)).await
    }

    async fn postgres_migrated(version: Option<i64>) -> Option<Self> {
        let url = postgres_url();
        let admin = match PgPoolOptions::new().max_connections(1).connect(&url).await {
            Ok(pool) => pool,
            Err(e) if !in_ci() => {
                static SKIP: Once = Once::new();
                SKIP.call_once(|| {
                    // Written past the test harness's capture, so it is seen once per binary.
                    let _ = writeln!(
                        std::io::stderr(),
                        "\n!!! SKIPPING the PostgreSQL half of the tests: cannot reach {url}: {e}\n!!! Set MASTHEAD_TEST_POSTGRES_URL or start PostgreSQL; in CI this is a failure.\n"
                    );
                });
                return None;
            }
            Err(e) => panic!("PostgreSQL is required in CI ({url}): {e}"),
        };
        let now = unix_seconds();
        let stale: Vec<(String,)> =
            sqlx::query_as("SELECT nspname::text FROM pg_namespace WHERE nspname LIKE 'mt\\_%'")
                .fetch_all(&admin)
                .await
                .expect("list schemas");
        for (schema,) in stale {
            let created = schema.split('_').nth(1).and_then(|s| s.parse::<u64>().ok()).unwrap_or(now);
            if now.saturating_sub(created) > STALE_SCHEMA_SECS {
                let _ = sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE")))
                    .execute(&admin)
                    .await;
            }
        }
        let schema = format!("mt_{now}_{:08x}", rand::rng().random::<u32>());
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA \"{schema}\"")))
            .execute(&admin)
            .await
            .expect("create test schema");
        admin.close().await;
        let options =
            PgConnectOptions::from_str(&url).expect("PostgreSQL URL").options([("search_path", schema.as_str())]);
        let db = Db::connect_postgres(options).await.expect("connect to PostgreSQL");
        match version {
            Some(version) => db.migrate_to(version).await.expect("migrate PostgreSQL"),
            None => db.migrate().await.expect("migrate PostgreSQL"),
        }
        Some(Self { db, postgres_schema: Some(schema), sqlite_path: None, _dir: None })
    }

    /// A URL another process (the `masthead` binary) can open this same database with.
    pub fn url(&self) -> String {
        match (&self.sqlite_path, &self.postgres_schema) {
            (Some(path), _) => format!("sqlite://{}", path.display()),
            (None, Some(schema)) => {
                let base = postgres_url();
                let join = if base.contains('?') { '&' } else { '?' };
                format!("{base}{join}options=-c%20search_path%3D{schema}")
            }
            (None, None) => unreachable!("a test database is SQLite or PostgreSQL"),
        }
    }

    /// A new connection to the same database, as a restarted server would open it.
    pub async fn reopen(&self) -> Db {
        let db = match (&self.sqlite_path, &self.postgres_schema) {
            (Some(path), _) => Db::connect_sqlite_file(path).await.expect("reopen SQLite"),
            (None, Some(schema)) => {
                let options = PgConnectOptions::from_str(&postgres_url())
                    .expect("PostgreSQL URL")
                    .options([("search_path", schema.as_str())]);
                Db::connect_postgres(options).await.expect("reconnect to PostgreSQL")
            }
            (None, None) => unreachable!("a test database is SQLite or PostgreSQL"),
        };
        db.migrate().await.expect("migrations are idempotent");
        db
    }

    /// The PostgreSQL server's address, for a [`crate::TcpProxy`] to forward to (`None` on
    /// SQLite).
    pub fn postgres_addr(&self) -> Option<std::net::SocketAddr> {
        self.postgres_schema.as_ref()?;
        let options = PgConnectOptions::from_str(&postgres_url()).expect("PostgreSQL URL");
        let host = match options.get_host() {
            "localhost" => "127.0.0.1",
            host => host,
        };
        format!("{host}:{}", options.get_port()).parse().ok()
    }

    /// A new pool on the same PostgreSQL schema that connects to `addr` (a proxy in front of the
    /// server) and waits `settings` long for a connection.
    pub async fn reopen_postgres_at(&self, addr: std::net::SocketAddr, settings: PoolSettings) -> Db {
        let schema = self.postgres_schema.as_ref().expect("a PostgreSQL test database");
        let options = PgConnectOptions::from_str(&postgres_url())
            .expect("PostgreSQL URL")
            .host(&addr.ip().to_string())
            .port(addr.port())
            .options([("search_path", schema.as_str())]);
        Db::connect_postgres_with(options, settings).await.expect("connect through the proxy")
    }

    pub fn backend(&self) -> Backend {
        self.db.backend()
    }

    /// Runs raw SQL on a connection of its own, returning the rows it changed: for tests that
    /// break the database on purpose (a table renamed away) to see how failures are answered, or
    /// that replay a migration's statement.
    pub async fn execute_raw(&self, sql: &str) -> u64 {
        use sqlx::Connection;
        let sql = sqlx::AssertSqlSafe(sql.to_owned());
        match (&self.sqlite_path, &self.postgres_schema) {
            (Some(path), _) => {
                let options = sqlx::sqlite::SqliteConnectOptions::new().filename(path);
                let mut connection = sqlx::SqliteConnection::connect_with(&options).await.expect("open SQLite");
                sqlx::raw_sql(sql).execute(&mut connection).await.expect("raw SQL").rows_affected()
            }
            (None, Some(schema)) => {
                let options = PgConnectOptions::from_str(&postgres_url())
                    .expect("PostgreSQL URL")
                    .options([("search_path", schema.as_str())]);
                let mut connection = sqlx::PgConnection::connect_with(&options).await.expect("open PostgreSQL");
                sqlx::raw_sql(sql).execute(&mut connection).await.expect("raw SQL").rows_affected()
            }
            (None, None) => unreachable!("a test database is SQLite or PostgreSQL"),
        }
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    /// Closes the pools and drops the PostgreSQL schema.
    pub async fn finish(&self) {
        self.db.close().await;
        if let Some(schema) = &self.postgres_schema
            && let Ok(admin) = PgPoolOptions::new().max_connections(1).connect(&postgres_url()).await
        {
            let _ = sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE")))
                .execute(&admin)
                .await;
            admin.close().await;
        }
    }
}
