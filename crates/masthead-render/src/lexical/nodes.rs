//! A Lexical document as a tree of the nodes Masthead knows, parsed from its JSON.
//!
//! Parsing is forgiving in the way an editor's saved documents need: properties Ghost adds and
//! we do not use are ignored, a missing property takes Ghost's default, and a node we do not
//! know keeps its text (as [`Block::Unknown`] or [`Inline::Unknown`]) so no words are lost.

use serde_json::{Map, Value};

type Node = Map<String, Value>;

/// Blocks: what sits directly under the root.
#[derive(Clone, Debug, PartialEq)]
pub enum Block {
    Paragraph(Vec<Inline>),
    Heading {
        level: u8,
        content: Vec<Inline>,
    },
    Quote(Vec<Inline>),
    /// Ghost's alternative quote style (a pull quote).
    Aside(Vec<Inline>),
    List(List),
    Image(Image),
    Gallery {
        images: Vec<Image>,
        caption: Option<String>,
    },
    Embed(Embed),
    Bookmark(Bookmark),
    Callout {
        text: String,
        emoji: Option<String>,
        color: String,
    },
    Divider,
    Button {
        text: String,
        url: String,
        alignment: String,
    },
    /// HTML as staff wrote it: sanitised with the rest of the story.
    Html(String),
    Markdown(String),
    Code {
        code: String,
        language: Option<String>,
        caption: Option<String>,
    },
    /// Ghost's members-only divider: what follows is for those the story's visibility admits.
    Paywall,
    /// A card shown only in the newsletter (Ghost's `email` and `email-cta`, and an HTML card
    /// for email only): nothing on the web.
    EmailOnly,
    Table(Table),
    /// A node we do not render, with its text.
    Unknown {
        kind: String,
        text: String,
    },
}

/// Inline content of a paragraph, heading, quote or list item.
#[derive(Clone, Debug, PartialEq)]
pub enum Inline {
    Text {
        text: String,
        format: u64,
    },
    /// A link: its address and `rel` (Ghost keeps no `target` or `title` either).
    Link {
        url: String,
        rel: Option<String>,
        content: Vec<Inline>,
    },
    LineBreak,
    Tab,
    /// A numbered note: a reference here, its text at the end of the part of the story it is in.
    Footnote(Vec<Inline>),
    /// A list inside a list item.
    List(List),
    Unknown {
        kind: String,
        text: String,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub struct List {
    pub ordered: bool,
    /// The first item's number, for a numbered list.
    pub start: u64,
    pub items: Vec<Vec<Inline>>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Image {
    pub src: String,
    pub alt: String,
    pub title: Option<String>,
    /// HTML, as Ghost stores captions.
    pub caption: Option<String>,
    /// Who took the photo: shown after the caption. Ghost has no field for it.
    pub credit: Option<String>,
    pub width: Option<u64>,
    pub height: Option<u64>,
    /// `regular`, `wide` or `full`.
    pub card_width: String,
    pub href: Option<String>,
    /// The gallery row the editor placed the image in.
    pub row: Option<u64>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Embed {
    pub url: String,
    /// The provider's own markup, as Ghost's oEmbed lookup returned it: used only when the
    /// URL is not one of the providers we embed ourselves, and sanitised.
    pub html: String,
    pub title: Option<String>,
    pub caption: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Bookmark {
    pub url: String,
    pub title: Option<String>,
    pub description: Option<String>,
    pub icon: Option<String>,
    pub thumbnail: Option<String>,
    pub publisher: Option<String>,
    pub author: Option<String>,
    pub caption: Option<String>,
}

/// A table: rows of cells, each cell a list of paragraphs.
#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    pub caption: Option<String>,
    pub rows: Vec<Vec<Cell>>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Cell {
    /// A header cell (Lexical's `headerState` other than 0).
    pub header: bool,
    pub col_span: u64,
    pub content: Vec<Vec<Inline>>,
}

fn children(node: &Node) -> impl Iterator<Item = &Node> {
    node.get("children").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_object)
}

fn string(node: &Node, field: &str) -> String {
    node.get(field).and_then(Value::as_str).unwrap_or_default().to_owned()
}

/// A text property, `None` when missing or blank.
fn optional(node: &Node, field: &str) -> Option<String> {
    node.get(field).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned)
}

fn number(node: &Node, field: &str) -> Option<u64> {
    let value = node.get(field)?;
    value.as_u64().or_else(|| value.as_f64().filter(|n| *n >= 0.0).map(|n| n.round() as u64))
}

fn kind(node: &Node) -> &str {
    node.get("type").and_then(Value::as_str).unwrap_or_default()
}

/// The text under a node we do not know, or the usual text fields of a card.
fn salvage_text(node: &Node) -> String {
    fn walk(node: &Node, out: &mut Vec<String>) {
        if let Some(text) = node.get("text").and_then(Value::as_str) {
            out.push(text.to_owned());
        }
        for child in children(node) {
            walk(child, out);
        }
    }
    let mut parts = Vec::new();
    walk(node, &mut parts);
    if parts.is_empty() {
        for field in ["header", "heading", "title", "content", "subheader", "caption", "description", "html"] {
            if let Some(text) = optional(node, field) {
                parts.push(crate::html_to_plaintext(&text));
            }
        }
    }
    parts.join(" ").trim().to_owned()
}

pub(super) fn blocks(root: &Node) -> Vec<Block> {
    children(root).map(block).collect()
}

fn block(node: &Node) -> Block {
    match kind(node) {
        "paragraph" => Block::Paragraph(inlines(node)),
        "heading" | "extended-heading" => {
            let level =
                string(node, "tag").strip_prefix('h').and_then(|n| n.parse().ok()).filter(|n| (1..=6).contains(n));
            Block::Heading { level: level.unwrap_or(2), content: inlines(node) }
        }
        "quote" | "extended-quote" => Block::Quote(inlines(node)),
        "aside" => Block::Aside(inlines(node)),
        "list" => Block::List(list(node)),
        "image" => Block::Image(image(node)),
        "gallery" => Block::Gallery {
            images: node
                .get("images")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_object)
                .map(image)
                .filter(|i| !i.src.is_empty())
                .collect(),
            caption: optional(node, "caption"),
        },
        "embed" => Block::Embed(Embed {
            url: string(node, "url"),
            html: string(node, "html"),
            title: node.get("metadata").and_then(Value::as_object).and_then(|m| optional(m, "title")),
            caption: optional(node, "caption"),
        }),
        "bookmark" => {
            let metadata = node.get("metadata").and_then(Value::as_object).cloned().unwrap_or_default();
            Block::Bookmark(Bookmark {
                url: string(node, "url"),
                title: optional(&metadata, "title"),
                description: optional(&metadata, "description"),
                icon: optional(&metadata, "icon"),
                thumbnail: optional(&metadata, "thumbnail"),
                publisher: optional(&metadata, "publisher"),
                author: optional(&metadata, "author"),
                caption: optional(node, "caption"),
            })
        }
        "callout" => Block::Callout {
            text: string(node, "calloutText"),
            // Ghost's default is the light bulb; an empty emoji is the editor's "none".
            emoji: match node.get("calloutEmoji") {
                None | Some(Value::Null) => Some("💡".to_owned()),
                Some(_) => optional(node, "calloutEmoji"),
            },
            color: string(node, "backgroundColor"),
        },
        "horizontalrule" | "hr" => Block::Divider,
        "button" => Block::Button {
            text: string(node, "buttonText"),
            url: string(node, "buttonUrl"),
            alignment: optional(node, "alignment").unwrap_or_else(|| "center".to_owned()),
        },
        "html" if is_email_only(node) => Block::EmailOnly,
        "html" => Block::Html(string(node, "html")),
        "email" | "email-cta" => Block::EmailOnly,
        "markdown" => Block::Markdown(string(node, "markdown")),
        "codeblock" => Block::Code {
            code: string(node, "code"),
            language: optional(node, "language"),
            caption: optional(node, "caption"),
        },
        "paywall" => Block::Paywall,
        "table" => Block::Table(table(node)),
        // Inline content straight under the root: a paragraph of its own.
        "text" | "extended-text" | "link" | "autolink" | "linebreak" | "tab" | "footnote" => {
            Block::Paragraph(vec![inline(node)])
        }
        other => Block::Unknown { kind: other.to_owned(), text: salvage_text(node) },
    }
}

fn inlines(node: &Node) -> Vec<Inline> {
    // `zwnj` (an empty text node) and the editor's mention helpers render nothing.
    children(node).filter(|child| !matches!(kind(child), "zwnj" | "at-link" | "at-link-search")).map(inline).collect()
}

/// An HTML card shown only in the newsletter (its web visibility is nobody).
fn is_email_only(node: &Node) -> bool {
    let web = node.get("visibility").and_then(|v| v.get("web"));
    web.is_some_and(|web| {
        web.get("nonMember") == Some(&Value::Bool(false))
            && web.get("memberSegment").and_then(Value::as_str).is_some_and(str::is_empty)
    })
}

fn inline(node: &Node) -> Inline {
    match kind(node) {
        // `tk` is Koenig's "to come" placeholder, written as its text.
        "text" | "extended-text" | "tk" => {
            Inline::Text { text: string(node, "text"), format: number(node, "format").unwrap_or_default() }
        }
        "link" | "autolink" => {
            Inline::Link { url: string(node, "url"), rel: optional(node, "rel"), content: inlines(node) }
        }
        "linebreak" => Inline::LineBreak,
        "tab" => Inline::Tab,
        "footnote" => Inline::Footnote(inlines(node)),
        "list" => Inline::List(list(node)),
        // Anything else keeps its text.
        other => Inline::Unknown { kind: other.to_owned(), text: salvage_text(node) },
    }
}

fn list(node: &Node) -> List {
    let ordered = string(node, "listType") == "number" || string(node, "tag") == "ol";
    List { ordered, start: number(node, "start").unwrap_or(1), items: children(node).map(inlines).collect() }
}

fn image(node: &Node) -> Image {
    Image {
        src: string(node, "src"),
        alt: string(node, "alt"),
        title: optional(node, "title"),
        caption: optional(node, "caption"),
        credit: optional(node, "credit"),
        width: number(node, "width"),
        height: number(node, "height"),
        card_width: optional(node, "cardWidth").unwrap_or_else(|| "regular".to_owned()),
        href: optional(node, "href"),
        row: number(node, "row"),
    }
}

fn table(node: &Node) -> Table {
    let rows = children(node)
        .filter(|row| kind(row) == "tablerow")
        .map(|row| {
            children(row)
                .filter(|cell| kind(cell) == "tablecell")
                .map(|cell| Cell {
                    header: number(cell, "headerState").unwrap_or_default() != 0,
                    col_span: number(cell, "colSpan").unwrap_or(1).max(1),
                    content: children(cell).map(inlines).collect(),
                })
                .collect()
        })
        .collect();
    Table { caption: optional(node, "caption"), rows }
}
