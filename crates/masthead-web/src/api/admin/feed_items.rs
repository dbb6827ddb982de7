//! Live feed items (`/feed_items/`), in Ghost's style: browse with pagination, read, add, edit,
//! delete on the Admin API (so wire bots and integrations can post), browse and read on the
//! Content API.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use masthead_app::newsroom::feed::{FeedItemInput, feed_item_json};
use masthead_core::ObjectId;
use masthead_storage::{FeedItem, PageRequest, Paginated};
use serde::Deserialize;
use serde_json::{Value, json};

use super::fields::{Field, GhostTime};
use super::{AdminCaller, body, created, deleted, ok};
use crate::AppState;
use crate::api::{ApiError, Query, json_response};

const RESOURCE: &str = "feed_items";

/// A feed item as clients send it. `markdown` is the body (`body` is accepted too); the image
/// and its credit use Ghost's post field names.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ItemFields {
    headline: Field<String>,
    markdown: Field<String>,
    body: Field<String>,
    post_id: Field<String>,
    feature_image: Field<String>,
    feature_image_caption: Field<String>,
    key_event: Field<bool>,
    pinned: Field<bool>,
    /// For items posted late (a wire catching up); taken when an item is added.
    published_at: Field<GhostTime>,
}

impl ItemFields {
    /// The input for a new item, or for `existing` with these fields changed.
    fn input(self, existing: Option<&FeedItem>) -> FeedItemInput {
        let text = |field: Field<String>, old: Option<String>| match field.update() {
            Some(value) => value,
            None => old,
        };
        let markdown = match (self.markdown, self.body) {
            (Field::Absent, body) => body,
            (markdown, _) => markdown,
        };
        FeedItemInput {
            headline: self.headline.value().or_else(|| existing.map(|e| e.headline.clone())).unwrap_or_default(),
            body: text(markdown, existing.map(|e| e.body.clone())).unwrap_or_default(),
            post_id: text(self.post_id, existing.and_then(|e| e.post_id.clone())),
            image: text(self.feature_image, existing.and_then(|e| e.image.clone())),
            image_credit: text(self.feature_image_caption, existing.and_then(|e| e.image_credit.clone())),
            key_event: self.key_event.value().or(existing.map(|e| e.key_event)).unwrap_or(false),
            pinned: self.pinned.value().or(existing.map(|e| e.pinned)).unwrap_or(false),
            published_at: self.published_at.value().map(|t| t.0),
        }
    }
}

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

fn browse_body(state: &AppState, page: &Paginated<FeedItem>) -> Value {
    let items: Vec<Value> = page.items.iter().map(|item| feed_item_json(&state.site_url, item)).collect();
    json!({
        RESOURCE: items,
        "meta": { "pagination": {
            "page": page.page, "limit": page.limit, "pages": page.pages,
            "total": page.total, "next": page.next, "prev": page.prev,
        }}
    })
}

async fn by_id(state: &AppState, id: &str) -> Result<FeedItem, ApiError> {
    let id = ObjectId::parse(id).map_err(|_| ApiError::not_found("Feed item"))?;
    state
        .newsroom
        .db()
        .feed_item(&id)
        .await?
        .filter(|item| !item.is_deleted())
        .ok_or_else(|| ApiError::not_found("Feed item"))
}

fn one(state: &AppState, item: &FeedItem) -> Value {
    json!({ RESOURCE: [feed_item_json(&state.site_url, item)] })
}

pub async fn browse(State(state): State<AppState>, _caller: AdminCaller, headers: HeaderMap, query: Query) -> Response {
    let result = async {
        let page = state.newsroom.db().feed_items_paged(page_request(&query)?).await?;
        Ok(browse_body(&state, &page))
    }
    .await;
    ok(&headers, result)
}

pub async fn read(
    State(state): State<AppState>,
    _caller: AdminCaller,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let result = async { Ok(one(&state, &by_id(&state, &id).await?)) }.await;
    ok(&headers, result)
}

pub async fn add(State(state): State<AppState>, caller: AdminCaller, bytes: Bytes) -> Response {
    let result = async {
        let fields: ItemFields = body(&bytes, RESOURCE)?;
        let item = state.newsroom.post_feed_item(&caller.actor, fields.input(None)).await?;
        Ok(one(&state, &item))
    }
    .await;
    created(result)
}

pub async fn edit(
    State(state): State<AppState>,
    caller: AdminCaller,
    headers: HeaderMap,
    Path(id): Path<String>,
    bytes: Bytes,
) -> Response {
    let result = async {
        let existing = by_id(&state, &id).await?;
        let fields: ItemFields = body(&bytes, RESOURCE)?;
        let id = ObjectId::parse(&existing.id).map_err(|_| ApiError::not_found("Feed item"))?;
        let item = state.newsroom.edit_feed_item(&caller.actor, &id, fields.input(Some(&existing))).await?;
        Ok(one(&state, &item))
    }
    .await;
    ok(&headers, result)
}

pub async fn delete(State(state): State<AppState>, caller: AdminCaller, Path(id): Path<String>) -> Response {
    let result = async {
        let id = ObjectId::parse(&id).map_err(|_| ApiError::not_found("Feed item"))?;
        state.newsroom.delete_feed_item(&caller.actor, &id).await?;
        Ok(())
    }
    .await;
    deleted(result)
}

/// What the Content API may be kept for by caches: a few seconds, the feed is live.
const CONTENT_CACHE: &str = "public, max-age=5";

/// `GET /ghost/api/content/feed_items/`.
pub async fn content_browse(State(state): State<AppState>, headers: HeaderMap, query: Query) -> Response {
    let result = async {
        let page = state.newsroom.db().feed_items_paged(page_request(&query)?).await?;
        Ok::<_, ApiError>(browse_body(&state, &page))
    }
    .await;
    match result {
        Ok(body) => json_response(&headers, &body, CONTENT_CACHE),
        Err(error) => error.into_response(),
    }
}

/// `GET /ghost/api/content/feed_items/{id}/`.
pub async fn content_read(State(state): State<AppState>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    match by_id(&state, &id).await {
        Ok(item) => json_response(&headers, &one(&state, &item), CONTENT_CACHE),
        Err(error) => error.into_response(),
    }
}
