//! The one route table.

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::{any, get, post};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

use crate::admin::members as member_admin;
use crate::admin::{self, auth, history, manage, posts};
use crate::site::members;
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

    // The newsroom: every state-changing request must come from our own pages.
    let newsroom = Router::new()
        .route("/admin/", get(posts::dashboard))
        .route("/admin/signin/", get(auth::signin_form).post(auth::signin))
        .route("/admin/signout/", post(auth::signout))
        .route("/admin/setup/{token}/", get(auth::setup_form_page).post(auth::setup))
        .route("/admin/forgot/", get(auth::forgot_form_page).post(auth::forgot))
        .route("/admin/reset/{token}/", get(auth::reset_form_page).post(auth::reset))
        .route("/admin/posts/", get(posts::list).post(posts::create_post))
        .route("/admin/posts/new/", get(posts::new_post))
        .route("/admin/posts/{id}/", get(posts::edit_post).post(posts::update_post))
        .route("/admin/posts/{id}/delete/", get(posts::confirm_delete).post(posts::delete_post))
        .route("/admin/posts/{id}/notes/", post(history::add_note))
        .route("/admin/posts/{id}/notes/{note}/delete/", post(history::delete_note))
        .route("/admin/posts/{id}/history/", get(history::history))
        .route("/admin/posts/{id}/history/{revision}/restore/", post(history::restore))
        .route("/admin/preview/", post(posts::preview_markdown))
        .route(
            "/admin/uploads/",
            post(posts::upload).layer(DefaultBodyLimit::max(masthead_media::MAX_UPLOAD_BYTES + 1024 * 1024)),
        )
        .route("/admin/outbox/", get(auth::outbox))
        .route("/admin/staff/", get(manage::staff_page))
        .route("/admin/staff/invite/", post(manage::invite))
        .route("/admin/staff/{id}/role/", post(manage::change_role))
        .route("/admin/staff/{id}/suspend/", post(manage::suspend))
        .route("/admin/staff/{id}/reinstate/", post(manage::reinstate))
        .route("/admin/tags/", get(manage::tags_page))
        .route("/admin/tags/{id}/", post(manage::edit_tag))
        .route("/admin/tags/{id}/delete/", post(manage::delete_tag))
        .route("/admin/settings/", get(manage::settings_page).post(manage::save_settings))
        .route("/admin/sessions/", get(manage::sessions_page))
        .route("/admin/sessions/{id}/revoke/", post(manage::revoke_session))
        .route("/admin/members/", get(member_admin::members_page).post(member_admin::add_member))
        .route("/admin/members/export/", get(member_admin::export_members))
        .route(
            "/admin/members/import/",
            post(member_admin::import_members).layer(DefaultBodyLimit::max(64 * 1024 * 1024)),
        )
        .route("/admin/members/{id}/delete/", post(member_admin::delete_member))
        .route("/admin/newsletters/", get(member_admin::newsletters_page).post(member_admin::create_newsletter))
        .route("/admin/newsletters/{id}/", post(member_admin::update_newsletter))
        .route("/admin/suppressions/", get(member_admin::suppressions_page).post(member_admin::add_suppression))
        .route("/admin/suppressions/remove/", post(member_admin::remove_suppression))
        .route("/admin/emails/", get(member_admin::emails_page))
        .route("/admin/emails/{id}/", get(member_admin::email_page))
        .route("/admin/posts/{id}/email/", get(member_admin::email_preview))
        .route("/admin/posts/{id}/email/test/", post(member_admin::email_test))
        .route("/admin/assets/{*path}", get(admin::asset))
        .route("/admin/{*rest}", any(admin::fallback))
        .route_layer(from_fn_with_state(state.clone(), admin::same_origin_only));

    // Reader accounts: never cached; forms must come from our own pages.
    let members = Router::new()
        .route("/subscribe/", get(members::subscribe_page).post(members::subscribe))
        .route("/subscribe/confirm/", get(members::confirm_page).post(members::confirm))
        .route("/signin/", get(members::signin_page).post(members::signin))
        .route("/signin/confirm/", get(members::signin_link))
        .route("/account/", get(members::account).post(members::save_account))
        .route("/account/email/", post(members::change_email))
        .route("/account/email/confirm/", get(members::confirm_email_change))
        .route("/account/signout/", post(members::signout))
        .route("/account/delete/", post(members::delete_account))
        .route_layer(from_fn_with_state(state.clone(), admin::same_origin_only));

    let https = state.site_url.starts_with("https://");
    let router = Router::new()
        .merge(pages)
        .merge(newsroom)
        .merge(members)
        // Authenticated by the key in the link (RFC 8058 one-click POSTs come from mail providers).
        .route("/unsubscribe/", get(members::unsubscribe_page).post(members::unsubscribe))
        // Authenticated by the shared secret.
        .route("/members/webhooks/bounce/", post(members::bounce_webhook))
        .route("/p/{uuid}/", get(site::article::preview))
        .route("/assets/{*path}", get(assets::serve_asset))
        .route("/content/images/{*path}", get(media::serve_image))
        .route("/robots.txt", get(site::feeds::robots))
        .fallback(site::not_found)
        .layer(from_fn_with_state(state.clone(), middleware::themed_errors))
        .layer(from_fn(middleware::normalize_path))
        .layer(TraceLayer::new_for_http())
        .layer(CatchPanicLayer::new());
    security_headers(router, https).with_state(state)
}

/// Sent with every response. The public theme runs no script; inline styles carry the accent
/// colour. HSTS only when the site is served over HTTPS.
const SECURITY_HEADERS: [(HeaderName, &str); 4] = [
    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    (header::REFERRER_POLICY, "strict-origin-when-cross-origin"),
    (header::X_FRAME_OPTIONS, "SAMEORIGIN"),
    (
        header::CONTENT_SECURITY_POLICY,
        "default-src 'self'; img-src 'self' data: https:; style-src 'self' 'unsafe-inline'; script-src 'self'; \
         object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'self'",
    ),
];

fn security_headers(mut router: Router<AppState>, https: bool) -> Router<AppState> {
    for (name, value) in SECURITY_HEADERS {
        router = router.layer(SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value)));
    }
    if https {
        router = router.layer(SetResponseHeaderLayer::if_not_present(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        ));
    }
    router
}
