//! The Admin API: everything staff can do, for integrations (`Authorization: Ghost <jwt>`
//! signed with an admin key) and for signed-in staff (the session cookie, same-origin writes).
//! One module per resource; each reads its request body into a typed struct ([`body`]), calls a
//! use case (which checks the caller's role with the same rules as the newsroom's screens) and
//! shapes the answer as Ghost does.

pub mod campaigns;
pub mod db;
pub mod feed_items;
mod fields;
pub mod images;
pub mod labels;
pub mod members;
pub mod newsletters;
pub mod posts;
pub mod settings;
pub mod tags;
pub mod tiers;
pub mod users;
pub mod webhooks;

use axum::body::Bytes;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderName, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use masthead_app::ghost::api_json::{Audience, Shape};
use masthead_core::{Actor, Permission, Role};
use masthead_storage::{Listing, Paginated, Resource, Scope};
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::{API_VERSION, ApiError, BrowseParams, CONTENT_VERSION, json_response};
use crate::AppState;

pub use fields::Field;

const CACHE_CONTROL: &str = "no-cache, private, no-store, must-revalidate, max-stale=0, post-check=0, pre-check=0";

/// Who is calling: an integration (acting with an administrator's rights, as Ghost's admin
/// integrations do, on behalf of the owner) or a signed-in staff member.
pub struct AdminCaller {
    pub actor: Actor,
    pub integration: Option<String>,
}

impl FromRequestParts<AppState> for AdminCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        use masthead_app::integrations::AdminAuthError;
        if let Some(value) = parts.headers.get(header::AUTHORIZATION) {
            let value = value.to_str().unwrap_or("");
            let (scheme, token) = value.split_once(' ').unwrap_or((value, ""));
            if !scheme.eq_ignore_ascii_case("ghost") || token.trim().is_empty() {
                let error = AdminAuthError::BadHeader;
                return Err(ApiError::unauthorized(error.to_string()).with_code(error.code()));
            }
            let key =
                state.newsroom.verify_admin_token(token.trim(), masthead_core::now()).await.map_err(|e| match e {
                    AdminAuthError::Unavailable => ApiError::unavailable(),
                    AdminAuthError::MissingKid => ApiError::bad_request(e.to_string()).with_code(e.code()),
                    _ => ApiError::unauthorized(e.to_string()).with_code(e.code()),
                })?;
            let Some(owner) = state.newsroom.db().owner().await? else {
                return Err(ApiError::no_permission("The newsroom has no owner yet; finish the setup first."));
            };
            return Ok(AdminCaller {
                actor: Actor { user_id: owner.id, role: Role::Administrator },
                integration: Some(key.integration_id),
            });
        }
        let staff = match crate::admin::staff_session(state, &parts.headers).await {
            Ok(staff) => staff,
            Err(error) if error.is_unavailable() => return Err(error.into()),
            Err(error) => {
                tracing::error!(%error, "reading a staff session failed");
                None
            }
        };
        let Some(staff) = staff else {
            return Err(ApiError::no_permission("Authorization failed").with_context(
                "Unable to determine the authenticated user or integration. Check that cookies are being passed \
                 through if using session authentication.",
            ));
        };
        // Session-authenticated writes must come from our own pages, as in the newsroom.
        if !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS)
            && !crate::admin::is_same_origin(state, &parts.headers)
        {
            return Err(ApiError::no_permission("Authorization failed")
                .with_context("Session-authenticated requests must be sent from this site (Origin check)."));
        }
        Ok(AdminCaller { actor: staff.actor, integration: None })
    }
}

fn shape<'a>(state: &'a AppState, params: &'a BrowseParams) -> Shape<'a> {
    super::shape(state, params, Audience::Admin)
}

fn ok(headers: &HeaderMap, result: Result<Value, ApiError>) -> Response {
    match result {
        Ok(body) => json_response(headers, &body, CACHE_CONTROL),
        Err(e) => e.into_response(),
    }
}

fn created(result: Result<Value, ApiError>) -> Response {
    match result {
        Ok(body) => {
            // Ghost's headers, ETag included; a creation is never a 304.
            let mut response = json_response(&HeaderMap::new(), &body, CACHE_CONTROL);
            *response.status_mut() = StatusCode::CREATED;
            response
        }
        Err(e) => e.into_response(),
    }
}

fn deleted(result: Result<(), ApiError>) -> Response {
    match result {
        Ok(()) => (
            StatusCode::NO_CONTENT,
            [(header::CACHE_CONTROL, CACHE_CONTROL), (HeaderName::from_static(CONTENT_VERSION), API_VERSION)],
        )
            .into_response(),
        Err(e) => e.into_response(),
    }
}

fn require(actor: &Actor, permission: Permission, what: &str) -> Result<(), ApiError> {
    if actor.may(permission) {
        Ok(())
    } else {
        Err(ApiError::no_permission(format!("You do not have permission to {what}.")))
    }
}

/// One page of ids of a resource, as staff see it.
async fn list(
    state: &AppState,
    resource: Resource,
    params: &BrowseParams,
    filter: Option<&masthead_core::nql::Filter>,
) -> Result<Paginated<String>, ApiError> {
    let listing = Listing {
        resource,
        scope: Scope::Staff,
        filter,
        order: params.order.as_deref(),
        page: params.page,
        now: masthead_core::now(),
    };
    state.newsroom.db().list_ids(&listing).await.map_err(|e| params.refused(e))
}

/// The one object of a `{resource: [object]}` request body, read into `T`. A field of the wrong
/// type is named in Ghost's `property`; fields `T` does not know (clients send back whole
/// objects, `url` and `excerpt` included) are ignored.
fn body<T: DeserializeOwned>(bytes: &Bytes, resource: &str) -> Result<T, ApiError> {
    let mut value: Value = serde_json::from_slice(bytes)
        .map_err(|e| ApiError::bad_request(format!("The request body is not valid JSON: {e}")))?;
    let object = match value.get_mut(resource).and_then(Value::as_array_mut) {
        Some(items) if items.len() == 1 && items[0].is_object() => items.remove(0),
        _ => {
            return Err(ApiError::validation(format!("Validation failed for {resource}."))
                .with_context(format!("The body must be {{\"{resource}\": [{{...}}]}} with exactly one object."))
                .with_property(resource));
        }
    };
    serde_path_to_error::deserialize(object).map_err(|error| {
        let property = error.path().iter().next().map(|segment| segment.to_string()).unwrap_or_default();
        let message = error.inner().to_string();
        let message = message.split(" at line ").next().unwrap_or(&message);
        ApiError::validation(format!("Validation failed for {property}: {message}.")).with_property(property)
    })
}

/// Any other path under either API: Ghost's error envelope, not the site's page. As Ghost, a
/// client that names its `Accept-Version` is told the endpoint is not in this version (406);
/// one that does not gets a plain 404. Ghost's Content API reads offers by id; Masthead has
/// none, so such a read is the 404 of an unknown offer.
pub async fn unknown(uri: axum::http::Uri, headers: axum::http::HeaderMap) -> Response {
    let offer = uri.path().strip_prefix("/ghost/api/content/offers/").and_then(|rest| rest.strip_suffix('/'));
    if offer.is_some_and(|id| !id.is_empty() && !id.contains('/')) {
        let mut error = ApiError::not_found("Offer");
        error.message = "Resource not found error, cannot read offer.".into();
        return error.into_response();
    }
    let Some(version) = headers.get("accept-version").and_then(|v| v.to_str().ok()) else {
        let mut error = ApiError::not_found("Resource");
        error.message = "Resource not found".into();
        error.context = None;
        return error.into_response();
    };
    ApiError::not_acceptable(version).into_response()
}
