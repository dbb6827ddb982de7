//! Ghost's JSON export file as both directions of the migration see it: one row
//! read field by field with reasons a newsroom can act on, Ghost's datetimes, and the
//! `__GHOST_URL__` placeholder that stands for the site's own address.
//!
//! Rows are read by hand rather than through `#[derive(Deserialize)]` so that a bad row names
//! the field at fault (`field "featured": expected true or false, got "maybe"`) and so that the
//! shapes Ghost has used over the years (numeric ids, `0`/`1` booleans, epoch milliseconds) all
//! read the same way.

use serde_json::{Map, Value};
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{OffsetDateTime, PrimitiveDateTime};

/// What Ghost writes in place of the site's URL, so an export can be restored on another domain.
pub const GHOST_URL: &str = "__GHOST_URL__";

/// The Ghost version our exports claim: the format of Ghost 6's `/ghost/api/admin/db/`.
pub const EXPORT_VERSION: &str = "6.0.0";

/// How a JSON value is described in messages.
pub(crate) fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "text",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// Shows a value in a message without letting a long body flood the report.
fn shown(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() > 40 { format!("{}…", text.chars().take(40).collect::<String>()) } else { text }
}

/// One row of a table, read field by field. Missing fields and `null` read as `None`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Row<'a>(pub &'a Map<String, Value>);

impl<'a> Row<'a> {
    pub fn of(value: &'a Value) -> Result<Self, String> {
        match value {
            Value::Object(map) => Ok(Self(map)),
            other => Err(format!("the row is {}, not an object", kind(other))),
        }
    }

    pub fn raw(&self, field: &str) -> Option<&'a Value> {
        self.0.get(field).filter(|v| !v.is_null())
    }

    /// Text as written (numbers are accepted: very old exports have numeric ids).
    pub fn text(&self, field: &str) -> Result<Option<String>, String> {
        match self.raw(field) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(Value::Number(n)) => Ok(Some(n.to_string())),
            Some(other) => Err(format!("field \"{field}\": expected text, got {}", kind(other))),
        }
    }

    /// Text with surrounding space removed; empty text reads as `None`.
    pub fn trimmed(&self, field: &str) -> Result<Option<String>, String> {
        Ok(self.text(field)?.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()))
    }

    /// `true`/`false`, and the `1`/`0` that MySQL-backed exports write.
    pub fn flag(&self, field: &str) -> Result<Option<bool>, String> {
        let wrong = |v: &Value| format!("field \"{field}\": expected true or false, got {}", shown(v));
        match self.raw(field) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(v @ Value::Number(n)) => match n.as_i64() {
                Some(0) => Ok(Some(false)),
                Some(1) => Ok(Some(true)),
                _ => Err(wrong(v)),
            },
            Some(v @ Value::String(s)) => match s.trim() {
                "true" | "1" => Ok(Some(true)),
                "false" | "0" => Ok(Some(false)),
                _ => Err(wrong(v)),
            },
            Some(other) => Err(wrong(other)),
        }
    }

    pub fn number(&self, field: &str) -> Result<Option<i64>, String> {
        let wrong = |v: &Value| format!("field \"{field}\": expected a whole number, got {}", shown(v));
        match self.raw(field) {
            None => Ok(None),
            Some(v @ Value::Number(n)) => n.as_i64().map(Some).ok_or_else(|| wrong(v)),
            Some(v @ Value::String(s)) => s.trim().parse().map(Some).map_err(|_| wrong(v)),
            Some(other) => Err(wrong(other)),
        }
    }

    pub fn time(&self, field: &str) -> Result<Option<OffsetDateTime>, String> {
        match self.raw(field) {
            None => Ok(None),
            Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
            Some(value) => parse_time(value).map(Some).map_err(|e| format!("field \"{field}\": {e}")),
        }
    }
}

/// Ghost's datetimes: `2024-03-01 09:30:00` (UTC, as in its docs), ISO 8601 with or without a
/// zone (`2024-03-01T09:30:00.000Z`), or milliseconds since the epoch (Ghost 0.x).
pub(crate) fn parse_time(value: &Value) -> Result<OffsetDateTime, String> {
    let wrong = || format!("{} is not a date and time (use 2024-03-01 09:30:00 or ISO 8601)", shown(value));
    match value {
        Value::Number(n) => {
            let ms = n.as_i64().ok_or_else(wrong)?;
            OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
                .map(masthead_core::to_stored_time)
                .map_err(|_| wrong())
        }
        Value::String(s) => {
            let s = s.trim();
            if let Ok(t) = OffsetDateTime::parse(s, &Rfc3339) {
                return Ok(masthead_core::to_stored_time(t));
            }
            // ISO 8601 without a zone, and Ghost's `2024-03-01 09:30:00`, are UTC.
            let spaced = match s.split_once('T') {
                Some((date, clock)) if date.len() == 10 => format!("{date} {clock}"),
                _ => s.to_owned(),
            };
            let naive = format_description!("[year]-[month]-[day] [hour]:[minute]:[second][optional [.[subsecond]]]");
            PrimitiveDateTime::parse(&spaced, naive)
                .map(|t| masthead_core::to_stored_time(t.assume_utc()))
                .map_err(|_| wrong())
        }
        _ => Err(wrong()),
    }
}

/// A datetime as Ghost's exporter writes it: `2024-03-01T09:30:00.000Z`.
pub(crate) fn format_time(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    let format = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");
    t.format(format).unwrap_or_else(|_| t.unix_timestamp().to_string())
}

/// Replaces the placeholder with the site's root, so imported links and images are stored
/// site-relative (`/content/images/...`, `/about/`) and made absolute when served, with the
/// site's URL of that moment: a site that imports before setting its URL, or moves, stays right.
pub(crate) fn resolve_placeholder(text: &str) -> String {
    text.replace(&format!("{GHOST_URL}/"), "/").replace(GHOST_URL, "/")
}

/// A Lexical document as Ghost's export writes it: every address in it (an image's `src`, a
/// link's `url`, a button's `buttonUrl`...) behind the placeholder where it is this site's;
/// the HTML of cards as [`html_to_placeholder`] writes it. A document that is not JSON is
/// returned unchanged.
pub(crate) fn lexical_to_placeholder(lexical: &str, site_url: &str) -> String {
    fn walk(value: &mut serde_json::Value, site_url: &str) {
        match value {
            serde_json::Value::Object(node) => {
                for (key, value) in node.iter_mut() {
                    match (key.as_str(), value) {
                        (
                            "src" | "url" | "href" | "buttonUrl" | "thumbnail" | "icon",
                            serde_json::Value::String(url),
                        ) => {
                            *url = url_to_placeholder(url, site_url);
                        }
                        ("html" | "caption" | "calloutText", serde_json::Value::String(html)) => {
                            *html = html_to_placeholder(html, site_url);
                        }
                        (_, value) => walk(value, site_url),
                    }
                }
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(|item| walk(item, site_url)),
            _ => {}
        }
    }
    match serde_json::from_str::<serde_json::Value>(lexical) {
        Ok(mut document) => {
            walk(&mut document, site_url);
            document.to_string()
        }
        Err(_) => lexical.to_owned(),
    }
}

/// A site-relative URL as Ghost's export writes it: behind the placeholder (`/about/` becomes
/// `__GHOST_URL__/about/`); this site's absolute URLs too. Other addresses stay as they are.
pub(crate) fn url_to_placeholder(url: &str, site_url: &str) -> String {
    if url.starts_with('/') && !url.starts_with("//") {
        format!("{GHOST_URL}{url}")
    } else {
        to_placeholder(url, site_url)
    }
}

/// [`to_placeholder`] for HTML, which also turns site-relative `src`, `srcset` and `href`
/// values into placeholder URLs, as Ghost's export has them.
pub(crate) fn html_to_placeholder(html: &str, site_url: &str) -> String {
    to_placeholder(html, site_url)
        .replace("src=\"/", &format!("src=\"{GHOST_URL}/"))
        .replace("srcset=\"/", &format!("srcset=\"{GHOST_URL}/"))
        .replace(", /content/", &format!(", {GHOST_URL}/content/"))
        .replace("href=\"/", &format!("href=\"{GHOST_URL}/"))
        // Protocol-relative addresses are other sites'.
        .replace(&format!("=\"{GHOST_URL}//"), "=\"//")
}

/// Replaces this site's own absolute URLs with the placeholder. Only whole origins are
/// replaced: `https://news.example.org.evil.test` is another site and stays as it is.
pub(crate) fn to_placeholder(text: &str, site_url: &str) -> String {
    let site = site_url.trim_end_matches('/');
    if site.is_empty() {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(site) {
        let after = &rest[at + site.len()..];
        let boundary = after.chars().next().is_none_or(|c| "/?#\"'<> )]\n\t".contains(c));
        out.push_str(&rest[..at]);
        out.push_str(if boundary { GHOST_URL } else { site });
        rest = after;
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use time::macros::datetime;

    use super::*;

    #[test]
    fn ghost_datetimes_parse_in_every_form() {
        let at = datetime!(2024-03-01 09:30:00 UTC);
        for text in
            ["2024-03-01 09:30:00", "2024-03-01T09:30:00.000Z", "2024-03-01T10:30:00+01:00", "2024-03-01T09:30:00"]
        {
            assert_eq!(parse_time(&json!(text)), Ok(at), "{text}");
        }
        assert_eq!(parse_time(&json!(1_709_285_400_000_i64)), Ok(at));
        assert!(parse_time(&json!("yesterday")).is_err());
        assert_eq!(format_time(at), "2024-03-01T09:30:00.000Z");
    }

    #[test]
    fn fields_read_leniently_and_name_themselves_when_wrong() {
        let value = json!({"id": 7, "featured": 1, "sort_order": "2", "title": ["x"], "flag": "maybe"});
        let row = Row::of(&value).expect("object");
        assert_eq!(row.text("id"), Ok(Some("7".into())));
        assert_eq!(row.flag("featured"), Ok(Some(true)));
        assert_eq!(row.number("sort_order"), Ok(Some(2)));
        assert_eq!(row.text("title"), Err("field \"title\": expected text, got a list".into()));
        assert_eq!(row.flag("flag"), Err("field \"flag\": expected true or false, got \"maybe\"".into()));
        assert_eq!(row.text("missing"), Ok(None));
    }

    #[test]
    fn the_placeholder_stands_for_whole_origins_only() {
        let site = "https://news.example.org/";
        assert_eq!(resolve_placeholder(r#"<a href="__GHOST_URL__/about/">"#), r#"<a href="/about/">"#);
        assert_eq!(resolve_placeholder(r#"<a href="__GHOST_URL__">home</a>"#), r#"<a href="/">home</a>"#);
        assert_eq!(url_to_placeholder("/content/images/a.jpg", site), "__GHOST_URL__/content/images/a.jpg");
        assert_eq!(url_to_placeholder("//cdn.example.net/a.jpg", site), "//cdn.example.net/a.jpg");
        assert_eq!(
            html_to_placeholder(
                r#"<img src="/content/a.jpg" srcset="/content/a.jpg 600w, /content/b.jpg 1000w"><a href="//x.test/">"#,
                site
            ),
            r#"<img src="__GHOST_URL__/content/a.jpg" srcset="__GHOST_URL__/content/a.jpg 600w, __GHOST_URL__/content/b.jpg 1000w"><a href="//x.test/">"#
        );
        assert_eq!(
            to_placeholder(
                r#"<a href="https://news.example.org/about/">x</a> https://news.example.org.evil.test/"#,
                site
            ),
            r#"<a href="__GHOST_URL__/about/">x</a> https://news.example.org.evil.test/"#
        );
        assert_eq!(to_placeholder("https://news.example.org", site), "__GHOST_URL__");
    }
}
