//! Changes other instances made, as PostgreSQL announces them.
//!
//! Triggers on the content tables (migration 0011) call `pg_notify('masthead_changes', …)` in the
//! transaction that changes a row, so a notification is sent exactly when the change commits. A
//! [`ChangeListener`] holds one connection that `LISTEN`s on the channel. Notifications sent
//! while that connection is down are lost; the listener says so ([`Heard::Lost`]) once it is
//! listening again, so the caller can forget everything it cached. SQLite has one process and
//! no listener: its changes are announced in memory.

use std::time::Duration;

use masthead_core::{ObjectId, PostType};
use serde::Deserialize;
use sqlx::postgres::{PgListener, PgPool};

use crate::db::Pools;
use crate::{Db, Result};

/// The channel the triggers notify on.
pub const CHANNEL: &str = "masthead_changes";

/// A committed change, as a trigger described it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Announced {
    /// A post or page row, or one of its tag or author links.
    Post {
        id: ObjectId,
        post_type: Option<PostType>,
        tag: Option<ObjectId>,
        author: Option<ObjectId>,
    },
    Tag(ObjectId),
    Author(ObjectId),
    /// A story's narration became ready, or went away.
    Narration(ObjectId),
    Settings,
    /// A live feed item was added, edited or deleted.
    FeedItem(ObjectId),
    /// The editors' picks changed.
    Picks,
    /// A goal campaign was added, edited or deleted, or its count changed.
    Campaigns,
    Everything,
}

/// What the listener heard.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Heard {
    Change(Announced),
    /// The connection was lost and is back: changes made meanwhile were not heard.
    Lost,
}

#[derive(Deserialize)]
struct Payload {
    schema: String,
    kind: String,
    id: Option<String>,
    #[serde(rename = "type")]
    post_type: Option<String>,
    tag: Option<String>,
    author: Option<String>,
}

/// Reads one notification's payload; `None` for another schema's or one we cannot read (which
/// is then treated as "everything changed" by the caller's choice, see [`ChangeListener::next`]).
fn parse(payload: &str, schema: &str) -> Option<Option<Announced>> {
    let Ok(payload) = serde_json::from_str::<Payload>(payload) else { return Some(None) };
    if payload.schema != schema {
        return None;
    }
    let id = |value: Option<String>| value.and_then(|v| ObjectId::parse(&v).ok());
    Some(match payload.kind.as_str() {
        "post" => id(payload.id).map(|post| Announced::Post {
            id: post,
            post_type: payload.post_type.as_deref().and_then(PostType::parse),
            tag: id(payload.tag),
            author: id(payload.author),
        }),
        "tag" => id(payload.id).map(Announced::Tag),
        "author" => id(payload.id).map(Announced::Author),
        "narration" => id(payload.id).map(Announced::Narration),
        "settings" => Some(Announced::Settings),
        "feed" => id(payload.id).map(Announced::FeedItem),
        "picks" => Some(Announced::Picks),
        "campaigns" => Some(Announced::Campaigns),
        _ => Some(Announced::Everything),
    })
}

/// Listens for the changes every instance commits to one PostgreSQL schema.
pub struct ChangeListener {
    pool: PgPool,
    schema: String,
    listener: Option<PgListener>,
}

impl Db {
    /// A listener for committed changes, or `None` on SQLite (one process, changes in memory).
    pub async fn change_listener(&self) -> Result<Option<ChangeListener>> {
        let Pools::Postgres(pool) = self.pools() else { return Ok(None) };
        let schema: String = sqlx::query_scalar("SELECT current_schema()::text").fetch_one(pool).await?;
        let mut listener = ChangeListener { pool: pool.clone(), schema, listener: None };
        listener.connect().await?;
        Ok(Some(listener))
    }
}

impl ChangeListener {
    async fn connect(&mut self) -> Result<()> {
        let mut listener = PgListener::connect_with(&self.pool).await?;
        // A lost connection is reported (`Ok(None)`) rather than silently re-established.
        listener.eager_reconnect(false);
        listener.listen(CHANNEL).await?;
        self.listener = Some(listener);
        Ok(())
    }

    /// The next change committed to this schema. When the listening connection is lost, this
    /// keeps trying to listen again (every `retry`), then answers [`Heard::Lost`].
    pub async fn next(&mut self, retry: Duration) -> Heard {
        loop {
            let heard = match self.listener.as_mut() {
                Some(listener) => listener.try_recv().await,
                None => Ok(None),
            };
            match heard {
                Ok(Some(notification)) => match parse(notification.payload(), &self.schema) {
                    Some(Some(change)) => return Heard::Change(change),
                    // A payload we cannot read still says that something changed.
                    Some(None) => return Heard::Change(Announced::Everything),
                    None => continue,
                },
                Ok(None) | Err(_) => {
                    self.listener = None;
                    loop {
                        match self.connect().await {
                            Ok(()) => return Heard::Lost,
                            Err(error) => {
                                tracing::warn!(%error, "cannot listen for other instances' changes; retrying");
                                tokio::time::sleep(retry).await;
                            }
                        }
                    }
                }
            }
        }
    }

    /// A change already received and waiting, if there is one, without waiting for more. A
    /// lost connection is left for the next [`ChangeListener::next`] to report.
    pub async fn ready(&mut self) -> Option<Heard> {
        loop {
            let listener = self.listener.as_mut()?;
            match tokio::time::timeout(Duration::from_millis(1), listener.try_recv()).await {
                Err(_elapsed) => return None,
                Ok(Ok(Some(notification))) => match parse(notification.payload(), &self.schema) {
                    Some(Some(change)) => return Some(Heard::Change(change)),
                    Some(None) => return Some(Heard::Change(Announced::Everything)),
                    None => continue,
                },
                Ok(Ok(None) | Err(_)) => {
                    self.listener = None;
                    return None;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_name_what_changed_and_other_schemas_are_ignored() {
        let post = ObjectId::new();
        let tag = ObjectId::new();
        let payload = format!(r#"{{"schema": "public", "kind": "post", "id": "{post}", "tag": "{tag}"}}"#);
        assert_eq!(
            parse(&payload, "public"),
            Some(Some(Announced::Post { id: post.clone(), post_type: None, tag: Some(tag), author: None }))
        );
        assert_eq!(parse(&payload, "mt_other"), None, "another site's schema");
        let page = format!(r#"{{"schema": "public", "kind": "post", "id": "{post}", "type": "page"}}"#);
        assert!(matches!(parse(&page, "public"), Some(Some(Announced::Post { post_type: Some(PostType::Page), .. }))));
        assert_eq!(parse(r#"{"schema": "public", "kind": "settings"}"#, "public"), Some(Some(Announced::Settings)));
        assert_eq!(parse(r#"{"schema": "public", "kind": "everything"}"#, "public"), Some(Some(Announced::Everything)));
        let item = ObjectId::new();
        let feed = format!(r#"{{"schema": "public", "kind": "feed", "id": "{item}"}}"#);
        assert_eq!(parse(&feed, "public"), Some(Some(Announced::FeedItem(item))));
        assert_eq!(parse(r#"{"schema": "public", "kind": "picks"}"#, "public"), Some(Some(Announced::Picks)));
        assert_eq!(parse(r#"{"schema": "public", "kind": "campaigns"}"#, "public"), Some(Some(Announced::Campaigns)));
        assert_eq!(parse("not json", "public"), Some(None), "unreadable: the caller assumes everything");
    }
}
