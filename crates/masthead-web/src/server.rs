//! Serving HTTP: the accept loop, with the limits that keep slow or idle clients from holding
//! the server. axum's own `serve` has none: a client that sends its request one byte at a time,
//! or nothing at all, keeps its connection (and a task) for ever, and a few thousand of them
//! exhaust the process's file descriptors.
//!
//! - **Connections**: at most [`ServerLimits::max_connections`] at once; beyond that, new
//!   connections wait in the kernel's queue until one closes.
//! - **Request heads**: once a request's first byte has arrived (or the connection was
//!   accepted), its head must be complete within the header timeout.
//! - **Idle connections**: between requests a kept-alive connection may wait the idle timeout
//!   for the next one.
//! - **Request bodies**: a body may pause at most the body timeout between reads, and must be
//!   complete within the body timeout plus the same again for each MiB it declares
//!   (`Content-Length`), which bounds a client that trickles bytes and still lets large uploads
//!   through on slow links.
//! - **Responses**: a client that stops reading a response for the idle timeout is cut off
//!   (noticed within twice that).
//!
//! Handlers themselves are not timed: an import may take minutes.
//!
//! A watchdog per connection enforces the first, second and last from what the connection is
//! doing (hyper's own header timeout does not cover the auto-detection of HTTP/1 or HTTP/2 that
//! precedes it, and counts from the end of the previous response); hyper's header timeout is
//! kept as a backstop.

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, Response, header};
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::{Notify, Semaphore};
use tokio::time::Instant;
use tower::ServiceExt;
use tower_http::timeout::{DeadlineBody, TimeoutBody};

/// How long clients may take, and how many may be connected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ServerLimits {
    pub header_read_timeout: Duration,
    pub request_body_timeout: Duration,
    pub idle_timeout: Duration,
    pub max_connections: usize,
}

impl Default for ServerLimits {
    fn default() -> Self {
        Self {
            header_read_timeout: Duration::from_secs(10),
            request_body_timeout: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(60),
            max_connections: 4096,
        }
    }
}

/// Connections the kernel completes and queues for us. The usual 128 overflowed when a thousand
/// clients connected at once, and every connection dropped from the queue waited a second for
/// its SYN to be sent again. The kernel caps it at `net.core.somaxconn`.
const LISTEN_BACKLOG: u32 = 4096;

/// Listens on `address` with room in the queue for bursts of new connections.
pub fn bind(address: SocketAddr) -> io::Result<TcpListener> {
    let socket = if address.is_ipv4() { TcpSocket::new_v4()? } else { TcpSocket::new_v6()? };
    // As the standard library does on Unix: a restarted server can bind at once.
    #[cfg(unix)]
    socket.set_reuseaddr(true)?;
    socket.bind(address)?;
    socket.listen(LISTEN_BACKLOG)
}

/// Serves `app` on `listener` until `shutdown` completes, then stops accepting and waits for
/// the requests in progress. Handlers see the peer's address as `ConnectInfo<SocketAddr>`.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ServerLimits,
    shutdown: impl Future<Output = ()>,
) -> io::Result<()> {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .keep_alive(true)
        // A backstop for the watchdog: hyper counts from the end of the previous response.
        .header_read_timeout(limits.idle_timeout + limits.header_read_timeout);
    builder.http2().timer(TokioTimer::new());
    let connections = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            permit = connections.clone().acquire_owned() => permit.map_err(io::Error::other)?,
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    accept_failed(error).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let activity = Arc::new(Activity::new(limits));
        let service = request_service(app.clone(), peer, limits, activity.clone());
        let io = TokioIo::new(WatchedStream { inner: stream, activity: activity.clone() });
        let connection = builder.serve_connection_with_upgrades(io, service).into_owned();
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            let _permit = permit;
            tokio::select! {
                result = connection => {
                    if let Err(error) = result {
                        tracing::debug!(%peer, %error, "connection ended with an error");
                    }
                }
                () = activity.expired() => tracing::debug!(%peer, "closed a slow or idle connection"),
            }
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}

/// Like axum's `serve`: errors of one connection are skipped; others (out of file descriptors)
/// are logged and retried after a pause instead of spinning.
async fn accept_failed(error: io::Error) {
    use io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if matches!(error.kind(), ConnectionRefused | ConnectionAborted | ConnectionReset) {
        return;
    }
    tracing::error!(%error, "accepting a connection failed");
    tokio::time::sleep(Duration::from_millis(500)).await;
}

/// The router as one connection's hyper service: gives handlers the peer's address, times the
/// request body, and tells the watchdog when a request starts and its response is sent.
fn request_service(
    app: Router,
    peer: SocketAddr,
    limits: ServerLimits,
    activity: Arc<Activity>,
) -> impl hyper::service::Service<Request<Incoming>, Response = Response<Body>, Error = Infallible, Future: Send + 'static>
+ Clone
+ Send
+ 'static {
    hyper::service::service_fn(move |request: Request<Incoming>| {
        let handling = Handling::start(activity.clone());
        let deadline = body_deadline(limits.request_body_timeout, &request);
        let mut request = request
            .map(|body| Body::new(DeadlineBody::new(deadline, TimeoutBody::new(limits.request_body_timeout, body))));
        request.extensions_mut().insert(ConnectInfo(peer));
        let response = app.clone().oneshot(request);
        async move {
            let response = response.await?;
            let sending = handling.responding();
            // The response is sent when hyper drops its body.
            Ok(response.map(|body| {
                Body::new(body.map_frame(move |frame| {
                    let _ = &sending;
                    frame
                }))
            }))
        }
    })
}

/// The body timeout, and the same again for each MiB the request declares.
fn body_deadline<B>(timeout: Duration, request: &Request<B>) -> Duration {
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(0);
    let extra = u32::try_from(declared / (1024 * 1024)).unwrap_or(u32::MAX);
    timeout.saturating_add(timeout.saturating_mul(extra))
}

/// What a connection is doing, and so how long it may go on doing it.
struct Activity {
    limits: ServerLimits,
    state: Mutex<ActivityState>,
    changed: Notify,
}

struct ActivityState {
    /// Requests whose handler is running (reading the body is timed by the body itself).
    handling: usize,
    /// Responses being sent.
    responding: usize,
    /// Since when the connection waits for a request: accepted, or the last response sent.
    waiting_since: Instant,
    /// Whether a request was ever received.
    fresh: bool,
    /// When the first byte of the next request arrived.
    head_started: Option<Instant>,
    /// When the client last took some of a response.
    last_sent: Instant,
}

impl Activity {
    fn new(limits: ServerLimits) -> Self {
        let now = Instant::now();
        let state = ActivityState {
            handling: 0,
            responding: 0,
            waiting_since: now,
            fresh: true,
            head_started: None,
            last_sent: now,
        };
        Self { limits, state: Mutex::new(state), changed: Notify::new() }
    }

    /// Applies `change`, waking the watchdog only when the deadline moves earlier: later
    /// deadlines it finds when it wakes, and while there is none it looks again every idle
    /// timeout. So a request costs no wake-up in the common case.
    fn update(&self, change: impl FnOnce(&mut ActivityState)) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let before = self.deadline_of(&state);
        change(&mut state);
        let after = self.deadline_of(&state);
        drop(state);
        if matches!((before, after), (Some(before), Some(after)) if after < before) {
            self.changed.notify_one();
        }
    }

    /// When the connection must be closed if nothing changes; `None` while a handler runs.
    fn deadline(&self) -> Option<Instant> {
        self.deadline_of(&self.state.lock().unwrap_or_else(PoisonError::into_inner))
    }

    fn deadline_of(&self, state: &ActivityState) -> Option<Instant> {
        let ServerLimits { header_read_timeout, idle_timeout, .. } = self.limits;
        if state.handling > 0 {
            None
        } else if state.responding > 0 {
            Some(state.last_sent + idle_timeout)
        } else if let Some(started) = state.head_started {
            Some(started + header_read_timeout)
        } else if state.fresh {
            Some(state.waiting_since + header_read_timeout)
        } else {
            Some(state.waiting_since + idle_timeout)
        }
    }

    /// Completes when the connection has overrun its deadline.
    async fn expired(&self) {
        loop {
            let changed = self.changed.notified();
            match self.deadline() {
                Some(deadline) if deadline <= Instant::now() => return,
                Some(deadline) => {
                    tokio::select! {
                        () = tokio::time::sleep_until(deadline) => {}
                        () = changed => {}
                    }
                }
                None => {
                    tokio::select! {
                        () = tokio::time::sleep(self.limits.idle_timeout) => {}
                        () = changed => {}
                    }
                }
            }
        }
    }

    fn read_some(&self) {
        self.update(|state| {
            if state.handling == 0 && state.responding == 0 && state.head_started.is_none() {
                state.head_started = Some(Instant::now());
            }
        });
    }

    fn sent_some(&self) {
        // The deadline only moves later: the watchdog sees it when it wakes.
        self.state.lock().unwrap_or_else(PoisonError::into_inner).last_sent = Instant::now();
    }

    fn became_idle(state: &mut ActivityState) {
        if state.handling == 0 && state.responding == 0 {
            state.waiting_since = Instant::now();
        }
    }
}

/// A request whose handler runs; dropped unfinished (the client went away), it counts as done.
struct Handling(Option<Arc<Activity>>);

impl Handling {
    fn start(activity: Arc<Activity>) -> Self {
        activity.update(|state| {
            state.handling += 1;
            state.fresh = false;
            state.head_started = None;
        });
        Self(Some(activity))
    }

    /// The handler answered; its response is being sent until the returned guard is dropped.
    fn responding(mut self) -> Responding {
        let activity = self.0.take();
        if let Some(activity) = &activity {
            activity.update(|state| {
                state.handling -= 1;
                state.responding += 1;
                state.last_sent = Instant::now();
            });
        }
        Responding(activity)
    }
}

impl Drop for Handling {
    fn drop(&mut self) {
        if let Some(activity) = self.0.take() {
            activity.update(|state| {
                state.handling -= 1;
                Activity::became_idle(state);
            });
        }
    }
}

struct Responding(Option<Arc<Activity>>);

impl Drop for Responding {
    fn drop(&mut self) {
        if let Some(activity) = self.0.take() {
            activity.update(|state| {
                state.responding -= 1;
                Activity::became_idle(state);
            });
        }
    }
}

/// The connection's socket, telling the watchdog when bytes come and go.
struct WatchedStream {
    inner: TcpStream,
    activity: Arc<Activity>,
}

impl AsyncRead for WatchedStream {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let result = Pin::new(&mut this.inner).poll_read(cx, buf);
        if matches!(result, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            this.activity.read_some();
        }
        result
    }
}

impl AsyncWrite for WatchedStream {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let result = Pin::new(&mut this.inner).poll_write(cx, buf);
        if matches!(result, Poll::Ready(Ok(n)) if n > 0) {
            this.activity.sent_some();
        }
        result
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let result = Pin::new(&mut this.inner).poll_write_vectored(cx, bufs);
        if matches!(result, Poll::Ready(Ok(n)) if n > 0) {
            this.activity.sent_some();
        }
        result
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_declared_bodies_get_more_time() {
        let request = |length: Option<&str>| {
            let mut builder = Request::post("/");
            if let Some(length) = length {
                builder = builder.header(header::CONTENT_LENGTH, length);
            }
            builder.body(()).expect("request")
        };
        let timeout = Duration::from_secs(30);
        assert_eq!(body_deadline(timeout, &request(None)), timeout);
        assert_eq!(body_deadline(timeout, &request(Some("2000"))), timeout);
        assert_eq!(body_deadline(timeout, &request(Some("10485760"))), Duration::from_secs(330));
        assert_eq!(body_deadline(timeout, &request(Some("nonsense"))), timeout);
        assert!(body_deadline(timeout, &request(Some("18446744073709551615"))) > Duration::from_secs(86_400));
    }

    #[tokio::test]
    async fn deadlines_follow_what_the_connection_does() {
        let limits = ServerLimits {
            header_read_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            ..ServerLimits::default()
        };
        let activity = Arc::new(Activity::new(limits));
        let state = |read: fn(&ActivityState) -> Option<Instant>| read(&activity.state.lock().expect("state"));
        let accepted = state(|s| Some(s.waiting_since));
        assert_eq!(
            activity.deadline(),
            accepted.map(|t| t + limits.header_read_timeout),
            "a new connection must speak"
        );
        activity.read_some();
        let started = state(|s| s.head_started);
        assert!(started.is_some());
        activity.read_some();
        assert_eq!(state(|s| s.head_started), started, "counted from the head's first byte");
        assert_eq!(activity.deadline(), started.map(|t| t + limits.header_read_timeout));

        let handling = Handling::start(activity.clone());
        assert_eq!(activity.deadline(), None, "handlers are not timed");
        activity.read_some();
        assert_eq!(state(|s| s.head_started), None, "a body is not the next head");
        let sending = handling.responding();
        assert_eq!(
            activity.deadline(),
            state(|s| Some(s.last_sent)).map(|t| t + limits.idle_timeout),
            "the client must read"
        );
        drop(sending);
        let idle_since = state(|s| Some(s.waiting_since));
        assert!(idle_since >= accepted);
        assert_eq!(
            activity.deadline(),
            idle_since.map(|t| t + limits.idle_timeout),
            "kept alive until the next request"
        );
        activity.read_some();
        assert_eq!(activity.deadline(), state(|s| s.head_started).map(|t| t + limits.header_read_timeout));

        // A handler abandoned by its client counts as done.
        drop(Handling::start(activity.clone()));
        assert_eq!(activity.deadline(), state(|s| Some(s.waiting_since)).map(|t| t + limits.idle_timeout));

        let impatient = Activity::new(ServerLimits { header_read_timeout: Duration::ZERO, ..limits });
        impatient.expired().await;
    }
}
