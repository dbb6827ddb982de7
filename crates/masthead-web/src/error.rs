//! Errors of the public site. They turn into a status and a marker; the `themed_errors`
//! middleware renders the theme's error page for them, so every handler stays a plain function.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// How long clients are told to wait before trying again when the database is unreachable.
pub const RETRY_AFTER_SECONDS: u32 = 30;

#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error("not found")]
    NotFound,
    /// The request cannot be answered as asked; the message says why (shown as plain text).
    #[error("bad request: {0}")]
    BadRequest(String),
    /// The database cannot be reached right now: a 503 with `Retry-After`, and an error page
    /// that needs no database.
    #[error("unavailable: {0}")]
    Unavailable(String),
    #[error("internal error: {0}")]
    Internal(String),
}

/// Tells the error-page middleware to render a themed page for this status.
#[derive(Clone, Copy, Debug)]
pub struct ErrorPage;

/// Whether an error means that the database cannot be reached right now (the request may work
/// in a moment), as opposed to a fault that needs looking at.
pub trait Outage {
    fn is_outage(&self) -> bool;
}

impl Outage for masthead_storage::StorageError {
    fn is_outage(&self) -> bool {
        self.is_unavailable()
    }
}

impl Outage for masthead_app::AppError {
    fn is_outage(&self) -> bool {
        self.is_unavailable()
    }
}

impl Outage for &str {
    fn is_outage(&self) -> bool {
        false
    }
}

/// The answer to any request that failed because the database cannot be reached: 503, try again
/// in [`RETRY_AFTER_SECONDS`], stored by no cache; `themed_errors` gives it the outage page.
pub fn unavailable(error: &dyn std::fmt::Display) -> Response {
    // A warning, not an error: nothing is wrong with the request or the code, and the log of
    // an outage would otherwise be one error per request.
    tracing::warn!(%error, "database unavailable");
    let mut response = (
        StatusCode::SERVICE_UNAVAILABLE,
        [
            (header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECONDS)),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
    )
        .into_response();
    response.extensions_mut().insert(ErrorPage);
    response
}

impl From<masthead_storage::StorageError> for WebError {
    fn from(e: masthead_storage::StorageError) -> Self {
        if e.is_unavailable() { Self::Unavailable(e.to_string()) } else { Self::Internal(e.to_string()) }
    }
}

impl From<masthead_render::ThemeError> for WebError {
    fn from(e: masthead_render::ThemeError) -> Self {
        Self::Internal(e.to_string())
    }
}

impl From<masthead_app::AppError> for WebError {
    fn from(e: masthead_app::AppError) -> Self {
        match e {
            masthead_app::AppError::NotFound(_) => Self::NotFound,
            other if other.is_unavailable() => Self::Unavailable(other.to_string()),
            other => Self::Internal(other.to_string()),
        }
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let status = match &self {
            WebError::NotFound => StatusCode::NOT_FOUND,
            WebError::Unavailable(message) => return unavailable(message),
            WebError::BadRequest(message) => {
                return (
                    StatusCode::BAD_REQUEST,
                    [(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"))],
                    message.clone(),
                )
                    .into_response();
            }
            WebError::Internal(message) => {
                // Logged here, never shown: internal details stay out of responses.
                tracing::error!(error = %message, "request failed");
                StatusCode::INTERNAL_SERVER_ERROR
            }
        };
        let mut response = status.into_response();
        response.extensions_mut().insert(ErrorPage);
        response
    }
}
