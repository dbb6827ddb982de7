#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("{entity} {value:?} already exists")]
    Conflict { entity: &'static str, value: String },
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The client's filter or order is wrong: a 400 for the API, with this message.
    #[error(transparent)]
    Filter(#[from] crate::FilterError),
    #[error("unsupported database URL {0:?}: use sqlite://PATH or postgres://...")]
    UnsupportedUrl(String),
}

impl StorageError {
    /// Maps a unique-constraint violation to [`StorageError::Conflict`], leaving other errors as they are.
    pub(crate) fn on_unique(entity: &'static str, value: &str) -> impl FnOnce(sqlx::Error) -> Self {
        let value = value.to_owned();
        move |error| match &error {
            sqlx::Error::Database(db) if db.is_unique_violation() => Self::Conflict { entity, value },
            _ => Self::Database(error),
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
