//! Masthead's domain: identifiers, content types and the pure rules that govern them.
//!
//! Nothing here performs I/O. Types parse their input once (`Slug::parse`, `ObjectId::parse`)
//! so that every other layer can rely on them being valid.

pub mod access;
pub mod campaigns;
pub mod content;
pub mod id;
pub mod members;
pub mod narration;
pub mod nql;
pub mod reading_time;
pub mod roles;
pub mod search;
pub mod settings;
pub mod slug;
pub mod text;
pub mod tiers;

pub use access::{MEMBERS_ONLY_MARKER, Reader, Readership, TierType};
pub use campaigns::{Campaign, CampaignMetric, CampaignState, WhenReached};
pub use content::{AuthorKind, Post, PostStatus, PostType, StaffStatus, StaffUser, Tag, TagVisibility, Visibility};
pub use id::ObjectId;
pub use members::{
    EmailAddress, EmailError, EmailStatus, Label, Member, MemberStatus, Newsletter, NewsletterStatus, Segment,
    SuppressionReason,
};
pub use roles::{Actor, Permission, Role};
pub use settings::{NarrationSettings, NavigationItem, SiteSettings, Timezone, UnsafeLink, check_link};
pub use slug::Slug;
pub use tiers::{Cadence, Currency, Tier, TierVisibility};

/// The current time as Masthead stores it: UTC, whole seconds.
pub fn now() -> time::OffsetDateTime {
    to_stored_time(time::OffsetDateTime::now_utc())
}

/// Normalises a timestamp to how it is stored (UTC, whole seconds), so values sort the same on
/// every backend and round-trip exactly.
pub fn to_stored_time(t: time::OffsetDateTime) -> time::OffsetDateTime {
    let t = t.to_offset(time::UtcOffset::UTC);
    t.replace_nanosecond(0).unwrap_or(t)
}

/// Widths of the resized variants made for every local image, served at
/// `/content/images/size/w{width}/...` (Ghost's layout) and offered in `srcset`.
pub const IMAGE_WIDTHS: [u32; 3] = [480, 960, 1440];
