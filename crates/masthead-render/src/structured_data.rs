//! schema.org JSON-LD for search engines and news aggregators.

use masthead_core::Post;
use serde_json::{Value, json};

use crate::views::{ImageView, SiteView, author_path, iso, post_path};

/// Serialises JSON-LD so it can sit inside `<script type="application/ld+json">`: the characters
/// that could close the script element or open a comment are written as JSON escapes.
pub fn to_script_json(value: &Value) -> String {
    value.to_string().replace('<', "\\u003c").replace('>', "\\u003e").replace('&', "\\u0026")
}

/// The site's organisation, as every piece of structured data names it.
pub fn publisher(site: &SiteView) -> Value {
    let mut org = json!({ "@type": "Organization", "name": site.publisher, "url": format!("{}/", site.url) });
    if let Some(logo) = site.logo.as_deref().or(site.icon.as_deref()) {
        org["logo"] = json!({ "@type": "ImageObject", "url": site.absolute(logo) });
    }
    org
}

/// The class of the element that holds a gated story's members-only part (or, for readers who
/// may not read it, the invitation in its place), named in structured data as Google's
/// guidelines for paywalled content ask.
pub const MEMBERS_ONLY_CLASS: &str = "members-only";

/// `NewsArticle` with `author` always an array, as Google's guidelines ask for multiple bylines.
/// It says the same to every reader: a gated story is not free, its members-only part is the
/// element with [`MEMBERS_ONLY_CLASS`], and its description comes from the public opening.
pub fn news_article(site: &SiteView, post: &Post) -> Value {
    let url = site.absolute(&post_path(post.slug.as_str()));
    let images: Vec<String> = post
        .feature_image
        .as_deref()
        .map(|u| {
            let view = ImageView::new(u, None);
            match view.srcset {
                Some(_) => masthead_core::IMAGE_WIDTHS
                    .iter()
                    .rev()
                    .map(|w| site.absolute(&view.src.replace("/size/w960/", &format!("/size/w{w}/"))))
                    .collect(),
                None => vec![site.absolute(u)],
            }
        })
        .unwrap_or_default();
    let authors: Vec<Value> = post
        .authors
        .iter()
        .map(|a| json!({ "@type": "Person", "name": a.name, "url": site.absolute(&author_path(a.slug.as_str())) }))
        .collect();
    let mut article = json!({
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": post.title,
        "url": url,
        "mainEntityOfPage": { "@type": "WebPage", "@id": url },
        "image": images,
        "datePublished": post.published_at.map(iso),
        "dateModified": iso(post.date_modified()),
        "author": authors,
        "publisher": publisher(site),
        "description": post.meta_description.clone().unwrap_or_else(|| crate::gating::public_excerpt(post)),
        "isAccessibleForFree": !post.is_gated(),
        "inLanguage": site.locale,
    });
    if post.is_gated() {
        article["hasPart"] = json!({
            "@type": "WebPageElement",
            "isAccessibleForFree": false,
            "cssSelector": format!(".{MEMBERS_ONLY_CLASS}"),
        });
    }
    if let Some(tag) = post.primary_tag() {
        article["articleSection"] = json!(tag.name);
    }
    let keywords: Vec<&str> = post.public_tags().map(|t| t.name.as_str()).collect();
    if !keywords.is_empty() {
        article["keywords"] = json!(keywords);
    }
    article
}

/// A story's audio version (schema.org's `AudioObject`), for a `NewsArticle`'s `audio`.
pub fn audio_object(site: &SiteView, url: &str, seconds: f64, bytes: i64) -> Value {
    json!({
        "@type": "AudioObject",
        "contentUrl": site.absolute(url),
        "encodingFormat": "audio/mpeg",
        "duration": iso_duration(seconds),
        "contentSize": format!("{bytes} B"),
    })
}

/// ISO 8601 duration (`PT1M5S`), as structured data and podcast apps read it.
pub fn iso_duration(seconds: f64) -> String {
    let total = seconds.max(0.0).round() as u64;
    let (h, m, s) = (total / 3600, (total / 60) % 60, total % 60);
    let mut out = String::from("PT");
    if h > 0 {
        out.push_str(&format!("{h}H"));
    }
    if m > 0 {
        out.push_str(&format!("{m}M"));
    }
    if s > 0 || (h == 0 && m == 0) {
        out.push_str(&format!("{s}S"));
    }
    out
}

/// `WebSite` for the home page, with the site's search as its `SearchAction`.
pub fn website(site: &SiteView) -> Value {
    json!({
        "@context": "https://schema.org",
        "@type": "WebSite",
        "name": site.title,
        "url": format!("{}/", site.url),
        "description": site.description,
        "publisher": publisher(site),
        "potentialAction": {
            "@type": "SearchAction",
            "target": {
                "@type": "EntryPoint",
                "urlTemplate": format!("{}/search/?q={{search_term_string}}", site.url),
            },
            "query-input": "required name=search_term_string",
        },
    })
}

#[cfg(test)]
mod tests {

    #[test]
    fn audio_durations_are_iso_8601() {
        assert_eq!(iso_duration(65.4), "PT1M5S");
        assert_eq!(iso_duration(3600.0), "PT1H");
        assert_eq!(iso_duration(0.2), "PT0S");
    }

    use super::*;

    #[test]
    fn script_json_cannot_close_the_script_element() {
        let value = json!({ "headline": "</script><script>alert(1)</script> & <!--" });
        let text = to_script_json(&value);
        assert!(!text.contains('<') && !text.contains('>') && !text.contains('&'));
        assert_eq!(serde_json::from_str::<Value>(&text).ok(), Some(value));
    }
}
