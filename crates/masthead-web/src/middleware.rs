//! Cross-cutting request handling: request ids, URL normalisation, the page cache, themed error
//! pages.

use axum::body::to_bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use masthead_core::Reader;

use crate::AppState;
use crate::cache::{CacheDeps, CacheTtl, CachedPage, Dep, VariesByReader};
use crate::encoded::EncodedBody;
use crate::error::ErrorPage;

/// Shared caches may keep a page a minute and serve it stale while they refresh it or while the
/// origin is down; browsers revalidate every time (a cheap 304 thanks to the ETag).
pub const PUBLIC_PAGE: HeaderValue =
    HeaderValue::from_static("public, max-age=0, s-maxage=60, stale-while-revalidate=30, stale-if-error=86400");
/// Pages served to a signed-in member: the browser may keep them (and revalidate), nobody else.
pub const MEMBER_PAGE: HeaderValue = HeaderValue::from_static("private, max-age=0");
const HTML: HeaderValue = HeaderValue::from_static("text/html; charset=utf-8");
const JSON: HeaderValue = HeaderValue::from_static("application/json; charset=utf-8");
const MAX_PAGE_BYTES: usize = 8 * 1024 * 1024;

/// The header that carries a request's id, in and out.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

tokio::task_local! {
    static CURRENT_REQUEST_ID: std::sync::Arc<str>;
}

/// The id of the request being handled, if called while handling one.
pub fn current_request_id() -> Option<std::sync::Arc<str>> {
    CURRENT_REQUEST_ID.try_with(|id| id.clone()).ok()
}

/// Names every request: the id tower-http's `SetRequestId` gave it (or the one a proxy in front
/// sent, when it looks like an id), put on a tracing span around everything the request does,
/// so every log line it causes carries `id=`, and kept where error answers can quote it.
pub async fn request_context(mut request: Request, next: Next) -> Response {
    let given = request.headers().get(&REQUEST_ID).and_then(|v| v.to_str().ok());
    let usable = given.filter(|id| {
        !id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b))
    });
    let id: std::sync::Arc<str> = match usable {
        Some(id) => id.into(),
        None => {
            let fresh = uuid::Uuid::new_v4().to_string();
            if let Ok(value) = HeaderValue::from_str(&fresh) {
                request.headers_mut().insert(REQUEST_ID, value);
            }
            fresh.into()
        }
    };
    let span = tracing::info_span!("request", id = %id, method = %request.method(), path = %request.uri().path());
    CURRENT_REQUEST_ID.scope(id, tracing::Instrument::instrument(next.run(request), span)).await
}

/// Site URLs are lowercase and end with a slash (`/tag/war/`), as in Ghost. Other spellings get
/// a permanent redirect, so each page has one URL and one cache entry. Files (a dot in the last
/// segment) and media paths keep their case.
pub async fn normalize_path(request: Request, next: Next) -> Response {
    if !matches!(*request.method(), Method::GET | Method::HEAD) {
        return next.run(request).await;
    }
    let path = request.uri().path();
    if let Some(response) = api_slash_redirect(&request) {
        return response;
    }
    let Some(mut target) = canonical_path(path).filter(|canonical| canonical != path) else {
        return next.run(request).await;
    };
    if let Some(query) = request.uri().query() {
        target.push('?');
        target.push_str(query);
    }
    // 301 rather than axum's 308: it is what Ghost answers and what every crawler knows.
    match HeaderValue::from_str(&target) {
        Ok(location) => (StatusCode::MOVED_PERMANENTLY, [(header::LOCATION, location)]).into_response(),
        Err(_) => next.run(request).await,
    }
}

/// Ghost's API answers a path without its trailing slash (`/ghost/api/content/posts`) with a
/// 301 to the path with it, the query kept, cacheable for a year, with the headers its API
/// answers carry. Case and the rest of the path are left alone: slugs and emails live there.
fn api_slash_redirect(request: &Request) -> Option<Response> {
    let path = request.uri().path();
    let last = path.rsplit('/').next().unwrap_or("");
    if !path.starts_with("/ghost/api/") || path.ends_with('/') || last.contains('.') {
        return None;
    }
    let mut target = format!("{path}/");
    if let Some(query) = request.uri().query() {
        target.push('?');
        target.push_str(query);
    }
    let location = HeaderValue::from_str(&target).ok()?;
    let mut response = (
        StatusCode::MOVED_PERMANENTLY,
        [
            (header::LOCATION, location),
            (header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=31536000")),
            (header::VARY, HeaderValue::from_static("Accept-Version")),
            (HeaderName::from_static(crate::api::CONTENT_VERSION), HeaderValue::from_static(crate::api::API_VERSION)),
        ],
    )
        .into_response();
    if path.starts_with("/ghost/api/content/") {
        response.headers_mut().insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    }
    Some(response)
}

/// The one spelling of a site path: one slash between segments and none doubled at the start
/// (`//evil.example/` is another site to a browser), dot segments resolved, lowercase, and a
/// trailing slash unless the last segment names a file. Ghost's API, assets and media keep their
/// case (slugs and emails in them) and are left to their handlers. `None` for what is not
/// normalised; such requests reach the router unchanged.
fn canonical_path(path: &str) -> Option<String> {
    let exempt = |path: &str| ["/content/", "/assets/", "/ghost/"].iter().any(|prefix| path.starts_with(prefix));
    // The live feed's event stream keeps the address every EventSource client is given.
    if exempt(path) || path == "/news/events" {
        return None;
    }
    let collapsed = crate::redirect::site_path(path)?;
    if exempt(&collapsed) {
        return Some(collapsed);
    }
    let mut canonical = collapsed.to_ascii_lowercase();
    let last = canonical.rsplit('/').next().unwrap_or("");
    if !canonical.ends_with('/') && !last.contains('.') {
        canonical.push('/');
    }
    Some(canonical)
}

/// Serves public pages from the page cache, and stores pages that handlers mark cacheable
/// (a [`CacheDeps`] extension on a 200 response).
pub async fn page_cache(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    if !matches!(*request.method(), Method::GET | Method::HEAD) {
        return next.run(request).await;
    }
    // Staff see pages with their own controls ("Edit post"): never served from the public cache,
    // never stored in it, never kept by any other cache. Only a live staff session counts: any
    // other cookie by that name gets the cached public page, so made-up cookies cannot make
    // every request render.
    if crate::admin::session_token(&state, request.headers()).is_some()
        && crate::admin::current_staff(&state, request.headers()).await.is_some()
    {
        let mut response = next.run(request).await;
        response.headers_mut().insert(header::CACHE_CONTROL, crate::admin::PRIVATE);
        return response;
    }
    // A gated story differs by access level, so pages are kept per level; handlers render for
    // exactly the level the page is kept under (they read it from the request).
    let reader = crate::site::members::reader(&state, request.headers()).await;
    request.extensions_mut().insert(reader);
    let key = crate::cache::page_key(reader, request.uri().path());
    if let Some(page) = state.cache.get(&key) {
        return serve(&page, request.headers());
    }
    let lock = state.cache.render_lock(&key);
    let _rendering = lock.lock().await;
    if let Some(page) = state.cache.get(&key) {
        return serve(&page, request.headers());
    }
    let generation = state.cache.generation();
    let headers = request.headers().clone();
    let path = request.uri().path().to_owned();
    let response = next.run(request).await;
    let Some(CacheDeps(mut deps)) = response.extensions().get::<CacheDeps>().cloned() else {
        return response;
    };
    // Every HTML page carries the site-wide campaign strip (the layout shows it), whichever
    // handler made the page.
    if response.headers().get(header::CONTENT_TYPE).is_some_and(|t| t.as_bytes().starts_with(b"text/html"))
        && !deps.contains(&crate::cache::Dep::Campaigns)
    {
        deps.push(crate::cache::Dep::Campaigns);
    }
    if response.status() != StatusCode::OK {
        return response;
    }
    let ttl = response.extensions().get::<CacheTtl>().map(|t| t.0);
    let varies_by_reader = response.extensions().get::<VariesByReader>().is_some();
    let (parts, body) = response.into_parts();
    let content_type = parts.headers.get(header::CONTENT_TYPE).cloned().unwrap_or(HTML);
    let bytes = match to_bytes(body, MAX_PAGE_BYTES).await {
        Ok(bytes) => bytes,
        Err(e) => return crate::WebError::Internal(format!("reading rendered page: {e}")).into_response(),
    };
    // Members' pages are theirs alone: no shared cache or CDN may keep them.
    let cache_control = if reader == Reader::Anonymous { PUBLIC_PAGE } else { MEMBER_PAGE };
    let mut page = CachedPage::new(StatusCode::OK, content_type, cache_control, EncodedBody::new(bytes, true))
        .expiring_after(ttl)
        .varying_by_reader(varies_by_reader);
    if reader == Reader::Anonymous {
        page = page.with_surrogate_keys(&crate::cache::surrogate_keys(&deps, &path));
    }
    let page = page.depending_on(deps);
    let page = state.cache.insert(key, generation, page);
    serve(&page, &headers)
}

/// Content API answers kept at most this long: a bound on how long anything that changes with
/// the clock alone (a campaign's deadline passing) can show stale.
pub const API_ANSWER_MAX_AGE: std::time::Duration = std::time::Duration::from_secs(60);
/// Content API answers larger than this are sent without being kept (a whole archive's search
/// index): they would push out thousands of pages.
const MAX_KEPT_API_ANSWER: usize = 4 * 1024 * 1024;
const MAX_API_ANSWER: usize = 512 * 1024 * 1024;

/// Serves Content API answers from the page cache. The Content API shows public content, the
/// same for every integration, so an answer is kept under its path and query without the key
/// (which `require_content_key` has already checked), made and compressed once, sent with an
/// ETag, and dropped by any change to content or settings (see [`Dep::AnyChange`]).
pub async fn api_cache(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    if !matches!(*request.method(), Method::GET | Method::HEAD) {
        return next.run(request).await;
    }
    let key = crate::cache::api_key(request.uri().path(), request.uri().query());
    if let Some(page) = state.cache.get(&key) {
        return serve_api(&page, request.headers());
    }
    let lock = state.cache.render_lock(&key);
    let _rendering = lock.lock().await;
    if let Some(page) = state.cache.get(&key) {
        return serve_api(&page, request.headers());
    }
    let generation = state.cache.generation();
    let headers = request.headers().clone();
    // The handler answers in full; whether the client already has it is decided below.
    request.headers_mut().remove(header::IF_NONE_MATCH);
    let response = next.run(request).await;
    if response.status() != StatusCode::OK {
        return response;
    }
    let (parts, body) = response.into_parts();
    let bytes = match to_bytes(body, MAX_API_ANSWER).await {
        Ok(bytes) => bytes,
        Err(e) => return crate::WebError::Internal(format!("reading an API answer: {e}")).into_response(),
    };
    if bytes.len() > MAX_KEPT_API_ANSWER {
        return Response::from_parts(parts, axum::body::Body::from(bytes));
    }
    let content_type = parts.headers.get(header::CONTENT_TYPE).cloned().unwrap_or(JSON);
    let cache_control =
        parts.headers.get(header::CACHE_CONTROL).cloned().unwrap_or(HeaderValue::from_static("public, max-age=0"));
    let kept = parts
        .headers
        .iter()
        .filter(|(name, _)| {
            ![header::CONTENT_TYPE, header::CACHE_CONTROL, header::ETAG, header::CONTENT_LENGTH].contains(name)
        })
        .map(|(name, value)| (name.clone(), value.clone()))
        .collect();
    let page = CachedPage::new(StatusCode::OK, content_type, cache_control, EncodedBody::weak(bytes, true))
        .with_headers(kept)
        .depending_on(vec![Dep::AnyChange])
        .expiring_after(Some(API_ANSWER_MAX_AGE));
    let page = state.cache.insert(key, generation, page);
    serve_api(&page, &headers)
}

/// A kept API answer; a 304 varies only by `Accept-Version`, as Ghost's do.
fn serve_api(page: &CachedPage, request: &HeaderMap) -> Response {
    let mut response = serve(page, request);
    if response.status() == StatusCode::NOT_MODIFIED {
        response.headers_mut().insert(header::VARY, HeaderValue::from_static("Accept-Version"));
    }
    response
}

/// After a staff write that succeeded (Admin API or newsroom form), drops this instance's
/// Content API answers: tiers, newsletters and a few other things the Content API shows change
/// without a content change of their own. Other instances drop theirs within
/// [`API_ANSWER_MAX_AGE`].
pub async fn api_answers_follow_writes(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let write = !matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let response = next.run(request).await;
    if write && (response.status().is_success() || response.status().is_redirection()) {
        state.cache.forget_api_answers();
    }
    response
}

/// A cached page for a request (a 304 when the request already has it).
fn serve(page: &CachedPage, request: &HeaderMap) -> Response {
    let mut response = page.body.respond(request, page.status, &page.content_type, &page.cache_control);
    for (name, value) in &page.extra_headers {
        response.headers_mut().insert(name.clone(), value.clone());
    }
    if page.varies_by_reader {
        response.headers_mut().insert(header::VARY, HeaderValue::from_static("accept-encoding, cookie"));
    }
    if let Some((spaced, commas)) = &page.surrogate_keys {
        response.headers_mut().insert("surrogate-key", spaced.clone());
        response.headers_mut().insert("cache-tag", commas.clone());
    }
    response
}

/// Replaces bare error responses (marked with [`ErrorPage`]) by the theme's error page.
pub async fn themed_errors(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let accept_encoding = request.headers().get(header::ACCEPT_ENCODING).cloned();
    let response = next.run(request).await;
    if response.extensions().get::<ErrorPage>().is_none() {
        return response;
    }
    let status = response.status();
    let mut headers = axum::http::HeaderMap::new();
    if let Some(value) = accept_encoding {
        headers.insert(header::ACCEPT_ENCODING, value);
    }
    let no_store = HeaderValue::from_static("no-store");
    let not_found_cache = HeaderValue::from_static("public, max-age=0, s-maxage=60");
    if status == StatusCode::SERVICE_UNAVAILABLE {
        // The database cannot be reached: the page is made without it, and says to come back.
        let (parts, _) = response.into_parts();
        return match crate::site::render_error_page_offline(&state, status) {
            Ok(html) => {
                let mut page = EncodedBody::new(html.into(), true).respond(&headers, status, &HTML, &no_store);
                if let Some(retry_after) = parts.headers.get(header::RETRY_AFTER) {
                    page.headers_mut().insert(header::RETRY_AFTER, retry_after.clone());
                }
                page
            }
            Err(e) => {
                tracing::error!(error = %e, "rendering the outage page failed");
                let text = "This site is unavailable for a moment. Please try again in a minute.";
                (status, parts.headers, text).into_response()
            }
        };
    }
    if status == StatusCode::NOT_FOUND {
        // Every missing URL shows the same page, so it is rendered once and kept under one key
        // (never one entry per URL, which would let anyone fill the cache).
        const KEY: &str = "\u{0}not-found";
        if let Some(page) = state.cache.get(KEY) {
            return page.body.respond(&headers, status, &page.content_type, &page.cache_control);
        }
        let generation = state.cache.generation();
        return match crate::site::render_error_page(&state, status, true).await {
            Ok(html) => {
                let body = EncodedBody::new(html.into(), true);
                let page = CachedPage::new(status, HTML, not_found_cache, body).depending_on(vec![Dep::Listings]);
                let page = state.cache.insert(KEY.to_owned(), generation, page);
                page.body.respond(&headers, status, &page.content_type, &page.cache_control)
            }
            Err(e) => {
                tracing::error!(error = %e, "rendering the 404 page failed");
                // Without the latest stories (the database may be away), and not kept.
                match crate::site::render_error_page_offline(&state, status) {
                    Ok(html) => EncodedBody::new(html.into(), true).respond(&headers, status, &HTML, &no_store),
                    Err(_) => (status, "Page not found").into_response(),
                }
            }
        };
    }
    match crate::site::render_error_page(&state, status, false).await {
        Ok(html) => EncodedBody::new(html.into(), true).respond(&headers, status, &HTML, &no_store),
        Err(e) => {
            tracing::error!(error = %e, "rendering the error page failed");
            (status, [(header::CACHE_CONTROL, no_store)], "Something went wrong. Please try again.").into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn spellings_of_a_page_share_one_url() {
        for (path, expected) in [
            ("/Tag/War", Some("/tag/war/")),
            ("/tag/war/", Some("/tag/war/")),
            ("/sitemap.xml", Some("/sitemap.xml")),
            ("/content/images/A.JPG", None),
            ("/content/images/../../etc/passwd", None),
            ("//evil.example/x", Some("/evil.example/x/")),
            ("//Evil.example", Some("/evil.example")),
            ("/admin/..//evil.example/x", Some("/evil.example/x/")),
            ("/%2F%2Fevil.example", Some("/%2f%2fevil.example")),
            ("//content/images/A.JPG", Some("/content/images/A.JPG")),
        ] {
            assert_eq!(canonical_path(path).as_deref(), expected, "{path}");
        }
    }

    proptest! {
        /// Whatever path a request names, the redirect stays on the site and is final (its
        /// target is not redirected again).
        #[test]
        fn redirects_stay_on_the_site_and_are_final(path in "/[/\\.a-zA-Z%2eEfF:@?]{0,24}") {
            let Ok(uri) = path.parse::<axum::http::Uri>() else { return Ok(()) };
            if let Some(target) = canonical_path(uri.path()) {
                let followed = url::Url::parse("https://news.example.org/").expect("base").join(&target).expect("follows");
                prop_assert_eq!(followed.host_str(), Some("news.example.org"), "{} -> {}", path, target);
                prop_assert!(canonical_path(&target).is_none_or(|again| again == target));
            }
        }
    }
}
