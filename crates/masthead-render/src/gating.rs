//! Posts as one reader may see them. Who may read what is `masthead_core::access`; this cuts a
//! gated post down to its public opening for everyone else, with the plain text (and so the
//! automatic excerpt) taken from that opening only, so no page, feed, API answer or link
//! preview can quote the members-only part.
//!
//! Two cuts: the site and its feeds show the part before the members-only marker, or without
//! one the first paragraphs ([`Cut::Preview`]); Ghost's Content API shows the part before the
//! marker, or nothing without one, as Ghost does ([`Cut::Ghost`]).

use std::borrow::Cow;

use masthead_core::access::{split_at_marker, split_public};
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

/// Where a gated post is cut for readers who may not read it all.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cut {
    /// The site and its feeds: before the marker, else the first paragraphs.
    Preview,
    /// Ghost's Content API: before the marker, else nothing.
    Ghost,
}

/// `post` as `reader` sees it on the site: a reader who may not read it all gets its public
/// opening (before the members-only marker, else its first paragraphs), plain text derived from
/// that, and no Markdown source.
pub fn seen_by(post: &Post, reader: Reader) -> Seen<'_> {
    seen_with(post, reader, Cut::Preview)
}

/// `post` as `reader` sees it, cut as `cut` says.
pub fn seen_with(post: &Post, reader: Reader, cut: Cut) -> Seen<'_> {
    let opening = match cut {
        Cut::Ghost => split_at_marker(&post.html).0,
        Cut::Preview => Some(split_public(&post.html).0).filter(|o| !o.trim().is_empty()),
    };
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

/// The plain text anyone may read of a post's `html`, cut as the site cuts it
/// ([`Cut::Preview`]): what search matches and quotes for readers of a gated story.
pub fn public_plaintext(html: &str) -> String {
    html_to_plaintext(split_public(html).0.trim_end())
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
            lexical: None,
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
            tiers: Vec::new(),
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
    fn without_a_marker_the_site_shows_the_first_paragraphs_and_ghosts_cut_nothing() {
        let story = post(Visibility::Paid, "<p>Lede.</p>\n<p>Second.</p>\n<p>Findings.</p>\n<p>More findings.</p>");
        let seen = seen_by(&story, Reader::FreeMember);
        assert!(!seen.access && seen.has_opening);
        assert_eq!(seen.post.html, "<p>Lede.</p>\n<p>Second.</p>");
        assert_eq!(public_excerpt(&story), "Lede. Second.");
        let ghost = seen_with(&story, Reader::FreeMember, Cut::Ghost);
        assert!(!ghost.has_opening);
        assert_eq!((ghost.post.html.as_str(), ghost.post.plaintext.as_str()), ("", ""));
    }

    #[test]
    fn a_one_paragraph_story_without_a_marker_shows_nothing_of_its_body() {
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
