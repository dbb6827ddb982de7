//! Posts, pages, tags and staff as the rest of the system sees them, with Ghost's field names.

use time::OffsetDateTime;

use crate::{ObjectId, Slug};

#[macro_export]
#[doc(hidden)]
macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(rename_all = "lowercase")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn parse(value: &str) -> Option<Self> {
                match value { $($text => Some($name::$variant),)+ _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

string_enum!(
    /// Ghost keeps posts and pages in one table, told apart by `type`.
    PostType { Post = "post", Page = "page" }
);
string_enum!(PostStatus { Draft = "draft", Scheduled = "scheduled", Published = "published", Sent = "sent" });
string_enum!(
    /// Who may read a post. All content is free by default; `members` and `paid` exist for
    /// Ghost compatibility and for newsrooms that want them (the rules are in `access.rs`).
    Visibility { Public = "public", Members = "members", Paid = "paid", Tiers = "tiers" }
);
string_enum!(
    /// Internal tags (names starting with `#`) organise content without ever being shown.
    TagVisibility { Public = "public", Internal = "internal" }
);

string_enum!(
    /// Whether a staff account can sign in. Invited accounts have not set a password yet.
    StaffStatus { Active = "active", Invited = "invited", Suspended = "suspended" }
);

impl TagVisibility {
    pub fn for_name(name: &str) -> Self {
        if name.trim_start().starts_with('#') { Self::Internal } else { Self::Public }
    }
}

#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Tag {
    pub id: ObjectId,
    pub name: String,
    pub slug: Slug,
    pub description: Option<String>,
    pub feature_image: Option<String>,
    pub visibility: TagVisibility,
    pub meta_title: Option<String>,
    pub meta_description: Option<String>,
    pub accent_color: Option<String>,
    pub og_image: Option<String>,
    pub og_title: Option<String>,
    pub og_description: Option<String>,
    pub twitter_image: Option<String>,
    pub twitter_title: Option<String>,
    pub twitter_description: Option<String>,
    pub codeinjection_head: Option<String>,
    pub codeinjection_foot: Option<String>,
    pub canonical_url: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl Tag {
    /// A new tag with only its name and slug: internal when the name starts with `#`, as in
    /// Ghost; every other field empty until staff fill it in.
    pub fn new(name: impl Into<String>, slug: Slug) -> Self {
        let name = name.into();
        let now = crate::now();
        Self {
            id: ObjectId::new(),
            visibility: TagVisibility::for_name(&name),
            name,
            slug,
            description: None,
            feature_image: None,
            meta_title: None,
            meta_description: None,
            accent_color: None,
            og_image: None,
            og_title: None,
            og_description: None,
            twitter_image: None,
            twitter_title: None,
            twitter_description: None,
            codeinjection_head: None,
            codeinjection_foot: None,
            canonical_url: None,
            created_at: now,
            updated_at: now,
        }
    }
}

/// Whether an author is a member of staff, with an account, or a guest contributor (an op-ed
/// writer, a stringer, a partner outlet) who appears in bylines but has no account at all.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AuthorKind {
    #[default]
    Staff,
    Guest,
}

impl AuthorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AuthorKind::Staff => "staff",
            AuthorKind::Guest => "guest",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "staff" => Some(AuthorKind::Staff),
            "guest" => Some(AuthorKind::Guest),
            _ => None,
        }
    }
}

/// An author: a member of staff (as in Ghost, authors of posts are staff users) or a guest
/// contributor.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct StaffUser {
    pub id: ObjectId,
    pub name: String,
    pub slug: Slug,
    /// Empty for a guest contributor, who has no account (stored as NULL).
    #[serde(skip)]
    pub email: String,
    /// A guest's is `Contributor` here and NULL in storage: it grants nothing, since a guest has
    /// no email address or password to sign in with and no session can belong to one. Check
    /// [`StaffUser::is_guest`] before treating this as someone's role.
    pub role: crate::Role,
    #[serde(skip)]
    pub kind: AuthorKind,
    pub status: StaffStatus,
    pub bio: Option<String>,
    pub profile_image: Option<String>,
    pub cover_image: Option<String>,
    pub website: Option<String>,
    pub location: Option<String>,
    pub twitter: Option<String>,
    pub facebook: Option<String>,
    pub meta_title: Option<String>,
    pub meta_description: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl StaffUser {
    /// A staff member with only the required fields; profile fields start empty.
    pub fn new(name: impl Into<String>, slug: Slug, email: impl Into<String>) -> Self {
        let now = crate::now();
        Self {
            id: ObjectId::new(),
            name: name.into(),
            slug,
            email: email.into(),
            role: crate::Role::Contributor,
            kind: AuthorKind::Staff,
            status: StaffStatus::Active,
            bio: None,
            profile_image: None,
            cover_image: None,
            website: None,
            location: None,
            twitter: None,
            facebook: None,
            meta_title: None,
            meta_description: None,
            created_at: now,
            updated_at: now,
        }
    }

    /// A guest contributor: a byline and an author page, no email address, password or role.
    pub fn guest(name: impl Into<String>, slug: Slug) -> Self {
        Self { kind: AuthorKind::Guest, ..Self::new(name, slug, String::new()) }
    }

    pub fn is_guest(&self) -> bool {
        self.kind == AuthorKind::Guest
    }
}

/// A post or page with its ordered authors and tags (the first of each is primary).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Post {
    pub id: ObjectId,
    pub uuid: String,
    #[serde(rename = "type")]
    pub post_type: PostType,
    pub title: String,
    pub slug: Slug,
    /// The Markdown written in our editor, when the post was written here.
    pub markdown: Option<String>,
    /// The Lexical document (Ghost's editor format, JSON), when the story was written in the
    /// rich-text editor or imported with one; `html` is rendered from it.
    pub lexical: Option<String>,
    /// Sanitised HTML, ready to render.
    pub html: String,
    pub plaintext: String,
    pub feature_image: Option<String>,
    pub feature_image_alt: Option<String>,
    pub feature_image_caption: Option<String>,
    /// Photo credit and rights, shown after the caption. Ghost has no field for it.
    pub feature_image_credit: Option<String>,
    pub custom_excerpt: Option<String>,
    pub status: PostStatus,
    pub visibility: Visibility,
    pub featured: bool,
    pub reading_time: i32,
    pub meta_title: Option<String>,
    pub meta_description: Option<String>,
    pub og_image: Option<String>,
    pub og_title: Option<String>,
    pub og_description: Option<String>,
    pub twitter_image: Option<String>,
    pub twitter_title: Option<String>,
    pub twitter_description: Option<String>,
    pub canonical_url: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub published_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    /// When the story itself (title or body) last changed after publication. `updated_at`
    /// moves on any edit, even a retagging; readers are told only about changes to the story.
    #[serde(with = "time::serde::rfc3339::option")]
    pub content_updated_at: Option<OffsetDateTime>,
    pub authors: Vec<StaffUser>,
    pub tags: Vec<Tag>,
    /// The tiers whose members may read a post limited to tiers (`visibility: tiers`), in the
    /// order staff chose them; empty for every other visibility.
    pub tiers: Vec<ObjectId>,
}

/// How long after publication a change to the story must come before the page says "Updated".
pub const MATERIAL_UPDATE_AFTER: time::Duration = time::Duration::minutes(30);

impl Post {
    pub fn primary_author(&self) -> Option<&StaffUser> {
        self.authors.first()
    }

    /// The first public tag: internal tags never act as a section.
    pub fn primary_tag(&self) -> Option<&Tag> {
        self.tags.iter().find(|t| t.visibility == TagVisibility::Public)
    }

    pub fn public_tags(&self) -> impl Iterator<Item = &Tag> {
        self.tags.iter().filter(|t| t.visibility == TagVisibility::Public)
    }

    /// Ghost's `excerpt`: the custom excerpt, or the start of the text.
    pub fn excerpt(&self) -> String {
        match self.custom_excerpt.as_deref().map(str::trim) {
            Some(custom) if !custom.is_empty() => custom.to_owned(),
            _ => crate::text::truncate_words(&self.plaintext, 500),
        }
    }

    /// The time of the last material update, when it came well after publication.
    pub fn material_update(&self) -> Option<OffsetDateTime> {
        let published = self.published_at?;
        let updated = self.content_updated_at?;
        (updated - published >= MATERIAL_UPDATE_AFTER).then_some(updated)
    }

    /// What `dateModified` in structured data should say.
    pub fn date_modified(&self) -> OffsetDateTime {
        self.material_update().or(self.published_at).unwrap_or(self.updated_at)
    }

    pub fn is_live(&self) -> bool {
        self.status == PostStatus::Published
    }
}

/// A published public post to vary in unit tests.
#[cfg(test)]
pub(crate) mod tests_support {
    use super::*;

    pub fn post(title: &str) -> Post {
        let now = crate::now();
        Post {
            id: ObjectId::new(),
            uuid: "u".into(),
            post_type: PostType::Post,
            title: title.into(),
            slug: Slug::from_title(title).expect("slug"),
            markdown: None,
            lexical: None,
            html: String::new(),
            plaintext: String::new(),
            feature_image: None,
            feature_image_alt: None,
            feature_image_caption: None,
            feature_image_credit: None,
            custom_excerpt: None,
            status: PostStatus::Published,
            visibility: Visibility::Public,
            featured: false,
            reading_time: 1,
            meta_title: None,
            meta_description: None,
            og_image: None,
            og_title: None,
            og_description: None,
            twitter_image: None,
            twitter_title: None,
            twitter_description: None,
            canonical_url: None,
            published_at: Some(now),
            created_at: now,
            updated_at: now,
            content_updated_at: None,
            authors: Vec::new(),
            tags: Vec::new(),
            tiers: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enums_round_trip_through_text() {
        for status in PostStatus::ALL {
            assert_eq!(PostStatus::parse(status.as_str()), Some(*status));
        }
        assert_eq!(PostType::parse("page"), Some(PostType::Page));
        assert_eq!(Visibility::parse("everyone"), None);
    }

    #[test]
    fn internal_tags_are_named_with_a_hash() {
        assert_eq!(TagVisibility::for_name("#breaking"), TagVisibility::Internal);
        assert_eq!(TagVisibility::for_name("War"), TagVisibility::Public);
    }
}
