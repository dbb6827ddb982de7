use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Request, StatusCode};
use http_body_util::BodyExt;
use masthead_app::Newsroom;
use masthead_media::MediaStore;
use masthead_render::Theme;
use masthead_web::AppState;
use tower::ServiceExt;

use crate::TestDb;

pub const TEST_SITE_URL: &str = "https://news.example.org";
/// The bounce webhook's shared secret in tests.
pub const TEST_BOUNCE_SECRET: &str = "bounce-secret-for-tests";

/// The real router and state over a test database, driven without a socket.
pub struct TestApp {
    pub state: AppState,
    pub newsroom: Newsroom,
    /// The test's database, for fixtures and for checking what a request wrote.
    pub db: masthead_storage::Db,
    /// The newsroom's media store, for fixtures.
    pub media: MediaStore,
    router: Router,
    _media: tempfile::TempDir,
}

#[derive(Debug)]
pub struct TestResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl TestResponse {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

impl TestApp {
    pub async fn new(db: &TestDb) -> Self {
        let media = tempfile::tempdir().expect("temporary media directory");
        let store = MediaStore::local(media.path()).expect("media store");
        let newsroom = Newsroom::new(db.db().clone(), store.clone())
            .with_mailer(masthead_app::mail::Mailer::outbox(TEST_SITE_URL));
        let theme = Theme::load(None).expect("default theme loads");
        let state = AppState::new(newsroom.clone(), theme, TEST_SITE_URL)
            .expect("admin screens load")
            .with_bounce_secret(Some(TEST_BOUNCE_SECRET.into()));
        let router = masthead_web::router(state.clone());
        Self { state, newsroom, db: db.db().clone(), media: store, router, _media: media }
    }

    /// The same app behind these reverse proxies (`--trusted-proxies`).
    pub fn with_trusted_proxies(mut self, list: &str) -> Self {
        self.state = self.state.with_trusted_proxies(list.parse().expect("a valid list of proxies"));
        self.router = masthead_web::router(self.state.clone());
        self
    }

    /// Sends `request` as if it came over a connection from `peer` (`"203.0.113.7:50123"`):
    /// the server gives handlers the peer's address as axum's `ConnectInfo`.
    pub async fn request_from(&self, peer: &str, mut request: Request<Body>) -> TestResponse {
        let peer: std::net::SocketAddr = peer.parse().expect("a socket address");
        request.extensions_mut().insert(axum::extract::ConnectInfo(peer));
        self.request(request).await
    }

    pub async fn request(&self, request: Request<Body>) -> TestResponse {
        let response = self.router.clone().oneshot(request).await.expect("router is infallible");
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.into_body().collect().await.expect("read body").to_bytes();
        TestResponse { status, headers, body }
    }

    pub async fn get(&self, path: &str) -> TestResponse {
        self.request(Request::get(path).body(Body::empty()).expect("request")).await
    }

    pub async fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> TestResponse {
        let mut request = Request::get(path);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        self.request(request.body(Body::empty()).expect("request")).await
    }
}
