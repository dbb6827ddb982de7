//! Staff (`/users/`): browse, read by id (or `me`), slug or email. Staff are managed in the
//! newsroom, not through the API.

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use masthead_core::{ObjectId, StaffUser};
use masthead_storage::Resource;
use serde_json::{Value, json};
use std::collections::HashMap;

use super::{AdminCaller, list, ok, shape};
use crate::AppState;
use crate::api::{ApiError, BrowseParams, Query, browse_body};
use masthead_app::ghost::api_json as output;

const INCLUDES: &[&str] = &["count.posts", "roles"];

pub async fn browse_users(
    State(state): State<AppState>,
    _caller: AdminCaller,
    headers: HeaderMap,
    query: Query,
) -> Response {
    let result = async {
        let params = BrowseParams::parse(&query, INCLUDES, &[])?;
        let page = list(&state, Resource::Authors, &params, params.filter.as_ref()).await?;
        let users = state.newsroom.db().users_by_ids(&page.items).await?;
        let counts = post_counts(&state, &params, &users).await?;
        let shape = shape(&state, &params);
        let items = users.iter().map(|u| shape.select(output::author(&shape, u, count_of(&counts, u)))).collect();
        Ok(browse_body("users", items, &page))
    }
    .await;
    ok(&headers, result)
}

async fn one(state: &AppState, query: &Query, user: Option<StaffUser>) -> Result<Value, ApiError> {
    let params = BrowseParams::parse(query, INCLUDES, &[])?;
    let user = user.ok_or_else(|| ApiError::not_found("User"))?;
    let counts = post_counts(state, &params, std::slice::from_ref(&user)).await?;
    let shape = shape(state, &params);
    Ok(json!({ "users": [shape.select(output::author(&shape, &user, count_of(&counts, &user)))] }))
}

/// With `include=count.posts`, how many posts and pages (in any state) each user is an author
/// of, as Ghost's Admin API counts them.
async fn post_counts(
    state: &AppState,
    params: &BrowseParams,
    users: &[StaffUser],
) -> Result<Option<HashMap<String, i64>>, ApiError> {
    if !params.includes("count.posts") {
        return Ok(None);
    }
    let ids: Vec<String> = users.iter().map(|u| u.id.as_str().to_owned()).collect();
    Ok(Some(state.newsroom.db().all_post_counts_by_author(&ids).await?))
}

fn count_of(counts: &Option<HashMap<String, i64>>, user: &StaffUser) -> Option<i64> {
    counts.as_ref().map(|c| c.get(user.id.as_str()).copied().unwrap_or(0))
}

pub async fn read_user(
    State(state): State<AppState>,
    caller: AdminCaller,
    headers: HeaderMap,
    query: Query,
    Path(id): Path<String>,
) -> Response {
    let result = async {
        // An integration is nobody: its `me` is not found, as in Ghost.
        let id = match id.as_str() {
            "me" if caller.integration.is_some() => None,
            "me" => Some(caller.actor.user_id.clone()),
            _ => ObjectId::parse(&id).ok(),
        };
        let user = match id {
            Some(id) => state.newsroom.db().user_by_id(&id).await?,
            None => None,
        };
        one(&state, &query, user).await
    }
    .await;
    ok(&headers, result)
}

pub async fn read_user_by_slug(
    State(state): State<AppState>,
    _caller: AdminCaller,
    headers: HeaderMap,
    query: Query,
    Path(slug): Path<String>,
) -> Response {
    let result = async { one(&state, &query, state.newsroom.db().user_by_slug(&slug).await?).await }.await;
    ok(&headers, result)
}

pub async fn read_user_by_email(
    State(state): State<AppState>,
    _caller: AdminCaller,
    headers: HeaderMap,
    query: Query,
    Path(email): Path<String>,
) -> Response {
    let result =
        async { one(&state, &query, state.newsroom.db().user_by_email(&email.trim().to_lowercase()).await?).await }
            .await;
    ok(&headers, result)
}

/// Masthead's staff roles as Ghost names and describes them, with ids that never change.
const ROLES: &[(&str, &str, &str)] = &[
    ("6a0000000000000000000001", "Administrator", "Administrators"),
    ("6a0000000000000000000002", "Editor", "Editors"),
    ("6a0000000000000000000003", "Author", "Authors"),
    ("6a0000000000000000000004", "Contributor", "Contributors"),
    ("6a0000000000000000000005", "Owner", "Blog Owner"),
];

/// When the roles came with Masthead: they are built in, not created by a site.
const ROLES_CREATED_AT: &str = "2025-01-01T00:00:00.000Z";

/// `GET /roles/`: the staff roles; `?permissions=assign` lists those a role can be changed to
/// (every one but Owner, which is handed over, not assigned).
pub async fn browse_roles(_caller: AdminCaller, headers: HeaderMap, query: Query) -> Response {
    let assignable = query.0.iter().any(|(k, v)| k == "permissions" && v == "assign");
    let roles: Vec<Value> = ROLES
        .iter()
        .filter(|(_, name, _)| !(assignable && *name == "Owner"))
        .map(|(id, name, description)| {
            json!({
                "id": id,
                "name": name,
                "description": description,
                "created_at": ROLES_CREATED_AT,
                "updated_at": ROLES_CREATED_AT,
            })
        })
        .collect();
    ok(&headers, Ok(json!({ "roles": roles })))
}
