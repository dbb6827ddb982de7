//! Tiers (what members join: the free tier and paid tiers with monthly and yearly prices), in
//! Ghost's shape, and the money amounts that go with them and with donations.

use time::OffsetDateTime;

use crate::{ObjectId, Slug, TierType};

crate::string_enum!(
    /// Whether a tier is offered on the site (`public`) or only given by staff (`none`).
    TierVisibility { Public = "public", None = "none" }
);

crate::string_enum!(
    /// How often a subscription is paid.
    Cadence { Month = "month", Year = "year" }
);

/// A tier as Masthead keeps it. Prices are in the currency's smallest unit (cents).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tier {
    pub id: ObjectId,
    pub name: String,
    pub slug: Slug,
    pub description: Option<String>,
    pub tier_type: TierType,
    pub active: bool,
    pub visibility: TierVisibility,
    pub welcome_page_url: Option<String>,
    pub monthly_price: Option<i64>,
    pub yearly_price: Option<i64>,
    pub currency: Option<Currency>,
    pub trial_days: i64,
    pub benefits: Vec<String>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

impl Tier {
    /// The price for a cadence, when the tier is paid and has one.
    pub fn price(&self, cadence: Cadence) -> Option<i64> {
        match cadence {
            Cadence::Month => self.monthly_price,
            Cadence::Year => self.yearly_price,
        }
        .filter(|&p| p > 0)
    }

    /// Whether readers can join it on the site.
    pub fn on_offer(&self) -> bool {
        self.active && self.visibility == TierVisibility::Public
    }
}

/// A three-letter ISO 4217 currency code, kept lower-case as Stripe and Ghost do.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Currency(String);

impl Currency {
    pub fn parse(input: &str) -> Option<Self> {
        let code = input.trim().to_ascii_lowercase();
        (code.len() == 3 && code.bytes().all(|b| b.is_ascii_lowercase())).then_some(Self(code))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Minor units per major unit. Stripe's zero-decimal currencies have none.
    pub fn minor_units(&self) -> i64 {
        const ZERO_DECIMAL: [&str; 16] = [
            "bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof",
            "xpf",
        ];
        if ZERO_DECIMAL.contains(&self.0.as_str()) { 1 } else { 100 }
    }

    fn symbol(&self) -> Option<&'static str> {
        Some(match self.0.as_str() {
            "usd" => "$",
            "eur" => "€",
            "gbp" => "£",
            "uah" => "₴",
            "jpy" => "¥",
            _ => return None,
        })
    }

    /// An amount in minor units, written for readers: `$5`, `$5.50`, `€1,200`, `250 CHF`.
    pub fn format(&self, minor: i64) -> String {
        let units = self.minor_units();
        let whole = group_thousands(minor.abs() / units);
        let fraction = minor.abs() % units;
        let number = if units > 1 && fraction != 0 { format!("{whole}.{fraction:02}") } else { whole };
        let sign = if minor < 0 { "-" } else { "" };
        match self.symbol() {
            Some(symbol) => format!("{sign}{symbol}{number}"),
            None => format!("{sign}{number} {}", self.0.to_ascii_uppercase()),
        }
    }

    /// An amount in minor units as staff would type it: `4.50`, `5`, `500` (yen).
    pub fn typed(&self, minor: i64) -> String {
        let units = self.minor_units();
        if units == 1 || minor % units == 0 {
            (minor / units).to_string()
        } else {
            format!("{}.{:02}", minor / units, minor % units)
        }
    }

    /// Reads an amount typed by a reader or staff ("5", "5.50", "1,200") into minor units.
    pub fn parse_amount(&self, input: &str) -> Option<i64> {
        let cleaned: String = input.trim().trim_start_matches(self.symbol().unwrap_or("\u{0}")).replace(',', "");
        let (whole, fraction) = match cleaned.split_once('.') {
            Some((w, f)) => (w, f),
            None => (cleaned.as_str(), ""),
        };
        if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) || whole.len() > 9 {
            return None;
        }
        let units = self.minor_units();
        let fraction_minor = match (units, fraction.len()) {
            (_, 0) => 0,
            (100, 1 | 2) if fraction.bytes().all(|b| b.is_ascii_digit()) => {
                format!("{fraction:0<2}").parse::<i64>().ok()?
            }
            _ => return None,
        };
        Some(whole.parse::<i64>().ok()? * units + fraction_minor)
    }
}

impl std::fmt::Display for Currency {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// `20000` as `20,000`.
pub fn group_thousands(n: i64) -> String {
    let digits = n.abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_read_and_write_in_the_currency_s_units() {
        let usd = Currency::parse("USD").expect("usd");
        assert_eq!(usd.as_str(), "usd");
        assert_eq!(usd.parse_amount("5"), Some(500));
        assert_eq!(usd.parse_amount("$5.5"), Some(550));
        assert_eq!(usd.parse_amount("1,200.05"), Some(120_005));
        assert_eq!(usd.parse_amount("5.555"), None);
        assert_eq!(usd.parse_amount("-5"), None);
        assert_eq!(usd.parse_amount("five"), None);
        assert_eq!(usd.format(120_005), "$1,200.05");
        assert_eq!(usd.format(500), "$5");
        let jpy = Currency::parse("jpy").expect("jpy");
        assert_eq!(jpy.parse_amount("500"), Some(500));
        assert_eq!(jpy.parse_amount("500.5"), None);
        assert_eq!(Currency::parse("chf").expect("chf").format(2_500), "25 CHF");
        assert_eq!(Currency::parse("usdd"), None);
        assert_eq!(group_thousands(20_000), "20,000");
        assert_eq!(group_thousands(999), "999");
        assert_eq!(group_thousands(1_234_567), "1,234,567");
    }
}
