use std::time::{Duration as StdDuration, Instant};

use masthead_test_utils::{TestApp, dual_db_test};
use time::Duration;

dual_db_test!(async fn the_worker_prunes_counters_that_no_longer_count(db) {
    let app = TestApp::new(&db).await;
    let now = masthead_core::now();
    let (old, hour) = (now - Duration::minutes(90), Duration::hours(1));
    db.count_request("ip:198.51.100.1", old, hour).await.expect("count");
    db.count_request("ip:198.51.100.2", now, hour).await.expect("count");
    let never_wait = |_: &str, _: i64, _: time::OffsetDateTime| None;
    db.reserve_sign_in_attempt(&["client:198.51.100.1".to_owned()], old, old - hour, never_wait).await.expect("reserve");
    db.reserve_sign_in_attempt(&["client:198.51.100.2".to_owned()], now, now - hour, never_wait).await.expect("reserve");

    let (stop, stopped) = tokio::sync::watch::channel(false);
    let worker = tokio::spawn({
        let newsroom = app.newsroom.clone();
        async move { newsroom.run_worker("test-worker".into(), stopped).await }
    });
    let started = Instant::now();
    while db.request_count("ip:198.51.100.1").await.expect("read").is_some() && started.elapsed() < StdDuration::from_secs(20) {
        tokio::time::sleep(StdDuration::from_millis(50)).await;
    }
    let _ = stop.send(true);
    worker.await.expect("worker stops");

    assert_eq!(db.request_count("ip:198.51.100.1").await.expect("read"), None, "an hour-old window is pruned");
    assert_eq!(db.sign_in_attempts("client:198.51.100.1").await.expect("read"), None, "so are stale sign-in counters");
    assert_eq!(db.request_count("ip:198.51.100.2").await.expect("read"), Some((1, now)), "a current window stays");
    assert_eq!(db.sign_in_attempts("client:198.51.100.2").await.expect("read"), Some((1, now)));
});
