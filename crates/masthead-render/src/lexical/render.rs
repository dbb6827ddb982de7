//! Lexical nodes to HTML, in the markup Ghost's renderer gives the same nodes (`kg-*` card
//! classes), so themes and clients written for Ghost read Masthead's stories unchanged.

use std::collections::HashMap;
use std::sync::LazyLock;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC};

use masthead_core::MEMBERS_ONLY_MARKER;

use super::embed;
use super::nodes::{Block, Bookmark, Cell, Embed, Image, Inline, List, Table};
use crate::escape_html as escape;

/// Lexical's text format bits and their tags, outermost first.
const TEXT_FORMATS: [(u64, &str); 8] =
    [(1, "strong"), (2, "em"), (4, "s"), (8, "u"), (16, "code"), (32, "sub"), (64, "sup"), (128, "mark")];

#[derive(Default)]
pub(super) struct Renderer {
    pub html: String,
    pub warnings: Vec<String>,
    /// How many headings had each anchor so far: a repeated one gets `-1`, `-2`, ...
    heading_ids: HashMap<String, usize>,
    /// Notes referenced since the last list of notes, with their numbers.
    notes: Vec<(usize, String)>,
    notes_numbered: usize,
}

impl Renderer {
    pub fn document(&mut self, blocks: &[Block]) {
        // A last paragraph with nothing but spaces is the editor's empty line, not content.
        let blocks = match blocks.split_last() {
            Some((Block::Paragraph(content), rest)) if inline_text(content).trim().is_empty() => rest,
            _ => blocks,
        };
        for block in blocks {
            if *block == Block::Paywall {
                // Readers of the public opening see the notes of what they read, and no others.
                self.flush_notes();
                self.html.push_str(MEMBERS_ONLY_MARKER);
            } else {
                self.block(block);
            }
        }
        self.flush_notes();
    }

    fn block(&mut self, block: &Block) {
        let html = match block {
            Block::Paragraph(content) => format!("<p>{}</p>", self.inlines(content)),
            Block::Heading { level, content } => {
                let inner = self.inlines(content);
                let id = self.heading_id(&inline_text(content));
                format!("<h{level} id=\"{id}\">{inner}</h{level}>")
            }
            Block::Quote(content) => format!("<blockquote>{}</blockquote>", self.inlines(content)),
            Block::Aside(content) => {
                format!("<blockquote class=\"kg-blockquote-alt\">{}</blockquote>", self.inlines(content))
            }
            Block::List(list) => self.list(list),
            Block::Image(image) => image_card(image),
            Block::Gallery { images, caption } => gallery_card(images, caption.as_deref()),
            Block::Embed(embed) => embed_card(embed),
            Block::Bookmark(bookmark) => bookmark_card(bookmark),
            Block::Callout { text, emoji, color } => {
                let emoji = emoji.as_deref().map(|e| format!("<div class=\"kg-callout-emoji\">{}</div>", escape(e)));
                format!(
                    "<div class=\"kg-card kg-callout-card kg-callout-card-{}\">{}<div class=\"kg-callout-text\">{}</div></div>",
                    callout_colour(color),
                    emoji.unwrap_or_default(),
                    callout_text(text)
                )
            }
            Block::Divider => "<hr>".to_owned(),
            Block::Button { text, url, alignment } => {
                if url.trim().is_empty() {
                    return;
                }
                let alignment = if alignment == "left" { "left" } else { "center" };
                let text = if text.trim().is_empty() { "Button Title" } else { text };
                format!(
                    "<div class=\"kg-card kg-button-card kg-align-{alignment}\"><a href=\"{}\" class=\"kg-btn kg-btn-accent\">{}</a></div>",
                    escape(url),
                    escape(text)
                )
            }
            Block::Html(html) => html.clone(),
            Block::EmailOnly => return,
            Block::Markdown(markdown) => crate::markdown_to_html(markdown),
            Block::Code { code, language, caption } => {
                if code.trim().is_empty() {
                    return;
                }
                let class =
                    language.as_deref().map(|l| format!(" class=\"language-{}\"", escape(l))).unwrap_or_default();
                let pre = format!("<pre><code{class}>{}</code></pre>", escape(code));
                match caption {
                    Some(caption) => {
                        format!(
                            "<figure class=\"kg-card kg-code-card\">{pre}<figcaption>{caption}</figcaption></figure>"
                        )
                    }
                    None => pre,
                }
            }
            Block::Paywall => MEMBERS_ONLY_MARKER.to_owned(),
            Block::Table(table) => self.table(table),
            Block::Unknown { kind, text } => {
                self.warnings.push(format!("Lexical node \"{kind}\" is not supported; its text was kept"));
                if text.is_empty() { String::new() } else { format!("<p>{}</p>", escape(text)) }
            }
        };
        self.html.push_str(&html);
    }

    /// A heading's anchor, by Ghost's rule so links to a story's sections keep working: the
    /// text trimmed and lower-cased, punctuation dropped, spaces as hyphens (a run of hyphens
    /// dropped whole), percent-encoded; a repeated anchor gets `-1`, `-2`, ... by how many
    /// headings had the same one before.
    fn heading_id(&mut self, text: &str) -> String {
        const DROPPED: &str = "[]!\"#$%&'()*+,./:;<=>?@\\^_{|}~";
        let kept: String = text.trim().to_lowercase().chars().filter(|c| !DROPPED.contains(*c)).collect();
        let hyphenated = kept.split_whitespace().collect::<Vec<_>>().join("-");
        let base: String = hyphenated
            .split("--")
            .enumerate()
            .map(|(i, part)| if i == 0 { part } else { part.trim_start_matches('-') })
            .collect::<String>()
            .trim_matches('-')
            .to_owned();
        let base = percent_encoding::utf8_percent_encode(&base, ANCHOR).to_string();
        let seen = self.heading_ids.entry(base.clone()).or_insert(0);
        *seen += 1;
        match *seen {
            1 => base,
            n => format!("{base}-{}", n - 1),
        }
    }

    /// Inline content. Formats stay open across neighbouring text that keeps them (and across
    /// line breaks), as Ghost's renderer writes them: `<strong>a<br>b</strong>`. A format that
    /// the next pieces keep longer is opened further out; a format that ends is closed with
    /// whatever was opened inside it, and those are opened again if they go on.
    fn inlines(&mut self, content: &[Inline]) -> String {
        let mut out = String::new();
        let mut open: Vec<&'static str> = Vec::new();
        for (i, inline) in content.iter().enumerate() {
            match inline {
                Inline::Text { text, format } => {
                    let wanted: Vec<&'static str> =
                        TEXT_FORMATS.iter().filter(|(bit, _)| format & bit != 0).map(|(_, tag)| *tag).collect();
                    let keep = open.iter().take_while(|tag| wanted.contains(tag)).count();
                    close(&mut out, &mut open, keep);
                    let mut opening: Vec<&'static str> = wanted.into_iter().filter(|tag| !open.contains(tag)).collect();
                    // Longest-lasting first; `sort_by_key` is stable, so ties keep the table's order.
                    opening.sort_by_key(|tag| std::cmp::Reverse(lasts(&content[i + 1..], tag)));
                    for tag in opening {
                        out.push_str(&format!("<{tag}>"));
                        open.push(tag);
                    }
                    out.push_str(&escape(text));
                }
                Inline::LineBreak => out.push_str("<br>"),
                Inline::Tab => out.push('\t'),
                other => {
                    close(&mut out, &mut open, 0);
                    let html = self.inline(other);
                    out.push_str(&html);
                }
            }
        }
        close(&mut out, &mut open, 0);
        out
    }

    fn inline(&mut self, inline: &Inline) -> String {
        match inline {
            Inline::Text { .. } | Inline::LineBreak | Inline::Tab => self.inlines(std::slice::from_ref(inline)),
            Inline::Link { url, rel, content } => {
                let mut attributes = String::new();
                if !url.is_empty() {
                    attributes.push_str(&format!(" href=\"{}\"", escape(url)));
                }
                if let Some(rel) = rel {
                    attributes.push_str(&format!(" rel=\"{}\"", escape(rel)));
                }
                format!("<a{attributes}>{}</a>", self.inlines(content))
            }
            Inline::Footnote(content) => {
                self.notes_numbered += 1;
                let n = self.notes_numbered;
                let note = self.inlines(content);
                self.notes.push((n, note));
                format!(
                    "<sup class=\"footnote-ref\" id=\"fnref-{n}\"><a href=\"#fn-{n}\" aria-label=\"Note {n}\">{n}</a></sup>"
                )
            }
            Inline::List(list) => self.list(list),
            Inline::Unknown { kind, text } => {
                self.warnings.push(format!("Lexical node \"{kind}\" is not supported; its text was kept"));
                escape(text)
            }
        }
    }

    /// A list. Lexical keeps a nested list in an item of its own after the item it belongs
    /// to; it is written inside that item, as Ghost writes it.
    fn list(&mut self, list: &List) -> String {
        let tag = if list.ordered { "ol" } else { "ul" };
        let mut items: Vec<String> = Vec::new();
        for item in &list.items {
            let html = self.inlines(item);
            match (item.first(), items.last_mut()) {
                (Some(Inline::List(_)), Some(previous)) => previous.push_str(&html),
                _ => items.push(html),
            }
        }
        let start = if list.ordered && list.start != 1 { format!(" start=\"{}\"", list.start) } else { String::new() };
        let items: String = items.iter().map(|item| format!("<li>{item}</li>")).collect();
        format!("<{tag}{start}>{items}</{tag}>")
    }

    fn table(&mut self, table: &Table) -> String {
        let mut out = String::from("<figure class=\"kg-card kg-table-card\">");
        // A wide table scrolls inside its frame on a phone; the frame is focusable so a keyboard
        // can scroll it, and named so a screen reader says what it is.
        let label = table.caption.as_deref().map(crate::html_to_plaintext).unwrap_or_else(|| "Table".to_owned());
        out.push_str(&format!(
            "<div class=\"kg-table-scroll\" role=\"region\" tabindex=\"0\" aria-label=\"{}\"><table>",
            escape(&label)
        ));
        if let Some(caption) = &table.caption {
            out.push_str(&format!("<caption>{caption}</caption>"));
        }
        let header_rows = table.rows.iter().take_while(|row| !row.is_empty() && row.iter().all(|c| c.header)).count();
        for (section, rows) in [("thead", &table.rows[..header_rows]), ("tbody", &table.rows[header_rows..])] {
            if rows.is_empty() {
                continue;
            }
            out.push_str(&format!("<{section}>"));
            for row in rows {
                out.push_str("<tr>");
                for cell in row {
                    out.push_str(&self.cell(cell, section == "thead"));
                }
                out.push_str("</tr>");
            }
            out.push_str(&format!("</{section}>"));
        }
        out.push_str("</table></div></figure>");
        out
    }

    fn cell(&mut self, cell: &Cell, in_head: bool) -> String {
        let (tag, scope) = match (cell.header, in_head) {
            (true, true) => ("th", " scope=\"col\""),
            (true, false) => ("th", " scope=\"row\""),
            _ => ("td", ""),
        };
        let span = if cell.col_span > 1 { format!(" colspan=\"{}\"", cell.col_span) } else { String::new() };
        let paragraphs: Vec<String> = cell.content.iter().map(|p| self.inlines(p)).collect();
        format!("<{tag}{scope}{span}>{}</{tag}>", paragraphs.join("<br>"))
    }

    /// Lists the notes referenced since the last list, numbered, each with a link back.
    fn flush_notes(&mut self) {
        if self.notes.is_empty() {
            return;
        }
        self.html.push_str("<section class=\"footnotes\" aria-label=\"Notes\"><ol>");
        for (n, note) in std::mem::take(&mut self.notes) {
            self.html.push_str(&format!(
                "<li id=\"fn-{n}\" value=\"{n}\"><p>{note} <a href=\"#fnref-{n}\" class=\"footnote-back\" aria-label=\"Back to note {n} in the text\">↩</a></p></li>"
            ));
        }
        self.html.push_str("</ol></section>");
    }
}

/// What a heading's anchor keeps unencoded: letters, digits and hyphens (everything else the
/// anchor rule leaves is encoded, as `encodeURIComponent` would).
const ANCHOR: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-');

/// The text of inline content, formats and links aside (a line break is a new line).
fn inline_text(content: &[Inline]) -> String {
    content
        .iter()
        .map(|inline| match inline {
            Inline::Text { text, .. } => text.clone(),
            Inline::Link { content, .. } => inline_text(content),
            Inline::LineBreak => "\n".to_owned(),
            Inline::Tab => "\t".to_owned(),
            Inline::Footnote(_) | Inline::List(_) => String::new(),
            Inline::Unknown { text, .. } => text.clone(),
        })
        .collect()
}

/// Closes the open formats above the first `keep`, innermost first.
fn close(out: &mut String, open: &mut Vec<&'static str>, keep: usize) {
    while open.len() > keep {
        if let Some(tag) = open.pop() {
            out.push_str(&format!("</{tag}>"));
        }
    }
}

/// How many of the next text pieces keep format `tag` (line breaks do not interrupt it).
fn lasts(next: &[Inline], tag: &str) -> usize {
    let bit = TEXT_FORMATS.iter().find(|(_, t)| *t == tag).map_or(0, |(bit, _)| *bit);
    next.iter()
        .filter(|inline| !matches!(inline, Inline::LineBreak | Inline::Tab))
        .take_while(|inline| matches!(inline, Inline::Text { format, .. } if format & bit != 0))
        .count()
}

/// A callout's colour class: Ghost's palette names; anything else is `white`.
fn callout_colour(colour: &str) -> &str {
    if colour.is_empty() {
        "blue"
    } else if colour.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        colour
    } else {
        "white"
    }
}

/// A callout's text is one run of inline text: other elements are unwrapped, keeping their
/// content, as Ghost cleans it.
fn callout_text(html: &str) -> String {
    static INLINE_ONLY: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
        let mut builder = ammonia::Builder::empty();
        builder
            .add_tags(["a", "strong", "em", "b", "i", "br", "code", "mark", "s", "del", "u", "sup", "sub"])
            .add_tag_attributes("a", ["href", "rel"])
            .add_generic_attributes(["class"])
            .link_rel(None)
            .url_schemes(std::collections::HashSet::from(["http", "https", "mailto", "tel"]));
        builder
    });
    INLINE_ONLY.clean(html).to_string()
}

fn width_class(card_width: &str) -> &'static str {
    match card_width {
        "wide" => " kg-width-wide",
        "full" => " kg-width-full",
        _ => "",
    }
}

/// `<figcaption>`: the caption (HTML), then the credit, if either is there.
fn figcaption(caption: Option<&str>, credit: Option<&str>) -> String {
    let credit = credit.map(|c| format!("<span class=\"kg-image-credit\">{}</span>", escape(c)));
    match (caption, credit) {
        (None, None) => String::new(),
        (Some(caption), None) => format!("<figcaption>{caption}</figcaption>"),
        (None, Some(credit)) => format!("<figcaption>{credit}</figcaption>"),
        (Some(caption), Some(credit)) => format!("<figcaption>{caption} {credit}</figcaption>"),
    }
}

/// The widest an image on this site is shown at: bigger ones are described at this width.
const WIDEST_IMAGE: u64 = 2000;

/// An image's width and height as the page states them, and its `srcset`: an image stored
/// here (under `/content/images/`) is offered in the widths the media store makes of it.
struct Sizing {
    dimensions: Option<(u64, u64)>,
    srcset: Option<String>,
}

fn sizing(image: &Image) -> Sizing {
    let local = image.src.strip_prefix("/content/images/").filter(|rest| !rest.starts_with("size/"));
    let Some((width, height)) = image.width.zip(image.height).filter(|(w, h)| *w > 0 && *h > 0) else {
        return Sizing { dimensions: None, srcset: None };
    };
    if let Some(srcset) = unsplash_srcset(&image.src, width) {
        return Sizing { dimensions: Some((width, height)), srcset: Some(srcset) };
    }
    let (Some(rest), true) = (local, width > u64::from(masthead_core::IMAGE_WIDTHS[0])) else {
        return Sizing { dimensions: Some((width, height)), srcset: None };
    };
    let mut candidates: Vec<String> = masthead_core::IMAGE_WIDTHS
        .iter()
        .filter(|&&w| u64::from(w) < width)
        .map(|w| format!("/content/images/size/w{w}/{rest} {w}w"))
        .collect();
    candidates.push(format!("{} {width}w", image.src));
    let shown = if width > WIDEST_IMAGE {
        (WIDEST_IMAGE, (height * WIDEST_IMAGE + width / 2) / width)
    } else {
        (width, height)
    };
    Sizing { dimensions: Some(shown), srcset: Some(candidates.join(", ")) }
}

/// Unsplash serves any width asked for in its `w` parameter: the widths Ghost offers, up to the
/// image's own.
fn unsplash_srcset(src: &str, width: u64) -> Option<String> {
    let (address, query) = src.strip_prefix("https://images.unsplash.com/")?.split_once('?')?;
    let candidates: Vec<String> = [600, 1000, 1600, 2400]
        .into_iter()
        .filter(|&w| w <= width)
        .map(|w| {
            let mut parameters: Vec<String> =
                query.split('&').filter(|p| !p.starts_with("w=")).map(str::to_owned).collect();
            parameters.push(format!("w={w}"));
            format!("https://images.unsplash.com/{address}?{} {w}w", parameters.join("&"))
        })
        .collect();
    (!candidates.is_empty()).then(|| candidates.join(", "))
}

/// `sizes` for an image of `width` shown in a column (720 px) or across a wide card (1200 px).
fn sizes(width: u64, wide: bool) -> Option<&'static str> {
    match (wide, width) {
        (true, 1200..) => Some("(min-width: 1200px) 1200px"),
        (false, 720..) => Some("(min-width: 720px) 720px"),
        _ => None,
    }
}

fn image_card(image: &Image) -> String {
    if image.src.is_empty() {
        return String::new();
    }
    let has_caption = image.caption.is_some() || image.credit.is_some();
    let Sizing { dimensions, srcset } = sizing(image);
    let mut picture = format!(
        "<img src=\"{}\" class=\"kg-image\" alt=\"{}\" loading=\"lazy\"",
        escape(&image.src),
        escape(&image.alt)
    );
    if let Some(title) = &image.title {
        picture.push_str(&format!(" title=\"{}\"", escape(title)));
    }
    if let Some((width, height)) = dimensions {
        picture.push_str(&format!(" width=\"{width}\" height=\"{height}\""));
    }
    if let Some(srcset) = srcset {
        picture.push_str(&format!(" srcset=\"{}\"", escape(&srcset)));
        let width = image.width.unwrap_or_default();
        let sizes = match image.card_width.as_str() {
            "full" => None,
            "wide" => sizes(width, true),
            _ => sizes(width, false),
        };
        if let Some(sizes) = sizes {
            picture.push_str(&format!(" sizes=\"{sizes}\""));
        }
    }
    picture.push('>');
    let picture = match &image.href {
        Some(href) => format!("<a href=\"{}\">{picture}</a>", escape(href)),
        None => picture,
    };
    format!(
        "<figure class=\"kg-card kg-image-card{}{}\">{picture}{}</figure>",
        width_class(&image.card_width),
        if has_caption { " kg-card-hascaption" } else { "" },
        figcaption(image.caption.as_deref(), image.credit.as_deref())
    )
}

/// The gallery's rows: as the editor placed the images (three to a row when it did not say),
/// except that a last row of one takes the image before it, as Ghost lays galleries out.
fn gallery_rows(images: &[Image]) -> Vec<&[Image]> {
    let mut rows: Vec<u64> = images.iter().enumerate().map(|(i, image)| image.row.unwrap_or(i as u64 / 3)).collect();
    if images.len() > 1 && images.len() % 3 == 1 {
        let last = rows[rows.len() - 1];
        let before = rows.len() - 2;
        rows[before] = last;
    }
    let mut out = Vec::new();
    let mut start = 0;
    for i in 1..=images.len() {
        if i == images.len() || rows[i] != rows[start] {
            out.push(&images[start..i]);
            start = i;
        }
    }
    out
}

fn gallery_card(images: &[Image], caption: Option<&str>) -> String {
    if images.is_empty() {
        return String::new();
    }
    let mut out = format!(
        "<figure class=\"kg-card kg-gallery-card kg-width-wide{}\"><div class=\"kg-gallery-container\">",
        if caption.is_some() { " kg-card-hascaption" } else { "" }
    );
    let alone = images.len() == 1;
    for row in gallery_rows(images) {
        out.push_str("<div class=\"kg-gallery-row\">");
        for image in row {
            let Sizing { dimensions, srcset } = sizing(image);
            let mut picture = format!("<img src=\"{}\"", escape(&image.src));
            if let Some((width, height)) = dimensions {
                picture.push_str(&format!(" width=\"{width}\" height=\"{height}\""));
            }
            picture.push_str(&format!(" loading=\"lazy\" alt=\"{}\"", escape(&image.alt)));
            if let Some(title) = &image.title {
                picture.push_str(&format!(" title=\"{}\"", escape(title)));
            }
            if let Some(srcset) = srcset {
                picture.push_str(&format!(" srcset=\"{}\"", escape(&srcset)));
                // A gallery of one shows its image across the wide card when it is wide enough.
                let width = image.width.unwrap_or_default();
                if let Some(sizes) = sizes(width, alone).or_else(|| sizes(width, false)) {
                    picture.push_str(&format!(" sizes=\"{sizes}\""));
                }
            }
            picture.push('>');
            let picture = match &image.href {
                Some(href) => format!("<a href=\"{}\">{picture}</a>", escape(href)),
                None => picture,
            };
            out.push_str(&format!("<div class=\"kg-gallery-image\">{picture}</div>"));
        }
        out.push_str("</div>");
    }
    out.push_str("</div>");
    out.push_str(&figcaption(caption, None));
    out.push_str("</figure>");
    out
}

fn embed_card(embed: &Embed) -> String {
    let caption = embed.caption.as_deref();
    let mut out = format!(
        "<figure class=\"kg-card kg-embed-card{}\">",
        if caption.is_some() { " kg-card-hascaption" } else { "" }
    );
    match embed::player(&embed.url) {
        Some(player) => {
            let (width, height) = player.shape.size();
            let title = match &embed.title {
                Some(title) => format!("{}: {title}", player.provider),
                None => format!("{} embed", player.provider),
            };
            out.push_str(&format!(
                "<iframe src=\"{}\" class=\"{}\" title=\"{}\" width=\"{width}\" height=\"{height}\" loading=\"lazy\" allowfullscreen referrerpolicy=\"strict-origin-when-cross-origin\"></iframe>",
                escape(&player.src),
                player.shape.class(),
                escape(&title),
            ));
        }
        None => {
            // The provider's markup, sanitised with the story (scripts and unknown frames go),
            // and a link to what was embedded, so the reader can always reach it.
            if !embed.html.contains("<iframe") {
                out.push_str(&embed.html);
            }
            if !embed.url.is_empty() {
                let text = embed.title.as_deref().unwrap_or(&embed.url);
                out.push_str(&format!("<p><a href=\"{}\">{}</a></p>", escape(&embed.url), escape(text)));
            }
        }
    }
    out.push_str(&figcaption(caption, None));
    out.push_str("</figure>");
    out
}

/// A link card, in Ghost's markup, class names included: the publisher's name is in
/// `kg-bookmark-author` and the author's in `kg-bookmark-publisher`, which Ghost's themes style.
fn bookmark_card(bookmark: &Bookmark) -> String {
    if bookmark.url.trim().is_empty() {
        return String::new();
    }
    let mut metadata = String::new();
    if let Some(icon) = &bookmark.icon {
        metadata.push_str(&format!("<img class=\"kg-bookmark-icon\" src=\"{}\" alt=\"\">", escape(icon)));
    }
    for (class, value) in [("author", &bookmark.publisher), ("publisher", &bookmark.author)] {
        if let Some(value) = value {
            metadata.push_str(&format!("<span class=\"kg-bookmark-{class}\">{}</span>", escape(value)));
        }
    }
    let thumbnail = bookmark
        .thumbnail
        .as_deref()
        .map(|t| format!("<div class=\"kg-bookmark-thumbnail\"><img src=\"{}\" alt=\"\"></div>", escape(t)))
        .unwrap_or_default();
    let caption = bookmark.caption.as_deref();
    format!(
        "<figure class=\"kg-card kg-bookmark-card{}\"><a class=\"kg-bookmark-container\" href=\"{}\"><div class=\"kg-bookmark-content\"><div class=\"kg-bookmark-title\">{}</div><div class=\"kg-bookmark-description\">{}</div><div class=\"kg-bookmark-metadata\">{metadata}</div></div>{thumbnail}</a>{}</figure>",
        if caption.is_some() { " kg-card-hascaption" } else { "" },
        escape(&bookmark.url),
        escape(bookmark.title.as_deref().unwrap_or(&bookmark.url)),
        escape(bookmark.description.as_deref().unwrap_or_default()),
        figcaption(caption, None),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn images(rows: &[Option<u64>]) -> Vec<Image> {
        rows.iter().map(|&row| Image { src: "/a.jpg".into(), row, ..Image::default() }).collect()
    }

    fn row_sizes(rows: &[Option<u64>]) -> Vec<usize> {
        gallery_rows(&images(rows)).iter().map(|row| row.len()).collect()
    }

    #[test]
    fn galleries_keep_the_editors_rows_without_a_lonely_last_image() {
        assert_eq!(row_sizes(&[Some(0)]), [1]);
        assert_eq!(row_sizes(&[Some(0), Some(0), Some(0), Some(1)]), [2, 2]);
        assert_eq!(row_sizes(&[Some(0), Some(0), Some(0), Some(1), Some(1)]), [3, 2]);
        assert_eq!(row_sizes(&[Some(0), Some(1), Some(1)]), [1, 2], "as the editor placed them");
        assert_eq!(row_sizes(&[None; 7]), [3, 2, 2], "three to a row when the editor did not say");
    }

    #[test]
    fn anchors_follow_ghosts_rule() {
        let mut renderer = Renderer::default();
        let ids: Vec<String> = ["Curfew", "Curfew", "Curfew 1", "Q&A: What's next?", "Day 3 -- the bridge", "Київ", ""]
            .iter()
            .map(|text| renderer.heading_id(text))
            .collect();
        assert_eq!(
            ids,
            ["curfew", "curfew-1", "curfew-1", "qa-whats-next", "day-3the-bridge", "%D0%BA%D0%B8%D1%97%D0%B2", ""]
        );
    }
}
