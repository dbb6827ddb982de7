//! Members (readers with an account), newsletters, audiences and the email address type that
//! every sign-up, import and send goes through. Field names are Ghost's.

use time::OffsetDateTime;

use crate::{ObjectId, Slug};

/// An email address as Masthead keeps it: trimmed, lower-case, and plausible enough to send to.
///
/// Parsing explains what is wrong in words a reader can act on; sign-up forms show the message
/// next to the field.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct EmailAddress(String);

/// Why a string is not an email address we can send to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    #[error("Enter your email address.")]
    Empty,
    #[error("Enter a correct email address: it is too long.")]
    TooLong,
    #[error("Enter a correct email address: it has spaces or invisible characters in it.")]
    Whitespace,
    #[error("Enter a correct email address: it needs one @ between your name and the domain, as in name@example.com.")]
    NoAt,
    #[error("Enter a correct email address: there is nothing before the @.")]
    EmptyLocal,
    #[error("Enter a correct email address: the part before the @ has a character that is not allowed.")]
    BadLocal,
    #[error("Enter a correct email address: the domain after the @ is missing.")]
    EmptyDomain,
    #[error("Enter a correct email address: the domain after the @ needs a dot, as in example.com.")]
    NoDot,
    #[error("Enter a correct email address: the domain after the @ is not valid.")]
    BadDomain,
}

impl EmailAddress {
    pub fn parse(input: &str) -> Result<Self, EmailError> {
        let email = input.trim();
        if email.is_empty() {
            return Err(EmailError::Empty);
        }
        if email.len() > 254 {
            return Err(EmailError::TooLong);
        }
        if email.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(EmailError::Whitespace);
        }
        let Some((local, domain)) = email.rsplit_once('@') else {
            return Err(EmailError::NoAt);
        };
        if local.is_empty() {
            return Err(EmailError::EmptyLocal);
        }
        let local_ok = local.len() <= 64
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && local.chars().all(|c| c.is_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c));
        if !local_ok {
            return Err(EmailError::BadLocal);
        }
        if domain.is_empty() {
            return Err(EmailError::EmptyDomain);
        }
        if !domain.contains('.') {
            return Err(EmailError::NoDot);
        }
        let labels_ok = domain.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_alphanumeric() || c == '-')
        });
        let tld_ok =
            domain.rsplit('.').next().is_some_and(|tld| tld.len() >= 2 && !tld.chars().all(|c| c.is_ascii_digit()));
        if !labels_ok || !tld_ok {
            return Err(EmailError::BadDomain);
        }
        Ok(Self(format!("{local}@{domain}").to_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn domain(&self) -> &str {
        self.0.rsplit_once('@').map_or("", |(_, d)| d)
    }
}

impl std::fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

crate::string_enum!(
    /// Ghost's member statuses. Paid comes from a subscription; comped is a complimentary one.
    MemberStatus { Free = "free", Paid = "paid", Comped = "comped" }
);

crate::string_enum!(
    /// Archived newsletters keep their history but take no new subscribers and send nothing.
    NewsletterStatus { Active = "active", Archived = "archived" }
);

crate::string_enum!(
    /// Why an address must never be mailed again (until staff lift it).
    SuppressionReason { HardBounce = "hard_bounce", Complaint = "complaint", Manual = "manual" }
);

crate::string_enum!(
    /// A newsletter send's progress.
    EmailStatus { Pending = "pending", Sending = "sending", Sent = "sent", Failed = "failed" }
);

/// A reader with an account.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Member {
    pub id: ObjectId,
    pub uuid: String,
    pub email: String,
    pub name: Option<String>,
    pub note: Option<String>,
    pub status: MemberStatus,
    pub labels: Vec<Label>,
    /// Slugs of the newsletters the member receives.
    pub newsletters: Vec<String>,
    /// Where the member's consent came from ("signup form", "import", "admin") and when.
    pub consent_source: String,
    #[serde(with = "time::serde::rfc3339")]
    pub consent_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Label {
    pub id: ObjectId,
    pub name: String,
    pub slug: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// A newsletter readers subscribe to, possibly hosted by a named journalist.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Newsletter {
    pub id: ObjectId,
    pub uuid: String,
    pub name: String,
    pub slug: Slug,
    pub description: Option<String>,
    pub sender_name: Option<String>,
    pub sender_email: Option<String>,
    pub sender_reply_to: Option<String>,
    /// "with <journalist>": shown on sign-up forms and in the email.
    pub host_name: Option<String>,
    pub status: NewsletterStatus,
    pub subscribe_on_signup: bool,
    pub sort_order: i32,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// Who among a newsletter's subscribers receives a send. Spelt as Ghost spells `email_segment`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Segment {
    All,
    Free,
    /// Paid and comped members.
    Paid,
    Label(String),
}

impl Segment {
    pub fn parse(value: &str) -> Option<Self> {
        match value.trim() {
            "all" | "" => Some(Self::All),
            "status:free" => Some(Self::Free),
            "status:-free" => Some(Self::Paid),
            other => {
                let slug = other.strip_prefix("label:")?;
                Slug::parse(slug).ok().map(|s| Self::Label(s.as_str().to_owned()))
            }
        }
    }

    pub fn as_string(&self) -> String {
        match self {
            Self::All => "all".into(),
            Self::Free => "status:free".into(),
            Self::Paid => "status:-free".into(),
            Self::Label(slug) => format!("label:{slug}"),
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Self::All => "all subscribers".into(),
            Self::Free => "free members".into(),
            Self::Paid => "paying members".into(),
            Self::Label(slug) => format!("members labelled {slug}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_parse_to_lower_case_and_say_what_is_wrong() {
        assert_eq!(
            EmailAddress::parse("  Reader@Example.ORG ").map(|e| e.to_string()),
            Ok("reader@example.org".into())
        );
        assert_eq!(
            EmailAddress::parse("o'brien+news@mail.example.co.uk").map(|e| e.domain().to_owned()),
            Ok("mail.example.co.uk".into())
        );
        let cases = [
            ("", EmailError::Empty),
            ("reader example.org", EmailError::Whitespace),
            ("reader.example.org", EmailError::NoAt),
            ("@example.org", EmailError::EmptyLocal),
            ("re<ader@example.org", EmailError::BadLocal),
            ("reader..x@example.org", EmailError::BadLocal),
            ("reader@", EmailError::EmptyDomain),
            ("reader@example", EmailError::NoDot),
            ("reader@example.", EmailError::BadDomain),
            ("reader@-example.org", EmailError::BadDomain),
            ("reader@example.c", EmailError::BadDomain),
            ("reader@127.0.0.1", EmailError::BadDomain),
        ];
        for (input, error) in cases {
            assert_eq!(EmailAddress::parse(input), Err(error), "{input:?}");
        }
        assert_eq!(EmailAddress::parse(&format!("{}@example.org", "a".repeat(250))), Err(EmailError::TooLong));
        assert!(EmailError::NoDot.to_string().starts_with("Enter a correct email address"));
    }

    #[test]
    fn segments_use_ghost_spelling() {
        for text in ["all", "status:free", "status:-free", "label:kyiv-readers"] {
            assert_eq!(Segment::parse(text).map(|s| s.as_string()), Some(text.to_owned()));
        }
        assert_eq!(Segment::parse("label:"), None);
        assert_eq!(Segment::parse("status:vip"), None);
    }
}
