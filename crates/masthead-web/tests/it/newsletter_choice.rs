//! A story goes to the newsletter chosen with the save that publishes it: never to one chosen
//! earlier on the draft, and to nobody when the publishing save chooses nobody. The same through
//! the newsroom's editor and through the Admin API.

use masthead_core::{Newsletter, Post, Role};
use masthead_test_utils::{MemberBuilder, NewsletterBuilder, PostBuilder, TestApp, dual_db_test};
use serde_json::json;
use time::Duration;

use crate::admin::{fresh, send, staff, stamp};
use crate::api::{admin_call, integration, json_of};

struct Lists {
    morning: Newsletter,
    dispatch: Newsletter,
}

/// Two newsletters with one reader each, so an audience names the list it came from.
async fn lists(app: &TestApp) -> Lists {
    let morning = NewsletterBuilder::new("Morning Brief").create(&app.db).await;
    let dispatch = NewsletterBuilder::new("Frontline Dispatch").create(&app.db).await;
    MemberBuilder::new("early@example.org").subscribed_to(&[&morning]).create(&app.db).await;
    MemberBuilder::new("front@example.org").subscribed_to(&[&dispatch]).create(&app.db).await;
    Lists { morning, dispatch }
}

/// The addresses a story's send goes to, or `None` when it has no send.
async fn audience(app: &TestApp, post: &Post) -> Option<(String, Vec<String>)> {
    let email = app.db.email_for_post(&post.id).await.expect("read")?;
    app.db.start_email(&email.id).await.expect("freeze the audience");
    let email = app.db.email(&email.id).await.expect("read").expect("send");
    let claimed = app
        .db
        .claim_recipients(&email, "test", masthead_core::now(), Duration::minutes(2), 100, 0)
        .await
        .expect("recipients");
    let mut addresses: Vec<String> = claimed.into_iter().map(|r| r.address).collect();
    addresses.sort();
    Some((email.newsletter_id.to_string(), addresses))
}

fn editor_form(post: &Post, action: &str, newsletter: &str) -> String {
    format!(
        "title={}&markdown=The+bridges+reopened+at+dawn.&author_0={}&updated_at={}&action={action}&newsletter={newsletter}&email_segment=all",
        post.title.replace(' ', "+"),
        post.authors[0].id,
        stamp(post)
    )
}

dual_db_test!(async fn the_editor_sends_to_the_newsletter_chosen_when_publishing(db) {
    let app = TestApp::new(&db).await;
    let lists = lists(&app).await;
    let (editor, cookie) = staff(&app, "Ed Itor", Role::Editor).await;

    // Saved as a draft with the Morning Brief, then published with the Frontline Dispatch.
    let draft = PostBuilder::draft("Bridges reopen").authors(&[&editor]).create(&app.newsroom).await;
    let path = format!("/admin/posts/{}/", draft.id);
    let saved = send(&app, "POST", &path, Some(&cookie), &editor_form(&draft, "save", "morning-brief")).await;
    assert_eq!(saved.status, 303, "{}", saved.text());
    let draft = fresh(&app, &draft).await;
    assert_eq!(audience(&app, &draft).await, None, "a draft is not sent");
    let published = send(&app, "POST", &path, Some(&cookie), &editor_form(&draft, "publish", "frontline-dispatch")).await;
    assert_eq!(published.status, 303, "{}", published.text());
    let post = fresh(&app, &draft).await;
    assert_eq!(
        audience(&app, &post).await,
        Some((lists.dispatch.id.to_string(), vec!["front@example.org".to_owned()])),
        "only the Frontline Dispatch's reader"
    );

    // Saved with the Morning Brief, then published with no newsletter: nobody is mailed.
    let second = PostBuilder::draft("Curfew lifted").authors(&[&editor]).create(&app.newsroom).await;
    let path = format!("/admin/posts/{}/", second.id);
    assert_eq!(send(&app, "POST", &path, Some(&cookie), &editor_form(&second, "save", "morning-brief")).await.status, 303);
    let second = fresh(&app, &second).await;
    let published = send(&app, "POST", &path, Some(&cookie), &editor_form(&second, "publish", "")).await;
    assert_eq!(published.status, 303, "{}", published.text());
    let post = fresh(&app, &second).await;
    assert!(post.is_live());
    assert_eq!(audience(&app, &post).await, None, "published to nobody");
    assert_eq!(app.db.post_newsletter(&post.id).await.expect("read"), None, "the draft's choice is gone");
    let _ = lists.morning;
});

dual_db_test!(async fn a_refused_newsletter_leaves_the_story_unpublished(db) {
    let app = TestApp::new(&db).await;
    let lists = lists(&app).await;
    let (editor, cookie) = staff(&app, "Ed Itor", Role::Editor).await;
    let draft = PostBuilder::draft("Bridges reopen").authors(&[&editor]).create(&app.newsroom).await;
    let path = format!("/admin/posts/{}/", draft.id);
    let refused = send(&app, "POST", &path, Some(&cookie), &editor_form(&draft, "publish", "no-such-letter")).await;
    assert_eq!(refused.status, 422);
    assert!(refused.text().contains("no active newsletter"), "{}", refused.text());
    assert!(refused.text().contains("The bridges reopened at dawn."), "what was typed is kept");
    let post = fresh(&app, &draft).await;
    assert!(!post.is_live(), "the choice is checked before anything is written");
    assert_eq!(audience(&app, &post).await, None);
    let _ = lists;
});

dual_db_test!(async fn the_admin_api_sends_to_the_newsletter_named_when_publishing(db) {
    let app = TestApp::new(&db).await;
    let lists = lists(&app).await;
    app.newsroom.add_staff("Olga Owner", "olga@news.example.org", Role::Owner, Some("a long enough secret")).await.expect("owner");
    let key = integration(&app).await.admin_key.expect("admin key");
    let create = |title: &str| json!({ "posts": [{ "title": title, "status": "draft" }] });
    let draft_of = |response: &masthead_test_utils::TestResponse| json_of(response)["posts"][0].clone();

    // A draft saved with ?newsletter=morning-brief, then published with ?newsletter=frontline-dispatch.
    let draft = draft_of(&admin_call(&app, &key, "POST", "posts/", Some(create("Bridges reopen"))).await);
    let id = draft["id"].as_str().expect("id").to_owned();
    let edit = |updated_at: &serde_json::Value, status: &str| json!({ "posts": [{ "updated_at": updated_at, "status": status, "title": "Bridges reopen" }] });
    let saved = admin_call(&app, &key, "PUT", &format!("posts/{id}/?newsletter=morning-brief"), Some(edit(&draft["updated_at"], "draft"))).await;
    assert_eq!(saved.status, 200, "{}", saved.text());
    let published = admin_call(
        &app,
        &key,
        "PUT",
        &format!("posts/{id}/?newsletter=frontline-dispatch"),
        Some(edit(&draft_of(&saved)["updated_at"], "published")),
    )
    .await;
    assert_eq!(published.status, 200, "{}", published.text());
    let post = app.db.post_by_id(&masthead_core::ObjectId::parse(&id).expect("id")).await.expect("read").expect("post");
    assert_eq!(
        audience(&app, &post).await,
        Some((lists.dispatch.id.to_string(), vec!["front@example.org".to_owned()]))
    );

    // A draft saved with ?newsletter=morning-brief, then published without one: nobody.
    let draft = draft_of(&admin_call(&app, &key, "POST", "posts/", Some(create("Curfew lifted"))).await);
    let id = draft["id"].as_str().expect("id").to_owned();
    let saved = admin_call(&app, &key, "PUT", &format!("posts/{id}/?newsletter=morning-brief"), Some(edit(&draft["updated_at"], "draft"))).await;
    assert_eq!(saved.status, 200, "{}", saved.text());
    let published = admin_call(&app, &key, "PUT", &format!("posts/{id}/"), Some(edit(&draft_of(&saved)["updated_at"], "published"))).await;
    assert_eq!(published.status, 200, "{}", published.text());
    let post = app.db.post_by_id(&masthead_core::ObjectId::parse(&id).expect("id")).await.expect("read").expect("post");
    assert!(post.is_live());
    assert_eq!(audience(&app, &post).await, None, "published to nobody");
});
