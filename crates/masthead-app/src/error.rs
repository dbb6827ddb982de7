//! The use cases' one error type: what was refused or failed, in words a newsroom can act on.

use masthead_storage::StorageError;

/// Why a use case refused or failed. Validation errors name the field and say what is wrong,
/// in words a newsroom editor can act on.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{field}: {message}")]
    Invalid { field: &'static str, message: String },
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    Conflict(String),
    /// Someone else saved the story (at `saved_at`) since the caller loaded it; nothing was
    /// written.
    #[error("Saving failed! Someone else is editing this post.")]
    EditCollision { saved_at: time::OffsetDateTime },
    #[error("{0}")]
    TooManyRequests(String),
    /// Background machinery (a sender, a recorder) failed; the message says which and why.
    #[error("{0}")]
    Unavailable(String),
    #[error(transparent)]
    Storage(StorageError),
    #[error("media: {0}")]
    Media(#[from] masthead_media::MediaError),
}

impl AppError {
    /// Whether the database could not be reached ([`StorageError::Unavailable`]): nothing was
    /// wrong with the request, and it may work in a moment.
    pub fn is_unavailable(&self) -> bool {
        matches!(self, Self::Storage(error) if error.is_unavailable())
    }

    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        Self::Invalid { field, message: message.into() }
    }
}

impl From<StorageError> for AppError {
    fn from(error: StorageError) -> Self {
        match error {
            StorageError::Conflict { entity, value } => Self::Conflict(format!("a {entity} {value:?} already exists")),
            other => Self::Storage(other),
        }
    }
}
