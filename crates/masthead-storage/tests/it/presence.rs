use masthead_test_utils::{PostBuilder, StaffBuilder, TestApp, dual_db_test};
use time::Duration;

dual_db_test!(async fn presence_counts_who_was_heard_from_lately_and_forgets_the_rest(db) {
    let app = TestApp::new(&db).await;
    let (anna, boris, cleo) = (
        StaffBuilder::new("Anna Field").create(&db).await,
        StaffBuilder::new("Boris Lane").create(&db).await,
        StaffBuilder::new("Cleo Marsh").create(&db).await,
    );
    let story = PostBuilder::draft("Ferry timetable").authors(&[&anna]).create(&app.newsroom).await;
    let other = PostBuilder::draft("Bridge repairs").authors(&[&anna]).create(&app.newsroom).await;
    let now = masthead_core::now();
    let long_ago = now - Duration::hours(1);
    db.mark_present(&story.id, &cleo.id, now - Duration::minutes(2), long_ago).await.expect("cleo");
    db.mark_present(&story.id, &boris.id, now - Duration::seconds(5), long_ago).await.expect("boris");
    db.mark_present(&story.id, &anna.id, now, long_ago).await.expect("anna");
    db.mark_present(&other.id, &boris.id, now, long_ago).await.expect("boris elsewhere");
    let ids = |users: &[&masthead_core::StaffUser]| users.iter().map(|u| u.id.to_string()).collect::<Vec<_>>();
    assert_eq!(db.present(&story.id, now - Duration::seconds(30)).await.expect("present"), ids(&[&anna, &boris]), "Cleo went quiet; by name");
    assert_eq!(db.present(&story.id, now - Duration::minutes(5)).await.expect("present"), ids(&[&anna, &boris, &cleo]));

    // Saying so again moves the time; leaving removes the row; old rows are forgotten by the next word.
    db.mark_present(&story.id, &cleo.id, now, long_ago).await.expect("cleo again");
    assert_eq!(db.present(&story.id, now - Duration::seconds(30)).await.expect("present"), ids(&[&anna, &boris, &cleo]));
    db.mark_absent(&story.id, &boris.id).await.expect("boris leaves");
    assert_eq!(db.present(&story.id, now - Duration::seconds(30)).await.expect("present"), ids(&[&anna, &cleo]));
    db.mark_present(&other.id, &anna.id, now + Duration::minutes(10), now + Duration::minutes(1)).await.expect("later");
    assert!(db.present(&story.id, now - Duration::hours(2)).await.expect("present").is_empty(), "everyone not heard from since a minute after now is forgotten");

    // A deleted story takes its rows with it.
    app.newsroom.delete_post(&other.id).await.expect("delete");
    assert!(db.present(&other.id, now - Duration::hours(2)).await.expect("present").is_empty());
});
