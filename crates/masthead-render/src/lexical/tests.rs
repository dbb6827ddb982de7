//! One snapshot per node type: the HTML a reader's browser receives for it (after the
//! sanitiser), reviewed once and then held. Ghost's own rendering of the same nodes is compared
//! in the Ghost differential suite.

use serde_json::{Value, json};

use super::*;

fn document(children: Value) -> Document {
    let source = json!({ "root": { "type": "root", "version": 1, "children": children } }).to_string();
    Document::parse(&source).expect("a valid document")
}

fn html(children: Value) -> String {
    document(children).render().html
}

fn text(text: &str) -> Value {
    json!({ "type": "extended-text", "version": 1, "text": text, "format": 0, "detail": 0, "mode": "normal", "style": "" })
}

fn formatted(text: &str, format: u64) -> Value {
    json!({ "type": "extended-text", "version": 1, "text": text, "format": format })
}

fn paragraph(children: Value) -> Value {
    json!({ "type": "paragraph", "version": 1, "children": children })
}

fn image(src: &str, extra: Value) -> Value {
    let mut node =
        json!({ "type": "image", "version": 1, "src": src, "alt": "", "caption": "", "cardWidth": "regular" });
    if let (Some(node), Some(extra)) = (node.as_object_mut(), extra.as_object()) {
        node.extend(extra.clone());
    }
    node
}

#[test]
fn paragraphs_and_text_formats() {
    insta::assert_snapshot!(html(json!([
        paragraph(json!([
            text("Plain, "),
            formatted("bold", 1),
            text(", "),
            formatted("italic", 2),
            text(", "),
            formatted("struck", 4),
            text(", "),
            formatted("underlined", 8),
            text(", "),
            formatted("code", 16),
            text(", H"),
            formatted("2", 32),
            text("O, 10"),
            formatted("3", 64),
            text(", "),
            formatted("marked", 128),
            text(", "),
            formatted("bold italic", 3)
        ])),
        paragraph(json!([text("First line"), { "type": "linebreak", "version": 1 }, text("second <line> & more")])),
    ])));
}

#[test]
fn headings_get_unique_anchors() {
    insta::assert_snapshot!(html(json!([
        { "type": "extended-heading", "version": 1, "tag": "h2", "children": [text("What we know")] },
        { "type": "heading", "version": 1, "tag": "h3", "children": [text("Shelling near the bridge — 4 a.m.")] },
        { "type": "heading", "version": 1, "tag": "h2", "children": [text("What we know")] },
        { "type": "heading", "version": 1, "tag": "h4", "children": [text("Київ, ніч")] },
        { "type": "heading", "version": 1, "tag": "h9", "children": [text("No such level")] },
    ])));
}

#[test]
fn quotes_and_pull_quotes() {
    insta::assert_snapshot!(html(json!([
        { "type": "extended-quote", "version": 1, "children": [text("We stayed because the paper had to come out.")] },
        { "type": "aside", "version": 1, "children": [text("The power came back at dawn.")] },
    ])));
}

#[test]
fn lists_numbered_bulleted_and_nested() {
    let item = |children: Value| json!({ "type": "listitem", "version": 1, "value": 1, "children": children });
    insta::assert_snapshot!(html(json!([
        { "type": "list", "version": 1, "listType": "bullet", "tag": "ul", "start": 1, "children": [
            item(json!([text("Water")])),
            item(json!([{ "type": "list", "version": 1, "listType": "number", "tag": "ol", "start": 1,
                "children": [item(json!([text("Boiled")])), item(json!([text("Bottled")]))] }])),
        ]},
        { "type": "list", "version": 1, "listType": "number", "tag": "ol", "start": 4, "children": [
            item(json!([text("Fourth point")])),
        ]},
    ])));
}

#[test]
fn links_keep_their_rel_and_lose_unsafe_schemes() {
    insta::assert_snapshot!(html(json!([paragraph(json!([
        { "type": "link", "version": 1, "url": "https://example.com/report", "children": [text("the report")] },
        text(" and "),
        { "type": "link", "version": 1, "url": "https://example.com/map", "target": "_blank", "rel": "noopener",
          "children": [formatted("the map", 1)] },
        text(" but not "),
        { "type": "link", "version": 1, "url": "javascript:alert(1)", "children": [text("this")] },
    ]))])));
}

#[test]
fn image_cards_with_caption_credit_width_and_link() {
    insta::assert_snapshot!(html(json!([
        image(
            "https://example.com/photos/bridge.jpg",
            json!({
                "alt": "The river bridge at dawn", "caption": "The bridge, <a href=\"https://example.com/map\">on the map</a>",
                "credit": "Photo: Iryna K.", "width": 1600, "height": 900, "cardWidth": "wide",
            })
        ),
        image(
            "https://example.com/photos/queue.jpg",
            json!({ "alt": "A queue for water", "cardWidth": "full",
            "href": "https://example.com/queues" })
        ),
        image("", json!({})),
    ])));
}

#[test]
fn galleries_in_rows() {
    let images: Vec<Value> = (1..=5)
        .map(|n| {
            json!({ "src": format!("https://example.com/g/{n}.jpg"), "alt": format!("Photo {n}"),
            "width": 800, "height": 600 })
        })
        .collect();
    insta::assert_snapshot!(html(json!([
        { "type": "gallery", "version": 1, "images": images, "caption": "Five days in the shelter" },
    ])));
}

#[test]
fn embeds_of_known_providers_are_sandboxed_frames_and_others_links() {
    insta::assert_snapshot!(html(json!([
        { "type": "embed", "version": 1, "url": "https://www.youtube.com/watch?v=aqz-KE-bpKQ", "embedType": "video",
          "html": "<iframe src=\"https://www.youtube.com/embed/aqz-KE-bpKQ?feature=oembed\"></iframe>",
          "metadata": { "title": "Night convoy" }, "caption": "Filmed by our reporter" },
        { "type": "embed", "version": 1, "url": "https://x.com/lantern/status/1790000000000000000", "embedType": "rich",
          "html": "<blockquote class=\"twitter-tweet\"><p>Lights out.</p></blockquote><script src=\"https://platform.twitter.com/widgets.js\"></script>",
          "metadata": {} },
        { "type": "embed", "version": 1, "url": "https://maps.example.org/lodvyn", "embedType": "rich",
          "html": "<div class=\"map\">Map of Lodvyn</div><script>steal()</script><iframe src=\"https://evil.example/\"></iframe>",
          "metadata": { "title": "Lodvyn map" } },
    ])));
}

#[test]
fn bookmarks_full_and_bare() {
    insta::assert_snapshot!(html(json!([
        { "type": "bookmark", "version": 1, "url": "https://example.com/dispatch/blackout", "caption": "Our earlier report",
          "metadata": { "title": "The blackout, day three", "description": "How the city kept warm.",
            "icon": "https://example.com/favicon.png", "thumbnail": "https://example.com/t.jpg",
            "publisher": "The Lantern Dispatch", "author": "Olena Marchuk" } },
        { "type": "bookmark", "version": 1, "url": "https://example.com/bare", "metadata": {} },
    ])));
}

#[test]
fn callouts_dividers_and_buttons() {
    insta::assert_snapshot!(html(json!([
        { "type": "callout", "version": 1, "calloutText": "<p>Air-raid alerts: <b>follow the app</b>.</p>",
          "calloutEmoji": "⚠️", "backgroundColor": "yellow" },
        { "type": "callout", "version": 1, "calloutText": "No emoji here.", "calloutEmoji": "",
          "backgroundColor": "red\" onclick=\"x" },
        { "type": "horizontalrule", "version": 1 },
        { "type": "button", "version": 1, "buttonText": "Become a member", "buttonUrl": "/membership/", "alignment": "center" },
        { "type": "button", "version": 1, "buttonText": "Donate", "buttonUrl": "https://example.com/give", "alignment": "left" },
    ])));
}

#[test]
fn html_and_markdown_cards_are_sanitised() {
    insta::assert_snapshot!(html(json!([
        { "type": "html", "version": 1, "html": "<div class=\"box\"><p>Kept</p><script>alert(1)</script><img src=x onerror=alert(1)></div>" },
        { "type": "markdown", "version": 1, "markdown": "## Timeline\n\n- 04:10 sirens\n- 04:25 **all clear**\n\n| Day | Hours without power |\n|---|---|\n| Mon | 9 |\n" },
    ])));
}

#[test]
fn code_cards() {
    insta::assert_snapshot!(html(json!([
        { "type": "codeblock", "version": 1, "code": "if (alert) { shelter(); }", "language": "javascript" },
        { "type": "codeblock", "version": 1, "code": "<b>raw</b>", "language": "html\" onload=\"x", "caption": "A caption" },
    ])));
}

#[test]
fn the_members_only_divider_splits_the_story_and_its_notes() {
    let note = |t: &str| json!({ "type": "footnote", "version": 1, "children": [text(t)] });
    insta::assert_snapshot!(html(json!([
        paragraph(json!([text("Open to all"), note("Figures from the city council."), text(".")])),
        { "type": "paywall", "version": 1 },
        paragraph(json!([text("For members"), note("Our own count."), text(" and more"), note("Second note."), text(".")])),
    ])));
}

#[test]
fn tables_with_header_row_caption_and_spans() {
    let cell = |t: &str, header: u64, span: u64| {
        json!({ "type": "tablecell", "version": 1, "headerState": header,
        "colSpan": span, "children": [paragraph(json!([text(t)]))] })
    };
    let row = |cells: Vec<Value>| json!({ "type": "tablerow", "version": 1, "children": cells });
    insta::assert_snapshot!(html(json!([
        { "type": "table", "version": 1, "caption": "Hours without power, <em>first week</em>", "children": [
            row(vec![cell("District", 1, 1), cell("Mon", 1, 1), cell("Tue", 1, 1)]),
            row(vec![cell("Old Town", 2, 1), cell("9", 0, 1), cell("12", 0, 1)]),
            row(vec![cell("Riverside", 2, 1), cell("no data", 0, 2)]),
        ]},
    ])));
}

#[test]
fn nodes_we_do_not_know_keep_their_text_and_say_so() {
    let rendered = document(json!([
        { "type": "toggle", "version": 1, "heading": "<b>Read more</b>", "content": "<p>Hidden part</p>" },
        paragraph(json!([{ "type": "mention", "version": 1, "children": [text("@olena")] }])),
    ]))
    .render();
    assert_eq!(rendered.html, "<p>Read more Hidden part</p><p>@olena</p>");
    assert_eq!(
        rendered.warnings,
        [
            "Lexical node \"toggle\" is not supported; its text was kept",
            "Lexical node \"mention\" is not supported; its text was kept"
        ]
    );
}

#[test]
fn plain_text_follows_the_rendered_story() {
    let rendered = document(json!([
        { "type": "heading", "version": 1, "tag": "h2", "children": [text("Day three")] },
        paragraph(json!([text("Salt & bread.")])),
        image("https://example.com/a.jpg", json!({ "caption": "Not in the text" })),
        { "type": "list", "version": 1, "listType": "bullet", "children": [
            { "type": "listitem", "version": 1, "children": [text("Water")] }] },
    ]))
    .render();
    assert_eq!(rendered.plaintext, "Day three\n\nSalt & bread.\n\n * Water");
}

#[test]
fn a_markdown_story_opens_as_one_markdown_card_and_renders_the_same() {
    let markdown = "Trains leave at *dawn*.\n\n## Where\n\nPlatform 2";
    let document = Document::parse(&markdown_document(markdown)).expect("a document");
    assert_eq!(document.blocks, [Block::Markdown(markdown.to_owned())]);
    assert_eq!(document.render().html, crate::markdown_to_html(markdown));
}

#[test]
fn an_html_story_opens_as_one_html_card() {
    let card = &serde_json::from_str::<Value>(&html_document("<p>x</p>")).expect("json")["root"]["children"][0];
    assert_eq!((card["type"].as_str(), card["html"].as_str()), (Some("html"), Some("<p>x</p>")));
}

#[test]
fn the_public_part_of_a_document_ends_at_its_members_only_divider() {
    let source = |children: Value| json!({ "root": { "type": "root", "children": children } }).to_string();
    let kinds = |part: Option<String>| -> Vec<String> {
        let part: Value = serde_json::from_str(&part.expect("a document")).expect("json");
        part["root"]["children"]
            .as_array()
            .expect("children")
            .iter()
            .map(|n| n["type"].as_str().unwrap_or("").to_owned())
            .collect()
    };
    let gated = source(
        json!([paragraph(json!([text("Open")])), { "type": "paywall" }, paragraph(json!([text("Members")])), { "type": "paywall" }]),
    );
    assert_eq!(kinds(public_part(&gated)), ["paragraph"]);
    assert_eq!(
        kinds(public_part(&source(json!([paragraph(json!([text("All")]))])))),
        Vec::<String>::new(),
        "no divider: nothing of the body"
    );
    assert_eq!(public_part("{"), None);
}

#[test]
fn what_is_not_a_document_is_refused_with_the_reason() {
    assert!(matches!(Document::parse("{"), Err(LexicalError::NotJson(_))));
    assert_eq!(Document::parse("{\"children\": []}"), Err(LexicalError::NoRoot));
    assert_eq!(Document::parse("{\"root\": {}}").map(|d| d.blocks), Ok(Vec::new()));
}

proptest::proptest! {
    #[test]
    fn any_text_is_escaped(words in "[a-zA-Z0-9 <>&\"'/;=!é—]{0,40}") {
        let out = html(json!([paragraph(json!([text(&words)]))]));
        proptest::prop_assert!(!out.contains("<script"), "{}", out);
        proptest::prop_assert_eq!(crate::html_to_plaintext(&out), words.split_whitespace().collect::<Vec<_>>().join(" "));
    }
}
