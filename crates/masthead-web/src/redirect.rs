//! Every `Location` built from request input goes through [`site_path`], so no redirect can
//! send a reader to another site.
//!
//! Browsers are lenient with `Location`: they drop tabs and newlines, read `\` as `/`, take
//! `//host/...` as another site, and resolve `..` (also spelt `%2e%2e`) before they fetch. A
//! check on the raw text therefore proves little: `/admin/..//evil.example/x` starts with
//! `/admin`, and the browser turns it into `//evil.example/x`. So the path is normalised first
//! and only then compared with anything.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// The path on this site that `target` names, normalised: characters a browser would drop or
/// reinterpret are refused (control characters, spaces, `\`, anything not ASCII), dot segments
/// are resolved and runs of slashes collapse to one. The result starts with exactly one `/`, so
/// it can only name this site. `None` when `target` is not a path on this site.
pub fn site_path(target: &str) -> Option<String> {
    if !target.starts_with('/') || target.bytes().any(|b| !b.is_ascii_graphic() || b == b'\\') {
        return None;
    }
    let end = target.find(['?', '#']).unwrap_or(target.len());
    let (path, rest) = target.split_at(end);
    let mut segments: Vec<&str> = Vec::new();
    let mut ends_with_slash = false;
    for segment in path.split('/') {
        ends_with_slash = true;
        if segment.is_empty() || is_dot(segment) {
            continue;
        }
        if is_dot_dot(segment) {
            segments.pop();
            continue;
        }
        segments.push(segment);
        ends_with_slash = false;
    }
    let mut normalised = String::with_capacity(target.len());
    for segment in &segments {
        normalised.push('/');
        normalised.push_str(segment);
    }
    if ends_with_slash || segments.is_empty() {
        normalised.push('/');
    }
    normalised.push_str(rest);
    Some(normalised)
}

/// `.` as a path segment, including the percent-encoded spelling browsers also resolve.
fn is_dot(segment: &str) -> bool {
    segment == "." || segment.eq_ignore_ascii_case("%2e")
}

fn is_dot_dot(segment: &str) -> bool {
    matches!(segment.to_ascii_lowercase().as_str(), ".." | ".%2e" | "%2e." | "%2e%2e")
}

/// Whether a normalised path lies at or under `prefix` (`/admin` covers `/admin/posts/`, not
/// `/administrators/`).
pub fn is_under(path: &str, prefix: &str) -> bool {
    let path = path.split(['?', '#']).next().unwrap_or(path);
    path.strip_prefix(prefix).is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// `303 See Other` to `target` when it is a path on this site, else to `fallback` (a constant
/// path of ours).
pub fn see_other(target: &str, fallback: &'static str) -> Response {
    let location = site_path(target).and_then(|path| HeaderValue::from_str(&path).ok());
    let location = location.unwrap_or(HeaderValue::from_static(fallback));
    (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    const SITE: &str = "https://news.example.org/admin/signin/";

    /// Where a browser goes when it follows `location` from a page of ours (the `url` crate
    /// implements the WHATWG URL standard browsers follow).
    fn followed(location: &str) -> url::Url {
        url::Url::parse(SITE).expect("base").join(location).expect("a browser can follow it")
    }

    #[test]
    fn paths_on_this_site_are_kept() {
        for (input, expected) in [
            ("/", "/"),
            ("/admin/posts/", "/admin/posts/"),
            ("/admin/posts/?status=draft&q=a%20b#list", "/admin/posts/?status=draft&q=a%20b#list"),
            ("/sitemap.xml", "/sitemap.xml"),
            ("/admin", "/admin"),
        ] {
            assert_eq!(site_path(input).as_deref(), Some(expected), "{input}");
        }
    }

    #[test]
    fn slashes_collapse_and_dot_segments_resolve() {
        for (input, expected) in [
            ("//evil.example/x", "/evil.example/x"),
            ("///evil.example", "/evil.example"),
            ("//Evil.example", "/Evil.example"),
            ("/admin/..//evil.example/x", "/evil.example/x"),
            ("/admin/%2e%2e//evil.example/x", "/evil.example/x"),
            ("/admin/.%2E/%2E./x", "/x"),
            ("/a/./b/../c/", "/a/c/"),
            ("/a/b/..", "/a/"),
            ("/..", "/"),
            ("/a//b///", "/a/b/"),
            ("/x/..?r=//evil.example", "/?r=//evil.example"),
        ] {
            assert_eq!(site_path(input).as_deref(), Some(expected), "{input}");
            assert_eq!(followed(expected).host_str(), Some("news.example.org"), "{input}");
        }
    }

    #[test]
    fn other_sites_and_what_browsers_reinterpret_are_refused() {
        for input in [
            "",
            "evil.example",
            "https://evil.example/",
            "https:evil.example",
            "javascript:alert(1)",
            "/\\evil.example",
            "\\\\evil.example",
            "/admin/\\..\\\\evil.example",
            "%2F%2Fevil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r\n/evil.example",
            "/admin/\t",
            " /evil.example",
            "/caf\u{e9}/",
        ] {
            assert_eq!(site_path(input), None, "{input:?}");
        }
    }

    #[test]
    fn prefixes_are_whole_segments() {
        assert!(is_under("/admin", "/admin"));
        assert!(is_under("/admin/", "/admin"));
        assert!(is_under("/admin/posts/?x=1", "/admin"));
        assert!(!is_under("/administrators/", "/admin"));
        assert!(!is_under("/", "/admin"));
    }

    /// Pieces that open redirects are made of, to build nasty inputs from.
    fn nasty() -> impl Strategy<Value = String> {
        let piece = prop::sample::select(vec![
            "/",
            "//",
            "\\",
            ".",
            "..",
            "%2e",
            "%2E%2e",
            "%2F",
            "%5C",
            "evil.example",
            "admin",
            "?",
            "#",
            "@",
            ":",
            "https:",
            "\t",
            "\n",
            "\r",
            " ",
            "\u{0}",
            "\u{7f}",
            "\u{e9}",
            "x",
        ]);
        prop::collection::vec(piece, 0..12).prop_map(|pieces| pieces.concat())
    }

    proptest! {
        #[test]
        fn every_output_is_a_path_on_this_site(input in prop_oneof![nasty(), any::<String>()]) {
            if let Some(path) = site_path(&input) {
                prop_assert!(path.starts_with('/') && !path.starts_with("//"), "{path:?}");
                prop_assert!(HeaderValue::from_str(&path).is_ok(), "{path:?}");
                let url = followed(&path);
                prop_assert_eq!(url.host_str(), Some("news.example.org"), "{:?} -> {:?}", input, path);
                prop_assert_eq!(url.scheme(), "https");
                // Normalising twice changes nothing, so a redirect never leads to another one.
                prop_assert_eq!(site_path(&path), Some(path.clone()));
            }
        }

        #[test]
        fn see_other_never_leaves_the_site(input in prop_oneof![nasty(), any::<String>()]) {
            let response = see_other(&input, "/admin/");
            let location = response.headers().get(header::LOCATION).expect("a location");
            let location = location.to_str().expect("ASCII");
            let url = followed(location);
            prop_assert_eq!(url.host_str(), Some("news.example.org"));
        }
    }
}
