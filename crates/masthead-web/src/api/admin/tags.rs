//! Tags (`/tags/`): browse with post counts, read by id or slug, add, edit, delete.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use masthead_core::{ObjectId, Permission, Tag};
use masthead_storage::Resource;
use serde::Deserialize;
use serde_json::{Value, json};

use super::fields::Field;
use super::{AdminCaller, body, created, deleted, list, ok, require, shape};
use crate::AppState;
use crate::api::{ApiError, BrowseParams, Query, browse_body};
use masthead_app::ghost::api_json as output;
use masthead_app::newsroom::TagSocial;

const INCLUDES: &[&str] = &["count.posts"];

/// A tag as clients send it.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct TagFields {
    name: Field<String>,
    description: Field<String>,
    og_image: Field<String>,
    og_title: Field<String>,
    og_description: Field<String>,
    twitter_image: Field<String>,
    twitter_title: Field<String>,
    twitter_description: Field<String>,
    codeinjection_head: Field<String>,
    codeinjection_foot: Field<String>,
    canonical_url: Field<String>,
}

impl TagFields {
    /// The tag's social and SEO fields with what the body sends: a field left out stays as
    /// it is, `null` clears it.
    fn social(&mut self, tag: &Tag) -> TagSocial {
        let mut social = TagSocial::of(tag);
        std::mem::take(&mut self.og_image).apply(&mut social.og_image);
        std::mem::take(&mut self.og_title).apply(&mut social.og_title);
        std::mem::take(&mut self.og_description).apply(&mut social.og_description);
        std::mem::take(&mut self.twitter_image).apply(&mut social.twitter_image);
        std::mem::take(&mut self.twitter_title).apply(&mut social.twitter_title);
        std::mem::take(&mut self.twitter_description).apply(&mut social.twitter_description);
        std::mem::take(&mut self.codeinjection_head).apply(&mut social.codeinjection_head);
        std::mem::take(&mut self.codeinjection_foot).apply(&mut social.codeinjection_foot);
        std::mem::take(&mut self.canonical_url).apply(&mut social.canonical_url);
        social
    }
}

pub async fn browse_tags(
    State(state): State<AppState>,
    _caller: AdminCaller,
    headers: HeaderMap,
    query: Query,
) -> Response {
    let result = async {
        let params = BrowseParams::parse(&query, INCLUDES, &[])?;
        let page = list(&state, Resource::Tags, &params, params.filter.as_ref()).await?;
        let tags = state.newsroom.db().tags_by_ids(&page.items).await?;
        let counts = post_counts(&state, &params, &page.items).await?;
        let shape = shape(&state, &params);
        let items = tags
            .iter()
            .map(|t| {
                let count = counts.as_ref().map(|c| c.get(t.id.as_str()).copied().unwrap_or(0));
                shape.select(output::tag(&shape, t, count))
            })
            .collect();
        Ok(browse_body("tags", items, &page))
    }
    .await;
    ok(&headers, result)
}

async fn one(state: &AppState, query: &Query, tag: &Tag) -> Result<Value, ApiError> {
    let params = BrowseParams::parse(query, INCLUDES, &[])?;
    let counts = post_counts(state, &params, &[tag.id.as_str().to_owned()]).await?;
    let count = counts.map(|c| c.get(tag.id.as_str()).copied().unwrap_or(0));
    let shape = shape(state, &params);
    Ok(json!({ "tags": [shape.select(output::tag(&shape, tag, count))] }))
}

/// With `include=count.posts`, how many posts and pages (in any state) carry each tag, as
/// Ghost's Admin API counts them.
async fn post_counts(
    state: &AppState,
    params: &BrowseParams,
    ids: &[String],
) -> Result<Option<std::collections::HashMap<String, i64>>, ApiError> {
    if !params.includes("count.posts") {
        return Ok(None);
    }
    Ok(Some(state.newsroom.db().all_post_counts_by_tag(ids).await?))
}

async fn by_id(state: &AppState, id: &str) -> Result<Tag, ApiError> {
    let id = ObjectId::parse(id).map_err(|_| ApiError::not_found("Tag"))?;
    state.newsroom.db().tag_by_id(&id).await?.ok_or_else(|| ApiError::not_found("Tag"))
}

pub async fn read_tag(
    State(state): State<AppState>,
    _caller: AdminCaller,
    headers: HeaderMap,
    query: Query,
    Path(id): Path<String>,
) -> Response {
    let result = async { one(&state, &query, &by_id(&state, &id).await?).await }.await;
    ok(&headers, result)
}

pub async fn read_tag_by_slug(
    State(state): State<AppState>,
    _caller: AdminCaller,
    headers: HeaderMap,
    query: Query,
    Path(slug): Path<String>,
) -> Response {
    let result = async {
        let tag = state.newsroom.db().tag_by_slug(&slug).await?.ok_or_else(|| ApiError::not_found("Tag"))?;
        one(&state, &query, &tag).await
    }
    .await;
    ok(&headers, result)
}

pub async fn add_tag(State(state): State<AppState>, caller: AdminCaller, bytes: Bytes) -> Response {
    let result = async {
        require(&caller.actor, Permission::CreateTags, "create tags")?;
        let mut fields: TagFields = body(&bytes, "tags")?;
        let name = std::mem::take(&mut fields.name).value().filter(|n| !n.trim().is_empty()).ok_or_else(|| {
            ApiError::validation("Validation failed for name: a tag needs a name.").with_property("name")
        })?;
        let mut tag = state.newsroom.find_or_create_tag(&name).await?;
        let social = fields.social(&tag);
        let description = std::mem::take(&mut fields.description).value();
        if description.is_some() || social != TagSocial::of(&tag) {
            let description = description.or_else(|| tag.description.clone()).unwrap_or_default();
            tag = state.newsroom.edit_tag_with_social(&caller.actor, &tag.id, &tag.name, &description, social).await?;
        }
        one(&state, &Query::default(), &tag).await
    }
    .await;
    created(result)
}

pub async fn edit_tag(
    State(state): State<AppState>,
    caller: AdminCaller,
    headers: HeaderMap,
    Path(id): Path<String>,
    bytes: Bytes,
) -> Response {
    let result = async {
        let existing = by_id(&state, &id).await?;
        let mut fields: TagFields = body(&bytes, "tags")?;
        let social = fields.social(&existing);
        let name = fields.name.value().unwrap_or_else(|| existing.name.clone());
        let description = match fields.description.update() {
            Some(description) => description.unwrap_or_default(),
            None => existing.description.clone().unwrap_or_default(),
        };
        let tag = state.newsroom.edit_tag_with_social(&caller.actor, &existing.id, &name, &description, social).await?;
        one(&state, &Query::default(), &tag).await
    }
    .await;
    ok(&headers, result)
}

pub async fn delete_tag(State(state): State<AppState>, caller: AdminCaller, Path(id): Path<String>) -> Response {
    let result = async {
        let id = ObjectId::parse(&id).map_err(|_| ApiError::not_found("Tag"))?;
        state.newsroom.delete_tag(&caller.actor, &id).await?;
        Ok(())
    }
    .await;
    deleted(result)
}
