//! Tiers (`/tiers/`): the free tier, as the Content API shows it.

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use masthead_storage::Paginated;
use serde_json::{Value, json};

use super::{AdminCaller, ok};
use crate::AppState;
use crate::api::{ApiError, BrowseParams, Query, browse_body};

pub async fn browse_tiers(
    State(state): State<AppState>,
    _caller: AdminCaller,
    headers: HeaderMap,
    query: Query,
) -> Response {
    let result = async {
        let params = BrowseParams::parse(&query, &["monthly_price", "yearly_price", "benefits"], &[])?;
        let items = crate::api::content::tier_values(&state).await?;
        let page = Paginated::new(Vec::<String>::new(), params.page, items.len() as u64);
        Ok(browse_body("tiers", items, &page))
    }
    .await;
    ok(&headers, result)
}

pub async fn read_tier(
    State(state): State<AppState>,
    _caller: AdminCaller,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let result = async {
        let tier = crate::api::content::tier_values(&state)
            .await?
            .into_iter()
            .find(|t| t.get("id").and_then(Value::as_str) == Some(id.as_str()))
            .ok_or_else(|| ApiError::not_found("Tier"))?;
        Ok(json!({ "tiers": [tier] }))
    }
    .await;
    ok(&headers, result)
}
