//! The Lexical renderer against the real Ghost: Ghost 6.65's `html` and `plaintext` for 47
//! Lexical documents, one per node type or feature (`clients/ghost-diff/recordings/lexical/`,
//! made by `clients/ghost-diff/lexical.js`), compared with what `masthead_render::lexical`
//! makes of the same documents.
//!
//! HTML is compared as trees: attributes in any order, runs of white space as one, comments
//! left out but for the members-only marker, and the site's own address made relative (Ghost
//! serves it absolute, Masthead stores it relative). Three attributes are never compared
//! because Masthead never writes them: `style` and event handlers (`onerror`), which the
//! sanitiser removes from every story, and `srcset`, which lists the widths Masthead's media
//! store makes (480, 960, 1440) rather than Ghost's. Plain text is compared with runs of blank
//! lines as one and line ends trimmed.
//!
//! A document may differ from Ghost on purpose: `clients/ghost-diff/lexical/differences.json`
//! names it, for its HTML or its plain text, with the reason. The test fails when a document
//! differs without such an entry, and when an entry no longer differs (so the list only
//! shrinks). Every run writes each difference to `target/ghost-lexical-report.txt`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use masthead_render::lexical::Document;
use scraper::{Html, Node};
use serde::Deserialize;

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../clients/ghost-diff")
}

#[derive(Deserialize)]
struct Recording {
    name: String,
    site_url: String,
    /// Where the Lexical document sent to Ghost is, under the corpus.
    document: String,
    html: Option<String>,
    plaintext: Option<String>,
}

/// Why a document's HTML or plain text differs from Ghost's.
#[derive(Deserialize, Default)]
struct Expected {
    html: Option<String>,
    plaintext: Option<String>,
}

/// The HTML as a canonical string: one line per element or text, indented by depth.
fn canonical(html: &str) -> String {
    fn walk(node: ego_tree::NodeRef<'_, Node>, depth: usize, out: &mut String) {
        match node.value() {
            Node::Element(element) => {
                let mut attributes: Vec<(String, String)> = element
                    .attrs()
                    .filter(|(name, _)| !matches!(*name, "style" | "srcset") && !name.starts_with("on"))
                    .map(|(name, value)| (name.to_owned(), value.split_whitespace().collect::<Vec<_>>().join(" ")))
                    .collect();
                attributes.sort();
                let attributes: String = attributes.iter().map(|(n, v)| format!(" {n}={v:?}")).collect();
                let _ = writeln!(out, "{}<{}{attributes}>", "  ".repeat(depth), element.name());
                for child in node.children() {
                    walk(child, depth + 1, out);
                }
            }
            Node::Text(text) => {
                // White space between blocks is layout; inside an element it is content.
                let mut collapsed = String::new();
                for (i, word) in text.split(char::is_whitespace).enumerate() {
                    if i > 0 && !collapsed.ends_with(' ') {
                        collapsed.push(' ');
                    }
                    collapsed.push_str(word);
                }
                if depth > 1 || !collapsed.trim().is_empty() {
                    let _ = writeln!(out, "{}{collapsed:?}", "  ".repeat(depth));
                }
            }
            Node::Comment(comment) if comment.trim() == "members-only" => {
                let _ = writeln!(out, "{}<!--members-only-->", "  ".repeat(depth));
            }
            _ => {
                for child in node.children() {
                    walk(child, depth, out);
                }
            }
        }
    }
    let fragment = Html::parse_fragment(html);
    let mut out = String::new();
    walk(fragment.tree.root(), 0, &mut out);
    out
}

/// Plain text with blank lines counted as one (Ghost leaves runs of them where card templates
/// had line breaks), no spaces at line ends, non-breaking spaces as spaces, trimmed.
fn plain_text(text: &str) -> String {
    let text = text.replace('\u{a0}', " ");
    let mut lines: Vec<&str> = Vec::new();
    for line in text.lines().map(str::trim_end) {
        if !(line.is_empty() && lines.last().is_some_and(|last| last.is_empty())) {
            lines.push(line);
        }
    }
    lines.join("\n").trim().to_owned()
}

/// The first lines where two canonical forms part, for the report.
fn first_difference(ours: &str, ghosts: &str) -> String {
    let (ours, ghosts): (Vec<&str>, Vec<&str>) = (ours.lines().collect(), ghosts.lines().collect());
    let at = ours.iter().zip(&ghosts).position(|(a, b)| a != b).unwrap_or(ours.len().min(ghosts.len()));
    let show = |lines: &[&str]| lines.iter().skip(at).take(6).map(|l| format!("      {l}\n")).collect::<String>();
    format!("    from line {}:\n    Masthead:\n{}    Ghost:\n{}", at + 1, show(&ours), show(&ghosts))
}

#[test]
fn the_renderer_matches_ghost_node_by_node() {
    let expected: BTreeMap<String, Expected> = serde_json::from_str(
        &std::fs::read_to_string(corpus().join("lexical/differences.json")).expect("differences.json"),
    )
    .expect("differences.json is a map of document names to reasons");
    let mut recordings: Vec<Recording> = std::fs::read_dir(corpus().join("recordings/lexical"))
        .expect("the recordings")
        .map(|entry| {
            let path = entry.expect("an entry").path();
            serde_json::from_str(&std::fs::read_to_string(&path).expect("a recording")).expect("a recording's shape")
        })
        .collect();
    recordings.sort_by(|a, b| a.name.cmp(&b.name));
    assert!(recordings.len() >= 40, "the corpus has {} recordings", recordings.len());

    let (mut report, mut failures, mut matching) = (String::new(), Vec::new(), 0);
    for recording in &recordings {
        // Site addresses are stored relative here, as an import resolves them.
        let source = std::fs::read_to_string(corpus().join(&recording.document)).expect("the document");
        let source = source.replace("__GHOST_URL__", "");
        let rendered = Document::parse(&source).expect("Ghost accepted it, so it parses").render();
        let ghost_html = recording.html.as_deref().unwrap_or_default().replace(&recording.site_url, "");
        let (ours, ghosts) = (canonical(&rendered.html), canonical(&ghost_html));
        let plain = |text: &str| plain_text(text);
        let ghost_text =
            plain(recording.plaintext.as_deref().unwrap_or_default().replace(&recording.site_url, "").as_str());
        let reasons = expected.get(&recording.name);
        let mut same = true;
        for (part, differs, reason) in [
            ("html", ours != ghosts, reasons.and_then(|r| r.html.as_ref())),
            ("plaintext", plain(&rendered.plaintext) != ghost_text, reasons.and_then(|r| r.plaintext.as_ref())),
        ] {
            same &= !differs;
            match (differs, reason) {
                (true, None) => failures.push(format!("{}: {part} differs from Ghost's", recording.name)),
                (false, Some(_)) => failures
                    .push(format!("{}: {part} now matches Ghost's; remove it from differences.json", recording.name)),
                _ => {}
            }
            if differs {
                let _ = writeln!(
                    report,
                    "{} ({part}){}",
                    recording.name,
                    reason.map(|r| format!(": {r}")).unwrap_or_default()
                );
                let detail = match part {
                    "html" => first_difference(&ours, &ghosts),
                    _ => format!("    Masthead: {:?}\n    Ghost:    {ghost_text:?}\n", plain(&rendered.plaintext)),
                };
                report.push_str(&detail);
            }
        }
        matching += usize::from(same);
    }
    for name in expected.keys() {
        if !recordings.iter().any(|r| &r.name == name) {
            failures.push(format!("{name}: in differences.json but not recorded"));
        }
    }
    let summary = format!("{matching} of {} documents match Ghost in full\n\n", recordings.len());
    let target = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target");
    let _ = std::fs::create_dir_all(&target);
    let _ = std::fs::write(target.join("ghost-lexical-report.txt"), format!("{summary}{report}"));
    assert!(failures.is_empty(), "{summary}{}\n\n{report}", failures.join("\n"));
}
