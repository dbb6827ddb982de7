//! Masthead's use cases: what staff and readers can do, independent of HTTP.
//!
//! [`Newsroom`] owns the database, the media store and the change bus. Every content change goes
//! through it, so the page cache (and, later, search, webhooks and other instances) hear about
//! each change exactly where it happens.
// Ghost's settings object is one large `json!` literal.
#![recursion_limit = "256"]

pub mod archive;
pub mod cdn;
mod changes;
pub mod demo;
mod error;
pub mod ghost;
pub mod integrations;
pub mod jobs;
pub mod mail;
pub mod members;
pub mod narration;
pub mod newsroom;
pub mod payments;
mod search;

pub use changes::{ChangeBus, ContentChange, Origin};
pub use error::AppError;
pub use masthead_search::{IndexStatus, SearchError, SearchIndex, SearchResults};
pub use newsroom::posts::{PostBody, PostInput};

use std::sync::Arc;

use masthead_media::MediaStore;
use masthead_storage::{Db, DbReader};

#[derive(Clone, Debug)]
pub struct Newsroom {
    /// Reads and writes; outside this crate only reads are offered ([`Newsroom::db`]), so every
    /// write goes through a use case.
    pub(crate) db: Db,
    /// Written only by use cases ([`Newsroom::store_image`]); read with [`Newsroom::media_file`].
    pub(crate) media: MediaStore,
    pub changes: ChangeBus,
    pub jobs: jobs::JobSignal,
    pub mailer: mail::Mailer,
    /// Whether webhooks may call private and loopback addresses.
    pub webhook_targets: integrations::webhooks::WebhookTargets,
    /// Where CDN purges go, if a CDN is in front.
    pub cdn_purge: Option<cdn::PurgeHook>,
    /// How payments reach Stripe; without keys, nothing can be paid for.
    pub stripe: payments::StripeConfig,
    /// Asks the campaign counter for a recount ([`Newsroom::membership_changed`]).
    pub(crate) campaign_recount: newsroom::campaigns::RecountSignal,
    /// The voice stories are narrated with ([`Newsroom::with_narrator`]).
    pub(crate) narrator: narration::Narrator,
    /// Content keys recently checked ([`Newsroom::content_key`]).
    pub(crate) content_keys: Arc<integrations::KeyMemory>,
    /// The search index and what keeps it current ([`Newsroom::sync_search`]).
    pub(crate) search: search::Search,
}

impl Newsroom {
    pub fn new(db: Db, media: MediaStore) -> Self {
        Self {
            db,
            media,
            changes: ChangeBus::default(),
            jobs: jobs::JobSignal::default(),
            mailer: mail::Mailer::outbox("http://127.0.0.1:8080"),
            webhook_targets: integrations::webhooks::WebhookTargets::default(),
            cdn_purge: None,
            stripe: payments::StripeConfig::default(),
            campaign_recount: newsroom::campaigns::RecountSignal::default(),
            narrator: narration::Narrator::default(),
            content_keys: Arc::default(),
            search: search::Search::default(),
        }
    }

    /// Read access to the database, for pages, API answers and reports. Writes are use cases.
    pub fn db(&self) -> &DbReader {
        &self.db
    }

    /// Closes the database connections (at the end of a command).
    pub async fn close(&self) {
        self.db.close().await;
    }

    /// The same newsroom, with webhooks allowed (or not) to reach private addresses.
    pub fn with_webhook_targets(mut self, targets: integrations::webhooks::WebhookTargets) -> Self {
        self.webhook_targets = targets;
        self
    }

    /// The same newsroom sending mail through `mailer`.
    pub fn with_mailer(mut self, mailer: mail::Mailer) -> Self {
        self.mailer = mailer;
        self
    }

    pub fn with_stripe(mut self, stripe: payments::StripeConfig) -> Self {
        self.stripe = stripe;
        self
    }
}
