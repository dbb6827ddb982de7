//! Masthead's use cases: what staff and readers can do, independent of HTTP.
//!
//! [`Newsroom`] owns the database, the media store and the change bus. Every content change goes
//! through it, so the page cache (and, later, search, webhooks and other instances) hear about
//! each change exactly where it happens.

mod changes;
pub mod corrections;
pub mod demo;
mod error;
pub mod jobs;
mod management;
mod posts;
pub mod staff;

pub use changes::{ChangeBus, ContentChange};
pub use error::AppError;
pub use posts::{PostBody, PostInput};

use masthead_media::MediaStore;
use masthead_storage::Db;

#[derive(Clone, Debug)]
pub struct Newsroom {
    pub db: Db,
    pub media: MediaStore,
    pub changes: ChangeBus,
    pub jobs: jobs::JobSignal,
}

impl Newsroom {
    pub fn new(db: Db, media: MediaStore) -> Self {
        Self { db, media, changes: ChangeBus::default(), jobs: jobs::JobSignal::default() }
    }
}
