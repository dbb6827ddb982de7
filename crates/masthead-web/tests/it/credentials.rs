//! One-time links (password resets, invitations, readers' sign-in and confirmation links) reach
//! their addressee only: with no SMTP configured (the default) the outbox keeps such a message
//! with its link withheld, so an administrator cannot take over the owner's account by asking
//! for a reset and reading the outbox.

use axum::body::Body;
use axum::http::Request;
use masthead_core::Role;
use masthead_test_utils::{TestApp, TestResponse, dual_db_test};

const PASSWORD: &str = "a long enough secret";

async fn post_form(app: &TestApp, path: &str, cookie: Option<&str>, body: &str) -> TestResponse {
    let mut request = Request::post(path)
        .header("origin", "https://news.example.org")
        .header("content-type", "application/x-www-form-urlencoded");
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    app.request(request.body(Body::from(body.to_owned())).expect("request")).await
}

/// Whether `text` holds something shaped like one of our tokens: 64 hex digits in a row.
fn has_token(text: &str) -> bool {
    text.as_bytes().windows(64).any(|w| w.iter().all(u8::is_ascii_hexdigit))
}

dual_db_test!(async fn an_administrator_cannot_read_the_owners_reset_link_in_the_outbox(db) {
    let app = TestApp::new(&db).await;
    app.newsroom.add_staff("Olena Owner", "owner@news.example.org", Role::Owner, Some(PASSWORD)).await.expect("owner");
    let admin = app.newsroom.add_staff("Ada Min", "ada@news.example.org", Role::Administrator, Some(PASSWORD)).await.expect("admin");
    let cookie = app.session_cookie(&app.newsroom.open_session(&admin, None, None).await.expect("session"));

    // The administrator asks for the owner's reset, invites a colleague, and readers ask for links.
    assert_eq!(post_form(&app, "/admin/forgot/", None, "email=owner%40news.example.org").await.status, 200);
    let invited = post_form(&app, "/admin/staff/invite/", Some(&cookie), "name=Nina+New&email=nina%40news.example.org&role=editor").await;
    assert_eq!(invited.status, 303);
    assert_eq!(post_form(&app, "/subscribe/", None, "email=reader%40example.org").await.status, 200);

    let page = app.get_with("/admin/outbox/", &[("cookie", &cookie)]).await;
    assert_eq!(page.status, 200);
    let html = page.text();
    assert!(html.contains("Reset your password") && html.contains("owner@news.example.org"), "the message is listed");
    assert!(html.contains("Your invitation to") && html.contains("Confirm your subscription"));
    assert!(html.contains("one-time link withheld") && html.contains("masthead user reset --email"), "it says how to get a link");
    for secret in ["/admin/reset/", "/subscribe/confirm/", "token="] {
        assert!(!html.contains(secret), "{secret} shown in the outbox");
    }
    assert!(!has_token(&html), "no token in the outbox page");

    // Nor is the link anywhere in the stored rows.
    let rows = db.outbox().await.expect("outbox");
    assert_eq!(rows.len(), 3);
    for row in &rows {
        assert!(row.carries_link && !row.link_kept, "{row:?}");
        assert!(!has_token(&row.text_body) && row.text_body.contains("[one-time link withheld"), "{}", row.text_body);
    }

    // The reset itself still works, for whoever holds a link made for them: here, an operator's.
    let link = app.newsroom.password_reset_link("owner@news.example.org", "https://news.example.org").await.expect("link");
    let path = link.trim_start_matches("https://news.example.org");
    assert_eq!(post_form(&app, path, None, "password=the+owners+new+secret").await.status, 200);
    let signin = post_form(&app, "/admin/signin/", None, "email=owner%40news.example.org&password=the+owners+new+secret").await;
    assert_eq!(signin.status, 303);
});

dual_db_test!(async fn a_mailed_link_is_forgotten_once_the_relay_takes_it_and_spent_links_are_never_sent(db) {
    let app = TestApp::mailing(&db).await;
    app.newsroom.add_staff("Olena Owner", "owner@news.example.org", Role::Owner, Some(PASSWORD)).await.expect("owner");
    app.newsroom.request_password_reset("owner@news.example.org", "https://news.example.org").await.expect("reset");
    let queued = db.outbox().await.expect("outbox").remove(0);
    assert!(queued.carries_link && queued.link_kept, "kept for the relay until it takes the message");
    assert!(!has_token(&queued.text_body), "what administrators could read has no link");

    let received = app.mail().await;
    assert_eq!(received.len(), 1);
    let link = crate::path_of_link(&received[0].text_body(), "/admin/reset/").expect("the owner receives the link");
    let delivered = db.outbox().await.expect("outbox").remove(0);
    assert_eq!(delivered.status, "sent");
    assert!(!delivered.link_kept, "forgotten once the relay took it");

    // A second request, not yet delivered, is spent when the first link is used...
    app.newsroom.request_password_reset("owner@news.example.org", "https://news.example.org").await.expect("reset");
    assert_eq!(post_form(&app, &link, None, "password=the+owners+new+secret").await.status, 200);
    let second = db.outbox().await.expect("outbox").into_iter().find(|m| m.status != "sent").expect("the second message");
    assert_eq!((second.status.as_str(), second.link_kept), ("failed", false), "{second:?}");
    assert_eq!(second.error.as_deref(), Some("not sent: the link was used or revoked"));
    // ...and never handed to the relay.
    assert_eq!(app.mail().await.len(), 1);
});
