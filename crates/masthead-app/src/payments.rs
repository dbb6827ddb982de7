//! Paying members and donations: tiers, Stripe Checkout and the customer portal, and Stripe's
//! webhooks, which are the only way a payment changes a member.

pub mod checkout;
pub mod stripe;
pub mod webhook;

use masthead_core::{Actor, Currency, Member, ObjectId, Permission, Slug, Tier, TierType, TierVisibility};
use serde_json::{Value, json};

use crate::{AppError, ContentChange, Newsroom};

pub use checkout::{CheckoutRequest, Purchase};
pub use stripe::StripeConfig;
pub use webhook::{WebhookError, WebhookOutcome};

/// What staff (or an import) set on a tier, as typed. Prices are in major units ("5", "4.50").
#[derive(Clone, Debug, Default)]
pub struct TierInput {
    pub name: String,
    pub slug: Option<String>,
    pub description: Option<String>,
    pub paid: bool,
    pub active: bool,
    pub public: bool,
    pub welcome_page_url: Option<String>,
    pub monthly_price: Option<String>,
    pub yearly_price: Option<String>,
    pub currency: Option<String>,
    pub trial_days: Option<String>,
    pub benefits: Vec<String>,
}

/// The longest name, description or benefit Ghost keeps.
const TEXT_LIMIT: usize = 191;

fn limited(field: &'static str, label: &str, value: Option<&str>) -> Result<Option<String>, AppError> {
    let value = value.map(str::trim).filter(|v| !v.is_empty());
    match value {
        Some(v) if v.chars().count() > TEXT_LIMIT => {
            Err(AppError::invalid(field, format!("{label} must be {TEXT_LIMIT} characters or fewer.")))
        }
        other => Ok(other.map(str::to_owned)),
    }
}

impl TierInput {
    /// The input that would make `tier` as it is: the starting point for an edit that names
    /// only some fields.
    pub fn from_tier(tier: &Tier) -> Self {
        let typed = |minor: Option<i64>| match (&tier.currency, minor) {
            (Some(currency), Some(minor)) => Some(currency.typed(minor)),
            _ => None,
        };
        Self {
            name: tier.name.clone(),
            slug: Some(tier.slug.as_str().to_owned()),
            description: tier.description.clone(),
            paid: tier.tier_type == TierType::Paid,
            active: tier.active,
            public: tier.visibility == TierVisibility::Public,
            welcome_page_url: tier.welcome_page_url.clone(),
            monthly_price: typed(tier.monthly_price),
            yearly_price: typed(tier.yearly_price),
            currency: tier.currency.as_ref().map(|c| c.as_str().to_owned()),
            trial_days: Some(tier.trial_days.to_string()),
            benefits: tier.benefits.clone(),
        }
    }

    /// Parses the input into the tier it describes, keeping `existing`'s identity and type.
    fn into_tier(self, existing: Option<&Tier>) -> Result<Tier, AppError> {
        let name = limited("name", "The name", Some(&self.name))?
            .ok_or_else(|| AppError::invalid("name", "Give the tier a name."))?;
        let slug = match self.slug.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(slug) => Slug::parse(slug).map_err(|e| AppError::invalid("slug", e.to_string()))?,
            None => match existing {
                Some(tier) => tier.slug.clone(),
                None => Slug::from_title(&name)
                    .ok_or_else(|| AppError::invalid("name", "The name needs letters or numbers."))?,
            },
        };
        let tier_type = existing.map_or(if self.paid { TierType::Paid } else { TierType::Free }, |t| t.tier_type);
        let description = limited("description", "The description", self.description.as_deref())?;
        let welcome_page_url = self.welcome_page_url.as_deref().map(str::trim).filter(|u| !u.is_empty());
        if let Some(url) = welcome_page_url
            && !(url.starts_with('/') || url.starts_with("https://") || url.starts_with("http://"))
        {
            return Err(AppError::invalid(
                "welcome_page_url",
                "Use a path on this site (/welcome/) or a full https:// address.",
            ));
        }
        let mut benefits = Vec::new();
        for benefit in &self.benefits {
            if let Some(b) = limited("benefits", "Each benefit", Some(benefit))?
                && !benefits.contains(&b)
            {
                benefits.push(b);
            }
        }
        let trial_days = match self.trial_days.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            None => 0,
            Some(t) => match t.parse::<i64>() {
                Ok(days) if (0..=730).contains(&days) => days,
                _ => return Err(AppError::invalid("trial_days", "Trial days must be a whole number from 0 to 730.")),
            },
        };
        let (monthly_price, yearly_price, currency) = if tier_type == TierType::Paid {
            let currency = self.currency.as_deref().and_then(Currency::parse).ok_or_else(|| {
                AppError::invalid("currency", "Choose the currency as a three-letter code, such as USD.")
            })?;
            let price = |field: &'static str, label: &str, value: Option<&str>| -> Result<Option<i64>, AppError> {
                match value.map(str::trim).filter(|v| !v.is_empty()) {
                    None => Ok(None),
                    Some(v) => match currency.parse_amount(v) {
                        Some(minor) if minor > 0 => Ok(Some(minor)),
                        _ => Err(AppError::invalid(
                            field,
                            format!("The {label} price must be an amount such as 5 or 4.50."),
                        )),
                    },
                }
            };
            let monthly = price("monthly_price", "monthly", self.monthly_price.as_deref())?;
            let yearly = price("yearly_price", "yearly", self.yearly_price.as_deref())?;
            if monthly.is_none() && yearly.is_none() {
                return Err(AppError::invalid("monthly_price", "A paid tier needs a monthly or a yearly price."));
            }
            (monthly, yearly, Some(currency))
        } else {
            (None, None, None)
        };
        let now = masthead_core::now();
        Ok(Tier {
            id: existing.map_or_else(ObjectId::new, |t| t.id.clone()),
            name,
            slug,
            description,
            tier_type,
            active: self.active || tier_type == TierType::Free,
            visibility: if self.public { TierVisibility::Public } else { TierVisibility::None },
            welcome_page_url: welcome_page_url.map(str::to_owned),
            monthly_price,
            yearly_price,
            currency,
            trial_days: if tier_type == TierType::Paid { trial_days } else { 0 },
            benefits,
            created_at: existing.map_or(now, |t| t.created_at),
            updated_at: now,
        })
    }
}

impl Newsroom {
    /// Makes the free tier if there is none yet (every member is at least on it). Its id is the
    /// one the newsroom has always answered with.
    pub async fn ensure_free_tier(&self) -> Result<Tier, AppError> {
        if let Some(tier) = self.db.free_tier().await? {
            return Ok(tier);
        }
        let id = ObjectId::parse(&self.free_tier_id().await?).map_err(|e| AppError::Unavailable(e.to_string()))?;
        let settings = self.db.site_settings().await?;
        let now = masthead_core::now();
        let tier = Tier {
            id,
            name: "Free".into(),
            slug: Slug::parse("free").map_err(|e| AppError::Unavailable(e.to_string()))?,
            description: Some(format!("Free membership of {}", settings.title)),
            tier_type: TierType::Free,
            active: true,
            visibility: TierVisibility::Public,
            welcome_page_url: None,
            monthly_price: None,
            yearly_price: None,
            currency: None,
            trial_days: 0,
            benefits: Vec::new(),
            created_at: now,
            updated_at: now,
        };
        self.db.save_tier(&tier).await?;
        Ok(tier)
    }

    /// Every tier, free first (making the free tier the first time it is asked for).
    pub async fn tiers(&self) -> Result<Vec<Tier>, AppError> {
        let tiers = self.db.tiers().await?;
        if tiers.iter().any(|t| t.tier_type == TierType::Free) {
            return Ok(tiers);
        }
        self.ensure_free_tier().await?;
        Ok(self.db.tiers().await?)
    }

    /// Adds a paid tier.
    pub async fn create_tier_as(&self, actor: &Actor, input: TierInput) -> Result<Tier, AppError> {
        if !actor.may(Permission::ManageSettings) {
            return Err(AppError::Forbidden("Your role does not allow you to manage tiers.".into()));
        }
        if !input.paid {
            return Err(AppError::invalid("type", "There is one free tier; new tiers are paid."));
        }
        let tier = self.put_tier(None, input).await?;
        self.tiers_changed(None, Some(&tier)).await;
        Ok(tier)
    }

    /// Changes a tier. A tier's type stays as it was made; archiving is `active: false`.
    pub async fn edit_tier_as(&self, actor: &Actor, id: &str, input: TierInput) -> Result<Tier, AppError> {
        if !actor.may(Permission::ManageSettings) {
            return Err(AppError::Forbidden("Your role does not allow you to manage tiers.".into()));
        }
        let existing = self.db.tier(id).await?.ok_or(AppError::NotFound("tier"))?;
        let tier = self.put_tier(Some(&existing), input).await?;
        self.tiers_changed(Some(&existing), Some(&tier)).await;
        Ok(tier)
    }

    /// Stores a tier made from `input`, new or over `existing`, telling no one (an import has
    /// checked who may, and announces once at the end).
    pub(crate) async fn put_tier(&self, existing: Option<&Tier>, input: TierInput) -> Result<Tier, AppError> {
        let tier = input.into_tier(existing)?;
        self.db.save_tier(&tier).await?;
        Ok(tier)
    }

    async fn tiers_changed(&self, before: Option<&Tier>, after: Option<&Tier>) {
        self.changes.publish(&ContentChange::Everything);
        let event = if before.is_some() { "tier.edited" } else { "tier.added" };
        let current = after.map_or_else(|| json!({}), crate::ghost::api_json::tier);
        self.fire_webhooks(event, "tier", current, json!({})).await;
    }

    /// Whether payments can be taken.
    pub fn payments_enabled(&self) -> bool {
        self.stripe.payments_enabled()
    }

    /// Counts that depend on members and money (goal campaigns) may have moved.
    pub(crate) fn payments_changed(&self) {
        self.membership_changed();
    }

    /// Raises `member.edited` with the member's tiers before and after.
    pub(crate) async fn member_tiers_changed(&self, before: &Member, after: &Member, from: &[String], to: &[String]) {
        let tiers = self.db.tiers().await.unwrap_or_default();
        let named = |ids: &[String]| -> Value {
            Value::Array(
                tiers
                    .iter()
                    .filter(|t| ids.iter().any(|id| id == t.id.as_str()))
                    .map(|t| json!({ "id": t.id.as_str(), "name": t.name, "slug": t.slug.as_str() }))
                    .collect(),
            )
        };
        let newsletters = self.db.newsletters(true).await.unwrap_or_default();
        let mut current = crate::ghost::api_json::member(after, &newsletters, None);
        current["tiers"] = named(to);
        let mut previous = json!({});
        if before.status != after.status {
            previous["status"] = json!(before.status.as_str());
            previous["comped"] = json!(before.status == masthead_core::MemberStatus::Comped);
        }
        if from != to {
            previous["tiers"] = named(from);
        }
        self.fire_webhooks("member.edited", "member", current, previous).await;
    }

    // What follows a payment never fails the webhook that reported it: Stripe would deliver it
    // again and the payment work would be repeated. A failure is logged; the email is durable
    // once queued, and each is queued once.

    /// After a donation is recorded: the donor's receipt.
    pub(crate) async fn after_donation(&self, donation_id: &str) {
        if let Err(error) = self.send_donation_receipt(donation_id).await {
            tracing::error!(%error, donation_id, "the donation receipt could not be queued");
        }
    }

    /// After a free member becomes a paying one: the tier's welcome.
    pub(crate) async fn after_paid_join(&self, member: &Member, tier_id: Option<&str>) {
        if let Err(error) = self.send_welcome_email(member.id.as_str(), tier_id).await {
            tracing::error!(%error, member = %member.id, "the welcome email could not be queued");
        }
    }

    /// After a payment fails: the notice with a link to fix it.
    pub(crate) async fn after_payment_failed(&self, member: &Member) {
        if let Err(error) = self.send_payment_failed_notice(member.id.as_str()).await {
            tracing::error!(%error, member = %member.id, "the failed-payment notice could not be queued");
        }
    }
}
