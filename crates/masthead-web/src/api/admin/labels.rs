//! Members' labels (`/labels/`): browse and read, by id or slug. Labels are made by giving
//! them to members (the members screens, the Admin API's members, the CSV import).

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use masthead_core::{Label, Permission};
use masthead_storage::Resource;
use serde_json::json;

use super::{AdminCaller, list, ok, require, shape};
use crate::AppState;
use crate::api::{ApiError, BrowseParams, Query, browse_body};
use masthead_app::ghost::api_json as output;

/// Ghost's 404 for a label: "cannot read label".
fn label_not_found() -> ApiError {
    let mut error = ApiError::not_found("Label");
    error.message = "Resource not found error, cannot read label.".into();
    error
}

pub async fn browse_labels(
    State(state): State<AppState>,
    caller: AdminCaller,
    headers: HeaderMap,
    query: Query,
) -> Response {
    let result = async {
        require(&caller.actor, Permission::ManageMembers, "browse labels")?;
        let params = BrowseParams::parse(&query, &[], &[])?;
        let page = list(&state, Resource::Labels, &params, params.filter.as_ref()).await?;
        let all = state.newsroom.db().labels().await?;
        let shape = shape(&state, &params);
        let items = page
            .items
            .iter()
            .filter_map(|id| all.iter().find(|l| l.id.as_str() == id))
            .map(|l| shape.select(output::label(l)))
            .collect();
        Ok(browse_body("labels", items, &page))
    }
    .await;
    ok(&headers, result)
}

async fn read(
    state: &AppState,
    caller: &AdminCaller,
    matches: impl Fn(&Label) -> bool,
) -> Result<serde_json::Value, ApiError> {
    require(&caller.actor, Permission::ManageMembers, "read labels")?;
    let label = state.newsroom.db().labels().await?.into_iter().find(|l| matches(l)).ok_or_else(label_not_found)?;
    Ok(json!({ "labels": [output::label(&label)] }))
}

pub async fn read_label(
    State(state): State<AppState>,
    caller: AdminCaller,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let result = read(&state, &caller, |l| l.id.as_str() == id).await;
    ok(&headers, result)
}

pub async fn read_label_by_slug(
    State(state): State<AppState>,
    caller: AdminCaller,
    headers: HeaderMap,
    Path(slug): Path<String>,
) -> Response {
    let result = read(&state, &caller, |l| l.slug == slug).await;
    ok(&headers, result)
}
