//! The change bus: what changed, announced after commit to whoever shows it (the page cache,
//! and later search and other instances).

use std::sync::{Arc, RwLock};

use masthead_core::{ObjectId, PostType};

/// Something readers can see has changed. Listeners (the page cache today; search, webhooks
/// and other instances later) decide what to do about it.
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
    Settings,
    /// Bulk changes such as seeding or importing.
    Everything,
}

type Listener = Arc<dyn Fn(&ContentChange) + Send + Sync>;

/// Calls every listener synchronously, after the change is committed: when a write returns,
/// no stale page is served any more.
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
    pub fn subscribe(&self, listener: impl Fn(&ContentChange) + Send + Sync + 'static) {
        if let Ok(mut listeners) = self.listeners.write() {
            listeners.push(Arc::new(listener));
        }
    }

    pub fn publish(&self, change: &ContentChange) {
        let listeners = match self.listeners.read() {
            Ok(listeners) => listeners.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        };
        for listener in listeners {
            listener(change);
        }
    }
}
