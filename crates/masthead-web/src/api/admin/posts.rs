//! Posts and pages (`/posts/`, `/pages/`): browse, read by id or slug, add, edit with Ghost's
//! update collision, delete. Saves go through the one save use case the editor uses.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use masthead_app::newsroom::authoring::{NewsletterRequest, StorySave};
use masthead_app::{PostBody, PostInput};
use masthead_core::{ObjectId, Permission, Post, PostStatus, PostType, Visibility};
use masthead_storage::Resource;
use serde::Deserialize;
use serde_json::json;

use super::fields::{Field, GhostTime, Reference};
use super::{AdminCaller, body, created, deleted, list, ok, shape};
use crate::AppState;
use crate::api::{ApiError, BrowseParams, Query, browse_body};
use masthead_app::ghost::api_json as output;

const INCLUDES: &[&str] = &[
    "authors",
    "authors.roles",
    "tags",
    "tiers",
    "email",
    "newsletter",
    "count.clicks",
    "count.signups",
    "count.paid_conversions",
];
const FORMATS: &[&str] = &["html", "plaintext", "lexical", "mobiledoc", "markdown"];

/// A post or page as clients send it. Every field is optional: a missing one keeps its value
/// (on edit) or takes the default (on add).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct PostFields {
    title: Field<String>,
    slug: Field<String>,
    markdown: Field<String>,
    html: Field<String>,
    lexical: Field<String>,
    mobiledoc: Field<String>,
    status: Field<String>,
    published_at: Field<GhostTime>,
    updated_at: Field<GhostTime>,
    featured: Field<bool>,
    visibility: Field<String>,
    custom_excerpt: Field<String>,
    feature_image: Field<String>,
    feature_image_alt: Field<String>,
    feature_image_caption: Field<String>,
    feature_image_credit: Field<String>,
    meta_title: Field<String>,
    meta_description: Field<String>,
    canonical_url: Field<String>,
    og_image: Field<String>,
    og_title: Field<String>,
    og_description: Field<String>,
    twitter_image: Field<String>,
    twitter_title: Field<String>,
    twitter_description: Field<String>,
    tags: Option<Vec<Reference>>,
    authors: Option<Vec<Reference>>,
    tiers: Option<Vec<Reference>>,
}

impl PostFields {
    /// Applies what was sent to `input`. `source_html` is Ghost's `?source=html`: without it an
    /// `html` body is ignored, as Ghost ignores it.
    async fn apply(self, state: &AppState, input: &mut PostInput, source_html: bool) -> Result<(), ApiError> {
        if let Some(title) = self.title.update() {
            input.title = title.unwrap_or_default();
        }
        if let Some(slug) = self.slug.update() {
            input.slug = slug.filter(|s| !s.trim().is_empty());
        }
        if let Some(markdown) = self.markdown.value() {
            input.body = PostBody::Markdown(markdown);
        } else if let Some(html) = self.html.value() {
            if source_html {
                input.body = PostBody::Html(html);
            }
        } else if let Some(lexical) = self.lexical.value() {
            masthead_render::lexical::Document::parse(&lexical).map_err(|e| {
                ApiError::validation(format!("The lexical body could not be read: {e}")).with_property("lexical")
            })?;
            input.body = PostBody::Lexical(lexical);
        } else if let Some(mobiledoc) = self.mobiledoc.value() {
            let rendered = masthead_app::ghost::body::mobiledoc_to_html(&mobiledoc).map_err(|e| {
                ApiError::validation(format!("The mobiledoc body could not be read: {e}")).with_property("mobiledoc")
            })?;
            input.body = PostBody::Html(rendered.html);
        }
        if let Some(status) = self.status.update() {
            let status = status.unwrap_or_default();
            input.status = PostStatus::parse(&status).ok_or_else(|| {
                ApiError::validation(format!(
                    "Validation failed for status: {status:?} is not draft, published, scheduled or sent."
                ))
                .with_property("status")
            })?;
        }
        if let Some(at) = self.published_at.update() {
            input.published_at = at.map(|t| t.0);
        }
        if let Some(featured) = self.featured.value() {
            input.featured = featured;
        }
        if let Some(visibility) = self.visibility.update() {
            let visibility = visibility.unwrap_or_else(|| "public".into());
            input.visibility = Visibility::parse(&visibility).ok_or_else(|| {
                ApiError::validation(format!(
                    "Validation failed for visibility: {visibility:?} is not public, members, paid or tiers."
                ))
                .with_property("visibility")
            })?;
        }
        self.custom_excerpt.apply(&mut input.custom_excerpt);
        self.feature_image.apply(&mut input.feature_image);
        self.feature_image_alt.apply(&mut input.feature_image_alt);
        self.feature_image_caption.apply(&mut input.feature_image_caption);
        self.feature_image_credit.apply(&mut input.feature_image_credit);
        self.meta_title.apply(&mut input.meta_title);
        self.meta_description.apply(&mut input.meta_description);
        self.canonical_url.apply(&mut input.canonical_url);
        self.og_image.apply(&mut input.og_image);
        self.og_title.apply(&mut input.og_title);
        self.og_description.apply(&mut input.og_description);
        self.twitter_image.apply(&mut input.twitter_image);
        self.twitter_title.apply(&mut input.twitter_title);
        self.twitter_description.apply(&mut input.twitter_description);
        if let Some(tags) = &self.tags {
            input.tags = tag_names(state, tags).await?;
        }
        if let Some(authors) = &self.authors {
            input.author_ids = author_ids(state, authors).await?;
        }
        if let Some(tiers) = &self.tiers {
            input.tiers = tier_ids(state, tiers).await?;
        }
        Ok(())
    }
}

/// Ghost accepts tiers as `{id}` or `{slug}`; each must exist.
async fn tier_ids(state: &AppState, tiers: &[Reference]) -> Result<Vec<ObjectId>, ApiError> {
    let db = state.newsroom.db();
    let mut ids = Vec::new();
    for reference in tiers {
        let tier = match (reference.id(), reference.slug()) {
            (Some(id), _) => db.tier(id).await?,
            (None, Some(slug)) => db.tier_by_slug(slug).await?,
            (None, None) => None,
        };
        let tier = tier.ok_or_else(|| {
            ApiError::validation(format!("Validation failed for tiers: no tier matches {reference}."))
                .with_property("tiers")
        })?;
        if !ids.contains(&tier.id) {
            ids.push(tier.id);
        }
    }
    Ok(ids)
}

/// Ghost accepts tags as names, `{name}`, `{slug}` or `{id}`; unknown names become tags.
async fn tag_names(state: &AppState, tags: &[Reference]) -> Result<Vec<String>, ApiError> {
    let db = state.newsroom.db();
    let mut names = Vec::new();
    for tag in tags {
        let by_id = match tag.id().map(ObjectId::parse) {
            Some(Ok(id)) => db.tag_by_id(&id).await?,
            _ => None,
        };
        let by_slug = match (&by_id, tag.slug()) {
            (None, Some(slug)) => db.tag_by_slug(slug).await?,
            _ => None,
        };
        let name = match by_id.or(by_slug) {
            Some(found) => found.name,
            None => tag.name().map(str::to_owned).ok_or_else(|| {
                ApiError::validation(
                    "Validation failed for tags: a tag with that id or slug does not exist, and no name was given \
                     to create it.",
                )
                .with_property("tags")
            })?,
        };
        if !names.contains(&name) {
            names.push(name);
        }
    }
    Ok(names)
}

/// Ghost accepts authors as `{id}`, `{email}` or `{slug}`; they must be staff.
async fn author_ids(state: &AppState, authors: &[Reference]) -> Result<Vec<ObjectId>, ApiError> {
    let db = state.newsroom.db();
    let mut ids = Vec::new();
    for author in authors {
        let user = if let Some(Ok(id)) = author.id().map(ObjectId::parse) {
            db.user_by_id(&id).await?
        } else if let Some(email) = author.email() {
            db.user_by_email(&email.trim().to_lowercase()).await?
        } else if let Some(slug) = author.slug() {
            db.user_by_slug(slug).await?
        } else {
            None
        };
        let user = user.ok_or_else(|| {
            ApiError::validation(format!("Validation failed for authors: no staff member matches {author}."))
                .with_property("authors")
        })?;
        if !ids.contains(&user.id) {
            ids.push(user.id);
        }
    }
    Ok(ids)
}

fn resource_of(post_type: PostType) -> &'static str {
    match post_type {
        PostType::Post => "posts",
        PostType::Page => "pages",
    }
}

fn missing(post_type: PostType) -> ApiError {
    ApiError::not_found(if post_type == PostType::Post { "Post" } else { "Page" })
}

async fn find(state: &AppState, post_type: PostType, id: &str) -> Result<Post, ApiError> {
    let id = ObjectId::parse(id).map_err(|_| missing(post_type))?;
    state.newsroom.db().post_by_id(&id).await?.filter(|p| p.post_type == post_type).ok_or_else(|| missing(post_type))
}

async fn find_by_slug(state: &AppState, post_type: PostType, slug: &str) -> Result<Post, ApiError> {
    state.newsroom.db().post_by_slug(post_type, slug).await?.ok_or_else(|| missing(post_type))
}

async fn browse(
    state: &AppState,
    caller: &AdminCaller,
    query: &Query,
    post_type: PostType,
) -> Result<serde_json::Value, ApiError> {
    let params = BrowseParams::parse(query, INCLUDES, FORMATS)?;
    // Contributors see only their own stories, as in the newsroom.
    let own_only = (!caller.actor.may(Permission::EditAnyPost))
        .then(|| masthead_core::nql::parse(&format!("authors.id:{}", caller.actor.user_id)).ok())
        .flatten();
    let combined = match (&params.filter, own_only) {
        (Some(f), Some(own)) => Some(masthead_core::nql::Filter::And(vec![f.clone(), own])),
        (Some(f), None) => Some(f.clone()),
        (None, own) => own,
    };
    let resource = if post_type == PostType::Post { Resource::Posts } else { Resource::Pages };
    let page = list(state, resource, &params, combined.as_ref()).await?;
    let posts = state.newsroom.db().posts_by_ids(&page.items).await?;
    let mut shape = shape(state, &params);
    shape.tiers = state.newsroom.db().tiers().await?;
    let mut items = Vec::with_capacity(posts.len());
    for post in &posts {
        items.push(shape.select(with_sending(state, &shape, post, output::post(&shape, post)).await?));
    }
    Ok(browse_body(resource_of(post_type), items, &page))
}

async fn read(
    state: &AppState,
    caller: &AdminCaller,
    query: &Query,
    post: &Post,
) -> Result<serde_json::Value, ApiError> {
    let params = BrowseParams::parse(query, INCLUDES, FORMATS)?;
    if !caller.actor.may(Permission::EditAnyPost) && !caller.actor.may_edit(post) && !post.is_live() {
        return Err(ApiError::no_permission("You do not have permission to read this story."));
    }
    let mut shape = shape(state, &params);
    shape.tiers = state.newsroom.db().tiers().await?;
    let value = with_sending(state, &shape, post, output::post(&shape, post)).await?;
    Ok(json!({ resource_of(post.post_type): [shape.select(value)] }))
}

/// A post's newsletter, its segment and its send, where the answer shows them (Ghost's
/// `newsletter`, `email_segment` and `email`): Masthead keeps them beside the post.
async fn with_sending(
    state: &AppState,
    shape: &output::Shape<'_>,
    post: &Post,
    mut value: serde_json::Value,
) -> Result<serde_json::Value, ApiError> {
    let serde_json::Value::Object(map) = &mut value else { return Ok(value) };
    if post.post_type != PostType::Post {
        return Ok(value);
    }
    let db = state.newsroom.db();
    if let Some((newsletter, segment)) = db.post_newsletter(&post.id).await? {
        if map.contains_key("email_segment") {
            map.insert("email_segment".into(), json!(segment.as_string()));
        }
        if map.contains_key("newsletter")
            && let Some(newsletter) = db.newsletter_by_id(&newsletter).await?
        {
            map.insert("newsletter".into(), output::newsletter(shape, &newsletter));
        }
    }
    if map.contains_key("email")
        && let Some(email) = db.email_for_post(&post.id).await?
    {
        let progress = db.email_progress(&email.id).await?;
        map.insert("email".into(), output::email(&email, &progress));
    }
    Ok(value)
}

fn newsletter_request(query: &Query) -> Result<NewsletterRequest, ApiError> {
    Ok(NewsletterRequest::from_ghost_query(query.one("newsletter")?, query.one("email_segment")?))
}

async fn saved(state: &AppState, query: &Query, post: &Post) -> Result<serde_json::Value, ApiError> {
    let params = BrowseParams::parse(query, INCLUDES, FORMATS)?;
    let mut shape = shape(state, &params);
    shape.tiers = state.newsroom.db().tiers().await?;
    Ok(json!({ resource_of(post.post_type): [with_sending(state, &shape, post, output::post(&shape, post)).await?] }))
}

async fn add(
    state: &AppState,
    caller: &AdminCaller,
    query: &Query,
    bytes: &Bytes,
    post_type: PostType,
) -> Result<serde_json::Value, ApiError> {
    let fields: PostFields = body(bytes, resource_of(post_type))?;
    let source_html = query.one("source")? == Some("html");
    let mut input = PostInput::new(post_type, "", PostBody::Markdown(String::new()), Vec::new());
    fields.apply(state, &mut input, source_html).await?;
    if input.title.trim().is_empty() {
        input.title = "(Untitled)".into();
    }
    let save = StorySave {
        existing: None,
        expected_updated_at: None,
        input,
        newsletter: newsletter_request(query)?,
        autosave: false,
    };
    let post = state.newsroom.save_post_as(&caller.actor, save).await?;
    saved(state, query, &post).await
}

async fn edit(
    state: &AppState,
    caller: &AdminCaller,
    query: &Query,
    bytes: &Bytes,
    post_type: PostType,
    id: &str,
) -> Result<serde_json::Value, ApiError> {
    let existing = find(state, post_type, id).await?;
    let mut fields: PostFields = body(bytes, resource_of(post_type))?;
    let expected = std::mem::take(&mut fields.updated_at).value().ok_or_else(|| {
        ApiError::validation("Validation failed for updated_at: send the updated_at of the version you edited.")
            .with_property("updated_at")
    })?;
    let source_html = query.one("source")? == Some("html");
    let mut input = PostInput::from_post(&existing);
    fields.apply(state, &mut input, source_html).await?;
    let save = StorySave {
        existing: Some(&existing),
        expected_updated_at: Some(expected.0),
        input,
        newsletter: newsletter_request(query)?,
        autosave: false,
    };
    let post = state.newsroom.save_post_as(&caller.actor, save).await?;
    saved(state, query, &post).await
}

async fn delete(state: &AppState, caller: &AdminCaller, post_type: PostType, id: &str) -> Result<(), ApiError> {
    let post = find(state, post_type, id).await?;
    state.newsroom.delete_post_as(&caller.actor, &post.id).await?;
    Ok(())
}

// ---- the routes: one set, for posts (`/posts/`) and for pages (`/pages/`) -------------------------

/// Which of the two resources a route serves.
pub trait Kind {
    const TYPE: PostType;
}

pub struct Posts;
pub struct Pages;

impl Kind for Posts {
    const TYPE: PostType = PostType::Post;
}

impl Kind for Pages {
    const TYPE: PostType = PostType::Page;
}

pub async fn browse_stories<K: Kind>(
    State(state): State<AppState>,
    caller: AdminCaller,
    headers: HeaderMap,
    query: Query,
) -> Response {
    ok(&headers, browse(&state, &caller, &query, K::TYPE).await)
}

pub async fn read_story<K: Kind>(
    State(state): State<AppState>,
    caller: AdminCaller,
    headers: HeaderMap,
    query: Query,
    Path(id): Path<String>,
) -> Response {
    let result = async { read(&state, &caller, &query, &find(&state, K::TYPE, &id).await?).await }.await;
    ok(&headers, result)
}

pub async fn read_story_by_slug<K: Kind>(
    State(state): State<AppState>,
    caller: AdminCaller,
    headers: HeaderMap,
    query: Query,
    Path(slug): Path<String>,
) -> Response {
    let result = async { read(&state, &caller, &query, &find_by_slug(&state, K::TYPE, &slug).await?).await }.await;
    ok(&headers, result)
}

pub async fn add_story<K: Kind>(
    State(state): State<AppState>,
    caller: AdminCaller,
    query: Query,
    bytes: Bytes,
) -> Response {
    created(add(&state, &caller, &query, &bytes, K::TYPE).await)
}

pub async fn edit_story<K: Kind>(
    State(state): State<AppState>,
    caller: AdminCaller,
    headers: HeaderMap,
    query: Query,
    Path(id): Path<String>,
    bytes: Bytes,
) -> Response {
    ok(&headers, edit(&state, &caller, &query, &bytes, K::TYPE, &id).await)
}

pub async fn delete_story<K: Kind>(
    State(state): State<AppState>,
    caller: AdminCaller,
    Path(id): Path<String>,
) -> Response {
    deleted(delete(&state, &caller, K::TYPE, &id).await)
}
