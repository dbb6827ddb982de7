//! The newsroom: signing in, roles on every route, writing and publishing, uploads, previews.

use axum::body::Body;
use axum::http::Request;
use masthead_core::{ObjectId, Post, Role, StaffUser};
use masthead_test_utils::{PostBuilder, TestApp, TestResponse, dual_db_test};
use scraper::Html;
use time::format_description::well_known::Rfc3339;

use crate::{select, text_of};

const ORIGIN: &str = "https://news.example.org";
const PASSWORD: &str = "a long enough secret";

pub(crate) async fn staff(app: &TestApp, name: &str, role: Role) -> (StaffUser, String) {
    let email = format!("{}@news.example.org", name.to_lowercase().replace(' ', "."));
    let user = app.newsroom.add_staff(name, &email, role, Some(PASSWORD)).await.expect("add staff");
    let token = app.newsroom.open_session(&user, None, None).await.expect("session");
    (user, app.session_cookie(&token))
}

pub(crate) async fn send(app: &TestApp, method: &str, path: &str, cookie: Option<&str>, form: &str) -> TestResponse {
    let mut request = Request::builder().method(method).uri(path).header("origin", ORIGIN);
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    if method == "POST" {
        request = request.header("content-type", "application/x-www-form-urlencoded");
    }
    app.request(request.body(Body::from(form.to_owned())).expect("request")).await
}

fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect()
}

pub(crate) async fn fresh(app: &TestApp, post: &Post) -> Post {
    app.db.post_by_id(&post.id).await.expect("read").expect("exists")
}

pub(crate) fn stamp(post: &Post) -> String {
    encode(&post.updated_at.format(&Rfc3339).expect("format"))
}

fn location(response: &TestResponse) -> &str {
    response.header("location").unwrap_or_default()
}

dual_db_test!(async fn signing_in_opens_a_session_and_signing_out_ends_it(db) {
    let app = TestApp::new(&db).await;
    staff(&app, "Anna Field", Role::Author).await;
    let form = format!("email=ANNA.FIELD%40news.example.org&password={}&r=%2Fadmin%2Fposts%2F", encode(PASSWORD));
    let signed_in = send(&app, "POST", "/admin/signin/", None, &form).await;
    assert_eq!(signed_in.status, 303);
    assert_eq!(location(&signed_in), "/admin/posts/");
    let cookie = signed_in.header("set-cookie").expect("cookie").to_owned();
    assert!(cookie.starts_with("__Host-masthead_session="), "an https site's cookie has the __Host- prefix: {cookie}");
    for attribute in ["HttpOnly", "SameSite=Strict", "Secure", "Path=/", &format!("Max-Age={}", 30 * 86_400)] {
        assert!(cookie.contains(attribute), "{cookie}");
    }
    assert!(!cookie.contains("Domain"), "{cookie}");
    let session = cookie.split(';').next().expect("pair").to_owned();
    let dashboard = send(&app, "GET", "/admin/", Some(&session), "").await;
    assert_eq!(dashboard.status, 200);
    assert!(dashboard.text().contains("Anna Field"));
    assert_eq!(dashboard.header("cache-control"), Some("private, no-store"));

    let wrong = send(&app, "POST", "/admin/signin/", None, "email=anna.field%40news.example.org&password=not+it+at+all").await;
    let unknown = send(&app, "POST", "/admin/signin/", None, "email=nobody%40news.example.org&password=not+it+at+all").await;
    assert_eq!((wrong.status.as_u16(), unknown.status.as_u16()), (401, 401));
    let message = |r: &TestResponse| text_of(&select(&Html::parse_document(&r.text()), ".error")[0]);
    assert_eq!(message(&wrong), message(&unknown), "the same message for an unknown account and a wrong password");

    let out = send(&app, "POST", "/admin/signout/", Some(&session), "").await;
    assert_eq!(out.status, 303);
    assert!(out.header("set-cookie").is_some_and(|c| c.contains("Max-Age=0")));
    let after = send(&app, "GET", "/admin/", Some(&session), "").await;
    assert_eq!(after.status, 303, "the session is gone from the database");
    assert!(location(&after).starts_with("/admin/signin/"));
});

dual_db_test!(async fn signing_in_never_redirects_to_another_site(db) {
    let app = TestApp::new(&db).await;
    let (_, cookie) = staff(&app, "Anna Field", Role::Author).await;
    let hostile = [
        "//evil.example/x",
        "//Evil.example",
        "/\\evil.example",
        "%2F%2Fevil.example",
        "/admin/..//evil.example/x",
        "/admin/%2e%2e//evil.example/x",
        "/admin/\t/../..//evil.example",
        "/admin/\n/../..//evil.example",
        "/\t/evil.example",
        "https://evil.example/admin/",
        "https:evil.example",
        "javascript:alert(1)",
    ];
    for r in hostile {
        // After signing in with the form...
        let form = format!("email=anna.field%40news.example.org&password={}&r={}", encode(PASSWORD), encode(r));
        let signed_in = send(&app, "POST", "/admin/signin/", None, &form).await;
        assert_eq!((signed_in.status.as_u16(), location(&signed_in)), (303, "/admin/"), "r={r:?}");
        // ...and when a signed-in visitor opens the sign-in page.
        let page = send(&app, "GET", &format!("/admin/signin/?r={}", encode(r)), Some(&cookie), "").await;
        assert_eq!((page.status.as_u16(), location(&page)), (303, "/admin/"), "r={r:?}");
    }
    // The percent-encoded spelling, decoded once more by nobody: still not a path.
    let page = send(&app, "GET", "/admin/signin/?r=%252F%252Fevil.example", Some(&cookie), "").await;
    assert_eq!(location(&page), "/admin/");
    // Newsroom pages are followed, query and all.
    let page = send(&app, "GET", "/admin/signin/?r=%2Fadmin%2Fposts%2F%3Fstatus%3Ddraft", Some(&cookie), "").await;
    assert_eq!(location(&page), "/admin/posts/?status=draft");

    // Pages that need a signed-in visitor send others to sign in with a clean way back.
    let away = send(&app, "GET", "/admin/posts/?status=draft", None, "").await;
    assert_eq!(away.status, 303);
    assert_eq!(location(&away), "/admin/signin/?r=/admin/posts/%3Fstatus%3Ddraft");
});

dual_db_test!(async fn repeated_wrong_passwords_are_throttled(db) {
    let app = TestApp::new(&db).await;
    staff(&app, "Anna Field", Role::Author).await;
    for _ in 0..4 {
        let response = send(&app, "POST", "/admin/signin/", None, "email=anna.field%40news.example.org&password=wrong+password+x").await;
        assert_eq!(response.status, 401);
    }
    let right = format!("email=anna.field%40news.example.org&password={}", encode(PASSWORD));
    let throttled = send(&app, "POST", "/admin/signin/", None, &right).await;
    assert_eq!(throttled.status, 429, "even the right password waits once the account is throttled");
    assert!(throttled.text().contains("Too many failed attempts"));
});

dual_db_test!(async fn wrong_passwords_on_two_instances_count_together(db) {
    let first = TestApp::new(&db).await;
    let second = TestApp::another_instance(&db).await;
    staff(&first, "Anna Field", Role::Author).await;
    let wrong = "email=anna.field%40news.example.org&password=wrong+password+x";
    for n in 0..4 {
        let app = if n % 2 == 0 { &first } else { &second };
        assert_eq!(send(app, "POST", "/admin/signin/", None, wrong).await.status, 401);
    }
    let right = format!("email=anna.field%40news.example.org&password={}", encode(PASSWORD));
    for app in [&first, &second] {
        assert_eq!(send(app, "POST", "/admin/signin/", None, &right).await.status, 429);
    }
});

dual_db_test!(async fn a_burst_of_concurrent_guesses_gets_only_the_free_tries(db) {
    let app = std::sync::Arc::new(TestApp::new(&db).await);
    staff(&app, "Anna Field", Role::Author).await;
    let mut burst = tokio::task::JoinSet::new();
    for n in 0..50 {
        let app = app.clone();
        burst.spawn(async move {
            let form = format!("email=anna.field%40news.example.org&password=wrong+guess+{n}");
            send(&app, "POST", "/admin/signin/", None, &form).await.status.as_u16()
        });
    }
    let mut statuses = Vec::new();
    while let Some(status) = burst.join_next().await {
        statuses.push(status.expect("request"));
    }
    let refused = statuses.iter().filter(|s| **s == 401).count();
    let throttled = statuses.iter().filter(|s| **s == 429).count();
    assert!((1..=4).contains(&refused), "at most the four free tries are checked: {statuses:?}");
    assert_eq!(refused + throttled, 50, "{statuses:?}");
});

fn signin_form(body: &str) -> Request<Body> {
    Request::post("/admin/signin/")
        .header("origin", ORIGIN)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(body.to_owned()))
        .expect("request")
}

dual_db_test!(async fn a_stranger_cannot_lock_the_owner_out(db) {
    let app = TestApp::new(&db).await;
    staff(&app, "Olga Owner", Role::Owner).await;
    let wrong = "email=olga.owner%40news.example.org&password=guessing+again";
    let mut statuses = Vec::new();
    let mut last = None;
    for _ in 0..8 {
        let response = app.request_from("203.0.113.66:40000", signin_form(wrong)).await;
        statuses.push(response.status.as_u16());
        last = Some(response);
    }
    assert_eq!(statuses, [401, 401, 401, 401, 429, 429, 429, 429], "the stranger is slowed down");
    let retry_after: i64 = last.expect("a response").header("retry-after").expect("Retry-After").parse().expect("seconds");
    assert!((1..=900).contains(&retry_after), "{retry_after}");

    // The owner, from her own address, at once.
    let right = format!("email=olga.owner%40news.example.org&password={}", encode(PASSWORD));
    let owner = app.request_from("198.51.100.20:50000", signin_form(&right)).await;
    assert_eq!(owner.status, 303, "{}", owner.text());
    // Her neighbour on the same IPv6 /64 as the stranger is one client with the stranger; a
    // client on another /64 is not.
    for _ in 0..4 {
        app.request_from("[2001:db8:1:2::66]:40000", signin_form(wrong)).await;
    }
    assert_eq!(app.request_from("[2001:db8:1:2::99]:40000", signin_form(&right)).await.status, 429);
    assert_eq!(app.request_from("[2001:db8:1:3::99]:40000", signin_form(&right)).await.status, 303);
    assert_eq!(app.request_from("[::ffff:203.0.113.66]:40000", signin_form(&right)).await.status, 429, "IPv4-mapped is IPv4");
});

dual_db_test!(async fn behind_a_trusted_proxy_sign_in_throttling_keys_on_the_forwarded_client(db) {
    let app = TestApp::new(&db).await.with_trusted_proxies("10.0.0.0/8");
    staff(&app, "Olga Owner", Role::Owner).await;
    let via_proxy = |body: &str, forwarded: &str| {
        let mut request = signin_form(body);
        request.headers_mut().insert("x-forwarded-for", forwarded.parse().expect("header"));
        request
    };
    let wrong = "email=olga.owner%40news.example.org&password=guessing+again";
    for _ in 0..5 {
        app.request_from("10.0.0.2:41000", via_proxy(wrong, "203.0.113.66")).await;
    }
    let right = format!("email=olga.owner%40news.example.org&password={}", encode(PASSWORD));
    assert_eq!(app.request_from("10.0.0.2:41000", via_proxy(&right, "203.0.113.66")).await.status, 429);
    assert_eq!(app.request_from("10.0.0.2:41000", via_proxy(&right, "198.51.100.20")).await.status, 303);
    // A peer that is not a proxy cannot claim another address.
    for _ in 0..5 {
        app.request_from("203.0.113.77:40000", via_proxy(wrong, "198.51.100.21")).await;
    }
    assert_eq!(app.request_from("203.0.113.77:40000", via_proxy(&right, "198.51.100.22")).await.status, 429);
});

dual_db_test!(async fn cross_site_requests_are_refused(db) {
    let app = TestApp::new(&db).await;
    let (_, cookie) = staff(&app, "Anna Field", Role::Editor).await;
    let form = "title=Hijacked&markdown=x&action=save";
    let evil = Request::post("/admin/posts/")
        .header("origin", "https://evil.example")
        .header("cookie", &cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(form))
        .expect("request");
    assert_eq!(app.request(evil).await.status, 403);
    let no_origin = Request::post("/admin/posts/").header("cookie", &cookie).header("content-type", "application/x-www-form-urlencoded").body(Body::from(form)).expect("request");
    assert_eq!(app.request(no_origin).await.status, 403);
    let cross_site = Request::post("/admin/posts/").header("sec-fetch-site", "cross-site").header("origin", ORIGIN).header("cookie", &cookie).header("content-type", "application/x-www-form-urlencoded").body(Body::from(form)).expect("request");
    assert_eq!(app.request(cross_site).await.status, 403);
    let same_site = Request::post("/admin/posts/").header("sec-fetch-site", "same-origin").header("cookie", &cookie).header("content-type", "application/x-www-form-urlencoded").body(Body::from(form)).expect("request");
    assert_eq!(app.request(same_site).await.status, 303);
    assert_eq!(db.count_posts().await.expect("count"), 1, "only the same-origin request wrote");
});

fn multipart_png() -> (String, Vec<u8>) {
    let mut png = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(image::RgbImage::from_pixel(64, 32, image::Rgb([1, 2, 3])))
        .write_to(&mut png, image::ImageFormat::Png)
        .expect("png");
    let boundary = "MATRIXBOUNDARY";
    let mut body = format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"m.png\"\r\n\r\n")
        .into_bytes();
    body.extend(png.into_inner());
    body.extend(format!("\r\n--{boundary}--\r\n").into_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

dual_db_test!(async fn every_admin_route_enforces_every_role(db) {
    let app = TestApp::new(&db).await;
    let (editor, _) = staff(&app, "Ed Itor", Role::Editor).await;
    let (target, _) = staff(&app, "Tess Target", Role::Contributor).await;
    let others = PostBuilder::published("Someone else's story").authors(&[&editor]).tags(&["Topic"]).create(&app.newsroom).await;
    let topic = others.tags[0].id.clone();
    let mut sessions: Vec<(Option<Role>, Option<String>)> = vec![(None, None)];
    for role in Role::ALL {
        let name = format!("Staff {}", role.as_str());
        let (_, cookie) = staff(&app, &name, role).await;
        sessions.push((Some(role), Some(cookie)));
    }
    use Role::*;
    let everyone: &[Role] = &[Contributor, Author, Editor, Administrator, Owner];
    let publishers: &[Role] = &[Author, Editor, Administrator, Owner];
    let editors: &[Role] = &[Editor, Administrator, Owner];
    let admins: &[Role] = &[Administrator, Owner];
    let (id, target_id, tag_id) = (others.id.to_string(), target.id.to_string(), topic.to_string());
    let owner = masthead_core::Actor { user_id: editor.id.clone(), role: Owner };
    let newsletter = app
        .newsroom
        .save_newsletter(&owner, None, &masthead_app::mail::newsletters::NewsletterInput { name: "Morning Brief".into(), ..Default::default() })
        .await
        .expect("newsletter");
    let newsletter_id = newsletter.id.to_string();
    let free_tier_id = app.newsroom.ensure_free_tier().await.expect("free tier").id.to_string();
    // (method, path, form, roles allowed, status when allowed). Placeholders: STAMP (the story's
    // current version), ROLE (the acting role), NOTE / REV / DOOMED (made fresh for each request).
    let routes: Vec<(&str, String, &str, &[Role], u16)> = vec![
        ("GET", "/admin/".into(), "", everyone, 200),
        ("GET", "/admin/posts/".into(), "", everyone, 200),
        ("GET", "/admin/posts/?status=draft&q=x".into(), "", everyone, 200),
        ("GET", "/admin/posts/new/".into(), "", everyone, 200),
        ("POST", "/admin/posts/".into(), "title=Draft&markdown=x&action=save", everyone, 303),
        ("POST", "/admin/posts/".into(), "title=Live&markdown=x&action=publish", publishers, 303),
        ("GET", format!("/admin/posts/{id}/"), "", editors, 200),
        ("POST", format!("/admin/posts/{id}/"), "title=Edited&markdown=x&action=save&updated_at=STAMP", editors, 303),
        ("POST", format!("/admin/posts/{id}/"), "title=Edited&markdown=x&action=unpublish&updated_at=STAMP", editors, 303),
        ("GET", format!("/admin/posts/{id}/delete/"), "", editors, 200),
        ("POST", "/admin/posts/DOOMED/delete/".into(), "", editors, 303),
        ("POST", format!("/admin/posts/{id}/notes/"), "kind=update&body=More+detail", editors, 303),
        ("POST", format!("/admin/posts/{id}/notes/NOTE/delete/"), "", editors, 303),
        ("GET", format!("/admin/posts/{id}/history/"), "", editors, 200),
        ("POST", format!("/admin/posts/{id}/history/REV/restore/"), "", editors, 303),
        ("POST", "/admin/preview/".into(), "markdown=**hi**", everyone, 200),
        ("POST", "/admin/uploads/".into(), "MULTIPART", everyone, 200),
        ("GET", "/admin/outbox/".into(), "", admins, 200),
        ("GET", "/admin/staff/".into(), "", editors, 200),
        ("POST", "/admin/staff/invite/".into(), "name=New+Person&email=invitee-ROLE%40news.example.org&role=contributor", editors, 303),
        ("POST", format!("/admin/staff/{target_id}/role/"), "role=contributor", editors, 303),
        ("POST", format!("/admin/staff/{target_id}/suspend/"), "", editors, 303),
        ("POST", format!("/admin/staff/{target_id}/reinstate/"), "", editors, 303),
        ("GET", "/admin/tags/".into(), "", editors, 200),
        ("POST", format!("/admin/tags/{tag_id}/"), "name=Topic&description=About+it", editors, 303),
        ("GET", "/admin/settings/".into(), "", admins, 200),
        ("POST", "/admin/settings/".into(), "title=The+Harbour+Post&timezone=Europe%2FKyiv&accent_color=%23b3261e", admins, 303),
        ("GET", "/admin/narration/".into(), "", admins, 200),
        ("POST", "/admin/narration/".into(), "enabled=on&disclosure_label=Read+by+AI&show_label=on&voice=&speed=1", admins, 303),
        ("POST", "/admin/narration/lexicon/".into(), "word=Kyiv&spoken=keev", admins, 303),
        ("POST", "/admin/narration/lexicon/delete/".into(), "word=Kyiv", admins, 303),
        ("POST", format!("/admin/posts/{id}/narration/"), "action=regenerate", editors, 303),
        ("GET", "/admin/sessions/".into(), "", everyone, 200),
        ("GET", "/admin/members/?q=reader&status=free".into(), "", admins, 200),
        ("POST", "/admin/members/".into(), "email=member-ROLE%40example.org&name=M&status=free", admins, 303),
        ("GET", "/admin/members/export/".into(), "", admins, 200),
        ("POST", "/admin/members/MEMBER/delete/".into(), "", admins, 303),
        ("GET", "/admin/members/MEMBER/".into(), "", admins, 200),
        ("POST", "/admin/members/MEMBER/labels/".into(), "label=Press", admins, 303),
        ("POST", "/admin/members/MEMBER/comp/remove/".into(), "", admins, 422),
        ("GET", "/admin/members/overview/".into(), "", admins, 200),
        ("GET", "/admin/members/emails/?kind=donation_receipt".into(), "", admins, 200),
        ("POST", "/admin/members/emails/".into(), "kind=welcome&subject=Hi&body=Hello+%7Bname%7D&action=preview", admins, 200),
        ("GET", "/admin/tiers/".into(), "", admins, 200),
        ("POST", "/admin/tiers/".into(), "name=Tier+ROLE&monthly_price=5&currency=USD&active=on&public=on", admins, 303),
        ("POST", format!("/admin/tiers/{free_tier_id}/"), "name=Free&description=Read+the+newsletters", admins, 303),
        ("GET", "/admin/newsletters/".into(), "", admins, 200),
        ("POST", "/admin/newsletters/".into(), "name=Letter+ROLE&subscribe_on_signup=1", admins, 303),
        ("POST", format!("/admin/newsletters/{newsletter_id}/"), "name=Morning+Brief&subscribe_on_signup=1", admins, 303),
        ("GET", "/admin/suppressions/".into(), "", admins, 200),
        ("POST", "/admin/suppressions/".into(), "email=gone-ROLE%40example.org", admins, 303),
        ("POST", "/admin/suppressions/remove/".into(), "email=gone-ROLE%40example.org", admins, 303),
        ("GET", "/admin/emails/".into(), "", editors, 200),
        ("GET", format!("/admin/posts/{id}/email/"), "", editors, 200),
        ("POST", format!("/admin/posts/{id}/email/test/"), "", editors, 200),
        ("GET", "/admin/integrations/".into(), "", admins, 200),
        ("POST", "/admin/integrations/".into(), "name=Integration+ROLE", admins, 303),
        ("GET", "/admin/transfer/".into(), "", admins, 200),
        ("GET", "/admin/transfer/export/".into(), "", admins, 200),
        ("GET", "/admin/no-such-screen/".into(), "", everyone, 404),
    ];
    for (role, cookie) in &sessions {
        for (method, path, form, allowed, ok) in &routes {
            // Each request sees the story published and as it was.
            let current = fresh(&app, &others).await;
            if current.status != masthead_core::PostStatus::Published || current.title != others.title {
                let mut input = PostBuilder::published(&others.title).authors(&[&editor]).tags(&["Topic"]).input();
                input.slug = Some(others.slug.to_string());
                app.newsroom.update_post(&current.id, input).await.expect("republish");
            }
            let mut path = path.clone();
            if path.contains("NOTE") {
                let note = app.newsroom.add_note(&others.id, masthead_app::newsroom::corrections::NoteKind::Update, "n", None, &editor.id).await.expect("note");
                path = path.replace("NOTE", &note.id);
            }
            if path.contains("REV") {
                app.newsroom.record_revision(&fresh(&app, &others).await, &editor.id).await.expect("revision");
                let revision = db.revisions(&others.id).await.expect("revisions").remove(0);
                path = path.replace("REV", &revision.id);
            }
            if path.contains("MEMBER") {
                let email = format!("doomed-{}@example.org", masthead_core::ObjectId::new());
                let new = masthead_storage::NewMember {
                    email,
                    name: None,
                    note: None,
                    status: masthead_core::MemberStatus::Free,
                    labels: vec![],
                    consent_source: "test".into(),
                    consent_ip: None,
                    created_at: masthead_core::now(),
                };
                let member = db.insert_member(&new, &[]).await.expect("member");
                path = path.replace("MEMBER", member.id.as_str());
            }
            if path.contains("DOOMED") {
                let doomed = PostBuilder::published("Doomed").authors(&[&editor]).create(&app.newsroom).await;
                path = path.replace("DOOMED", doomed.id.as_str());
            }
            let role_name = role.map_or("anonymous", |r| r.as_str());
            let form = form.replace("STAMP", &stamp(&fresh(&app, &others).await)).replace("ROLE", role_name);
            let response = if form == "MULTIPART" {
                let (content_type, body) = multipart_png();
                let mut request = Request::post(&path).header("origin", ORIGIN).header("content-type", content_type);
                if let Some(cookie) = cookie {
                    request = request.header("cookie", cookie);
                }
                app.request(request.body(Body::from(body)).expect("request")).await
            } else {
                send(&app, method, &path, cookie.as_deref(), &form).await
            };
            let expected = match role {
                None => 303,
                Some(role) if allowed.contains(role) => *ok,
                Some(_) => 403,
            };
            assert_eq!(response.status.as_u16(), expected, "{role:?} {method} {path}");
            if role.is_none() {
                assert!(location(&response).starts_with("/admin/signin/?r="), "{method} {path}");
            }
        }
        // Other spellings of the same routes lead to the same answer, never around it.
        let upper_id = format!("/admin/posts/{}/", id.to_uppercase());
        let variants: [(&str, &[Role]); 5] = [
            ("/admin/posts", everyone),
            ("/ADMIN/POSTS/", everyone),
            ("/Admin/Posts/new/", everyone),
            (&upper_id, editors),
            ("/admin/Settings/", admins),
        ];
        for (variant, allowed) in variants {
            let response = send(&app, "GET", variant, cookie.as_deref(), "").await;
            assert_eq!(response.status, 301, "{role:?} {variant}");
            let followed = send(&app, "GET", location(&response), cookie.as_deref(), "").await;
            let expected = match role {
                None => 303,
                Some(role) if allowed.contains(role) => 200,
                Some(_) => 403,
            };
            assert_eq!(followed.status.as_u16(), expected, "{role:?} {variant}");
        }
        for encoded in ["/admin/%70osts/", "/admin/%73ettings/", "/admin/./settings/", "/admin//settings/"] {
            let response = send(&app, "GET", encoded, cookie.as_deref(), "").await;
            let expected = if role.is_none() { [303, 303] } else { [404, 404] };
            assert!(expected.contains(&response.status.as_u16()) || response.status == 301, "{role:?} {encoded}: {}", response.status);
            assert_ne!(response.status, 200, "{role:?} {encoded} must not reach a screen");
        }
        // Signing out ends this role's session for good.
        if let Some(cookie) = cookie {
            assert_eq!(send(&app, "POST", "/admin/signout/", Some(cookie), "").await.status, 303);
            assert_eq!(send(&app, "GET", "/admin/", Some(cookie), "").await.status, 303);
        }
    }
    let _ = ObjectId::new();
});

dual_db_test!(async fn a_story_goes_from_draft_to_the_site_with_an_edit_link_only_for_staff(db) {
    let app = TestApp::new(&db).await;
    let (author, cookie) = staff(&app, "Anna Field", Role::Author).await;
    let created = send(&app, "POST", "/admin/posts/", Some(&cookie), "title=Harbour+reopens&markdown=Ships+return.&tags=Economy&action=save").await;
    assert_eq!(created.status, 303);
    let id = location(&created).trim_start_matches("/admin/posts/").split('/').next().expect("id").to_owned();
    let post = db.post_by_id(&ObjectId::parse(&id).expect("id")).await.expect("read").expect("created");
    assert_eq!(post.status, masthead_core::PostStatus::Draft);
    assert_eq!(post.authors[0].id, author.id, "writers are always on their own byline");
    assert_eq!(app.get("/harbour-reopens/").await.status, 404, "drafts are not public");

    let preview = app.get(&format!("/p/{}/", post.uuid)).await;
    assert_eq!(preview.status, 200, "the private preview link works before publication");
    assert!(preview.text().contains("<meta name=\"robots\" content=\"noindex, nofollow\">"));
    assert_eq!(preview.header("cache-control"), Some("private, no-store"));

    let form = format!(
        "title=Harbour+reopens&markdown=Ships+return.&tags=Economy&og_title=Harbour+back+in+business&twitter_description=Ships+return+to+Salen&action=publish&updated_at={}",
        stamp(&post)
    );
    let published = send(&app, "POST", &format!("/admin/posts/{id}/"), Some(&cookie), &form).await;
    assert_eq!(published.status, 303);

    let public = app.get("/harbour-reopens/").await;
    assert_eq!(public.status, 200);
    assert!(public.text().contains("<meta property=\"og:title\" content=\"Harbour back in business\">"), "social fields from the editor");
    assert!(public.text().contains("<meta name=\"twitter:description\" content=\"Ships return to Salen\">"));
    assert!(!public.text().contains("Edit post"));
    let as_staff = send(&app, "GET", "/harbour-reopens/", Some(&cookie), "").await;
    assert!(as_staff.text().contains(&format!("href=\"/admin/posts/{id}/\">Edit post</a>")));
    assert_eq!(as_staff.header("cache-control"), Some("private, no-store"));
    let again = app.get("/harbour-reopens/").await;
    assert!(!again.text().contains("Edit post"), "the staff view never reaches the public cache");
    assert_eq!(again.body, public.body);
    let (_, reader_like) = staff(&app, "Other Writer", Role::Contributor).await;
    assert!(!send(&app, "GET", "/harbour-reopens/", Some(&reader_like), "").await.text().contains("Edit post"), "only staff allowed to edit see the link");
});

dual_db_test!(async fn contributors_write_drafts_but_cannot_publish(db) {
    let app = TestApp::new(&db).await;
    let (_, cookie) = staff(&app, "Cora Tribute", Role::Contributor).await;
    let draft = send(&app, "POST", "/admin/posts/", Some(&cookie), "title=My+first+draft&markdown=x&action=save").await;
    assert_eq!(draft.status, 303);
    let id = location(&draft).trim_start_matches("/admin/posts/").split('/').next().expect("id").to_owned();
    let editor_page = send(&app, "GET", &format!("/admin/posts/{id}/"), Some(&cookie), "").await;
    assert!(!editor_page.text().contains("value=\"publish\""), "no publish button");
    let post = db.post_by_id(&ObjectId::parse(&id).expect("id")).await.expect("read").expect("exists");
    let form = format!("title=My+first+draft&markdown=x&action=publish&updated_at={}", stamp(&post));
    let refused = send(&app, "POST", &format!("/admin/posts/{id}/"), Some(&cookie), &form).await;
    assert_eq!(refused.status, 403);
    assert!(refused.text().contains("does not allow you to publish"));
    assert_eq!(fresh(&app, &post).await.status, masthead_core::PostStatus::Draft);
    let new_tag = send(&app, "POST", "/admin/posts/", Some(&cookie), "title=Tagged&markdown=x&tags=Brand+new+tag&action=save").await;
    assert_eq!(new_tag.status, 403, "contributors pick existing tags");
});

dual_db_test!(async fn a_stale_edit_is_refused_and_keeps_what_was_typed(db) {
    let app = TestApp::new(&db).await;
    let (editor, cookie) = staff(&app, "Ed Itor", Role::Editor).await;
    let post = PostBuilder::draft("Shared story").authors(&[&editor]).create(&app.newsroom).await;
    let opened = stamp(&post);
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let first = send(&app, "POST", &format!("/admin/posts/{}/", post.id), Some(&cookie), &format!("title=First+edit&markdown=a&action=save&updated_at={opened}")).await;
    assert_eq!(first.status, 303);
    let second = send(&app, "POST", &format!("/admin/posts/{}/", post.id), Some(&cookie), &format!("title=Second+edit&markdown=my+paragraph&action=save&updated_at={opened}")).await;
    assert_eq!(second.status, 409);
    let body = second.text();
    assert!(body.contains("changed by someone else"));
    assert!(body.contains("my paragraph") && body.contains("Second edit"), "the typed text is still there");
    assert_eq!(fresh(&app, &post).await.title, "First edit", "nothing was overwritten");
});

dual_db_test!(async fn images_upload_by_content_with_clear_errors(db) {
    let app = TestApp::new(&db).await;
    let (_, cookie) = staff(&app, "Anna Field", Role::Author).await;
    let upload = |name: &str, bytes: Vec<u8>| {
        let boundary = "XBOUNDARYX";
        let mut body = format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n").into_bytes();
        body.extend(bytes);
        body.extend(format!("\r\n--{boundary}--\r\n").into_bytes());
        Request::post("/admin/uploads/")
            .header("origin", ORIGIN)
            .header("cookie", &cookie)
            .header("content-type", format!("multipart/form-data; boundary={boundary}"))
            .body(Body::from(body))
            .expect("request")
    };
    let mut png = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(image::RgbImage::from_pixel(1200, 600, image::Rgb([0, 90, 160]))).write_to(&mut png, image::ImageFormat::Png).expect("png");
    let ok = app.request(upload("Harbour At Dawn.jpg", png.into_inner())).await;
    assert_eq!(ok.status, 200, "{}", ok.text());
    let json: serde_json::Value = serde_json::from_slice(&ok.body).expect("json");
    let url = json["url"].as_str().expect("url");
    assert!(url.starts_with("/content/images/") && url.contains("harbour-at-dawn-") && url.ends_with(".jpg"), "{url}");
    let served = app.get(url).await;
    assert_eq!((served.status.as_u16(), served.header("content-type")), (200, Some("image/jpeg")));
    assert_eq!(app.get(&url.replace("/content/images/", "/content/images/size/w480/")).await.status, 200);

    let svg = app.request(upload("logo.svg", b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>".to_vec())).await;
    assert_eq!(svg.status, 415);
    let json: serde_json::Value = serde_json::from_slice(&svg.body).expect("json");
    assert!(json["error"].as_str().is_some_and(|e| e.contains("only JPEG, PNG, WebP and GIF")));
});

dual_db_test!(async fn the_setup_link_creates_the_owner_once(db) {
    let app = TestApp::new(&db).await;
    let link = app.newsroom.setup_link(ORIGIN).await.expect("link").expect("no owner yet");
    let path = link.trim_start_matches(ORIGIN).to_owned();
    assert_eq!(app.get(&path).await.status, 200);
    let form = format!("name=Olga+Owner&email=olga%40news.example.org&password={}", encode(PASSWORD));
    let done = send(&app, "POST", &path, None, &form).await;
    assert_eq!(done.status, 303);
    assert!(done.header("set-cookie").is_some_and(|c| c.starts_with("__Host-masthead_session=")));
    assert_eq!(db.owner().await.expect("owner").map(|o| o.name), Some("Olga Owner".into()));
    assert_eq!(send(&app, "POST", &path, None, &form).await.status, 404, "the link works once");
    assert_eq!(app.newsroom.setup_link(ORIGIN).await.expect("link"), None, "no new link once there is an owner");
});

dual_db_test!(async fn a_password_reset_link_is_mailed_to_the_account(db) {
    let app = TestApp::mailing(&db).await;
    staff(&app, "Anna Field", Role::Author).await;
    let asked = send(&app, "POST", "/admin/forgot/", None, "email=anna.field%40news.example.org").await;
    let unknown = send(&app, "POST", "/admin/forgot/", None, "email=nobody%40news.example.org").await;
    assert_eq!(asked.status, 200);
    let message = |r: &TestResponse| text_of(&select(&Html::parse_document(&r.text()), "main p")[0]);
    assert_eq!(message(&asked), message(&unknown), "the page does not reveal which addresses have accounts");
    let mail = app.mail().await;
    assert_eq!(mail.len(), 1);
    assert_eq!(mail[0].rcpt_to, ["anna.field@news.example.org"]);
    let link = mail[0].text_body().lines().find(|l| l.contains("/admin/reset/")).expect("link").trim().to_owned();
    let path = link.trim_start_matches(ORIGIN).to_owned();
    let reset = send(&app, "POST", &path, None, "password=a+brand+new+secret").await;
    assert_eq!(reset.status, 200);
    let signin = send(&app, "POST", "/admin/signin/", None, "email=anna.field%40news.example.org&password=a+brand+new+secret").await;
    assert_eq!(signin.status, 303);
    assert_eq!(send(&app, "POST", &path, None, "password=a+third+secret+x").await.status, 404, "reset links work once");
});

dual_db_test!(async fn corrections_and_updates_show_with_their_time_and_move_date_modified(db) {
    let app = TestApp::new(&db).await;
    let (editor, cookie) = staff(&app, "Ed Itor", Role::Editor).await;
    let (_, author_cookie) = staff(&app, "Anna Field", Role::Author).await;
    let published = masthead_core::now() - time::Duration::hours(3);
    let post = PostBuilder::published("Bridge reopens").authors(&[&editor]).published_at(published).create(&app.newsroom).await;
    let before = app.get("/bridge-reopens/").await.text();
    assert!(!before.contains("article__notes"));

    let refused = send(&app, "POST", &format!("/admin/posts/{}/notes/", post.id), Some(&author_cookie), "kind=correction&body=x").await;
    assert_eq!(refused.status, 403, "authors do not attach corrections");
    let empty = send(&app, "POST", &format!("/admin/posts/{}/notes/", post.id), Some(&cookie), "kind=correction&body=+").await;
    assert_eq!(empty.status, 422);

    let added = send(&app, "POST", &format!("/admin/posts/{}/notes/", post.id), Some(&cookie), "kind=correction&body=An+earlier+version+gave+the+wrong+date.").await;
    assert_eq!(added.status, 303);
    let page = app.get("/bridge-reopens/").await;
    let html = Html::parse_document(&page.text());
    let note = &select(&html, ".article__notes .note--correction")[0];
    assert!(text_of(note).starts_with("Correction, "));
    assert!(text_of(note).ends_with(": An earlier version gave the wrong date."));
    assert!(select(&html, ".article__notes time")[0].value().attr("datetime").is_some());
    let json_ld: serde_json::Value = serde_json::from_str(&text_of(&select(&html, "script[type='application/ld+json']")[0])).expect("json");
    assert_ne!(json_ld["dateModified"], json_ld["datePublished"], "dateModified moves with the correction");
    assert!(select(&html, ".article__updated").len() == 1, "a correction hours later shows as an update of the story");

    // A note can carry its own time (in the site's time zone, here UTC).
    let earlier = masthead_core::now() - time::Duration::hours(1);
    let local = earlier.format(&time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]")).expect("format");
    let timed = send(&app, "POST", &format!("/admin/posts/{}/notes/", post.id), Some(&cookie), &format!("kind=update&body=Traffic+resumed.&noted_at={}", encode(&local))).await;
    assert_eq!(timed.status, 303);
    let html = Html::parse_document(&app.get("/bridge-reopens/").await.text());
    let update_time = select(&html, ".note--update time")[0].value().attr("datetime").expect("datetime").to_owned();
    assert!(update_time.starts_with(&local), "{update_time} vs {local}");

    let draft = PostBuilder::draft("Unpublished").authors(&[&editor]).create(&app.newsroom).await;
    let on_draft = send(&app, "POST", &format!("/admin/posts/{}/notes/", draft.id), Some(&cookie), "kind=update&body=x").await;
    assert_eq!(on_draft.status, 422, "notes go on published stories");
});

dual_db_test!(async fn every_save_keeps_a_version_that_can_be_compared_and_restored(db) {
    let app = TestApp::new(&db).await;
    let (editor, cookie) = staff(&app, "Ed Itor", Role::Editor).await;
    let post = PostBuilder::draft("First headline").authors(&[&editor]).markdown("Original paragraph.").create(&app.newsroom).await;
    let edit = |title: &str, body: &str, stamp: String| format!("title={}&markdown={}&action=save&author_0={}&updated_at={stamp}", encode(title), encode(body), editor.id);
    let first = send(&app, "POST", &format!("/admin/posts/{}/", post.id), Some(&cookie), &edit("Second headline", "Rewritten paragraph.", stamp(&post))).await;
    assert_eq!(first.status, 303);
    let current = fresh(&app, &post).await;
    let history = send(&app, "GET", &format!("/admin/posts/{}/history/", post.id), Some(&cookie), "").await;
    assert_eq!(history.status, 200);
    let html = Html::parse_document(&history.text());
    assert_eq!(select(&html, ".story-list li").len(), 1);
    let removed: Vec<String> = select(&html, ".diff--removed").iter().map(text_of).collect();
    let added: Vec<String> = select(&html, ".diff--added").iter().map(text_of).collect();
    assert!(removed.contains(&"- # First headline".to_owned()) && removed.contains(&"- Original paragraph.".to_owned()), "{removed:?}");
    assert!(added.contains(&"+ # Second headline".to_owned()), "{added:?}");

    let revision = db.revisions(&post.id).await.expect("revisions").remove(0);
    let restored = send(&app, "POST", &format!("/admin/posts/{}/history/{}/restore/", post.id, revision.id), Some(&cookie), "").await;
    assert_eq!(restored.status, 303);
    let back = fresh(&app, &current).await;
    assert_eq!((back.title.as_str(), back.markdown.as_deref()), ("First headline", Some("Original paragraph.")));
    assert_eq!(db.revisions(&post.id).await.expect("revisions").len(), 2, "the replaced version is kept too");
});

fn lexical_story(heading: &str, paragraph: &str) -> String {
    serde_json::json!({ "root": { "type": "root", "version": 1, "children": [
        { "type": "heading", "version": 1, "tag": "h2", "children": [{ "type": "text", "version": 1, "text": heading, "format": 0 }] },
        { "type": "paragraph", "version": 1, "children": [{ "type": "text", "version": 1, "text": paragraph, "format": 1 }] },
    ] } })
    .to_string()
}

/// The document the rich-text editor opens, from the page's JSON island.
fn opened_document(page: &TestResponse) -> serde_json::Value {
    let html = Html::parse_document(&page.text());
    let island = text_of(&select(&html, "script#story-document")[0]);
    let source: String = serde_json::from_str(&island).expect("a JSON string");
    serde_json::from_str(&source).expect("a document")
}

dual_db_test!(async fn the_story_form_keeps_a_rich_text_document_and_opens_every_story_in_the_rich_editor(db) {
    let app = TestApp::new(&db).await;
    let (editor, cookie) = staff(&app, "Ed Itor", Role::Editor).await;
    let document = lexical_story("What changed", "Two crossings a night.");
    let form = |title: &str, lexical: &str, stamp: Option<String>| {
        let mut form = format!("title={}&markdown=ignored&lexical={}&action=save&author_0={}", encode(title), encode(lexical), editor.id);
        if let Some(stamp) = stamp {
            form.push_str(&format!("&updated_at={stamp}"));
        }
        form
    };
    let created = send(&app, "POST", "/admin/posts/", Some(&cookie), &form("Night ferry", &document, None)).await;
    assert_eq!(created.status, 303);
    let post = app.db.post_by_slug(masthead_core::PostType::Post, "night-ferry").await.expect("read").expect("created");
    assert_eq!(post.lexical.as_deref(), Some(document.as_str()), "the document is kept as the editor sent it");
    assert_eq!(post.markdown, None, "the Markdown field is not the story when the rich editor sent one");
    assert!(post.html.contains("<h2 id=\"what-changed\">What changed</h2>"), "{}", post.html);
    assert!(post.html.contains("<strong>Two crossings a night.</strong>"), "{}", post.html);

    // Reopened, the editor gets the same document.
    let page = send(&app, "GET", &format!("/admin/posts/{}/", post.id), Some(&cookie), "").await;
    assert_eq!(page.status, 200);
    assert_eq!(opened_document(&page), serde_json::from_str::<serde_json::Value>(&document).expect("json"));
    assert!(page.text().contains("</script>") && !page.text().contains("<h2 id=\"what-changed\">What changed</h2></script>"));

    // A broken document is refused with the reason, and what was typed is shown again.
    let broken = send(&app, "POST", &format!("/admin/posts/{}/", post.id), Some(&cookie), &form("Night ferry, new headline", "{\"root\": ", Some(stamp(&post)))).await;
    assert_eq!(broken.status, 422);
    let html = Html::parse_document(&broken.text());
    assert!(text_of(&select(&html, ".error")[0]).contains("lexical is not valid JSON"), "{}", broken.text());
    assert_eq!(select(&html, "input[name=title]")[0].value().attr("value"), Some("Night ferry, new headline"));
    assert_eq!(fresh(&app, &post).await.lexical.as_deref(), Some(document.as_str()), "nothing was stored");

    // The history compares the story's text, not its markup.
    let rewritten = lexical_story("What changed", "Three crossings a night.");
    let saved = send(&app, "POST", &format!("/admin/posts/{}/", post.id), Some(&cookie), &form("Night ferry", &rewritten, Some(stamp(&post)))).await;
    assert_eq!(saved.status, 303);
    let history = Html::parse_document(&send(&app, "GET", &format!("/admin/posts/{}/history/", post.id), Some(&cookie), "").await.text());
    let removed: Vec<String> = select(&history, ".diff--removed").iter().map(text_of).collect();
    let added: Vec<String> = select(&history, ".diff--added").iter().map(text_of).collect();
    assert_eq!((removed, added), (vec!["- Two crossings a night.".to_owned()], vec!["+ Three crossings a night.".to_owned()]));

    // A Markdown story opens as one Markdown card; an HTML-only story as one HTML card.
    let markdown = PostBuilder::draft("Water").authors(&[&editor]).markdown("Tanks **refill** at night.").create(&app.newsroom).await;
    let page = send(&app, "GET", &format!("/admin/posts/{}/", markdown.id), Some(&cookie), "").await;
    let card = &opened_document(&page)["root"]["children"][0];
    assert_eq!((card["type"].as_str(), card["markdown"].as_str()), (Some("markdown"), Some("Tanks **refill** at night.")));
    let html_only = PostBuilder::draft("Power").authors(&[&editor]).html("<p>Cuts at <em>six</em>.</p>").create(&app.newsroom).await;
    let page = send(&app, "GET", &format!("/admin/posts/{}/", html_only.id), Some(&cookie), "").await;
    let card = &opened_document(&page)["root"]["children"][0];
    assert_eq!((card["type"].as_str(), card["html"].as_str()), (Some("html"), Some("<p>Cuts at <em>six</em>.</p>")));
    // A new story opens empty, not as an empty Markdown card.
    let new_story = send(&app, "GET", "/admin/posts/new/", Some(&cookie), "").await;
    let island = text_of(&select(&Html::parse_document(&new_story.text()), "script#story-document")[0]);
    assert_eq!(island, "\"\"");
    // Saved from the form without JavaScript, a Markdown story stays Markdown.
    let plain = format!("title=Water&markdown={}&action=save&author_0={}&updated_at={}", encode("Tanks refill by day."), editor.id, stamp(&markdown));
    assert_eq!(send(&app, "POST", &format!("/admin/posts/{}/", markdown.id), Some(&cookie), &plain).await.status, 303);
    let after = fresh(&app, &markdown).await;
    assert_eq!((after.markdown.as_deref(), after.lexical.as_deref()), (Some("Tanks refill by day."), None));
});

dual_db_test!(async fn the_editor_finds_published_stories_for_a_related_story_card_and_previews_documents(db) {
    let app = TestApp::new(&db).await;
    let (editor, cookie) = staff(&app, "Ed Itor", Role::Editor).await;
    let (_, contributor) = staff(&app, "Cory Contributor", Role::Contributor).await;
    PostBuilder::published("Bridge reopens to traffic").authors(&[&editor]).markdown("The bridge is open.").create(&app.newsroom).await;
    PostBuilder::draft("Bridge draft not yet out").authors(&[&editor]).create(&app.newsroom).await;
    PostBuilder::published("Water rationing eases").authors(&[&editor]).create(&app.newsroom).await;
    PostBuilder::published("Bridge inquiry, for members")
        .authors(&[&editor])
        .markdown("What the inspectors found.")
        .visibility(masthead_core::Visibility::Members)
        .create(&app.newsroom)
        .await;

    let found = send(&app, "GET", "/admin/posts/related/?q=bridge", Some(&contributor), "").await;
    assert_eq!(found.status, 200);
    assert_eq!(found.header("cache-control"), Some("private, no-store"));
    let json: serde_json::Value = serde_json::from_str(&found.text()).expect("json");
    let stories = json["stories"].as_array().expect("stories");
    let titles: Vec<&str> = stories.iter().filter_map(|s| s["title"].as_str()).collect();
    assert_eq!(titles.len(), 2, "only published stories whose titles match: {json}");
    assert!(titles.contains(&"Bridge reopens to traffic") && titles.contains(&"Bridge inquiry, for members"), "{json}");
    let open = stories.iter().find(|s| s["title"] == "Bridge reopens to traffic").expect("found");
    assert_eq!(open["author"], "Ed Itor");
    assert_eq!(open["excerpt"], "The bridge is open.");
    assert!(open["url"].as_str().is_some_and(|u| u.starts_with("http") && u.ends_with("/bridge-reopens-to-traffic/")), "{json}");
    // A members' story's text would be shown to every reader of the card: it is not given.
    let gated = stories.iter().find(|s| s["title"] == "Bridge inquiry, for members").expect("found");
    assert_eq!(gated["excerpt"], "", "{json}");
    let anonymous = send(&app, "GET", "/admin/posts/related/?q=bridge", None, "").await;
    assert_ne!(anonymous.status, 200, "staff only");

    let preview = send(&app, "POST", "/admin/preview/", Some(&cookie), &format!("lexical={}", encode(&lexical_story("Heading", "Bold")))).await;
    assert_eq!(preview.status, 200);
    assert!(preview.text().contains("<h2 id=\"heading\">Heading</h2>") && preview.text().contains("<strong>Bold</strong>"), "{}", preview.text());
    let broken = send(&app, "POST", "/admin/preview/", Some(&cookie), "lexical=%7B").await;
    assert_eq!(broken.status, 422);
});

dual_db_test!(async fn staff_are_invited_promoted_within_bounds_and_suspended(db) {
    let app = TestApp::mailing(&db).await;
    let (_, editor_cookie) = staff(&app, "Ed Itor", Role::Editor).await;
    let (_, admin_cookie) = staff(&app, "Ada Min", Role::Administrator).await;
    let invited = send(&app, "POST", "/admin/staff/invite/", Some(&editor_cookie), "name=Nina+New&email=nina%40news.example.org&role=author").await;
    assert_eq!(invited.status, 303);
    let nina = db.user_by_email("nina@news.example.org").await.expect("read").expect("invited");
    assert_eq!((nina.role, nina.status), (Role::Author, masthead_core::StaffStatus::Invited));
    let too_high = send(&app, "POST", "/admin/staff/invite/", Some(&editor_cookie), "name=Big+Boss&email=boss%40news.example.org&role=administrator").await;
    assert_eq!(too_high.status, 403, "editors invite writers only");

    // The invitation link (as Nina receives it) sets a password and activates the account.
    let mail = app.mail().await.into_iter().find(|m| m.rcpt_to == ["nina@news.example.org"]).expect("invitation");
    let link = mail.text_body().lines().find(|l| l.contains("/admin/reset/")).expect("link").trim().trim_start_matches(ORIGIN).to_owned();
    assert_eq!(send(&app, "POST", &link, None, "password=nina+chooses+this").await.status, 200);
    let signin = send(&app, "POST", "/admin/signin/", None, "email=nina%40news.example.org&password=nina+chooses+this").await;
    assert_eq!(signin.status, 303);
    let nina_cookie = signin.header("set-cookie").expect("cookie").split(';').next().expect("pair").to_owned();

    let promote = |role: &str| format!("role={role}");
    assert_eq!(send(&app, "POST", &format!("/admin/staff/{}/role/", nina.id), Some(&editor_cookie), &promote("editor")).await.status, 403);
    assert_eq!(send(&app, "POST", &format!("/admin/staff/{}/role/", nina.id), Some(&admin_cookie), &promote("editor")).await.status, 303);
    assert_eq!(db.user_by_id(&nina.id).await.expect("read").expect("exists").role, Role::Editor);
    assert_eq!(send(&app, "POST", &format!("/admin/staff/{}/role/", nina.id), Some(&admin_cookie), &promote("owner")).await.status, 422);

    assert_eq!(send(&app, "POST", &format!("/admin/staff/{}/suspend/", nina.id), Some(&admin_cookie), "").await.status, 303);
    assert_eq!(send(&app, "GET", "/admin/", Some(&nina_cookie), "").await.status, 303, "suspension signs out every session");
    let blocked = send(&app, "POST", "/admin/signin/", None, "email=nina%40news.example.org&password=nina+chooses+this").await;
    assert_eq!(blocked.status, 403);
    assert!(blocked.text().contains("This account is suspended."));
    assert_eq!(send(&app, "POST", &format!("/admin/staff/{}/reinstate/", nina.id), Some(&admin_cookie), "").await.status, 303);
    assert_eq!(send(&app, "POST", "/admin/signin/", None, "email=nina%40news.example.org&password=nina+chooses+this").await.status, 303);
});

dual_db_test!(async fn tags_and_settings_changed_in_the_newsroom_show_on_the_site(db) {
    let app = TestApp::new(&db).await;
    let (editor, editor_cookie) = staff(&app, "Ed Itor", Role::Editor).await;
    let (_, admin_cookie) = staff(&app, "Ada Min", Role::Administrator).await;
    let post = PostBuilder::published("Ferry timetable").authors(&[&editor]).tags(&["Transprot"]).create(&app.newsroom).await;
    assert!(app.get("/ferry-timetable/").await.text().contains(">Transprot<"));
    let renamed = send(&app, "POST", &format!("/admin/tags/{}/", post.tags[0].id), Some(&editor_cookie), "name=Transport&description=Ferries%2C+trains+and+roads").await;
    assert_eq!(renamed.status, 303);
    let page = app.get("/ferry-timetable/").await.text();
    assert!(page.contains(">Transport<") && !page.contains("Transprot"), "the cached page was refreshed");
    assert_eq!(app.get("/tag/transport/").await.status, 200);

    let form = "title=The+Harbour+Post&description=News+from+the+coast&timezone=Mars%2FOlympus&accent_color=%23b3261e";
    let bad = send(&app, "POST", "/admin/settings/", Some(&admin_cookie), form).await;
    assert_eq!(bad.status, 422);
    assert!(bad.text().contains("unknown time zone"));
    let good = send(&app, "POST", "/admin/settings/", Some(&admin_cookie), &form.replace("Mars%2FOlympus", "Europe%2FKyiv") .replace("description=", "navigation=Home+%7C+%2F%0AFerries+%7C+%2Ftag%2Ftransport%2F&description=")).await;
    assert_eq!(good.status, 303);
    let home = app.get("/").await.text();
    assert!(home.contains("<title>The Harbour Post</title>"));
    assert!(home.contains("href=\"/tag/transport/\""), "navigation from settings");
    assert_eq!(db.site_settings().await.expect("settings").timezone.as_str(), "Europe/Kyiv");
});

dual_db_test!(async fn staff_list_and_revoke_their_own_sessions(db) {
    let app = TestApp::new(&db).await;
    let (user, here) = staff(&app, "Anna Field", Role::Author).await;
    let elsewhere_token = app.newsroom.open_session(&user, Some("203.0.113.7"), Some("Laptop browser")).await.expect("second session");
    let elsewhere = app.session_cookie(&elsewhere_token);
    let list = send(&app, "GET", "/admin/sessions/", Some(&here), "").await;
    assert_eq!(list.status, 200);
    assert!(list.text().contains("203.0.113.7") && list.text().contains("this browser"));
    let sessions = db.sessions_of(&user.id).await.expect("sessions");
    let other = sessions.iter().find(|s| s.ip.as_deref() == Some("203.0.113.7")).expect("listed");
    assert_eq!(send(&app, "POST", &format!("/admin/sessions/{}/revoke/", other.id), Some(&here), "").await.status, 303);
    assert_eq!(send(&app, "GET", "/admin/", Some(&elsewhere), "").await.status, 303, "the revoked session is signed out");
    assert_eq!(send(&app, "GET", "/admin/", Some(&here), "").await.status, 200);
    let (_, someone_else) = staff(&app, "Boris Lane", Role::Editor).await;
    let mine = db.sessions_of(&user.id).await.expect("sessions").remove(0);
    assert_eq!(send(&app, "POST", &format!("/admin/sessions/{}/revoke/", mine.id), Some(&someone_else), "").await.status, 404, "only one's own sessions");
});

dual_db_test!(async fn an_editor_sends_a_story_by_email_only(db) {
    let app = TestApp::new(&db).await;
    let (editor, cookie) = staff(&app, "Ed Itor", Role::Editor).await;
    let (_, author_cookie) = staff(&app, "Au Thor", Role::Author).await;
    let owner = masthead_core::Actor { user_id: editor.id.clone(), role: Role::Owner };
    let input = masthead_app::mail::newsletters::NewsletterInput { name: "Morning Brief".into(), ..Default::default() };
    let letter = app.newsroom.save_newsletter(&owner, None, &input).await.expect("newsletter");
    let new = masthead_storage::NewMember {
        email: "reader@example.org".into(),
        name: None,
        note: None,
        status: masthead_core::MemberStatus::Free,
        labels: vec!["Donors".into()],
        consent_source: "test".into(),
        consent_ip: None,
        created_at: masthead_core::now(),
    };
    db.insert_member(&new, std::slice::from_ref(&letter.id)).await.expect("member");

    let draft = PostBuilder::draft("A letter from the editor").authors(&[&editor]).create(&app.newsroom).await;
    let editor_page = send(&app, "GET", &format!("/admin/posts/{}/", draft.id), Some(&cookie), "").await;
    assert!(editor_page.text().contains("Send by email only") && editor_page.text().contains("Members labelled Donors"));
    let form = |extra: &str| format!("title=A+letter+from+the+editor&markdown=Dear+readers&updated_at={}{extra}", stamp(&draft));

    // Without a newsletter there is nowhere to send it.
    let refused = send(&app, "POST", &format!("/admin/posts/{}/", draft.id), Some(&cookie), &form("&action=email_only")).await;
    assert_eq!(refused.status, 422);

    let sent = send(
        &app,
        "POST",
        &format!("/admin/posts/{}/", draft.id),
        Some(&cookie),
        &form("&action=email_only&newsletter=morning-brief&email_segment=label%3Adonors"),
    )
    .await;
    assert_eq!(sent.status, 303, "{}", sent.text());
    let post = fresh(&app, &draft).await;
    assert_eq!(post.status, masthead_core::PostStatus::Sent);
    assert_eq!(app.get(&format!("/{}/", post.slug)).await.status, 404, "email-only stories are not on the site");
    let email = db.email_for_post(&post.id).await.expect("read").expect("a send");
    assert_eq!(email.segment, "label:donors");
    assert!(!email.html.contains("Read it on the web"));
    assert_eq!(db.start_email(&email.id).await.expect("start"), Some(1), "the labelled member is the audience");

    let preview = send(&app, "GET", &format!("/admin/posts/{}/email/", post.id), Some(&author_cookie), "").await;
    assert_eq!(preview.status, 403, "an author cannot preview an editor's story");
});

dual_db_test!(async fn the_newsroom_home_says_what_needs_doing_now(db) {
    use masthead_storage::{IntegrationRecord, JobChange, NewEmail, NewJob, WebhookRecord};
    use time::Duration;
    let app = TestApp::new(&db).await;
    let (owner, owner_cookie) = staff(&app, "Olena Owner", Role::Owner).await;
    let (author, author_cookie) = staff(&app, "Anna Field", Role::Author).await;
    let now = masthead_core::now();

    // Drafts, with who changed them last: one edited by the owner since Anna wrote it.
    let edited = PostBuilder::draft("Bridge repairs draft").authors(&[&author]).create(&app.newsroom).await;
    app.newsroom.record_revision(&edited, &owner.id).await.expect("a kept version");
    PostBuilder::draft("Untouched draft").authors(&[&author]).create(&app.newsroom).await;
    // The schedule, entered out of order.
    for (title, hours) in [("Later scheduled", 5), ("Sooner scheduled", 2)] {
        let mut input = PostBuilder::draft(title).authors(&[&author]).input();
        input.status = masthead_core::PostStatus::Scheduled;
        input.published_at = Some(now + Duration::hours(hours));
        app.newsroom.create_post(input).await.expect("scheduled");
    }
    // Published: the older story was changed last, but the newest publication comes first.
    let newer = PostBuilder::published("Newer story").authors(&[&author]).published_at(now - Duration::hours(1)).create(&app.newsroom).await;
    let older = PostBuilder::published("Older story").authors(&[&author]).published_at(now - Duration::hours(3)).create(&app.newsroom).await;
    let mut retitled = masthead_app::PostInput::from_post(&older);
    retitled.title = "Older story, corrected".into();
    app.newsroom.update_post(&older.id, retitled).await.expect("edited");

    // Failures: a send, a webhook and a background job.
    let letter = masthead_test_utils::NewsletterBuilder::new("Evening briefing").create(&db).await;
    let failed_send = db
        .create_email(&NewEmail {
            post_id: newer.id.clone(),
            newsletter_id: letter.id.clone(),
            segment: masthead_core::Segment::All,
            subject: "Newer story".into(),
            html: "<p>x</p>".into(),
            plaintext: "x".into(),
            created_by: Some(owner.id.clone()),
        })
        .await
        .expect("send");
    db.fail_email(&failed_send, "the relay refused the login").await.expect("failed");
    let integration = IntegrationRecord {
        id: ObjectId::new().to_string(),
        name: "Wire desk".into(),
        slug: "wire-desk".into(),
        description: None,
        created_at: now,
        updated_at: now,
    };
    db.insert_integration(&integration, &[]).await.expect("integration");
    let webhook = WebhookRecord {
        id: ObjectId::new().to_string(),
        integration_id: integration.id.clone(),
        event: "post.published".into(),
        target_url: "https://wire.example/hook".into(),
        name: None,
        secret: None,
        api_version: "v6".into(),
        last_triggered_at: None,
        last_triggered_status: None,
        last_triggered_error: None,
        created_at: now,
        updated_at: now,
    };
    db.insert_webhook(&webhook).await.expect("webhook");
    db.record_webhook_delivery(&webhook.id, now, "500", Some("the receiver answered 500")).await.expect("delivery");
    db.apply_job_changes(&[JobChange::Enqueue(NewJob {
        kind: "narrate_post".into(),
        payload: serde_json::json!({ "post_id": newer.id.to_string() }),
        dedup_key: None,
        run_at: now - Duration::seconds(1),
        max_attempts: 1,
    })])
    .await
    .expect("job");
    let job = db.claim_job("test", now, Duration::seconds(30)).await.expect("claim").expect("due");
    db.fail_job(&job.id, "test", "the voice is missing", now).await.expect("failed");

    // Members: one today, one three days ago, one long ago.
    for (email, days) in [("today@example.org", 0), ("monday@example.org", 3), ("spring@example.org", 40)] {
        masthead_test_utils::MemberBuilder::new(email).created_at(now - Duration::days(days)).create(&db).await;
    }

    let page = send(&app, "GET", "/admin/", Some(&owner_cookie), "").await;
    assert_eq!(page.status, 200);
    let html = Html::parse_document(&page.text());
    let items = |section: &str| -> Vec<String> {
        select(&html, &format!("[aria-labelledby={section}-title] li")).iter().map(text_of).collect()
    };
    // (Both drafts were written within the same second: their order is not the point here.)
    let drafts = items("drafts");
    let draft = |title: &str| drafts.iter().find(|d| d.starts_with(title)).cloned().unwrap_or_default();
    assert!(draft("Untouched draft").contains("last edited by Anna Field"), "{drafts:?}");
    assert!(draft("Bridge repairs draft").contains("last edited by Olena Owner"), "{drafts:?}");
    assert_eq!(drafts.len(), 2);
    let scheduled = items("scheduled");
    assert!(scheduled[0].contains("Sooner scheduled") && scheduled[1].contains("Later scheduled"), "a timeline: {scheduled:?}");
    let published = items("published");
    assert!(published[0].starts_with("Newer story") && published[1].starts_with("Older story, corrected"), "{published:?}");
    assert!(published[0].contains("newsletter failed") && published[1].contains("not emailed"), "{published:?}");
    let figures: Vec<String> = select(&html, ".figures dd").iter().map(text_of).collect();
    assert_eq!(figures, ["1", "2"], "joined today, and in the last seven days");
    let failures: Vec<(String, String)> = select(&html, "[aria-labelledby=failures-title] li a")
        .iter()
        .map(|a| (text_of(a), a.value().attr("href").unwrap_or_default().to_owned()))
        .collect();
    assert_eq!(
        failures,
        [
            ("Newsletter send: Newer story".to_owned(), format!("/admin/emails/{failed_send}/")),
            ("Webhook post.published to https://wire.example/hook".to_owned(), format!("/admin/integrations/{}/", integration.id)),
            ("Background job: narrating a story".to_owned(), format!("/admin/posts/{}/", newer.id)),
        ]
    );
    assert!(page.text().contains("the receiver answered 500") && page.text().contains("the voice is missing"));

    // An author sees their own stories and none of the newsroom's failures or members.
    let theirs = send(&app, "GET", "/admin/", Some(&author_cookie), "").await;
    assert_eq!(theirs.status, 200);
    let text = theirs.text();
    assert!(text.contains("Untouched draft") && !text.contains("Needs attention") && !text.contains("New members"), "{text}");
    // Grouped navigation: an author's menu holds no settings.
    let authors_menu = Html::parse_document(&text);
    let groups: Vec<String> = select(&authors_menu, ".admin-nav__title").iter().map(text_of).collect();
    assert_eq!(groups, ["Content", "Site"]);
    assert!(!text.contains("/admin/settings/"));
});

dual_db_test!(async fn an_open_editor_learns_who_else_has_the_story_open(db) {
    let app = TestApp::new(&db).await;
    let (anna, anna_cookie) = staff(&app, "Anna Field", Role::Author).await;
    let (_, edna_cookie) = staff(&app, "Edna Editor", Role::Editor).await;
    let (_, cory_cookie) = staff(&app, "Cory Contributor", Role::Contributor).await;
    let story = PostBuilder::draft("Ferry timetable").authors(&[&anna]).create(&app.newsroom).await;
    let path = format!("/admin/posts/{}/presence/", story.id);
    let others = |response: &TestResponse| -> Vec<String> {
        let json: serde_json::Value = serde_json::from_slice(&response.body).expect("json");
        json["others"].as_array().expect("others").iter().map(|o| o["name"].as_str().unwrap_or_default().to_owned()).collect()
    };

    let first = send(&app, "POST", &path, Some(&anna_cookie), "").await;
    assert_eq!(first.status, 200);
    assert!(others(&first).is_empty(), "alone at first");
    let second = send(&app, "POST", &path, Some(&edna_cookie), "").await;
    assert_eq!(others(&second), ["Anna Field"]);
    assert_eq!(others(&send(&app, "POST", &path, Some(&anna_cookie), "").await), ["Edna Editor"]);

    // Closing the editor says so at once.
    assert_eq!(send(&app, "POST", &format!("{path}leave/"), Some(&edna_cookie), "").await.status, 204);
    assert!(others(&send(&app, "POST", &path, Some(&anna_cookie), "").await).is_empty());

    // Only those who may edit the story take part; nobody signed out, and no other site's page.
    assert_eq!(send(&app, "POST", &path, Some(&cory_cookie), "").await.status, 403);
    assert_ne!(send(&app, "POST", &path, None, "").await.status, 200);
    let cross_site = Request::builder()
        .method("POST")
        .uri(&path)
        .header("origin", "https://evil.example")
        .header("cookie", &anna_cookie)
        .body(Body::empty())
        .expect("request");
    assert_eq!(app.request(cross_site).await.status, 403);
    assert_eq!(send(&app, "POST", "/admin/posts/nonsense/presence/", Some(&anna_cookie), "").await.status, 404);

    // The editor page carries the address its script says so to.
    let page = send(&app, "GET", &format!("/admin/posts/{}/", story.id), Some(&anna_cookie), "").await;
    assert!(page.text().contains(&format!("data-presence=\"{path}\"")));
});
