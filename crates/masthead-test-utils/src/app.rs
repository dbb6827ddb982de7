use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Request, StatusCode};
use http_body_util::BodyExt;
use masthead_app::Newsroom;
use masthead_media::MediaStore;
use masthead_render::Theme;
use masthead_web::AppState;
use tower::ServiceExt;

use crate::{ReceivedMail, SmtpSink, TestDb};

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
    /// The SMTP listener mail goes to, for an app made with [`TestApp::mailing`].
    sink: Option<SmtpSink>,
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
    /// The app at [`TEST_SITE_URL`] (https), keeping mail in the outbox.
    pub async fn new(db: &TestDb) -> Self {
        Self::at(db, TEST_SITE_URL).await
    }

    /// The app at another site URL, e.g. a plain-http local trial.
    pub async fn at(db: &TestDb, site_url: &str) -> Self {
        Self::build(db.db().clone(), site_url, None, None, None).await
    }

    /// The app at [`TEST_SITE_URL`] keeping its media in `media` instead of a temporary
    /// directory, e.g. an [`S3Server`](crate::S3Server)'s bucket.
    pub async fn with_media(db: &TestDb, media: MediaStore) -> Self {
        Self::build(db.db().clone(), TEST_SITE_URL, None, Some(media), None).await
    }

    /// The app at [`TEST_SITE_URL`] sending its mail through SMTP to an [`SmtpSink`]: what a
    /// reader or staff member receives is read with [`TestApp::mail`].
    pub async fn mailing(db: &TestDb) -> Self {
        Self::build(db.db().clone(), TEST_SITE_URL, Some(SmtpSink::start().await), None, None).await
    }

    /// Another server over the same database, as a second instance behind a load balancer is:
    /// its own connections, newsroom, caches and memory; only the database is shared.
    pub async fn another_instance(db: &TestDb) -> Self {
        Self::build(db.reopen().await, TEST_SITE_URL, None, None, None).await
    }

    /// The app over a database handle of the test's own (say, one that reaches PostgreSQL
    /// through a proxy the test cuts).
    pub async fn over(db: masthead_storage::Db) -> Self {
        Self::build(db, TEST_SITE_URL, None, None, None).await
    }

    /// The app at [`TEST_SITE_URL`] taking payments through a Stripe stand-in, mailing through
    /// an [`SmtpSink`].
    pub async fn paying(db: &TestDb, stripe: &crate::StripeStandIn) -> Self {
        Self::build(db.db().clone(), TEST_SITE_URL, Some(SmtpSink::start().await), None, Some(stripe.config())).await
    }

    async fn build(
        db: masthead_storage::Db,
        site_url: &str,
        sink: Option<SmtpSink>,
        store: Option<MediaStore>,
        stripe: Option<masthead_app::payments::StripeConfig>,
    ) -> Self {
        let media = tempfile::tempdir().expect("temporary media directory");
        let mailer = match &sink {
            Some(sink) => masthead_app::mail::Mailer::new(&masthead_app::mail::MailSettings {
                smtp_url: Some(sink.url()),
                site_url: site_url.to_owned(),
                instance: Some("test".into()),
                ..masthead_app::mail::MailSettings::default()
            })
            .expect("mail settings"),
            None => masthead_app::mail::Mailer::outbox(site_url),
        };
        let store = store.unwrap_or_else(|| MediaStore::local(media.path()).expect("media store"));
        let newsroom =
            Newsroom::new(db.clone(), store.clone()).with_mailer(mailer).with_stripe(stripe.unwrap_or_default());
        let theme = Theme::load(None).expect("default theme loads");
        let state = AppState::new(newsroom.clone(), theme, site_url)
            .expect("admin screens load")
            .with_bounce_secret(Some(TEST_BOUNCE_SECRET.into()));
        let router = masthead_web::router(state.clone());
        Self { state, newsroom, db, media: store, router, sink, _media: media }
    }

    /// The same app searching `index` (say, one kept in a temporary directory).
    pub fn with_search(mut self, index: masthead_app::SearchIndex) -> Self {
        self.newsroom = self.newsroom.clone().with_search(index);
        self.state = self.state.with_newsroom(self.newsroom.clone());
        self.router = masthead_web::router(self.state.clone());
        self
    }

    /// The same app narrating stories with `narrator` (say, the real espeak-ng engine).
    pub fn with_narrator(mut self, narrator: masthead_app::narration::Narrator) -> Self {
        self.newsroom = self.newsroom.clone().with_narrator(narrator);
        self.state = self.state.with_newsroom(self.newsroom.clone());
        self.router = masthead_web::router(self.state.clone());
        self
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

    /// Delivers the outbox and returns every message the SMTP sink received so far, oldest
    /// first. Only for an app made with [`TestApp::mailing`].
    pub async fn mail(&self) -> Vec<ReceivedMail> {
        let sink = self.sink.as_ref().expect("TestApp::mailing sends mail through SMTP; TestApp::new keeps it");
        while self.newsroom.deliver_outbox().await.expect("deliver the outbox") > 0 {}
        sink.messages()
    }

    /// A `Cookie` header value carrying a staff session token under the site's cookie name.
    pub fn session_cookie(&self, token: &str) -> String {
        format!("{}={token}", masthead_web::admin::session_cookie_name(&self.state.site_url))
    }

    pub async fn request(&self, request: Request<Body>) -> TestResponse {
        let response = self.router.clone().oneshot(request).await.expect("router is infallible");
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.into_body().collect().await.expect("read body").to_bytes();
        TestResponse { status, headers, body }
    }

    /// Sends `request` and hands back the response as it streams (Server-Sent Events), without
    /// waiting for its end.
    pub async fn stream(&self, request: Request<Body>) -> axum::response::Response {
        self.router.clone().oneshot(request).await.expect("router is infallible")
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
