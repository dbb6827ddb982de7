//! Errors of the public site. They turn into a status and a marker; the `themed_errors`
//! middleware renders the theme's error page for them, so every handler stays a plain function.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error("not found")]
    NotFound,
    #[error("internal error: {0}")]
    Internal(String),
}

/// Tells the error-page middleware to render a themed page for this status.
#[derive(Clone, Copy, Debug)]
pub struct ErrorPage;

impl From<masthead_storage::StorageError> for WebError {
    fn from(e: masthead_storage::StorageError) -> Self {
        Self::Internal(e.to_string())
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
            other => Self::Internal(other.to_string()),
        }
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let status = match &self {
            WebError::NotFound => StatusCode::NOT_FOUND,
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
