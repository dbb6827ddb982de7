//! The one route table.

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::{any, get, post, put};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

use crate::admin::members as member_admin;
use crate::admin::{self, auth, campaigns, feed, history, integrations, manage, posts, transfer};
use crate::admin::{member_detail, member_emails, member_overview};
use crate::api::admin::posts::{Pages, Posts};
use crate::api::{admin as api_admin, campaigns as api_campaigns, content};
use crate::site::{members, payments};
use crate::{AppState, assets, live, media, middleware, site};

pub fn router(state: AppState) -> Router {
    // Public pages: rendered once, then served from the page cache.
    let pages = Router::new()
        .route("/", get(site::home::home))
        .route("/page/{page}/", get(site::home::home_page))
        .route("/rss/", get(site::feeds::site_rss))
        .route("/podcast/rss/", get(site::narration::podcast_rss))
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
        .route("/news/", get(site::news::news))
        .route("/news/before/{cursor}/", get(site::news::news_before))
        .route("/news/rss/", get(site::news::rss))
        .route("/news/{id}/", get(site::news::item))
        .route("/{slug}/", get(site::article::post_or_page))
        .route("/{file}", get(site::feeds::top_level_file))
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
        .route("/admin/posts/related/", get(posts::related_stories))
        .route("/admin/posts/{id}/", get(posts::edit_post).post(posts::update_post))
        .route("/admin/posts/{id}/delete/", get(posts::confirm_delete).post(posts::delete_post))
        .route("/admin/posts/{id}/notes/", post(history::add_note))
        .route("/admin/posts/{id}/notes/{note}/delete/", post(history::delete_note))
        .route("/admin/posts/{id}/history/", get(history::history))
        .route("/admin/posts/{id}/presence/", post(posts::presence))
        .route("/admin/posts/{id}/presence/leave/", post(posts::presence_leave))
        .route("/admin/posts/{id}/history/{revision}/restore/", post(history::restore))
        .route("/admin/preview/", post(posts::preview_markdown))
        .route(
            "/admin/uploads/",
            post(posts::upload).layer(DefaultBodyLimit::max(masthead_media::MAX_UPLOAD_BYTES + 1024 * 1024)),
        )
        .route("/admin/feed/", get(feed::feed_page).post(feed::post_item))
        .route("/admin/feed/{id}/", get(feed::edit_page).post(feed::edit_item))
        .route("/admin/feed/{id}/delete/", post(feed::delete_item))
        .route("/admin/feed/{id}/pin/", post(feed::pin_item))
        .route("/admin/picks/", get(feed::picks).post(feed::add_pick))
        .route("/admin/picks/{id}/", post(feed::change_pick))
        .route("/admin/campaigns/", get(campaigns::list).post(campaigns::create_campaign))
        .route("/admin/campaigns/new/", get(campaigns::new_campaign))
        .route("/admin/campaigns/preview/", post(campaigns::preview))
        .route("/admin/campaigns/{id}/", get(campaigns::edit_campaign).post(campaigns::update_campaign))
        .route("/admin/campaigns/{id}/delete/", post(campaigns::delete_campaign))
        .route("/admin/outbox/", get(auth::outbox))
        .route("/admin/staff/", get(manage::staff_page))
        .route("/admin/staff/invite/", post(manage::invite))
        .route("/admin/staff/{id}/role/", post(manage::change_role))
        .route("/admin/staff/{id}/suspend/", post(manage::suspend))
        .route("/admin/staff/{id}/reinstate/", post(manage::reinstate))
        .route("/admin/guests/", get(admin::guests::guests_page).post(admin::guests::add_guest))
        .route("/admin/guests/{id}/", get(admin::guests::edit_page).post(admin::guests::edit_guest))
        .route("/admin/guests/{id}/delete/", post(admin::guests::delete_guest))
        .route("/admin/tags/", get(manage::tags_page))
        .route("/admin/tags/{id}/", post(manage::edit_tag))
        .route("/admin/tags/{id}/delete/", post(manage::delete_tag))
        .route("/admin/settings/", get(manage::settings_page).post(manage::save_settings))
        .route("/admin/narration/", get(admin::narration::narration_page).post(admin::narration::save_settings))
        .route("/admin/narration/lexicon/", post(admin::narration::save_pronunciation))
        .route("/admin/narration/lexicon/delete/", post(admin::narration::delete_pronunciation))
        .route("/admin/posts/{id}/narration/", post(admin::narration::story_action))
        .route("/admin/sessions/", get(manage::sessions_page))
        .route("/admin/sessions/{id}/revoke/", post(manage::revoke_session))
        .route("/admin/members/", get(member_admin::members_page).post(member_admin::add_member))
        .route("/admin/members/export/", get(member_admin::export_members))
        .route(
            "/admin/members/import/",
            post(member_admin::import_members).layer(DefaultBodyLimit::max(64 * 1024 * 1024)),
        )
        .route("/admin/members/{id}/delete/", post(member_admin::delete_member))
        .route("/admin/tiers/", get(admin::tiers::tiers_page).post(admin::tiers::add_tier))
        .route("/admin/tiers/{id}/", post(admin::tiers::edit_tier))
        .route("/admin/members/overview/", get(member_overview::overview_page))
        .route("/admin/members/emails/", get(member_emails::emails_page).post(member_emails::email_action))
        .route("/admin/members/{id}/", get(member_detail::member_detail))
        .route("/admin/members/{id}/labels/", post(member_detail::add_label))
        .route("/admin/members/{id}/labels/{label}/remove/", post(member_detail::remove_label))
        .route("/admin/members/{id}/comp/", post(member_detail::grant_comp))
        .route("/admin/members/{id}/comp/remove/", post(member_detail::remove_comp))
        .route("/admin/newsletters/", get(member_admin::newsletters_page).post(member_admin::create_newsletter))
        .route("/admin/newsletters/{id}/", post(member_admin::update_newsletter))
        .route("/admin/suppressions/", get(member_admin::suppressions_page).post(member_admin::add_suppression))
        .route("/admin/suppressions/remove/", post(member_admin::remove_suppression))
        .route("/admin/emails/", get(member_admin::emails_page))
        .route("/admin/emails/{id}/", get(member_admin::email_page))
        .route("/admin/posts/{id}/email/", get(member_admin::email_preview))
        .route("/admin/posts/{id}/email/test/", post(member_admin::email_test))
        .route("/admin/integrations/", get(integrations::integrations_page).post(integrations::create_integration))
        .route("/admin/integrations/{id}/", post(integrations::rename_integration))
        .route("/admin/integrations/{id}/regenerate/", post(integrations::regenerate_key))
        .route("/admin/integrations/{id}/delete/", post(integrations::delete_integration))
        .route("/admin/transfer/", get(transfer::transfer_page))
        // The export and, optionally, an archive of Ghost's images; larger sites use the command line.
        .route("/admin/transfer/import/", post(transfer::import).layer(DefaultBodyLimit::max(512 * 1024 * 1024)))
        .route("/admin/transfer/export/", get(transfer::export))
        .route("/admin/assets/{*path}", get(admin::asset))
        .route("/admin/{*rest}", any(admin::fallback))
        .route_layer(from_fn_with_state(state.clone(), admin::same_origin_only))
        .route_layer(from_fn_with_state(state.clone(), middleware::api_answers_follow_writes));

    // The Content API's search: the same key rules, outside the answer cache (the index follows
    // the database a moment after each change).
    let content_search = Router::new()
        .route("/ghost/api/content/search/", get(content::search))
        .route_layer(from_fn_with_state(state.clone(), content::require_content_key))
        .layer(from_fn(content::cors));

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
        .route("/account/billing/", post(payments::billing))
        .route("/join/", get(payments::membership_page))
        .route("/join/checkout/", post(payments::membership_checkout))
        .route("/join/thanks/", get(payments::membership_thanks))
        .route("/donate/", get(payments::donate_page))
        .route("/donate/checkout/", post(payments::donate_checkout))
        .route("/donate/thanks/", get(payments::donate_thanks))
        .route_layer(from_fn_with_state(state.clone(), admin::same_origin_only));

    // Ghost's Content API: public content for any origin, behind a content key.
    let content_api = Router::new()
        .route("/ghost/api/content/posts/", get(content::posts))
        .route("/ghost/api/content/posts/{id}/", get(content::post))
        .route("/ghost/api/content/posts/slug/{slug}/", get(content::post_by_slug))
        .route("/ghost/api/content/pages/", get(content::pages))
        .route("/ghost/api/content/pages/{id}/", get(content::page))
        .route("/ghost/api/content/pages/slug/{slug}/", get(content::page_by_slug))
        .route("/ghost/api/content/tags/", get(content::tags))
        .route("/ghost/api/content/tags/{id}/", get(content::tag))
        .route("/ghost/api/content/tags/slug/{slug}/", get(content::tag_by_slug))
        .route("/ghost/api/content/authors/", get(content::authors))
        .route("/ghost/api/content/authors/{id}/", get(content::author))
        .route("/ghost/api/content/authors/slug/{slug}/", get(content::author_by_slug))
        .route("/ghost/api/content/settings/", get(content::settings))
        .route("/ghost/api/content/recommendations/", get(content::recommendations))
        .route("/ghost/api/content/search-index/posts/", get(content::search_index_posts))
        .route("/ghost/api/content/search-index/authors/", get(content::search_index_authors))
        .route("/ghost/api/content/search-index/tags/", get(content::search_index_tags))
        .route("/ghost/api/content/tiers/", get(content::tiers))
        .route("/ghost/api/content/newsletters/", get(content::newsletters))
        .route("/ghost/api/content/feed_items/", get(api_admin::feed_items::content_browse))
        .route("/ghost/api/content/feed_items/{id}/", get(api_admin::feed_items::content_read))
        .route("/ghost/api/content/campaigns/", get(api_campaigns::browse))
        .route("/ghost/api/content/campaigns/{id}/", get(api_campaigns::read))
        .route("/ghost/api/content/{*rest}", any(api_admin::unknown))
        .route_layer(from_fn_with_state(state.clone(), middleware::api_cache))
        .route_layer(from_fn_with_state(state.clone(), content::require_content_key))
        .layer(from_fn(content::cors));

    // Ghost's Admin API: integrations sign JWTs; staff sessions must come from our pages.
    let admin_api = Router::new()
        .route("/ghost/api/admin/site/", get(api_admin::settings::read_site))
        .route(
            "/ghost/api/admin/posts/",
            get(api_admin::posts::browse_stories::<Posts>).post(api_admin::posts::add_story::<Posts>),
        )
        .route(
            "/ghost/api/admin/posts/{id}/",
            get(api_admin::posts::read_story::<Posts>)
                .put(api_admin::posts::edit_story::<Posts>)
                .delete(api_admin::posts::delete_story::<Posts>),
        )
        .route("/ghost/api/admin/posts/slug/{slug}/", get(api_admin::posts::read_story_by_slug::<Posts>))
        .route(
            "/ghost/api/admin/pages/",
            get(api_admin::posts::browse_stories::<Pages>).post(api_admin::posts::add_story::<Pages>),
        )
        .route(
            "/ghost/api/admin/pages/{id}/",
            get(api_admin::posts::read_story::<Pages>)
                .put(api_admin::posts::edit_story::<Pages>)
                .delete(api_admin::posts::delete_story::<Pages>),
        )
        .route("/ghost/api/admin/pages/slug/{slug}/", get(api_admin::posts::read_story_by_slug::<Pages>))
        .route(
            "/ghost/api/admin/images/upload/",
            post(api_admin::images::upload_image)
                .layer(DefaultBodyLimit::max(masthead_media::MAX_UPLOAD_BYTES + 1024 * 1024)),
        )
        .route("/ghost/api/admin/tags/", get(api_admin::tags::browse_tags).post(api_admin::tags::add_tag))
        .route(
            "/ghost/api/admin/tags/{id}/",
            get(api_admin::tags::read_tag).put(api_admin::tags::edit_tag).delete(api_admin::tags::delete_tag),
        )
        .route("/ghost/api/admin/tags/slug/{slug}/", get(api_admin::tags::read_tag_by_slug))
        .route("/ghost/api/admin/labels/", get(api_admin::labels::browse_labels))
        .route("/ghost/api/admin/labels/{id}/", get(api_admin::labels::read_label))
        .route("/ghost/api/admin/labels/slug/{slug}/", get(api_admin::labels::read_label_by_slug))
        .route("/ghost/api/admin/feed_items/", get(api_admin::feed_items::browse).post(api_admin::feed_items::add))
        .route(
            "/ghost/api/admin/feed_items/{id}/",
            get(api_admin::feed_items::read).put(api_admin::feed_items::edit).delete(api_admin::feed_items::delete),
        )
        .route("/ghost/api/admin/campaigns/", get(api_admin::campaigns::browse).post(api_admin::campaigns::add))
        .route(
            "/ghost/api/admin/campaigns/{id}/",
            get(api_admin::campaigns::read).put(api_admin::campaigns::edit).delete(api_admin::campaigns::delete),
        )
        .route("/ghost/api/admin/users/", get(api_admin::users::browse_users))
        .route("/ghost/api/admin/users/{id}/", get(api_admin::users::read_user))
        .route("/ghost/api/admin/users/slug/{slug}/", get(api_admin::users::read_user_by_slug))
        .route("/ghost/api/admin/users/email/{email}/", get(api_admin::users::read_user_by_email))
        .route(
            "/ghost/api/admin/members/",
            get(api_admin::members::browse_members).post(api_admin::members::add_member),
        )
        .route(
            "/ghost/api/admin/members/upload/",
            get(api_admin::members::export_members_csv).post(api_admin::members::import_members_csv),
        )
        .route(
            "/ghost/api/admin/members/{id}/",
            get(api_admin::members::read_member)
                .put(api_admin::members::edit_member)
                .delete(api_admin::members::delete_member),
        )
        .route(
            "/ghost/api/admin/newsletters/",
            get(api_admin::newsletters::browse_newsletters).post(api_admin::newsletters::add_newsletter),
        )
        .route(
            "/ghost/api/admin/newsletters/{id}/",
            get(api_admin::newsletters::read_newsletter).put(api_admin::newsletters::edit_newsletter),
        )
        .route("/ghost/api/admin/tiers/", get(api_admin::tiers::browse_tiers).post(api_admin::tiers::add_tier))
        .route("/ghost/api/admin/tiers/{id}/", get(api_admin::tiers::read_tier).put(api_admin::tiers::edit_tier))
        .route("/ghost/api/admin/settings/", get(api_admin::settings::read_settings))
        .route("/ghost/api/admin/roles/", get(api_admin::users::browse_roles))
        .route(
            "/ghost/api/admin/db/",
            get(api_admin::db::export_db)
                .post(api_admin::db::import_db)
                .layer(DefaultBodyLimit::max(256 * 1024 * 1024)),
        )
        .route("/ghost/api/admin/webhooks/", post(api_admin::webhooks::add_webhook))
        .route(
            "/ghost/api/admin/webhooks/{id}/",
            put(api_admin::webhooks::edit_webhook).delete(api_admin::webhooks::delete_webhook),
        )
        .route("/ghost/api/admin/{*rest}", any(api_admin::unknown))
        .route("/ghost/api/openapi.json", get(crate::api::openapi::serve))
        .route_layer(from_fn_with_state(state.clone(), middleware::api_answers_follow_writes));

    let https = state.site_url.starts_with("https://");
    let router = Router::new()
        .merge(pages)
        .merge(newsroom)
        .merge(members)
        .merge(content_api)
        .merge(content_search)
        .merge(admin_api)
        // Authenticated by the key in the link (RFC 8058 one-click POSTs come from mail providers).
        .route("/unsubscribe/", get(members::unsubscribe_page).post(members::unsubscribe))
        // Authenticated by the shared secret.
        .route("/members/webhooks/bounce/", post(members::bounce_webhook))
        .route("/members/webhooks/stripe/", post(payments::stripe_webhook))
        .route("/p/{uuid}/", get(site::article::preview))
        // The live feed's updates: a stream per open page, and a poll a CDN can answer.
        .route("/news/events", get(live::events))
        .route("/news/updates.json", get(live::updates))
        .route("/assets/{*path}", get(assets::serve_asset))
        .route("/content/images/{*path}", get(media::serve_image))
        // Not through the page cache: byte ranges, and gated stories' audio checked per reader.
        .route("/content/narrations/{post}/{file}", get(site::narration::serve_audio))
        .route("/robots.txt", get(site::feeds::robots))
        // Search: never cached (the index follows the database a moment after each change).
        .route("/search/", get(site::search::search_page))
        .route("/opensearch.xml", get(site::search::opensearch))
        .fallback(site::not_found)
        .layer(from_fn_with_state(state.clone(), middleware::themed_errors))
        .layer(from_fn(middleware::normalize_path))
        .layer(TraceLayer::new_for_http())
        // Outermost first: an id for every request (tower-http), a span and an error reference
        // carrying it, and the same id on the response.
        .layer(PropagateRequestIdLayer::new(middleware::REQUEST_ID))
        .layer(from_fn(middleware::request_context))
        .layer(SetRequestIdLayer::new(middleware::REQUEST_ID, MakeRequestUuid))
        .layer(CatchPanicLayer::new());
    security_headers(router, https).with_state(state)
}

/// Sent with every response. The public theme's one script (live feed updates) is its own;
/// inline styles carry the accent colour; stories frame only the embed providers' players
/// (`masthead_render::lexical::embed::FRAME_ORIGINS`). HSTS only when the site is served over
/// HTTPS.
const SECURITY_HEADERS: [(HeaderName, &str); 4] = [
    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    (header::REFERRER_POLICY, "strict-origin-when-cross-origin"),
    (header::X_FRAME_OPTIONS, "SAMEORIGIN"),
    (
        header::CONTENT_SECURITY_POLICY,
        "default-src 'self'; img-src 'self' data: https:; style-src 'self' 'unsafe-inline'; script-src 'self'; \
         object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'self'; \
         frame-src 'self' https://www.youtube-nocookie.com https://player.vimeo.com https://platform.twitter.com \
         https://www.instagram.com https://t.me https://open.spotify.com https://w.soundcloud.com https://www.tiktok.com",
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_lets_stories_frame_every_embed_provider_and_nothing_else() {
        let (_, policy) =
            SECURITY_HEADERS.iter().find(|(name, _)| name == header::CONTENT_SECURITY_POLICY).expect("a policy");
        let frame_src =
            policy.split(';').map(str::trim).find_map(|d| d.strip_prefix("frame-src ")).expect("a frame-src directive");
        let mut allowed: Vec<&str> = frame_src.split_whitespace().filter(|s| *s != "'self'").collect();
        let mut providers = masthead_render::lexical::embed::FRAME_ORIGINS.to_vec();
        allowed.sort_unstable();
        providers.sort_unstable();
        assert_eq!(allowed, providers);
    }
}
