//! Stories in Lexical, the editor's JSON format as Ghost stores it (`posts.lexical`).
//!
//! A document is parsed into a tree of the nodes Masthead knows ([`nodes`]), then rendered to
//! HTML in the markup Ghost gives the same nodes: paragraphs, headings (with anchors), quotes,
//! lists, links and text formats; the image, gallery, embed, bookmark, callout, divider,
//! button, HTML, Markdown and code cards; and the members-only divider (`paywall`). Beyond
//! Ghost: footnotes (an inline `footnote` node holding the note's text, numbered in order, listed
//! with links back) and tables (Lexical's `table` / `tablerow` / `tablecell` nodes, with an
//! optional caption). The plain text that excerpts, reading time, search and narration use is
//! taken from that HTML, so all of them follow the same tree.

pub mod embed;
mod nodes;
mod render;

pub use nodes::{Block, Inline};
use serde_json::Value;

/// Why a Lexical document could not be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum LexicalError {
    #[error("lexical is not valid JSON: {0}")]
    NotJson(String),
    #[error("lexical has no \"root\" object")]
    NoRoot,
}

/// A parsed Lexical document.
#[derive(Clone, Debug, PartialEq)]
pub struct Document {
    pub blocks: Vec<Block>,
}

/// A document rendered for readers.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Rendered {
    /// Sanitised HTML, ready to store and serve.
    pub html: String,
    pub plaintext: String,
    /// Nodes we could not render faithfully (their text was kept).
    pub warnings: Vec<String>,
}

impl Document {
    /// Reads the JSON an editor saved.
    pub fn parse(source: &str) -> Result<Self, LexicalError> {
        let document: Value = serde_json::from_str(source).map_err(|e| LexicalError::NotJson(e.to_string()))?;
        let root = document.get("root").and_then(Value::as_object).ok_or(LexicalError::NoRoot)?;
        Ok(Self { blocks: nodes::blocks(root) })
    }

    /// The story's HTML (sanitised) and its plain text.
    pub fn render(&self) -> Rendered {
        let mut renderer = render::Renderer::default();
        renderer.document(&self.blocks);
        let html = crate::sanitize_html(&renderer.html);
        let plaintext = crate::html_to_plaintext(&html);
        Rendered { html, plaintext, warnings: renderer.warnings }
    }
}

/// A Lexical document holding one Markdown card with `markdown`: how a story written in
/// Markdown opens in the rich-text editor, unchanged.
pub fn markdown_document(markdown: &str) -> String {
    one_card_document(serde_json::json!({ "type": "markdown", "version": 1, "markdown": markdown }))
}

/// A Lexical document holding one HTML card: how a story that has only HTML (an import from
/// an older system, an API client) opens in the rich-text editor, unchanged.
pub fn html_document(html: &str) -> String {
    one_card_document(serde_json::json!({ "type": "html", "version": 1, "html": html }))
}

/// The part of a document anyone may read: its blocks before the first members-only divider
/// (`paywall`), or none when it has no divider, as a gated story's HTML is cut. `None` when
/// `source` is not a document.
pub fn public_part(source: &str) -> Option<String> {
    let mut document: Value = serde_json::from_str(source).ok()?;
    let children = document.get_mut("root")?.get_mut("children")?.as_array_mut()?;
    let divider = children.iter().position(|node| node.get("type").and_then(Value::as_str) == Some("paywall"));
    children.truncate(divider.unwrap_or(0));
    Some(document.to_string())
}

fn one_card_document(card: Value) -> String {
    serde_json::json!({
        "root": {
            "type": "root", "version": 1, "format": "", "indent": 0, "direction": null,
            "children": [card],
        }
    })
    .to_string()
}

#[cfg(test)]
mod tests;
