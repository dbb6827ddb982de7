//! Ghost's Content and Admin APIs through the real router: keys and tokens, envelopes, filters,
//! errors, the update collision, roles of session callers, webhooks' address guard, and
//! snapshots of the shapes clients rely on.

use axum::body::Body;
use axum::http::Request;
use masthead_app::integrations::{Integration, sign_admin_token};
use masthead_core::{PostType, Role};
use masthead_test_utils::{PostBuilder, TestApp, TestResponse, dual_db_test};
use serde_json::{Value, json};
use time::Duration;

use crate::newsroom;

const ORIGIN: &str = "https://news.example.org";

pub(crate) async fn integration(app: &TestApp) -> Integration {
    app.newsroom.add_integration("Front end", None).await.expect("integration")
}

pub(crate) fn json_of(response: &TestResponse) -> Value {
    serde_json::from_slice(&response.body).unwrap_or_else(|e| panic!("JSON body ({e}): {}", response.text()))
}

fn error_of(response: &TestResponse) -> (u16, String, Option<String>) {
    let body = json_of(response);
    let error = &body["errors"][0];
    (
        response.status.as_u16(),
        error["type"].as_str().unwrap_or_default().to_owned(),
        error["code"].as_str().map(str::to_owned),
    )
}

async fn content_get(app: &TestApp, key: &str, path: &str) -> TestResponse {
    let separator = if path.contains('?') { '&' } else { '?' };
    app.get(&format!("/ghost/api/content/{path}{separator}key={key}")).await
}

/// An Admin API call signed as `@tryghost/admin-api` signs it.
pub(crate) async fn admin_call(
    app: &TestApp,
    key: &str,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> TestResponse {
    let token = sign_admin_token(key, masthead_core::now()).expect("token");
    let mut request = Request::builder()
        .method(method)
        .uri(format!("/ghost/api/admin/{path}"))
        .header("authorization", format!("Ghost {token}"))
        .header("accept-version", "v6.0");
    if body.is_some() {
        request = request.header("content-type", "application/json");
    }
    let body = body.map(|b| Body::from(b.to_string())).unwrap_or_else(Body::empty);
    app.request(request.body(body).expect("request")).await
}

/// Ids, uuids, times and URLs that depend on the run are replaced before snapshotting.
fn redacted(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let v = match (k.as_str(), v) {
                        ("id" | "uuid" | "comment_id", Value::String(_)) => json!("[id]"),
                        (k, Value::String(_)) if k.ends_with("_id") => json!("[id]"),
                        (k, Value::String(_)) if k.ends_with("_at") => json!("[time]"),
                        _ => redacted(v),
                    };
                    (k.clone(), v)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(redacted).collect()),
        other => other.clone(),
    }
}

dual_db_test!(async fn content_keys_are_checked_as_ghost_checks_them(db) {
    let app = TestApp::new(&db).await;
    let keys = integration(&app).await;
    let content_key = keys.content_key.clone().expect("content key");
    assert_eq!(content_key.len(), 26);

    let missing = app.get("/ghost/api/content/posts/").await;
    assert_eq!(error_of(&missing), (403, "NoPermissionError".into(), None));
    let unknown = app.get("/ghost/api/content/posts/?key=0123456789abcdef0123456789").await;
    assert_eq!(error_of(&unknown), (401, "UnauthorizedError".into(), Some("UNKNOWN_CONTENT_API_KEY".into())));
    let twice = app.get(&format!("/ghost/api/content/posts/?key={content_key}&key={content_key}")).await;
    assert_eq!(error_of(&twice), (400, "BadRequestError".into(), Some("INVALID_REQUEST".into())));
    let admin_secret = keys.admin_key.as_deref().and_then(|k| k.split_once(':')).map(|(_, s)| s).expect("admin");
    let wrong_kind = app.get(&format!("/ghost/api/content/posts/?key={admin_secret}")).await;
    assert_eq!(error_of(&wrong_kind), (401, "UnauthorizedError".into(), Some("INVALID_API_KEY_TYPE".into())));
    assert!(missing.header("cache-control").is_some_and(|c| c.contains("no-store")), "errors are not cached");

    let ok = content_get(&app, &content_key, "posts/").await;
    assert_eq!(ok.status, 200);
    assert_eq!(ok.header("content-version"), Some("v6.65"));
    assert_eq!(ok.header("access-control-allow-origin"), Some("*"));

    // A regenerated key replaces the old one at once.
    let renewed = app
        .newsroom
        .regenerate_key(&keys.record.id, masthead_app::integrations::KeyKind::Content)
        .await
        .expect("regenerate");
    assert_eq!(content_get(&app, &content_key, "posts/").await.status, 401);
    assert_eq!(content_get(&app, renewed.content_key.as_deref().expect("key"), "posts/").await.status, 200);
});

dual_db_test!(async fn api_answers_carry_ghosts_headers_and_revalidate_with_weak_etags(db) {
    let app = TestApp::new(&db).await;
    newsroom(&app).await;
    let key = integration(&app).await.content_key.expect("key");

    let ok = content_get(&app, &key, "posts/?limit=1").await;
    assert_eq!(ok.status, 200);
    assert_eq!(ok.header("content-type"), Some("application/json; charset=utf-8"));
    assert_eq!(ok.header("vary"), Some("Accept-Version, Accept-Encoding"));
    let etag = ok.header("etag").expect("etag").to_owned();
    assert!(etag.starts_with("W/\"") && etag.ends_with('"'), "a weak ETag: {etag}");

    // Weak comparison: the tag matches with or without its `W/`, alone or in a list.
    let path = format!("/ghost/api/content/posts/?limit=1&key={key}");
    let strong = etag.trim_start_matches("W/").to_owned();
    for sent in [etag.clone(), strong, format!("W/\"other\", {etag}"), "*".to_owned()] {
        let revalidated = app.get_with(&path, &[("if-none-match", &sent)]).await;
        assert_eq!(revalidated.status, 304, "If-None-Match: {sent}");
        assert!(revalidated.body.is_empty());
        assert_eq!(revalidated.header("vary"), Some("Accept-Version"));
        assert_eq!(revalidated.header("etag"), Some(etag.as_str()));
        assert_eq!(revalidated.header("content-version"), Some("v6.65"));
    }
    assert_eq!(app.get_with(&path, &[("if-none-match", "W/\"other\"")]).await.status, 200);

    // Errors carry the same headers; a Content API 404 drops `private` from its cache policy.
    let missing = content_get(&app, &key, "posts/slug/no-such-story/").await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.header("content-type"), Some("application/json; charset=utf-8"));
    assert_eq!(missing.header("vary"), Some("Accept-Version, Accept-Encoding"));
    assert_eq!(missing.header("content-version"), Some("v6.65"));
    assert!(missing.header("etag").is_some_and(|e| e.starts_with("W/\"")));
    assert_eq!(
        missing.header("cache-control"),
        Some("no-cache, max-age=0, no-store, must-revalidate, max-stale=0, post-check=0, pre-check=0")
    );

    // An unknown endpoint: 406 to a client naming its version, 404 to one that does not.
    let unknown = format!("/ghost/api/content/bogus/?key={key}");
    let versioned = app.get_with(&unknown, &[("accept-version", "v6.0")]).await;
    assert_eq!(error_of(&versioned), (406, "RequestNotAcceptableError".into(), Some("UPDATE_CLIENT".into())));
    assert_eq!(
        json_of(&versioned)["errors"][0]["context"],
        "Provided client accept-version v6.0 is behind current Ghost version v6.65."
    );
    let unversioned = app.get(&unknown).await;
    assert_eq!(error_of(&unversioned), (404, "NotFoundError".into(), None));
    assert_eq!(json_of(&unversioned)["errors"][0]["message"], "Resource not found");

    // A path without its trailing slash: a permanent redirect to it, the query kept.
    let unslashed = app.get(&format!("/ghost/api/content/posts?key={key}&limit=1")).await;
    assert_eq!(unslashed.status, 301);
    assert_eq!(unslashed.header("location"), Some(format!("/ghost/api/content/posts/?key={key}&limit=1").as_str()));
    assert_eq!(unslashed.header("cache-control"), Some("public, max-age=31536000"));
});

dual_db_test!(async fn the_content_api_shows_published_content_in_ghosts_envelopes(db) {
    let app = TestApp::new(&db).await;
    let fixture = newsroom(&app).await;
    let key = integration(&app).await.content_key.expect("key");
    PostBuilder::draft("Unfinished investigation").authors(&[&fixture.anna]).create(&app.newsroom).await;
    PostBuilder::page("About us").authors(&[&fixture.anna]).create(&app.newsroom).await;
    PostBuilder::published("Tagged internally")
        .authors(&[&fixture.boris])
        .tags(&["#wire", "Society"])
        .published_at(masthead_core::now() - Duration::days(10))
        .create(&app.newsroom)
        .await;

    let browse = json_of(&content_get(&app, &key, "posts/?include=tags,authors").await);
    let slugs: Vec<&str> = browse["posts"].as_array().expect("posts").iter().filter_map(|p| p["slug"].as_str()).collect();
    assert_eq!(
        slugs,
        ["floods-reach-the-harbour-district", "volunteers-fill-sandbags-on-the-quay", "theatre-season-opens", "tagged-internally"]
    );
    assert_eq!(browse["meta"]["pagination"], json!({ "page": 1, "limit": 15, "pages": 1, "total": 4, "next": null, "prev": null }));
    let internal = &browse["posts"][3];
    // As Ghost 6: internal tags are listed, and an internal first tag leaves no primary tag.
    let tag_slugs: Vec<&str> = internal["tags"].as_array().expect("tags").iter().filter_map(|t| t["slug"].as_str()).collect();
    assert_eq!(tag_slugs, ["hash-wire", "society"], "{internal}");
    assert_eq!(internal["tags"][0]["url"], "https://news.example.org/404/");
    assert_eq!(internal["primary_tag"], Value::Null);

    let paged = json_of(&content_get(&app, &key, "posts/?limit=2&page=2").await);
    assert_eq!(paged["meta"]["pagination"], json!({ "page": 2, "limit": 2, "pages": 2, "total": 4, "next": null, "prev": 1 }));

    let read = json_of(&content_get(&app, &key, &format!("posts/{}/?include=tags,authors", fixture.lead.id)).await);
    assert!(read.get("meta").is_none(), "a read has no meta");
    insta::assert_json_snapshot!("content_post_read", redacted(&read));

    let pages = json_of(&content_get(&app, &key, "pages/").await);
    assert_eq!(pages["pages"][0]["slug"], "about-us");
    assert_eq!(content_get(&app, &key, "posts/slug/unfinished-investigation/").await.status, 404);
    assert_eq!(content_get(&app, &key, "posts/slug/about-us/").await.status, 404, "a page is not a post");

    let tags = json_of(&content_get(&app, &key, "tags/?include=count.posts&order=name%20asc").await);
    let counted: Vec<(String, i64)> = tags["tags"]
        .as_array()
        .expect("tags")
        .iter()
        .map(|t| (t["slug"].as_str().unwrap_or_default().to_owned(), t["count"]["posts"].as_i64().unwrap_or(-1)))
        .collect();
    assert!(counted.contains(&("hash-wire".to_owned(), 1)), "internal tags are listed too: {counted:?}");
    let public: Vec<&(String, i64)> = counted.iter().filter(|(slug, _)| !slug.starts_with("hash-")).collect();
    assert_eq!(public, [&("culture".to_owned(), 1), &("society".to_owned(), 3), &("weather".to_owned(), 1)]);

    let authors = json_of(&content_get(&app, &key, "authors/slug/anna-field/?include=count.posts").await);
    assert_eq!(authors["authors"][0]["count"]["posts"], 2);
    assert!(authors["authors"][0].get("email").is_none(), "no email on the Content API");

    let settings = json_of(&content_get(&app, &key, "settings/").await);
    assert_eq!(settings["settings"]["title"], "The Harbour Post");
    assert_eq!(settings["meta"], json!({}));
    let tiers = json_of(&content_get(&app, &key, "tiers/").await);
    assert_eq!(tiers["tiers"][0]["type"], "free");
    assert_eq!(tiers["meta"]["pagination"]["total"], 1);
});

dual_db_test!(async fn relative_dates_and_bare_now_filter_at_request_time(db) {
    let app = TestApp::new(&db).await;
    let fixture = newsroom(&app).await;
    let key = integration(&app).await.content_key.expect("key");
    PostBuilder::published("Old news")
        .authors(&[&fixture.anna])
        .published_at(masthead_core::now() - Duration::days(400))
        .create(&app.newsroom)
        .await;
    let slugs = |body: &Value| -> Vec<String> {
        body["posts"].as_array().into_iter().flatten().filter_map(|p| p["slug"].as_str().map(str::to_owned)).collect()
    };
    let recent = content_get(&app, &key, "posts/?filter=published_at:%3Enow-30d%2Bpublished_at:%3Cnow&fields=slug").await;
    assert_eq!(recent.status, 200);
    assert!(!slugs(&json_of(&recent)).contains(&"old-news".to_owned()));
    let older = json_of(&content_get(&app, &key, "posts/?filter=published_at:%3Cnow-1y&fields=slug").await);
    assert_eq!(slugs(&older), ["old-news"]);
    let ten_years = json_of(&content_get(&app, &key, "posts/?filter=published_at:%3Enow-10y&fields=slug").await);
    assert!(slugs(&ten_years).contains(&"old-news".to_owned()));
});

dual_db_test!(async fn recommendations_search_index_and_roles_answer_as_ghost(db) {
    let app = TestApp::new(&db).await;
    newsroom(&app).await;
    let keys = integration(&app).await;
    let key = keys.content_key.clone().expect("key");
    let recommendations = json_of(&content_get(&app, &key, "recommendations/").await);
    assert_eq!(
        recommendations,
        json!({ "recommendations": [], "meta": { "pagination": {
            "page": 1, "limit": 5, "total": 0, "pages": 0, "prev": null, "next": null } } })
    );
    let posts = json_of(&content_get(&app, &key, "search-index/posts/").await);
    let first = &posts["posts"][0];
    for field in ["id", "slug", "title", "excerpt", "url", "updated_at", "visibility"] {
        assert!(first.get(field).is_some(), "{field} in {first}");
    }
    assert_eq!(posts["posts"].as_array().map(Vec::len), Some(3));
    let authors = json_of(&content_get(&app, &key, "search-index/authors/").await);
    assert!(authors["authors"].as_array().is_some_and(|a| a.iter().any(|u| u["slug"] == "anna-field")));
    let tags = json_of(&content_get(&app, &key, "search-index/tags/").await);
    assert!(tags["tags"].as_array().is_some_and(|t| t.iter().all(|t| t.get("url").is_some())));

    app.newsroom.add_staff("Olena Owner", "owner@news.example.org", Role::Owner, Some("a long enough secret")).await.expect("owner");
    let admin_key = keys.admin_key.clone().expect("admin key");
    let roles = json_of(&admin_call(&app, &admin_key, "GET", "roles/", None).await);
    let names: Vec<&str> = roles["roles"].as_array().into_iter().flatten().filter_map(|r| r["name"].as_str()).collect();
    assert_eq!(names, ["Administrator", "Editor", "Author", "Contributor", "Owner"], "{roles}");
    assert_eq!(roles["roles"][4]["description"], "Blog Owner");
    let assignable = json_of(&admin_call(&app, &admin_key, "GET", "roles/?permissions=assign", None).await);
    assert_eq!(assignable["roles"].as_array().map(Vec::len), Some(4));

    let settings = json_of(&content_get(&app, &key, "settings/").await);
    let uuid = settings["settings"]["site_uuid"].as_str().expect("a site uuid").to_owned();
    assert_eq!(uuid.len(), 36);
    let again = json_of(&content_get(&app, &key, "settings/").await);
    assert_eq!(again["settings"]["site_uuid"], uuid.as_str(), "the site uuid is stable");
    let site = json_of(&app.get("/ghost/api/admin/site/").await);
    assert_eq!(site["site"]["site_uuid"], uuid.as_str());
});

dual_db_test!(async fn filters_fields_and_formats_work_and_bad_ones_are_named(db) {
    let app = TestApp::new(&db).await;
    let fixture = newsroom(&app).await;
    let key = integration(&app).await.content_key.expect("key");

    let weather = json_of(&content_get(&app, &key, "posts/?filter=tag:weather").await);
    assert_eq!(weather["posts"].as_array().map(Vec::len), Some(1));
    assert_eq!(weather["posts"][0]["id"], fixture.lead.id.as_str());
    let not_society = json_of(&content_get(&app, &key, "posts/?filter=tag:-society%2Bauthor:anna-field").await);
    assert_eq!(not_society["posts"][0]["slug"], "theatre-season-opens");
    assert_eq!(not_society["meta"]["pagination"]["total"], 1);

    let fields = json_of(&content_get(&app, &key, "posts/?fields=title,url&limit=1").await);
    let mut keys: Vec<&str> = fields["posts"][0].as_object().expect("post").keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["title", "url"], "exactly the fields asked for, as Ghost");
    let plain = json_of(&content_get(&app, &key, "posts/?formats=plaintext&limit=1").await);
    assert!(plain["posts"][0]["plaintext"].as_str().is_some_and(|t| t.contains("river rose")));
    assert!(plain["posts"][0].get("html").is_none());

    let malformed = content_get(&app, &key, "posts/?filter=tag:%5Bsociety").await;
    assert_eq!(error_of(&malformed).0, 400);
    assert!(json_of(&malformed)["errors"][0]["context"].as_str().is_some_and(|c| !c.is_empty()));
    // As in Ghost, a condition on an author's email is dropped, so it cannot probe addresses.
    let private = json_of(&content_get(&app, &key, "authors/?filter=email:nobody@news.example.org").await);
    let everyone = json_of(&content_get(&app, &key, "authors/").await);
    assert_eq!(private["meta"]["pagination"]["total"], everyone["meta"]["pagination"]["total"], "{private}");
    assert!(everyone["meta"]["pagination"]["total"].as_i64().is_some_and(|n| n > 0), "{everyone}");
    // As Ghost 6: an unknown order is ignored (oldest first), as are unknown includes; a limit
    // that is not a number means 100; a negative one is refused.
    let bad_order = json_of(&content_get(&app, &key, "posts/?order=password%20desc").await);
    let created: Vec<&str> =
        bad_order["posts"].as_array().expect("posts").iter().filter_map(|p| p["created_at"].as_str()).collect();
    assert!(created.len() > 1 && created.is_sorted(), "oldest first: {created:?}");
    let bad_include = json_of(&content_get(&app, &key, "posts/?include=secrets").await);
    assert!(bad_include["posts"][0].get("secrets").is_none() && bad_include["posts"][0].get("tags").is_none());
    let bad_limit = json_of(&content_get(&app, &key, "posts/?limit=lots").await);
    assert_eq!(bad_limit["meta"]["pagination"]["limit"], 100);
    let negative_limit = content_get(&app, &key, "posts/?limit=-1").await;
    assert_eq!(error_of(&negative_limit).0, 422);
});

dual_db_test!(async fn admin_tokens_are_checked_and_edits_collide_with_409(db) {
    let app = TestApp::new(&db).await;
    app.newsroom.add_staff("Olena Owner", "owner@news.example.org", Role::Owner, Some("a long enough secret")).await.expect("owner");
    let keys = integration(&app).await;
    let admin_key = keys.admin_key.clone().expect("admin key");

    let none = app.get("/ghost/api/admin/posts/").await;
    assert_eq!(error_of(&none).0, 403);
    let bad_scheme = app.get_with("/ghost/api/admin/posts/", &[("authorization", "Bearer abc")]).await;
    assert_eq!(error_of(&bad_scheme), (401, "UnauthorizedError".into(), Some("INVALID_AUTH_HEADER".into())));
    let old = sign_admin_token(&admin_key, masthead_core::now() - Duration::minutes(10)).expect("token");
    let expired = app.get_with("/ghost/api/admin/posts/", &[("authorization", &format!("Ghost {old}"))]).await;
    assert_eq!(error_of(&expired), (401, "UnauthorizedError".into(), Some("INVALID_JWT".into())));
    let (id, _) = admin_key.split_once(':').expect("id:secret");
    let forged = sign_admin_token(&format!("{id}:{}", "ab".repeat(32)), masthead_core::now()).expect("token");
    let forged = app.get_with("/ghost/api/admin/posts/", &[("authorization", &format!("Ghost {forged}"))]).await;
    assert_eq!(error_of(&forged).2.as_deref(), Some("INVALID_JWT"));

    let created = admin_call(
        &app,
        &admin_key,
        "POST",
        "posts/?source=html",
        Some(json!({ "posts": [{ "title": "Bridge reopens", "html": "<p>Traffic moves again.</p><script>x()</script>", "tags": ["Transport"] }] })),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.text());
    let post = json_of(&created)["posts"][0].clone();
    assert_eq!(post["status"], "draft");
    assert_eq!(post["authors"][0]["email"], "owner@news.example.org", "integrations write as the owner");
    let id = post["id"].as_str().expect("id").to_owned();
    let stored = app.db.post_by_id(&masthead_core::ObjectId::parse(&id).expect("id")).await.expect("read").expect("post");
    assert_eq!(stored.html, "<p>Traffic moves again.</p>", "sanitised on the way in");

    let edit = |updated_at: Value, title: &str| json!({ "posts": [{ "title": title, "updated_at": updated_at }] });
    let first = admin_call(&app, &admin_key, "PUT", &format!("posts/{id}/"), Some(edit(post["updated_at"].clone(), "Bridge reopens at last"))).await;
    assert_eq!(first.status, 200, "{}", first.text());
    let stale = admin_call(&app, &admin_key, "PUT", &format!("posts/{id}/"), Some(edit(post["updated_at"].clone(), "Lost"))).await;
    assert_eq!(error_of(&stale), (409, "UpdateCollisionError".into(), None));
    let missing_stamp = admin_call(&app, &admin_key, "PUT", &format!("posts/{id}/"), Some(json!({ "posts": [{ "title": "x" }] }))).await;
    assert_eq!(error_of(&missing_stamp).0, 422);
    let current = app.db.post_by_id(&stored.id).await.expect("read").expect("post");
    assert_eq!(current.title, "Bridge reopens at last");

    let deleted = admin_call(&app, &admin_key, "DELETE", &format!("posts/{id}/"), None).await;
    assert_eq!(deleted.status, 204);
    assert!(deleted.body.is_empty());
    assert_eq!(admin_call(&app, &admin_key, "GET", &format!("posts/{id}/"), None).await.status, 404);
});

dual_db_test!(async fn session_callers_keep_their_role_and_must_be_same_origin(db) {
    let app = TestApp::new(&db).await;
    let writer = app
        .newsroom
        .add_staff("Carl Contributor", "carl@news.example.org", Role::Contributor, Some("a long enough secret"))
        .await
        .expect("contributor");
    let token = app.newsroom.open_session(&writer, None, None).await.expect("session");
    let cookie = app.session_cookie(&token);
    let post = |body: Value, origin: Option<&str>| {
        let mut request = Request::post("/ghost/api/admin/posts/")
            .header("cookie", &cookie)
            .header("content-type", "application/json");
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        request.body(Body::from(body.to_string())).expect("request")
    };
    let draft = app.request(post(json!({ "posts": [{ "title": "My draft" }] }), Some(ORIGIN))).await;
    assert_eq!(draft.status, 201, "{}", draft.text());
    assert_eq!(json_of(&draft)["posts"][0]["authors"][0]["name"], "Carl Contributor");
    let publish = app.request(post(json!({ "posts": [{ "title": "Straight out", "status": "published" }] }), Some(ORIGIN))).await;
    assert_eq!(error_of(&publish), (403, "NoPermissionError".into(), None));
    let cross_site = app.request(post(json!({ "posts": [{ "title": "Forged" }] }), Some("https://evil.example"))).await;
    assert_eq!(error_of(&cross_site).0, 403);
    let members = app.get_with("/ghost/api/admin/members/", &[("cookie", &cookie)]).await;
    assert_eq!(error_of(&members).0, 403, "contributors cannot read members");
    assert_eq!(app.db.count_posts().await.expect("count"), 1);
    let mine = app.db.post_by_slug(PostType::Post, "my-draft").await.expect("read");
    assert!(mine.is_some());
});

dual_db_test!(async fn webhooks_refuse_private_targets_and_unknown_events(db) {
    let app = TestApp::new(&db).await;
    app.newsroom.add_staff("Olena Owner", "owner@news.example.org", Role::Owner, Some("a long enough secret")).await.expect("owner");
    let key = integration(&app).await.admin_key.expect("admin key");
    let refused = [
        "http://127.0.0.1:9/hook",
        "http://10.0.0.5/hook",
        "http://[::1]/hook",
        "http://169.254.169.254/latest",
        "http://[64:ff9b::a9fe:a9fe]/latest",
        "http://[2002:a00:5::]/hook",
        "http://[::a00:5]/hook",
        "http://198.18.0.7/hook",
        "http://240.0.0.7/hook",
        "http://192.0.0.7/hook",
        "http://224.0.0.7/hook",
        "http://[ff05::7]/hook",
    ];
    for target in refused {
        let answer = admin_call(&app, &key, "POST", "webhooks/", Some(json!({ "webhooks": [{ "event": "post.added", "target_url": target }] }))).await;
        let body = json_of(&answer);
        assert_eq!(answer.status, 422, "{target}: {body}");
        assert_eq!(body["errors"][0]["property"], "target_url");
    }
    let unknown = admin_call(&app, &key, "POST", "webhooks/", Some(json!({ "webhooks": [{ "event": "post.exploded", "target_url": "https://hooks.example.com/x" }] }))).await;
    assert_eq!(json_of(&unknown)["errors"][0]["property"], "event");
    // 203.0.113.0/24 is a documentation range: refused too.
    let documentation = admin_call(&app, &key, "POST", "webhooks/", Some(json!({ "webhooks": [{ "event": "post.added", "target_url": "https://203.0.113.9/x" }] }))).await;
    assert_eq!(documentation.status, 422);
    let public = admin_call(&app, &key, "POST", "webhooks/", Some(json!({ "webhooks": [{ "event": "post.added", "target_url": "https://93.184.216.34/hook", "secret": "s3cret" }] }))).await;
    assert_eq!(public.status, 201, "{}", public.text());
    let hook = json_of(&public)["webhooks"][0].clone();
    assert_eq!(hook["event"], "post.added");
    // A new post queues its delivery as a durable job.
    let author = masthead_test_utils::StaffBuilder::new("Dana Desk").create(&db).await;
    PostBuilder::draft("Queued").authors(&[&author]).create(&app.newsroom).await;
    let jobs = app.db.jobs().await.expect("jobs");
    let deliveries: Vec<_> = jobs.iter().filter(|j| j.kind == "deliver_webhook").collect();
    assert_eq!(deliveries.len(), 1, "{jobs:?}");
    let deleted = admin_call(&app, &key, "DELETE", &format!("webhooks/{}/", hook["id"].as_str().expect("id")), None).await;
    assert_eq!(deleted.status, 204);
});

dual_db_test!(async fn an_export_imported_into_a_fresh_site_reads_the_same_through_the_content_api(db) {
    let app = TestApp::new(&db).await;
    app.newsroom.add_staff("Olena Owner", "owner@news.example.org", Role::Owner, Some("a long enough secret")).await.expect("owner");
    let fixture = newsroom(&app).await;
    PostBuilder::page("Corrections policy").authors(&[&fixture.anna]).create(&app.newsroom).await;
    PostBuilder::published("Тиша над містом")
        .authors(&[&fixture.boris, &fixture.anna])
        .tags(&["#wire", "Society", "Ukraine"])
        .published_at(masthead_core::now() - Duration::days(20))
        .create(&app.newsroom)
        .await;
    PostBuilder::draft("Not yet").authors(&[&fixture.anna]).create(&app.newsroom).await;
    let admin_key = integration(&app).await.admin_key.expect("admin key");
    let export = admin_call(&app, &admin_key, "GET", "db/", None).await;
    assert_eq!(export.status, 200, "{}", export.text());
    assert!(export.header("content-disposition").is_some_and(|d| d.contains(".ghost.")));

    let fresh_db = match db.backend() {
        masthead_storage::Backend::Sqlite => masthead_test_utils::TestDb::sqlite().await,
        masthead_storage::Backend::Postgres => masthead_test_utils::TestDb::postgres().await.expect("postgres"),
    };
    let fresh = TestApp::new(&fresh_db).await;
    fresh.newsroom.add_staff("Olena Owner", "owner@news.example.org", Role::Owner, Some("a long enough secret")).await.expect("owner");
    let fresh_admin = integration(&fresh).await.admin_key.expect("admin key");
    let token = sign_admin_token(&fresh_admin, masthead_core::now()).expect("token");
    let boundary = "masthead-boundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"importfile\"; filename=\"site.ghost.json\"\r\nContent-Type: application/json\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(&export.body);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let imported = fresh
        .request(
            Request::post("/ghost/api/admin/db/")
                .header("authorization", format!("Ghost {token}"))
                .header("content-type", format!("multipart/form-data; boundary={boundary}"))
                .body(Body::from(body))
                .expect("request"),
        )
        .await;
    assert_eq!(imported.status, 200, "{}", imported.text());
    assert_eq!(json_of(&imported)["problems"], json!([]));

    // The same public answers on both sites, page by page.
    let before_key = integration(&app).await.content_key.expect("key");
    let after_key = integration(&fresh).await.content_key.expect("key");
    for path in ["posts/?include=authors,tags&limit=2", "posts/?include=authors,tags&limit=2&page=2", "pages/", "tags/?include=count.posts", "authors/?include=count.posts"] {
        let summarise = |body: Value| -> Value {
            let list = body.as_object().and_then(|o| o.iter().find(|(k, _)| *k != "meta")).map(|(_, v)| v.clone()).unwrap_or_default();
            let items: Vec<Value> = list
                .as_array()
                .map(|items| {
                    items
                        .iter()
                        .map(|i| json!({
                            "slug": i["slug"], "title": i["title"], "name": i["name"], "count": i["count"],
                            "authors": i["authors"].as_array().map(|a| a.iter().map(|x| x["slug"].clone()).collect::<Vec<_>>()),
                            "tags": i["tags"].as_array().map(|a| a.iter().map(|x| x["slug"].clone()).collect::<Vec<_>>()),
                            "published_at": i["published_at"],
                        }))
                        .collect()
                })
                .unwrap_or_default();
            json!({ "items": items, "pagination": body["meta"]["pagination"] })
        };
        let before = summarise(json_of(&content_get(&app, &before_key, path).await));
        let after = summarise(json_of(&content_get(&fresh, &after_key, path).await));
        assert_eq!(before, after, "{path}");
        assert!(before["items"].as_array().is_some_and(|i| !i.is_empty()), "{path} lists something");
    }
    fresh_db.finish().await;
});

dual_db_test!(async fn administrators_manage_integrations_in_the_newsroom_and_editors_cannot(db) {
    let app = TestApp::new(&db).await;
    let admin = app.newsroom.add_staff("Ada Admin", "ada@news.example.org", Role::Administrator, Some("a long enough secret")).await.expect("admin");
    let editor = app.newsroom.add_staff("Ed Editor", "ed@news.example.org", Role::Editor, Some("a long enough secret")).await.expect("editor");
    let admin_cookie = app.session_cookie(&app.newsroom.open_session(&admin, None, None).await.expect("session"));
    let editor_cookie = app.session_cookie(&app.newsroom.open_session(&editor, None, None).await.expect("session"));
    let form = |cookie: &str, path: &str, body: &str| {
        Request::post(path)
            .header("cookie", cookie)
            .header("origin", ORIGIN)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(body.to_owned()))
            .expect("request")
    };

    let created = app.request(form(&admin_cookie, "/admin/integrations/", "name=Mobile+app&description=iOS+and+Android")).await;
    assert_eq!(created.status, 303, "{}", created.text());
    let list = app.newsroom.integrations().await.expect("list");
    assert_eq!(list.len(), 1);
    let integration = &list[0];
    let page = app.get_with("/admin/integrations/", &[("cookie", &admin_cookie)]).await;
    assert_eq!(page.status, 200);
    let html = page.text();
    assert!(html.contains("Mobile app"));
    assert!(html.contains(integration.content_key.as_deref().expect("key")));
    assert!(html.contains(integration.admin_key.as_deref().expect("key")));

    let empty_name = app.request(form(&admin_cookie, &format!("/admin/integrations/{}/", integration.record.id), "name=")).await;
    assert_eq!(empty_name.status, 422);
    let regenerated = app.request(form(&admin_cookie, &format!("/admin/integrations/{}/regenerate/", integration.record.id), "kind=admin")).await;
    assert_eq!(regenerated.status, 303);
    let after = app.newsroom.integration(&integration.record.id).await.expect("read");
    assert_ne!(after.admin_key, integration.admin_key);
    assert_eq!(after.content_key, integration.content_key);

    let editor_page = app.get_with("/admin/integrations/", &[("cookie", &editor_cookie)]).await;
    assert_eq!(editor_page.status, 403);
    let editor_delete = app.request(form(&editor_cookie, &format!("/admin/integrations/{}/delete/", integration.record.id), "")).await;
    assert_eq!(editor_delete.status, 403);
    assert_eq!(app.newsroom.integrations().await.expect("list").len(), 1);

    let deleted = app.request(form(&admin_cookie, &format!("/admin/integrations/{}/delete/", integration.record.id), "")).await;
    assert_eq!(deleted.status, 303);
    assert!(app.newsroom.integrations().await.expect("list").is_empty());
    let key = integration.content_key.as_deref().expect("key");
    assert_eq!(app.get(&format!("/ghost/api/content/posts/?key={key}")).await.status, 401, "a deleted integration's key stops working");
});

dual_db_test!(async fn the_openapi_document_is_served(db) {
    let app = TestApp::new(&db).await;
    let response = app.get("/ghost/api/openapi.json").await;
    assert_eq!(response.status, 200);
    let doc = json_of(&response);
    assert_eq!(doc["servers"][0]["url"], ORIGIN);
    assert!(doc["paths"]["/ghost/api/admin/posts/{id}/"]["put"].is_object());
});

dual_db_test!(async fn a_ghost_export_uploaded_in_the_newsroom_reads_through_the_content_api_as_ghost_shows_it(db) {
    let app = TestApp::new(&db).await;
    let owner = app.newsroom.add_staff("Olena Owner", "owner@news.example.org", Role::Owner, Some("a long enough secret")).await.expect("owner");
    let cookie = app.session_cookie(&app.newsroom.open_session(&owner, None, None).await.expect("session"));
    let export = include_bytes!("../../../masthead-app/tests/fixtures/ghost/html-export.json");
    let boundary = "masthead-boundary";
    let upload = |file: &[u8]| {
        let mut body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"site.ghost.json\"\r\nContent-Type: application/json\r\n\r\n"
        )
        .into_bytes();
        body.extend_from_slice(file);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        Request::post("/admin/transfer/import/")
            .header("cookie", &cookie)
            .header("origin", ORIGIN)
            .header("content-type", format!("multipart/form-data; boundary={boundary}"))
            .body(Body::from(body))
            .expect("request")
    };
    let imported = app.request(upload(export)).await;
    assert_eq!(imported.status, 200, "{}", imported.text());
    let report = imported.text();
    assert!(report.contains("Import report"), "{report}");
    assert!(report.contains("bad-status"), "broken rows are listed with their reason");
    let again = app.request(upload(export)).await;
    assert!(again.text().contains("were already here"), "a second import adds nothing");
    let not_json = app.request(upload(b"{ nope")).await;
    assert_eq!(not_json.status, 422);

    let key = integration(&app).await.content_key.expect("key");
    let posts = json_of(&content_get(&app, &key, "posts/?include=authors,tags").await);
    let slugs: Vec<&str> = posts["posts"].as_array().expect("posts").iter().filter_map(|p| p["slug"].as_str()).collect();
    // Published posts only (not drafts, scheduled or email-only ones), newest first.
    assert_eq!(slugs, ["night-trains-leave-kyiv", "legacy-single-author"]);
    assert_eq!(posts["meta"]["pagination"]["total"], 2);
    let night = &posts["posts"][0];
    let names = |list: &Value| -> Vec<String> {
        list.as_array().into_iter().flatten().filter_map(|x| x["slug"].as_str().map(str::to_owned)).collect()
    };
    assert_eq!(names(&night["authors"]), ["boris", "anna-field"], "authors in the file's order");
    assert_eq!(names(&night["tags"]), ["news", "україна", "hash-front-page"], "tags in order, internal ones too");
    assert_eq!(night["primary_tag"]["slug"], "news");
    assert_eq!(night["primary_author"]["slug"], "boris");
    // In the site's time zone (Kyiv, from the export), as Ghost's Content API writes it.
    assert_eq!(night["published_at"], "2024-03-01T11:30:00.000+02:00");
    let pages = json_of(&content_get(&app, &key, "pages/").await);
    assert_eq!(names(&pages["pages"]), ["about"]);
    let tags = json_of(&content_get(&app, &key, "tags/?include=count.posts").await);
    let counted: Vec<(String, i64)> = tags["tags"]
        .as_array()
        .expect("tags")
        .iter()
        .map(|t| (t["slug"].as_str().unwrap_or_default().to_owned(), t["count"]["posts"].as_i64().unwrap_or(-1)))
        .collect();
    // Internal tags are listed too (Ghost 6), by name, so `#front-page` first; a tag on no
    // published story (`economy`) is not, as in Ghost.
    assert_eq!(
        counted,
        [("hash-front-page".to_owned(), 1), ("news".to_owned(), 1), ("україна".to_owned(), 1)]
    );
    let authors = json_of(&content_get(&app, &key, "authors/").await);
    let author_slugs = names(&authors["authors"]);
    assert!(author_slugs.contains(&"boris".to_owned()) && author_slugs.contains(&"anna-field".to_owned()), "{author_slugs:?}");
    // Олена's account arrives suspended, but she wrote the published legacy post (Ghost's old
    // single `author_id`), so her byline and author page stay public.
    assert_eq!(names(&posts["posts"][1]["authors"]), ["олена-коваль"]);
    assert!(author_slugs.contains(&"олена-коваль".to_owned()), "{author_slugs:?}");
    let newsletters = json_of(&content_get(&app, &key, "newsletters/").await);
    assert!(names(&newsletters["newsletters"]).contains(&"morning-brief".to_owned()));

    let download = app.get_with("/admin/transfer/export/", &[("cookie", &cookie)]).await;
    assert_eq!(download.status, 200);
    assert!(download.header("content-disposition").is_some_and(|d| d.starts_with("attachment")));
    let exported = json_of(&download);
    assert!(exported["db"][0]["data"]["posts"].as_array().is_some_and(|p| p.len() >= 7));
});

dual_db_test!(async fn publishing_through_the_admin_api_can_send_the_newsletter(db) {
    let app = TestApp::new(&db).await;
    let owner = app.newsroom.add_staff("Olena Owner", "owner@news.example.org", Role::Owner, Some("a long enough secret")).await.expect("owner");
    let actor = masthead_core::Actor { user_id: owner.id.clone(), role: Role::Owner };
    let input = masthead_app::mail::newsletters::NewsletterInput { name: "Morning Brief".into(), subscribe_on_signup: true, ..Default::default() };
    app.newsroom.save_newsletter(&actor, None, &input).await.expect("newsletter");
    let key = integration(&app).await.admin_key.expect("admin key");

    let unknown = admin_call(&app, &key, "POST", "posts/?newsletter=no-such-letter", Some(json!({ "posts": [{ "title": "Nope", "status": "published" }] }))).await;
    assert_eq!(error_of(&unknown).0, 422, "{}", unknown.text());
    let draft = json_of(&admin_call(&app, &key, "POST", "posts/", Some(json!({ "posts": [{ "title": "Curfew lifted", "markdown": "The city breathes." }] }))).await)["posts"][0].clone();
    let id = draft["id"].as_str().expect("id").to_owned();
    let post_id = masthead_core::ObjectId::parse(&id).expect("id");
    assert!(app.db.email_for_post(&post_id).await.expect("read").is_none());
    let published = admin_call(
        &app,
        &key,
        "PUT",
        &format!("posts/{id}/?newsletter=morning-brief&email_segment=all"),
        Some(json!({ "posts": [{ "status": "published", "updated_at": draft["updated_at"] }] })),
    )
    .await;
    assert_eq!(published.status, 200, "{}", published.text());
    let email = app.db.email_for_post(&post_id).await.expect("read").expect("a send was created");
    assert_eq!(email.subject, "Curfew lifted");
    insta::assert_json_snapshot!("admin_post_published", redacted(&json_of(&published)));
    let error = admin_call(&app, &key, "GET", "posts/0123456789abcdef01234567/", None).await;
    insta::assert_json_snapshot!("admin_not_found", redacted(&json_of(&error)));
});

dual_db_test!(async fn a_failing_database_is_a_500_in_ghosts_envelope_never_a_404(db) {
    let app = TestApp::new(&db).await;
    app.newsroom.add_staff("Olena Owner", "owner@news.example.org", Role::Owner, Some("a long enough secret")).await.expect("owner");
    let key = integration(&app).await.admin_key.expect("admin key");
    let tag = app.newsroom.find_or_create_tag("Frontline").await.expect("tag");
    assert_eq!(admin_call(&app, &key, "GET", &format!("tags/{}/", tag.id), None).await.status, 200);
    // The tables behind tags and staff are gone; the keys (another table) still work.
    db.execute_raw("ALTER TABLE posts_tags RENAME TO posts_tags_gone; ALTER TABLE tags RENAME TO tags_gone").await;
    for path in [
        format!("tags/{}/", tag.id),
        "tags/slug/frontline/".to_owned(),
        "tags/".to_owned(),
    ] {
        let answer = admin_call(&app, &key, "GET", &path, None).await;
        assert_eq!(error_of(&answer).0, 500, "{path}: {}", answer.text());
        assert_eq!(error_of(&answer).1, "InternalServerError", "{path}");
        assert!(!answer.text().contains("tags_gone"), "the database's message is not shown: {}", answer.text());
    }
});

dual_db_test!(async fn admin_api_bodies_are_typed_and_a_wrong_field_is_named(db) {
    let app = TestApp::new(&db).await;
    app.newsroom.add_staff("Olena Owner", "owner@news.example.org", Role::Owner, Some("a long enough secret")).await.expect("owner");
    let key = integration(&app).await.admin_key.expect("admin key");
    for (path, body, property) in [
        ("posts/", json!({ "posts": [{ "title": 5 }] }), "title"),
        ("posts/", json!({ "posts": [{ "title": "Floods", "published_at": "yesterday" }] }), "published_at"),
        ("posts/", json!({ "posts": [{ "title": "Floods", "featured": "yes" }] }), "featured"),
        ("posts/", json!({ "posts": [{ "title": "Floods", "tags": [5] }] }), "tags"),
        ("tags/", json!({ "tags": [{ "name": ["War"] }] }), "name"),
        ("members/", json!({ "members": [{ "email": "a@example.org", "labels": "VIP" }] }), "labels"),
        ("newsletters/", json!({ "newsletters": [{ "name": "Daily", "sort_order": "first" }] }), "sort_order"),
        ("webhooks/", json!({ "webhooks": [{ "event": "post.added", "target_url": 7 }] }), "target_url"),
    ] {
        let answer = admin_call(&app, &key, "POST", path, Some(body)).await;
        let error = json_of(&answer);
        assert_eq!(answer.status, 422, "{path}: {error}");
        assert_eq!(error["errors"][0]["type"], "ValidationError");
        assert_eq!(error["errors"][0]["property"], property, "{path}: {error}");
        let message = error["errors"][0]["message"].as_str().unwrap_or_default();
        assert!(message.starts_with(&format!("Validation failed for {property}:")), "{message}");
    }
    // Fields clients send back from a read are ignored; nothing was stored by the refusals.
    let added = admin_call(&app, &key, "POST", "posts/", Some(json!({ "posts": [{ "title": "Floods", "url": "x", "excerpt": "y" }] }))).await;
    assert_eq!(added.status, 201, "{}", added.text());
    assert_eq!(app.db.count_posts().await.expect("count"), 1);
});

dual_db_test!(async fn the_admin_api_limits_a_post_to_tiers_named_by_id_or_slug(db) {
    let app = TestApp::new(&db).await;
    let owner = app
        .newsroom
        .add_staff("Olena Owner", "owner@news.example.org", Role::Owner, Some("a long enough secret"))
        .await
        .expect("owner");
    let actor = masthead_core::Actor { user_id: owner.id.clone(), role: Role::Owner };
    let tier = |name: &str| masthead_app::payments::TierInput {
        name: name.into(),
        paid: true,
        active: true,
        public: true,
        monthly_price: Some("5".into()),
        currency: Some("usd".into()),
        ..Default::default()
    };
    let supporter = app.newsroom.create_tier_as(&actor, tier("Supporter")).await.expect("tier");
    let patron = app.newsroom.create_tier_as(&actor, tier("Patron")).await.expect("tier");
    let admin_key = integration(&app).await.admin_key.expect("admin key");

    let body = |tiers: Value| {
        json!({ "posts": [{ "title": "Patrons first", "markdown": "Body.", "visibility": "tiers", "tiers": tiers }] })
    };
    let created = admin_call(&app, &admin_key, "POST", "posts/", Some(body(json!([{ "slug": "patron" }, { "id": supporter.id }])))).await;
    assert_eq!(created.status, 201, "{}", created.text());
    let post = json_of(&created)["posts"][0].clone();
    assert_eq!(post["visibility"], "tiers");
    let ids: Vec<&Value> = post["tiers"].as_array().into_iter().flatten().map(|t| &t["id"]).collect();
    assert_eq!(ids, [&json!(patron.id), &json!(supporter.id)], "in the order sent");
    assert_eq!(post["tiers"][0]["name"], "Patron", "whole tier objects, as Ghost sends them");

    let unknown = admin_call(&app, &admin_key, "POST", "posts/", Some(body(json!([{ "slug": "gold-circle" }])))).await;
    assert_eq!(error_of(&unknown).0, 422);
    assert_eq!(json_of(&unknown)["errors"][0]["property"], "tiers");
    let none = admin_call(&app, &admin_key, "POST", "posts/", Some(body(json!([])))).await;
    assert_eq!(error_of(&none).0, 422, "{}", none.text());
    assert!(none.text().contains("at least one tier"), "{}", none.text());
});

/// A multipart form of text fields and one file field, as browsers and Ghost's clients send it.
fn multipart(fields: &[(&str, &str)], file: (&str, &str)) -> (String, Vec<u8>) {
    let boundary = "masthead-members-boundary";
    let mut body = String::new();
    for (name, value) in fields {
        body.push_str(&format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"));
    }
    let (name, content) = file;
    body.push_str(&format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"members.csv\"\r\n\
         Content-Type: text/csv\r\n\r\n{content}\r\n--{boundary}--\r\n"
    ));
    (format!("multipart/form-data; boundary={boundary}"), body.into_bytes())
}

async fn upload_members(app: &TestApp, key: &str, fields: &[(&str, &str)], file: (&str, &str)) -> TestResponse {
    let token = sign_admin_token(key, masthead_core::now()).expect("token");
    let (content_type, body) = multipart(fields, file);
    let request = Request::post("/ghost/api/admin/members/upload/")
        .header("authorization", format!("Ghost {token}"))
        .header("accept-version", "v6.0")
        .header("content-type", content_type)
        .body(Body::from(body))
        .expect("request");
    app.request(request).await
}

dual_db_test!(async fn the_admin_api_imports_and_exports_members_as_ghosts_csv(db) {
    let app = TestApp::new(&db).await;
    app.newsroom.add_staff("Olena Owner", "owner@news.example.org", Role::Owner, Some("a long enough secret")).await.expect("owner");
    let key = integration(&app).await.admin_key.expect("admin key");
    let file = "Address,Full name,labels\nnew1@example.org,New One,\"Walk-in,Fair\"\nnot-an-email,Bad,\nnew2@example.org,,\n";
    let fields = [("labels[0]", "Spring fair"), ("mapping[Address]", "email"), ("mapping[Full name]", "name")];
    let uploaded = upload_members(&app, &key, &fields, ("membersfile", file)).await;
    assert_eq!(uploaded.status, 201, "{}", uploaded.text());
    let body = json_of(&uploaded);
    let meta = &body["meta"];
    assert_eq!((meta["originalImportSize"].as_u64(), meta["stats"]["imported"].as_u64()), (Some(3), Some(2)));
    let invalid = &meta["stats"]["invalid"][0];
    assert_eq!((invalid["email"].as_str(), invalid["row"].as_u64()), (Some("not-an-email"), Some(3)));
    let error = invalid["error"].as_str().expect("a reason");
    assert!(!error.is_empty() && invalid["errors"] == json!([error]), "{invalid}");
    let import_label = meta["import_label"]["name"].as_str().expect("the import's label").to_owned();
    assert!(import_label.starts_with("Import 20") && import_label.len() == "Import 2026-12-06 05:37".len(), "{import_label}");
    assert_eq!(body["report"]["imported"], 2);

    let members = json_of(&admin_call(&app, &key, "GET", "members/?filter=email:'new1@example.org'", None).await);
    let member = &members["members"][0];
    assert_eq!(member["name"], "New One", "the mapped column is read as the name");
    let mut labels: Vec<&str> = member["labels"].as_array().expect("labels").iter().filter_map(|l| l["name"].as_str()).collect();
    labels.sort_unstable();
    let mut expected = vec!["Fair", "Spring fair", "Walk-in", import_label.as_str()];
    expected.sort_unstable();
    assert_eq!(labels, expected);

    // The same file again: the two members exist and are counted as imported, as Ghost counts them.
    let again = json_of(&upload_members(&app, &key, &fields, ("membersfile", file)).await);
    assert_eq!((again["meta"]["stats"]["imported"].as_u64(), again["report"]["updated"].as_u64()), (Some(2), Some(2)));

    let missing = upload_members(&app, &key, &[], ("other", file)).await;
    assert_eq!(error_of(&missing), (422, "ValidationError".to_owned(), None));
    assert_eq!(json_of(&missing)["errors"][0]["message"], "Please select a members CSV file.");
    let nothing = json_of(&upload_members(&app, &key, &[], ("membersfile", "email\n")).await);
    assert_eq!(nothing["meta"]["import_label"], Value::Null, "no label for an import that brought no one");

    // The export, filtered as the members list is.
    admin_call(&app, &key, "POST", "members/", Some(json!({ "members": [{ "email": "other@example.org" }] }))).await;
    let export = admin_call(&app, &key, "GET", "members/upload/?filter=label:spring-fair&limit=all", None).await;
    assert_eq!(export.status, 200, "{}", export.text());
    assert_eq!(export.header("content-type"), Some("text/csv; charset=utf-8"));
    let disposition = export.header("content-disposition").expect("a download");
    assert!(disposition.starts_with("Attachment; filename=\"") && disposition.contains(".ghost.members.20"), "{disposition}");
    let csv = export.text();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("id,email,name,note,subscribed_to_emails,complimentary_plan,stripe_customer_id,created_at,deleted_at,labels,tiers,gift_id")
    );
    let mut emails: Vec<&str> = lines.filter_map(|l| l.split(',').nth(1)).collect();
    // Oldest first; these two were created in the same instant.
    emails.sort_unstable();
    assert_eq!(emails, vec!["new1@example.org", "new2@example.org"]);
});

dual_db_test!(async fn an_imported_sites_own_addresses_follow_the_site_url_it_is_served_at(db) {
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../masthead-app/tests/fixtures/ghost/html-export.json");
    let export = std::fs::read(fixture).expect("the fixture");
    // Imported before the site's address is known...
    let before = TestApp::at(&db, "http://127.0.0.1:8080").await;
    before.newsroom.import_ghost(&export, |_, _| {}).await.expect("imports");
    // ...and served at its real one.
    let app = TestApp::at(&db, "https://news.example.net").await;
    let key = integration(&app).await.content_key.expect("key");
    let body = json_of(&content_get(&app, &key, "posts/slug/night-trains-leave-kyiv/").await);
    let post = &body["posts"][0];
    assert_eq!(post["feature_image"], "https://news.example.net/content/images/2024/03/hero.jpg");
    let html = post["html"].as_str().expect("html");
    assert!(html.contains("src=\"https://news.example.net/content/images/2024/03/train.jpg\""), "{html}");
    assert!(html.contains("href=\"https://news.example.net/tag/news/\""), "{html}");
    assert!(!html.contains("127.0.0.1") && !html.contains("__GHOST_URL__"), "{html}");
});

dual_db_test!(async fn the_newsrooms_import_takes_ghosts_images_and_serves_them_at_ghosts_addresses(db) {
    let app = TestApp::new(&db).await;
    let owner = app.newsroom.add_staff("Olena Owner", "owner@news.example.org", Role::Owner, Some("a long enough secret")).await.expect("owner");
    let cookie = app.session_cookie(&app.newsroom.open_session(&owner, None, None).await.expect("session"));
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../clients/ghost-diff/fixture");
    let export = std::fs::read(fixtures.join("ghost-export.json")).expect("export");
    let archive = std::fs::read(fixtures.join("content-images.tar.gz")).expect("archive");
    let boundary = "masthead-boundary";
    let mut body = Vec::new();
    for (name, file_name, bytes) in [("file", "site.ghost.json", &export), ("content", "content.tar.gz", &archive)] {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{file_name}\"\r\n\r\n").as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    let imported = app
        .request(
            Request::post("/admin/transfer/import/")
                .header("cookie", &cookie)
                .header("origin", ORIGIN)
                .header("content-type", format!("multipart/form-data; boundary={boundary}"))
                .body(Body::from(body))
                .expect("request"),
        )
        .await;
    assert_eq!(imported.status, 200, "{}", imported.text());
    let page = scraper::Html::parse_document(&imported.text());
    let images = crate::select(&page, "[data-images-report]");
    assert_eq!(images.len(), 1, "{}", imported.text());
    assert_eq!(crate::text_of(&images[0]), "8 referred to, 8 imported, 0 already here.");

    // Ghost's addresses answer: the original, and Ghost's resized and WebP forms of it.
    let original = app.get("/content/images/2026/12/city-hall.jpg").await;
    assert_eq!((original.status.as_u16(), original.header("content-type")), (200, Some("image/jpeg")));
    let resized = app.get("/content/images/size/w960/2026/12/city-hall.jpg").await;
    assert_eq!(resized.status, 200);
    let webp = app.get("/content/images/size/w480/format/webp/2026/12/city-hall.jpg").await;
    assert_eq!((webp.status.as_u16(), webp.header("content-type")), (200, Some("image/webp")));
});

dual_db_test!(async fn a_ghost_tags_social_and_seo_fields_are_imported_and_served_by_both_apis(db) {
    let app = TestApp::new(&db).await;
    let owner = app.newsroom.add_staff("Olena Owner", "owner@news.example.org", Role::Owner, Some("a long enough secret")).await.expect("owner");
    let export = json!({ "db": [{ "meta": { "exported_on": 1717236000000u64, "version": "5.96.0" }, "data": { "tags": [{
        "id": "6a00000000000000000000f1", "name": "Elections", "slug": "elections", "visibility": "public",
        "og_image": "__GHOST_URL__/content/images/2024/05/ballot.jpg",
        "og_title": "Elections, on social",
        "twitter_description": "Every count, every seat.",
        "codeinjection_head": "<style>.tag-elections { color: red; }</style>",
        "canonical_url": "https://elections.example.org/results/",
        "created_at": "2024-05-01 00:00:00", "updated_at": "2024-05-01 00:00:00"
    }] } }] });
    let report = app.newsroom.import_ghost(export.to_string().as_bytes(), |_, _| {}).await.expect("imports");
    assert_eq!(report.counts("tags").created, 1, "{report:?}");
    assert!(report.warnings.iter().all(|w| w.table != "tags"), "nothing of the tag is dropped: {:?}", report.warnings);
    let stored = db.tag_by_slug("elections").await.expect("read").expect("tag");
    assert_eq!(stored.og_image.as_deref(), Some("/content/images/2024/05/ballot.jpg"), "stored site-relative");

    let admin_key = integration(&app).await.admin_key.expect("admin key");
    let content_key = integration(&app).await.content_key.expect("content key");
    let admin = admin_call(&app, &admin_key, "GET", "tags/slug/elections/", None).await;
    assert_eq!(admin.status, 200, "{}", admin.text());
    // The Content API shows tags on published stories only (as Ghost does).
    PostBuilder::published("Results night").authors(&[&owner]).tags(&["Elections"]).create(&app.newsroom).await;
    let content = content_get(&app, &content_key, "tags/slug/elections/").await;
    assert_eq!(content.status, 200, "{}", content.text());
    let image = format!("{}/content/images/2024/05/ballot.jpg", ORIGIN);
    for (api, body) in [("admin", json_of(&admin)), ("content", json_of(&content))] {
        let tag = &body["tags"][0];
        assert_eq!(tag["og_title"], "Elections, on social", "{api}");
        assert_eq!(tag["canonical_url"], "https://elections.example.org/results/", "{api}");
        assert_eq!(tag["og_image"], image.as_str(), "{api}: images are absolute");
        assert_eq!(tag["twitter_description"], "Every count, every seat.", "{api}");
        assert_eq!(tag["codeinjection_head"], "<style>.tag-elections { color: red; }</style>", "{api}");
        assert_eq!((&tag["twitter_title"], &tag["codeinjection_foot"]), (&Value::Null, &Value::Null), "{api}");
    }
});

dual_db_test!(async fn a_tags_social_and_seo_fields_set_through_the_admin_api_are_exported(db) {
    let app = TestApp::new(&db).await;
    app.newsroom.add_staff("Olena Owner", "owner@news.example.org", Role::Owner, Some("a long enough secret")).await.expect("owner");
    let admin_key = integration(&app).await.admin_key.expect("admin key");
    let created = admin_call(&app, &admin_key, "POST", "tags/", Some(json!({ "tags": [{ "name": "Weather", "twitter_title": "Weather, tweeted" }] }))).await;
    assert_eq!(created.status, 201, "{}", created.text());
    let id = json_of(&created)["tags"][0]["id"].as_str().expect("id").to_owned();
    assert_eq!(json_of(&created)["tags"][0]["twitter_title"], "Weather, tweeted");

    let path = format!("tags/{id}/");
    let put = |fields: Value| admin_call(&app, &admin_key, "PUT", &path, Some(json!({ "tags": [fields] })));
    let edited = put(json!({
        "og_title": "Weather, shared",
        "og_image": "/content/images/2026/12/storm.jpg",
        "canonical_url": "https://weather.example.org/",
        "codeinjection_foot": "<script src=\"/weather.js\"></script>",
    }))
    .await;
    assert_eq!(edited.status, 200, "{}", edited.text());
    let tag = json_of(&edited)["tags"][0].clone();
    assert_eq!((tag["name"].as_str(), tag["og_title"].as_str()), (Some("Weather"), Some("Weather, shared")));
    assert_eq!(tag["twitter_title"], "Weather, tweeted", "a field not sent keeps its value");
    // A PUT changes only what it sends; `null` clears.
    let cleared = put(json!({ "description": "Storms and sun.", "twitter_title": null })).await;
    assert_eq!(cleared.status, 200, "{}", cleared.text());
    let tag = json_of(&cleared)["tags"][0].clone();
    assert_eq!((tag["og_title"].as_str(), tag["twitter_title"].as_str()), (Some("Weather, shared"), None));
    assert_eq!(tag["canonical_url"], "https://weather.example.org/");

    for (property, value) in [("og_title", "x".repeat(301)), ("twitter_description", "x".repeat(501)), ("canonical_url", format!("https://example.org/{}", "x".repeat(2000)))] {
        let refused = put(json!({ property: value })).await;
        let body = json_of(&refused);
        assert_eq!((refused.status.as_u16(), body["errors"][0]["type"].as_str()), (422, Some("ValidationError")), "{property}");
        assert_eq!(body["errors"][0]["property"], property);
    }
    let stored = db.tag_by_id(&masthead_core::ObjectId::parse(&id).expect("id")).await.expect("read").expect("tag");
    assert_eq!(stored.og_title.as_deref(), Some("Weather, shared"), "a refused edit changes nothing");

    let export = admin_call(&app, &admin_key, "GET", "db/", None).await;
    assert_eq!(export.status, 200, "{}", export.text());
    let export = json_of(&export);
    let rows = export["db"][0]["data"]["tags"].as_array().expect("tags");
    let row = rows.iter().find(|t| t["slug"] == "weather").expect("the tag is exported");
    assert_eq!(row["og_title"], "Weather, shared");
    assert_eq!(row["canonical_url"], "https://weather.example.org/");
    assert_eq!(row["og_image"], "__GHOST_URL__/content/images/2026/12/storm.jpg", "images behind Ghost's placeholder");
    assert_eq!(row["codeinjection_foot"], "<script src=\"/weather.js\"></script>");
    assert_eq!(row["description"], "Storms and sun.");
    assert_eq!((&row["twitter_title"], &row["og_description"]), (&Value::Null, &Value::Null));
});

dual_db_test!(async fn the_admin_api_lists_labels_and_finds_members_as_ghost_does(db) {
    let app = TestApp::new(&db).await;
    app.newsroom.add_staff("Olena Owner", "owner@news.example.org", Role::Owner, Some("a long enough secret")).await.expect("owner");
    let key = integration(&app).await.admin_key.expect("admin key");
    let add = |email: &str, name: &str, labels: Value| {
        json!({ "members": [{ "email": email, "name": name, "labels": labels }] })
    };
    let created = admin_call(&app, &key, "POST", "members/", Some(add("maria@example.org", "Марія Коваль", json!([{ "name": "Zeta" }, { "name": "Alpha" }])))).await;
    assert_eq!(created.status, 201, "{}", created.text());
    let member = json_of(&created)["members"][0].clone();
    let names: Vec<&str> = member["labels"].as_array().expect("labels").iter().filter_map(|l| l["name"].as_str()).collect();
    assert_eq!(names, ["Zeta", "Alpha"], "in the order given, as Ghost keeps them");
    assert!(member["labels"][0]["created_at"].is_string() && member["labels"][0]["updated_at"].is_string());
    assert_eq!(member["tiers"], json!([]));
    assert_eq!(member["can_comment"], true);
    let unsubscribe = member["unsubscribe_url"].as_str().expect("an unsubscribe link").to_owned();
    assert!(unsubscribe.contains("/unsubscribe/?uuid=") && !unsubscribe.contains("newsletter="), "{unsubscribe}");
    let path = unsubscribe.split_once("/unsubscribe/").map(|(_, rest)| format!("/unsubscribe/{rest}")).expect("a path");
    assert_eq!(app.get(&path).await.status, 200, "the link opens Masthead's unsubscribe page");
    admin_call(&app, &key, "POST", "members/", Some(add("oleh@example.org", "Oleh Bondar", json!([{ "name": "Alpha" }])))).await;

    let labels = json_of(&admin_call(&app, &key, "GET", "labels/?limit=all", None).await);
    let slugs: Vec<&str> = labels["labels"].as_array().expect("labels").iter().filter_map(|l| l["slug"].as_str()).collect();
    assert_eq!(slugs, ["alpha", "zeta"], "by name");
    assert_eq!(labels["meta"]["pagination"]["total"], 2);
    let id = labels["labels"][1]["id"].as_str().expect("an id").to_owned();
    let by_id = json_of(&admin_call(&app, &key, "GET", &format!("labels/{id}/"), None).await);
    assert_eq!(by_id["labels"][0]["name"], "Zeta");
    let by_slug = json_of(&admin_call(&app, &key, "GET", "labels/slug/alpha/", None).await);
    assert_eq!(by_slug["labels"][0]["name"], "Alpha");
    let missing = admin_call(&app, &key, "GET", "labels/slug/nope/", None).await;
    assert_eq!(error_of(&missing).0, 404);

    let emails = |body: &Value| -> Vec<String> {
        body["members"].as_array().expect("members").iter().filter_map(|m| m["email"].as_str().map(str::to_owned)).collect()
    };
    let found = json_of(&admin_call(&app, &key, "GET", "members/?search=bondar", None).await);
    assert_eq!(emails(&found), ["oleh@example.org"], "by name, whatever the case");
    let found = json_of(&admin_call(&app, &key, "GET", "members/?search=%D0%9C%D0%B0%D1%80%D1%96%D1%8F", None).await);
    assert_eq!(emails(&found), ["maria@example.org"], "a name in Cyrillic");
    let found = json_of(&admin_call(&app, &key, "GET", "members/?search=example.org&filter=label:zeta", None).await);
    assert_eq!(emails(&found), ["maria@example.org"], "by email, within the filter");
});

dual_db_test!(async fn a_lexical_story_keeps_its_document_and_is_served_in_ghosts_card_markup(db) {
    let app = TestApp::new(&db).await;
    app.newsroom.add_staff("Olena Owner", "owner@news.example.org", Role::Owner, Some("a long enough secret")).await.expect("owner");
    let keys = integration(&app).await;
    let key = keys.admin_key.expect("admin key");
    let content_key = keys.content_key.expect("content key");
    let document = json!({ "root": { "type": "root", "version": 1, "children": [
        { "type": "extended-heading", "tag": "h2", "version": 1, "children": [{ "type": "extended-text", "text": "Night ferry", "format": 0 }] },
        { "type": "paragraph", "version": 1, "children": [{ "type": "extended-text", "text": "Open to all.", "format": 1 }] },
        { "type": "paywall", "version": 1 },
        { "type": "callout", "version": 1, "calloutText": "Members read on.", "calloutEmoji": "🕯️", "backgroundColor": "blue" },
    ]}})
    .to_string();
    let created = admin_call(
        &app,
        &key,
        "POST",
        "posts/?formats=html,lexical,plaintext",
        Some(json!({ "posts": [{ "title": "Night ferry", "lexical": document, "status": "published", "visibility": "members" }] })),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.text());
    let post = json_of(&created)["posts"][0].clone();
    assert_eq!(post["lexical"], document.as_str(), "the document comes back as it was sent");
    assert_eq!(
        post["html"],
        "<h2 id=\"night-ferry\">Night ferry</h2><p><strong>Open to all.</strong></p><!--members-only-->\
         <div class=\"kg-card kg-callout-card kg-callout-card-blue\"><div class=\"kg-callout-emoji\">🕯️</div>\
         <div class=\"kg-callout-text\">Members read on.</div></div>"
    );
    assert_eq!(post["plaintext"], "Night ferry\n\nOpen to all.\n\n🕯️Members read on.");

    // Readers get the public opening: the members-only divider gates the story.
    let page = app.get("/night-ferry/").await;
    assert_eq!(page.status, 200);
    assert!(page.text().contains("<strong>Open to all.</strong>") && !page.text().contains("Members read on."));

    // The Content API gives the document when asked, cut at the divider as the HTML is; a public
    // story's whole; a gated Markdown story's opening as one Markdown card.
    let content = async |query: &str| -> Value {
        json_of(&app.get(&format!("/ghost/api/content/posts/{query}&key={content_key}")).await)["posts"][0].clone()
    };
    let gated = content("slug/night-ferry/?formats=html,lexical").await;
    let cut: Value = serde_json::from_str(gated["lexical"].as_str().expect("a document")).expect("json");
    let kinds: Vec<&str> = cut["root"]["children"].as_array().expect("children").iter().filter_map(|n| n["type"].as_str()).collect();
    assert_eq!(kinds, ["extended-heading", "paragraph"], "{cut}");
    assert!(!gated.to_string().contains("Members read on."), "{gated}");
    assert!(gated["html"].as_str().is_some_and(|h| h.contains("Open to all.")), "{gated}");
    assert!(content("slug/night-ferry/?formats=html").await.get("lexical").is_none(), "only when asked");
    let public = admin_call(&app, &key, "POST", "posts/", Some(json!({ "posts": [{ "title": "Open letter", "lexical": document, "status": "published" }] }))).await;
    assert_eq!(public.status, 201);
    assert_eq!(content("slug/open-letter/?formats=lexical").await["lexical"], document.as_str());
    let author = app.db.staff().await.expect("staff").remove(0);
    PostBuilder::published("Water")
        .authors(&[&author])
        .markdown("Tanks refill at night.\n\n<!--members-only-->\n\nThe members' part.")
        .visibility(masthead_core::Visibility::Members)
        .create(&app.newsroom)
        .await;
    let markdown = content("slug/water/?formats=lexical").await;
    let card: Value = serde_json::from_str(markdown["lexical"].as_str().expect("a document")).expect("json");
    assert_eq!(card["root"]["children"][0]["markdown"], "Tanks refill at night.");
    assert!(!markdown.to_string().contains("members' part"), "{markdown}");

    let broken = admin_call(&app, &key, "POST", "posts/", Some(json!({ "posts": [{ "title": "Broken", "lexical": "{\"root\": " }] }))).await;
    let error = json_of(&broken);
    assert_eq!(broken.status, 422, "{error}");
    assert_eq!(error["errors"][0]["property"], "lexical");
    assert!(error["errors"][0]["message"].as_str().unwrap_or_default().contains("not valid JSON"), "{error}");
    assert_eq!(app.db.count_posts().await.expect("count"), 3, "nothing stored by the refusal");
});
