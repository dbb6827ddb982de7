//! The Content API: read-only, public content for front ends, apps and scripts, authenticated by
//! a content key in `?key=`. Only published posts and pages, public tags and active staff are
//! visible; filters on anything else are refused.

use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use masthead_core::nql;
use masthead_core::{ObjectId, Post, PostType};
use masthead_storage::{Listing, Paginated, Resource, Scope};
use serde_json::{Value, json};

use super::{ApiError, BrowseParams, Query, browse_body, json_response};
use crate::AppState;
use masthead_app::ghost::api_json::{self as output, Audience, Shape};
use masthead_app::narration::NarrationAudio;

const CACHE_CONTROL: &str = "public, max-age=0";
const POST_INCLUDES: &[&str] = &["authors", "tags", "tiers"];
/// `lexical` is ours: Ghost's Content API ignores it.
const POST_FORMATS: &[&str] = &["html", "plaintext", "lexical"];
const COUNT_INCLUDES: &[&str] = &["count.posts"];

/// Checks `?key=` as Ghost does: missing is 403, repeated is 400, unknown or of the wrong kind
/// is 401. Every Content API route runs behind it.
pub async fn require_content_key(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if request.method() == Method::OPTIONS {
        return next.run(request).await;
    }
    // Only `key` is read here, without copying the rest of the query: this runs for every
    // answer, including those served from memory.
    let mut keys = url::form_urlencoded::parse(request.uri().query().unwrap_or("").as_bytes())
        .filter(|(name, _)| name == "key")
        .map(|(_, value)| value);
    let (first, second) = (keys.next(), keys.next());
    let given = match (first, second) {
        (first, None) => Ok(first),
        _ => Err(ApiError::bad_request("Invalid Request")
            .with_context("The parameter 'key' was given more than once.")
            .with_code("INVALID_REQUEST")),
    };
    let key = match given {
        Ok(Some(key)) if !key.is_empty() => key.into_owned(),
        Ok(_) => {
            return ApiError::no_permission("Authorization failed")
                .with_context(
                    "Unable to determine the authenticated member or integration. Check the supplied Content API \
                     Key and ensure cookies are being passed through if member auth is failing.",
                )
                .into_response();
        }
        Err(e) => return e.into_response(),
    };
    match state.newsroom.content_key(&key).await {
        Ok(Some(found)) if found.kind == "content" => next.run(request).await,
        Ok(Some(_)) => ApiError::unauthorized("Invalid API Key type")
            .with_context("Invalid API Key type")
            .with_code("INVALID_API_KEY_TYPE")
            .into_response(),
        Ok(None) => ApiError::unauthorized("Unknown Content API Key")
            .with_context("Unknown Content API Key")
            .with_code("UNKNOWN_CONTENT_API_KEY")
            .into_response(),
        Err(e) => ApiError::from(e).into_response(),
    }
}

/// The Content API is open to every origin, as Ghost's is: it only serves public content.
pub async fn cors(request: Request, next: Next) -> Response {
    let preflight = request.method() == Method::OPTIONS;
    let mut response = if preflight { StatusCode::NO_CONTENT.into_response() } else { next.run(request).await };
    let not_found = response.status() == StatusCode::NOT_FOUND;
    let headers = response.headers_mut();
    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    // Ghost's Content API 404s drop `private` from its error cache policy.
    if not_found {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(super::CONTENT_NOT_FOUND_CACHE_CONTROL));
    }
    if preflight {
        headers.insert(super::CONTENT_VERSION, HeaderValue::from_static(super::API_VERSION));
        headers.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static("GET, HEAD, OPTIONS"));
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static("Accept-Version, Content-Type, Authorization"),
        );
        headers.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("86400"));
    }
    response
}

fn shape<'a>(state: &'a AppState, params: &'a BrowseParams) -> Shape<'a> {
    super::shape(state, params, Audience::Content)
}

async fn list(state: &AppState, resource: Resource, params: &BrowseParams) -> Result<Paginated<String>, ApiError> {
    // Ghost's Content API drops conditions on what it does not show: a post's `status` (its
    // enforced filter replaces them, so `status:draft` lists the published posts) and a staff
    // member's `email`.
    let hidden = match resource {
        Resource::Authors => "email",
        _ => "status",
    };
    let filter = params.filter.as_ref().and_then(|f| without_field(f, hidden));
    let listing = Listing {
        resource,
        scope: Scope::Public,
        filter: filter.as_ref(),
        order: params.order.as_deref(),
        page: params.page,
        now: masthead_core::now(),
    };
    state.newsroom.db().list_ids(&listing).await.map_err(|e| params.refused(e))
}

/// The filter without its conditions on `hidden` (`None` when nothing is left).
fn without_field(filter: &nql::Filter, hidden: &str) -> Option<nql::Filter> {
    use nql::Filter;
    let kept = |parts: &[Filter]| parts.iter().filter_map(|p| without_field(p, hidden)).collect::<Vec<_>>();
    match filter {
        Filter::Compare { field, .. } | Filter::In { field, .. } if field == hidden => None,
        Filter::And(parts) => Some(Filter::And(kept(parts))).filter(|f| !matches!(f, Filter::And(p) if p.is_empty())),
        Filter::Or(parts) => Some(Filter::Or(kept(parts))).filter(|f| !matches!(f, Filter::Or(p) if p.is_empty())),
        other => Some(other.clone()),
    }
}

/// The site's time zone, in which the Content API writes posts' and pages' times.
async fn site_zone(state: &AppState) -> Result<jiff::tz::TimeZone, ApiError> {
    Ok(state.newsroom.db().site_settings().await?.timezone.zone())
}

fn resource_name(post_type: PostType) -> &'static str {
    match post_type {
        PostType::Post => "posts",
        PostType::Page => "pages",
    }
}

async fn browse_posts(state: &AppState, headers: &HeaderMap, query: &Query, post_type: PostType) -> Response {
    let result = async {
        let params = BrowseParams::parse(query, POST_INCLUDES, POST_FORMATS)?;
        let resource = if post_type == PostType::Post { Resource::Posts } else { Resource::Pages };
        let page = list(state, resource, &params).await?;
        let posts = state.newsroom.db().posts_by_ids(&page.items).await?;
        let mut shape = shape(state, &params);
        shape.timezone = site_zone(state).await?;
        if params.includes("tiers") {
            shape.tiers = state.newsroom.db().tiers().await?;
        }
        let audios = crate::site::narration::public_audios(state, &posts).await?;
        let items: Vec<Value> = posts
            .iter()
            .map(|post| shape.select(with_narration(&shape, post, audios.get(&post.id), output::post(&shape, post))))
            .collect();
        Ok::<_, ApiError>(browse_body(resource_name(post_type), items, &page))
    }
    .await;
    respond(headers, result)
}

/// A read by id or slug. Drafts, scheduled posts and pages read as posts are not found.
async fn read_post(state: &AppState, headers: &HeaderMap, query: &Query, post_type: PostType, by: Lookup) -> Response {
    let result = async {
        let params = BrowseParams::parse(query, POST_INCLUDES, POST_FORMATS)?;
        let post = match by {
            Lookup::Id(id) => match ObjectId::parse(&id) {
                Ok(id) => state.newsroom.db().post_by_id(&id).await?,
                Err(_) => return Err(ApiError::invalid_id(if post_type == PostType::Post { "post" } else { "page" })),
            },
            Lookup::Slug(slug) => state.newsroom.db().post_by_slug(post_type, &slug).await?,
        };
        let post = post
            .filter(|p| p.post_type == post_type && p.is_live())
            .ok_or_else(|| ApiError::not_found(if post_type == PostType::Post { "Post" } else { "Page" }))?;
        let mut shape = shape(state, &params);
        shape.timezone = site_zone(state).await?;
        if params.includes("tiers") {
            shape.tiers = state.newsroom.db().tiers().await?;
        }
        let audio = crate::site::narration::public_audio(state, &post).await?;
        let value = with_narration(&shape, &post, audio.as_ref(), output::post(&shape, &post));
        Ok(json!({ resource_name(post_type): [shape.select(value)] }))
    }
    .await;
    respond(headers, result)
}

/// Masthead's `narration` field on posts: the audio version anyone may hear (`url`, `duration`
/// in seconds, `content_type`, `size` in bytes), or `null`. Pages have none; nor do gated
/// stories, since the Content API shows what anyone may read.
fn with_narration(shape: &Shape<'_>, post: &Post, audio: Option<&NarrationAudio>, mut value: Value) -> Value {
    if post.post_type != PostType::Post {
        return value;
    }
    let narration = match audio {
        Some(audio) => json!({
            "url": format!("{}{}", shape.site_url, audio.url),
            "duration": audio.duration_seconds,
            "content_type": audio.content_type,
            "size": audio.bytes,
        }),
        None => Value::Null,
    };
    if let Value::Object(map) = &mut value {
        map.insert("narration".to_owned(), narration);
    }
    value
}

pub enum Lookup {
    Id(String),
    Slug(String),
}

fn respond(headers: &HeaderMap, result: Result<Value, ApiError>) -> Response {
    match result {
        Ok(body) => json_response(headers, &body, CACHE_CONTROL),
        Err(e) => e.into_response(),
    }
}

pub async fn posts(State(state): State<AppState>, headers: HeaderMap, query: Query) -> Response {
    browse_posts(&state, &headers, &query, PostType::Post).await
}

pub async fn post(State(state): State<AppState>, headers: HeaderMap, query: Query, Path(id): Path<String>) -> Response {
    read_post(&state, &headers, &query, PostType::Post, Lookup::Id(id)).await
}

pub async fn post_by_slug(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Query,
    Path(slug): Path<String>,
) -> Response {
    read_post(&state, &headers, &query, PostType::Post, Lookup::Slug(slug)).await
}

pub async fn pages(State(state): State<AppState>, headers: HeaderMap, query: Query) -> Response {
    browse_posts(&state, &headers, &query, PostType::Page).await
}

pub async fn page(State(state): State<AppState>, headers: HeaderMap, query: Query, Path(id): Path<String>) -> Response {
    read_post(&state, &headers, &query, PostType::Page, Lookup::Id(id)).await
}

pub async fn page_by_slug(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Query,
    Path(slug): Path<String>,
) -> Response {
    read_post(&state, &headers, &query, PostType::Page, Lookup::Slug(slug)).await
}

async fn tag_values(
    state: &AppState,
    params: &BrowseParams,
    tags: &[masthead_core::Tag],
) -> Result<Vec<Value>, ApiError> {
    let counts = if params.includes("count.posts") {
        let ids: Vec<String> = tags.iter().map(|t| t.id.as_str().to_owned()).collect();
        Some(state.newsroom.db().published_post_counts_by_tag(&ids).await?)
    } else {
        None
    };
    let shape = shape(state, params);
    Ok(tags
        .iter()
        .map(|t| {
            let count = counts.as_ref().map(|c| c.get(t.id.as_str()).copied().unwrap_or(0));
            shape.select(output::tag(&shape, t, count))
        })
        .collect())
}

async fn author_values(
    state: &AppState,
    params: &BrowseParams,
    users: &[masthead_core::StaffUser],
) -> Result<Vec<Value>, ApiError> {
    let counts = if params.includes("count.posts") {
        let ids: Vec<String> = users.iter().map(|u| u.id.as_str().to_owned()).collect();
        Some(state.newsroom.db().published_post_counts_by_author(&ids).await?)
    } else {
        None
    };
    let shape = shape(state, params);
    Ok(users
        .iter()
        .map(|u| {
            let count = counts.as_ref().map(|c| c.get(u.id.as_str()).copied().unwrap_or(0));
            shape.select(output::author(&shape, u, count))
        })
        .collect())
}

pub async fn tags(State(state): State<AppState>, headers: HeaderMap, query: Query) -> Response {
    let result = async {
        let params = BrowseParams::parse(&query, COUNT_INCLUDES, &[])?;
        let page = list(&state, Resource::Tags, &params).await?;
        let tags = state.newsroom.db().tags_by_ids(&page.items).await?;
        Ok(browse_body("tags", tag_values(&state, &params, &tags).await?, &page))
    }
    .await;
    respond(&headers, result)
}

async fn read_tag(state: &AppState, headers: &HeaderMap, query: &Query, by: Lookup) -> Response {
    let result = async {
        let params = BrowseParams::parse(query, COUNT_INCLUDES, &[])?;
        let tag = match by {
            Lookup::Id(id) => match ObjectId::parse(&id) {
                Ok(id) => state.newsroom.db().tag_by_id(&id).await?,
                Err(_) => return Err(ApiError::invalid_id("tag")),
            },
            Lookup::Slug(slug) => state.newsroom.db().tag_by_slug(&slug).await?,
        };
        // Internal tags read too, as in Ghost 6; a tag with no published posts is not found.
        let tag = tag.ok_or_else(|| ApiError::not_found("Tag"))?;
        let counts = state.newsroom.db().published_post_counts_by_tag(&[tag.id.as_str().to_owned()]).await?;
        if counts.get(tag.id.as_str()).copied().unwrap_or(0) == 0 {
            return Err(ApiError::not_found("Tag"));
        }
        Ok(json!({ "tags": tag_values(state, &params, std::slice::from_ref(&tag)).await? }))
    }
    .await;
    respond(headers, result)
}

pub async fn tag(State(state): State<AppState>, headers: HeaderMap, query: Query, Path(id): Path<String>) -> Response {
    read_tag(&state, &headers, &query, Lookup::Id(id)).await
}

pub async fn tag_by_slug(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Query,
    Path(slug): Path<String>,
) -> Response {
    read_tag(&state, &headers, &query, Lookup::Slug(slug)).await
}

pub async fn authors(State(state): State<AppState>, headers: HeaderMap, query: Query) -> Response {
    let result = async {
        let params = BrowseParams::parse(&query, COUNT_INCLUDES, &[])?;
        let page = list(&state, Resource::Authors, &params).await?;
        let users = state.newsroom.db().users_by_ids(&page.items).await?;
        Ok(browse_body("authors", author_values(&state, &params, &users).await?, &page))
    }
    .await;
    respond(&headers, result)
}

async fn read_author(state: &AppState, headers: &HeaderMap, query: &Query, by: Lookup) -> Response {
    let result = async {
        let params = BrowseParams::parse(query, COUNT_INCLUDES, &[])?;
        let user = match by {
            Lookup::Id(id) => match ObjectId::parse(&id) {
                Ok(id) => state.newsroom.db().user_by_id(&id).await?,
                Err(_) => return Err(ApiError::invalid_id("author")),
            },
            Lookup::Slug(slug) => state.newsroom.db().user_by_slug(&slug).await?,
        };
        let user = user.ok_or_else(|| ApiError::not_found("Author"))?;
        let published = state.newsroom.db().published_story_counts_by_author(&[user.id.as_str().to_owned()]).await?;
        if user.status != masthead_core::StaffStatus::Active && published.is_empty() {
            return Err(ApiError::not_found("Author"));
        }
        Ok(json!({ "authors": author_values(state, &params, std::slice::from_ref(&user)).await? }))
    }
    .await;
    respond(headers, result)
}

pub async fn author(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Query,
    Path(id): Path<String>,
) -> Response {
    read_author(&state, &headers, &query, Lookup::Id(id)).await
}

pub async fn author_by_slug(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Query,
    Path(slug): Path<String>,
) -> Response {
    read_author(&state, &headers, &query, Lookup::Slug(slug)).await
}

pub async fn settings(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let result = async {
        let db = state.newsroom.db();
        let (settings, site_uuid) = (db.site_settings().await?, db.site_uuid().await?);
        let email_address = state.newsroom.mailer.from().email.to_string();
        let facts = output::SiteFacts { site_uuid: site_uuid.as_deref(), email_address: &email_address };
        Ok(json!({ "settings": output::settings(&state.site_url, &settings, &facts), "meta": {} }))
    }
    .await;
    respond(&headers, result)
}

/// The active tiers, free first, hidden ones too, all on one page (Ghost's Content API).
pub async fn tiers(State(state): State<AppState>, headers: HeaderMap, query: Query) -> Response {
    let result = async {
        let params = BrowseParams::parse(&query, &["monthly_price", "yearly_price", "benefits"], &[])?;
        let tiers = state.newsroom.tiers().await?;
        let shape = shape(&state, &params);
        let items: Vec<Value> = tiers
            .iter()
            .filter(|t| t.active)
            .map(output::tier)
            .filter(|t| params.filter.as_ref().is_none_or(|f| output::matches_filter(f, t)))
            .map(|t| shape.select(t))
            .collect();
        let total = items.len() as u64;
        let request = masthead_storage::PageRequest::new(1, total.max(1) as u32);
        let page = Paginated::new(Vec::<String>::new(), request, total);
        Ok(browse_body("tiers", items, &page))
    }
    .await;
    respond(&headers, result)
}

/// Active newsletters, in their order.
pub async fn newsletters(State(state): State<AppState>, headers: HeaderMap, query: Query) -> Response {
    let result = async {
        let params = BrowseParams::parse(&query, &[], &[])?;
        let page = list(&state, Resource::Newsletters, &params).await?;
        let all = state.newsroom.db().newsletters(true).await?;
        let shape = shape(&state, &params);
        let items = page
            .items
            .iter()
            .filter_map(|id| all.iter().find(|n| n.id.as_str() == id))
            .filter(|n| n.status == masthead_core::NewsletterStatus::Active)
            .map(|n| shape.select(output::newsletter(&shape, n)))
            .collect();
        Ok(browse_body("newsletters", items, &page))
    }
    .await;
    respond(&headers, result)
}

/// `GET /recommendations/`: Masthead recommends no other sites, so the list is empty (Ghost's
/// answer for a site without recommendations, its default page size of 5 included).
pub async fn recommendations(headers: HeaderMap) -> Response {
    let body = json!({
        "recommendations": [],
        "meta": { "pagination": { "page": 1, "limit": 5, "total": 0, "pages": 0, "prev": null, "next": null } }
    });
    respond(&headers, Ok(body))
}

/// Every published post, newest change first, as Ghost's search index lists them.
pub async fn search_index_posts(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let result = async {
        let zone = site_zone(&state).await?;
        let mut posts: Vec<Post> = state
            .newsroom
            .db()
            .all_posts()
            .await?
            .into_iter()
            .filter(|p| p.post_type == PostType::Post && p.is_live())
            .collect();
        posts.sort_by(|a, b| b.updated_at.cmp(&a.updated_at).then_with(|| b.id.as_str().cmp(a.id.as_str())));
        let params = BrowseParams::parse(&Query::default(), &[], &[])?;
        let mut shape = shape(&state, &params);
        shape.timezone = zone;
        let items: Vec<Value> = posts
            .iter()
            .map(|post| {
                let full = output::post(&shape, post);
                json!({
                    "id": post.id.as_str(),
                    "slug": post.slug.as_str(),
                    "title": post.title,
                    // Ghost's search index shows no excerpt of a story not everyone may read.
                    "excerpt": if post.visibility == masthead_core::Visibility::Public { full["excerpt"].clone() } else { json!("") },
                    "url": full["url"],
                    "updated_at": full["updated_at"],
                    "visibility": post.visibility.as_str(),
                })
            })
            .collect();
        Ok(json!({ "posts": items }))
    }
    .await;
    respond(&headers, result)
}

/// The public writers, as Ghost's search index lists them.
pub async fn search_index_authors(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let result = async {
        let mut params = BrowseParams::parse(&Query::default(), &[], &[])?;
        params.page = masthead_storage::PageRequest::new(1, 100);
        let page = list(&state, Resource::Authors, &params).await?;
        let staff = state.newsroom.db().authors().await?;
        let mut writers: Vec<&masthead_core::StaffUser> =
            page.items.iter().filter_map(|id| staff.iter().find(|u| u.id.as_str() == id)).collect();
        // Ghost's order: last changed first, then in the order they were made.
        writers.sort_by(|a, b| b.updated_at.cmp(&a.updated_at).then_with(|| a.id.as_str().cmp(b.id.as_str())));
        let items: Vec<Value> = writers
            .into_iter()
            .map(|user| {
                json!({
                    "id": user.id.as_str(),
                    "slug": user.slug.as_str(),
                    "name": user.name,
                    "url": output::author_url(&state.site_url, user),
                    "profile_image": match &user.profile_image {
                        Some(url) if url.starts_with('/') && !url.starts_with("//") => json!(format!("{}{url}", state.site_url)),
                        other => json!(other),
                    },
                })
            })
            .collect();
        Ok(json!({ "authors": items }))
    }
    .await;
    respond(&headers, result)
}

/// The public tags, those without posts too, as Ghost's search index lists them.
pub async fn search_index_tags(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let result = async {
        let tags = state.newsroom.db().tags_with_counts().await?;
        let mut tags: Vec<masthead_core::Tag> =
            tags.into_iter().map(|t| t.tag).filter(|t| t.visibility == masthead_core::TagVisibility::Public).collect();
        // Ghost's order: last changed first, then in the order they were made.
        tags.sort_by(|a, b| b.updated_at.cmp(&a.updated_at).then_with(|| a.id.as_str().cmp(b.id.as_str())));
        let items: Vec<Value> = tags
            .iter()
            .map(|tag| {
                json!({
                    "id": tag.id.as_str(),
                    "slug": tag.slug.as_str(),
                    "name": tag.name,
                    "url": output::tag_url(&state.site_url, tag),
                })
            })
            .collect();
        Ok(json!({ "tags": items }))
    }
    .await;
    respond(&headers, result)
}

/// `/ghost/api/content/search/?q=`: the site's search in the Content API's envelope, with the
/// Content API's key rules. Posts and pages anyone may read are matched, best first; each comes
/// as the posts endpoint shapes it (`include`, `fields` and `formats` work the same), with a
/// `search` object holding the matched passage (escaped HTML, matches in `<mark>`). Narrow with
/// `tag` and `author` (slugs), `from` and `to` (`YYYY-MM-DD`, inclusive) and `sort=newest`.
pub async fn search(State(state): State<AppState>, headers: HeaderMap, query: Query) -> Response {
    let result = async {
        let params = BrowseParams::parse(&query, POST_INCLUDES, POST_FORMATS)?;
        if query.one("filter")?.is_some_and(|f| !f.trim().is_empty()) {
            return Err(ApiError::bad_request("Request not understood error, cannot search.")
                .with_context("Search is narrowed with tag, author, from and to; filter is not supported here."));
        }
        let text = |name: &str| -> Result<String, ApiError> { Ok(query.one(name)?.unwrap_or("").trim().to_owned()) };
        let wanted = crate::site::search::SearchParams {
            q: text("q")?,
            tag: text("tag")?,
            author: text("author")?,
            from: text("from")?,
            to: text("to")?,
            sort: text("sort")?,
            page: usize::try_from(params.page.page).unwrap_or(1),
            exact: matches!(text("exact")?.as_str(), "1" | "true"),
        };
        let limit = usize::try_from(params.page.limit).unwrap_or(15);
        let page = wanted.page;
        let request =
            wanted.request(limit).map_err(|(field, message)| ApiError::validation(message).with_property(field))?;
        if request.offset != (page - 1) * limit {
            return Err(ApiError::validation(format!(
                "Search offers the first {} pages of results.",
                crate::site::search::MAX_PAGE
            ))
            .with_property("page"));
        }
        let results = match state.newsroom.search(masthead_core::search::Searcher::Reader, request).await {
            Ok(results) => results,
            Err(masthead_app::SearchError::Query(error)) => {
                return Err(ApiError::validation(error.to_string()).with_property("q"));
            }
            Err(masthead_app::SearchError::Rebuilding { .. }) => {
                return Err(ApiError::unavailable().with_context("Search is being rebuilt; try again in a minute."));
            }
            Err(error) => {
                tracing::error!(%error, "search failed");
                return Err(ApiError::unavailable());
            }
        };
        let ids: Vec<String> = results.hits.iter().map(|id| id.as_str().to_owned()).collect();
        let posts = state.newsroom.db().posts_by_ids(&ids).await?;
        let mut shape = shape(&state, &params);
        shape.timezone = site_zone(&state).await?;
        if params.includes("tiers") {
            shape.tiers = state.newsroom.db().tiers().await?;
        }
        let audios = crate::site::narration::public_audios(&state, &posts).await?;
        let mut items = Vec::with_capacity(posts.len());
        for post in posts.iter().filter(|p| p.is_live()) {
            let value = with_narration(&shape, post, audios.get(&post.id), output::post(&shape, post));
            let mut value = shape.select(value);
            value["search"] = json!({
                "passage": results.highlighter.passage(&masthead_render::gating::public_plaintext(&post.html)),
                "title": results.highlighter.title(&post.title),
            });
            items.push(value);
        }
        let pages = results.total.div_ceil(limit).min(crate::site::search::MAX_PAGE);
        Ok(json!({
            "posts": items,
            "meta": {
                "pagination": {
                    "page": page, "limit": limit, "pages": pages, "total": results.total,
                    "next": (page < pages).then_some(page + 1), "prev": (page > 1).then_some(page - 1),
                },
                "search": { "q": wanted.q, "corrected": results.corrected },
            }
        }))
    }
    .await;
    respond(&headers, result)
}
