//! Sessions and account changes: the staff cookie's name and attributes, the absolute session
//! lifetime, reset links spent together, and the notice an email change sends to the old address.

use axum::body::Body;
use axum::http::Request;
use masthead_app::newsroom::staff::{SESSION_LIFETIME, SESSION_MAX_LIFETIME, SecretToken};
use masthead_core::Role;
use masthead_storage::SessionRecord;
use masthead_test_utils::{TestApp, TestResponse, dual_db_test};
use time::Duration;

const PASSWORD: &str = "a long enough secret";

async fn post_form(app: &TestApp, path: &str, cookie: Option<&str>, body: &str) -> TestResponse {
    let origin = app.state.site_url.to_string();
    let mut request =
        Request::post(path).header("origin", origin).header("content-type", "application/x-www-form-urlencoded");
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    app.request(request.body(Body::from(body.to_owned())).expect("request")).await
}

async fn get(app: &TestApp, path: &str, cookie: &str) -> TestResponse {
    app.get_with(path, &[("cookie", cookie)]).await
}

dual_db_test!(async fn a_plain_http_site_names_the_cookie_without_the_host_prefix(db) {
    let app = TestApp::at(&db, "http://127.0.0.1:8080").await;
    app.newsroom.add_staff("Anna Field", "anna@news.example.org", Role::Author, Some(PASSWORD)).await.expect("staff");
    let signed_in = post_form(&app, "/admin/signin/", None, "email=anna%40news.example.org&password=a+long+enough+secret").await;
    assert_eq!(signed_in.status, 303);
    let cookie = signed_in.header("set-cookie").expect("cookie").to_owned();
    assert!(cookie.starts_with("masthead_session="), "{cookie}");
    assert!(cookie.contains("SameSite=Strict") && cookie.contains("HttpOnly") && !cookie.contains("Secure"), "{cookie}");
    let pair = cookie.split(';').next().expect("pair").to_owned();
    assert_eq!(get(&app, "/admin/", &pair).await.status, 200);
    // The other name is not read: a site reads only the cookie it sets.
    let token = pair.trim_start_matches("masthead_session=");
    assert_eq!(get(&app, "/admin/", &format!("__Host-masthead_session={token}")).await.status, 303);
});

dual_db_test!(async fn an_https_site_reads_only_the_host_prefixed_cookie(db) {
    let app = TestApp::new(&db).await;
    let user = app.newsroom.add_staff("Anna Field", "anna@news.example.org", Role::Author, Some(PASSWORD)).await.expect("staff");
    let token = app.newsroom.open_session(&user, None, None).await.expect("session");
    assert_eq!(get(&app, "/admin/", &format!("__Host-masthead_session={token}")).await.status, 200);
    // A plain-named cookie may have been planted by a plain-http page or a sibling subdomain.
    let planted = get(&app, "/admin/", &format!("masthead_session={token}")).await;
    assert_eq!(planted.status, 303);
    assert!(planted.header("location").is_some_and(|l| l.starts_with("/admin/signin/")));
});

/// A session opened `age` ago and used until now, as the database would hold it.
async fn session_opened(app: &TestApp, user: &masthead_core::StaffUser, age: Duration) -> String {
    let secret = SecretToken::generate();
    let now = masthead_core::now();
    let record = SessionRecord {
        id: secret.hash,
        user_id: user.id.to_string(),
        created_at: now - age,
        last_seen_at: now - Duration::hours(2),
        expires_at: (now - Duration::hours(2) + SESSION_LIFETIME).min(now - age + SESSION_MAX_LIFETIME),
        ip: None,
        user_agent: None,
    };
    app.db.create_session(&record).await.expect("session");
    secret.token
}

dual_db_test!(async fn a_session_ends_thirty_days_after_sign_in_however_much_it_is_used(db) {
    let app = TestApp::new(&db).await;
    let user = app.newsroom.add_staff("Anna Field", "anna@news.example.org", Role::Author, Some(PASSWORD)).await.expect("staff");

    // Used every day for 29 days: still signed in, but the expiry slides no further than day 30.
    let recent = session_opened(&app, &user, Duration::days(29)).await;
    assert_eq!(get(&app, "/admin/", &app.session_cookie(&recent)).await.status, 200);
    let stored = app.db.sessions_of(&user.id).await.expect("sessions").remove(0);
    assert_eq!(stored.expires_at, stored.created_at + SESSION_MAX_LIFETIME, "capped, not now + 14 days");

    // Used two hours ago, so the sliding expiry is days away, but opened 31 days ago: over.
    let old = session_opened(&app, &user, Duration::days(31)).await;
    let answer = get(&app, "/admin/", &app.session_cookie(&old)).await;
    assert_eq!(answer.status, 303);
    assert!(answer.header("location").is_some_and(|l| l.starts_with("/admin/signin/")));
    assert_eq!(app.newsroom.session_user(&old).await.expect("read"), None);
});

dual_db_test!(async fn a_password_reset_spends_every_other_reset_link_of_the_account(db) {
    let app = TestApp::mailing(&db).await;
    app.newsroom.add_staff("Anna Field", "anna@news.example.org", Role::Author, Some(PASSWORD)).await.expect("staff");
    app.newsroom.add_staff("Boris Lane", "boris@news.example.org", Role::Author, Some(PASSWORD)).await.expect("staff");
    for email in ["anna@news.example.org", "anna@news.example.org", "boris@news.example.org"] {
        app.newsroom.request_password_reset(email, "https://news.example.org").await.expect("requested");
    }
    let links = crate::reset_links(&app).await;
    assert_eq!(links.len(), 3);
    let (anna, boris): (Vec<_>, Vec<_>) = links.into_iter().partition(|(to, _)| to.starts_with("anna"));
    let done = post_form(&app, &anna[0].1, None, "password=a+brand+new+secret").await;
    assert_eq!(done.status, 200, "{}", done.text());
    let other = post_form(&app, &anna[1].1, None, "password=a+third+secret+x").await;
    assert_eq!(other.status, 404, "the other link of the account was spent with the first");
    assert!(other.text().contains("expired or has already been used"));
    let signin = post_form(&app, "/admin/signin/", None, "email=anna%40news.example.org&password=a+brand+new+secret").await;
    assert_eq!(signin.status, 303, "the first reset's password stands");
    // Another account's link is untouched.
    assert_eq!(post_form(&app, &boris[0].1, None, "password=boris+new+secret").await.status, 200);
});

dual_db_test!(async fn a_confirmed_email_change_is_announced_to_the_old_address(db) {
    let app = TestApp::mailing(&db).await;
    let new = masthead_storage::NewMember {
        email: "reader@example.org".into(),
        name: Some("Olena".into()),
        note: None,
        status: masthead_core::MemberStatus::Free,
        labels: vec![],
        consent_source: "test".into(),
        consent_ip: None,
        created_at: masthead_core::now(),
    };
    let member = db.insert_member(&new, &[]).await.expect("member");
    app.newsroom.request_email_change(&member, "olena@example.net", None).await.expect("requested");
    assert!(crate::mail_to(&app, "reader@example.org").await.is_empty(), "nothing to the old address before confirmation");
    let link = crate::link_to(&app, "olena@example.net", "/account/email/confirm/?token=").await;
    assert_eq!(app.get(&link).await.status, 303);
    assert_eq!(db.member_by_id(&member.id).await.expect("read").expect("member").email, "olena@example.net");

    let notices = crate::mail_to(&app, "reader@example.org").await;
    assert_eq!(notices.len(), 1, "one notice to the old address");
    let (subject, body) = &notices[0];
    assert!(subject.contains("was changed"), "{subject}");
    assert!(body.contains("from reader@example.org to olena@example.net"), "{body}");
    assert!(!body.contains("token") && !body.contains("http"), "a plain notice, no link: {body}");
    // Confirming again (a mail scanner, a second click) does not announce it twice.
    assert_eq!(app.get(&link).await.status, 303);
    assert_eq!(crate::mail_to(&app, "reader@example.org").await.len(), 1);
});
