//! The Admin API: everything staff can do, for integrations (`Authorization: Ghost <jwt>`
//! signed with an admin key) and for signed-in staff (the session cookie, same-origin writes).
//! Every handler checks the caller's role through the same rules as the newsroom screens.

use axum::body::Bytes;
use axum::extract::{FromRequestParts, Multipart, Path, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use masthead_app::members::admin::MemberInput;
use masthead_app::newsroom::authoring::{NewsletterRequest, StorySave};
use masthead_app::{PostBody, PostInput};
use masthead_core::{Actor, MemberStatus, ObjectId, Permission, Post, PostStatus, PostType, Role, Visibility};
use masthead_storage::{Listing, Paginated, Resource, Scope};
use serde_json::{Map, Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::{ApiError, BrowseParams, Query, browse_body, json_response};
use crate::AppState;
use masthead_app::ghost::api_json::{self as output, Audience, Shape};

const CACHE_CONTROL: &str = "no-cache, private, no-store, must-revalidate, max-stale=0, post-check=0, pre-check=0";
const POST_INCLUDES: &[&str] = &["authors", "tags", "email", "newsletter", "count.clicks", "count.signups"];
const POST_FORMATS: &[&str] = &["html", "plaintext", "lexical", "mobiledoc", "markdown"];

/// Who is calling: an integration (acting with an administrator's rights, as Ghost's admin
/// integrations do, on behalf of the owner) or a signed-in staff member.
pub struct AdminCaller {
    pub actor: Actor,
    pub integration: Option<String>,
}

impl FromRequestParts<AppState> for AdminCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        if let Some(value) = parts.headers.get(header::AUTHORIZATION) {
            let value = value.to_str().unwrap_or("");
            let (scheme, token) = value.split_once(' ').unwrap_or((value, ""));
            if !scheme.eq_ignore_ascii_case("ghost") || token.trim().is_empty() {
                let error = masthead_app::integrations::AdminAuthError::BadHeader;
                return Err(ApiError::unauthorized(error.to_string()).with_code(error.code()));
            }
            let key = state.newsroom.verify_admin_token(token.trim(), masthead_core::now()).await.map_err(|e| {
                let api = match e {
                    masthead_app::integrations::AdminAuthError::MissingKid => ApiError::bad_request(e.to_string()),
                    _ => ApiError::unauthorized(e.to_string()),
                };
                api.with_code(e.code())
            })?;
            let owner = match state.newsroom.db().owner().await {
                Ok(Some(owner)) => owner,
                Ok(None) => {
                    return Err(ApiError::no_permission("The newsroom has no owner yet; finish the setup first."));
                }
                Err(e) => return Err(e.into()),
            };
            return Ok(AdminCaller {
                actor: Actor { user_id: owner.id, role: Role::Administrator },
                integration: Some(key.integration_id),
            });
        }
        let Some(staff) = crate::admin::current_staff(state, &parts.headers).await else {
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
        Ok(body) => (StatusCode::CREATED, [(header::CACHE_CONTROL, CACHE_CONTROL)], axum::Json(body)).into_response(),
        Err(e) => e.into_response(),
    }
}

fn deleted(result: Result<(), ApiError>) -> Response {
    match result {
        Ok(()) => (StatusCode::NO_CONTENT, [(header::CACHE_CONTROL, CACHE_CONTROL)]).into_response(),
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
    Ok(state.newsroom.db().list_ids(&listing).await?)
}

/// The one object of a `{resource: [object]}` request body.
fn single(body: &Bytes, resource: &str) -> Result<Map<String, Value>, ApiError> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_request(format!("The request body is not valid JSON: {e}")))?;
    match value.get(resource).and_then(Value::as_array).map(Vec::as_slice) {
        Some([Value::Object(object)]) => Ok(object.clone()),
        _ => Err(ApiError::validation(format!("Validation failed for {resource}."))
            .with_context(format!("The body must be {{\"{resource}\": [{{...}}]}} with exactly one object."))
            .with_property(resource)),
    }
}

/// Reads an optional text field: absent is `None`, `null` is `Some(None)`.
fn text(object: &Map<String, Value>, field: &'static str) -> Result<Option<Option<String>>, ApiError> {
    match object.get(field) {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(None)),
        Some(Value::String(s)) => Ok(Some(Some(s.clone()))),
        Some(_) => {
            Err(ApiError::validation(format!("Validation failed for {field}: it must be a string."))
                .with_property(field))
        }
    }
}

fn boolean(object: &Map<String, Value>, field: &'static str) -> Result<Option<bool>, ApiError> {
    match object.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(ApiError::validation(format!("Validation failed for {field}: it must be true or false."))
            .with_property(field)),
    }
}

fn time_field(object: &Map<String, Value>, field: &'static str) -> Result<Option<Option<OffsetDateTime>>, ApiError> {
    match text(object, field)? {
        None => Ok(None),
        Some(None) => Ok(Some(None)),
        Some(Some(s)) => OffsetDateTime::parse(&s, &Rfc3339).map(|t| Some(Some(t))).map_err(|_| {
            ApiError::validation(format!("Validation failed for {field}: {s:?} is not an ISO 8601 date and time."))
                .with_property(field)
        }),
    }
}

/// Applies the fields of a Ghost post object to `input`. Unknown fields (Ghost clients send
/// back whole objects, `url` and `excerpt` included) are ignored.
async fn apply_post_fields(
    state: &AppState,
    input: &mut PostInput,
    object: &Map<String, Value>,
    source_html: bool,
) -> Result<(), ApiError> {
    if let Some(title) = text(object, "title")? {
        input.title = title.unwrap_or_default();
    }
    if let Some(slug) = text(object, "slug")? {
        input.slug = slug.filter(|s| !s.trim().is_empty());
    }
    if let Some(Some(markdown)) = text(object, "markdown")? {
        input.body = PostBody::Markdown(markdown);
    } else if let Some(Some(html)) = text(object, "html")? {
        if source_html {
            input.body = PostBody::Html(html);
        }
    } else if let Some(Some(lexical)) = text(object, "lexical")? {
        input.body = PostBody::Html(lexical_to_html(&lexical)?);
    } else if let Some(Some(mobiledoc)) = text(object, "mobiledoc")? {
        input.body = PostBody::Html(mobiledoc_to_html(&mobiledoc)?);
    }
    if let Some(status) = text(object, "status")? {
        let status = status.unwrap_or_default();
        input.status = PostStatus::parse(&status).ok_or_else(|| {
            ApiError::validation(format!(
                "Validation failed for status: {status:?} is not draft, published, scheduled or sent."
            ))
            .with_property("status")
        })?;
    }
    if let Some(at) = time_field(object, "published_at")? {
        input.published_at = at;
    }
    if let Some(featured) = boolean(object, "featured")? {
        input.featured = featured;
    }
    if let Some(visibility) = text(object, "visibility")? {
        let visibility = visibility.unwrap_or_else(|| "public".into());
        input.visibility = Visibility::parse(&visibility).ok_or_else(|| {
            ApiError::validation(format!(
                "Validation failed for visibility: {visibility:?} is not public, members or paid."
            ))
            .with_property("visibility")
        })?;
    }
    let optional: [(&'static str, &mut Option<String>); 14] = [
        ("custom_excerpt", &mut input.custom_excerpt),
        ("feature_image", &mut input.feature_image),
        ("feature_image_alt", &mut input.feature_image_alt),
        ("feature_image_caption", &mut input.feature_image_caption),
        ("feature_image_credit", &mut input.feature_image_credit),
        ("meta_title", &mut input.meta_title),
        ("meta_description", &mut input.meta_description),
        ("canonical_url", &mut input.canonical_url),
        ("og_image", &mut input.og_image),
        ("og_title", &mut input.og_title),
        ("og_description", &mut input.og_description),
        ("twitter_image", &mut input.twitter_image),
        ("twitter_title", &mut input.twitter_title),
        ("twitter_description", &mut input.twitter_description),
    ];
    for (field, slot) in optional {
        if let Some(value) = text(object, field)? {
            *slot = value;
        }
    }
    if let Some(tags) = object.get("tags") {
        input.tags = tag_names(state, tags).await?;
    }
    if let Some(authors) = object.get("authors") {
        input.author_ids = author_ids(state, authors).await?;
    }
    Ok(())
}

/// Lexical (Ghost's editor format) arrives from clients that copy posts between sites; it is
/// rendered to HTML here and sanitised like every other body.
fn lexical_to_html(lexical: &str) -> Result<String, ApiError> {
    masthead_app::ghost::body::lexical_to_html(lexical)
        .map(|rendered| rendered.html)
        .map_err(|e| ApiError::validation(format!("The lexical body could not be read: {e}")).with_property("lexical"))
}

fn mobiledoc_to_html(mobiledoc: &str) -> Result<String, ApiError> {
    masthead_app::ghost::body::mobiledoc_to_html(mobiledoc).map(|rendered| rendered.html).map_err(|e| {
        ApiError::validation(format!("The mobiledoc body could not be read: {e}")).with_property("mobiledoc")
    })
}

/// Ghost accepts tags as names, `{name}`, `{slug}` or `{id}`; unknown names become tags.
async fn tag_names(state: &AppState, value: &Value) -> Result<Vec<String>, ApiError> {
    let bad = || {
        ApiError::validation("Validation failed for tags: each tag is a name or an object with id, slug or name.")
            .with_property("tags")
    };
    let Value::Array(items) = value else { return Err(bad()) };
    let mut names = Vec::new();
    for item in items {
        let name = match item {
            Value::String(name) => name.clone(),
            Value::Object(tag) => {
                let by_id = match tag.get("id").and_then(Value::as_str).map(ObjectId::parse) {
                    Some(Ok(id)) => state.newsroom.db().tag_by_id(&id).await?,
                    _ => None,
                };
                let by_slug = match (&by_id, tag.get("slug").and_then(Value::as_str)) {
                    (None, Some(slug)) => state.newsroom.db().tag_by_slug(slug).await?,
                    _ => None,
                };
                match by_id.or(by_slug) {
                    Some(found) => found.name,
                    None => tag.get("name").and_then(Value::as_str).map(str::to_owned).ok_or_else(|| {
                        ApiError::validation("Validation failed for tags: a tag with that id or slug does not exist, and no name was given to create it.")
                            .with_property("tags")
                    })?,
                }
            }
            _ => return Err(bad()),
        };
        if !names.contains(&name) {
            names.push(name);
        }
    }
    Ok(names)
}

/// Ghost accepts authors as `{id}`, `{email}` or `{slug}`; they must be staff.
async fn author_ids(state: &AppState, value: &Value) -> Result<Vec<ObjectId>, ApiError> {
    let Value::Array(items) = value else {
        return Err(ApiError::validation("Validation failed for authors: a list of {id} or {email} objects.")
            .with_property("authors"));
    };
    let mut ids = Vec::new();
    for item in items {
        let user = match item {
            Value::Object(author) => {
                if let Some(Ok(id)) = author.get("id").and_then(Value::as_str).map(ObjectId::parse) {
                    state.newsroom.db().user_by_id(&id).await?
                } else if let Some(email) = author.get("email").and_then(Value::as_str) {
                    state.newsroom.db().user_by_email(&email.trim().to_lowercase()).await?
                } else if let Some(slug) = author.get("slug").and_then(Value::as_str) {
                    state.newsroom.db().user_by_slug(slug).await?
                } else {
                    None
                }
            }
            _ => None,
        };
        let user = user.ok_or_else(|| {
            ApiError::validation(format!("Validation failed for authors: no staff member matches {item}."))
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

async fn find_post(state: &AppState, post_type: PostType, id: &str) -> Result<Post, ApiError> {
    let missing = || ApiError::not_found(if post_type == PostType::Post { "Post" } else { "Page" });
    let id = ObjectId::parse(id).map_err(|_| missing())?;
    state.newsroom.db().post_by_id(&id).await?.filter(|p| p.post_type == post_type).ok_or_else(missing)
}

async fn browse_posts(
    state: &AppState,
    caller: &AdminCaller,
    headers: &HeaderMap,
    query: &Query,
    post_type: PostType,
) -> Response {
    let result = async {
        let params = BrowseParams::parse(query, POST_INCLUDES, POST_FORMATS)?;
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
        let shape = shape(state, &params);
        let items = posts.iter().map(|p| shape.select(output::post(&shape, p))).collect();
        Ok(browse_body(resource_of(post_type), items, &page))
    }
    .await;
    ok(headers, result)
}

async fn read_post(
    state: &AppState,
    caller: &AdminCaller,
    headers: &HeaderMap,
    query: &Query,
    post_type: PostType,
    post: Result<Post, ApiError>,
) -> Response {
    let result = async {
        let params = BrowseParams::parse(query, POST_INCLUDES, POST_FORMATS)?;
        let post = post?;
        if !caller.actor.may(Permission::EditAnyPost) && !caller.actor.may_edit(&post) && !post.is_live() {
            return Err(ApiError::no_permission("You do not have permission to read this story."));
        }
        let shape = shape(state, &params);
        Ok(json!({ resource_of(post_type): [shape.select(output::post(&shape, &post))] }))
    }
    .await;
    ok(headers, result)
}

fn newsletter_request(query: &Query) -> Result<NewsletterRequest, ApiError> {
    Ok(NewsletterRequest::from_ghost_query(query.one("newsletter")?, query.one("email_segment")?))
}

async fn add_post(
    state: &AppState,
    caller: &AdminCaller,
    query: &Query,
    body: &Bytes,
    post_type: PostType,
) -> Response {
    let resource = resource_of(post_type);
    let result = async {
        let object = single(body, resource)?;
        let source_html = query.one("source")? == Some("html");
        let mut input = PostInput::new(post_type, "", PostBody::Markdown(String::new()), Vec::new());
        apply_post_fields(state, &mut input, &object, source_html).await?;
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
        let params = BrowseParams::parse(query, POST_INCLUDES, POST_FORMATS)?;
        let shape = shape(state, &params);
        Ok(json!({ resource: [output::post(&shape, &post)] }))
    }
    .await;
    created(result)
}

async fn edit_post(
    state: &AppState,
    caller: &AdminCaller,
    headers: &HeaderMap,
    query: &Query,
    body: &Bytes,
    post_type: PostType,
    id: &str,
) -> Response {
    let resource = resource_of(post_type);
    let result = async {
        let existing = find_post(state, post_type, id).await?;
        let object = single(body, resource)?;
        let expected = time_field(&object, "updated_at")?.flatten().ok_or_else(|| {
            ApiError::validation("Validation failed for updated_at: send the updated_at of the version you edited.")
                .with_property("updated_at")
        })?;
        let source_html = query.one("source")? == Some("html");
        let mut input = PostInput::from_post(&existing);
        apply_post_fields(state, &mut input, &object, source_html).await?;
        let save = StorySave {
            existing: Some(&existing),
            expected_updated_at: Some(expected),
            input,
            newsletter: newsletter_request(query)?,
            autosave: false,
        };
        let post = state.newsroom.save_post_as(&caller.actor, save).await?;
        let params = BrowseParams::parse(query, POST_INCLUDES, POST_FORMATS)?;
        let shape = shape(state, &params);
        Ok(json!({ resource: [output::post(&shape, &post)] }))
    }
    .await;
    ok(headers, result)
}

async fn delete_post(state: &AppState, caller: &AdminCaller, post_type: PostType, id: &str) -> Response {
    let result = async {
        let post = find_post(state, post_type, id).await?;
        state.newsroom.delete_post_as(&caller.actor, &post.id).await?;
        Ok(())
    }
    .await;
    deleted(result)
}

macro_rules! post_routes {
    ($browse:ident, $read:ident, $read_slug:ident, $add:ident, $edit:ident, $delete:ident, $ty:expr) => {
        pub async fn $browse(
            State(state): State<AppState>,
            caller: AdminCaller,
            headers: HeaderMap,
            query: Query,
        ) -> Response {
            browse_posts(&state, &caller, &headers, &query, $ty).await
        }

        pub async fn $read(
            State(state): State<AppState>,
            caller: AdminCaller,
            headers: HeaderMap,
            query: Query,
            Path(id): Path<String>,
        ) -> Response {
            let post = find_post(&state, $ty, &id).await;
            read_post(&state, &caller, &headers, &query, $ty, post).await
        }

        pub async fn $read_slug(
            State(state): State<AppState>,
            caller: AdminCaller,
            headers: HeaderMap,
            query: Query,
            Path(slug): Path<String>,
        ) -> Response {
            let missing = || ApiError::not_found(if $ty == PostType::Post { "Post" } else { "Page" });
            let post = match state.newsroom.db().post_by_slug($ty, &slug).await {
                Ok(Some(post)) => Ok(post),
                Ok(None) => Err(missing()),
                Err(e) => Err(e.into()),
            };
            read_post(&state, &caller, &headers, &query, $ty, post).await
        }

        pub async fn $add(State(state): State<AppState>, caller: AdminCaller, query: Query, body: Bytes) -> Response {
            add_post(&state, &caller, &query, &body, $ty).await
        }

        pub async fn $edit(
            State(state): State<AppState>,
            caller: AdminCaller,
            headers: HeaderMap,
            query: Query,
            Path(id): Path<String>,
            body: Bytes,
        ) -> Response {
            edit_post(&state, &caller, &headers, &query, &body, $ty, &id).await
        }

        pub async fn $delete(State(state): State<AppState>, caller: AdminCaller, Path(id): Path<String>) -> Response {
            delete_post(&state, &caller, $ty, &id).await
        }
    };
}

post_routes!(posts, post, post_by_slug, add_post_route, edit_post_route, delete_post_route, PostType::Post);
post_routes!(pages, page, page_by_slug, add_page_route, edit_page_route, delete_page_route, PostType::Page);

/// `POST /images/upload/`: multipart `file` (and optional `purpose`, `ref`), answered with
/// `{images: [{url, ref}]}`.
pub async fn upload_image(State(state): State<AppState>, caller: AdminCaller, mut multipart: Multipart) -> Response {
    let result = async {
        require(&caller.actor, Permission::WriteDrafts, "upload images")?;
        let mut file = None;
        let mut reference = None;
        while let Some(field) = multipart
            .next_field()
            .await
            .map_err(|e| ApiError::bad_request(format!("The upload could not be read: {e}")))?
        {
            match field.name() {
                Some("file") => {
                    let name = field.file_name().unwrap_or("image").to_owned();
                    let bytes = field
                        .bytes()
                        .await
                        .map_err(|e| ApiError::bad_request(format!("The upload could not be read: {e}")))?;
                    file = Some((name, bytes));
                }
                Some("ref") => reference = field.text().await.ok(),
                _ => {}
            }
        }
        let (name, bytes) = file.ok_or_else(|| {
            ApiError::validation("Please select an image.")
                .with_context("The multipart field 'file' is missing.")
                .with_property("file")
        })?;
        let url = crate::admin::posts::store_upload(&state, &name, bytes).await.map_err(|e| match e {
            crate::admin::posts::UploadFailure::Unreadable(message) => ApiError::validation(message)
                .with_context("Supported images: JPEG, PNG, GIF and WebP.")
                .with_property("file"),
            crate::admin::posts::UploadFailure::Storage(message) => {
                tracing::error!(error = %message, "storing an uploaded image failed");
                ApiError::internal()
            }
        })?;
        Ok(json!({ "images": [{ "url": url, "ref": reference }] }))
    }
    .await;
    created(result)
}

pub async fn tags(State(state): State<AppState>, _caller: AdminCaller, headers: HeaderMap, query: Query) -> Response {
    let result = async {
        let params = BrowseParams::parse(&query, &["count.posts"], &[])?;
        let page = list(&state, Resource::Tags, &params, params.filter.as_ref()).await?;
        let tags = state.newsroom.db().tags_by_ids(&page.items).await?;
        let counts = if params.includes("count.posts") {
            Some(state.newsroom.db().published_post_counts_by_tag(&page.items).await?)
        } else {
            None
        };
        let shape = shape(&state, &params);
        let items = tags
            .iter()
            .map(|t| {
                shape.select(output::tag(
                    &shape,
                    t,
                    counts.as_ref().map(|c| c.get(t.id.as_str()).copied().unwrap_or(0)),
                ))
            })
            .collect();
        Ok(browse_body("tags", items, &page))
    }
    .await;
    ok(&headers, result)
}

async fn read_tag(state: &AppState, headers: &HeaderMap, query: &Query, tag: Option<masthead_core::Tag>) -> Response {
    let result = async {
        let params = BrowseParams::parse(query, &["count.posts"], &[])?;
        let tag = tag.ok_or_else(|| ApiError::not_found("Tag"))?;
        let shape = shape(state, &params);
        Ok(json!({ "tags": [shape.select(output::tag(&shape, &tag, None))] }))
    }
    .await;
    ok(headers, result)
}

pub async fn tag(
    State(state): State<AppState>,
    _caller: AdminCaller,
    headers: HeaderMap,
    query: Query,
    Path(id): Path<String>,
) -> Response {
    let tag = match ObjectId::parse(&id) {
        Ok(id) => state.newsroom.db().tag_by_id(&id).await.ok().flatten(),
        Err(_) => None,
    };
    read_tag(&state, &headers, &query, tag).await
}

pub async fn tag_by_slug(
    State(state): State<AppState>,
    _caller: AdminCaller,
    headers: HeaderMap,
    query: Query,
    Path(slug): Path<String>,
) -> Response {
    let tag = state.newsroom.db().tag_by_slug(&slug).await.ok().flatten();
    read_tag(&state, &headers, &query, tag).await
}

pub async fn add_tag(State(state): State<AppState>, caller: AdminCaller, body: Bytes) -> Response {
    let result = async {
        require(&caller.actor, Permission::CreateTags, "create tags")?;
        let object = single(&body, "tags")?;
        let name = text(&object, "name")?.flatten().filter(|n| !n.trim().is_empty()).ok_or_else(|| {
            ApiError::validation("Validation failed for name: a tag needs a name.").with_property("name")
        })?;
        let mut tag = state.newsroom.find_or_create_tag(&name).await?;
        let description = text(&object, "description")?.flatten();
        if description.is_some() {
            tag = state
                .newsroom
                .edit_tag(&caller.actor, &tag.id, &tag.name, description.as_deref().unwrap_or(""))
                .await?;
        }
        let params = BrowseParams::parse(&Query::default(), &[], &[])?;
        let shape = shape(&state, &params);
        Ok(json!({ "tags": [output::tag(&shape, &tag, None)] }))
    }
    .await;
    created(result)
}

pub async fn edit_tag(
    State(state): State<AppState>,
    caller: AdminCaller,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let result = async {
        let id = ObjectId::parse(&id).map_err(|_| ApiError::not_found("Tag"))?;
        let existing = state.newsroom.db().tag_by_id(&id).await?.ok_or_else(|| ApiError::not_found("Tag"))?;
        let object = single(&body, "tags")?;
        let name = text(&object, "name")?.flatten().unwrap_or(existing.name.clone());
        let description = match text(&object, "description")? {
            Some(d) => d.unwrap_or_default(),
            None => existing.description.clone().unwrap_or_default(),
        };
        let tag = state.newsroom.edit_tag(&caller.actor, &id, &name, &description).await?;
        let params = BrowseParams::parse(&Query::default(), &[], &[])?;
        let shape = shape(&state, &params);
        Ok(json!({ "tags": [output::tag(&shape, &tag, None)] }))
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

pub async fn users(State(state): State<AppState>, _caller: AdminCaller, headers: HeaderMap, query: Query) -> Response {
    let result = async {
        let params = BrowseParams::parse(&query, &["count.posts", "roles"], &[])?;
        let page = list(&state, Resource::Authors, &params, params.filter.as_ref()).await?;
        let users = state.newsroom.db().users_by_ids(&page.items).await?;
        let shape = shape(&state, &params);
        let items = users.iter().map(|u| shape.select(output::author(&shape, u, None))).collect();
        Ok(browse_body("users", items, &page))
    }
    .await;
    ok(&headers, result)
}

async fn read_user(
    state: &AppState,
    headers: &HeaderMap,
    query: &Query,
    user: Option<masthead_core::StaffUser>,
) -> Response {
    let result = async {
        let params = BrowseParams::parse(query, &["count.posts", "roles"], &[])?;
        let user = user.ok_or_else(|| ApiError::not_found("User"))?;
        let shape = shape(state, &params);
        Ok(json!({ "users": [shape.select(output::author(&shape, &user, None))] }))
    }
    .await;
    ok(headers, result)
}

pub async fn user(
    State(state): State<AppState>,
    caller: AdminCaller,
    headers: HeaderMap,
    query: Query,
    Path(id): Path<String>,
) -> Response {
    let id = if id == "me" { Ok(caller.actor.user_id.clone()) } else { ObjectId::parse(&id) };
    let user = match id {
        Ok(id) => state.newsroom.db().user_by_id(&id).await.ok().flatten(),
        Err(_) => None,
    };
    read_user(&state, &headers, &query, user).await
}

pub async fn user_by_slug(
    State(state): State<AppState>,
    _caller: AdminCaller,
    headers: HeaderMap,
    query: Query,
    Path(slug): Path<String>,
) -> Response {
    let user = state.newsroom.db().user_by_slug(&slug).await.ok().flatten();
    read_user(&state, &headers, &query, user).await
}

pub async fn user_by_email(
    State(state): State<AppState>,
    _caller: AdminCaller,
    headers: HeaderMap,
    query: Query,
    Path(email): Path<String>,
) -> Response {
    let user = state.newsroom.db().user_by_email(&email.trim().to_lowercase()).await.ok().flatten();
    read_user(&state, &headers, &query, user).await
}

async fn member_value(state: &AppState, member: &masthead_core::Member) -> Result<Value, ApiError> {
    let newsletters = state.newsroom.db().newsletters(true).await?;
    let suppression = state.newsroom.db().suppression(&member.email).await?;
    Ok(output::member(member, &newsletters, suppression.as_ref().map(|s| s.reason.as_str())))
}

fn member_input(
    object: &Map<String, Value>,
    all_newsletters: &[masthead_core::Newsletter],
) -> Result<MemberInput, ApiError> {
    let status = match text(object, "status")?.flatten() {
        Some(s) => Some(MemberStatus::parse(&s).ok_or_else(|| {
            ApiError::validation(format!("Validation failed for status: {s:?} is not free, paid or comped."))
                .with_property("status")
        })?),
        None => None,
    };
    let labels = match object.get("labels") {
        None => None,
        Some(Value::Array(items)) => Some(
            items
                .iter()
                .filter_map(|l| match l {
                    Value::String(name) => Some(name.clone()),
                    Value::Object(o) => {
                        o.get("name").or_else(|| o.get("slug")).and_then(Value::as_str).map(str::to_owned)
                    }
                    _ => None,
                })
                .collect(),
        ),
        Some(_) => {
            return Err(ApiError::validation("Validation failed for labels: a list of names or {name} objects.")
                .with_property("labels"));
        }
    };
    let newsletters = match object.get("newsletters") {
        None => None,
        Some(Value::Array(items)) => {
            let mut ids = Vec::new();
            for item in items {
                let found = all_newsletters.iter().find(|n| {
                    item.get("id").and_then(Value::as_str) == Some(n.id.as_str())
                        || item.get("slug").and_then(Value::as_str) == Some(n.slug.as_str())
                        || item.get("name").and_then(Value::as_str) == Some(n.name.as_str())
                });
                let found = found.ok_or_else(|| {
                    ApiError::validation(format!("Validation failed for newsletters: no newsletter matches {item}."))
                        .with_property("newsletters")
                })?;
                ids.push(found.id.clone());
            }
            Some(ids)
        }
        Some(_) => {
            return Err(ApiError::validation("Validation failed for newsletters: a list of {id} objects.")
                .with_property("newsletters"));
        }
    };
    Ok(MemberInput {
        email: text(object, "email")?.flatten(),
        name: text(object, "name")?,
        note: text(object, "note")?,
        status,
        labels,
        newsletters,
    })
}

pub async fn members(State(state): State<AppState>, caller: AdminCaller, headers: HeaderMap, query: Query) -> Response {
    let result = async {
        require(&caller.actor, Permission::ManageMembers, "browse members")?;
        let params = BrowseParams::parse(&query, &["newsletters", "labels", "email_recipients"], &[])?;
        let page = list(&state, Resource::Members, &params, params.filter.as_ref()).await?;
        let mut items = Vec::new();
        for id in &page.items {
            let id = ObjectId::parse(id).map_err(|_| ApiError::internal())?;
            if let Some(member) = state.newsroom.db().member_by_id(&id).await? {
                items.push(shape(&state, &params).select(member_value(&state, &member).await?));
            }
        }
        Ok(browse_body("members", items, &page))
    }
    .await;
    ok(&headers, result)
}

pub async fn member(
    State(state): State<AppState>,
    caller: AdminCaller,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let result = async {
        require(&caller.actor, Permission::ManageMembers, "read members")?;
        let id = ObjectId::parse(&id).map_err(|_| ApiError::not_found("Member"))?;
        let member = state.newsroom.db().member_by_id(&id).await?.ok_or_else(|| ApiError::not_found("Member"))?;
        Ok(json!({ "members": [member_value(&state, &member).await?] }))
    }
    .await;
    ok(&headers, result)
}

pub async fn add_member(State(state): State<AppState>, caller: AdminCaller, body: Bytes) -> Response {
    let result = async {
        let object = single(&body, "members")?;
        let all = state.newsroom.db().newsletters(true).await?;
        let input = member_input(&object, &all)?;
        let source = match &caller.integration {
            Some(id) => format!("admin api (integration {id})"),
            None => "admin api".to_owned(),
        };
        let member = state.newsroom.add_member_as(&caller.actor, input, &source).await.map_err(|e| match e {
            masthead_app::AppError::Conflict(_) => {
                ApiError::validation("Member already exists. Attempting to add member with existing email address")
                    .with_property("email")
            }
            other => other.into(),
        })?;
        Ok(json!({ "members": [member_value(&state, &member).await?] }))
    }
    .await;
    created(result)
}

pub async fn edit_member(
    State(state): State<AppState>,
    caller: AdminCaller,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let result = async {
        let id = ObjectId::parse(&id).map_err(|_| ApiError::not_found("Member"))?;
        let object = single(&body, "members")?;
        let all = state.newsroom.db().newsletters(true).await?;
        let input = member_input(&object, &all)?;
        let member = state.newsroom.edit_member_as(&caller.actor, &id, input).await?;
        Ok(json!({ "members": [member_value(&state, &member).await?] }))
    }
    .await;
    ok(&headers, result)
}

pub async fn delete_member(State(state): State<AppState>, caller: AdminCaller, Path(id): Path<String>) -> Response {
    let result = async {
        let id = ObjectId::parse(&id).map_err(|_| ApiError::not_found("Member"))?;
        state.newsroom.delete_member_as(&caller.actor, &id).await?;
        Ok(())
    }
    .await;
    deleted(result)
}

pub async fn newsletters(
    State(state): State<AppState>,
    _caller: AdminCaller,
    headers: HeaderMap,
    query: Query,
) -> Response {
    let result = async {
        let params = BrowseParams::parse(&query, &["count.posts", "count.members", "count.active_members"], &[])?;
        let page = list(&state, Resource::Newsletters, &params, params.filter.as_ref()).await?;
        let all = state.newsroom.db().newsletters(true).await?;
        let shape = shape(&state, &params);
        let items = page
            .items
            .iter()
            .filter_map(|id| all.iter().find(|n| n.id.as_str() == id))
            .map(|n| shape.select(output::newsletter(&shape, n)))
            .collect();
        Ok(browse_body("newsletters", items, &page))
    }
    .await;
    ok(&headers, result)
}

pub async fn newsletter(
    State(state): State<AppState>,
    _caller: AdminCaller,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let result = async {
        let id = ObjectId::parse(&id).map_err(|_| ApiError::not_found("Newsletter"))?;
        let newsletter =
            state.newsroom.db().newsletter_by_id(&id).await?.ok_or_else(|| ApiError::not_found("Newsletter"))?;
        let params = BrowseParams::parse(&Query::default(), &[], &[])?;
        let shape = shape(&state, &params);
        Ok(json!({ "newsletters": [output::newsletter(&shape, &newsletter)] }))
    }
    .await;
    ok(&headers, result)
}

fn newsletter_input(
    object: &Map<String, Value>,
    existing: Option<&masthead_core::Newsletter>,
) -> Result<masthead_app::mail::newsletters::NewsletterInput, ApiError> {
    let pick = |field: &'static str, current: Option<&str>| -> Result<Option<String>, ApiError> {
        Ok(match text(object, field)? {
            Some(value) => value,
            None => current.map(str::to_owned),
        })
    };
    let status = pick("status", existing.map(|n| n.status.as_str()))?.unwrap_or_else(|| "active".into());
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
    Ok(masthead_app::mail::newsletters::NewsletterInput {
        name: pick("name", existing.map(|n| n.name.as_str()))?.unwrap_or_default(),
        slug: pick("slug", existing.map(|n| n.slug.as_str()))?,
        description: pick("description", existing.and_then(|n| n.description.as_deref()))?,
        sender_name: pick("sender_name", existing.and_then(|n| n.sender_name.as_deref()))?,
        sender_email: pick("sender_email", existing.and_then(|n| n.sender_email.as_deref()))?,
        sender_reply_to: pick("sender_reply_to", existing.and_then(|n| n.sender_reply_to.as_deref()))?,
        host_name: pick("host_name", existing.and_then(|n| n.host_name.as_deref()))?,
        archived,
        subscribe_on_signup: boolean(object, "subscribe_on_signup")?
            .unwrap_or(existing.is_none_or(|n| n.subscribe_on_signup)),
        sort_order: match object.get("sort_order").and_then(Value::as_i64) {
            Some(n) => i32::try_from(n).unwrap_or(0),
            None => existing.map_or(0, |n| n.sort_order),
        },
    })
}

pub async fn add_newsletter(State(state): State<AppState>, caller: AdminCaller, body: Bytes) -> Response {
    let result = async {
        let object = single(&body, "newsletters")?;
        let input = newsletter_input(&object, None)?;
        let newsletter = state.newsroom.save_newsletter(&caller.actor, None, &input).await?;
        let params = BrowseParams::parse(&Query::default(), &[], &[])?;
        let shape = shape(&state, &params);
        Ok(json!({ "newsletters": [output::newsletter(&shape, &newsletter)] }))
    }
    .await;
    created(result)
}

pub async fn edit_newsletter(
    State(state): State<AppState>,
    caller: AdminCaller,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let result = async {
        let id = ObjectId::parse(&id).map_err(|_| ApiError::not_found("Newsletter"))?;
        let existing =
            state.newsroom.db().newsletter_by_id(&id).await?.ok_or_else(|| ApiError::not_found("Newsletter"))?;
        let object = single(&body, "newsletters")?;
        let input = newsletter_input(&object, Some(&existing))?;
        let newsletter = state.newsroom.save_newsletter(&caller.actor, Some(&id), &input).await?;
        let params = BrowseParams::parse(&Query::default(), &[], &[])?;
        let shape = shape(&state, &params);
        Ok(json!({ "newsletters": [output::newsletter(&shape, &newsletter)] }))
    }
    .await;
    ok(&headers, result)
}

pub async fn tiers(State(state): State<AppState>, _caller: AdminCaller, headers: HeaderMap, query: Query) -> Response {
    let result = async {
        let params = BrowseParams::parse(&query, &["monthly_price", "yearly_price", "benefits"], &[])?;
        let items = super::content::tier_values(&state).await?;
        let page = Paginated::new(Vec::<String>::new(), params.page, items.len() as u64);
        Ok(browse_body("tiers", items, &page))
    }
    .await;
    ok(&headers, result)
}

pub async fn tier(
    State(state): State<AppState>,
    _caller: AdminCaller,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let result = async {
        let tier = super::content::tier_values(&state)
            .await?
            .into_iter()
            .find(|t| t.get("id").and_then(Value::as_str) == Some(id.as_str()))
            .ok_or_else(|| ApiError::not_found("Tier"))?;
        Ok(json!({ "tiers": [tier] }))
    }
    .await;
    ok(&headers, result)
}

pub async fn settings(State(state): State<AppState>, caller: AdminCaller, headers: HeaderMap) -> Response {
    let result = async {
        require(&caller.actor, Permission::ManageSettings, "read the settings")?;
        let settings = state.newsroom.db().site_settings().await?;
        let Value::Object(object) = output::settings(&state.site_url, &settings) else {
            return Err(ApiError::internal());
        };
        let list: Vec<Value> = object.into_iter().map(|(key, value)| json!({ "key": key, "value": value })).collect();
        Ok(json!({ "settings": list, "meta": { "filters": {} } }))
    }
    .await;
    ok(&headers, result)
}

/// `GET /site/`: public, no key needed (Ghost's clients call it to discover a site).
pub async fn site(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let result = async {
        let settings = state.newsroom.db().site_settings().await?;
        Ok(json!({ "site": {
            "title": settings.title,
            "description": settings.description,
            "logo": settings.logo,
            "icon": settings.icon,
            "accent_color": settings.accent_color,
            "locale": settings.locale,
            "url": format!("{}/", state.site_url),
            "version": super::API_VERSION.trim_start_matches('v'),
        }}))
    }
    .await;
    ok(&headers, result)
}

fn webhook_value(webhook: &masthead_storage::WebhookRecord) -> Value {
    json!({
        "id": webhook.id,
        "event": webhook.event,
        "target_url": webhook.target_url,
        "name": webhook.name,
        "secret": webhook.secret,
        "api_version": webhook.api_version,
        "integration_id": webhook.integration_id,
        "last_triggered_at": webhook.last_triggered_at.map(output::ghost_time),
        "last_triggered_status": webhook.last_triggered_status,
        "last_triggered_error": webhook.last_triggered_error,
        "created_at": output::ghost_time(webhook.created_at),
        "updated_at": output::ghost_time(webhook.updated_at),
    })
}

fn webhook_input(
    object: &Map<String, Value>,
    caller: &AdminCaller,
) -> Result<masthead_app::integrations::webhooks::WebhookInput, ApiError> {
    Ok(masthead_app::integrations::webhooks::WebhookInput {
        event: text(object, "event")?.flatten(),
        target_url: text(object, "target_url")?.flatten(),
        name: text(object, "name")?,
        secret: text(object, "secret")?,
        api_version: text(object, "api_version")?.flatten(),
        integration_id: text(object, "integration_id")?.flatten().or_else(|| caller.integration.clone()),
    })
}

pub async fn add_webhook(State(state): State<AppState>, caller: AdminCaller, body: Bytes) -> Response {
    let result = async {
        let object = single(&body, "webhooks")?;
        let input = webhook_input(&object, &caller)?;
        let webhook = state.newsroom.add_webhook(&caller.actor, input).await?;
        Ok(json!({ "webhooks": [webhook_value(&webhook)] }))
    }
    .await;
    created(result)
}

pub async fn edit_webhook(
    State(state): State<AppState>,
    caller: AdminCaller,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let result = async {
        let object = single(&body, "webhooks")?;
        let input = webhook_input(&object, &caller)?;
        let webhook = state.newsroom.edit_webhook(&caller.actor, &id, input).await?;
        Ok(json!({ "webhooks": [webhook_value(&webhook)] }))
    }
    .await;
    ok(&headers, result)
}

pub async fn delete_webhook(State(state): State<AppState>, caller: AdminCaller, Path(id): Path<String>) -> Response {
    let result = async {
        state.newsroom.delete_webhook(&caller.actor, &id).await?;
        Ok(())
    }
    .await;
    deleted(result)
}

/// Any other path under the Admin API: Ghost's 404 envelope, not the site's page.
pub async fn unknown() -> Response {
    ApiError::not_found("Resource").into_response()
}

/// `GET /db/`: the site as a Ghost JSON export (no passwords, no members), as a download.
pub async fn export_db(State(state): State<AppState>, caller: AdminCaller) -> Response {
    let result = async {
        require(&caller.actor, Permission::ManageSettings, "export the site")?;
        Ok::<_, ApiError>(state.newsroom.export_ghost(&state.site_url).await?)
    }
    .await;
    match result {
        Ok(body) => {
            let date = masthead_core::now().date();
            let disposition = format!("attachment; filename=\"masthead.ghost.{date}.json\"");
            let mut response = json_response(&HeaderMap::new(), &body, CACHE_CONTROL);
            if let Ok(value) = axum::http::HeaderValue::from_str(&disposition) {
                response.headers_mut().insert(header::CONTENT_DISPOSITION, value);
            }
            response
        }
        Err(e) => e.into_response(),
    }
}

/// `POST /db/` with multipart `importfile`: imports a Ghost JSON export and answers Ghost's
/// `{db: [], problems: [...]}` with our report beside it.
pub async fn import_db(State(state): State<AppState>, caller: AdminCaller, mut multipart: Multipart) -> Response {
    let result = async {
        require(&caller.actor, Permission::ManageSettings, "import content")?;
        let mut file = None;
        while let Some(field) = multipart
            .next_field()
            .await
            .map_err(|e| ApiError::bad_request(format!("The upload could not be read: {e}")))?
        {
            if matches!(field.name(), Some("importfile" | "file")) {
                file = Some(
                    field
                        .bytes()
                        .await
                        .map_err(|e| ApiError::bad_request(format!("The upload could not be read: {e}")))?,
                );
            }
        }
        let file = file.ok_or_else(|| {
            ApiError::validation("Please select a Ghost JSON export to import.").with_property("importfile")
        })?;
        let report = state.newsroom.import_ghost(&file, &state.site_url, |_, _| {}).await.map_err(|e| match e {
            masthead_app::ghost::import::ImportError::Stopped(inner) => ApiError::from(inner),
            other => ApiError::validation(other.to_string()).with_property("importfile"),
        })?;
        let problems: Vec<Value> = report
            .problems()
            .map(|p| json!({ "message": p.reason, "context": p.to_string(), "help": p.table }))
            .collect();
        Ok::<_, ApiError>(json!({ "db": [], "problems": problems, "report": report }))
    }
    .await;
    match result {
        Ok(body) => json_response(&HeaderMap::new(), &body, CACHE_CONTROL),
        Err(e) => e.into_response(),
    }
}
