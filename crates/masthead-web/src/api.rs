//! Ghost's Content API (`/ghost/api/content/`) and Admin API (`/ghost/api/admin/`).
//!
//! The contract is Ghost's, so its official clients, front ends and scripts work unchanged:
//! `{resource: [...]}` envelopes, `meta.pagination` on every browse and never on a read, NQL
//! filters, Ghost's error envelope and types, its key formats and JWT auth. What is ours is
//! listed in `docs/API.md`.

pub mod admin;
pub mod campaigns;
pub mod content;
pub mod openapi;
mod params;

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

pub use params::{BrowseParams, Query};

pub use masthead_app::ghost::api_json::API_VERSION;

const ERROR_CACHE_CONTROL: &str =
    "no-cache, private, no-store, must-revalidate, max-stale=0, post-check=0, pre-check=0";

/// Ghost's Cache-Control on a Content API 404: its error policy without `private`.
pub const CONTENT_NOT_FOUND_CACHE_CONTROL: &str =
    "no-cache, max-age=0, no-store, must-revalidate, max-stale=0, post-check=0, pre-check=0";

/// The header naming the Ghost version that answered.
pub const CONTENT_VERSION: &str = "content-version";

const JSON_CONTENT_TYPE: &str = "application/json; charset=utf-8";

/// What an API answer varies by; a 304 names only `Accept-Version`, as Ghost's does.
const VARY: &str = "Accept-Version, Accept-Encoding";

/// An error in Ghost's envelope: `{errors: [{message, context, type, ...}]}`.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    /// Ghost's error class name (`NotFoundError`, `ValidationError`, ...).
    pub kind: &'static str,
    pub message: String,
    pub context: Option<String>,
    pub property: Option<String>,
    pub code: Option<&'static str>,
}

impl ApiError {
    fn new(status: StatusCode, kind: &'static str, message: impl Into<String>) -> Self {
        Self { status, kind, message: message.into(), context: None, property: None, code: None }
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "NotFoundError",
            format!("Resource not found error, cannot read {}.", what.to_lowercase()),
        )
        .with_context(format!("{what} not found."))
    }

    /// An endpoint this version does not have, asked for by a client that named its version.
    pub fn not_acceptable(accept_version: &str) -> Self {
        Self::new(
            StatusCode::NOT_ACCEPTABLE,
            "RequestNotAcceptableError",
            "Request could not be served, the endpoint was not found.",
        )
        .with_context(format!(
            "Provided client accept-version {accept_version} is behind current Ghost version {API_VERSION}."
        ))
        .with_code("UPDATE_CLIENT")
    }

    /// What the client can do about it (Ghost's `help`), where Ghost says.
    fn help(&self) -> Option<&'static str> {
        (self.kind == "RequestNotAcceptableError").then_some("Try upgrading your Ghost API client.")
    }

    /// A read by an id that is not one (`/posts/not-an-id/`, or `/posts/slug/` without a slug):
    /// Ghost's 422, not a 404.
    pub fn invalid_id(resource: &str) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "ValidationError",
            format!("Validation error, cannot read {resource}."),
        )
        .with_context("Validation (matches) failed for id undefined.id")
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "BadRequestError", message)
    }

    pub fn validation(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, "ValidationError", message)
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "UnauthorizedError", message)
    }

    pub fn no_permission(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "NoPermissionError", message)
    }

    pub fn collision() -> Self {
        Self::new(StatusCode::CONFLICT, "UpdateCollisionError", "Saving failed! Someone else is editing this post.")
    }

    pub fn too_many_requests(message: impl Into<String>) -> Self {
        Self::new(StatusCode::TOO_MANY_REQUESTS, "TooManyRequestsError", message)
    }

    /// The database cannot be reached right now: Ghost's `MaintenanceError` (503, what its own
    /// clients read as "try again in a moment"), with `Retry-After`.
    pub fn unavailable() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "MaintenanceError",
            "The server is temporarily unavailable, please try again in a moment.",
        )
    }

    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalServerError",
            "An unexpected error occurred, please try again.",
        )
    }

    pub fn with_context(mut self, context: impl Into<String>) -> Self {
        self.context = Some(context.into());
        self
    }

    pub fn with_property(mut self, property: impl Into<String>) -> Self {
        self.property = Some(property.into());
        self
    }

    pub fn with_code(mut self, code: &'static str) -> Self {
        self.code = Some(code);
        self
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({
            "errors": [{
                "message": self.message,
                "context": self.context,
                "type": self.kind,
                "details": Value::Null,
                "property": self.property,
                "help": self.help(),
                "code": self.code,
                // The request's id, which its log lines carry too.
                "id": crate::middleware::current_request_id()
                    .map_or_else(|| uuid::Uuid::new_v4().to_string(), |id| id.to_string()),
                "ghostErrorCode": Value::Null,
            }]
        });
        // Ghost's errors carry the headers its successes do, a weak `ETag` included.
        let bytes = serde_json::to_vec(&body).unwrap_or_default();
        let etag = etag(&bytes);
        let mut response = (self.status, [(header::CONTENT_TYPE, JSON_CONTENT_TYPE)], bytes).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(ERROR_CACHE_CONTROL));
        headers.insert(CONTENT_VERSION, HeaderValue::from_static(API_VERSION));
        headers.insert(header::VARY, HeaderValue::from_static(VARY));
        if let Ok(value) = HeaderValue::from_str(&etag) {
            headers.insert(header::ETAG, value);
        }
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(crate::error::RETRY_AFTER_SECONDS));
        }
        response
    }
}

impl From<masthead_app::AppError> for ApiError {
    fn from(error: masthead_app::AppError) -> Self {
        use masthead_app::AppError;
        match error {
            AppError::Invalid { field, message } => ApiError::validation(message).with_property(field),
            AppError::NotFound(what) => ApiError::not_found(&capitalise(what)),
            AppError::Forbidden(message) => ApiError::no_permission(message),
            AppError::Conflict(message) => ApiError::validation(message),
            AppError::EditCollision { .. } => ApiError::collision(),
            AppError::TooManyRequests(message) => ApiError::too_many_requests(message),
            AppError::Storage(masthead_storage::StorageError::Filter(error)) => {
                ApiError::bad_request(error.to_string()).with_context("The filter or order could not be used.")
            }
            other if other.is_unavailable() => {
                tracing::warn!(error = %other, "database unavailable");
                ApiError::unavailable()
            }
            other => {
                tracing::error!(error = %other, "API request failed");
                ApiError::internal()
            }
        }
    }
}

impl From<masthead_storage::StorageError> for ApiError {
    fn from(error: masthead_storage::StorageError) -> Self {
        masthead_app::AppError::from(error).into()
    }
}

fn capitalise(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A browse answer: the page of items under the resource's key, with Ghost's pagination.
fn browse_body(resource: &str, items: Vec<Value>, page: &masthead_storage::Paginated<String>) -> Value {
    json!({
        resource: items,
        "meta": { "pagination": {
            "page": page.page, "limit": page.limit, "pages": page.pages,
            "total": page.total, "next": page.next, "prev": page.prev,
        }}
    })
}

/// How resources are shown for one request on one API.
fn shape<'a>(
    state: &'a crate::AppState,
    params: &'a BrowseParams,
    audience: masthead_app::ghost::api_json::Audience,
) -> masthead_app::ghost::api_json::Shape<'a> {
    masthead_app::ghost::api_json::Shape {
        site_url: &state.site_url,
        audience,
        include: &params.include,
        formats: &params.formats,
        fields: &params.fields,
        // Only the Content API's posts and pages need it; their handlers set it.
        timezone: jiff::tz::TimeZone::UTC,
        // Only the Admin API's posts and pages show them; their handlers set them.
        tiers: Vec::new(),
    }
}

/// A JSON answer with the headers Ghost sends: `Content-Version`, `Vary`, a cache policy and a
/// weak `ETag`, as Express computes one (a matching `If-None-Match` gets 304).
pub fn json_response(request_headers: &HeaderMap, body: &Value, cache_control: &'static str) -> Response {
    let bytes = match serde_json::to_vec(body) {
        Ok(bytes) => bytes,
        Err(_) => return ApiError::internal().into_response(),
    };
    let etag = etag(&bytes);
    let not_modified = request_headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| if_none_match(v, &etag));
    let mut response = if not_modified {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        ([(header::CONTENT_TYPE, JSON_CONTENT_TYPE)], bytes).into_response()
    };
    let headers = response.headers_mut();
    headers.insert(CONTENT_VERSION, HeaderValue::from_static(API_VERSION));
    let vary = if not_modified { "Accept-Version" } else { VARY };
    headers.insert(header::VARY, HeaderValue::from_static(vary));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache_control));
    if let Ok(value) = HeaderValue::from_str(&etag) {
        headers.insert(header::ETAG, value);
    }
    response
}

/// A weak entity tag over a body (`W/"…"`): the same bytes, serialised the same way, but not a
/// promise of byte ranges, as Ghost's.
fn etag(bytes: &[u8]) -> String {
    format!("W/\"{:x}-{:016x}\"", bytes.len(), xxhash_rust::xxh3::xxh3_64(bytes))
}

/// Whether an `If-None-Match` value names `etag`, by RFC 9110's weak comparison (`W/` ignored
/// on either side), or is `*`.
fn if_none_match(value: &str, etag: &str) -> bool {
    let opaque = |tag: &str| tag.trim().trim_start_matches("W/").to_owned();
    let current = opaque(etag);
    value.split(',').any(|tag| tag.trim() == "*" || opaque(tag) == current)
}
