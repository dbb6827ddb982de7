//! Ghost's legacy editor format to HTML: Mobiledoc (Ghost 1–4, sections of markers). Used when
//! an imported post has no `html` (Lexical, Ghost 5+, is rendered by `masthead_render::lexical`).
//!
//! The output is *not* safe yet: html cards carry whatever staff pasted into Ghost. Callers
//! sanitise it like every other body. Cards become plain semantic HTML (`figure`, `aside`,
//! `pre`) rather than Ghost's `kg-*` markup, which our theme does not style and the sanitiser
//! would strip. Anything we cannot render keeps its text and adds a warning, so no words are
//! lost silently.

use masthead_render::escape_html as escape;
use serde_json::{Map, Value};

/// HTML from an editor document, and what could not be rendered faithfully.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Rendered {
    pub html: String,
    pub warnings: Vec<String>,
}

fn text_field<'a>(node: &'a Map<String, Value>, field: &str) -> &'a str {
    node.get(field).and_then(Value::as_str).unwrap_or("")
}

fn non_empty<'a>(node: &'a Map<String, Value>, field: &str) -> Option<&'a str> {
    node.get(field).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty())
}

/// `<figure>inner<figcaption>caption</figcaption></figure>`; captions are HTML in both formats.
fn figure(inner: &str, caption: Option<&str>) -> String {
    match caption {
        Some(caption) => format!("<figure>{inner}<figcaption>{caption}</figcaption></figure>"),
        None => format!("<figure>{inner}</figure>"),
    }
}

/// The cards both editors share, by Ghost's card name and its payload (for Lexical, the node
/// itself). `None` for a card we do not know.
fn card(name: &str, payload: &Map<String, Value>) -> Option<String> {
    let html = match name {
        "image" => {
            let src = non_empty(payload, "src")?;
            let mut img = format!("<img src=\"{}\" alt=\"{}\"", escape(src), escape(text_field(payload, "alt")));
            for dimension in ["width", "height"] {
                if let Some(n) = payload.get(dimension).and_then(Value::as_u64) {
                    img.push_str(&format!(" {dimension}=\"{n}\""));
                }
            }
            img.push('>');
            if let Some(href) = non_empty(payload, "href") {
                img = format!("<a href=\"{}\">{img}</a>", escape(href));
            }
            figure(&img, non_empty(payload, "caption"))
        }
        "html" => text_field(payload, "html").to_owned(),
        "markdown" | "card-markdown" => masthead_render::markdown_to_html(text_field(payload, "markdown")),
        "code" | "codeblock" => {
            let code = format!("<pre><code>{}</code></pre>", escape(text_field(payload, "code")));
            match non_empty(payload, "caption") {
                Some(caption) => figure(&code, Some(caption)),
                None => code,
            }
        }
        "hr" | "horizontalrule" => "<hr>".to_owned(),
        "embed" => {
            let url = text_field(payload, "url");
            let embedded = text_field(payload, "html");
            let title = payload.get("metadata").and_then(|m| m.get("title")).and_then(Value::as_str);
            // Players are iframes, which the sanitiser removes: keep a link to what was embedded.
            let link = if url.is_empty() {
                String::new()
            } else {
                format!("<p><a href=\"{}\">{}</a></p>", escape(url), escape(title.unwrap_or(url)))
            };
            let inner = if embedded.contains("<iframe") || embedded.trim().is_empty() {
                link
            } else {
                format!("{embedded}{link}")
            };
            figure(&inner, non_empty(payload, "caption"))
        }
        "bookmark" => {
            let url = non_empty(payload, "url")?;
            let meta = payload.get("metadata").and_then(Value::as_object);
            let meta_text = |field: &str| meta.and_then(|m| non_empty(m, field));
            let mut inner =
                format!("<p><a href=\"{}\">{}</a></p>", escape(url), escape(meta_text("title").unwrap_or(url)));
            if let Some(description) = meta_text("description") {
                inner.push_str(&format!("<p>{}</p>", escape(description)));
            }
            figure(&inner, non_empty(payload, "caption"))
        }
        "callout" => {
            let emoji = non_empty(payload, "calloutEmoji").map(|e| format!("{} ", escape(e))).unwrap_or_default();
            let text = text_field(payload, "calloutText");
            if text.trim_start().starts_with("<p") {
                format!("<aside>{emoji}{text}</aside>")
            } else {
                format!("<aside><p>{emoji}{text}</p></aside>")
            }
        }
        "button" => {
            let url = non_empty(payload, "buttonUrl")?;
            format!("<p><a href=\"{}\">{}</a></p>", escape(url), escape(text_field(payload, "buttonText")))
        }
        // Ghost's paywall card ("public preview" divider) marks where a gated post's public
        // opening ends, as Ghost's own renderer does; who may read the rest is the post's
        // visibility.
        "paywall" => masthead_core::MEMBERS_ONLY_MARKER.to_owned(),
        _ => return None,
    };
    Some(html)
}

/// Text to keep from a node we cannot render: its descendants' text, or the usual text fields
/// of a card.
fn salvage_text(node: &Map<String, Value>) -> String {
    fn walk(value: &Value, out: &mut Vec<String>) {
        if let Some(node) = value.as_object() {
            if let Some(text) = node.get("text").and_then(Value::as_str) {
                out.push(text.to_owned());
            }
            for child in node.get("children").and_then(Value::as_array).into_iter().flatten() {
                walk(child, out);
            }
        }
    }
    let mut parts = Vec::new();
    walk(&Value::Object(node.clone()), &mut parts);
    if parts.is_empty() {
        for field in ["heading", "title", "content", "caption", "description", "html"] {
            if let Some(text) = non_empty(node, field) {
                parts.push(masthead_render::html_to_plaintext(text));
            }
        }
    }
    parts.join(" ").trim().to_owned()
}

// ---- Mobiledoc --------------------------------------------------------------------------------

/// Renders a Mobiledoc document (the JSON string stored in `posts.mobiledoc`), version 0.3.
pub fn mobiledoc_to_html(source: &str) -> Result<Rendered, String> {
    let document: Value = serde_json::from_str(source).map_err(|e| format!("mobiledoc is not valid JSON: {e}"))?;
    let list = |field: &str| document.get(field).and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    let sections = document.get("sections").and_then(Value::as_array).ok_or("mobiledoc has no \"sections\" list")?;
    let mut doc = Mobiledoc { markups: list("markups"), atoms: list("atoms"), warnings: Vec::new() };
    let mut html = String::new();
    for (index, section) in sections.iter().enumerate() {
        let section = section.as_array().map(Vec::as_slice).unwrap_or_default();
        match section {
            [Value::Number(t), Value::String(tag), Value::Array(markers)] if t.as_u64() == Some(1) => {
                let tag = tag.to_ascii_lowercase();
                let tag = match tag.as_str() {
                    "p" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "blockquote" => tag.as_str(),
                    "aside" | "pull-quote" => "blockquote",
                    other => {
                        doc.warnings.push(format!("Mobiledoc section tag \"{other}\" rendered as a paragraph"));
                        "p"
                    }
                };
                let inner = doc.markers(markers);
                if tag != "p" || !inner.trim().is_empty() {
                    html.push_str(&format!("<{tag}>{inner}</{tag}>"));
                }
            }
            [Value::Number(t), Value::String(src)] if t.as_u64() == Some(2) => {
                html.push_str(&figure(&format!("<img src=\"{}\" alt=\"\">", escape(src)), None));
            }
            [Value::Number(t), Value::String(tag), Value::Array(items)] if t.as_u64() == Some(3) => {
                let tag = if tag.eq_ignore_ascii_case("ol") { "ol" } else { "ul" };
                html.push_str(&format!("<{tag}>"));
                for item in items {
                    let markers = item.as_array().map(Vec::as_slice).unwrap_or_default();
                    let inner = doc.markers(markers);
                    html.push_str(&format!("<li>{inner}</li>"));
                }
                html.push_str(&format!("</{tag}>"));
            }
            [Value::Number(t), Value::Number(card_index)] if t.as_u64() == Some(10) => {
                let entry = card_index
                    .as_u64()
                    .and_then(|i| document.get("cards")?.as_array()?.get(usize::try_from(i).ok()?))
                    .and_then(Value::as_array);
                let (name, payload) = match entry.map(Vec::as_slice) {
                    Some([Value::String(name), Value::Object(payload)]) => (name.as_str(), payload.clone()),
                    Some([Value::String(name)]) => (name.as_str(), Map::new()),
                    _ => {
                        doc.warnings.push(format!("Mobiledoc section {index} refers to a missing card"));
                        continue;
                    }
                };
                match card(name, &payload) {
                    Some(card_html) => html.push_str(&card_html),
                    None => {
                        doc.warnings.push(format!("Mobiledoc card \"{name}\" is not supported; its text was kept"));
                        let text = salvage_text(&payload);
                        if !text.is_empty() {
                            html.push_str(&format!("<p>{}</p>", escape(&text)));
                        }
                    }
                }
            }
            _ => doc.warnings.push(format!("Mobiledoc section {index} has a shape we do not know; it was left out")),
        }
    }
    Ok(Rendered { html, warnings: doc.warnings })
}

struct Mobiledoc<'a> {
    markups: &'a [Value],
    atoms: &'a [Value],
    warnings: Vec<String>,
}

impl Mobiledoc<'_> {
    /// Markers are `[type, opened markup indexes, how many markups close after, value]`; type 0
    /// is text and type 1 an atom.
    fn markers(&mut self, markers: &[Value]) -> String {
        let mut out = String::new();
        // The tags currently open, innermost last; `None` for markups we drop.
        let mut open: Vec<Option<String>> = Vec::new();
        for marker in markers {
            let Some([Value::Number(kind), Value::Array(opens), Value::Number(closes), value]) =
                marker.as_array().map(Vec::as_slice)
            else {
                self.warnings.push("a Mobiledoc marker has a shape we do not know; it was left out".into());
                continue;
            };
            for markup in opens {
                let tag = markup.as_u64().and_then(|i| self.markups.get(usize::try_from(i).ok()?));
                let rendered = tag.and_then(|m| self.open_tag(m));
                if let Some((opening, _)) = &rendered {
                    out.push_str(opening);
                }
                open.push(rendered.map(|(_, closing)| closing));
            }
            match (kind.as_u64(), value) {
                (Some(0), Value::String(text)) => out.push_str(&escape(text)),
                (Some(1), Value::Number(atom)) => out.push_str(&self.atom(atom.as_u64())),
                _ => self.warnings.push("a Mobiledoc marker has a value we do not know; it was left out".into()),
            }
            for _ in 0..closes.as_u64().unwrap_or(0) {
                if let Some(Some(closing)) = open.pop() {
                    out.push_str(&closing);
                }
            }
        }
        while let Some(closing) = open.pop() {
            out.push_str(&closing.unwrap_or_default());
        }
        out
    }

    /// The opening and closing tags of a markup `[tag, [attribute, value, ...]]`.
    fn open_tag(&mut self, markup: &Value) -> Option<(String, String)> {
        let markup = markup.as_array()?;
        let tag = markup.first()?.as_str()?.to_ascii_lowercase();
        let tag = match tag.as_str() {
            "b" | "strong" => "strong",
            "i" | "em" => "em",
            "u" => "u",
            "s" | "del" | "strike" => "s",
            "code" => "code",
            "sub" => "sub",
            "sup" => "sup",
            "mark" => "mark",
            "a" => {
                let attributes = markup.get(1).and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
                let href = attributes
                    .chunks(2)
                    .find(|pair| pair.first().and_then(Value::as_str) == Some("href"))
                    .and_then(|pair| pair.get(1)?.as_str())
                    .unwrap_or("");
                return Some((format!("<a href=\"{}\">", escape(href)), "</a>".to_owned()));
            }
            other => {
                self.warnings.push(format!("Mobiledoc markup \"{other}\" is not supported; its text was kept"));
                return None;
            }
        };
        Some((format!("<{tag}>"), format!("</{tag}>")))
    }

    /// Atoms are `[name, text, payload]`; Ghost uses `soft-return` for line breaks.
    fn atom(&mut self, index: Option<u64>) -> String {
        let atom = index.and_then(|i| self.atoms.get(usize::try_from(i).ok()?)).and_then(Value::as_array);
        match atom.map(Vec::as_slice) {
            Some([Value::String(name), ..]) if name == "soft-return" => "<br>".to_owned(),
            Some([Value::String(name), Value::String(text), ..]) => {
                self.warnings.push(format!("Mobiledoc atom \"{name}\" is not supported; its text was kept"));
                escape(text)
            }
            _ => {
                self.warnings.push("a Mobiledoc marker refers to a missing atom".into());
                String::new()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_paywall_card_becomes_ghosts_members_only_marker() {
        let mobiledoc = json!({
            "version": "0.3.1", "atoms": [], "markups": [], "cards": [["paywall", {}]],
            "sections": [[1, "p", [[0, [], 0, "Public"]]], [10, 0], [1, "p", [[0, [], 0, "Paid"]]]]
        });
        let rendered = mobiledoc_to_html(&mobiledoc.to_string()).expect("renders");
        assert_eq!(rendered.html, "<p>Public</p><!--members-only--><p>Paid</p>");
        // The sanitiser every imported body goes through keeps it.
        assert_eq!(masthead_render::sanitize_html(&rendered.html), rendered.html);
    }

    #[test]
    fn mobiledoc_sections_markups_atoms_and_cards_render() {
        let doc = json!({
            "version": "0.3.1",
            "atoms": [["soft-return", "", {}], ["mention", "@anna", {}]],
            "markups": [["strong"], ["a", ["href", "https://example.org/?a=1&b=2", "rel", "x"]], ["em"]],
            "cards": [
                ["image", {"src": "https://cdn.example.org/m.jpg", "alt": "M", "caption": "Cap"}],
                ["html", {"html": "<p>raw</p>"}],
                ["code", {"code": "<b>", "language": "html"}],
                ["hr", {}],
                ["card-markdown", {"markdown": "# Title"}],
                ["gallery", {"caption": "Photos"}]
            ],
            "sections": [
                [1, "h2", [[0, [], 0, "Heading"]]],
                [1, "p", [[0, [0], 0, "bold "], [0, [1], 1, "link"], [0, [], 1, " after"], [1, [], 0, 0], [0, [2], 1, "line"]]],
                [1, "blockquote", [[0, [], 0, "Quote"], [1, [], 0, 1]]],
                [3, "ol", [[[0, [], 0, "one"]], [[0, [0], 1, "two"]]]],
                [10, 0], [10, 1], [10, 2], [10, 3], [10, 4], [10, 5], [10, 9],
                [1, "p", []]
            ]
        })
        .to_string();
        let rendered = mobiledoc_to_html(&doc).expect("renders");
        assert_eq!(
            rendered.html,
            "<h2>Heading</h2>\
             <p><strong>bold <a href=\"https://example.org/?a=1&amp;b=2\">link</a> after</strong><br><em>line</em></p>\
             <blockquote>Quote@anna</blockquote>\
             <ol><li>one</li><li><strong>two</strong></li></ol>\
             <figure><img src=\"https://cdn.example.org/m.jpg\" alt=\"M\"><figcaption>Cap</figcaption></figure>\
             <p>raw</p>\
             <pre><code>&lt;b&gt;</code></pre>\
             <hr>\
             <h1>Title</h1>\n\
             <p>Photos</p>"
        );
        assert_eq!(
            rendered.warnings,
            [
                "Mobiledoc atom \"mention\" is not supported; its text was kept",
                "Mobiledoc card \"gallery\" is not supported; its text was kept",
                "Mobiledoc section 10 refers to a missing card"
            ]
        );
    }

    #[test]
    fn broken_mobiledoc_is_an_error_with_a_reason() {
        assert!(mobiledoc_to_html("[").is_err_and(|e| e.starts_with("mobiledoc is not valid JSON")));
        assert_eq!(mobiledoc_to_html("{}"), Err("mobiledoc has no \"sections\" list".into()));
    }
}
