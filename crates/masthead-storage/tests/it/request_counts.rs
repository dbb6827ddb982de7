use masthead_test_utils::dual_db_test;
use time::Duration;

const HOUR: Duration = Duration::hours(1);

dual_db_test!(async fn concurrent_requests_on_two_instances_are_each_counted_once(db) {
    // Two connections to the same database, as two servers would have.
    let other = db.reopen().await;
    let now = masthead_core::now();
    let mut burst = tokio::task::JoinSet::new();
    for i in 0..50 {
        let instance = if i % 2 == 0 { db.db().clone() } else { other.clone() };
        burst.spawn(async move { instance.count_request("ip:203.0.113.9", now, HOUR).await });
    }
    let mut counts = Vec::new();
    while let Some(result) = burst.join_next().await {
        counts.push(result.expect("task").expect("count"));
    }
    counts.sort_unstable();
    assert_eq!(counts, (1..=50).collect::<Vec<i64>>(), "each request saw every one before it, none twice");
    assert_eq!(db.request_count("ip:203.0.113.9").await.expect("read"), Some((50, now)));
    assert_eq!(db.request_count("ip:203.0.113.10").await.expect("read"), None, "other scopes are untouched");
    other.close().await;
});

dual_db_test!(async fn a_window_lasts_its_length_and_the_next_request_opens_another(db) {
    let start = masthead_core::now();
    let scope = "email:reader@example.org|ip:203.0.113.9";
    assert_eq!(db.count_request(scope, start, HOUR).await.expect("count"), 1);
    assert_eq!(db.count_request(scope, start + Duration::minutes(59), HOUR).await.expect("count"), 2);
    assert_eq!(db.request_count(scope).await.expect("read"), Some((2, start)), "the window keeps its start");
    let next = start + HOUR;
    assert_eq!(db.count_request(scope, next, HOUR).await.expect("count"), 1, "an hour later a new window opens");
    assert_eq!(db.request_count(scope).await.expect("read"), Some((1, next)));
});

dual_db_test!(async fn counters_whose_windows_are_over_are_pruned(db) {
    let now = masthead_core::now();
    db.count_request("old", now - Duration::minutes(61), HOUR).await.expect("count");
    db.count_request("just-over", now - HOUR, HOUR).await.expect("count");
    db.count_request("current", now - Duration::minutes(59), HOUR).await.expect("count");
    assert_eq!(db.prune_request_counts(now - HOUR).await.expect("prune"), 2);
    assert_eq!(db.request_count("old").await.expect("read"), None);
    assert_eq!(db.request_count("just-over").await.expect("read"), None);
    assert_eq!(db.request_count("current").await.expect("read"), Some((1, now - Duration::minutes(59))));

    // Sign-in attempt counters go once their attempts no longer count.
    let always = |_: &str, _: i64, _: time::OffsetDateTime| None;
    let (old, recent) = (now - Duration::minutes(61), now - Duration::minutes(5));
    db.reserve_sign_in_attempt(&["client:old".to_owned()], old, old - HOUR, always).await.expect("reserve");
    db.reserve_sign_in_attempt(&["client:recent".to_owned()], recent, recent - HOUR, always).await.expect("reserve");
    assert_eq!(db.prune_sign_in_attempts(now - HOUR).await.expect("prune"), 1);
    assert_eq!(db.sign_in_attempts("client:old").await.expect("read"), None);
    assert_eq!(db.sign_in_attempts("client:recent").await.expect("read"), Some((1, recent)));
});
