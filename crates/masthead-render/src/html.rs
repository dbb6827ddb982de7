//! Sanitising user HTML, and deriving plain text from it.

use std::collections::HashSet;
use std::sync::LazyLock;

use masthead_core::MEMBERS_ONLY_MARKER;

static SANITIZER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut builder = ammonia::Builder::default();
    builder
        .add_tags(["figure", "figcaption", "picture", "source", "section", "aside", "mark", "time"])
        .add_tag_attributes("img", ["srcset", "sizes", "loading", "width", "height"])
        .add_tag_attributes("source", ["srcset", "sizes", "type", "media"])
        .add_tag_attributes("time", ["datetime"])
        .add_tag_attributes("td", ["align", "colspan", "rowspan"])
        .add_tag_attributes("th", ["align", "scope", "colspan", "rowspan"])
        .add_tag_attributes("li", ["value"])
        .add_tags(["iframe"])
        .add_tag_attributes(
            "iframe",
            ["src", "title", "width", "height", "loading", "allowfullscreen", "referrerpolicy"],
        )
        // Embedded players run sandboxed: scripts in their own origin, no access to the page.
        // (One attribute set here: ammonia writes several in no fixed order.)
        .set_tag_attribute_value("iframe", "sandbox", EMBED_SANDBOX)
        .add_tag_attributes("div", ["role", "tabindex", "aria-label"])
        .add_tag_attributes("section", ["aria-label"])
        .add_tag_attributes("a", ["aria-label", "target", "rel"])
        .add_generic_attributes(["id", "class"])
        .id_prefix(None)
        // Links are kept as written (Ghost adds no `rel`).
        .link_rel(None)
        .url_schemes(HashSet::from(["http", "https", "mailto", "tel"]))
        // The serialiser leaves `<` as it is in attribute values, so an attribute could spell the
        // members-only marker; only the one marker `sanitize_html` places may ever appear.
        .attribute_filter(|element, attribute, value| {
            // A frame loads only a known provider's embed page (see `lexical::embed`).
            if (element, attribute) == ("iframe", "src") && !crate::lexical::embed::is_embed_src(value) {
                return None;
            }
            if !value.contains(MEMBERS_ONLY_MARKER) {
                return Some(value.into());
            }
            // Removing one can join the text around it into another, so until none is left.
            let mut value = value.to_owned();
            while value.contains(MEMBERS_ONLY_MARKER) {
                value = value.replace(MEMBERS_ONLY_MARKER, "");
            }
            Some(value.into())
        });
    builder
});

/// Escapes text for HTML content and double-quoted attribute values.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

/// What an embedded player may do in its frame: run its own scripts in its own origin, open
/// the provider's page in a new window, and go full screen; not navigate or script the story.
pub const EMBED_SANDBOX: &str = "allow-scripts allow-same-origin allow-popups allow-presentation";

/// Cleans HTML from staff or imports down to a safe allow-list. Idempotent: cleaning twice
/// changes nothing, so stored HTML can be re-cleaned on every save.
///
/// One pass is not always enough: HTML parsing repairs mis-nested markup (`<a><table><a>`)
/// into a tree whose serialisation parses differently again. Cleaning until the output stops
/// changing gives the fixed point, which is what makes the function idempotent.
///
/// Comments are removed, except Ghost's members-only marker (`<!--members-only-->`), which
/// says where the public opening of a gated post ends. The first marker is kept, at the top
/// level: each side is cleaned on its own (an element the marker sat inside is closed before it)
/// and later markers are dropped.
pub fn sanitize_html(html: &str) -> String {
    match html.split_once(MEMBERS_ONLY_MARKER) {
        Some((opening, rest)) => format!("{}{MEMBERS_ONLY_MARKER}{}", clean(opening), clean(rest)),
        None => clean(html),
    }
}

fn clean(html: &str) -> String {
    let mut current = SANITIZER.clean(html).to_string();
    for _ in 0..4 {
        let next = SANITIZER.clean(&current).to_string();
        if next == current {
            break;
        }
        current = next;
    }
    current
}

/// How many images the HTML shows, for the reading-time rule.
pub fn image_count(html: &str) -> usize {
    html.matches("<img").count()
}

/// Elements set apart on lines of their own. A `div` or a `figure` is not: Ghost runs the parts
/// of cards (a bookmark's title, description and publisher) together.
const BLOCK_TAGS: &[&str] = &[
    "p",
    "li",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "figcaption",
    "tr",
    "table",
    "ul",
    "ol",
    "pre",
    "hr",
    "section",
    "aside",
];

/// The text of sanitised HTML, laid out as Ghost lays out a post's `plaintext` (html-to-text
/// with Ghost's excerpt settings): paragraphs separated by blank lines, `h1`–`h3` by one more,
/// list items as ` * item` and ` 1. item` (numbered from the list's `start`), nested lists
/// indented under their item, a line per `<br>`, preformatted text as it is, figure captions
/// left out, entities decoded. Used for excerpts, reading time, feeds, narration and search.
pub fn html_to_plaintext(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    // Open lists, innermost last (`None` for a bulleted one, the last number given for a
    // numbered one), open figure captions and open `pre`s.
    let mut lists: Vec<Option<i64>> = Vec::new();
    let mut in_caption = 0usize;
    let mut in_pre = 0usize;
    while let Some(start) = rest.find('<') {
        if in_caption == 0 {
            push_text(&mut out, &rest[..start], in_pre > 0);
        }
        let Some(end) = rest[start..].find('>') else {
            rest = "";
            break;
        };
        let tag = &rest[start + 1..start + end];
        let closing = tag.starts_with('/');
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        let nested_list = matches!(name.as_str(), "ul" | "ol") && lists.len() > usize::from(closing);
        if name == "br" {
            out.push('\n');
        } else if BLOCK_TAGS.contains(&name.as_str()) && !out.ends_with("\n\n") && !out.is_empty() {
            out.truncate(out.trim_end_matches([' ', '\n']).len());
            out.push_str(if name == "li" || nested_list { "\n" } else { "\n\n" });
        }
        match (name.as_str(), closing) {
            ("h1" | "h2" | "h3", false) => out.push(MAJOR_HEADING),
            ("ul", false) => lists.push(None),
            ("ol", false) => lists.push(Some(list_start(tag) - 1)),
            ("ul" | "ol", true) => {
                lists.pop();
            }
            ("li", false) => {
                // Nested items are indented three spaces a level, as Ghost's text is.
                let depth = lists.len().saturating_sub(1);
                out.extend(std::iter::repeat_n(KEPT_SPACE, (3 * depth).saturating_sub(1)));
                match lists.last_mut() {
                    Some(None) => out.push(BULLET),
                    Some(Some(number)) => {
                        *number += 1;
                        out.push(NUMBER);
                        out.push_str(&number.to_string());
                        out.push_str(". ");
                    }
                    None => {}
                }
            }
            ("figcaption", false) => in_caption += 1,
            ("figcaption", true) => in_caption = in_caption.saturating_sub(1),
            ("pre", false) => in_pre += 1,
            ("pre", true) => in_pre = in_pre.saturating_sub(1),
            _ => {}
        }
        rest = &rest[start + end + 1..];
    }
    if in_caption == 0 {
        push_text(&mut out, rest, in_pre > 0);
    }
    let lines: Vec<String> = out.lines().map(|l| l.split_whitespace().collect::<Vec<_>>().join(" ")).collect();
    let mut text = lines.join("\n");
    while text.contains("\n\n\n") {
        text = text.replace("\n\n\n", "\n\n");
    }
    text.trim()
        .replace(&format!("{MAJOR_HEADING} "), &MAJOR_HEADING.to_string())
        .replace(&format!("\n\n{MAJOR_HEADING}"), "\n\n\n")
        .replace(MAJOR_HEADING, "")
        .replace(&format!("{BULLET} "), " * ")
        .replace(BULLET, " * ")
        .replace([NUMBER, KEPT_SPACE], " ")
}

/// The number a numbered list starts from (its `start`, else 1).
fn list_start(tag: &str) -> i64 {
    tag.split_once("start=\"").and_then(|(_, rest)| rest.split('"').next()?.parse().ok()).unwrap_or(1)
}

/// Text between tags, decoded; in preformatted text every space is kept.
fn push_text(out: &mut String, text: &str, preformatted: bool) {
    if preformatted {
        let mut decoded = String::new();
        push_decoded(&mut decoded, text);
        out.extend(decoded.chars().map(|c| if c == ' ' || c == '\t' { KEPT_SPACE } else { c }));
    } else {
        push_decoded(out, text);
    }
}

/// A space that laying out the text keeps (indentation), written as a space at the end.
const KEPT_SPACE: char = '\u{E003}';
/// Marks where an `h1`–`h3` starts while the text is laid out (private-use characters, never
/// left in the result): Ghost sets them off with one more blank line.
const MAJOR_HEADING: char = '\u{E000}';
/// Marks where an item of a bulleted list starts: Ghost writes ` * ` before it.
const BULLET: char = '\u{E001}';
/// Marks where an item of a numbered list starts: Ghost writes ` 1. ` before it.
const NUMBER: char = '\u{E002}';

pub(crate) fn push_decoded(out: &mut String, text: &str) {
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp..];
        match after.find(';').filter(|&semi| semi <= 10) {
            Some(semi) => {
                let entity = &after[1..semi];
                match decode_entity(entity) {
                    Some(c) => out.push(c),
                    None => out.push_str(&after[..=semi]),
                }
                rest = &after[semi + 1..];
            }
            None => {
                out.push('&');
                rest = &after[1..];
            }
        }
    }
    out.push_str(rest);
}

fn decode_entity(entity: &str) -> Option<char> {
    match entity {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        "nbsp" => Some(' '),
        _ => {
            let number = entity.strip_prefix('#')?;
            let code = match number.strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => number.parse().ok()?,
            };
            char::from_u32(code)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn plaintext_keeps_paragraphs_and_decodes_entities() {
        let text = html_to_plaintext(
            "<h2>Power cut</h2><p>Salt &amp; bread, &#8220;now&#8221;.</p><p>Second <em>para</em></p>",
        );
        assert_eq!(text, "Power cut\n\nSalt & bread, “now”.\n\nSecond para");
    }

    #[test]
    fn major_headings_are_set_off_by_one_more_blank_line_as_in_ghost() {
        let text =
            html_to_plaintext("<p>Before</p>\n<h2 id=\"x\">On the ground</h2><p>After</p><h4>Minor</h4><p>End</p>");
        assert_eq!(text, "Before\n\n\nOn the ground\n\nAfter\n\nMinor\n\nEnd");
    }

    #[test]
    fn bullets_are_starred_and_captions_left_out_as_in_ghost() {
        let text = html_to_plaintext(
            "<p>Prices:</p><ul><li>Bread</li><li>Oil</li></ul><ol><li>First</li></ol>\
             <figure><img src=a><figcaption>Photo: <b>A</b></figcaption></figure><p>End</p>",
        );
        assert_eq!(text, "Prices:\n\n * Bread\n * Oil\n\n 1. First\n\nEnd");
    }

    #[test]
    fn images_are_counted() {
        assert_eq!(image_count("<p><img src=a><img src=b></p>"), 2);
    }

    #[test]
    fn sanitiser_keeps_figures_and_drops_handlers() {
        let clean =
            sanitize_html(r#"<figure><img src="/a.jpg" alt="A" onload="x()"><figcaption>Cap</figcaption></figure>"#);
        assert_eq!(clean, r#"<figure><img src="/a.jpg" alt="A"><figcaption>Cap</figcaption></figure>"#);
    }

    #[test]
    fn the_members_only_marker_survives_and_other_comments_do_not() {
        let clean = sanitize_html("<p>Open</p>\n<!--members-only-->\n<p>Closed <!-- a note --></p><!--members-only-->");
        assert_eq!(clean, "<p>Open</p>\n<!--members-only-->\n<p>Closed </p>");
        // Inside an element, the element is closed before the marker and the rest kept after it.
        assert_eq!(
            sanitize_html("<div><p>Open</p><!--members-only--><p>Closed</p></div>"),
            "<div><p>Open</p></div><!--members-only--><p>Closed</p>"
        );
        // An attribute cannot smuggle in a second marker, however it is spelt.
        let sneaky = sanitize_html(r#"<img src="/a.jpg" alt="&lt;!--members-&lt;!--members-only--&gt;only--&gt;">"#);
        assert!(!sneaky.contains(MEMBERS_ONLY_MARKER), "{sneaky}");
        assert_eq!(sanitize_html(&sneaky), sneaky);
    }

    proptest! {
        #[test]
        fn sanitising_is_idempotent(html in "(<(p|a|img|script|figure|b|i|table|td|tr)( (href|src|onclick|id|alt)=\"[^\"<>]{0,12}\")?>|</(p|a|script|figure|b|i|table|td|tr)>|<!--members-only-->|&lt;!--members-only--&gt;|[a-z &;<>\"'=]{0,8}){0,24}") {
            let once = sanitize_html(&html);
            prop_assert_eq!(sanitize_html(&once), once.clone());
        }

        #[test]
        fn sanitising_arbitrary_text_is_idempotent(html in "\\PC{0,200}") {
            let once = sanitize_html(&html);
            prop_assert_eq!(sanitize_html(&once), once.clone());
        }
    }
}
