//! Changes are announced to every instance by the transaction that commits them (PostgreSQL's
//! NOTIFY from triggers); a lost listening connection is reported once it listens again.

use std::time::Duration;

use masthead_core::ObjectId;
use masthead_storage::{Announced, Backend, ChangeListener, Heard};
use masthead_test_utils::{PostBuilder, StaffBuilder, TestApp, dual_db_test};

/// What the listener hears until `wanted` is heard (or ten seconds pass).
async fn until(listener: &mut ChangeListener, wanted: impl Fn(&Heard) -> bool) -> Vec<Heard> {
    let mut heard = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while let Ok(next) = tokio::time::timeout_at(deadline, listener.next(Duration::from_millis(100))).await {
        let done = wanted(&next);
        heard.push(next);
        if done {
            return heard;
        }
    }
    panic!("not heard within ten seconds; heard {heard:?}");
}

fn is_tag(heard: &Heard, id: &ObjectId) -> bool {
    matches!(heard, Heard::Change(Announced::Tag(t)) if t == id)
}

dual_db_test!(async fn committed_changes_are_announced_to_every_instance(db) {
    let app = TestApp::new(&db).await;
    // Another instance: its own pool on the same database.
    let other = db.reopen().await;
    match other.change_listener().await.expect("listen") {
        None => assert_eq!(db.backend(), Backend::Sqlite, "SQLite serves one process and needs no listener"),
        Some(mut listener) => {
            let anna = StaffBuilder::new("Anna Field").create(&app.db).await;
            let post = PostBuilder::published("Floods reach the harbour").authors(&[&anna]).tags(&["Weather"]).create(&app.newsroom).await;
            let tag = post.tags[0].id.clone();
            let heard = until(&mut listener, |h| {
                matches!(h, Heard::Change(Announced::Post { id, tag: Some(t), .. }) if *id == post.id && *t == tag)
            })
            .await;
            assert!(heard.contains(&Heard::Change(Announced::Author(anna.id.clone()))), "{heard:?}");
            assert!(
                heard.iter().any(|h| matches!(h, Heard::Change(Announced::Post { id, post_type: Some(_), .. }) if *id == post.id)),
                "the post row itself: {heard:?}"
            );

            // A narration is announced as one, not as a change to its story. (Everything made
            // before is heard first: a new tag marks the end of it.)
            let before = app.newsroom.find_or_create_tag("Narrated").await.expect("tag").id;
            until(&mut listener, |h| is_tag(h, &before)).await;
            db.set_narration_opt_out(&post.id, true).await.expect("opt out");
            let narration = Heard::Change(Announced::Narration(post.id.clone()));
            assert_eq!(until(&mut listener, |h| *h == narration).await, [narration]);

            // A transaction that rolls back announces nothing. Announcements arrive in commit
            // order, so by the time a tag made afterwards is heard, a rolled-back one would have been.
            db.execute_raw(&format!("BEGIN; UPDATE tags SET name = 'Never' WHERE id = '{tag}'; ROLLBACK;")).await;
            let kept = app.newsroom.find_or_create_tag("Politics").await.expect("tag").id;
            let heard = until(&mut listener, |h| is_tag(h, &kept)).await;
            assert!(!heard.iter().any(|h| is_tag(h, &tag)), "a rolled-back change is not announced: {heard:?}");

            // The listening connection is cut: once it listens again, it says changes were lost.
            db.execute_raw(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                 WHERE query = 'LISTEN \"masthead_changes\"' AND pid <> pg_backend_pid()",
            )
            .await;
            db.execute_raw(&format!("UPDATE tags SET description = 'Ballots' WHERE id = '{kept}'")).await;
            let heard = until(&mut listener, |h| *h == Heard::Lost).await;
            assert_eq!(heard.last(), Some(&Heard::Lost));
            // And it hears again afterwards.
            db.execute_raw(&format!("UPDATE tags SET description = 'Counting' WHERE id = '{kept}'")).await;
            until(&mut listener, |h| is_tag(h, &kept)).await;
        }
    }
    other.close().await;
});
