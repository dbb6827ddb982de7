//! The words of an article as they are narrated: the headline, a byline, and the body's prose,
//! without captions, code, embeds, forms and the rest of what a listener should not hear.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use masthead_core::MEMBERS_ONLY_MARKER;
use masthead_core::narration::{Lexicon, sentences, speakable};

use crate::html::push_decoded;

/// Elements whose text is read.
const READ: &[&str] = &[
    "p",
    "div",
    "span",
    "a",
    "em",
    "strong",
    "b",
    "i",
    "u",
    "s",
    "mark",
    "small",
    "sub",
    "sup",
    "abbr",
    "cite",
    "q",
    "time",
    "code",
    "kbd",
    "var",
    "del",
    "ins",
    "br",
    "hr",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "ul",
    "ol",
    "li",
    "dl",
    "dt",
    "dd",
    "blockquote",
    "section",
    "article",
    "header",
    "footer",
    "main",
    "details",
    "summary",
];

/// Elements dropped with everything in them. Inline `<code>` is read (dropping it would leave
/// holes in the sentence); a code block is a `<pre>` and is not. Tables are not prose either:
/// read cell by cell they make no sense to a listener.
///
/// A whole `<figure>` goes: in Masthead's HTML a figure holds an image, a code block, an embed
/// or a bookmark (see the Ghost importer), never prose, and the `kg-*` classes that would tell
/// Ghost's cards apart do not survive sanitising.
const SKIPPED: &[&str] = &[
    "script",
    "style",
    "figure",
    "figcaption",
    "pre",
    "iframe",
    "embed",
    "object",
    "video",
    "audio",
    "picture",
    "svg",
    "math",
    "canvas",
    "noscript",
    "template",
    "aside",
    "nav",
    "form",
    "button",
    "select",
    "textarea",
    "label",
    "table",
    "dialog",
];

/// Ghost cards and caption classes that hold no prose to read aloud, for HTML that still has
/// its classes (imported, not yet sanitised). A toggle card's heading and content, a callout's
/// text and a header card's text are prose and are read.
const SKIPPED_CLASSES: &[&str] = &[
    "kg-embed-card",
    "kg-bookmark-card",
    "kg-gallery-card",
    "kg-image-card",
    "kg-video-card",
    "kg-audio-card",
    "kg-file-card",
    "kg-button-card",
    "kg-signup-card",
    "kg-product-card",
    "kg-code-card",
    "kg-nft-card",
    "kg-cta-card",
    "kg-header-card-button",
    "kg-btn",
    "kg-callout-emoji",
    "caption",
    "wp-caption-text",
    "gallery-caption",
    "image-caption",
];

/// Elements that start and end a paragraph of their own.
const BLOCKS: &[&str] = &[
    "p",
    "div",
    "br",
    "hr",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "ul",
    "ol",
    "li",
    "dl",
    "dt",
    "dd",
    "blockquote",
    "section",
    "article",
    "header",
    "footer",
    "main",
    "details",
    "summary",
];

const VOID: &[&str] = &["br", "hr"];

/// Parses the HTML (repairing it as browsers do) and drops the skipped elements with their
/// content, leaving well-formed markup with only `class` attributes for `spoken_text` to walk.
static NARRATION_CLEANER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut builder = ammonia::Builder::empty();
    builder
        .tags(READ.iter().copied().collect())
        .clean_content_tags(SKIPPED.iter().copied().collect())
        // Kept to recognise footnote links ("#fn-1", "#fnref-1"), which are not read.
        .tag_attributes(HashMap::from([("a", HashSet::from(["href"]))]))
        .generic_attributes(HashSet::from(["class"]))
        .link_rel(None)
        .strip_comments(true);
    builder
});

/// The paragraphs to narrate, in order: the headline, a byline ("By Olena Kovalenko and John
/// Smith."), then the body's paragraphs, headings, list items and block quotes as plain text.
///
/// Figure and image captions, code blocks, tables, embeds and non-prose Ghost cards, scripts,
/// asides, navigation, forms and buttons are skipped; inline markup keeps its text and entities
/// are decoded. The members-only marker is not read: narration is of the whole article.
pub fn spoken_text(title: &str, authors: &[&str], html: &str) -> Vec<String> {
    let mut paragraphs = Vec::new();
    let title = collapse_whitespace(title);
    if !title.is_empty() {
        paragraphs.push(title);
    }
    if let Some(byline) = byline(authors) {
        paragraphs.push(byline);
    }
    paragraphs.extend(body_paragraphs(html));
    paragraphs
}

/// [`spoken_text`] made speakable with the newsroom's lexicon, one sentence at a time (the
/// rules read periods that also end sentences, so sentences are found first).
pub fn spoken_paragraphs(title: &str, authors: &[&str], html: &str, lexicon: &Lexicon) -> Vec<String> {
    spoken_text(title, authors, html)
        .iter()
        .map(|paragraph| {
            sentences(paragraph).iter().map(|sentence| speakable(sentence, lexicon)).collect::<Vec<_>>().join(" ")
        })
        .collect()
}

fn byline(authors: &[&str]) -> Option<String> {
    let names: Vec<String> = authors.iter().map(|a| collapse_whitespace(a)).filter(|a| !a.is_empty()).collect();
    let listed = match names.as_slice() {
        [] => return None,
        [only] => only.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    };
    let period = if listed.ends_with('.') { "" } else { "." };
    Some(format!("By {listed}{period}"))
}

fn body_paragraphs(html: &str) -> Vec<String> {
    // Comments are stripped anyway; removing the marker first says it is not read on purpose.
    let html = html.replace(MEMBERS_ONLY_MARKER, "");
    let clean = NARRATION_CLEANER.clean(&html).to_string();

    let mut paragraphs = Vec::new();
    let mut current = String::new();
    // Open elements, and whether each is (or is inside) one that is skipped.
    let mut open: Vec<(String, bool)> = Vec::new();
    let mut rest = clean.as_str();
    while !rest.is_empty() {
        let Some(start) = rest.find('<') else {
            if !open.last().is_some_and(|(_, skipped)| *skipped) {
                push_decoded(&mut current, rest);
            }
            break;
        };
        if !open.last().is_some_and(|(_, skipped)| *skipped) {
            push_decoded(&mut current, &rest[..start]);
        }
        // The serialiser escapes every `<` in text, so each one starts a tag that it closes.
        let Some(tag_len) = tag_length(&rest[start..]) else {
            break;
        };
        let tag = Tag::parse(&rest[start + 1..start + tag_len - 1]);
        rest = &rest[start + tag_len..];
        if BLOCKS.contains(&tag.name.as_str()) {
            flush(&mut current, &mut paragraphs);
        }
        if tag.closing {
            if let Some(at) = open.iter().rposition(|(name, _)| *name == tag.name) {
                open.truncate(at);
            }
        } else if !VOID.contains(&tag.name.as_str()) {
            let skipped = open.last().is_some_and(|(_, skipped)| *skipped)
                || tag.classes.split_whitespace().any(|class| SKIPPED_CLASSES.contains(&class))
                || (tag.name == "a" && tag.href.starts_with("#fn"));
            open.push((tag.name, skipped));
        }
    }
    flush(&mut current, &mut paragraphs);
    paragraphs
}

/// The length of the tag at the start of `html`, up to and including its `>`; quoted attribute
/// values may contain `>` (the serialiser leaves it unescaped there).
fn tag_length(html: &str) -> Option<usize> {
    let mut quote: Option<char> = None;
    for (at, c) in html.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '>') => return Some(at + 1),
            _ => {}
        }
    }
    None
}

struct Tag {
    name: String,
    closing: bool,
    classes: String,
    href: String,
}

impl Tag {
    fn parse(inner: &str) -> Self {
        let closing = inner.starts_with('/');
        let inner = inner.trim_start_matches('/');
        let name_len = inner.find(|c: char| !c.is_ascii_alphanumeric()).unwrap_or(inner.len());
        let name = inner[..name_len].to_ascii_lowercase();
        let attributes = &inner[name_len..];
        Tag { name, closing, classes: attribute(attributes, "class"), href: attribute(attributes, "href") }
    }
}

/// An attribute's decoded value, as the serialiser writes it: ` name="value"`.
fn attribute(attributes: &str, name: &str) -> String {
    let mut value = String::new();
    let mut rest = attributes;
    while let Some(at) = rest.find('=') {
        let (before, after) = rest.split_at(at);
        let Some(quoted) = after.strip_prefix("=\"") else {
            break;
        };
        let end = quoted.find('"').unwrap_or(quoted.len());
        if before.trim() == name {
            push_decoded(&mut value, &quoted[..end]);
            break;
        }
        rest = quoted.get(end + 1..).unwrap_or_default();
    }
    value
}

/// Ends the paragraph being collected. One with no letters or digits ("* * *", "💡", "↩")
/// has nothing to say.
fn flush(current: &mut String, paragraphs: &mut Vec<String>) {
    let text = collapse_whitespace(current);
    if text.chars().any(char::is_alphanumeric) {
        paragraphs.push(text);
    }
    current.clear();
}

fn collapse_whitespace(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const ARTICLE: &str = r#"
<p>Russian forces struck Kyiv&nbsp;overnight with <strong>drones</strong> and <a href="/tag/missiles/">missiles</a>, officials said.</p>
<figure class="kg-card kg-image-card kg-card-hascaption"><img src="/content/images/kyiv.jpg" alt="Smoke over Kyiv"><figcaption>Smoke rises over Kyiv. <em>Photo: Reuters</em></figcaption></figure>
<h2 id="what-happened">What happened</h2>
<p>“We heard the first explosions at 4 a.m.,” said Olena, 34.</p>
<!--members-only-->
<ul><li>Two districts lost power;</li><li>one school was <em>damaged</em>.</li></ul>
<blockquote><p>The city will rebuild &amp; recover.</p></blockquote>
<figure class="kg-card kg-embed-card"><blockquote class="twitter-tweet"><p>Tweet text</p></blockquote><script async src="https://platform.twitter.com/widgets.js"></script></figure>
<figure class="kg-card kg-bookmark-card"><a class="kg-bookmark-container" href="https://example.com"><div class="kg-bookmark-content"><div class="kg-bookmark-title">Related story</div></div></a></figure>
<pre><code class="language-bash">curl https://example.com</code></pre>
<p>Set the <code>timeout</code> to 30 seconds.</p>
<div class="kg-card kg-button-card kg-align-center"><a href="/donate/" class="kg-btn kg-btn-accent">Donate now</a></div>
<div class="kg-card kg-toggle-card" data-kg-toggle-state="close"><div class="kg-toggle-heading"><h4 class="kg-toggle-heading-text">Why now?</h4></div><div class="kg-toggle-content"><p>Because winter is coming.</p></div></div>
<figure class="kg-card kg-gallery-card kg-width-wide"><div class="kg-gallery-container"><div class="kg-gallery-row"><div class="kg-gallery-image"><img src="/a.jpg"></div></div></div><figcaption>Gallery caption</figcaption></figure>
<div class="kg-card kg-signup-card"><h2 class="kg-signup-card-heading">Sign up</h2><form><input type="email"><button>Subscribe</button></form></div>
<aside><p>Read more: our live blog</p></aside>
<iframe src="https://www.youtube.com/embed/x">Your browser cannot play this</iframe>
<style>p { color: red }</style>
<table><tr><td>Region</td><td>Outages</td></tr></table>
<p>Ends here.</p>
"#;

    #[test]
    fn an_article_reads_headline_byline_then_prose_in_order() {
        assert_eq!(
            spoken_text("Kyiv hit by  overnight attack", &["Olena Kovalenko", "John Smith"], ARTICLE),
            [
                "Kyiv hit by overnight attack",
                "By Olena Kovalenko and John Smith.",
                "Russian forces struck Kyiv overnight with drones and missiles, officials said.",
                "What happened",
                "“We heard the first explosions at 4 a.m.,” said Olena, 34.",
                "Two districts lost power;",
                "one school was damaged.",
                "The city will rebuild & recover.",
                "Set the timeout to 30 seconds.",
                "Why now?",
                "Because winter is coming.",
                "Ends here.",
            ]
        );
    }

    #[test]
    fn an_imported_ghost_post_reads_only_its_prose() {
        // What the Ghost importer makes of Lexical cards, after sanitising, as stored.
        let stored = crate::sanitize_html(
            "<p>Intro with a <a href=\"https://example.org\">link</a>.</p>\
             <figure><img src=\"https://cdn.example.org/a.jpg\" alt=\"A river\"><figcaption>The <b>Dnipro</b></figcaption></figure>\
             <pre><code>let a = 1 &lt; 2;</code></pre>\
             <figure><p><a href=\"https://video.example.org/v/1\">Film</a></p></figure>\
             <figure><p><a href=\"https://example.org/b\">Bee</a></p><p>Hum</p></figure>\
             <aside><p>💡 Note this</p></aside>\
             <p>Question Answer</p>\
             <!--members-only-->\
             <p>For members.</p>",
        );
        assert_eq!(spoken_text("", &[], &stored), ["Intro with a link.", "Question Answer", "For members."]);
    }

    #[test]
    fn markdown_footnote_marks_are_not_read_but_the_notes_are() {
        let html = crate::markdown_to_html(
            "## Shelling\n\nThe claim was denied.[^1] Officials spoke.\n\n\
             | Region | Outages |\n|---|---|\n| Kyiv | 3 |\n\n\
             ```\ncurl example\n```\n\n* * *\n\n[^1]: Ministry statement, 5 May.\n",
        );
        assert_eq!(
            spoken_text("", &[], &html),
            ["Shelling", "The claim was denied. Officials spoke.", "Ministry statement, 5 May."]
        );
    }

    #[test]
    fn bylines_list_every_author() {
        assert_eq!(byline(&[]), None);
        assert_eq!(byline(&[" "]), None);
        assert_eq!(byline(&["Olena Kovalenko"]).as_deref(), Some("By Olena Kovalenko."));
        assert_eq!(byline(&["A", "B", "C"]).as_deref(), Some("By A, B and C."));
        assert_eq!(byline(&["John Smith Jr."]).as_deref(), Some("By John Smith Jr."));
    }

    #[test]
    fn an_empty_title_and_no_authors_leave_only_the_body() {
        assert_eq!(spoken_text(" ", &[], "<p>Body</p>"), ["Body"]);
    }

    #[test]
    fn broken_html_is_repaired_before_reading() {
        assert_eq!(
            spoken_text(
                "",
                &[],
                "<p>One <em>two<p>Three<figure><figcaption>Cap <b>x</figure><p>Four &amp;c &#8212; done"
            ),
            ["One two", "Three", "Four &c — done"]
        );
    }

    #[test]
    fn a_line_break_is_a_pause_between_paragraphs() {
        assert_eq!(
            spoken_text("", &[], "<p>12 Khreshchatyk St.<br>Kyiv</p><hr><p>Next</p>"),
            ["12 Khreshchatyk St.", "Kyiv", "Next"]
        );
    }

    #[test]
    fn the_members_only_marker_is_not_read() {
        assert_eq!(spoken_text("", &[], "<p>Open</p><!--members-only--><p>Closed</p>"), ["Open", "Closed"]);
    }

    #[test]
    fn a_class_attribute_containing_markup_does_not_confuse_the_reader() {
        assert_eq!(
            spoken_text("", &[], r#"<div class="a>b kg-embed-card"><p>Embed</p></div><p class="x>y">Prose</p>"#),
            ["Prose"]
        );
    }

    #[test]
    fn paragraphs_are_made_speakable_with_the_lexicon() {
        let lexicon = Lexicon::parse([("Kovalenko", "ko-va-LEN-ko")]).expect("a valid lexicon");
        assert_eq!(
            spoken_paragraphs(
                "Kyiv hit at 4 a.m.",
                &["Olena Kovalenko"],
                "<p>Damage is put at $2.5bn. Dr. Kovalenko said 3,000 homes lost power.</p>",
                &lexicon
            ),
            [
                "Kyiv hit at four a m.",
                "By Olena ko-va-LEN-ko.",
                "Damage is put at two point five billion dollars. Doctor ko-va-LEN-ko said three thousand homes lost power.",
            ]
        );
    }

    proptest! {
        #[test]
        fn never_panics_on_arbitrary_text(html in "\\PC{0,300}", title in "\\PC{0,20}") {
            let _ = spoken_text(&title, &[&title], &html);
        }

        #[test]
        fn never_panics_and_never_returns_markup_or_blank_paragraphs(html in "(<(p|div|figure|figcaption|pre|code|a|em|li|ul|script|table|td)( class=\"(kg-embed-card|kg-image-card|x)\")?>|</(p|div|figure|figcaption|pre|code|a|em|li|ul|script|table|td)>|<!--members-only-->|&amp;|&lt;|[a-z .<>\"&]{0,8}){0,30}") {
            let paragraphs = spoken_text("", &[], &html);
            for paragraph in &paragraphs {
                prop_assert!(!paragraph.trim().is_empty());
                prop_assert!(!paragraph.contains("members-only"), "{paragraph:?}");
            }
        }
    }
}
