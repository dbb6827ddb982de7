//! Readers sign up with double opt-in, unsubscribe in one click, and the relay's bounce webhook
//! suppresses addresses. Links are read from the mail the reader receives (through SMTP, to a
//! sink): the outbox never shows them.

use axum::body::Body;
use axum::http::Request;
use masthead_app::mail::newsletters::NewsletterInput;
use masthead_core::{Actor, Role};
use masthead_test_utils::{StaffBuilder, TestApp, dual_db_test};

const ORIGIN: &str = "https://news.example.org";

fn form(path: &str, body: &str) -> Request<Body> {
    Request::post(path)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("origin", ORIGIN)
        .body(Body::from(body.to_owned()))
        .expect("request")
}

/// A form as it arrives through a reverse proxy that forwards `client`.
fn forwarded_form(path: &str, body: &str, client: &str) -> Request<Body> {
    let mut request = form(path, body);
    request.headers_mut().insert("x-forwarded-for", client.parse().expect("header"));
    request
}

async fn newsletters(app: &TestApp) {
    let owner = StaffBuilder::new("Mira Halden").create(&app.db).await;
    let actor = Actor { user_id: owner.id, role: Role::Owner };
    for (name, default) in [("Morning Brief", true), ("Frontline Dispatch", false)] {
        let input = NewsletterInput { name: name.into(), subscribe_on_signup: default, ..NewsletterInput::default() };
        app.newsroom.save_newsletter(&actor, None, &input).await.expect("newsletter");
    }
}

fn link_in(body: &str, path: &str) -> String {
    let start = body.find(path).expect("the mail has the link");
    let end = body[start..].find(char::is_whitespace).map_or(body.len(), |e| start + e);
    body[start..end].to_owned()
}

dual_db_test!(async fn a_reader_signs_up_with_double_opt_in(db) {
    let app = TestApp::mailing(&db).await;
    newsletters(&app).await;
    let page = app.get("/subscribe/").await;
    assert_eq!(page.status, 200);
    assert!(page.text().contains("Frontline Dispatch") && page.text().contains("(required)"));

    let bad = app.request(form("/subscribe/", "email=reader%40example&newsletters=morning-brief")).await;
    assert_eq!(bad.status, 422);
    assert!(bad.text().contains("Enter a correct email address: the domain after the @ needs a dot"), "{}", bad.text());
    assert!(bad.text().contains("value=\"reader@example\""), "the typed address is kept");
    assert!(app.mail().await.is_empty());

    let body = "email=Reader%40Example.org&newsletters=morning-brief&newsletters=frontline-dispatch&website=";
    let ok = app.request(form("/subscribe/", body)).await;
    assert_eq!(ok.status, 200);
    assert!(ok.text().contains("We've sent you a confirmation email"));
    assert!(db.member_by_email("reader@example.org").await.expect("read").is_none(), "nobody is subscribed yet");
    let mail = app.mail().await.remove(0);
    assert_eq!(mail.rcpt_to, ["reader@example.org"]);
    let link = link_in(&mail.text_body(), "/subscribe/confirm/?token=");

    // Following the link (as a mail scanner would) only shows a button.
    let shown = app.get(&link).await;
    assert_eq!(shown.status, 200);
    assert!(shown.text().contains("Confirm subscription"));
    assert!(db.member_by_email("reader@example.org").await.expect("read").is_none());

    let token = link.split("token=").nth(1).expect("token");
    let confirmed = app.request(form("/subscribe/confirm/", &format!("token={token}"))).await;
    assert_eq!(confirmed.status, 303);
    assert!(confirmed.header("set-cookie").is_some_and(|c| c.starts_with("masthead_member=") && c.contains("HttpOnly")));
    let member = db.member_by_email("reader@example.org").await.expect("read").expect("member now");
    let mut subscribed = member.newsletters.clone();
    subscribed.sort();
    assert_eq!(subscribed, vec!["frontline-dispatch".to_owned(), "morning-brief".to_owned()]);
    assert_eq!(member.consent_source, "signup form");
    let mail = app.mail().await;
    assert_eq!(mail.len(), 2, "the confirmation link, then the free welcome: {mail:?}");
    assert!(mail[1].subject().is_some_and(|s| s.starts_with("Welcome to")), "{mail:?}");
    assert_eq!(mail[1].rcpt_to, ["reader@example.org"]);
    let history = db.member_history(&member.id).await.expect("history");
    let kinds: Vec<&str> = history.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds, ["email_sent", "signed_up"], "joined, then welcomed");
    assert_eq!(history[0].detail["email"], "welcome");

    // Signing up again answers the same and mails a sign-in link instead, revealing nothing.
    let again = app.request(form("/subscribe/", "email=reader%40example.org&newsletters=morning-brief")).await;
    assert_eq!(again.status, 200);
    assert!(again.text().contains("We've sent you a confirmation email"));
    let mail = app.mail().await;
    assert_eq!(mail.len(), 3);
    assert!(mail.iter().any(|m| m.subject().is_some_and(|s| s.starts_with("You're already subscribed"))), "{mail:?}");

    // The honeypot: a bot's sign-up is answered the same and mails nothing.
    let before = app.mail().await.len();
    let bot = app.request(form("/subscribe/", "email=bot%40example.org&website=http%3A%2F%2Fspam")).await;
    assert_eq!(bot.status, 200);
    assert_eq!(app.mail().await.len(), before);

    // A cross-site form post is refused.
    let forged = Request::post("/subscribe/")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("origin", "https://evil.example")
        .body(Body::from("email=x%40example.org"))
        .expect("request");
    assert_eq!(app.request(forged).await.status, 403);
});

dual_db_test!(async fn one_click_unsubscribe_and_bounces_stop_mail(db) {
    let app = TestApp::new(&db).await;
    newsletters(&app).await;
    let all: Vec<_> = db.newsletters(false).await.expect("newsletters").into_iter().map(|n| n.id).collect();
    let new = masthead_storage::NewMember {
        email: "reader@example.org".into(),
        name: None,
        note: None,
        status: masthead_core::MemberStatus::Free,
        labels: vec![],
        consent_source: "test".into(),
        consent_ip: None,
        created_at: masthead_core::now(),
    };
    let member = db.insert_member(&new, &all).await.expect("member");
    let secret = app.newsroom.members_secret().await.expect("secret");
    let url = app.newsroom.unsubscribe_url(&secret, &member.uuid, "morning-brief");
    let path = url.trim_start_matches(ORIGIN).to_owned();

    // GET shows a button and changes nothing.
    assert_eq!(app.get(&path).await.status, 200);
    assert_eq!(db.member_by_uuid(&member.uuid).await.expect("read").expect("member").newsletters.len(), 2);

    // RFC 8058: a POST from the mail provider, no cookies, no Origin.
    let one_click = Request::post(&path)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from("List-Unsubscribe=One-Click"))
        .expect("request");
    let done = app.request(one_click).await;
    assert_eq!(done.status, 200, "{}", done.text());
    let after = db.member_by_uuid(&member.uuid).await.expect("read").expect("member");
    assert_eq!(after.newsletters, vec!["frontline-dispatch".to_owned()]);

    let forged = path.replace("key=", "key=0");
    let refused = Request::post(&forged).body(Body::from("List-Unsubscribe=One-Click")).expect("request");
    assert_eq!(app.request(refused).await.status, 404);

    // The bounce webhook needs the shared secret.
    let events = r#"{"events":[{"email":"Reader@example.org","type":"hard_bounce","reason":"550 no such user"},
        {"email":"other@example.org","type":"soft_bounce"},{"email":"x@example.org","type":"complaint"}]}"#;
    let webhook = |secret: &str| {
        Request::post("/members/webhooks/bounce/")
            .header("authorization", format!("Bearer {secret}"))
            .header("content-type", "application/json")
            .body(Body::from(events))
            .expect("request")
    };
    assert_eq!(app.request(webhook("wrong")).await.status, 401);
    let ok = app.request(webhook(masthead_test_utils::TEST_BOUNCE_SECRET)).await;
    assert_eq!(ok.status, 200, "{}", ok.text());
    assert!(ok.text().contains("\"suppressed\":2") && ok.text().contains("\"soft_bounces\":1"), "{}", ok.text());
    let suppressed = db.suppression("reader@example.org").await.expect("read").expect("suppressed");
    assert_eq!((suppressed.reason.as_str(), suppressed.detail.as_deref()), ("hard_bounce", Some("550 no such user")));
    assert!(db.suppression("other@example.org").await.expect("read").is_none(), "soft bounces do not suppress");

    // A suppressed address signing up again gets the same page and no mail.
    let before = db.outbox().await.expect("outbox").len();
    let again = app.request(form("/subscribe/", "email=reader%40example.org")).await;
    assert_eq!(again.status, 200);
    assert_eq!(db.outbox().await.expect("outbox").len(), before);
});

fn with_cookie(mut request: Request<Body>, cookie: &str) -> Request<Body> {
    request.headers_mut().insert("cookie", cookie.parse().expect("cookie"));
    request
}

dual_db_test!(async fn magic_links_accounts_and_abuse_limits(db) {
    let app = TestApp::mailing(&db).await;
    newsletters(&app).await;
    let settings = masthead_core::SiteSettings {
        blocked_email_domains: vec!["spam.example".into()],
        ..db.site_settings().await.expect("settings")
    };
    db.save_site_settings(&settings).await.expect("save");
    let blocked = app.request(form("/subscribe/", "email=a%40mail.spam.example")).await;
    assert_eq!(blocked.status, 422);
    assert!(blocked.text().contains("Sign-ups from mail.spam.example are not accepted."), "{}", blocked.text());

    let all: Vec<_> = db.newsletters(false).await.expect("newsletters").into_iter().map(|n| n.id).collect();
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
    db.insert_member(&new, &all).await.expect("member");

    // Unknown and known addresses get the same answer; only the member is mailed.
    let unknown = app.request(form("/signin/", "email=nobody%40example.org")).await;
    let known = app.request(form("/signin/", "email=reader%40example.org")).await;
    assert_eq!((unknown.status, known.status), (known.status, axum::http::StatusCode::OK));
    assert_eq!(unknown.text().replace("nobody@example.org", "X"), known.text().replace("reader@example.org", "X"));
    let mail = app.mail().await;
    assert_eq!(mail.len(), 1);
    assert_eq!(mail[0].rcpt_to, ["reader@example.org"]);
    let link = link_in(&mail[0].text_body(), "/signin/confirm/?token=");

    // A scanner opening the link first does not burn it; the fifth use does.
    let mut cookie = String::new();
    for _ in 0..5 {
        let opened = app.get(&link).await;
        assert_eq!(opened.status, 303);
        assert_eq!(opened.header("location"), Some("/account/"));
        cookie = opened.header("set-cookie").expect("cookie").split(';').next().expect("pair").to_owned();
    }
    assert_eq!(app.get(&link).await.status, 404, "a sixth use is refused");

    let account = app.request(with_cookie(Request::get("/account/").body(Body::empty()).expect("req"), &cookie)).await;
    assert_eq!(account.status, 200);
    assert!(account.text().contains("reader@example.org") && account.text().contains("value=\"Olena\""));
    assert_eq!(account.header("cache-control"), Some("private, no-store"));

    let save = app.request(with_cookie(form("/account/", "name=Olena+K&newsletters=frontline-dispatch"), &cookie)).await;
    assert_eq!(save.status, 303);
    let member = db.member_by_email("reader@example.org").await.expect("read").expect("member");
    assert_eq!((member.name.as_deref(), member.newsletters.clone()), (Some("Olena K"), vec!["frontline-dispatch".to_owned()]));
    assert_eq!(db.unsubscribed_newsletters(&member.id).await.expect("read"), vec!["morning-brief".to_owned()]);

    let bad = app.request(with_cookie(form("/account/email/", "email=not-an-address"), &cookie)).await;
    assert_eq!(bad.status, 422);
    let change = app.request(with_cookie(form("/account/email/", "email=olena%40example.net"), &cookie)).await;
    assert_eq!(change.status, 303);
    assert_eq!(db.member_by_id(&member.id).await.expect("read").expect("member").email, "reader@example.org", "not until confirmed");
    let mail = app.mail().await.into_iter().find(|m| m.rcpt_to == ["olena@example.net"]).expect("mailed");
    let confirm = app.get(&link_in(&mail.text_body(), "/account/email/confirm/?token=")).await;
    assert_eq!(confirm.status, 303);
    assert_eq!(db.member_by_id(&member.id).await.expect("read").expect("member").email, "olena@example.net");

    let refused = app.request(with_cookie(form("/account/delete/", ""), &cookie)).await;
    assert_eq!(refused.status, 422, "deleting needs the box ticked");
    let deleted = app.request(with_cookie(form("/account/delete/", "confirm=delete"), &cookie)).await;
    assert_eq!(deleted.status, 200);
    assert!(db.member_by_id(&member.id).await.expect("read").is_none());

    // Per-address limit: the sixth request in an hour for one address is refused.
    let mut statuses = Vec::new();
    for _ in 0..6 {
        statuses.push(app.request(form("/signin/", "email=someone%40example.org")).await.status.as_u16());
    }
    assert_eq!(statuses, [200, 200, 200, 200, 200, 429]);
});

dual_db_test!(async fn behind_a_trusted_proxy_sign_ups_are_limited_per_forwarded_client(db) {
    let app = TestApp::new(&db).await.with_trusted_proxies("10.0.0.0/8, fd00::/8");
    newsletters(&app).await;
    let proxy = "10.0.0.2:41000";
    let mut n = 0;
    let mut sign_up = |peer: &'static str, client: &str| {
        n += 1;
        let request = forwarded_form("/subscribe/", &format!("email=reader{n}%40example.org"), client);
        let app = &app;
        async move { app.request_from(peer, request).await.status.as_u16() }
    };
    // One client behind the proxy signs up twenty addresses; the twenty-first is refused.
    for _ in 0..20 {
        assert_eq!(sign_up(proxy, "198.51.100.1").await, 200);
    }
    assert_eq!(sign_up(proxy, "198.51.100.1").await, 429);
    // Everyone else behind the same proxy still can.
    assert_eq!(sign_up(proxy, "198.51.100.2").await, 200);
    assert_eq!(sign_up("[fd00::2]:41000", "1.2.3.4, 198.51.100.3").await, 200, "the client's own entries do not count");

    // An IPv6 client is one client across its /64.
    for i in 0..20 {
        assert_eq!(sign_up(proxy, &format!("2001:db8:1:2::{i:x}")).await, 200);
    }
    assert_eq!(sign_up(proxy, "[2001:db8:1:2:ffff::1]:5000").await, 429);
    assert_eq!(sign_up(proxy, "2001:db8:1:3::1").await, 200);

    // A peer that is not one of the proxies cannot pick its address by sending the header.
    for i in 0..20 {
        assert_eq!(sign_up("203.0.113.5:40000", &format!("198.51.100.{}", 100 + i)).await, 200);
    }
    assert_eq!(sign_up("203.0.113.5:40000", "198.51.100.200").await, 429);
});

dual_db_test!(async fn two_instances_share_one_budget_of_requests(db) {
    let first = TestApp::new(&db).await;
    let second = TestApp::another_instance(&db).await;
    newsletters(&first).await;
    let instances = [&first, &second];
    // One client signs up twenty addresses, its requests spread over both instances...
    for n in 0..20 {
        let request = form("/subscribe/", &format!("email=reader{n}%40example.org"));
        assert_eq!(instances[n % 2].request_from("198.51.100.7:40000", request).await.status, 200, "sign-up {n}");
    }
    // ...and then neither instance takes another.
    for (n, app) in instances.iter().enumerate() {
        let request = form("/subscribe/", &format!("email=late{n}%40example.org"));
        assert_eq!(app.request_from("198.51.100.7:40000", request).await.status, 429, "instance {n}");
    }
    // Sign-in links for one address from one client: five in the hour, wherever they are asked.
    let mut statuses = Vec::new();
    for n in 0..6 {
        let request = form("/signin/", "email=someone%40example.org");
        statuses.push(instances[n % 2].request_from("198.51.100.8:40000", request).await.status.as_u16());
    }
    assert_eq!(statuses, [200, 200, 200, 200, 200, 429]);
});

dual_db_test!(async fn a_burst_of_sign_ups_over_two_instances_gets_only_the_limit(db) {
    let first = std::sync::Arc::new(TestApp::new(&db).await);
    let second = std::sync::Arc::new(TestApp::another_instance(&db).await);
    newsletters(&first).await;
    let mut burst = tokio::task::JoinSet::new();
    for n in 0..50 {
        let app = if n % 2 == 0 { first.clone() } else { second.clone() };
        burst.spawn(async move {
            let request = form("/subscribe/", &format!("email=burst{n}%40example.org"));
            app.request_from("198.51.100.9:40000", request).await.status.as_u16()
        });
    }
    let mut statuses = Vec::new();
    while let Some(status) = burst.join_next().await {
        statuses.push(status.expect("request"));
    }
    let accepted = statuses.iter().filter(|s| **s == 200).count();
    let refused = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!((accepted, refused), (20, 30), "one client's hourly budget, whichever instance answers: {statuses:?}");
    assert_eq!(db.outbox().await.expect("outbox").len(), 20, "only the accepted sign-ups were mailed");
});

dual_db_test!(async fn a_reader_gets_a_sign_in_link_after_someone_else_used_up_the_address(db) {
    let app = TestApp::new(&db).await;
    newsletters(&app).await;
    for email in ["reader@example.org", "second@example.org"] {
        masthead_test_utils::MemberBuilder::new(email).create(&app.db).await;
    }
    let mailed = |to: &'static str| {
        let db = db.db().clone();
        async move { db.outbox().await.expect("outbox").iter().filter(|m| m.to_address == to).count() }
    };
    // A stranger asks for the reader's links until refused...
    let mut statuses = Vec::new();
    for _ in 0..6 {
        statuses.push(app.request_from("203.0.113.66:40000", form("/signin/", "email=reader%40example.org")).await.status.as_u16());
    }
    assert_eq!(statuses, [200, 200, 200, 200, 200, 429]);
    assert_eq!(mailed("reader@example.org").await, 5, "the day's links went out");
    // ...and the reader, from her own address, is not refused. The links mailed minutes ago are
    // in her inbox; no more are sent to the address for fifteen minutes.
    let reader = app.request_from("198.51.100.20:50000", form("/signin/", "email=reader%40example.org")).await;
    assert_eq!(reader.status, 200);
    assert_eq!(mailed("reader@example.org").await, 5);

    // Once the last link is fifteen minutes old, the reader gets a new one, even after the
    // day's quota was used up (here by someone else, earlier).
    let earlier = masthead_core::now() - time::Duration::minutes(16);
    for i in 0..5 {
        let token = masthead_storage::MemberToken {
            id: format!("used-up-{i}"),
            purpose: "signin".into(),
            email: "second@example.org".into(),
            payload: "{}".into(),
            created_at: earlier,
            expires_at: earlier + time::Duration::hours(24),
            first_used_at: None,
            uses: 0,
        };
        db.create_member_token(&token).await.expect("token");
    }
    let second = app.request_from("198.51.100.21:50000", form("/signin/", "email=second%40example.org")).await;
    assert_eq!(second.status, 200);
    assert_eq!(mailed("second@example.org").await, 1, "a fresh link went out");
    // One every fifteen minutes at most, whoever asks: mail bombing stays bounded.
    for client in ["198.51.100.22:1", "198.51.100.23:1", "203.0.113.66:1"] {
        assert_eq!(app.request_from(client, form("/signin/", "email=second%40example.org")).await.status, 200);
    }
    assert_eq!(mailed("second@example.org").await, 1);
});
