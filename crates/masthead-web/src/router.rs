//! The one route table.

use axum::Router;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::get;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::trace::TraceLayer;

use crate::{AppState, assets, media, middleware, site};

pub fn router(state: AppState) -> Router {
    // Public pages: rendered once, then served from the page cache.
    let pages = Router::new()
        .route("/", get(site::home::home))
        .route("/page/{page}/", get(site::home::home_page))
        .route("/rss/", get(site::feeds::site_rss))
        .route("/sitemap.xml", get(site::feeds::sitemap_index))
        .route("/sitemap-posts.xml", get(site::feeds::sitemap_posts))
        .route("/sitemap-pages.xml", get(site::feeds::sitemap_pages))
        .route("/sitemap-tags.xml", get(site::feeds::sitemap_tags))
        .route("/sitemap-authors.xml", get(site::feeds::sitemap_authors))
        .route("/sitemap-news.xml", get(site::feeds::sitemap_news))
        .route("/tag/{slug}/", get(site::archive::tag))
        .route("/tag/{slug}/page/{page}/", get(site::archive::tag_page))
        .route("/tag/{slug}/rss/", get(site::feeds::tag_rss))
        .route("/author/{slug}/", get(site::archive::author))
        .route("/author/{slug}/page/{page}/", get(site::archive::author_page))
        .route("/author/{slug}/rss/", get(site::feeds::author_rss))
        .route("/{slug}/", get(site::article::post_or_page))
        .route_layer(from_fn_with_state(state.clone(), middleware::page_cache));

    Router::new()
        .merge(pages)
        .route("/assets/{*path}", get(assets::serve_asset))
        .route("/content/images/{*path}", get(media::serve_image))
        .route("/robots.txt", get(site::feeds::robots))
        .fallback(site::not_found)
        .layer(from_fn_with_state(state.clone(), middleware::themed_errors))
        .layer(from_fn(middleware::normalize_path))
        .layer(TraceLayer::new_for_http())
        .layer(CatchPanicLayer::new())
        .with_state(state)
}
