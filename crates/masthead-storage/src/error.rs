#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("{entity} {value:?} already exists")]
    Conflict { entity: &'static str, value: String },
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
    #[error("database error: {0}")]
    Database(sqlx::Error),
    /// The database cannot be reached right now (it is down, restarting, unreachable over the
    /// network, or too busy to hand out a connection in time): worth trying again shortly, and
    /// nothing the request did wrong. Pools reconnect by themselves once it is back.
    #[error("database unavailable: {0}")]
    Unavailable(sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The client's filter or order is wrong: a 400 for the API, with this message.
    #[error(transparent)]
    Filter(#[from] crate::FilterError),
    #[error("unsupported database URL {0:?}: use sqlite://PATH or postgres://...")]
    UnsupportedUrl(String),
}

impl From<sqlx::Error> for StorageError {
    fn from(error: sqlx::Error) -> Self {
        if means_unreachable(&error) { Self::Unavailable(error) } else { Self::Database(error) }
    }
}

/// Whether an error says the database could not be reached, rather than that a statement
/// failed: the connection could not be made or was lost, no connection came free in time, the
/// server is shutting down or starting up, or (SQLite) the file cannot be opened or read, or
/// another process held its lock past the busy timeout.
fn means_unreachable(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => {
            let code = db.code().unwrap_or_default();
            if db.try_downcast_ref::<sqlx::postgres::PgDatabaseError>().is_some() {
                // Class 08: connection exceptions; 57P01-03: the server is shutting down,
                // crashed or starting up; 53300: too many connections.
                code.starts_with("08") || ["57P01", "57P02", "57P03", "53300"].contains(&code.as_ref())
            } else if db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
                // Extended result codes carry the primary code in their low byte: SQLITE_BUSY (5),
                // SQLITE_IOERR (10), SQLITE_CANTOPEN (14).
                code.parse::<i32>().is_ok_and(|code| [5, 10, 14].contains(&(code & 0xff)))
            } else {
                false
            }
        }
        _ => false,
    }
}

impl StorageError {
    /// Whether this is [`StorageError::Unavailable`]: the database could not be reached.
    pub fn is_unavailable(&self) -> bool {
        matches!(self, Self::Unavailable(_))
    }

    /// Maps a unique-constraint violation to [`StorageError::Conflict`], leaving other errors as they are.
    pub(crate) fn on_unique(entity: &'static str, value: &str) -> impl FnOnce(sqlx::Error) -> Self {
        let value = value.to_owned();
        move |error| match &error {
            sqlx::Error::Database(db) if db.is_unique_violation() => Self::Conflict { entity, value },
            _ => Self::from(error),
        }
    }
}

impl From<masthead_core::id::InvalidObjectId> for StorageError {
    fn from(e: masthead_core::id::InvalidObjectId) -> Self {
        Self::Corrupt(e.to_string())
    }
}

impl From<masthead_core::slug::InvalidSlug> for StorageError {
    fn from(e: masthead_core::slug::InvalidSlug) -> Self {
        Self::Corrupt(e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn losing_the_database_is_told_apart_from_a_failing_statement() {
        let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        let reset = std::io::Error::from(std::io::ErrorKind::ConnectionReset);
        for lost in
            [sqlx::Error::PoolTimedOut, sqlx::Error::PoolClosed, sqlx::Error::Io(refused), sqlx::Error::Io(reset)]
        {
            let error = StorageError::from(lost);
            assert!(error.is_unavailable(), "{error}");
        }
        for failed in [sqlx::Error::RowNotFound, sqlx::Error::Protocol("bad message".into())] {
            let error = StorageError::from(failed);
            assert!(!error.is_unavailable(), "{error}");
        }
    }
}
