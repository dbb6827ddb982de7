//! Newsletters (`/newsletters/`): browse, read, add, edit (archiving is an edit of `status`).

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use masthead_app::mail::newsletters::NewsletterInput;
use masthead_core::{Newsletter, ObjectId};
use masthead_storage::Resource;
use serde::Deserialize;
use serde_json::{Value, json};

use super::fields::Field;
use super::{AdminCaller, body, created, list, ok, shape};
use crate::AppState;
use crate::api::{ApiError, BrowseParams, Query, browse_body};
use masthead_app::ghost::api_json as output;

/// A newsletter as clients send it.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct NewsletterFields {
    name: Field<String>,
    slug: Field<String>,
    description: Field<String>,
    sender_name: Field<String>,
    sender_email: Field<String>,
    sender_reply_to: Field<String>,
    host_name: Field<String>,
    status: Field<String>,
    subscribe_on_signup: Field<bool>,
    sort_order: Field<i32>,
}

impl NewsletterFields {
    /// The whole newsletter after this change: what was sent, else what `existing` has.
    fn into_input(self, existing: Option<&Newsletter>) -> Result<NewsletterInput, ApiError> {
        let pick = |field: Field<String>, current: Option<&str>| match field.update() {
            Some(value) => value,
            None => current.map(str::to_owned),
        };
        let status = pick(self.status, existing.map(|n| n.status.as_str())).unwrap_or_else(|| "active".into());
        let archived = match status.as_str() {
            "active" => false,
            "archived" => true,
            other => {
                return Err(ApiError::validation(format!(
                    "Validation failed for status: {other:?} is not active or archived."
                ))
                .with_property("status"));
            }
        };
        Ok(NewsletterInput {
            name: pick(self.name, existing.map(|n| n.name.as_str())).unwrap_or_default(),
            slug: pick(self.slug, existing.map(|n| n.slug.as_str())),
            description: pick(self.description, existing.and_then(|n| n.description.as_deref())),
            sender_name: pick(self.sender_name, existing.and_then(|n| n.sender_name.as_deref())),
            sender_email: pick(self.sender_email, existing.and_then(|n| n.sender_email.as_deref())),
            sender_reply_to: pick(self.sender_reply_to, existing.and_then(|n| n.sender_reply_to.as_deref())),
            host_name: pick(self.host_name, existing.and_then(|n| n.host_name.as_deref())),
            archived,
            subscribe_on_signup: self
                .subscribe_on_signup
                .value()
                .unwrap_or(existing.is_none_or(|n| n.subscribe_on_signup)),
            sort_order: self.sort_order.value().unwrap_or(existing.map_or(0, |n| n.sort_order)),
        })
    }
}

fn one(state: &AppState, newsletter: &Newsletter) -> Result<Value, ApiError> {
    let params = BrowseParams::parse(&Query::default(), &[], &[])?;
    let shape = shape(state, &params);
    Ok(json!({ "newsletters": [output::newsletter(&shape, newsletter)] }))
}

async fn by_id(state: &AppState, id: &str) -> Result<Newsletter, ApiError> {
    let id = ObjectId::parse(id).map_err(|_| ApiError::not_found("Newsletter"))?;
    state.newsroom.db().newsletter_by_id(&id).await?.ok_or_else(|| ApiError::not_found("Newsletter"))
}

pub async fn browse_newsletters(
    State(state): State<AppState>,
    _caller: AdminCaller,
    headers: HeaderMap,
    query: Query,
) -> Response {
    let result = async {
        let params = BrowseParams::parse(&query, &["count.posts", "count.members", "count.active_members"], &[])?;
        let page = list(&state, Resource::Newsletters, &params, params.filter.as_ref()).await?;
        let all = state.newsroom.db().newsletters(true).await?;
        let counts = if params.includes("count.posts") || params.includes("count.members") {
            Some(state.newsroom.db().newsletter_counts().await?)
        } else {
            None
        };
        let shape = shape(&state, &params);
        let items = page
            .items
            .iter()
            .filter_map(|id| all.iter().find(|n| n.id.as_str() == id))
            .map(|n| {
                let mut value = output::newsletter(&shape, n);
                if let (Some(counts), Value::Object(map)) = (&counts, &mut value) {
                    let (posts, members) = counts.get(n.id.as_str()).copied().unwrap_or((0, 0));
                    map.insert("count".into(), output::newsletter_count(&shape, posts, members));
                }
                shape.select(value)
            })
            .collect();
        Ok(browse_body("newsletters", items, &page))
    }
    .await;
    ok(&headers, result)
}

pub async fn read_newsletter(
    State(state): State<AppState>,
    _caller: AdminCaller,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let result = async { one(&state, &by_id(&state, &id).await?) }.await;
    ok(&headers, result)
}

pub async fn add_newsletter(State(state): State<AppState>, caller: AdminCaller, bytes: Bytes) -> Response {
    let result = async {
        let fields: NewsletterFields = body(&bytes, "newsletters")?;
        let newsletter = state.newsroom.save_newsletter(&caller.actor, None, &fields.into_input(None)?).await?;
        one(&state, &newsletter)
    }
    .await;
    created(result)
}

pub async fn edit_newsletter(
    State(state): State<AppState>,
    caller: AdminCaller,
    headers: HeaderMap,
    Path(id): Path<String>,
    bytes: Bytes,
) -> Response {
    let result = async {
        let existing = by_id(&state, &id).await?;
        let fields: NewsletterFields = body(&bytes, "newsletters")?;
        let input = fields.into_input(Some(&existing))?;
        let newsletter = state.newsroom.save_newsletter(&caller.actor, Some(&existing.id), &input).await?;
        one(&state, &newsletter)
    }
    .await;
    ok(&headers, result)
}
