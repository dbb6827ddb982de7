//! Membership goal campaigns: staff set a goal (a metric, a target, a window) and the appeal's
//! copy; the system keeps the count.
//!
//! Editors and above create, edit and delete campaigns. Counting is never done per page view:
//! [`Newsroom::membership_changed`] asks for a recount (cheap, never waits), a background task
//! ([`Newsroom::run_campaign_counter`]) does at most one recount a second however many changes
//! asked, and also recounts every 30 seconds, so counts stay right when another instance, an
//! import or a payment changed the members. A recount that changed a number publishes
//! [`ContentChange::Campaigns`], which drops every page showing a campaign (on PostgreSQL the
//! row's trigger tells the other instances).

use std::sync::Arc;
use std::time::Duration;

use masthead_core::{Actor, Campaign, CampaignMetric, ObjectId, Permission, WhenReached};
use masthead_storage::CampaignContent;
use serde::Deserialize;
use serde_json::{Value, json};
use time::OffsetDateTime;
use tokio::sync::{Notify, watch};

use crate::ghost::api_json::ghost_time;
use crate::{AppError, ContentChange, Newsroom};

const MAX_NAME: usize = 120;
const MAX_HEADLINE: usize = 160;
const MAX_COPY: usize = 1000;
const MAX_BUTTON_LABEL: usize = 40;
/// The largest target: beyond any newsroom's members, and far from overflowing a cent count.
const MAX_TARGET: i64 = 1_000_000_000_000;

/// Recounts at most this often, however many changes ask.
pub const RECOUNT_AT_MOST_EVERY: Duration = Duration::from_secs(1);
/// Recounts at least this often, for changes nobody announced here (another instance, an
/// import, a payment recorded elsewhere) and for campaigns opening or closing with time.
pub const RECOUNT_EVERY: Duration = Duration::from_secs(30);

/// A campaign as typed in the newsroom's form (or sent through an API): every field as text,
/// kept as typed so a refused form shows it again.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, serde::Serialize)]
#[serde(default)]
pub struct CampaignForm {
    pub name: String,
    pub metric: String,
    /// A count, or for the amount metric an amount in the currency (`5000`, `5000.50`).
    pub target: String,
    pub currency: String,
    /// `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM` in the site's timezone, or RFC 3339.
    pub counts_since: String,
    pub starts_at: String,
    pub ends_at: String,
    pub headline: String,
    pub body: String,
    pub button_label: String,
    pub button_url: String,
    pub show_strip: bool,
    pub show_in_article: bool,
    pub active: bool,
    pub when_reached: String,
    pub thank_you: String,
}

/// Everything wrong with a form, field by field, in the order of the form.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CampaignErrors(pub Vec<(&'static str, String)>);

impl CampaignErrors {
    fn add(&mut self, field: &'static str, message: impl Into<String>) {
        self.0.push((field, message.into()));
    }

    /// The message for `field`, if it has one.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.iter().find(|(f, _)| *f == field).map(|(_, m)| m.as_str())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<CampaignErrors> for AppError {
    fn from(errors: CampaignErrors) -> Self {
        match errors.0.into_iter().next() {
            Some((field, message)) => AppError::Invalid { field, message },
            None => AppError::invalid("campaign", "The campaign is not valid."),
        }
    }
}

/// A campaign whose every field has been checked: only [`CampaignInput::parse`] makes one.
#[derive(Clone, Debug, PartialEq)]
pub struct CampaignInput(CampaignContent);

impl CampaignInput {
    pub fn content(&self) -> &CampaignContent {
        &self.0
    }

    /// Reads a form. Dates without an offset are in `tz` (the site's timezone). Every problem is
    /// reported, each against its field.
    pub fn parse(form: &CampaignForm, tz: &jiff::tz::TimeZone) -> Result<Self, CampaignErrors> {
        let mut errors = CampaignErrors::default();
        let name = form.name.trim().to_owned();
        let headline = form.headline.trim().to_owned();
        let name = if name.is_empty() { headline.clone() } else { name };
        if name.chars().count() > MAX_NAME {
            errors.add("name", format!("A name is at most {MAX_NAME} characters."));
        }
        let metric = CampaignMetric::parse(&form.metric);
        if metric.is_none() {
            errors.add("metric", "Choose what to count: members, paid_members, new_members or amount.");
        }
        let currency = form.currency.trim().to_ascii_uppercase();
        let currency = match (metric, currency.as_str()) {
            (Some(CampaignMetric::Amount), "") => {
                errors.add("currency", "A donations goal needs a currency: three letters, such as EUR.");
                None
            }
            (_, "") => None,
            (_, code) if code.len() == 3 && code.chars().all(|c| c.is_ascii_alphabetic()) => Some(code.to_owned()),
            (_, _) => {
                errors.add("currency", "A currency is three letters, such as EUR or USD.");
                None
            }
        };
        let target = match parse_target(&form.target, metric == Some(CampaignMetric::Amount)) {
            Ok(target) => target,
            Err(message) => {
                errors.add("target", message);
                1
            }
        };
        let now = masthead_core::now();
        let starts_at = match parse_time(&form.starts_at, tz) {
            Ok(Some(at)) => at,
            Ok(None) => now,
            Err(()) => {
                errors.add("starts_at", "Enter the start as a date and time, e.g. 2026-12-01 09:00.");
                now
            }
        };
        let ends_at = match parse_time(&form.ends_at, tz) {
            Ok(Some(end)) if end <= starts_at => {
                errors.add("ends_at", "The end must be after the start.");
                None
            }
            Ok(end) => end,
            Err(()) => {
                errors.add("ends_at", "Enter the end as a date and time, e.g. 2026-12-31 23:59, or leave it empty.");
                None
            }
        };
        let counts_since = match (parse_time(&form.counts_since, tz), metric) {
            (Err(()), _) => {
                errors.add("counts_since", "Enter the date new members count from, e.g. 2026-12-01.");
                None
            }
            (Ok(None), Some(CampaignMetric::NewMembers)) => {
                errors.add("counts_since", "A new-members goal needs the date new members count from.");
                None
            }
            (Ok(since), _) => since,
        };
        if headline.is_empty() {
            errors.add("headline", "A campaign needs a headline.");
        } else if headline.chars().count() > MAX_HEADLINE {
            errors.add("headline", format!("A headline is at most {MAX_HEADLINE} characters."));
        }
        let body = form.body.trim().to_owned();
        if body.chars().count() > MAX_COPY {
            errors.add("body", format!("The appeal is at most {MAX_COPY} characters."));
        }
        let button_label = form.button_label.trim().to_owned();
        if button_label.is_empty() {
            errors.add("button_label", "The button needs a label, e.g. Become a member.");
        } else if button_label.chars().count() > MAX_BUTTON_LABEL {
            errors.add("button_label", format!("A button label is at most {MAX_BUTTON_LABEL} characters."));
        }
        let button_url = form.button_url.trim().to_owned();
        if let Err(message) = check_button_url(&button_url) {
            errors.add("button_url", message);
        }
        let when_reached = match form.when_reached.trim() {
            "" => WhenReached::Thank,
            other => WhenReached::parse(other).unwrap_or_else(|| {
                errors.add("when_reached", "Choose thank (show the thank-you) or hide.");
                WhenReached::Thank
            }),
        };
        let thank_you = form.thank_you.trim().to_owned();
        if thank_you.chars().count() > MAX_COPY {
            errors.add("thank_you", format!("The thank-you is at most {MAX_COPY} characters."));
        }
        let Some(metric) = metric else { return Err(errors) };
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Self(CampaignContent {
            name,
            metric,
            counts_since,
            currency,
            target,
            starts_at,
            ends_at,
            headline,
            body,
            button_label,
            button_url,
            show_strip: form.show_strip,
            show_in_article: form.show_in_article,
            active: form.active,
            when_reached,
            thank_you,
        }))
    }
}

/// A target: a whole count, or for amounts a sum in the currency with at most two decimals,
/// returned in its smallest unit.
fn parse_target(raw: &str, amount: bool) -> Result<i64, String> {
    let raw: String = raw.trim().chars().filter(|c| *c != ',' && *c != '_' && !c.is_whitespace()).collect();
    if raw.is_empty() {
        return Err("Enter the goal, e.g. 20000.".into());
    }
    let value = if amount {
        let (whole, cents) = raw.split_once('.').unwrap_or((raw.as_str(), ""));
        let ok = !whole.is_empty()
            && whole.chars().all(|c| c.is_ascii_digit())
            && cents.len() <= 2
            && cents.chars().all(|c| c.is_ascii_digit());
        if !ok {
            return Err("Enter the goal as an amount, e.g. 5000 or 5000.50.".into());
        }
        let whole: i64 = whole.parse().map_err(|_| "That goal is too large.".to_owned())?;
        let cents: i64 = format!("{cents:0<2}").parse().unwrap_or(0);
        whole.checked_mul(100).and_then(|w| w.checked_add(cents)).ok_or_else(|| "That goal is too large.".to_owned())?
    } else {
        if !raw.chars().all(|c| c.is_ascii_digit() || c == '-') {
            return Err("Enter the goal as a whole number, e.g. 20000.".into());
        }
        raw.parse::<i64>().map_err(|_| "Enter the goal as a whole number, e.g. 20000.".to_owned())?
    };
    if value <= 0 {
        return Err("The goal must be more than 0.".into());
    }
    if value > MAX_TARGET {
        return Err("That goal is too large.".into());
    }
    Ok(value)
}

/// Where the button leads: a path on this site (`/subscribe/`) or an http(s) address.
fn check_button_url(url: &str) -> Result<(), String> {
    if url.is_empty() {
        return Err("The button needs an address: a path on this site such as /subscribe/, or https://….".into());
    }
    if url.starts_with("//") || masthead_core::check_link(url).is_err() {
        return Err(format!(
            "{:?} is not a path on this site (starting with /) or an http(s) address.",
            url.chars().take(80).collect::<String>()
        ));
    }
    Ok(())
}

/// A time as typed: empty is `None`; RFC 3339 keeps its offset; a date and time (or a date,
/// taken as midnight) is in `tz`.
fn parse_time(raw: &str, tz: &jiff::tz::TimeZone) -> Result<Option<OffsetDateTime>, ()> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    if let Ok(at) = OffsetDateTime::parse(raw, &time::format_description::well_known::Rfc3339) {
        return Ok(Some(masthead_core::to_stored_time(at)));
    }
    let civil: jiff::civil::DateTime = match raw.parse::<jiff::civil::DateTime>() {
        Ok(civil) => civil,
        Err(_) => raw.parse::<jiff::civil::Date>().map_err(|_| ())?.to_datetime(jiff::civil::Time::midnight()),
    };
    let zoned = civil.to_zoned(tz.clone()).map_err(|_| ())?;
    OffsetDateTime::from_unix_timestamp(zoned.timestamp().as_second()).map(Some).map_err(|_| ())
}

/// Wakes the campaign counter; many wakes before it runs make one recount.
#[derive(Clone, Debug, Default)]
pub struct RecountSignal(Arc<Notify>);

fn refuse() -> AppError {
    AppError::Forbidden("Your role does not allow you to manage campaigns.".into())
}

impl Newsroom {
    fn may_manage_campaigns(actor: &Actor) -> Result<(), AppError> {
        if actor.may(Permission::ManageNewsroom) { Ok(()) } else { Err(refuse()) }
    }

    /// The campaign form's dates are in the site's timezone.
    pub async fn site_timezone(&self) -> Result<jiff::tz::TimeZone, AppError> {
        Ok(self.db.site_settings().await?.timezone.zone())
    }

    pub async fn create_campaign(&self, actor: &Actor, input: CampaignInput) -> Result<Campaign, AppError> {
        Self::may_manage_campaigns(actor)?;
        let id = ObjectId::new();
        self.db.insert_campaign(&id, input.content()).await?;
        // Counted at once, so the campaign opens with its number.
        self.db.recount_campaigns(masthead_core::now()).await?;
        self.changes.publish(&ContentChange::Campaigns);
        self.db.campaign(&id).await?.ok_or(AppError::NotFound("campaign"))
    }

    pub async fn edit_campaign(
        &self,
        actor: &Actor,
        id: &ObjectId,
        input: CampaignInput,
    ) -> Result<Campaign, AppError> {
        Self::may_manage_campaigns(actor)?;
        if !self.db.update_campaign(id, input.content()).await? {
            return Err(AppError::NotFound("campaign"));
        }
        // The metric or its window may have changed: the kept number with it.
        self.db.recount_campaigns(masthead_core::now()).await?;
        self.changes.publish(&ContentChange::Campaigns);
        self.db.campaign(id).await?.ok_or(AppError::NotFound("campaign"))
    }

    pub async fn delete_campaign(&self, actor: &Actor, id: &ObjectId) -> Result<(), AppError> {
        Self::may_manage_campaigns(actor)?;
        if !self.db.delete_campaign(id).await? {
            return Err(AppError::NotFound("campaign"));
        }
        self.changes.publish(&ContentChange::Campaigns);
        Ok(())
    }

    /// Members (or payments) changed: the campaigns' counts will be recounted soon. Cheap and
    /// never waits; calls in a burst make one recount (see [`Newsroom::run_campaign_counter`]).
    pub fn membership_changed(&self) {
        self.campaign_recount.0.notify_one();
    }

    /// Recounts now and announces a changed count. Returns whether a count changed.
    pub async fn recount_campaigns_now(&self) -> Result<bool, AppError> {
        let changed = self.db.recount_campaigns(masthead_core::now()).await?;
        if changed {
            self.changes.publish(&ContentChange::Campaigns);
        }
        Ok(changed)
    }

    /// Which campaigns readers see at `now`, and in which state: when this changes with time
    /// alone (a campaign's start or end passing), pages must change too.
    async fn shown_campaigns(&self, now: OffsetDateTime) -> Result<Vec<(String, bool)>, AppError> {
        Ok(self
            .db
            .running_campaigns(now)
            .await?
            .iter()
            .filter(|c| c.is_shown(now))
            .map(|c| (c.id.clone(), c.is_reached()))
            .collect())
    }

    /// Keeps the campaigns' counts until `shutdown`: recounts when asked
    /// ([`Newsroom::membership_changed`]), at most once per [`RECOUNT_AT_MOST_EVERY`], and
    /// every [`RECOUNT_EVERY`] in any case. Also notices campaigns opening and closing with time.
    pub async fn run_campaign_counter(&self, mut shutdown: watch::Receiver<bool>) {
        let mut shown: Option<Vec<(String, bool)>> = None;
        loop {
            if *shutdown.borrow() {
                return;
            }
            if let Err(error) = self.recount_campaigns_now().await {
                tracing::warn!(%error, "recounting the campaigns failed; trying again later");
            }
            match self.shown_campaigns(masthead_core::now()).await {
                Ok(now_shown) => {
                    if shown.as_ref().is_some_and(|before| *before != now_shown) {
                        self.changes.publish(&ContentChange::Campaigns);
                    }
                    shown = Some(now_shown);
                }
                Err(error) => tracing::warn!(%error, "reading the campaigns failed"),
            }
            // Coalesce: whatever asks during this pause is one more recount after it.
            tokio::select! {
                () = tokio::time::sleep(RECOUNT_AT_MOST_EVERY) => {}
                _ = shutdown.changed() => return,
            }
            tokio::select! {
                () = self.campaign_recount.0.notified() => {}
                () = tokio::time::sleep(RECOUNT_EVERY.saturating_sub(RECOUNT_AT_MOST_EVERY)) => {}
                _ = shutdown.changed() => return,
            }
        }
    }
}

/// A campaign as the Content and Admin APIs show it (Ghost's conventions: ids, ISO times,
/// snake_case).
pub fn campaign_json(campaign: &Campaign) -> Value {
    json!({
        "id": campaign.id,
        "name": campaign.name,
        "metric": campaign.metric.as_str(),
        "target": campaign.target,
        "current": campaign.current,
        "currency": campaign.currency,
        "counts_since": campaign.counts_since.map(ghost_time),
        "starts_at": ghost_time(campaign.starts_at),
        "ends_at": campaign.ends_at.map(ghost_time),
        "headline": campaign.headline,
        "body": campaign.body,
        "button_label": campaign.button_label,
        "button_url": campaign.button_url,
        "show_strip": campaign.show_strip,
        "show_in_article": campaign.show_in_article,
        "active": campaign.active,
        "when_reached": campaign.when_reached.as_str(),
        "thank_you": campaign.thank_you,
        "reached": campaign.is_reached(),
        "progress_text": campaign.progress_text(),
        "counted_at": campaign.counted_at.map(ghost_time),
    })
}

/// A stored campaign as its form shows it for editing (dates in `tz`).
pub fn campaign_form(campaign: &Campaign, tz: &jiff::tz::TimeZone) -> CampaignForm {
    let local = |at: OffsetDateTime| -> String {
        jiff::Timestamp::from_second(at.unix_timestamp())
            .map(|ts| ts.to_zoned(tz.clone()).datetime().strftime("%Y-%m-%dT%H:%M").to_string())
            .unwrap_or_default()
    };
    let target = match campaign.metric {
        CampaignMetric::Amount if campaign.target % 100 == 0 => (campaign.target / 100).to_string(),
        CampaignMetric::Amount => format!("{}.{:02}", campaign.target / 100, campaign.target % 100),
        _ => campaign.target.to_string(),
    };
    CampaignForm {
        name: campaign.name.clone(),
        metric: campaign.metric.as_str().to_owned(),
        target,
        currency: campaign.currency.clone().unwrap_or_default(),
        counts_since: campaign.counts_since.map(local).unwrap_or_default(),
        starts_at: local(campaign.starts_at),
        ends_at: campaign.ends_at.map(local).unwrap_or_default(),
        headline: campaign.headline.clone(),
        body: campaign.body.clone(),
        button_label: campaign.button_label.clone(),
        button_url: campaign.button_url.clone(),
        show_strip: campaign.show_strip,
        show_in_article: campaign.show_in_article,
        active: campaign.active,
        when_reached: campaign.when_reached.as_str().to_owned(),
        thank_you: campaign.thank_you.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> CampaignForm {
        CampaignForm {
            name: "Winter drive".into(),
            metric: "members".into(),
            target: "20,000".into(),
            headline: "Help us reach 20,000 members".into(),
            button_label: "Become a member".into(),
            button_url: "/subscribe/".into(),
            show_strip: true,
            show_in_article: true,
            active: true,
            ..CampaignForm::default()
        }
    }

    fn errors(form: &CampaignForm) -> CampaignErrors {
        CampaignInput::parse(form, &jiff::tz::TimeZone::UTC).expect_err("refused")
    }

    #[test]
    fn a_good_form_parses_with_thousands_separators_and_defaults() {
        let input = CampaignInput::parse(&form(), &jiff::tz::TimeZone::UTC).expect("parses");
        assert_eq!(input.content().target, 20_000);
        assert_eq!(input.content().when_reached, WhenReached::Thank);
        let amount =
            CampaignForm { metric: "amount".into(), target: "5000.5".into(), currency: "eur".into(), ..form() };
        let input = CampaignInput::parse(&amount, &jiff::tz::TimeZone::UTC).expect("parses");
        assert_eq!((input.content().target, input.content().currency.as_deref()), (500_050, Some("EUR")));
    }

    #[test]
    fn every_bad_field_gets_its_own_message() {
        let bad = errors(&CampaignForm { target: "0".into(), ..form() });
        assert_eq!(bad.get("target"), Some("The goal must be more than 0."));
        let bad = errors(&CampaignForm { target: "lots".into(), ..form() });
        assert_eq!(bad.get("target"), Some("Enter the goal as a whole number, e.g. 20000."));
        let bad = errors(&CampaignForm { metric: "likes".into(), ..form() });
        assert!(bad.get("metric").is_some_and(|m| m.contains("members, paid_members")), "{bad:?}");
        let bad = errors(&CampaignForm { metric: "amount".into(), ..form() });
        assert_eq!(bad.get("currency"), Some("A donations goal needs a currency: three letters, such as EUR."));
        let bad = errors(&CampaignForm { metric: "amount".into(), currency: "EURO".into(), ..form() });
        assert_eq!(bad.get("currency"), Some("A currency is three letters, such as EUR or USD."));
        let bad = errors(&CampaignForm { metric: "new_members".into(), ..form() });
        assert_eq!(bad.get("counts_since"), Some("A new-members goal needs the date new members count from."));
        let bad =
            errors(&CampaignForm { starts_at: "2026-12-10T09:00".into(), ends_at: "2026-12-01".into(), ..form() });
        assert_eq!(bad.get("ends_at"), Some("The end must be after the start."));
        let bad = errors(&CampaignForm { starts_at: "next week".into(), ..form() });
        assert!(bad.get("starts_at").is_some());
        for url in ["javascript:alert(1)", "//evil.example/x", "subscribe", ""] {
            let bad = errors(&CampaignForm { button_url: url.into(), ..form() });
            assert!(bad.get("button_url").is_some(), "{url:?} accepted");
        }
        let bad = errors(&CampaignForm { headline: " ".into(), button_label: String::new(), ..form() });
        assert_eq!(bad.get("headline"), Some("A campaign needs a headline."));
        assert!(bad.get("button_label").is_some(), "both reported at once: {bad:?}");
    }

    #[test]
    fn local_times_are_in_the_site_timezone() {
        let tz = jiff::tz::TimeZone::get("Europe/Kyiv").expect("zone");
        let input =
            CampaignInput::parse(&CampaignForm { starts_at: "2026-12-01T09:00".into(), ..form() }, &tz).expect("ok");
        assert_eq!(input.content().starts_at, time::macros::datetime!(2026-12-01 07:00 UTC));
        let campaign_form = campaign_form(
            &Campaign {
                id: "x".into(),
                name: "n".into(),
                metric: CampaignMetric::Amount,
                counts_since: None,
                currency: Some("EUR".into()),
                target: 500_050,
                starts_at: input.content().starts_at,
                ends_at: None,
                headline: "h".into(),
                body: String::new(),
                button_label: "b".into(),
                button_url: "/".into(),
                show_strip: true,
                show_in_article: false,
                active: true,
                when_reached: WhenReached::Hide,
                thank_you: String::new(),
                current: 0,
                counted_at: None,
                created_at: input.content().starts_at,
                updated_at: input.content().starts_at,
            },
            &tz,
        );
        assert_eq!((campaign_form.starts_at.as_str(), campaign_form.target.as_str()), ("2026-12-01T09:00", "5000.50"));
    }
}
