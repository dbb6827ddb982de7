//! Site settings with Ghost's key names. Stored as key/value rows; read as one typed struct.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NavigationItem {
    pub label: String,
    pub url: String,
}

/// An IANA time zone name such as `Europe/London`, checked against the bundled database.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Timezone(String);

#[derive(Debug, thiserror::Error)]
#[error("unknown time zone {0:?}; use an IANA name such as Europe/London")]
pub struct UnknownTimezone(pub String);

impl Timezone {
    pub fn parse(name: &str) -> Result<Self, UnknownTimezone> {
        jiff::tz::TimeZone::get(name).map(|_| Self(name.to_owned())).map_err(|_| UnknownTimezone(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn zone(&self) -> jiff::tz::TimeZone {
        jiff::tz::TimeZone::get(&self.0).unwrap_or(jiff::tz::TimeZone::UTC)
    }
}

impl Default for Timezone {
    fn default() -> Self {
        Self("Etc/UTC".to_owned())
    }
}

impl TryFrom<String> for Timezone {
    type Error = UnknownTimezone;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Timezone> for String {
    fn from(tz: Timezone) -> Self {
        tz.0
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SiteSettings {
    pub title: String,
    pub description: String,
    pub logo: Option<String>,
    pub icon: Option<String>,
    pub cover_image: Option<String>,
    pub accent_color: String,
    pub timezone: Timezone,
    /// Ghost calls the language setting `locale` (older versions: `lang`).
    pub locale: String,
    pub navigation: Vec<NavigationItem>,
    pub secondary_navigation: Vec<NavigationItem>,
    pub twitter: Option<String>,
    pub facebook: Option<String>,
    pub meta_title: Option<String>,
    pub meta_description: Option<String>,
    /// Name of the organisation for structured data and the footer, when it differs from the title.
    pub publisher_name: Option<String>,
    /// Email domains whose addresses may not sign up (Ghost's `blocked_email_domains`).
    #[serde(default)]
    pub blocked_email_domains: Vec<String>,
    /// Whether authors may post to the live news feed (editors and above always may).
    #[serde(default)]
    pub feed_authors_may_post: bool,
    /// The site's Open Graph card (Ghost's `og_image`, `og_title`, `og_description`).
    #[serde(default)]
    pub og_image: Option<String>,
    #[serde(default)]
    pub og_title: Option<String>,
    #[serde(default)]
    pub og_description: Option<String>,
    /// The site's X (Twitter) card (Ghost's `twitter_image`, `twitter_title`, `twitter_description`).
    #[serde(default)]
    pub twitter_image: Option<String>,
    #[serde(default)]
    pub twitter_title: Option<String>,
    #[serde(default)]
    pub twitter_description: Option<String>,
}

impl Default for SiteSettings {
    fn default() -> Self {
        Self {
            title: "Masthead".to_owned(),
            description: "Independent news, funded by its readers.".to_owned(),
            logo: None,
            icon: None,
            cover_image: None,
            accent_color: "#b3261e".to_owned(),
            timezone: Timezone::default(),
            locale: "en".to_owned(),
            navigation: vec![NavigationItem { label: "Home".to_owned(), url: "/".to_owned() }],
            secondary_navigation: Vec::new(),
            twitter: None,
            facebook: None,
            meta_title: None,
            meta_description: None,
            publisher_name: None,
            blocked_email_domains: Vec::new(),
            feed_authors_may_post: false,
            og_image: None,
            og_title: None,
            og_description: None,
            twitter_image: None,
            twitter_title: None,
            twitter_description: None,
        }
    }
}

impl SiteSettings {
    /// The keys stored in the settings table, in the order shown to staff.
    pub const KEYS: &'static [&'static str] = &[
        "title",
        "description",
        "logo",
        "icon",
        "cover_image",
        "accent_color",
        "timezone",
        "locale",
        "navigation",
        "secondary_navigation",
        "twitter",
        "facebook",
        "meta_title",
        "meta_description",
        "publisher_name",
        "blocked_email_domains",
        "feed_authors_may_post",
        "og_image",
        "og_title",
        "og_description",
        "twitter_image",
        "twitter_title",
        "twitter_description",
    ];

    pub fn publisher(&self) -> &str {
        self.publisher_name.as_deref().unwrap_or(&self.title)
    }

    /// Accent colours are interpolated into CSS, so only `#rgb` / `#rrggbb` are accepted.
    pub fn parse_accent_color(value: &str) -> Option<String> {
        let hex = value.strip_prefix('#')?;
        ((hex.len() == 3 || hex.len() == 6) && hex.bytes().all(|b| b.is_ascii_hexdigit()))
            .then(|| value.to_ascii_lowercase())
    }
}

/// How the newsroom narrates its stories. Stored as one JSON value under the `narration` key of
/// the settings table, beside (not inside) Ghost's settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct NarrationSettings {
    /// Whether published stories get an audio version at all.
    pub enabled: bool,
    /// Shown beside every player: readers are told the voice is synthetic.
    pub disclosure_label: String,
    pub show_label: bool,
    /// The engine's own voice name; empty for its default.
    pub voice: String,
    /// 1.0 is the engine's normal pace.
    pub speed: f32,
}

impl Default for NarrationSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            disclosure_label: Self::DEFAULT_LABEL.to_owned(),
            show_label: true,
            voice: String::new(),
            speed: 1.0,
        }
    }
}

impl NarrationSettings {
    pub const KEY: &'static str = "narration";
    pub const DEFAULT_LABEL: &'static str = "This audio is created with AI assistance";
    /// The range of speeds staff may choose; beyond it voices become hard to follow.
    pub const SPEEDS: std::ops::RangeInclusive<f32> = 0.5..=2.0;
    pub const MAX_LABEL_LEN: usize = 200;
}

/// A link or image address a page may show: a path on the site (`/about/`, also `//cdn.example/x`)
/// or an `http(s)` address. Anything else (`javascript:`, `data:`, `vbscript:`, any other scheme)
/// is refused, and so is any whitespace or control character, which browsers drop before reading
/// the scheme (`java\tscript:` is `javascript:` to them). The settings form and the Ghost import
/// both check with this.
pub fn check_link(url: &str) -> Result<(), UnsafeLink> {
    let refuse = || Err(UnsafeLink(url.chars().take(120).collect()));
    if url.is_empty() || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return refuse();
    }
    if url.starts_with('/') {
        return Ok(());
    }
    let lower = url.to_ascii_lowercase();
    let host = lower.strip_prefix("https://").or_else(|| lower.strip_prefix("http://"));
    match host {
        Some(rest) if !rest.is_empty() && !rest.starts_with(['/', '?', '#']) => Ok(()),
        _ => refuse(),
    }
}

/// Why [`check_link`] refused an address (the address, cut to 120 characters).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a /path or an http(s) address")]
pub struct UnsafeLink(pub String);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_site_paths_or_web_addresses() {
        for good in ["/", "/about/", "//cdn.example.org/logo.png", "https://news.example.org/x", "HTTP://Example.org"] {
            assert_eq!(check_link(good), Ok(()), "{good}");
        }
        for bad in [
            "javascript:alert(1)",
            "JavaScript:alert(1)",
            "java\tscript:alert(1)",
            "data:text/html;base64,PHNjcmlwdD4=",
            "vbscript:msgbox(1)",
            " /about/",
            "/about/\n",
            "about/",
            "mailto:desk@example.org",
            "https://",
            "https:///x",
            "ftp://example.org/",
            "",
        ] {
            assert!(check_link(bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            check_link("javascript:alert(1)").expect_err("refused").to_string(),
            "\"javascript:alert(1)\" is not a /path or an http(s) address"
        );
    }

    #[test]
    fn time_zones_are_checked() {
        assert!(Timezone::parse("Europe/Kyiv").is_ok());
        assert!(Timezone::parse("Mars/Olympus").is_err());
    }

    #[test]
    fn accent_colour_must_be_hex() {
        assert_eq!(SiteSettings::parse_accent_color("#B3261E"), Some("#b3261e".into()));
        assert_eq!(SiteSettings::parse_accent_color("red;}body{"), None);
    }
}
