use masthead_test_utils::dual_db_test;
use time::{Duration, OffsetDateTime};

/// The rule the tests reserve under: four attempts, then a wait of five seconds.
fn four_then_wait(_scope: &str, attempts: i64, _last: OffsetDateTime) -> Option<Duration> {
    (attempts >= 4).then_some(Duration::seconds(5))
}

dual_db_test!(async fn concurrent_sign_in_attempts_are_counted_as_they_arrive(db) {
    let now = masthead_core::now();
    let scopes = vec!["client:203.0.113.9".to_owned(), "account:anna@example.org|client:203.0.113.9".to_owned()];
    let mut burst = tokio::task::JoinSet::new();
    for _ in 0..50 {
        let (db, scopes) = (db.db().clone(), scopes.clone());
        burst.spawn(async move { db.reserve_sign_in_attempt(&scopes, now, now - Duration::hours(1), four_then_wait).await });
    }
    let (mut reserved, mut refused) = (0, 0);
    while let Some(result) = burst.join_next().await {
        match result.expect("task").expect("reserve") {
            None => reserved += 1,
            Some(wait) => {
                assert_eq!(wait, Duration::seconds(5));
                refused += 1;
            }
        }
    }
    assert_eq!((reserved, refused), (4, 46), "every reservation saw the ones before it");
    for scope in &scopes {
        assert_eq!(db.sign_in_attempts(scope).await.expect("read"), Some((4, now)), "refused attempts are not counted");
    }

    // A right password gives its attempt back; clearing forgets the scope.
    db.release_sign_in_attempt(&scopes[0]).await.expect("release");
    assert_eq!(db.sign_in_attempts(&scopes[0]).await.expect("read"), Some((3, now)));
    db.clear_sign_in_attempts(&scopes[1]).await.expect("clear");
    assert_eq!(db.sign_in_attempts(&scopes[1]).await.expect("read"), None);

    // Attempts older than the window are forgotten: the count starts again.
    let later = now + Duration::hours(2);
    let reserved = db.reserve_sign_in_attempt(&scopes, later, later - Duration::hours(1), four_then_wait).await.expect("reserve");
    assert_eq!(reserved, None);
    assert_eq!(db.sign_in_attempts(&scopes[0]).await.expect("read"), Some((1, later)));
});
