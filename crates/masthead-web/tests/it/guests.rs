//! Guest contributors: bylines for people without accounts.

use masthead_core::Role;
use masthead_test_utils::{PostBuilder, TestApp, dual_db_test};
use scraper::Html;
use serde_json::Value;

use crate::admin::{send, staff};
use crate::api::integration;
use crate::{select, text_of};

const GUEST_FORM: &str = "name=Gita+Guest&slug=&bio=Op-ed+writer+%3Cb%3Eand%3C%2Fb%3E+novelist.&profile_image=https%3A%2F%2Fcdn.example.org%2Fgita.jpg\
    &website=https%3A%2F%2Fgita.example&location=Tartu&twitter=https%3A%2F%2Fx.com%2Fgita_g&facebook=";

dual_db_test!(async fn an_editor_adds_a_guest_who_appears_wherever_an_author_does(db) {
    let app = TestApp::new(&db).await;
    let (_, editor) = staff(&app, "Edda Editor", Role::Editor).await;
    let added = send(&app, "POST", "/admin/guests/", Some(&editor), GUEST_FORM).await;
    assert_eq!(added.status, 303, "{}", added.text());
    let guest = app.db.user_by_slug("gita-guest").await.expect("read").expect("the guest was added");
    assert!(guest.is_guest() && guest.email.is_empty());
    assert_eq!(guest.twitter.as_deref(), Some("@gita_g"), "stored as Ghost stores it");
    assert_eq!(added.header("location"), Some(format!("/admin/guests/{}/", guest.id).as_str()));
    let listed = send(&app, "GET", "/admin/guests/", Some(&editor), "").await;
    assert!(listed.text().contains("Gita Guest"));
    assert!(!send(&app, "GET", "/admin/staff/", Some(&editor), "").await.text().contains("Gita Guest"), "not staff");
    let editor_page = send(&app, "GET", "/admin/posts/new/", Some(&editor), "").await;
    assert!(editor_page.text().contains(&format!("value=\"{}\"", guest.id)), "the editor offers the guest as an author");

    let post = PostBuilder::published("Why the ferry matters").authors(&[&guest]).create(&app.newsroom).await;
    let article = app.get(&format!("/{}/", post.slug)).await;
    assert_eq!(article.status, 200);
    let html = Html::parse_document(&article.text());
    let byline: Vec<(String, Option<String>)> = select(&html, ".byline a[rel=author]")
        .iter()
        .map(|a| (text_of(a), a.value().attr("href").map(str::to_owned)))
        .collect();
    assert_eq!(byline, [("Gita Guest".to_owned(), Some("/author/gita-guest/".to_owned()))]);
    let json_ld: Value = serde_json::from_str(&text_of(&select(&html, "script[type='application/ld+json']")[0])).expect("JSON-LD");
    assert_eq!(json_ld["author"][0]["name"], "Gita Guest");
    assert!(json_ld["author"][0]["url"].as_str().is_some_and(|u| u.ends_with("/author/gita-guest/")), "{json_ld}");

    let author_page = app.get("/author/gita-guest/").await;
    assert_eq!(author_page.status, 200);
    let page = author_page.text();
    assert!(page.contains("Op-ed writer &lt;b&gt;and&lt;&#x2f;b&gt; novelist.") || page.contains("Op-ed writer &lt;b&gt;and&lt;/b&gt; novelist."), "the bio, escaped: {page}");
    assert!(page.contains("Why the ferry matters"));

    let key = integration(&app).await.content_key.expect("content key");
    let authors: Value = serde_json::from_str(&app.get(&format!("/ghost/api/content/authors/?key={key}")).await.text()).expect("JSON");
    let names: Vec<&str> = authors["authors"].as_array().expect("authors").iter().filter_map(|a| a["name"].as_str()).collect();
    assert!(names.contains(&"Gita Guest"), "{names:?}");
    let one: Value = serde_json::from_str(&app.get(&format!("/ghost/api/content/authors/slug/gita-guest/?key={key}")).await.text()).expect("JSON");
    assert_eq!(one["authors"][0]["bio"], "Op-ed writer <b>and</b> novelist.");
    assert!(one["authors"][0].get("email").is_none(), "the Content API shows no address");
    let posts: Value = serde_json::from_str(&app.get(&format!("/ghost/api/content/posts/?key={key}&include=authors")).await.text()).expect("JSON");
    assert_eq!(posts["posts"][0]["authors"][0]["slug"], "gita-guest");
    assert_eq!(posts["posts"][0]["primary_author"]["name"], "Gita Guest");

    // Removing a guest with stories would change a published byline: refused, nothing lost.
    let refused = send(&app, "POST", &format!("/admin/guests/{}/delete/", guest.id), Some(&editor), "").await;
    assert_eq!(refused.status, 422, "{}", refused.text());
    assert!(refused.text().contains("1 story still carries this byline"));
    assert!(app.db.user_by_id(&guest.id).await.expect("read").is_some());
});

dual_db_test!(async fn a_refused_guest_form_says_why_and_keeps_what_was_typed(db) {
    let app = TestApp::new(&db).await;
    let (_, editor) = staff(&app, "Edda Editor", Role::Editor).await;
    let form = "name=Gita+%22Guest%22&slug=&bio=Keeps+this+bio&profile_image=&website=javascript%3Aalert(1)&location=&twitter=&facebook=";
    let refused = send(&app, "POST", "/admin/guests/", Some(&editor), form).await;
    assert_eq!(refused.status, 422);
    let html = Html::parse_document(&refused.text());
    assert!(text_of(&select(&html, ".error")[0]).contains("not an http(s) address"), "{}", refused.text());
    assert_eq!(select(&html, "input[name=name]")[0].value().attr("value"), Some("Gita \"Guest\""), "kept and escaped");
    assert_eq!(text_of(&select(&html, "textarea[name=bio]")[0]), "Keeps this bio");
    assert_eq!(select(&html, "input[name=website]")[0].value().attr("aria-invalid"), Some("true"));
    assert!(app.db.authors().await.expect("authors").iter().all(|a| !a.is_guest()), "nothing saved");

    // A slug another author has is the slug field's problem.
    send(&app, "POST", "/admin/guests/", Some(&editor), "name=Edda+Editor+Guest&slug=edda-editor").await;
    let taken = send(&app, "POST", "/admin/guests/", Some(&editor), "name=Someone&slug=edda-editor").await;
    assert_eq!(taken.status, 422);
    assert!(taken.text().contains("another author already has the slug"), "{}", taken.text());
});

dual_db_test!(async fn contributors_and_authors_cannot_manage_guests_nor_cross_site_forms(db) {
    let app = TestApp::new(&db).await;
    let (_, contributor) = staff(&app, "Cleo Contributor", Role::Contributor).await;
    let (_, author) = staff(&app, "Aino Author", Role::Author).await;
    let (_, editor) = staff(&app, "Edda Editor", Role::Editor).await;
    for cookie in [&contributor, &author] {
        assert_eq!(send(&app, "GET", "/admin/guests/", Some(cookie), "").await.status, 403);
        assert_eq!(send(&app, "POST", "/admin/guests/", Some(cookie), GUEST_FORM).await.status, 403);
    }
    let evil = axum::http::Request::post("/admin/guests/")
        .header("origin", "https://evil.example")
        .header("cookie", &editor)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(axum::body::Body::from(GUEST_FORM))
        .expect("request");
    assert_eq!(app.request(evil).await.status, 403);
    assert_eq!(app.db.authors().await.expect("authors").iter().filter(|a| a.is_guest()).count(), 0);
    // Guests are not staff accounts: staff routes do not reach them.
    send(&app, "POST", "/admin/guests/", Some(&editor), GUEST_FORM).await;
    let guest = app.db.user_by_slug("gita-guest").await.expect("read").expect("guest");
    let role = send(&app, "POST", &format!("/admin/staff/{}/role/", guest.id), Some(&editor), "role=author").await;
    assert_eq!(role.status, 404);
});

dual_db_test!(async fn a_guest_cannot_sign_in_or_be_sent_a_reset_link(db) {
    let app = TestApp::new(&db).await;
    let (_, editor) = staff(&app, "Edda Editor", Role::Editor).await;
    send(&app, "POST", "/admin/guests/", Some(&editor), GUEST_FORM).await;
    let guest = app.db.user_by_slug("gita-guest").await.expect("read").expect("guest");
    // No address, no password: every way in starts from one.
    for email in ["", "gita-guest@guest.invalid", "gita-guest"] {
        assert!(app.newsroom.sign_in(email, "", "client").await.is_err());
        let form = format!("email={email}&password=whatever+long+enough");
        assert_eq!(send(&app, "POST", "/admin/signin/", None, &form).await.status, 401, "{email:?}");
        app.newsroom.request_password_reset(email, "https://news.example.org").await.expect("answered the same");
    }
    assert!(app.newsroom.password_reset_link("gita-guest@guest.invalid", "https://news.example.org").await.is_err());
    assert!(app.db.outbox().await.expect("outbox").is_empty(), "no reset link was made for anyone");
    assert!(app.newsroom.set_password(&guest.id, "a long enough secret").await.is_err(), "a guest has no password to set");
    assert_eq!(app.db.password_hash(&guest.id).await.expect("read"), None);
});
