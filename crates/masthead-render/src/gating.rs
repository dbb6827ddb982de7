//! Posts as one reader may see them. Who may read what is `masthead_core::access`; this cuts a
//! gated post down to its public opening for everyone else, with the plain text (and so the
//! automatic excerpt) taken from that opening only, so no page, feed, API answer or link
//! preview can quote the members-only part.

use std::borrow::Cow;

use masthead_core::access::split_at_marker;
use masthead_core::{Post, Reader};

use crate::html::html_to_plaintext;

/// A post as one reader sees it.
#[derive(Clone, Debug)]
pub struct Seen<'a> {
    /// The whole post, or a copy cut to its public opening.
    pub post: Cow<'a, Post>,
    /// Whether the reader may read the whole post (Ghost's `access`).
    pub access: bool,
    /// Whether the post marks a public opening. A gated post without one shows nothing of its
    /// body to readers who may not read it.
    pub has_opening: bool,
}

/// `post` as `reader` may see it. A reader who may not read it all gets the HTML before the
/// members-only marker (or none), plain text derived from that, and no Markdown source.
pub fn seen_by(post: &Post, reader: Reader) -> Seen<'_> {
    let (opening, _) = split_at_marker(&post.html);
    if post.readable_by(reader) {
        return Seen { post: Cow::Borrowed(post), access: true, has_opening: opening.is_some() };
    }
    let mut cut = post.clone();
    // The sanitiser keeps the marker at the top level, so the opening is whole elements.
    cut.html = opening.unwrap_or_default().trim_end().to_owned();
    cut.plaintext = html_to_plaintext(&cut.html);
    cut.markdown = None;
    Seen { post: Cow::Owned(cut), access: false, has_opening: opening.is_some() }
}

/// The excerpt anyone may read: the custom excerpt (public by Ghost's rules), else the start of
/// the public opening's text. Lists, feeds, meta descriptions and link previews use it.
pub fn public_excerpt(post: &Post) -> String {
    seen_by(post, Reader::Anonymous).post.excerpt()
}

#[cfg(test)]
mod tests {
    use masthead_core::{ObjectId, PostStatus, PostType, Slug, Visibility};

    use super::*;

    fn post(visibility: Visibility, html: &str) -> Post {
        let now = masthead_core::now();
        Post {
            id: ObjectId::new(),
            uuid: "u".into(),
            post_type: PostType::Post,
            title: "T".into(),
            slug: Slug::parse("t").expect("slug"),
            markdown: Some("source".into()),
            html: html.into(),
            plaintext: html_to_plaintext(html),
            feature_image: None,
            feature_image_alt: None,
            feature_image_caption: None,
            feature_image_credit: None,
            custom_excerpt: None,
            status: PostStatus::Published,
            visibility,
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
        }
    }

    #[test]
    fn readers_who_may_not_read_get_the_opening_before_the_marker() {
        let paid = post(Visibility::Paid, "<p>Opening words.</p>\n<!--members-only-->\n<p>Secret findings.</p>");
        let seen = seen_by(&paid, Reader::FreeMember);
        assert!(!seen.access && seen.has_opening);
        assert_eq!(seen.post.html, "<p>Opening words.</p>");
        assert_eq!(seen.post.plaintext, "Opening words.");
        assert_eq!(seen.post.markdown, None, "the source would give the rest away");
        assert_eq!(public_excerpt(&paid), "Opening words.");

        let whole = seen_by(&paid, Reader::PaidMember);
        assert!(whole.access);
        assert!(whole.post.html.contains("Secret findings."));
        assert!(matches!(whole.post, Cow::Borrowed(_)), "readers who may read it all get the post as it is");
    }

    #[test]
    fn without_a_marker_nothing_of_the_body_is_public() {
        let mut members = post(Visibility::Members, "<p>Secret findings.</p>");
        let seen = seen_by(&members, Reader::Anonymous);
        assert!(!seen.access && !seen.has_opening);
        assert_eq!((seen.post.html.as_str(), seen.post.plaintext.as_str()), ("", ""));
        assert_eq!(public_excerpt(&members), "");
        members.custom_excerpt = Some("What the story is about.".into());
        assert_eq!(public_excerpt(&members), "What the story is about.", "the custom excerpt is public");
        assert!(seen_by(&members, Reader::FreeMember).access);
    }
}
