//! HTTP tests of the public site, through the real router. Every test runs on SQLite and on
//! PostgreSQL (see `dual_db_test!`).

mod account_security;
mod admin;
mod api;
mod article;
mod assets_and_media;
mod cache;
mod campaigns;
mod credentials;
mod feeds;
mod gating;
mod ghost_diff;
mod guests;
mod home_and_archives;
mod member_admin;
mod members;
mod narration;
mod news;
mod newsletter_choice;
mod outage;
mod payments;
mod request_ids;
mod search;
mod urls_and_errors;
mod write_path;

use masthead_core::{Post, SiteSettings, StaffUser, Timezone};
use masthead_test_utils::{PostBuilder, StaffBuilder, TestApp};
use scraper::{Html, Selector};
use time::Duration;

/// A small newsroom: two reporters, a multi-author lead story with a photo, and neighbours.
pub struct Fixture {
    pub anna: StaffUser,
    pub boris: StaffUser,
    pub lead: Post,
    pub neighbour: Post,
    pub unrelated: Post,
}

pub async fn newsroom(app: &TestApp) -> Fixture {
    let settings = SiteSettings {
        title: "The Harbour Post".into(),
        timezone: Timezone::parse("Europe/Kyiv").expect("tz"),
        ..SiteSettings::default()
    };
    app.db.save_site_settings(&settings).await.expect("settings");
    app.state.cache.clear();
    let anna = StaffBuilder::new("Anna Field").bio("Covers the front line.").create(&app.db).await;
    let boris = StaffBuilder::new("Boris Lane").create(&app.db).await;
    let now = masthead_core::now();
    let body = "The river rose overnight, officials said.\n\n\"We are ready,\" said the mayor.\n\n## What next\n\nMore rain is forecast.";
    let lead = PostBuilder::published("Floods reach the harbour district")
        .authors(&[&anna, &boris])
        .tags(&["Society", "Weather"])
        .markdown(body)
        .excerpt("Water reached the harbour district overnight.")
        .published_at(now - Duration::hours(2))
        .feature_image(
            "/content/images/2026/11/flood.jpg",
            "Water covers a street lined with shops",
            "Residents wade along Quay Street.",
            "Photo: Anna Field / The Harbour Post",
        )
        .create(&app.newsroom)
        .await;
    let neighbour = PostBuilder::published("Volunteers fill sandbags on the quay")
        .authors(&[&boris])
        .tags(&["Society"])
        .published_at(now - Duration::hours(5))
        .create(&app.newsroom)
        .await;
    let unrelated = PostBuilder::published("Theatre season opens")
        .authors(&[&anna])
        .tags(&["Culture"])
        .published_at(now - Duration::days(3))
        .create(&app.newsroom)
        .await;
    Fixture { anna, boris, lead, neighbour, unrelated }
}

pub fn select<'a>(html: &'a Html, selector: &str) -> Vec<scraper::ElementRef<'a>> {
    let selector = Selector::parse(selector).expect("valid selector");
    html.select(&selector).collect()
}

pub fn text_of(element: &scraper::ElementRef<'_>) -> String {
    element.text().collect::<Vec<_>>().join("").split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The messages mailed to `to` and received by the app's SMTP sink (see `TestApp::mailing`),
/// oldest first: (subject, text body).
pub async fn mail_to(app: &TestApp, to: &str) -> Vec<(String, String)> {
    app.mail()
        .await
        .into_iter()
        .filter(|m| m.rcpt_to.iter().any(|r| r == to))
        .map(|m| (m.subject().unwrap_or_default(), m.text_body()))
        .collect()
}

/// The path (and query) of the link under `prefix` in the newest message to `to`, as the
/// addressee received it.
pub async fn link_to(app: &TestApp, to: &str, prefix: &str) -> String {
    let mail = mail_to(app, to).await;
    let (_, body) = mail.last().unwrap_or_else(|| panic!("no mail to {to}"));
    path_of_link(body, prefix).unwrap_or_else(|| panic!("no {prefix} link in {body}"))
}

/// Every password reset (or invitation) link received so far, oldest first: (address, path).
pub async fn reset_links(app: &TestApp) -> Vec<(String, String)> {
    app.mail()
        .await
        .into_iter()
        .filter_map(|m| Some((m.rcpt_to.first()?.clone(), path_of_link(&m.text_body(), "/admin/reset/")?)))
        .collect()
}

/// The path and query of the first link whose path starts with `prefix` (the site URL cut off).
pub fn path_of_link(body: &str, prefix: &str) -> Option<String> {
    let start = body.find(prefix)?;
    let end = body[start..].find(char::is_whitespace).map_or(body.len(), |e| start + e);
    Some(body[start..end].to_owned())
}
