//! Exporting the newsroom as a Ghost JSON export, so a newsroom can leave Masthead (or move
//! between Masthead sites) with its content: posts and pages with their ordered authors and
//! tags, tags, staff and their roles, newsletters and the site settings Ghost knows.
//!
//! Rows have the raw-table shapes Ghost's importer reads (`posts`, `posts_meta`, `posts_tags`,
//! `posts_authors`, `users`, `roles`, `roles_users`, ...), with `html` as the body: Ghost
//! converts HTML itself when a post has no Lexical. This site's own absolute URLs become
//! `__GHOST_URL__`, so the file restores on any domain. Nothing secret leaves: no password
//! hashes, no sessions or tokens, no members (they move as CSV).

use masthead_core::{Newsletter, Post, PostStatus, Role, SiteSettings, StaffStatus, StaffUser, Tag};
use masthead_render::escape_html;
use serde_json::{Value, json};

use crate::ghost::format::{
    EXPORT_VERSION, format_time, html_to_placeholder, lexical_to_placeholder, to_placeholder, url_to_placeholder,
};
use crate::{AppError, Newsroom};

/// The domain of the address a guest contributor is exported with (see `Exporter::user`).
pub const GUEST_EMAIL_DOMAIN: &str = "guest.invalid";

pub fn guest_export_email(slug: &str) -> String {
    format!("{slug}@{GUEST_EMAIL_DOMAIN}")
}

/// Ghost's role names, in the order of its `roles` table.
const ROLES: [Role; 5] = [Role::Administrator, Role::Editor, Role::Author, Role::Contributor, Role::Owner];

impl Newsroom {
    /// The whole newsroom as Ghost's export file; see [`export_ghost`].
    pub async fn export_ghost(&self, site_url: &str) -> Result<Value, AppError> {
        export_ghost(self, site_url).await
    }
}

/// The newsroom as `{"db":[{"meta":{...},"data":{...}}]}`. `site_url` is this site's public
/// URL; links and images under it are written with Ghost's `__GHOST_URL__` placeholder.
pub async fn export_ghost(newsroom: &Newsroom, site_url: &str) -> Result<Value, AppError> {
    let posts = newsroom.db.all_posts().await?;
    let tags = newsroom.db.tags_with_counts().await?;
    // Guest contributors too: their stories' `posts_authors` rows point at them.
    let staff = newsroom.db.authors().await?;
    let newsletters = newsroom.db.newsletters(true).await?;
    let settings = newsroom.db.site_settings().await?;
    let tiers = newsroom.tiers().await?;
    let exporter = Exporter { site_url };

    let mut post_rows = Vec::with_capacity(posts.len());
    let mut meta_rows = Vec::with_capacity(posts.len());
    let mut tag_links = Vec::new();
    let mut author_links = Vec::new();
    let mut tier_links = Vec::new();
    for post in &posts {
        post_rows.push(exporter.post(post));
        meta_rows.push(exporter.post_meta(post));
        for (order, tag) in post.tags.iter().enumerate() {
            tag_links.push(json!({
                "id": masthead_core::ObjectId::new(),
                "post_id": post.id,
                "tag_id": tag.id,
                "sort_order": order,
            }));
        }
        for (order, author) in post.authors.iter().enumerate() {
            author_links.push(json!({
                "id": masthead_core::ObjectId::new(),
                "post_id": post.id,
                "author_id": author.id,
                "sort_order": order,
            }));
        }
        for (order, tier) in post.tiers.iter().enumerate() {
            tier_links.push(json!({
                "id": masthead_core::ObjectId::new(),
                "post_id": post.id,
                "product_id": tier,
                "sort_order": order,
            }));
        }
    }
    // Role ids only have to be consistent inside the file.
    let roles: Vec<(Role, masthead_core::ObjectId)> =
        ROLES.iter().map(|role| (*role, masthead_core::ObjectId::new())).collect();
    let role_rows: Vec<Value> = roles
        .iter()
        .map(|(role, id)| json!({ "id": id, "name": role.label(), "description": format!("{}s", role.label()) }))
        .collect();
    let mut role_links = Vec::with_capacity(staff.len());
    for user in &staff {
        if let Some((_, role_id)) = roles.iter().find(|(role, _)| *role == user.role) {
            role_links.push(json!({ "id": masthead_core::ObjectId::new(), "role_id": role_id, "user_id": user.id }));
        }
    }
    // Benefits are shared by name between tiers, as in Ghost.
    let mut benefit_rows: Vec<Value> = Vec::new();
    let mut benefit_links = Vec::new();
    for tier in &tiers {
        for (order, name) in tier.benefits.iter().enumerate() {
            let id = match benefit_rows.iter().find(|b| b["name"] == name.as_str()) {
                Some(row) => row["id"].clone(),
                None => {
                    let id = json!(masthead_core::ObjectId::new());
                    let slug = masthead_core::Slug::from_title(name).map(|s| s.as_str().to_owned());
                    benefit_rows.push(json!({
                        "id": id,
                        "name": name,
                        "slug": slug,
                        "created_at": format_time(tier.created_at),
                        "updated_at": format_time(tier.updated_at),
                    }));
                    id
                }
            };
            benefit_links.push(json!({
                "id": masthead_core::ObjectId::new(),
                "product_id": tier.id,
                "benefit_id": id,
                "sort_order": order,
            }));
        }
    }
    let exported_on = time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000;
    Ok(json!({
        "db": [{
            "meta": { "exported_on": exported_on, "version": EXPORT_VERSION },
            "data": {
                "posts": post_rows,
                "posts_meta": meta_rows,
                "posts_tags": tag_links,
                "posts_authors": author_links,
                "posts_products": tier_links,
                "tags": tags.iter().map(|t| exporter.tag(&t.tag)).collect::<Vec<_>>(),
                "users": staff.iter().map(|u| exporter.user(u)).collect::<Vec<_>>(),
                "roles": role_rows,
                "roles_users": role_links,
                "newsletters": newsletters.iter().map(newsletter).collect::<Vec<_>>(),
                "settings": exporter.settings(&settings),
                "products": tiers.iter().map(|t| exporter.tier(t)).collect::<Vec<_>>(),
                "benefits": benefit_rows,
                "products_benefits": benefit_links,
            }
        }]
    }))
}

struct Exporter<'a> {
    site_url: &'a str,
}

impl Exporter<'_> {
    fn url(&self, value: &Option<String>) -> Value {
        match value {
            Some(url) => Value::String(url_to_placeholder(url, self.site_url)),
            None => Value::Null,
        }
    }

    fn post(&self, post: &Post) -> Value {
        json!({
            "id": post.id,
            "uuid": post.uuid,
            "title": post.title,
            "slug": post.slug,
            "mobiledoc": null,
            "lexical": post.lexical.as_deref().map(|l| lexical_to_placeholder(l, self.site_url)),
            "html": html_to_placeholder(&post.html, self.site_url),
            "comment_id": post.id,
            "plaintext": post.plaintext,
            "feature_image": self.url(&post.feature_image),
            "featured": post.featured,
            "type": post.post_type,
            "status": post.status,
            "locale": null,
            "visibility": post.visibility,
            "email_recipient_filter": if post.status == PostStatus::Sent { "all" } else { "none" },
            "created_at": format_time(post.created_at),
            "updated_at": format_time(post.updated_at),
            "published_at": post.published_at.map(format_time),
            "custom_excerpt": post.custom_excerpt,
            "codeinjection_head": null,
            "codeinjection_foot": null,
            "custom_template": null,
            "canonical_url": self.url(&post.canonical_url),
            "newsletter_id": null,
            "show_title_and_feature_image": true,
        })
    }

    fn post_meta(&self, post: &Post) -> Value {
        json!({
            "id": masthead_core::ObjectId::new(),
            "post_id": post.id,
            "og_image": self.url(&post.og_image),
            "og_title": post.og_title,
            "og_description": post.og_description,
            "twitter_image": self.url(&post.twitter_image),
            "twitter_title": post.twitter_title,
            "twitter_description": post.twitter_description,
            "meta_title": post.meta_title,
            "meta_description": post.meta_description,
            "email_subject": null,
            "frontmatter": null,
            "feature_image_alt": post.feature_image_alt,
            // Ghost's captions are HTML; ours are text.
            "feature_image_caption": post.feature_image_caption.as_deref().map(escape_html),
            "email_only": post.status == PostStatus::Sent,
        })
    }

    fn tag(&self, tag: &Tag) -> Value {
        json!({
            "id": tag.id,
            "name": tag.name,
            "slug": tag.slug,
            "description": tag.description,
            "feature_image": self.url(&tag.feature_image),
            "parent_id": null,
            "visibility": tag.visibility,
            "og_image": self.url(&tag.og_image),
            "og_title": tag.og_title,
            "og_description": tag.og_description,
            "twitter_image": self.url(&tag.twitter_image),
            "twitter_title": tag.twitter_title,
            "twitter_description": tag.twitter_description,
            "meta_title": tag.meta_title,
            "meta_description": tag.meta_description,
            "codeinjection_head": tag.codeinjection_head,
            "codeinjection_foot": tag.codeinjection_foot,
            "canonical_url": self.url(&tag.canonical_url),
            "accent_color": tag.accent_color,
            "created_at": format_time(tag.created_at),
            "updated_at": format_time(tag.updated_at),
        })
    }

    /// A staff row without any credential: Ghost's importer asks imported staff to reset
    /// their password anyway. Ghost has no guest contributors and requires an email address of
    /// every user, so a guest is written as a suspended contributor (Ghost counts no seat for
    /// one) at `<slug>@guest.invalid`, an address that can never receive mail (RFC 2606), which
    /// our importer reads back as a guest.
    fn user(&self, user: &StaffUser) -> Value {
        let email = if user.is_guest() { guest_export_email(user.slug.as_str()) } else { user.email.clone() };
        json!({
            "id": user.id,
            "name": user.name,
            "slug": user.slug,
            "email": email,
            "profile_image": self.url(&user.profile_image),
            "cover_image": self.url(&user.cover_image),
            "bio": user.bio,
            "website": self.url(&user.website),
            "location": user.location,
            "facebook": user.facebook,
            "twitter": user.twitter,
            // Ghost: `inactive` is suspended; `locked` must set a password first (our invited).
            "status": match user.status {
                _ if user.is_guest() => "inactive",
                StaffStatus::Active => "active",
                StaffStatus::Suspended => "inactive",
                StaffStatus::Invited => "locked",
            },
            "locale": null,
            "visibility": "public",
            "meta_title": user.meta_title,
            "meta_description": user.meta_description,
            "created_at": format_time(user.created_at),
            "updated_at": format_time(user.updated_at),
        })
    }

    /// The settings Ghost has, as its `{key, value, group, type}` rows; values are text, lists
    /// are JSON text. `publisher_name` is ours alone and stays behind.
    fn settings(&self, settings: &SiteSettings) -> Vec<Value> {
        let navigation = |items: &[masthead_core::NavigationItem]| -> Vec<masthead_core::NavigationItem> {
            items
                .iter()
                .map(|item| masthead_core::NavigationItem {
                    label: item.label.clone(),
                    // Ghost keeps navigation site-relative and does not resolve the placeholder
                    // inside settings on import: only this site's absolute addresses change.
                    url: to_placeholder(&item.url, self.site_url),
                })
                .collect()
        };
        let entries: Vec<(&str, &str, &str, Value)> = vec![
            ("title", "site", "string", json!(settings.title)),
            ("description", "site", "string", json!(settings.description)),
            ("logo", "site", "string", self.url(&settings.logo)),
            ("icon", "site", "string", self.url(&settings.icon)),
            ("cover_image", "site", "string", self.url(&settings.cover_image)),
            ("accent_color", "site", "string", json!(settings.accent_color)),
            ("timezone", "site", "string", json!(settings.timezone.as_str())),
            ("locale", "site", "string", json!(settings.locale)),
            ("navigation", "site", "array", json!(json_text(&navigation(&settings.navigation)))),
            ("secondary_navigation", "site", "array", json!(json_text(&navigation(&settings.secondary_navigation)))),
            ("twitter", "site", "string", json!(settings.twitter)),
            ("facebook", "site", "string", json!(settings.facebook)),
            ("meta_title", "site", "string", json!(settings.meta_title)),
            ("meta_description", "site", "string", json!(settings.meta_description)),
            ("og_image", "site", "string", self.url(&settings.og_image)),
            ("og_title", "site", "string", json!(settings.og_title)),
            ("og_description", "site", "string", json!(settings.og_description)),
            ("twitter_image", "site", "string", self.url(&settings.twitter_image)),
            ("twitter_title", "site", "string", json!(settings.twitter_title)),
            ("twitter_description", "site", "string", json!(settings.twitter_description)),
            ("blocked_email_domains", "members", "array", json!(json_text(&settings.blocked_email_domains))),
        ];
        entries
            .into_iter()
            .map(|(key, group, kind, value)| {
                json!({ "id": masthead_core::ObjectId::new(), "group": group, "key": key, "value": value, "type": kind })
            })
            .collect()
    }
}

/// A list as Ghost stores it in a setting: JSON text.
fn json_text<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

impl Exporter<'_> {
    /// A tier as Ghost's `products` row.
    fn tier(&self, tier: &masthead_core::Tier) -> Value {
        json!({
            "id": tier.id,
            "name": tier.name,
            "slug": tier.slug,
            "active": tier.active,
            "welcome_page_url": self.url(&tier.welcome_page_url),
            "visibility": tier.visibility,
            "trial_days": tier.trial_days,
            "description": tier.description,
            "type": tier.tier_type,
            "currency": tier.currency.as_ref().map(|c| c.as_str().to_ascii_uppercase()),
            "monthly_price": tier.monthly_price,
            "yearly_price": tier.yearly_price,
            "created_at": format_time(tier.created_at),
            "updated_at": format_time(tier.updated_at),
        })
    }
}

fn newsletter(n: &Newsletter) -> Value {
    json!({
        "id": n.id,
        "uuid": n.uuid,
        "name": n.name,
        "description": n.description,
        "slug": n.slug,
        "sender_name": n.sender_name,
        "sender_email": n.sender_email,
        // Ghost's default: replies go to the sender.
        "sender_reply_to": n.sender_reply_to.clone().unwrap_or_else(|| "newsletter".to_owned()),
        "status": n.status,
        "visibility": "members",
        "subscribe_on_signup": n.subscribe_on_signup,
        "sort_order": n.sort_order,
        "created_at": format_time(n.created_at),
        "updated_at": format_time(n.updated_at),
    })
}
