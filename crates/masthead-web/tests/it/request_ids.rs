//! Every request has an id: on the response, in every log line the request causes, and in the
//! errors it is answered with, so a reader's report ("it failed, reference …") finds its logs.

use std::sync::{Arc, Mutex};

use masthead_core::Role;
use masthead_test_utils::{TestApp, dual_db_test};

use crate::api::json_of;

/// Log output captured for the current thread (the test's runtime and the router run on it).
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("log buffer").extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("log buffer")).into_owned()
    }
}

dual_db_test!(async fn log_lines_and_errors_carry_the_request_id(db) {
    let app = TestApp::new(&db).await;
    crate::admin::staff(&app, "Anna Field", Role::Author).await;
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .with_env_filter("info")
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    // A failed sign-in is logged; the line names the request that caused it.
    let request = axum::http::Request::post("/admin/signin/")
        .header("origin", "https://news.example.org")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("x-request-id", "edge-7f3a-19")
        .body(axum::body::Body::from("email=anna.field%40news.example.org&password=not+the+password"))
        .expect("request");
    let refused = app.request(request).await;
    assert_eq!(refused.status, 401);
    assert_eq!(refused.header("x-request-id"), Some("edge-7f3a-19"), "an id a proxy gave is kept");
    let logs = captured.text();
    let line = logs.lines().find(|l| l.contains("failed staff sign-in")).unwrap_or_else(|| panic!("logged: {logs}"));
    assert!(line.contains("id=edge-7f3a-19"), "{line}");

    // Without one, the request gets an id; an API error quotes it.
    let missing = app.get("/ghost/api/admin/nothing-here/").await;
    let id = missing.header("x-request-id").expect("an id").to_owned();
    assert_eq!(id.len(), 36, "a UUID: {id}");
    assert_eq!(json_of(&missing)["errors"][0]["id"], id.as_str());

    // Something that is not an id is replaced rather than written into the logs.
    let forged = app.get_with("/ghost/api/admin/nothing-here/", &[("x-request-id", "x\"y z")]).await;
    assert_ne!(forged.header("x-request-id"), Some("x\"y z"));
    assert_eq!(json_of(&forged)["errors"][0]["id"], forged.header("x-request-id").expect("an id"));
});
