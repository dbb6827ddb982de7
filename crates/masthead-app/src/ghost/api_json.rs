//! Resources as Ghost's APIs (and webhooks) show them: Ghost's field names, nulls for what we
//! do not have, times as Ghost writes them (UTC `2026-11-30T08:00:00.000Z`; posts and pages on
//! the Content API in the site's time zone, `2026-11-30T10:00:00.000+02:00`), absolute URLs.

use masthead_core::{Member, Newsletter, Post, PostType, Reader, SiteSettings, StaffUser, Tag, TagVisibility};
use masthead_render::gating::{Cut, seen_with};
use serde_json::{Map, Value, json};
use time::OffsetDateTime;
use time::macros::format_description;

/// The Ghost version whose API Masthead speaks (major.minor), sent as `Content-Version`.
pub const API_VERSION: &str = "v6.65";

/// Which API a resource is shown on: the Admin API shows drafts' fields and staff details.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Audience {
    Content,
    Admin,
}

/// How to show resources for one request.
pub struct Shape<'a> {
    pub site_url: &'a str,
    pub audience: Audience,
    pub include: &'a [String],
    pub formats: &'a [String],
    pub fields: &'a [String],
    /// The site's time zone: the Content API writes posts' and pages' times in it.
    pub timezone: jiff::tz::TimeZone,
    /// The site's tiers, for the `tiers` of posts and pages on the Admin API (empty elsewhere).
    pub tiers: Vec<masthead_core::Tier>,
}

impl Shape<'_> {
    /// Ghost's APIs give absolute URLs; ours are stored site-relative (`/content/images/...`).
    pub fn absolute(&self, url: &Option<String>) -> Value {
        absolute_url(self.site_url, url)
    }

    /// Site-relative links and images in a body made absolute, so the HTML works on any front end.
    pub fn absolute_html(&self, html: &str) -> String {
        html.replace("src=\"/content/", &format!("src=\"{}/content/", self.site_url))
            .replace("srcset=\"/content/", &format!("srcset=\"{}/content/", self.site_url))
            .replace(", /content/", &format!(", {}/content/", self.site_url))
            .replace("href=\"/", &format!("href=\"{}/", self.site_url))
            .replace(&format!("href=\"{}//", self.site_url), "href=\"//")
    }

    /// A post's or page's time: in the site's time zone with that date's offset on the Content
    /// API, in UTC on the Admin API (as Ghost 6 writes them).
    fn post_time(&self, at: OffsetDateTime) -> String {
        match self.audience {
            Audience::Content => local_time(&self.timezone, at),
            Audience::Admin => ghost_time(at),
        }
    }

    fn includes(&self, what: &str) -> bool {
        self.include.iter().any(|i| i == what)
    }

    /// Whether a post or page on the Admin API shows a relation: the ones asked for, or without
    /// `include` Ghost's defaults (tags, authors with their roles, tiers, counts, and for posts
    /// the email and newsletter).
    fn admin_includes(&self, post_type: PostType, what: &str) -> bool {
        if !self.include.is_empty() {
            return self.includes(what);
        }
        match what {
            "tags" | "authors" | "authors.roles" | "tiers" => true,
            "count.clicks" | "email" | "newsletter" => post_type == PostType::Post,
            "count.signups" | "count.paid_conversions" => post_type == PostType::Page,
            _ => false,
        }
    }

    fn format(&self, what: &str) -> bool {
        if self.formats.is_empty() {
            // Ghost's defaults: HTML on the Content API; the editor's source on the Admin API.
            return match self.audience {
                Audience::Content => what == "html",
                Audience::Admin => matches!(what, "lexical" | "mobiledoc" | "markdown"),
            };
        }
        self.formats.iter().any(|f| f == what)
    }

    /// Keeps only the requested `fields`, as Ghost does: exactly those (no `id` unless asked for),
    /// plus the relations named in `include` (`fields=slug&include=authors` gives `slug` and
    /// `authors`, not `primary_author`); an unknown field leaves `{}`.
    pub fn select(&self, value: Value) -> Value {
        if self.fields.is_empty() {
            return value;
        }
        match value {
            Value::Object(map) => Value::Object(
                map.into_iter()
                    // `reading_time` is worked out, not a column: Ghost's `fields` never give it.
                    .filter(|(k, _)| k != "reading_time")
                    .filter(|(k, _)| {
                        self.fields.iter().any(|f| f == k)
                            || (matches!(k.as_str(), "tags" | "authors" | "tiers") && self.includes(k))
                    })
                    .collect(),
            ),
            other => other,
        }
    }
}

fn absolute_url(site_url: &str, url: &Option<String>) -> Value {
    match url.as_deref() {
        Some(u) if u.starts_with('/') && !u.starts_with("//") => Value::String(format!("{site_url}{u}")),
        Some(u) => Value::String(u.to_owned()),
        None => Value::Null,
    }
}

/// `2019-01-01T10:00:00.000Z`: how Ghost writes times in UTC (the Admin API, tiers, newsletters).
pub fn ghost_time(at: OffsetDateTime) -> String {
    let format = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");
    at.to_offset(time::UtcOffset::UTC).format(&format).unwrap_or_default()
}

/// `2025-03-15T09:15:00.000+02:00`: a time in `zone` with the offset it has on that date, as
/// Ghost's Content API writes posts' times.
pub fn local_time(zone: &jiff::tz::TimeZone, at: OffsetDateTime) -> String {
    let offset = jiff::Timestamp::from_second(at.unix_timestamp())
        .map(|ts| zone.to_offset(ts).seconds())
        .ok()
        .and_then(|seconds| time::UtcOffset::from_whole_seconds(seconds).ok())
        .unwrap_or(time::UtcOffset::UTC);
    let format = format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3][offset_hour sign:mandatory]:[offset_minute]"
    );
    at.to_offset(offset).format(&format).unwrap_or_default()
}

pub fn post_url(site_url: &str, post: &Post) -> String {
    format!("{site_url}/{}/", post.slug)
}

pub fn tag_url(site_url: &str, tag: &Tag) -> String {
    format!("{site_url}/tag/{}/", tag.slug)
}

pub fn author_url(site_url: &str, user: &StaffUser) -> String {
    format!("{site_url}/author/{}/", user.slug)
}

pub fn tag(shape: &Shape<'_>, tag: &Tag, post_count: Option<i64>) -> Value {
    let mut out = json!({
        "id": tag.id.as_str(),
        "name": tag.name,
        "slug": tag.slug.as_str(),
        "description": tag.description,
        "feature_image": shape.absolute(&tag.feature_image),
        "visibility": tag.visibility.as_str(),
        "og_image": shape.absolute(&tag.og_image),
        "og_title": tag.og_title,
        "og_description": tag.og_description,
        "twitter_image": shape.absolute(&tag.twitter_image),
        "twitter_title": tag.twitter_title,
        "twitter_description": tag.twitter_description,
        "meta_title": tag.meta_title,
        "meta_description": tag.meta_description,
        "codeinjection_head": tag.codeinjection_head,
        "codeinjection_foot": tag.codeinjection_foot,
        "canonical_url": tag.canonical_url,
        "accent_color": tag.accent_color,
        // Ghost gives internal tags no page of their own.
        "url": match tag.visibility {
            TagVisibility::Public => tag_url(shape.site_url, tag),
            TagVisibility::Internal => format!("{}/404/", shape.site_url),
        },
    });
    if shape.audience == Audience::Admin {
        insert(&mut out, "created_at", json!(ghost_time(tag.created_at)));
        insert(&mut out, "updated_at", json!(ghost_time(tag.updated_at)));
    }
    if let Some(count) = post_count {
        insert(&mut out, "count", json!({ "posts": count }));
    }
    out
}

pub fn author(shape: &Shape<'_>, user: &StaffUser, post_count: Option<i64>) -> Value {
    author_with_roles(shape, user, post_count, shape.includes("roles"))
}

/// A member of staff; `roles` adds the role as Ghost's role object (Admin API only).
fn author_with_roles(shape: &Shape<'_>, user: &StaffUser, post_count: Option<i64>, roles: bool) -> Value {
    let mut out = json!({
        "id": user.id.as_str(),
        "name": user.name,
        "slug": user.slug.as_str(),
        "profile_image": shape.absolute(&user.profile_image),
        "cover_image": shape.absolute(&user.cover_image),
        "bio": user.bio,
        "website": user.website,
        "location": user.location,
        "facebook": user.facebook,
        "twitter": user.twitter,
        "meta_title": user.meta_title,
        "meta_description": user.meta_description,
        "url": author_url(shape.site_url, user),
    });
    with_other_social_accounts(&mut out);
    if shape.audience == Audience::Admin {
        // A guest contributor has no account: no address and no role (Ghost has no such user).
        let email = (!user.is_guest()).then_some(user.email.as_str());
        insert(&mut out, "email", json!(email));
        insert(&mut out, "status", json!(user.status.as_str()));
        insert(&mut out, "created_at", json!(ghost_time(user.created_at)));
        insert(&mut out, "updated_at", json!(ghost_time(user.updated_at)));
        if roles {
            let roles: Vec<Value> = if user.is_guest() { Vec::new() } else { vec![role(user.role)] };
            insert(&mut out, "roles", json!(roles));
        }
    }
    if let Some(count) = post_count {
        insert(&mut out, "count", json!({ "posts": count }));
    }
    out
}

/// A staff role as Ghost's Admin API shows it. Roles are built in, so their ids are fixed.
pub fn role(role: masthead_core::Role) -> Value {
    use masthead_core::Role;
    let (id, description) = match role {
        Role::Administrator => ("5a0f4d3ad8d4ab0001000001", "Administrators"),
        Role::Editor => ("5a0f4d3ad8d4ab0001000002", "Editors"),
        Role::Author => ("5a0f4d3ad8d4ab0001000003", "Authors"),
        Role::Contributor => ("5a0f4d3ad8d4ab0001000004", "Contributors"),
        Role::Owner => ("5a0f4d3ad8d4ab0001000005", "Blog Owner"),
    };
    json!({
        "id": id,
        "name": role.label(),
        "description": description,
        "created_at": ROLES_CREATED_AT,
        "updated_at": ROLES_CREATED_AT,
    })
}

/// When the built-in roles are dated: they come with the software, not with a site.
const ROLES_CREATED_AT: &str = "2024-01-01T00:00:00.000Z";

/// A tier as it is listed on a post or page on the Admin API (prices without benefits).
fn post_tier(tier: &masthead_core::Tier) -> Value {
    json!({
        "id": tier.id.as_str(),
        "name": tier.name,
        "slug": tier.slug.as_str(),
        "active": tier.active,
        "welcome_page_url": tier.welcome_page_url,
        "visibility": tier.visibility.as_str(),
        "trial_days": tier.trial_days,
        "description": tier.description,
        "type": tier.tier_type.as_str(),
        "currency": tier.currency.as_ref().map(|c| c.as_str().to_ascii_lowercase()),
        "monthly_price": tier.monthly_price,
        "yearly_price": tier.yearly_price,
        "created_at": ghost_time(tier.created_at),
        "updated_at": ghost_time(tier.updated_at),
        "monthly_price_id": Value::Null,
        "yearly_price_id": Value::Null,
    })
}

/// The tiers whose members may read a post, as Ghost lists them: every tier for a public or
/// members' post, the paid ones for a paid post, the chosen ones (in the order chosen) otherwise.
fn tiers_of(shape: &Shape<'_>, post: &Post) -> Vec<Value> {
    use masthead_core::{TierType, Visibility};
    match post.visibility {
        Visibility::Public | Visibility::Members => shape.tiers.iter().map(post_tier).collect(),
        Visibility::Paid => shape.tiers.iter().filter(|t| t.tier_type == TierType::Paid).map(post_tier).collect(),
        Visibility::Tiers => {
            post.tiers.iter().filter_map(|id| shape.tiers.iter().find(|t| &t.id == id)).map(post_tier).collect()
        }
    }
}

/// Ghost's outbound link tagging, on the Content API's HTML: a link to another site gets
/// `ref=<this site's host>` (without `www.`), so the site it points to sees where readers came
/// from. Links that already say where they come from (`ref`, `utm_source`, `source`) are kept.
pub fn tag_outbound_links(html: &str, site_url: &str) -> String {
    let Some(own_host) = url::Url::parse(site_url).ok().and_then(|u| u.host_str().map(str::to_owned)) else {
        return html.to_owned();
    };
    let reference = own_host.strip_prefix("www.").unwrap_or(&own_host).to_owned();
    let mut out = String::with_capacity(html.len() + 64);
    let mut rest = html;
    while let Some(at) = rest.find("href=\"") {
        let value_start = at + "href=\"".len();
        let Some(length) = rest[value_start..].find('"') else {
            break;
        };
        out.push_str(&rest[..value_start]);
        let written = &rest[value_start..value_start + length];
        out.push_str(&tagged_link(written, &own_host, &reference).unwrap_or_else(|| written.to_owned()));
        rest = &rest[value_start + length..];
    }
    out.push_str(rest);
    out
}

/// `written` (an attribute value, `&` as `&amp;`) with `ref` added, or `None` to keep it.
fn tagged_link(written: &str, own_host: &str, reference: &str) -> Option<String> {
    let mut link = url::Url::parse(&written.replace("&amp;", "&")).ok()?;
    let host = link.host_str()?;
    if !matches!(link.scheme(), "http" | "https") || host == own_host {
        return None;
    }
    if link.query_pairs().any(|(key, _)| matches!(key.as_ref(), "ref" | "utm_source" | "source")) {
        return None;
    }
    link.query_pairs_mut().append_pair("ref", reference);
    Some(link.as_str().replace('&', "&amp;"))
}

/// A post or page, with all its tags (internal ones too, as Ghost 6 shows them).
///
/// The Content API answers as an anonymous reader (its keys are not members): a gated post
/// comes with `access: false` and its `html`, `plaintext` and `excerpt` cut as Ghost cuts them,
/// to the part before the members-only marker, or to nothing without one. Staff on the Admin
/// API (and webhook receivers) get everything.
pub fn post(shape: &Shape<'_>, post: &Post) -> Value {
    let reader = match shape.audience {
        Audience::Content => Reader::Anonymous,
        Audience::Admin => Reader::Staff,
    };
    let seen = seen_with(post, reader, Cut::Ghost);
    // Ghost finds a gated post's public opening in the HTML it reads, so without the HTML (not
    // among the formats or the fields asked for) there is none.
    let html_read = shape.format("html") && (shape.fields.is_empty() || shape.fields.iter().any(|f| f == "html"));
    let opening = seen.has_opening && html_read;
    // Ghost's excerpt: the custom one, or the first 500 characters of the plain text as they are
    // (paragraphs still apart); blanked too (even a custom one) when nothing of the body is public.
    let excerpt = if seen.access || opening {
        match seen.post.custom_excerpt.as_deref().filter(|c| !c.trim().is_empty()) {
            Some(custom) => custom.to_owned(),
            None => seen.post.plaintext.chars().take(500).collect(),
        }
    } else {
        String::new()
    };
    let is_post = post.post_type == PostType::Post;
    let mut out = json!({
        "id": post.id.as_str(),
        "uuid": post.uuid,
        "title": post.title,
        "slug": post.slug.as_str(),
    });
    if shape.format("html") {
        let html = shape.absolute_html(&seen.post.html);
        let html = match shape.audience {
            Audience::Content => tag_outbound_links(&html, shape.site_url),
            Audience::Admin => html,
        };
        insert(&mut out, "html", json!(html));
    }
    // A gated post's public opening comes with its text even unasked, as Ghost sends it.
    if shape.format("plaintext") || (shape.audience == Audience::Content && !seen.access && opening) {
        let text = if seen.access || opening { seen.post.plaintext.as_str() } else { "" };
        insert(&mut out, "plaintext", json!(text));
    }
    if shape.audience == Audience::Content && shape.format("lexical") {
        // Ours, beyond Ghost's Content API (which ignores `formats=lexical`): the story's
        // document, only when asked, and cut as its HTML is cut for a reader who may not read it
        // all, so the members' part is never sent.
        let document = match (&post.lexical, &post.markdown) {
            (Some(lexical), _) if seen.access => Some(lexical.clone()),
            (Some(lexical), _) => masthead_render::lexical::public_part(lexical),
            (None, Some(markdown)) if seen.access => Some(masthead_render::lexical::markdown_document(markdown)),
            (None, Some(markdown)) => {
                let public = masthead_core::access::split_at_marker(markdown).0.unwrap_or_default();
                Some(masthead_render::lexical::markdown_document(public.trim_end()))
            }
            (None, None) => None,
        };
        insert(&mut out, "lexical", json!(document));
    }
    if shape.audience == Audience::Admin {
        if shape.format("lexical") {
            // A story written in Markdown opens in Ghost's editor as one Markdown card.
            let lexical = match (&post.lexical, &post.markdown) {
                (Some(lexical), _) => json!(lexical),
                (None, Some(markdown)) => json!(masthead_render::lexical::markdown_document(markdown)),
                (None, None) => Value::Null,
            };
            insert(&mut out, "lexical", lexical);
        }
        if shape.format("mobiledoc") {
            insert(&mut out, "mobiledoc", Value::Null);
        }
        if shape.format("markdown") {
            insert(&mut out, "markdown", json!(post.markdown));
        }
    }
    // Ghost shows a draft's or a scheduled post's preview address until it is published.
    let url = if shape.audience == Audience::Admin && post.status != masthead_core::PostStatus::Published {
        format!("{}/p/{}/", shape.site_url, post.uuid)
    } else {
        post_url(shape.site_url, post)
    };
    let fields = json!({
        "comment_id": post.id.as_str(),
        "feature_image": shape.absolute(&post.feature_image),
        "feature_image_alt": post.feature_image_alt,
        "feature_image_caption": post.feature_image_caption,
        "feature_image_credit": post.feature_image_credit,
        "featured": post.featured,
        "visibility": post.visibility.as_str(),
        "created_at": shape.post_time(post.created_at),
        "updated_at": shape.post_time(post.updated_at),
        "published_at": post.published_at.map(|at| shape.post_time(at)),
        "custom_excerpt": post.custom_excerpt,
        "codeinjection_head": Value::Null,
        "codeinjection_foot": Value::Null,
        "custom_template": Value::Null,
        "canonical_url": post.canonical_url,
        "url": url,
        "excerpt": excerpt,
        "reading_time": post.reading_time,
        "og_image": shape.absolute(&post.og_image),
        "og_title": post.og_title,
        "og_description": post.og_description,
        "twitter_image": shape.absolute(&post.twitter_image),
        "twitter_title": post.twitter_title,
        "twitter_description": post.twitter_description,
        "meta_title": post.meta_title,
        "meta_description": post.meta_description,
        "frontmatter": Value::Null,
    });
    merge(&mut out, fields);
    if is_post {
        insert(&mut out, "email_subject", Value::Null);
    } else {
        insert(&mut out, "show_title_and_feature_image", json!(true));
    }
    match shape.audience {
        Audience::Content => {
            insert(&mut out, "access", json!(seen.access));
            insert(&mut out, "comments", json!(false));
            if shape.includes("tiers") {
                insert(&mut out, "tiers", Value::Array(tiers_of(shape, post)));
            }
        }
        Audience::Admin => {
            insert(&mut out, "status", json!(post.status.as_str()));
            if is_post {
                insert(&mut out, "email_only", json!(post.status == masthead_core::PostStatus::Sent));
                insert(&mut out, "email_segment", json!("all"));
            }
            let includes = |what: &str| shape.admin_includes(post.post_type, what);
            if includes("tiers") {
                insert(&mut out, "tiers", Value::Array(tiers_of(shape, post)));
            }
            // Masthead records no clicks, sign-up attribution or reader feedback per story.
            let counts: Map<String, Value> = ["clicks", "signups", "paid_conversions"]
                .into_iter()
                .filter(|count| includes(&format!("count.{count}")))
                .chain(["positive_feedback", "negative_feedback"])
                .map(|count| (count.to_owned(), json!(0)))
                .collect();
            if counts.len() > 2 {
                insert(&mut out, "count", Value::Object(counts));
            }
            for relation in ["email", "newsletter"] {
                if is_post && includes(relation) {
                    insert(&mut out, relation, Value::Null);
                }
            }
        }
    }
    // Both APIs list internal tags too (as Ghost 6 does); `primary_tag` is the first tag, or
    // null when that one is internal.
    let (tags, authors, roles) = match shape.audience {
        Audience::Content => (shape.includes("tags"), shape.includes("authors"), false),
        Audience::Admin => (
            shape.admin_includes(post.post_type, "tags"),
            shape.admin_includes(post.post_type, "authors"),
            shape.admin_includes(post.post_type, "authors.roles"),
        ),
    };
    // With `fields` that leave out `url`, Ghost leaves it out of the related tags and authors too.
    let related = |mut value: Value| {
        if !shape.fields.is_empty()
            && !shape.fields.iter().any(|f| f == "url")
            && let Value::Object(map) = &mut value
        {
            map.remove("url");
        }
        value
    };
    if tags {
        let show = |t: &Tag| related(tag(shape, t, None));
        insert(&mut out, "tags", Value::Array(post.tags.iter().map(show).collect()));
        let primary =
            post.tags.first().filter(|t| t.visibility == TagVisibility::Public).map(show).unwrap_or(Value::Null);
        insert(&mut out, "primary_tag", primary);
    }
    if authors {
        let show = |a: &StaffUser| related(author_with_roles(shape, a, None, roles));
        insert(&mut out, "authors", Value::Array(post.authors.iter().map(show).collect()));
        insert(&mut out, "primary_author", post.primary_author().map(show).unwrap_or(Value::Null));
    }
    out
}

pub fn newsletter(shape: &Shape<'_>, newsletter: &Newsletter) -> Value {
    let mut out = json!({
        "id": newsletter.id.as_str(),
        "uuid": newsletter.uuid,
        "name": newsletter.name,
        "description": newsletter.description,
        "slug": newsletter.slug.as_str(),
        "sender_email": newsletter.sender_email,
        "subscribe_on_signup": newsletter.subscribe_on_signup,
        "visibility": "members",
        "sort_order": newsletter.sort_order,
        "created_at": ghost_time(newsletter.created_at),
        "updated_at": ghost_time(newsletter.updated_at),
        "host_name": newsletter.host_name,
    });
    if shape.audience == Audience::Admin {
        insert(&mut out, "status", json!(newsletter.status.as_str()));
        insert(&mut out, "sender_name", json!(newsletter.sender_name));
        insert(&mut out, "sender_reply_to", json!(newsletter.sender_reply_to.as_deref().unwrap_or("newsletter")));
        // What Masthead's emails do: no feedback buttons, no header image, no custom footer.
        // The other design settings of Ghost's newsletters have no Masthead equivalent
        // (docs/API.md, Known differences from Ghost).
        insert(&mut out, "feedback_enabled", json!(false));
        insert(&mut out, "header_image", Value::Null);
        insert(&mut out, "footer_content", Value::Null);
    }
    out
}

/// A newsletter's `count` (with `include=count.posts`, `count.members`): the posts sent with it
/// and the members subscribed to it, as asked for.
pub fn newsletter_count(shape: &Shape<'_>, posts: i64, members: i64) -> Value {
    let mut count = json!({});
    if shape.includes("count.posts") {
        insert(&mut count, "posts", json!(posts));
    }
    if shape.includes("count.members") {
        insert(&mut count, "members", json!(members));
    }
    count
}

/// A member label as Ghost's Admin API shows it (`/labels/` and a member's `labels`).
pub fn label(label: &masthead_core::Label) -> Value {
    json!({
        "id": label.id.as_str(),
        "name": label.name,
        "slug": label.slug,
        "created_at": ghost_time(label.created_at),
        "updated_at": ghost_time(label.created_at),
    })
}

/// A newsletter send as Ghost's Admin API shows a post's `email`: its state (`pending`,
/// `submitting`, `submitted`, `failed`), who it went to, how many were sent and failed.
pub fn email(email: &masthead_storage::EmailRecord, progress: &masthead_storage::EmailProgress) -> Value {
    let status = match email.status.as_str() {
        "pending" => "pending",
        "sending" => "submitting",
        "sent" => "submitted",
        _ => "failed",
    };
    json!({
        "id": email.id,
        "post_id": email.post_id,
        "newsletter_id": email.newsletter_id,
        "status": status,
        "recipient_filter": email.segment,
        "error": email.error,
        "email_count": email.recipient_count,
        "delivered_count": progress.sent,
        "failed_count": progress.failed,
        "opened_count": 0,
        "subject": email.subject,
        "track_opens": false,
        "track_clicks": false,
        "feedback_enabled": false,
        "submitted_at": email.started_at.map(ghost_time),
        "created_at": ghost_time(email.created_at),
        "updated_at": ghost_time(email.finished_at.or(email.started_at).unwrap_or(email.created_at)),
    })
}

/// A tier as Ghost's APIs show it (benefits as names; prices in the smallest unit). A free tier
/// has no currency or prices at all, as in Ghost.
pub fn tier(tier: &masthead_core::Tier) -> Value {
    let mut out = json!({
        "id": tier.id.as_str(),
        "name": tier.name,
        "slug": tier.slug.as_str(),
        "description": tier.description,
        "active": tier.active,
        "type": tier.tier_type.as_str(),
        "welcome_page_url": tier.welcome_page_url,
        "visibility": tier.visibility.as_str(),
        "trial_days": tier.trial_days,
        "benefits": tier.benefits,
        "created_at": ghost_time(tier.created_at),
        "updated_at": ghost_time(tier.updated_at),
    });
    if tier.tier_type.as_str() != "free" {
        insert(&mut out, "currency", json!(tier.currency.as_ref().map(|c| c.as_str().to_ascii_uppercase())));
        insert(&mut out, "monthly_price", json!(tier.monthly_price));
        insert(&mut out, "yearly_price", json!(tier.yearly_price));
    }
    out
}

/// Whether a resource shown as `value` passes an NQL `filter` on its own fields (`slug:x`,
/// `type:paid+active:true`, `slug:[a,b]`): for lists Masthead filters in memory, such as tiers.
/// Comparisons other than equality match nothing.
pub fn matches_filter(filter: &masthead_core::nql::Filter, value: &Value) -> bool {
    use masthead_core::nql::{CompareOp, Filter, Value as Nql};
    let equals = |field: &str, wanted: &Nql| -> bool {
        match (&value[field], wanted) {
            (Value::String(have), Nql::Text(want)) => have.eq_ignore_ascii_case(want),
            (Value::Bool(have), Nql::Bool(want)) => have == want,
            (Value::Number(have), Nql::Int(want)) => have.as_i64() == Some(*want),
            (Value::Null, Nql::Null) => true,
            _ => false,
        }
    };
    match filter {
        Filter::And(parts) => parts.iter().all(|p| matches_filter(p, value)),
        Filter::Or(parts) => parts.iter().any(|p| matches_filter(p, value)),
        Filter::Compare { field, op: CompareOp::Eq, value: wanted } => equals(field, wanted),
        Filter::Compare { field, op: CompareOp::Ne, value: wanted } => !equals(field, wanted),
        Filter::Compare { .. } => false,
        Filter::In { field, values, negated } => values.iter().any(|v| equals(field, v)) != *negated,
    }
}

/// What the settings say about the site beyond its stored settings.
pub struct SiteFacts<'a> {
    /// The site's stable identity (Ghost's `site_uuid`).
    pub site_uuid: Option<&'a str>,
    /// The address the site's mail comes from (Ghost's `default_email_address`).
    pub email_address: &'a str,
}

/// The site icon as Ghost's settings show it: an uploaded PNG, JPEG, GIF or WebP icon at its 256
/// pixel size (`/content/images/size/w256h256/...`, which Masthead serves), others as they are.
fn sized_icon(site_url: &str, icon: &Option<String>) -> Value {
    let sized = icon.as_deref().and_then(|icon| {
        let rest = icon.strip_prefix("/content/images/").filter(|r| !r.starts_with("size/"))?;
        let lower = rest.to_ascii_lowercase();
        [".png", ".jpg", ".jpeg", ".gif", ".webp"]
            .iter()
            .any(|ext| lower.ends_with(ext))
            .then(|| format!("/content/images/size/w256h256/{rest}"))
    });
    absolute_url(site_url, &sized.or_else(|| icon.clone()))
}

/// The settings as Ghost's Content API shows them. Features Masthead does not have (donations,
/// gifts, Transistor, recommendations, comments, paid sign-up through Portal) are shown off, with
/// Ghost's own texts for them.
pub fn settings(site_url: &str, settings: &SiteSettings, facts: &SiteFacts<'_>) -> Value {
    let nav = |items: &[masthead_core::NavigationItem]| -> Value {
        Value::Array(items.iter().map(|i| json!({ "label": i.label, "url": i.url })).collect())
    };
    let mut out = json!({
        "title": settings.title,
        "description": settings.description,
        "logo": absolute_url(site_url, &settings.logo),
        "icon": sized_icon(site_url, &settings.icon),
        "accent_color": settings.accent_color,
        "cover_image": absolute_url(site_url, &settings.cover_image),
        "facebook": settings.facebook,
        "twitter": settings.twitter,
        "lang": settings.locale,
        "locale": settings.locale,
        "timezone": settings.timezone.as_str(),
        "codeinjection_head": Value::Null,
        "codeinjection_foot": Value::Null,
        "navigation": nav(&settings.navigation),
        "secondary_navigation": nav(&settings.secondary_navigation),
        "meta_title": settings.meta_title,
        "meta_description": settings.meta_description,
        "og_image": absolute_url(site_url, &settings.og_image),
        "og_title": settings.og_title,
        "og_description": settings.og_description,
        "twitter_image": absolute_url(site_url, &settings.twitter_image),
        "twitter_title": settings.twitter_title,
        "twitter_description": settings.twitter_description,
        "members_enabled": true,
        "donations_enabled": false,
        "allow_self_signup": true,
        "members_invite_only": false,
        "members_signup_access": "all",
        "members_support_address": "noreply",
        "paid_members_enabled": false,
        "firstpromoter_account": Value::Null,
        "portal_button": false,
        "portal_button_icon": Value::Null,
        "portal_button_signup_text": "Subscribe",
        "portal_button_style": "icon-and-text",
        "portal_name": true,
        "portal_plans": ["free"],
        "portal_default_plan": "yearly",
        "portal_signup_checkbox_required": false,
        "portal_signup_terms_html": Value::Null,
        "portal_signup_gift_promotion": false,
        "portal_account_gift_promotion": false,
        "comments_enabled": "off",
        "recommendations_enabled": false,
        // External links in posts' HTML carry `?ref=<site host>`, as Ghost tags them.
        "outbound_link_tagging": true,
        "default_email_address": facts.email_address,
        "support_email_address": facts.email_address,
        "editor_default_email_recipients": "visibility",
        // Of Ghost's labs flags, only members is a feature Masthead has (and always on).
        "labs": { "members": true },
        "transistor_portal_enabled": false,
        "transistor_portal_heading": "Podcasts",
        "transistor_portal_description": "Access your private podcast feed",
        "transistor_portal_button_text": "View",
        "transistor_portal_url_template": "https://partner.transistor.fm/ghost/{memberUuid}",
        "site_uuid": facts.site_uuid,
        "url": format!("{site_url}/"),
        "version": API_VERSION.trim_start_matches('v'),
    });
    with_other_social_accounts(&mut out);
    out
}

/// The settings as Ghost's Admin API lists them (`{key, value}` rows, in Ghost's order; lists and
/// objects as JSON text). The Content API's settings, plus the ones only staff see; Ghost's keys
/// for what Masthead does not have (themes, Stripe, Mailgun, Slack, analytics) are left out.
pub fn admin_settings(site_url: &str, settings: &SiteSettings, facts: &SiteFacts<'_>) -> Vec<Value> {
    let content = self::settings(site_url, settings, facts);
    let as_text = |key: &str| -> Value {
        match &content[key] {
            value @ (Value::Array(_) | Value::Object(_)) => Value::String(value.to_string()),
            value => value.clone(),
        }
    };
    let staff_only: Vec<(&str, Value)> = vec![
        ("codeinjection_head", json!("")),
        ("codeinjection_foot", json!("")),
        ("is_private", json!(false)),
        ("default_content_visibility", json!("public")),
        ("default_content_visibility_tiers", json!("[]")),
        ("blocked_email_domains", Value::String(json!(settings.blocked_email_domains).to_string())),
        ("portal_products", json!("[]")),
        ("editor_default_email_recipients_filter", json!("all")),
        ("all_blocked_email_domains", json!(settings.blocked_email_domains)),
    ];
    let order = [
        "title",
        "description",
        "logo",
        "cover_image",
        "icon",
        "accent_color",
        "locale",
        "timezone",
        "codeinjection_head",
        "codeinjection_foot",
        "facebook",
        "twitter",
        "threads",
        "bluesky",
        "mastodon",
        "tiktok",
        "youtube",
        "instagram",
        "linkedin",
        "navigation",
        "secondary_navigation",
        "meta_title",
        "meta_description",
        "og_image",
        "og_title",
        "og_description",
        "twitter_image",
        "twitter_title",
        "twitter_description",
        "is_private",
        "default_content_visibility",
        "default_content_visibility_tiers",
        "members_signup_access",
        "members_support_address",
        "blocked_email_domains",
        "portal_name",
        "portal_button",
        "portal_plans",
        "portal_default_plan",
        "portal_products",
        "portal_button_style",
        "portal_button_icon",
        "portal_button_signup_text",
        "portal_signup_terms_html",
        "portal_signup_checkbox_required",
        "portal_signup_gift_promotion",
        "portal_account_gift_promotion",
        "labs",
        "transistor_portal_enabled",
        "transistor_portal_heading",
        "transistor_portal_description",
        "transistor_portal_button_text",
        "transistor_portal_url_template",
        "editor_default_email_recipients",
        "editor_default_email_recipients_filter",
        "comments_enabled",
        "outbound_link_tagging",
        "recommendations_enabled",
        "members_enabled",
        "members_invite_only",
        "allow_self_signup",
        "paid_members_enabled",
        "firstpromoter_account",
        "donations_enabled",
        "default_email_address",
        "support_email_address",
        "all_blocked_email_domains",
    ];
    order
        .iter()
        .map(|key| {
            let value =
                staff_only.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone()).unwrap_or_else(|| as_text(key));
            json!({ "key": key, "value": value })
        })
        .collect()
}

/// The site as Ghost's public `/site/` shows it, for clients discovering a site.
pub fn site(site_url: &str, settings: &SiteSettings, site_uuid: Option<&str>) -> Value {
    json!({
        "title": settings.title,
        "description": settings.description,
        "logo": absolute_url(site_url, &settings.logo),
        "icon": absolute_url(site_url, &settings.icon),
        "cover_image": absolute_url(site_url, &settings.cover_image),
        "accent_color": settings.accent_color,
        "locale": settings.locale,
        "timezone": settings.timezone.as_str(),
        "url": format!("{site_url}/"),
        "version": API_VERSION.trim_start_matches('v'),
        "allow_external_signup": true,
        "site_uuid": site_uuid,
    })
}

/// A member; `suppression` is why the address may not be mailed, if it may not. Ghost's
/// `unsubscribe_url`, and on a read `tiers` and `attribution`, are added by [`member_details`].
pub fn member(member: &Member, newsletters: &[Newsletter], suppression: Option<&str>) -> Value {
    let subscribed: Vec<Value> = newsletters
        .iter()
        .filter(|n| member.newsletters.iter().any(|slug| slug == n.slug.as_str()))
        .map(|n| {
            json!({
                "id": n.id.as_str(),
                "name": n.name,
                "description": n.description,
                "status": n.status.as_str(),
            })
        })
        .collect();
    json!({
        "id": member.id.as_str(),
        "uuid": member.uuid,
        "email": member.email,
        "name": member.name,
        "note": member.note,
        "geolocation": Value::Null,
        "subscribed": !subscribed.is_empty(),
        "created_at": ghost_time(member.created_at),
        "updated_at": ghost_time(member.updated_at),
        "labels": member.labels.iter().map(label).collect::<Vec<_>>(),
        "subscriptions": [],
        "avatar_image": Value::Null,
        "comped": member.status == masthead_core::MemberStatus::Comped,
        "email_count": 0,
        "email_opened_count": 0,
        "email_open_rate": Value::Null,
        "status": member.status.as_str(),
        "last_seen_at": Value::Null,
        // Masthead has no comments: nothing to be notified of, nobody barred from them.
        "enable_comment_notifications": true,
        "enable_updates_and_announcements": Value::Null,
        "can_comment": true,
        "commenting": { "disabled": false, "disabled_reason": Value::Null, "disabled_until": Value::Null },
        // Masthead keeps no Stripe subscription objects (`subscriptions` is always empty).
        "current_subscription": Value::Null,
        "newsletters": subscribed,
        "email_suppression": {
            "suppressed": suppression.is_some(),
            "info": suppression.map(|reason| json!({ "reason": reason })),
        },
        "consent_source": member.consent_source,
        "consent_at": ghost_time(member.consent_at),
    })
}

/// What Ghost's Admin API adds to a [`member`]: the link that unsubscribes them from every
/// newsletter and, when one member is read, their tiers (`(tier, expiry)`) and where they
/// signed up from (Masthead does not record it: Ghost's empty attribution).
pub fn member_details(
    value: &mut Value,
    unsubscribe_url: &str,
    tiers: Option<&[(masthead_core::Tier, Option<OffsetDateTime>)]>,
) {
    insert(value, "unsubscribe_url", json!(unsubscribe_url));
    if let Some(tiers) = tiers {
        let tiers = tiers
            .iter()
            .map(|(t, expiry)| {
                let mut out = tier(t);
                insert(&mut out, "expiry_at", expiry.map_or(Value::Null, |at| json!(ghost_time(at))));
                out
            })
            .collect();
        insert(value, "tiers", Value::Array(tiers));
        insert(
            value,
            "attribution",
            json!({
                "id": Value::Null, "type": Value::Null, "url": Value::Null, "title": Value::Null,
                "referrer_source": Value::Null, "referrer_medium": Value::Null, "referrer_url": Value::Null,
            }),
        );
    }
}

/// Ghost 6's social accounts besides Facebook and X: Masthead keeps none of them, so staff and
/// the site show them as null.
const OTHER_SOCIAL_ACCOUNTS: [&str; 7] =
    ["threads", "bluesky", "mastodon", "tiktok", "youtube", "instagram", "linkedin"];

fn with_other_social_accounts(value: &mut Value) {
    for account in OTHER_SOCIAL_ACCOUNTS {
        insert(value, account, Value::Null);
    }
}

fn insert(value: &mut Value, key: &str, item: Value) {
    if let Value::Object(map) = value {
        map.insert(key.to_owned(), item);
    }
}

fn merge(value: &mut Value, more: Value) {
    if let (Value::Object(map), Value::Object(more)) = (value, more) {
        let more: Map<String, Value> = more;
        map.extend(more);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_written_as_ghost_writes_them() {
        let at = time::macros::datetime!(2019-01-01 10:00:00.5 +02:00);
        assert_eq!(ghost_time(at), "2019-01-01T08:00:00.500Z");
    }

    #[test]
    fn local_times_carry_the_offset_of_their_date() -> Result<(), jiff::Error> {
        let kyiv = jiff::tz::TimeZone::get("Europe/Kyiv")?;
        let winter = time::macros::datetime!(2025-03-15 07:15:00 UTC);
        assert_eq!(local_time(&kyiv, winter), "2025-03-15T09:15:00.000+02:00");
        let summer = time::macros::datetime!(2025-07-15 07:15:00.25 UTC);
        assert_eq!(local_time(&kyiv, summer), "2025-07-15T10:15:00.250+03:00");
        assert_eq!(local_time(&jiff::tz::TimeZone::UTC, winter), "2025-03-15T07:15:00.000+00:00");
        Ok(())
    }
}
