//! The change bus: what changed, announced after commit to whoever shows it (the page cache, a
//! CDN in front, and later search), whether the change was made by this instance or, on
//! PostgreSQL, by another one.
//!
//! A change made here is published by the use case that made it, once its transaction has
//! committed. Changes made by other instances arrive through PostgreSQL: triggers announce every
//! committed change on a channel (see `masthead_storage::ChangeListener`), and
//! [`Newsroom::run_change_listener`] publishes what it hears as announced changes. When that
//! connection is lost, nobody can say what was missed, so the listener publishes
//! [`ContentChange::Everything`] once it listens again.

use std::sync::{Arc, RwLock};
use std::time::Duration;

use masthead_core::{ObjectId, PostType};
use masthead_storage::{Announced, Heard};
use tokio::sync::watch;

use crate::Newsroom;

/// Something readers can see has changed. Listeners decide what to do about it.
#[derive(Clone, Debug, PartialEq)]
pub enum ContentChange {
    /// A post or page was created, edited or deleted. The tags and authors are those it had
    /// before and after the change, so lists it left are refreshed as well as lists it joined.
    Post {
        id: ObjectId,
        post_type: PostType,
        tag_ids: Vec<ObjectId>,
        author_ids: Vec<ObjectId>,
    },
    Tag(ObjectId),
    Author(ObjectId),
    /// A story's narration became ready or went away: its page and API answers change, while
    /// its place in lists and what its card shows do not.
    Narration(ObjectId),
    Settings,
    /// A live feed item was added, edited, pinned or deleted.
    FeedItem(ObjectId),
    /// The editors' picks changed.
    Picks,
    /// A goal campaign was added, edited or deleted, or its kept count changed: every page
    /// showing the campaign strip or block.
    Campaigns,
    /// Bulk changes such as seeding or importing, or changes nobody can name (a lost listener).
    Everything,
}

/// Where a change was made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// By this instance.
    Here,
    /// By another instance (or by this one, heard back through the database).
    Announced,
}

type Listener = Arc<dyn Fn(&ContentChange, Origin) + Send + Sync>;

/// Calls every listener synchronously: for changes made here, after the change is committed, so
/// when a write returns no stale page is served any more on this instance.
#[derive(Clone, Default)]
pub struct ChangeBus {
    listeners: Arc<RwLock<Vec<Listener>>>,
}

impl std::fmt::Debug for ChangeBus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ChangeBus")
    }
}

impl ChangeBus {
    /// Hears every change, wherever it was made.
    pub fn subscribe(&self, listener: impl Fn(&ContentChange) + Send + Sync + 'static) {
        self.subscribe_with_origin(move |change, _| listener(change));
    }

    /// Hears every change and where it was made (work to do once per change, such as purging a
    /// CDN, is done for changes made here).
    pub fn subscribe_with_origin(&self, listener: impl Fn(&ContentChange, Origin) + Send + Sync + 'static) {
        if let Ok(mut listeners) = self.listeners.write() {
            listeners.push(Arc::new(listener));
        }
    }

    /// A change made by this instance.
    pub fn publish(&self, change: &ContentChange) {
        self.deliver(change, Origin::Here);
    }

    /// A change another instance made, heard through the database.
    pub fn publish_announced(&self, change: &ContentChange) {
        self.deliver(change, Origin::Announced);
    }

    fn deliver(&self, change: &ContentChange, origin: Origin) {
        let listeners = match self.listeners.read() {
            Ok(listeners) => listeners.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        };
        for listener in listeners {
            listener(change, origin);
        }
    }
}

/// More announcements than this arriving together (an import on another instance) are taken as
/// "everything changed": one sweep instead of thousands.
const BURST: usize = 200;

fn content_change(announced: Announced) -> ContentChange {
    match announced {
        Announced::Post { id, post_type, tag, author } => ContentChange::Post {
            id,
            post_type: post_type.unwrap_or(PostType::Post),
            tag_ids: tag.into_iter().collect(),
            author_ids: author.into_iter().collect(),
        },
        Announced::Tag(id) => ContentChange::Tag(id),
        Announced::Author(id) => ContentChange::Author(id),
        Announced::Narration(id) => ContentChange::Narration(id),
        Announced::Settings => ContentChange::Settings,
        Announced::FeedItem(id) => ContentChange::FeedItem(id),
        Announced::Picks => ContentChange::Picks,
        Announced::Campaigns => ContentChange::Campaigns,
        Announced::Everything => ContentChange::Everything,
    }
}

impl Newsroom {
    /// On PostgreSQL, hears the changes every instance commits and publishes them on this
    /// instance's bus, until `shutdown`. Returns at once on SQLite.
    pub async fn run_change_listener(&self, mut shutdown: watch::Receiver<bool>) {
        let mut listener = loop {
            match self.db.change_listener().await {
                Ok(Some(listener)) => break listener,
                Ok(None) => return,
                Err(error) => {
                    tracing::warn!(%error, "cannot listen for other instances' changes yet; retrying");
                    tokio::select! {
                        () = tokio::time::sleep(Duration::from_secs(1)) => continue,
                        _ = shutdown.changed() => return,
                    }
                }
            }
        };
        tracing::info!("listening for changes made by other instances");
        loop {
            let heard = tokio::select! {
                heard = listener.next(Duration::from_secs(1)) => heard,
                _ = shutdown.changed() => return,
            };
            let mut batch = vec![heard];
            while batch.len() <= BURST {
                match listener.ready().await {
                    Some(more) => batch.push(more),
                    None => break,
                }
            }
            if batch.len() > BURST || batch.contains(&Heard::Lost) {
                if batch.contains(&Heard::Lost) {
                    tracing::warn!("listening again after a lost connection: forgetting every cached page");
                }
                self.changes.publish_announced(&ContentChange::Everything);
                continue;
            }
            for heard in batch {
                if let Heard::Change(change) = heard {
                    self.changes.publish_announced(&content_change(change));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    #[test]
    fn listeners_hear_where_a_change_was_made() {
        let bus = ChangeBus::default();
        let heard: Arc<Mutex<Vec<Origin>>> = Arc::default();
        let all = heard.clone();
        bus.subscribe_with_origin(move |_, origin| all.lock().expect("lock").push(origin));
        bus.publish(&ContentChange::Settings);
        bus.publish_announced(&ContentChange::Settings);
        assert_eq!(*heard.lock().expect("lock"), [Origin::Here, Origin::Announced]);
    }

    #[test]
    fn announced_links_refresh_the_lists_they_touch() {
        let (post, tag) = (ObjectId::new(), ObjectId::new());
        let change =
            content_change(Announced::Post { id: post.clone(), post_type: None, tag: Some(tag.clone()), author: None });
        assert_eq!(
            change,
            ContentChange::Post { id: post, post_type: PostType::Post, tag_ids: vec![tag], author_ids: vec![] }
        );
    }
}
