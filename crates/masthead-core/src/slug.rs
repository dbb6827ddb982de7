//! URL slugs. A slug is what follows the site URL in `/{slug}/`, `/tag/{slug}/`, `/author/{slug}/`.
//!
//! Slugs keep Unicode letters and digits (newsrooms publish in many scripts), lowercase them,
//! and turn every run of anything else into a single hyphen.

use std::fmt;

/// Ghost's column width for slugs.
pub const MAX_SLUG_LEN: usize = 191;

#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Slug(String);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum InvalidSlug {
    #[error("a slug cannot be empty")]
    Empty,
    #[error("a slug is at most {MAX_SLUG_LEN} characters")]
    TooLong,
    #[error("a slug holds only lowercase letters, digits and single hyphens between them: {0:?}")]
    Malformed(String),
}

impl Slug {
    /// Accepts an already well-formed slug, as typed by staff or received over the API.
    pub fn parse(value: &str) -> Result<Self, InvalidSlug> {
        if value.is_empty() {
            return Err(InvalidSlug::Empty);
        }
        if value.chars().count() > MAX_SLUG_LEN {
            return Err(InvalidSlug::TooLong);
        }
        let well_formed = !value.starts_with('-')
            && !value.ends_with('-')
            && !value.contains("--")
            && value.chars().all(|c| c == '-' || (c.is_alphanumeric() && !c.is_uppercase()));
        if well_formed { Ok(Self(value.to_owned())) } else { Err(InvalidSlug::Malformed(value.to_owned())) }
    }

    /// Derives a slug from a title or name. Names of internal tags (`#Breaking`) become
    /// `hash-breaking`, as in Ghost. Returns `None` when nothing sluggable is left.
    pub fn from_title(title: &str) -> Option<Self> {
        let (prefix, rest) = match title.trim().strip_prefix('#') {
            Some(rest) => ("hash-", rest),
            None => ("", title),
        };
        let mut out = String::from(prefix);
        let mut pending_hyphen = false;
        for c in rest.chars() {
            if c.is_alphanumeric() {
                if pending_hyphen && !out.is_empty() && !out.ends_with('-') {
                    out.push('-');
                }
                pending_hyphen = false;
                out.extend(c.to_lowercase().filter(|c| c.is_alphanumeric()));
            } else if c != '\'' && c != '’' {
                pending_hyphen = true;
            }
        }
        let trimmed: String = out.chars().take(MAX_SLUG_LEN).collect();
        let trimmed = trimmed.trim_end_matches('-');
        Self::parse(trimmed).ok()
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Slug({})", self.0)
    }
}

impl TryFrom<String> for Slug {
    type Error = InvalidSlug;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Slug> for String {
    fn from(slug: Slug) -> Self {
        slug.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn titles_become_readable_slugs() {
        let slug = |t: &str| Slug::from_title(t).map(|s| s.to_string());
        assert_eq!(slug("Trains leave Dravsk at dawn"), Some("trains-leave-dravsk-at-dawn".into()));
        assert_eq!(slug("  What's next?  "), Some("whats-next".into()));
        assert_eq!(slug("#Breaking News"), Some("hash-breaking-news".into()));
        assert_eq!(slug("Київ -- нічна зміна"), Some("київ-нічна-зміна".into()));
        assert_eq!(slug("!!!"), None);
    }

    #[test]
    fn parse_rejects_what_from_title_would_never_produce() {
        assert_eq!(Slug::parse(""), Err(InvalidSlug::Empty));
        assert!(matches!(Slug::parse("Upper"), Err(InvalidSlug::Malformed(_))));
        assert!(matches!(Slug::parse("-lead"), Err(InvalidSlug::Malformed(_))));
        assert!(matches!(Slug::parse("a--b"), Err(InvalidSlug::Malformed(_))));
        assert!(matches!(Slug::parse("a b"), Err(InvalidSlug::Malformed(_))));
        assert_eq!(Slug::parse(&"a".repeat(192)), Err(InvalidSlug::TooLong));
    }

    proptest! {
        #[test]
        fn every_derived_slug_parses_and_is_stable(title in "\\PC{0,80}") {
            if let Some(slug) = Slug::from_title(&title) {
                prop_assert!(Slug::parse(slug.as_str()).is_ok());
                prop_assert_eq!(Slug::from_title(slug.as_str()), Some(slug));
            }
        }
    }
}
