//! A real HTTP listener that records every request it receives and answers each with a status
//! the test chooses: the other end of an outgoing call (a CDN's purge hook) over real HTTP.

use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};

/// One request as it arrived.
#[derive(Clone, Debug)]
pub struct RecordedRequest {
    pub method: Method,
    pub path: String,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl RecordedRequest {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("a JSON body ({e}): {:?}", self.body))
    }
}

/// Listens on a free loopback port until dropped.
pub struct HttpRecorder {
    url: String,
    requests: Arc<Mutex<Vec<RecordedRequest>>>,
    status: Arc<Mutex<StatusCode>>,
    server: tokio::task::JoinHandle<()>,
}

impl HttpRecorder {
    /// Starts a listener that answers 200 to everything.
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind a loopback port");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        let requests: Arc<Mutex<Vec<RecordedRequest>>> = Arc::default();
        let status = Arc::new(Mutex::new(StatusCode::OK));
        let (seen, answer) = (requests.clone(), status.clone());
        let app = axum::Router::new().fallback(move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
            let (seen, answer) = (seen.clone(), answer.clone());
            async move {
                let path = uri.path_and_query().map(|p| p.as_str().to_owned()).unwrap_or_default();
                seen.lock().expect("recorder").push(RecordedRequest { method, path, headers, body });
                *answer.lock().expect("recorder")
            }
        });
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self { url, requests, status, server }
    }

    /// The listener's base URL (`http://127.0.0.1:PORT`).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Answers every later request with `status` (an HTTP status code such as 503).
    pub fn answer_with(&self, status: u16) {
        *self.status.lock().expect("recorder") = StatusCode::from_u16(status).expect("an HTTP status");
    }

    /// Every request received so far, oldest first.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.requests.lock().expect("recorder").clone()
    }
}

impl Drop for HttpRecorder {
    fn drop(&mut self) {
        self.server.abort();
    }
}
