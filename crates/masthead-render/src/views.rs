//! View models: what templates receive. Built from domain types; every field is plain data so
//! a theme author can read `post.authors[0].name` without knowing Rust.

use masthead_core::access::split_public;
use masthead_core::{IMAGE_WIDTHS, NavigationItem, Post, Reader, SiteSettings, StaffUser, Tag};
use serde::Serialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Site-wide facts every page needs.
#[derive(Clone, Debug, Serialize)]
pub struct SiteView {
    pub title: String,
    pub description: String,
    /// Absolute base URL without a trailing slash.
    pub url: String,
    pub logo: Option<String>,
    pub icon: Option<String>,
    pub accent_color: String,
    pub locale: String,
    pub timezone: String,
    pub publisher: String,
    pub navigation: Vec<NavigationItem>,
    pub secondary_navigation: Vec<NavigationItem>,
    pub sections: Vec<Link>,
    pub twitter: Option<String>,
    pub facebook: Option<String>,
    pub year: i32,
    /// Newsletters readers can sign up for, in order (the sign-up forms list them).
    pub newsletters: Vec<NewsletterView>,
    /// The goal campaign shown in the strip at the top of every page.
    pub campaign_strip: Option<CampaignView>,
    /// The goal campaign shown after an article's body.
    pub campaign_block: Option<CampaignView>,
}

/// A goal campaign as readers see it: the appeal (or the thanks, once reached), the count and
/// the bar. Copy is plain text, split into paragraphs; templates escape it.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct CampaignView {
    pub id: String,
    pub metric: &'static str,
    /// What is counted, as readers read it ("members", "raised").
    pub noun: &'static str,
    pub headline: String,
    pub paragraphs: Vec<String>,
    pub reached: bool,
    pub current: i64,
    pub target: i64,
    /// "12,345"
    pub current_text: String,
    /// "20,000"
    pub target_text: String,
    /// "12,345 of 20,000 members"
    pub progress_text: String,
    /// 0 to 100, the bar's width.
    pub percent: u8,
    pub button_label: String,
    pub button_url: String,
}

/// Plain text as paragraphs: blank lines divide them, single line breaks are kept as spaces.
pub fn paragraphs(text: &str) -> Vec<String> {
    text.replace("\r\n", "\n")
        .split("\n\n")
        .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|p| !p.is_empty())
        .collect()
}

impl CampaignView {
    pub fn new(campaign: &masthead_core::Campaign) -> Self {
        let reached = campaign.is_reached();
        let copy = if reached && !campaign.thank_you.trim().is_empty() { &campaign.thank_you } else { &campaign.body };
        Self {
            id: campaign.id.clone(),
            metric: campaign.metric.as_str(),
            noun: campaign.metric.noun(),
            headline: campaign.headline.clone(),
            paragraphs: paragraphs(copy),
            reached,
            current: campaign.current,
            target: campaign.target,
            current_text: campaign.format_value(campaign.current),
            target_text: campaign.format_value(campaign.target),
            progress_text: campaign.progress_text(),
            percent: campaign.percent(),
            button_label: campaign.button_label.clone(),
            button_url: campaign.button_url.clone(),
        }
    }

    /// The strip and the block for the campaigns running at `now` (as storage lists them,
    /// the newest first): the first shown one that asks for each place.
    pub fn placements(
        campaigns: &[masthead_core::Campaign],
        now: OffsetDateTime,
    ) -> (Option<CampaignView>, Option<CampaignView>) {
        let shown = || campaigns.iter().filter(|c| c.is_shown(now));
        let strip = shown().find(|c| c.show_strip).map(Self::new);
        let block = shown().find(|c| c.show_in_article).map(Self::new);
        (strip, block)
    }
}

/// A newsletter on a sign-up form.
#[derive(Clone, Debug, Serialize)]
pub struct NewsletterView {
    pub slug: String,
    pub name: String,
    pub description: Option<String>,
    pub host_name: Option<String>,
    pub default: bool,
}

impl NewsletterView {
    pub fn new(n: &masthead_core::Newsletter) -> Self {
        Self {
            slug: n.slug.as_str().to_owned(),
            name: n.name.clone(),
            description: n.description.clone(),
            host_name: n.host_name.clone(),
            default: n.subscribe_on_signup,
        }
    }
}

impl SiteView {
    pub fn new(settings: &SiteSettings, base_url: &str, sections: Vec<Link>) -> Self {
        Self {
            title: settings.title.clone(),
            description: settings.description.clone(),
            url: base_url.trim_end_matches('/').to_owned(),
            logo: settings.logo.clone(),
            icon: settings.icon.clone(),
            accent_color: SiteSettings::parse_accent_color(&settings.accent_color)
                .unwrap_or_else(|| SiteSettings::default().accent_color),
            locale: settings.locale.clone(),
            timezone: settings.timezone.as_str().to_owned(),
            publisher: settings.publisher().to_owned(),
            navigation: settings.navigation.clone(),
            secondary_navigation: settings.secondary_navigation.clone(),
            sections,
            twitter: settings.twitter.clone(),
            facebook: settings.facebook.clone(),
            year: masthead_core::now().year(),
            newsletters: Vec::new(),
            campaign_strip: None,
            campaign_block: None,
        }
    }

    pub fn absolute(&self, path: &str) -> String {
        absolute_url(&self.url, path)
    }
}

pub fn absolute_url(base: &str, path: &str) -> String {
    if path.starts_with("http://") || path.starts_with("https://") {
        path.to_owned()
    } else {
        format!("{}/{}", base.trim_end_matches('/'), path.trim_start_matches('/'))
    }
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Link {
    pub name: String,
    pub url: String,
}

impl Link {
    pub fn tag(tag: &Tag) -> Self {
        Self { name: tag.name.clone(), url: tag_path(tag.slug.as_str()) }
    }

    pub fn author(author: &StaffUser) -> Self {
        Self { name: author.name.clone(), url: author_path(author.slug.as_str()) }
    }
}

pub fn post_path(slug: &str) -> String {
    format!("/{slug}/")
}

pub fn tag_path(slug: &str) -> String {
    format!("/tag/{slug}/")
}

pub fn author_path(slug: &str) -> String {
    format!("/author/{slug}/")
}

/// An image with its responsive variants.
#[derive(Clone, Debug, Serialize)]
pub struct ImageView {
    pub src: String,
    pub srcset: Option<String>,
    /// The same widths as WebP, for browsers that take it.
    pub webp_srcset: Option<String>,
    pub alt: String,
}

impl ImageView {
    /// Local images (under `/content/images/`) get `srcset` entries for every variant width;
    /// remote images are used as they are.
    pub fn new(url: &str, alt: Option<&str>) -> Self {
        let alt = alt.unwrap_or_default().to_owned();
        match url.strip_prefix("/content/images/") {
            Some(rest) if !rest.starts_with("size/") => {
                let variant = |w: u32| format!("/content/images/size/w{w}/{rest}");
                let webp = |w: u32| format!("/content/images/size/w{w}/format/webp/{rest}");
                let list = |url: &dyn Fn(u32) -> String| {
                    IMAGE_WIDTHS.iter().map(|&w| format!("{} {w}w", url(w))).collect::<Vec<_>>().join(", ")
                };
                Self {
                    src: variant(IMAGE_WIDTHS[1]),
                    srcset: Some(list(&variant)),
                    webp_srcset: Some(list(&webp)),
                    alt,
                }
            }
            _ => Self { src: url.to_owned(), srcset: None, webp_srcset: None, alt },
        }
    }
}

pub fn iso(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

/// A story as it appears in a list: headline, excerpt, image, byline.
#[derive(Clone, Debug, Serialize)]
pub struct PostCard {
    pub id: String,
    pub title: String,
    pub url: String,
    pub excerpt: String,
    /// The excerpt cut to fit a small card.
    pub summary: String,
    pub image: Option<ImageView>,
    pub section: Option<Link>,
    pub authors: Vec<Link>,
    pub published_at: Option<String>,
    pub reading_time: i32,
    pub featured: bool,
}

impl PostCard {
    /// The card anyone may see: a gated story's excerpt comes from its public opening.
    pub fn new(post: &Post) -> Self {
        let excerpt = crate::gating::public_excerpt(post);
        Self {
            id: post.id.to_string(),
            title: post.title.clone(),
            url: post_path(post.slug.as_str()),
            summary: masthead_core::text::truncate_words(&excerpt, 160),
            excerpt,
            image: post.feature_image.as_deref().map(|url| ImageView::new(url, post.feature_image_alt.as_deref())),
            section: post.primary_tag().map(Link::tag),
            authors: post.authors.iter().map(Link::author).collect(),
            published_at: post.published_at.map(iso),
            // Ghost's count can be 0 minutes; a page never says "0 min read".
            reading_time: post.reading_time.max(1),
            featured: post.featured,
        }
    }
}

/// A full article or static page, as one reader may see it.
#[derive(Clone, Debug, Serialize)]
pub struct ArticleView {
    #[serde(flatten)]
    pub card: PostCard,
    pub uuid: String,
    /// The body anyone may read: the whole of a public story, the public opening of a gated one.
    pub html: String,
    /// The members-only rest of a gated story, for readers who may read it.
    pub members_html: Option<String>,
    /// Whether some readers see only part of the story (`public`, `members`, `paid` or
    /// `tiers`).
    pub visibility: &'static str,
    /// The names of the tiers a story limited to tiers is for, which the invitation names; the
    /// page fills them in (they are not part of the post).
    pub tier_names: Vec<String>,
    pub gated: bool,
    /// Whether this reader may read the whole story; otherwise the page invites them to join.
    pub access: bool,
    /// Whether the reader is a signed-in member (who may still lack access to a paid story).
    pub signed_in: bool,
    pub caption: Option<String>,
    pub credit: Option<String>,
    pub tags: Vec<Link>,
    pub updated_at: Option<String>,
    pub absolute_url: String,
}

impl ArticleView {
    pub fn new(post: &Post, site: &SiteView, reader: Reader) -> Self {
        let card = PostCard::new(post);
        let seen = crate::gating::seen_by(post, reader);
        let (html, members_html) = match (post.is_gated(), seen.access) {
            (false, _) => (post.html.clone(), None),
            // The members-only part goes in its own element, which structured data names.
            (true, true) => {
                let (opening, rest) = split_public(&post.html);
                (opening.trim_end().to_owned(), Some(rest.trim_start().to_owned()))
            }
            (true, false) => (seen.post.html.clone(), None),
        };
        Self {
            absolute_url: site.absolute(&card.url),
            card,
            uuid: post.uuid.clone(),
            html,
            members_html,
            visibility: post.visibility.as_str(),
            tier_names: Vec::new(),
            gated: post.is_gated(),
            access: seen.access,
            signed_in: reader.is_member(),
            caption: post.feature_image_caption.clone().filter(|c| !c.trim().is_empty()),
            credit: post.feature_image_credit.clone().filter(|c| !c.trim().is_empty()),
            tags: post.public_tags().map(Link::tag).collect(),
            updated_at: post.material_update().map(iso),
        }
    }
}

/// `<head>` metadata: title, description, canonical link, OpenGraph and Twitter cards.
#[derive(Clone, Debug, Default, Serialize)]
pub struct MetaView {
    pub title: String,
    pub description: String,
    pub canonical: String,
    pub og_type: String,
    pub og_title: String,
    pub og_description: String,
    pub og_image: Option<String>,
    pub og_image_alt: Option<String>,
    pub twitter_card: String,
    pub twitter_title: String,
    pub twitter_description: String,
    pub twitter_image: Option<String>,
    pub twitter_site: Option<String>,
    pub published_time: Option<String>,
    pub modified_time: Option<String>,
    pub section: Option<String>,
    pub tags: Vec<String>,
    pub json_ld: Option<String>,
    /// The feed to advertise with `<link rel="alternate">`.
    pub rss_url: String,
    pub prev_url: Option<String>,
    pub next_url: Option<String>,
    /// `noindex` for private previews.
    pub robots: Option<String>,
}

impl MetaView {
    /// Metadata for a list or landing page.
    pub fn page(site: &SiteView, title: &str, description: &str, path: &str) -> Self {
        let image = site.logo.as_deref().map(|u| site.absolute(u));
        Self {
            title: title.to_owned(),
            description: description.to_owned(),
            canonical: site.absolute(path),
            og_type: "website".to_owned(),
            og_title: title.to_owned(),
            og_description: description.to_owned(),
            og_image: image.clone(),
            og_image_alt: None,
            twitter_card: if image.is_some() { "summary_large_image" } else { "summary" }.to_owned(),
            twitter_title: title.to_owned(),
            twitter_description: description.to_owned(),
            twitter_image: image,
            twitter_site: site.twitter.clone(),
            rss_url: site.absolute("/rss/"),
            ..Self::default()
        }
    }

    /// Metadata for an article or static page, honouring its SEO and social overrides. The same
    /// for every reader: descriptions of a gated story come from its public opening.
    pub fn article(site: &SiteView, post: &Post) -> Self {
        let title = post.meta_title.clone().unwrap_or_else(|| post.title.clone());
        let description = post
            .meta_description
            .clone()
            .unwrap_or_else(|| masthead_core::text::truncate_words(&crate::gating::public_excerpt(post), 300));
        let feature = post.feature_image.as_deref().map(|u| {
            let view = ImageView::new(u, None);
            site.absolute(&view.src)
        });
        let og_image = post.og_image.as_deref().map(|u| site.absolute(u)).or_else(|| feature.clone());
        let twitter_image = post.twitter_image.as_deref().map(|u| site.absolute(u)).or_else(|| feature.clone());
        Self {
            canonical: post.canonical_url.clone().unwrap_or_else(|| site.absolute(&post_path(post.slug.as_str()))),
            og_type: "article".to_owned(),
            og_title: post.og_title.clone().unwrap_or_else(|| title.clone()),
            og_description: post.og_description.clone().unwrap_or_else(|| description.clone()),
            og_image_alt: post.feature_image_alt.clone(),
            og_image,
            twitter_card: "summary_large_image".to_owned(),
            twitter_title: post.twitter_title.clone().unwrap_or_else(|| title.clone()),
            twitter_description: post.twitter_description.clone().unwrap_or_else(|| description.clone()),
            twitter_image,
            twitter_site: site.twitter.clone(),
            published_time: post.published_at.map(iso),
            modified_time: Some(iso(post.date_modified())),
            section: post.primary_tag().map(|t| t.name.clone()),
            tags: post.public_tags().map(|t| t.name.clone()).collect(),
            rss_url: site.absolute("/rss/"),
            title,
            description,
            json_ld: None,
            prev_url: None,
            next_url: None,
            robots: None,
        }
    }
}

/// Links to neighbouring pages of a list.
#[derive(Clone, Debug, Serialize)]
pub struct PaginationView {
    pub page: u32,
    pub pages: u32,
    pub total: u64,
    pub prev_url: Option<String>,
    pub next_url: Option<String>,
}

impl PaginationView {
    /// `base` is the list's first page, e.g. `/` or `/tag/war/`; later pages are `{base}page/N/`.
    pub fn new(base: &str, page: u32, pages: u32, total: u64) -> Self {
        let url = |n: u32| if n == 1 { base.to_owned() } else { format!("{base}page/{n}/") };
        Self {
            page,
            pages,
            total,
            prev_url: (page > 1).then(|| url(page - 1)),
            next_url: (page < pages).then(|| url(page + 1)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_images_get_variants_and_remote_ones_do_not() {
        let local = ImageView::new("/content/images/2026/11/a.jpg", Some("Alt"));
        assert_eq!(local.src, "/content/images/size/w960/2026/11/a.jpg");
        assert_eq!(
            local.srcset.as_deref(),
            Some(
                "/content/images/size/w480/2026/11/a.jpg 480w, /content/images/size/w960/2026/11/a.jpg 960w, /content/images/size/w1440/2026/11/a.jpg 1440w"
            )
        );
        assert_eq!(
            local.webp_srcset.as_deref().map(|s| s.split(", ").next()),
            Some(Some("/content/images/size/w480/format/webp/2026/11/a.jpg 480w"))
        );
        let remote = ImageView::new("https://cdn.example/a.jpg", None);
        assert_eq!((remote.src.as_str(), remote.srcset), ("https://cdn.example/a.jpg", None));
    }

    #[test]
    fn pagination_links() {
        let p = PaginationView::new("/tag/war/", 2, 3, 40);
        assert_eq!(p.prev_url.as_deref(), Some("/tag/war/"));
        assert_eq!(p.next_url.as_deref(), Some("/tag/war/page/3/"));
    }
}
