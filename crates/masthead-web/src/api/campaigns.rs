//! Membership goal campaigns on the Content API (`/campaigns/`), in Ghost's style: browse with
//! `meta.pagination`, read by id. Only open campaigns are public (switched on, started, not
//! ended, and not a reached goal set to hide); their counts are the ones the site keeps.

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use masthead_app::newsroom::campaigns::campaign_json;
use masthead_core::{Campaign, ObjectId};
use masthead_storage::{PageRequest, Paginated};
use serde_json::{Value, json};

use crate::AppState;
use crate::api::{ApiError, Query, json_response};

const RESOURCE: &str = "campaigns";

/// Counts change when members join: caches may keep an answer a few seconds.
const CONTENT_CACHE: &str = "public, max-age=5";

fn page_request(query: &Query) -> Result<PageRequest, ApiError> {
    let number = |name: &str, default: u32, max: u32| -> Result<u32, ApiError> {
        match query.one(name)? {
            None => Ok(default),
            Some(raw) => raw.parse::<u32>().ok().filter(|n| (1..=max).contains(n)).ok_or_else(|| {
                ApiError::validation(format!("Validation error, cannot read {RESOURCE}."))
                    .with_context(format!("{name} must be a whole number from 1 to {max}, not {raw:?}."))
                    .with_property(name)
            }),
        }
    };
    Ok(PageRequest::new(number("page", 1, u32::MAX)?, number("limit", 15, 100)?))
}

/// The campaigns readers may see now, newest start first.
async fn open_campaigns(state: &AppState) -> Result<Vec<Campaign>, ApiError> {
    let now = masthead_core::now();
    Ok(state.newsroom.db().running_campaigns(now).await?.into_iter().filter(|c| c.is_shown(now)).collect())
}

/// `GET /ghost/api/content/campaigns/`.
pub async fn browse(State(state): State<AppState>, headers: HeaderMap, query: Query) -> Response {
    let result = async {
        let request = page_request(&query)?;
        let open = open_campaigns(&state).await?;
        let total = open.len() as u64;
        let start = usize::try_from(request.offset()).unwrap_or(usize::MAX).min(open.len());
        let items: Vec<Value> = open.iter().skip(start).take(request.limit as usize).map(campaign_json).collect();
        let page = Paginated::new(items, request, total);
        Ok::<_, ApiError>(json!({
            RESOURCE: page.items,
            "meta": { "pagination": {
                "page": page.page, "limit": page.limit, "pages": page.pages,
                "total": page.total, "next": page.next, "prev": page.prev,
            }}
        }))
    }
    .await;
    match result {
        Ok(body) => json_response(&headers, &body, CONTENT_CACHE),
        Err(error) => error.into_response(),
    }
}

/// `GET /ghost/api/content/campaigns/{id}/`: an open campaign; any other is not found.
pub async fn read(State(state): State<AppState>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let result = async {
        let not_found = || ApiError::not_found("Campaign");
        let id = ObjectId::parse(&id).map_err(|_| not_found())?;
        let campaign = open_campaigns(&state).await?.into_iter().find(|c| c.id == id.as_str()).ok_or_else(not_found)?;
        Ok::<_, ApiError>(json!({ RESOURCE: [campaign_json(&campaign)] }))
    }
    .await;
    match result {
        Ok(body) => json_response(&headers, &body, CONTENT_CACHE),
        Err(error) => error.into_response(),
    }
}
