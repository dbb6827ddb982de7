//! Live updates of the news feed: Server-Sent Events at `/news/events`, and a polling endpoint
//! a CDN can answer for clients that cannot hold a stream (`/news/updates.json`).
//!
//! Each instance has one [`LiveFeed`]. When the change bus reports a feed change (made here or,
//! on PostgreSQL, by another instance), its pump reads every change after the last revision it
//! sent, renders each once, and broadcasts it to every open stream. A stream that connects with
//! a revision (`Last-Event-ID` when the browser reconnects, `?after=` from the page it is on)
//! first gets what it missed from the database, so nothing falls between the page and the
//! stream. Revisions are committed in order (see `masthead_storage::FeedItem`), so "everything
//! after N" is never missing a change.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use masthead_app::ContentChange;
use masthead_render::views::SiteView;
use masthead_storage::FeedItem;
use serde::{Deserialize, Serialize};
use tokio::sync::{Notify, broadcast, watch};

use crate::site::news::FeedItemView;
use crate::{AppState, WebError};

/// How many changes a reconnecting page is sent from the database; a page further behind is
/// told to reload.
const CATCH_UP: u32 = 100;
/// How often an idle stream sends a comment, so proxies and the server's idle timeout keep it.
pub const HEARTBEAT: Duration = Duration::from_secs(15);
/// What browsers wait before reconnecting (their own backoff starts here).
const RETRY: Duration = Duration::from_secs(3);
/// The polling endpoint's time buckets: every reader in one bucket asks for the same URL.
pub const BUCKET_SECONDS: i64 = 10;

/// One change, rendered once for every stream.
#[derive(Debug)]
pub struct LiveEvent {
    pub revision: i64,
    /// `item` (added or changed) or `delete`.
    pub kind: &'static str,
    /// JSON.
    pub data: String,
}

/// What an event carries (and what the poll lists): its kind, the item's id and revision, and
/// for a live item the HTML every list shows it with.
#[derive(Debug, Serialize)]
struct EventData {
    /// `item` (added or changed) or `delete`.
    kind: &'static str,
    id: String,
    revision: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    html: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    published_at: Option<String>,
    pinned: bool,
    key_event: bool,
}

/// The live feed of one instance.
#[derive(Debug)]
pub struct LiveFeed {
    sender: broadcast::Sender<Arc<LiveEvent>>,
    wake: Notify,
    /// The last revision broadcast.
    sent: AtomicI64,
    /// Set once the pump runs.
    started: tokio::sync::OnceCell<()>,
    closing: watch::Sender<bool>,
}

impl Default for LiveFeed {
    fn default() -> Self {
        Self {
            sender: broadcast::channel(256).0,
            wake: Notify::new(),
            sent: AtomicI64::new(0),
            started: tokio::sync::OnceCell::new(),
            closing: watch::channel(false).0,
        }
    }
}

impl LiveFeed {
    /// Called by the change bus: feed changes (or changes nobody can name) wake the pump.
    pub fn heard(&self, change: &ContentChange) {
        if matches!(change, ContentChange::FeedItem(_) | ContentChange::Everything) {
            self.wake.notify_one();
        }
    }

    /// Ends every open stream (at shutdown: a stream never ends by itself).
    pub fn close(&self) {
        let _ = self.closing.send(true);
    }

    /// Starts the pump with the first stream. The revision it starts from is read before that
    /// stream reads its own, so every change after the stream's revision is broadcast.
    async fn start(&self, state: &AppState) -> Result<(), WebError> {
        self.started
            .get_or_try_init(|| async {
                let revision = state.newsroom.db().feed_revision().await?;
                self.sent.store(revision, Ordering::Release);
                tokio::spawn(pump(state.clone()));
                Ok::<(), WebError>(())
            })
            .await?;
        Ok(())
    }
}

/// Broadcasts every change after the last one sent, whenever the bus says there may be some.
async fn pump(state: AppState) {
    let live = state.live.clone();
    loop {
        // A change seen by the bus before the pump started has a permit waiting here.
        live.wake.notified().await;
        loop {
            let after = live.sent.load(Ordering::Acquire);
            let changes = match state.newsroom.db().feed_changes_since(after, CATCH_UP).await {
                Ok(changes) => changes,
                Err(error) => {
                    tracing::warn!(%error, "the live feed cannot read new items; retrying");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            };
            let site = crate::site::last_site(&state);
            let full = changes.len() == CATCH_UP as usize;
            for item in &changes {
                let event = render_event(&state, &site, item);
                live.sent.store(item.revision, Ordering::Release);
                // No receivers is not an error: nobody is reading right now.
                let _ = live.sender.send(Arc::new(event));
            }
            if !full {
                break;
            }
        }
    }
}

/// A change as events and the poll describe it: the item's HTML as lists show it, or a deletion.
fn event_data(state: &AppState, site: &SiteView, item: &FeedItem) -> EventData {
    if item.is_deleted() {
        return EventData {
            kind: "delete",
            id: item.id.clone(),
            revision: item.revision,
            html: None,
            published_at: None,
            pinned: false,
            key_event: false,
        };
    }
    let view = FeedItemView::new(item);
    let html = crate::site::news::render_item(state, site, &view)
        .inspect_err(|error| tracing::error!(%error, "rendering a feed item failed"))
        .ok();
    EventData {
        kind: "item",
        id: item.id.clone(),
        revision: item.revision,
        html,
        published_at: Some(view.published_at),
        pinned: item.pinned,
        key_event: item.key_event,
    }
}

/// A change rendered once, as every stream sends it.
fn render_event(state: &AppState, site: &SiteView, item: &FeedItem) -> LiveEvent {
    let data = event_data(state, site, item);
    LiveEvent { revision: data.revision, kind: data.kind, data: serde_json::to_string(&data).unwrap_or_default() }
}

#[derive(Debug, Default, Deserialize)]
pub struct EventsQuery {
    after: Option<String>,
}

/// The revision a stream continues from: the browser's `Last-Event-ID` when it reconnects,
/// else the page's `?after=`, else now.
fn resume_from(headers: &HeaderMap, query: &EventsQuery) -> Result<Option<i64>, WebError> {
    let from_header = headers.get("last-event-id").and_then(|v| v.to_str().ok()).filter(|v| !v.trim().is_empty());
    match from_header.or(query.after.as_deref()) {
        None => Ok(None),
        Some(raw) => raw
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|r| *r >= 0)
            .map(Some)
            .ok_or_else(|| WebError::BadRequest(format!("{raw:?} is not a feed revision (a whole number)."))),
    }
}

struct Stream {
    state: AppState,
    receiver: broadcast::Receiver<Arc<LiveEvent>>,
    closing: watch::Receiver<bool>,
    /// Events to send before listening again.
    queue: VecDeque<Event>,
    /// The last revision sent to this client.
    last: i64,
}

fn sse_event(event: &LiveEvent) -> Event {
    Event::default().id(event.revision.to_string()).event(event.kind).data(&event.data)
}

/// Queues what this stream missed after `stream.last`, read from the database; when that is
/// too much to send, the page is told to reload instead.
async fn catch_up(stream: &mut Stream) -> Result<(), WebError> {
    let changes = stream.state.newsroom.db().feed_changes_since(stream.last, CATCH_UP + 1).await?;
    if changes.len() > CATCH_UP as usize {
        let current = stream.state.newsroom.db().feed_revision().await?;
        stream.queue.push_back(Event::default().id(current.to_string()).event("reload").data("{}"));
        stream.last = current;
        return Ok(());
    }
    let site = crate::site::last_site(&stream.state);
    for item in changes {
        let event = render_event(&stream.state, &site, &item);
        stream.queue.push_back(sse_event(&event));
        stream.last = item.revision;
    }
    Ok(())
}

impl Stream {
    async fn next(mut self) -> Option<(Result<Event, Infallible>, Self)> {
        loop {
            if let Some(event) = self.queue.pop_front() {
                return Some((Ok(event), self));
            }
            let received = tokio::select! {
                received = self.receiver.recv() => received,
                _ = self.closing.changed() => return None,
            };
            match received {
                Ok(event) if event.revision > self.last => {
                    self.last = event.revision;
                    return Some((Ok(sse_event(&event)), self));
                }
                // Already sent from the database while catching up.
                Ok(_) => {}
                // This client fell behind the broadcast: read what it missed instead.
                Err(broadcast::error::RecvError::Lagged(_)) => {
                    if catch_up(&mut self).await.is_err() {
                        return None;
                    }
                }
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    }
}

/// `GET /news/events`: the live feed as Server-Sent Events. Each event's id is the revision it
/// brings; `item` carries an added or changed item's HTML, `delete` an id to remove, `reload`
/// asks a page that fell too far behind to load again.
pub async fn events(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<EventsQuery>,
) -> Result<Response, WebError> {
    let resume = resume_from(&headers, &query)?;
    let live = state.live.clone();
    live.start(&state).await?;
    // Listen before reading the database: a change committed in between is then both read and
    // received, and sent once.
    let receiver = live.sender.subscribe();
    let last = match resume {
        Some(revision) => revision,
        None => state.newsroom.db().feed_revision().await?,
    };
    let mut stream = Stream {
        state: state.clone(),
        receiver,
        closing: live.closing.subscribe(),
        queue: VecDeque::from([Event::default().retry(RETRY).comment("live")]),
        last,
    };
    if resume.is_some() {
        catch_up(&mut stream).await?;
    }
    let events = futures::stream::unfold(stream, Stream::next);
    let mut response = Sse::new(events).keep_alive(KeepAlive::new().interval(HEARTBEAT).text("")).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    // nginx would otherwise hold events back to fill its buffer.
    headers.insert("x-accel-buffering", HeaderValue::from_static("no"));
    Ok(response)
}

#[derive(Debug, Default, Deserialize)]
pub struct UpdatesQuery {
    since: Option<String>,
}

#[derive(Serialize)]
struct Updates {
    /// The bucket asked for, and the one to ask for next.
    since: i64,
    next: i64,
    revision: i64,
    items: Vec<EventData>,
}

/// `GET /news/updates.json?since=T`: every change made at or after `T` (Unix seconds, a
/// multiple of ten), for clients that poll. Everyone polling in one ten-second bucket asks for
/// the same URL, so a CDN answers most of them; the answer may be kept for ten seconds.
pub async fn updates(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<UpdatesQuery>,
) -> Result<Response, WebError> {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let since = match query.since.as_deref().map(str::trim) {
        None => return Err(WebError::BadRequest("Add ?since=T: Unix seconds, a multiple of 10.".to_owned())),
        Some(raw) => raw.parse::<i64>().map_err(|_| {
            WebError::BadRequest(format!("since={raw:?} is not a time in Unix seconds (a multiple of 10)."))
        })?,
    };
    if since % BUCKET_SECONDS != 0 {
        return Err(WebError::BadRequest(format!(
            "since={since} is not a multiple of {BUCKET_SECONDS}: round it down to {}.",
            since - since.rem_euclid(BUCKET_SECONDS)
        )));
    }
    if since > now + BUCKET_SECONDS || since < now - 24 * 3600 {
        return Err(WebError::BadRequest(
            "since must be within the last 24 hours; load /news/ for anything older.".to_owned(),
        ));
    }
    let at = time::OffsetDateTime::from_unix_timestamp(since).map_err(|_| WebError::NotFound)?;
    let db = state.newsroom.db();
    let revision = db.feed_revision().await?;
    let etag = HeaderValue::from_str(&format!("\"{since}-{revision}\"")).ok();
    if let Some(etag) = &etag
        && headers.get(header::IF_NONE_MATCH) == Some(etag)
    {
        let mut response = StatusCode::NOT_MODIFIED.into_response();
        response.headers_mut().insert(header::ETAG, etag.clone());
        return Ok(response);
    }
    let changes = db.feed_changed_after(at, CATCH_UP).await?;
    let site = crate::site::last_site(&state);
    let items = changes.iter().map(|item| event_data(&state, &site, item)).collect();
    let body = Updates { since, next: now - now.rem_euclid(BUCKET_SECONDS), revision, items };
    let mut response = axum::Json(body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=10, s-maxage=10, stale-while-revalidate=10"),
    );
    if let Some(etag) = etag {
        headers.insert(header::ETAG, etag);
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stream_resumes_from_the_last_event_id_before_the_page_revision() {
        let mut headers = HeaderMap::new();
        let query = EventsQuery { after: Some("7".into()) };
        assert_eq!(resume_from(&headers, &query).expect("valid"), Some(7));
        headers.insert("last-event-id", HeaderValue::from_static("12"));
        assert_eq!(resume_from(&headers, &query).expect("valid"), Some(12));
        assert_eq!(resume_from(&HeaderMap::new(), &EventsQuery::default()).expect("valid"), None);
        assert!(resume_from(&HeaderMap::new(), &EventsQuery { after: Some("-1".into()) }).is_err());
        assert!(resume_from(&HeaderMap::new(), &EventsQuery { after: Some("x".into()) }).is_err());
    }
}
