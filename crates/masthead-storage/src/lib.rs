//! Masthead's storage: one API over SQLite (the zero-configuration default) and PostgreSQL
//! (for several instances behind a load balancer).
//!
//! Queries are plain SQL in the subset both databases share (`$1` placeholders, `RETURNING`,
//! `ON CONFLICT`). [`on_db!`] runs the same statement text on whichever pool is live, so a
//! dialect difference shows up in the dual-database test suite rather than in production.
//! Migrations live in `migrations/sqlite` and `migrations/postgres` with the same versions.

mod campaigns;
mod changes;
mod db;
mod emails;
mod error;
mod feed;
mod filter;
mod integrations;
mod jobs;
mod member_emails;
mod member_history;
mod members;
mod narrations;
mod notes;
mod pagination;
mod payments;
mod posts;
mod presence;
mod request_counts;
mod search;
mod settings;
mod staff;
mod tags;
mod tiers;
mod users;

pub use campaigns::CampaignContent;
pub use changes::{Announced, ChangeListener, Heard};
pub(crate) use db::on_db;
pub use db::{Backend, DEFAULT_ACQUIRE_TIMEOUT, Db, DbReader, PoolSettings, sqlite_file};
pub use emails::{
    ClaimedMail, ClaimedRecipient, EmailProgress, EmailRecord, FailedRecipient, MailCredential, NewEmail, OutgoingMail,
};
pub use error::StorageError;
pub use feed::{FeedCursor, FeedItem, FeedItemContent};
pub use filter::{FilterError, Listing, Resource, Scope};
pub use integrations::{ApiKeyRecord, IntegrationRecord, WebhookRecord};
pub use jobs::{ClaimedJob, JobChange, JobQueue, JobRecord, NewJob};
pub use member_emails::{MemberEmailSend, MemberEmailTemplate};
pub use member_history::{CampaignProgress, MemberEvent, MemberGrowth, MemberTier, MemberTotals, TierChoice};
pub use members::{MemberFilter, MemberToken, NewMember, Suppression};
pub use narrations::{FinishedNarration, NarrationRecord, Pronunciation, narration_job_key};
pub use notes::{MAX_REVISIONS, PostNote, PostRevision};
pub use pagination::{PageRequest, Paginated};
pub use payments::{DonationRecord, LIVE_SUBSCRIPTION_STATUSES, MembershipMove, StripeEventId, SubscriptionRecord};
pub use posts::{
    AdminPostFilter, AdminPostOrder, ImportedPost, ListMarks, NewsletterChoice, PostExtras, PostImportSource, PostList,
    PostRecord, SitemapEntry,
};
pub use search::{SearchChange, SearchSource};
pub use staff::{LiveSession, OutboxMessage, SessionRecord};
pub use tags::{TagRecord, TagWithCount};
pub use users::{AuthorWithCount, GuestDeletion, GuestProfile, UserRecord};

pub type Result<T, E = StorageError> = std::result::Result<T, E>;
