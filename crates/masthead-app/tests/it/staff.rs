use masthead_app::newsroom::staff::{SignInError, account_scope, client_scope};
use masthead_core::Role;
use masthead_test_utils::{TestApp, TestDb, dual_db_test};
use time::Duration;

const PASSWORD: &str = "a long enough secret";
const CLIENT: &str = "203.0.113.66";

/// Records `failures` failed sign-ins for the owner from `CLIENT`, the last one `ago`.
async fn failures_from_client(db: &TestDb, failures: i64, ago: Duration) {
    let at = masthead_core::now() - ago;
    let scopes = [client_scope(CLIENT), account_scope("olga@example.org", CLIENT)];
    for scope in &scopes {
        db.clear_sign_in_attempts(scope).await.expect("clear");
    }
    for _ in 0..failures {
        let reserved = db.reserve_sign_in_attempt(&scopes, at, at - Duration::hours(1), |_, _, _| None).await;
        assert_eq!(reserved.expect("reserve"), None);
    }
}

dual_db_test!(async fn no_client_waits_more_than_fifteen_minutes(db) {
    let app = TestApp::new(&db).await;
    app.newsroom.add_staff("Olga Owner", "olga@example.org", Role::Owner, Some(PASSWORD)).await.expect("owner");

    // Forty failures, the last fourteen minutes ago: the wait is what is left of fifteen minutes
    // (doubling from five seconds would have reached hours).
    failures_from_client(&db, 40, Duration::minutes(14)).await;
    match app.newsroom.sign_in("olga@example.org", PASSWORD, CLIENT).await {
        Err(SignInError::Throttled { retry_after }) => {
            assert!(retry_after > Duration::ZERO && retry_after <= Duration::minutes(1), "{retry_after}");
        }
        other => panic!("expected a wait, got {other:?}"),
    }

    // The last failure fifteen minutes ago: the client may try again, and the right password
    // lets the owner in.
    failures_from_client(&db, 40, Duration::minutes(15)).await;
    let owner = app.newsroom.sign_in("olga@example.org", PASSWORD, CLIENT).await.expect("signed in");
    assert_eq!(owner.email, "olga@example.org");
    assert_eq!(db.sign_in_attempts(&account_scope("olga@example.org", CLIENT)).await.expect("read"), None, "cleared");
});
