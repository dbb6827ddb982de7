//! The shapes of fields in Admin API request bodies: partial updates (absent, `null` or a value),
//! Ghost's timestamps, and references to other resources by id, slug, name or email.

use serde::{Deserialize, Deserializer};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// A field of a partial update: absent (leave it as it is), `null` (clear it) or a value. Used
/// with `#[serde(default)]` on the body, so a missing field is [`Field::Absent`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Field<T> {
    #[default]
    Absent,
    Null,
    Value(T),
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Field<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(match Option::<T>::deserialize(deserializer)? {
            Some(value) => Field::Value(value),
            None => Field::Null,
        })
    }
}

impl<T> Field<T> {
    /// `None` when absent; otherwise the new value (`None` for `null`).
    pub fn update(self) -> Option<Option<T>> {
        match self {
            Field::Absent => None,
            Field::Null => Some(None),
            Field::Value(value) => Some(Some(value)),
        }
    }

    /// The value, if one was given (absent and `null` alike are nothing).
    pub fn value(self) -> Option<T> {
        match self {
            Field::Value(value) => Some(value),
            Field::Absent | Field::Null => None,
        }
    }

    /// Writes the update into `slot`: absent leaves it, `null` clears it.
    pub fn apply(self, slot: &mut Option<T>) {
        if let Some(value) = self.update() {
            *slot = value;
        }
    }
}

/// An ISO 8601 time as Ghost sends it (`2026-11-30T08:00:00.000Z`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GhostTime(pub OffsetDateTime);

impl<'de> Deserialize<'de> for GhostTime {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        OffsetDateTime::parse(&text, &Rfc3339)
            .map(GhostTime)
            .map_err(|_| serde::de::Error::custom(format!("{text:?} is not an ISO 8601 date and time")))
    }
}

/// Another resource named in a body: a bare name, or an object with any of id, slug, name and
/// email (Ghost accepts each for tags, authors, labels and newsletters).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reference {
    Name(String),
    Object { id: Option<String>, slug: Option<String>, name: Option<String>, email: Option<String> },
}

impl<'de> Deserialize<'de> for Reference {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Name(String),
            Object {
                #[serde(default)]
                id: Option<String>,
                #[serde(default)]
                slug: Option<String>,
                #[serde(default)]
                name: Option<String>,
                #[serde(default)]
                email: Option<String>,
            },
        }
        match Raw::deserialize(deserializer) {
            Ok(Raw::Name(name)) => Ok(Reference::Name(name)),
            Ok(Raw::Object { id, slug, name, email }) => Ok(Reference::Object { id, slug, name, email }),
            Err(_) => Err(serde::de::Error::custom("each item is a name or an object with an id, slug, name or email")),
        }
    }
}

impl Reference {
    pub fn id(&self) -> Option<&str> {
        match self {
            Reference::Object { id, .. } => id.as_deref(),
            Reference::Name(_) => None,
        }
    }

    pub fn slug(&self) -> Option<&str> {
        match self {
            Reference::Object { slug, .. } => slug.as_deref(),
            Reference::Name(_) => None,
        }
    }

    pub fn name(&self) -> Option<&str> {
        match self {
            Reference::Object { name, .. } => name.as_deref(),
            Reference::Name(name) => Some(name),
        }
    }

    pub fn email(&self) -> Option<&str> {
        match self {
            Reference::Object { email, .. } => email.as_deref(),
            Reference::Name(_) => None,
        }
    }
}

impl std::fmt::Display for Reference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Reference::Name(name) => write!(f, "{name:?}"),
            Reference::Object { id, slug, name, email } => {
                let parts: Vec<String> = [("id", id), ("slug", slug), ("name", name), ("email", email)]
                    .iter()
                    .filter_map(|(key, value)| value.as_ref().map(|v| format!("{key} {v:?}")))
                    .collect();
                write!(f, "{{{}}}", parts.join(", "))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize, Default)]
    #[serde(default)]
    struct Body {
        title: Field<String>,
        tags: Option<Vec<Reference>>,
    }

    #[test]
    fn absent_null_and_values_are_told_apart() {
        let absent: Body = serde_json::from_str("{}").expect("empty");
        assert_eq!(absent.title, Field::Absent);
        let null: Body = serde_json::from_str(r#"{"title": null}"#).expect("null");
        assert_eq!(null.title, Field::Null);
        let value: Body = serde_json::from_str(r#"{"title": "Floods"}"#).expect("value");
        assert_eq!(value.title.clone().update(), Some(Some("Floods".to_owned())));
        let mut slot = Some("old".to_owned());
        Field::<String>::Absent.apply(&mut slot);
        assert_eq!(slot.as_deref(), Some("old"));
        Field::<String>::Null.apply(&mut slot);
        assert_eq!(slot, None);
    }

    #[test]
    fn references_are_names_or_objects() {
        let body: Body =
            serde_json::from_str(r#"{"tags": ["News", {"slug": "war"}, {"id": "abc", "name": "X"}]}"#).expect("tags");
        let tags = body.tags.expect("tags");
        assert_eq!(tags[0].name(), Some("News"));
        assert_eq!(tags[1].slug(), Some("war"));
        assert_eq!((tags[2].id(), tags[2].name()), (Some("abc"), Some("X")));
        assert!(serde_json::from_str::<Body>(r#"{"tags": [5]}"#).is_err());
        assert!(serde_json::from_str::<Body>(r#"{"title": 5}"#).is_err());
    }

    #[test]
    fn ghost_times_are_iso_8601() {
        let time: GhostTime = serde_json::from_str(r#""2026-11-30T08:00:00.000Z""#).expect("time");
        assert_eq!(time.0.unix_timestamp(), 1_796_025_600);
        let error = serde_json::from_str::<GhostTime>(r#""yesterday""#).expect_err("refused").to_string();
        assert!(error.contains("not an ISO 8601"), "{error}");
    }
}
