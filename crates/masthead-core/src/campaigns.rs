//! Membership goal campaigns: "help us reach 20,000 members". A campaign counts one metric
//! towards a target over a window; the count is kept by the system (see `recount_campaigns` in
//! storage) so that pages read one number instead of counting.

use time::OffsetDateTime;

/// What a campaign counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CampaignMetric {
    /// Every member, free or paying.
    Members,
    /// Members with status paid or comped.
    PaidMembers,
    /// Members who joined since the campaign's `counts_since`.
    NewMembers,
    /// Donations (net of refunds) in the campaign's currency since it started, in the
    /// currency's smallest unit.
    Amount,
}

impl CampaignMetric {
    pub const ALL: [CampaignMetric; 4] =
        [CampaignMetric::Members, CampaignMetric::PaidMembers, CampaignMetric::NewMembers, CampaignMetric::Amount];

    pub fn as_str(self) -> &'static str {
        match self {
            CampaignMetric::Members => "members",
            CampaignMetric::PaidMembers => "paid_members",
            CampaignMetric::NewMembers => "new_members",
            CampaignMetric::Amount => "amount",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.as_str() == value.trim())
    }

    /// How staff choose it.
    pub fn label(self) -> &'static str {
        match self {
            CampaignMetric::Members => "Members (all)",
            CampaignMetric::PaidMembers => "Paying members (paid and complimentary)",
            CampaignMetric::NewMembers => "New members since a date",
            CampaignMetric::Amount => "Donations (amount)",
        }
    }

    /// What readers are told is being counted ("12,345 of 20,000 members").
    pub fn noun(self) -> &'static str {
        match self {
            CampaignMetric::Members => "members",
            CampaignMetric::PaidMembers => "paying members",
            CampaignMetric::NewMembers => "new members",
            CampaignMetric::Amount => "raised",
        }
    }
}

/// What a campaign shows once its target is reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WhenReached {
    /// The thank-you copy in place of the appeal.
    Thank,
    /// Nothing: the campaign disappears.
    Hide,
}

impl WhenReached {
    pub fn as_str(self) -> &'static str {
        match self {
            WhenReached::Thank => "thank",
            WhenReached::Hide => "hide",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        match value.trim() {
            "thank" => Some(WhenReached::Thank),
            "hide" => Some(WhenReached::Hide),
            _ => None,
        }
    }
}

/// A campaign as stored.
#[derive(Clone, Debug, PartialEq)]
pub struct Campaign {
    pub id: String,
    /// For staff only.
    pub name: String,
    pub metric: CampaignMetric,
    /// Where `new_members` starts counting.
    pub counts_since: Option<OffsetDateTime>,
    /// Three upper-case letters, for the `amount` metric.
    pub currency: Option<String>,
    pub target: i64,
    pub starts_at: OffsetDateTime,
    pub ends_at: Option<OffsetDateTime>,
    pub headline: String,
    /// Plain text; paragraphs separated by blank lines.
    pub body: String,
    pub button_label: String,
    pub button_url: String,
    pub show_strip: bool,
    pub show_in_article: bool,
    pub active: bool,
    pub when_reached: WhenReached,
    /// Plain text shown instead of the appeal once the target is reached.
    pub thank_you: String,
    /// The count as last kept by the system.
    pub current: i64,
    pub counted_at: Option<OffsetDateTime>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// Whether a campaign shows at `now`, and how.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CampaignState {
    /// Switched off by staff.
    Inactive,
    /// Its window has not begun.
    NotStarted,
    /// Its window is over.
    Ended,
    /// Running, target not reached: the appeal shows.
    Open,
    /// Running and reached: the thank-you shows (or nothing, per `when_reached`).
    Reached,
}

impl Campaign {
    pub fn state(&self, now: OffsetDateTime) -> CampaignState {
        if !self.active {
            CampaignState::Inactive
        } else if self.starts_at > now {
            CampaignState::NotStarted
        } else if self.ends_at.is_some_and(|end| end <= now) {
            CampaignState::Ended
        } else if self.is_reached() {
            CampaignState::Reached
        } else {
            CampaignState::Open
        }
    }

    pub fn is_reached(&self) -> bool {
        self.current >= self.target
    }

    /// Whether readers see anything of it at `now`: running, and not a reached goal that hides.
    pub fn is_shown(&self, now: OffsetDateTime) -> bool {
        match self.state(now) {
            CampaignState::Open => true,
            CampaignState::Reached => self.when_reached == WhenReached::Thank,
            _ => false,
        }
    }

    /// A number of the campaign's metric as readers read it: `12,345`, or `€1,234.50` for an
    /// amount (kept in cents).
    pub fn format_value(&self, value: i64) -> String {
        match self.metric {
            CampaignMetric::Amount => format_amount(value, self.currency.as_deref().unwrap_or("")),
            _ => thousands(value),
        }
    }

    /// "12,345 of 20,000 members", "€1,234 of €5,000 raised".
    pub fn progress_text(&self) -> String {
        format!("{} of {} {}", self.format_value(self.current), self.format_value(self.target), self.metric.noun())
    }

    /// How far along, 0 to 100, for the bar's width.
    pub fn percent(&self) -> u8 {
        if self.target <= 0 {
            return 0;
        }
        let ratio = (self.current.max(0) as f64 / self.target as f64 * 100.0).floor();
        ratio.clamp(0.0, 100.0) as u8
    }
}

pub use crate::tiers::group_thousands as thousands;

/// An amount in a currency's smallest unit as readers read it: `€1,234.50`, `$20`, `1,000 CHF`.
/// Whole amounts drop the cents.
pub fn format_amount(cents: i64, currency: &str) -> String {
    match crate::Currency::parse(currency) {
        Some(currency) => currency.format(cents),
        None => {
            let rest = (cents % 100).abs();
            let whole = thousands(cents / 100);
            if rest == 0 { whole } else { format!("{whole}.{rest:02}") }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn campaign(current: i64, target: i64) -> Campaign {
        let now = crate::now();
        Campaign {
            id: "c".into(),
            name: "n".into(),
            metric: CampaignMetric::Members,
            counts_since: None,
            currency: None,
            target,
            starts_at: now - time::Duration::days(1),
            ends_at: None,
            headline: "h".into(),
            body: String::new(),
            button_label: "Join".into(),
            button_url: "/subscribe/".into(),
            show_strip: true,
            show_in_article: true,
            active: true,
            when_reached: WhenReached::Thank,
            thank_you: String::new(),
            current,
            counted_at: None,
            created_at: now,
            updated_at: now,
        }
    }

    #[test]
    fn numbers_read_with_thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(12345), "12,345");
        assert_eq!(thousands(1234567), "1,234,567");
        assert_eq!(thousands(-1234), "-1,234");
        assert_eq!(format_amount(123450, "eur"), "€1,234.50");
        assert_eq!(format_amount(2000, "USD"), "$20");
        assert_eq!(format_amount(100005, "CHF"), "1,000.05 CHF");
    }

    #[test]
    fn a_campaign_shows_only_inside_its_window_and_per_its_reached_choice() {
        let now = crate::now();
        let open = campaign(5, 10);
        assert_eq!(open.state(now), CampaignState::Open);
        assert_eq!(open.progress_text(), "5 of 10 members");
        assert_eq!(open.percent(), 50);
        assert_eq!(Campaign { active: false, ..open.clone() }.state(now), CampaignState::Inactive);
        let later = Campaign { starts_at: now + time::Duration::hours(1), ..open.clone() };
        assert_eq!(later.state(now), CampaignState::NotStarted);
        assert!(!later.is_shown(now));
        let over = Campaign { ends_at: Some(now - time::Duration::seconds(1)), ..open.clone() };
        assert_eq!(over.state(now), CampaignState::Ended);
        let reached = campaign(12, 10);
        assert_eq!(reached.state(now), CampaignState::Reached);
        assert_eq!(reached.percent(), 100);
        assert!(reached.is_shown(now));
        assert!(!Campaign { when_reached: WhenReached::Hide, ..reached }.is_shown(now));
    }
}
