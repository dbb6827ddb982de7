//! Cross-cutting request handling: URL normalisation, the page cache, themed error pages.

use axum::body::to_bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::AppState;
use crate::cache::{CacheDeps, CacheTtl, CachedPage, Dep};
use crate::encoded::EncodedBody;
use crate::error::ErrorPage;

/// Shared caches may keep a page a minute and serve it stale while they refresh it or while the
/// origin is down; browsers revalidate every time (a cheap 304 thanks to the ETag).
pub const PUBLIC_PAGE: HeaderValue =
    HeaderValue::from_static("public, max-age=0, s-maxage=60, stale-while-revalidate=30, stale-if-error=86400");
const HTML: HeaderValue = HeaderValue::from_static("text/html; charset=utf-8");
const MAX_PAGE_BYTES: usize = 8 * 1024 * 1024;

/// Site URLs are lowercase and end with a slash (`/tag/war/`), as in Ghost. Other spellings get
/// a permanent redirect, so each page has one URL and one cache entry. Files (a dot in the last
/// segment) and media paths are left alone.
pub async fn normalize_path(request: Request, next: Next) -> Response {
    let path = request.uri().path();
    // Ghost API paths keep their case (slugs and emails in them) and are never redirected.
    let exempt = path.starts_with("/content/") || path.starts_with("/assets/") || path.starts_with("/ghost/");
    let last = path.rsplit('/').next().unwrap_or("");
    let needs_slash = !path.ends_with('/') && !last.contains('.');
    let needs_lowercase = path.bytes().any(|b| b.is_ascii_uppercase());
    if exempt || !(needs_slash || needs_lowercase) || !matches!(*request.method(), Method::GET | Method::HEAD) {
        return next.run(request).await;
    }
    let mut target = if needs_lowercase { path.to_ascii_lowercase() } else { path.to_owned() };
    if needs_slash {
        target.push('/');
    }
    if let Some(query) = request.uri().query() {
        target.push('?');
        target.push_str(query);
    }
    // 301 rather than axum's 308: it is what Ghost answers and what every crawler knows.
    match HeaderValue::from_str(&target) {
        Ok(location) if target.parse::<Uri>().is_ok() => {
            (StatusCode::MOVED_PERMANENTLY, [(header::LOCATION, location)]).into_response()
        }
        _ => next.run(request).await,
    }
}

/// Serves public pages from the page cache, and stores pages that handlers mark cacheable
/// (a [`CacheDeps`] extension on a 200 response).
pub async fn page_cache(State(state): State<AppState>, request: Request, next: Next) -> Response {
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
    if let Some(page) = state.cache.get(request.uri().path()) {
        return page.body.respond(request.headers(), page.status, &page.content_type, &page.cache_control);
    }
    let key = request.uri().path().to_owned();
    let lock = state.cache.render_lock(&key);
    let _rendering = lock.lock().await;
    if let Some(page) = state.cache.get(&key) {
        return page.body.respond(request.headers(), page.status, &page.content_type, &page.cache_control);
    }
    let generation = state.cache.generation();
    let headers = request.headers().clone();
    let response = next.run(request).await;
    let Some(CacheDeps(deps)) = response.extensions().get::<CacheDeps>().cloned() else {
        return response;
    };
    if response.status() != StatusCode::OK {
        return response;
    }
    let ttl = response.extensions().get::<CacheTtl>().map(|t| t.0);
    let (parts, body) = response.into_parts();
    let content_type = parts.headers.get(header::CONTENT_TYPE).cloned().unwrap_or(HTML);
    let bytes = match to_bytes(body, MAX_PAGE_BYTES).await {
        Ok(bytes) => bytes,
        Err(e) => return crate::WebError::Internal(format!("reading rendered page: {e}")).into_response(),
    };
    let page = CachedPage::new(StatusCode::OK, content_type, PUBLIC_PAGE, EncodedBody::new(bytes, true))
        .depending_on(deps)
        .expiring_after(ttl);
    let page = state.cache.insert(key, generation, page);
    page.body.respond(&headers, page.status, &page.content_type, &page.cache_control)
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
                (status, "Page not found").into_response()
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
