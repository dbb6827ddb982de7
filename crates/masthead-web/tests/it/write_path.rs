//! Every write goes through a use case, so the newsroom's screens and the Admin API have the same
//! effects: here, the webhooks a member's arrival and departure fire.

use masthead_core::Role;
use masthead_test_utils::{TestApp, dual_db_test};
use serde_json::{Value, json};

use crate::admin::{send, staff};
use crate::api::{admin_call, integration, json_of};

/// The webhook deliveries queued so far: (event, the member's email, the keys of `current`).
async fn deliveries(app: &TestApp) -> Vec<(String, String, Vec<String>)> {
    let jobs = app.db.jobs().await.expect("jobs");
    jobs.iter()
        .filter(|j| j.kind == "deliver_webhook")
        .map(|j| {
            let payload: Value = serde_json::from_str(&j.payload).expect("payload");
            let member = &payload["body"]["member"];
            let shown = if member["current"].as_object().is_some_and(|c| !c.is_empty()) {
                &member["current"]
            } else {
                &member["previous"]
            };
            let mut keys: Vec<String> = shown.as_object().map(|o| o.keys().cloned().collect()).unwrap_or_default();
            keys.sort();
            (
                payload["event"].as_str().unwrap_or_default().to_owned(),
                shown["email"].as_str().unwrap_or_default().to_owned(),
                keys,
            )
        })
        .collect()
}

/// The keys of the member object of the one delivery of `event` about `email`.
fn delivery(queued: &[(String, String, Vec<String>)], event: &str, email: &str) -> Vec<String> {
    let found: Vec<_> = queued.iter().filter(|(e, m, _)| e == event && m == email).collect();
    assert_eq!(found.len(), 1, "one {event} for {email} in {queued:?}");
    assert!(found[0].2.contains(&"email".to_owned()), "a member object: {:?}", found[0].2);
    found[0].2.clone()
}

dual_db_test!(async fn members_added_and_deleted_in_the_newsroom_fire_the_same_webhooks_as_the_admin_api(db) {
    let app = TestApp::new(&db).await;
    let (_, cookie) = staff(&app, "Olga Owner", Role::Owner).await;
    let key = integration(&app).await.admin_key.expect("admin key");
    for event in ["member.added", "member.deleted"] {
        let hook = json!({ "webhooks": [{ "event": event, "target_url": "https://93.184.216.34/hook" }] });
        assert_eq!(admin_call(&app, &key, "POST", "webhooks/", Some(hook)).await.status, 201);
    }

    // Through the newsroom's form, then through the Admin API.
    let added = send(&app, "POST", "/admin/members/", Some(&cookie), "email=screen%40example.org&name=Screen+Reader&status=free").await;
    assert_eq!(added.status, 303, "{}", added.text());
    let api = admin_call(&app, &key, "POST", "members/", Some(json!({ "members": [{ "email": "api@example.org", "name": "Api Reader" }] }))).await;
    assert_eq!(api.status, 201, "{}", api.text());
    let queued = deliveries(&app).await;
    assert_eq!(queued.len(), 2, "{queued:?}");
    let screen = delivery(&queued, "member.added", "screen@example.org");
    assert_eq!(screen, delivery(&queued, "member.added", "api@example.org"), "the same member object either way");

    // Deleting: the newsroom's button, then the Admin API.
    let screen = app.db.member_by_email("screen@example.org").await.expect("read").expect("member");
    let deleted = send(&app, "POST", &format!("/admin/members/{}/delete/", screen.id), Some(&cookie), "").await;
    assert_eq!(deleted.status, 303, "{}", deleted.text());
    let api_member = json_of(&api)["members"][0]["id"].as_str().expect("id").to_owned();
    assert_eq!(admin_call(&app, &key, "DELETE", &format!("members/{api_member}/"), None).await.status, 204);
    let queued = deliveries(&app).await;
    assert_eq!(queued.len(), 4, "{queued:?}");
    let screen = delivery(&queued, "member.deleted", "screen@example.org");
    assert_eq!(screen, delivery(&queued, "member.deleted", "api@example.org"));
});
