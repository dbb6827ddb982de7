//! Markdown as written in the newsroom editor, rendered with GitHub-flavoured extensions.

use comrak::Options;

use crate::html::sanitize_html;

/// Renders Markdown to HTML that is safe to serve. Raw HTML in the Markdown is allowed through
/// comrak and then sanitised, so an embedded `<figure>` survives but a `<script>` never does.
pub fn markdown_to_html(markdown: &str) -> String {
    let mut options = Options::default();
    options.extension.strikethrough = true;
    options.extension.table = true;
    options.extension.autolink = true;
    options.extension.footnotes = true;
    options.extension.superscript = false;
    options.parse.smart = true;
    options.render.r#unsafe = true;
    sanitize_html(&comrak::markdown_to_html(markdown, &options))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_common_newsroom_markdown() {
        let html =
            markdown_to_html("## Evacuation\n\n\"Trains leave at dawn,\" she said.\n\n- one\n- two\n\n> A quote");
        assert!(html.contains("<h2>Evacuation</h2>"), "{html}");
        assert!(html.contains("“Trains leave at dawn,” she said."), "{html}");
        assert!(html.contains("<li>one</li>"), "{html}");
        assert!(html.contains("<blockquote>"), "{html}");
    }

    #[test]
    fn raw_html_is_sanitised() {
        let html =
            markdown_to_html("Hi <script>alert(1)</script><img src=x onerror=alert(1)> [x](javascript:alert(1))");
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("onerror"), "{html}");
        assert!(!html.contains("javascript:"), "{html}");
    }

    #[test]
    fn the_members_only_marker_on_a_line_of_its_own_is_kept() {
        let html =
            markdown_to_html("Open to all.\n\n<!--members-only-->\n\nFor members.\n\n<!-- a note to editors -->");
        assert_eq!(html, "<p>Open to all.</p>\n<!--members-only-->\n<p>For members.</p>\n\n", "other comments go");
    }

    #[test]
    fn tables_render() {
        let html = markdown_to_html("| Item | Price |\n|---|---|\n| Bread | 42 |\n");
        assert!(html.contains("<table>") && html.contains("<td>Bread</td>"), "{html}");
    }
}
