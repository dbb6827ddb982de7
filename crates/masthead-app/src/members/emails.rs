//! The emails members get from the newsroom itself: a welcome when they join (free, or per paid
//! tier), a thank-you receipt for each donation and a notice when a payment fails.
//!
//! Staff edit each one's subject and body as plain text with placeholders (`{name}`, `{tier}`,
//! ...); a kind with no stored wording uses the built-in one. Plain text means nothing staff
//! type can become markup in a reader's mail client. Each email is queued in the outbox together
//! with an `email_sent` line in the member's history, and welcomes and receipts carry a key that
//! lets them be queued only once, however often they are asked for.

use masthead_core::{Actor, EmailAddress, ObjectId, Permission};
use masthead_storage::{MemberEmailSend, MemberEmailTemplate};
use serde::Serialize;
use time::OffsetDateTime;

use crate::{AppError, Newsroom};

/// The three member emails.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MemberEmailKind {
    Welcome,
    DonationReceipt,
    PaymentFailed,
}

/// Longest subject accepted, in characters.
pub const MAX_SUBJECT: usize = 200;
/// Longest body accepted, in characters.
pub const MAX_BODY: usize = 20_000;

impl MemberEmailKind {
    pub const ALL: [MemberEmailKind; 3] =
        [MemberEmailKind::Welcome, MemberEmailKind::DonationReceipt, MemberEmailKind::PaymentFailed];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Welcome => "welcome",
            Self::DonationReceipt => "donation_receipt",
            Self::PaymentFailed => "payment_failed",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == value)
    }

    /// What the newsroom calls it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Welcome => "Welcome",
            Self::DonationReceipt => "Donation receipt",
            Self::PaymentFailed => "Payment failed",
        }
    }

    /// The placeholders this email can use.
    pub fn placeholders(self) -> &'static [&'static str] {
        match self {
            Self::Welcome => &["name", "email", "tier", "site_title", "site_url", "account_url"],
            Self::DonationReceipt => {
                &["name", "email", "amount", "currency", "date", "message", "site_title", "site_url", "account_url"]
            }
            Self::PaymentFailed => &["name", "email", "tier", "site_title", "site_url", "account_url"],
        }
    }

    /// The built-in wording: (subject, body).
    pub fn builtin(self) -> (&'static str, &'static str) {
        match self {
            Self::Welcome => (
                "Welcome to {site_title}",
                "Hello {name},\n\nThank you for joining {site_title} as a {tier} member. Our reporting is \
                 funded by readers like you, and we are glad you are here.\n\nYou can manage your account and \
                 newsletters at any time: {account_url}\n\n{site_title}\n{site_url}\n",
            ),
            Self::DonationReceipt => (
                "Thank you for your donation to {site_title}",
                "Hello {name},\n\nThank you for your donation of {amount} on {date}. It goes straight into our \
                 reporting.\n\nYour message: {message}\n\nKeep this email as your receipt.\n\n{site_title}\n\
                 {site_url}\n",
            ),
            Self::PaymentFailed => (
                "Your payment to {site_title} did not go through",
                "Hello {name},\n\nWe could not take the latest payment for your {tier} membership of \
                 {site_title}. Please update your payment details so your membership continues:\n\
                 {account_url}\n\nIf you have already done so, you can ignore this email.\n\n{site_title}\n",
            ),
        }
    }

    /// Example values for previews and test sends.
    fn sample(self) -> Vec<(&'static str, String)> {
        let mut values = vec![("name", "Alex Reader".to_owned()), ("email", "alex@example.org".to_owned())];
        match self {
            Self::Welcome | Self::PaymentFailed => values.push(("tier", "Supporter".into())),
            Self::DonationReceipt => {
                values.push(("amount", format_amount(2500, "usd")));
                values.push(("currency", "USD".into()));
                values.push(("date", "5 December 2026".into()));
                values.push(("message", "Keep up the good work!".into()));
            }
        }
        values
    }
}

/// Fills `{placeholder}`s with their values in one pass, so a value that itself contains braces
/// (a member's name, a donor's message) is never filled again. Unknown ones are left as written.
pub fn fill(template: &str, values: &[(&str, String)]) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        match after.find('}').map(|end| (&after[..end], end)) {
            Some((name, end)) if values.iter().any(|(k, _)| *k == name) => {
                let value = values.iter().find(|(k, _)| *k == name).map(|(_, v)| v.as_str()).unwrap_or_default();
                out.push_str(value);
                rest = &after[end + 1..];
            }
            _ => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The `{word}`s in `text` that are not placeholders of `kind`.
pub fn unknown_placeholders(kind: MemberEmailKind, text: &str) -> Vec<String> {
    let mut unknown = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find('{') {
        let after = &rest[start + 1..];
        let Some(end) = after.find('}') else { break };
        let name = &after[..end];
        let looks_like_one = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if looks_like_one && !kind.placeholders().contains(&name) && !unknown.iter().any(|u| u == name) {
            unknown.push(name.to_owned());
        }
        rest = &after[end + 1..];
    }
    unknown
}

/// An amount in the currency's smallest unit, as people read it: `2500, "usd"` is `25.00 USD`.
pub fn format_amount(amount: i64, currency: &str) -> String {
    let code = currency.to_ascii_uppercase();
    if masthead_core::Currency::parse(currency).is_some_and(|c| c.minor_units() == 1) {
        return format!("{amount} {code}");
    }
    let sign = if amount < 0 { "-" } else { "" };
    let abs = amount.unsigned_abs();
    format!("{sign}{}.{:02} {code}", abs / 100, abs % 100)
}

/// A subject and body checked for an email of `kind`: what is wrong is named with its field.
pub fn check_wording(kind: MemberEmailKind, subject: &str, body: &str) -> Result<(), AppError> {
    let subject = subject.trim();
    if subject.is_empty() {
        return Err(AppError::invalid("subject", "Write a subject."));
    }
    if subject.contains(['\r', '\n']) {
        return Err(AppError::invalid("subject", "A subject is one line."));
    }
    if subject.chars().count() > MAX_SUBJECT {
        return Err(AppError::invalid("subject", format!("A subject is at most {MAX_SUBJECT} characters.")));
    }
    if body.trim().is_empty() {
        return Err(AppError::invalid("body", "Write the body of the email."));
    }
    if body.chars().count() > MAX_BODY {
        return Err(AppError::invalid("body", format!("The body is at most {MAX_BODY} characters.")));
    }
    let allowed = || kind.placeholders().iter().map(|p| format!("{{{p}}}")).collect::<Vec<_>>().join(", ");
    for (field, text) in [("subject", subject), ("body", body)] {
        let unknown = unknown_placeholders(kind, text);
        if !unknown.is_empty() {
            let names = unknown.iter().map(|u| format!("{{{u}}}")).collect::<Vec<_>>().join(", ");
            return Err(AppError::invalid(
                field,
                format!("{names} is not a placeholder of this email; it can use {}.", allowed()),
            ));
        }
    }
    Ok(())
}

/// A wording to use: the stored one for the tier, else the kind's stored default, else the
/// built-in one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MemberEmailWording {
    pub subject: String,
    pub body: String,
    /// `tier`, `default` or `builtin`: where the wording came from.
    pub source: &'static str,
}

impl Newsroom {
    /// The wording an email of `kind` (for `tier_id`, if a paid tier) is sent with.
    pub async fn member_email_wording(
        &self,
        kind: MemberEmailKind,
        tier_id: Option<&str>,
    ) -> Result<MemberEmailWording, AppError> {
        let from = |t: MemberEmailTemplate, source| MemberEmailWording { subject: t.subject, body: t.body, source };
        if let Some(tier) = tier_id.filter(|t| !t.is_empty())
            && let Some(stored) = self.db.member_email_template(kind.as_str(), tier).await?
        {
            return Ok(from(stored, "tier"));
        }
        if let Some(stored) = self.db.member_email_template(kind.as_str(), "").await? {
            return Ok(from(stored, "default"));
        }
        let (subject, body) = kind.builtin();
        Ok(MemberEmailWording { subject: subject.into(), body: body.into(), source: "builtin" })
    }

    /// Saves the wording of a member email (`tier_id` empty for the kind's default).
    pub async fn save_member_email_as(
        &self,
        actor: &Actor,
        kind: MemberEmailKind,
        tier_id: &str,
        subject: &str,
        body: &str,
    ) -> Result<(), AppError> {
        may_edit(actor)?;
        check_wording(kind, subject, body)?;
        let tier_id = tier_id.trim();
        if !tier_id.is_empty() {
            if kind != MemberEmailKind::Welcome {
                return Err(AppError::invalid("tier", "Only the welcome email has a wording per tier."));
            }
            let paid = self.db.tier_choice(tier_id).await?.is_some_and(|t| t.kind == "paid");
            if !paid {
                return Err(AppError::invalid("tier", "Choose one of the paid tiers, or the default."));
            }
        }
        self.db.save_member_email_template(kind.as_str(), tier_id, subject.trim(), &normalise_body(body)).await?;
        Ok(())
    }

    /// Goes back to the default (for a tier) or the built-in wording.
    pub async fn reset_member_email_as(
        &self,
        actor: &Actor,
        kind: MemberEmailKind,
        tier_id: &str,
    ) -> Result<bool, AppError> {
        may_edit(actor)?;
        Ok(self.db.delete_member_email_template(kind.as_str(), tier_id.trim()).await?)
    }

    /// The subject and body as a member would read them, with example values.
    pub async fn preview_member_email(
        &self,
        kind: MemberEmailKind,
        subject: &str,
        body: &str,
    ) -> Result<(String, String), AppError> {
        check_wording(kind, subject, body)?;
        let values = self.common_values(kind.sample()).await?;
        Ok((fill(subject.trim(), &values), fill(&normalise_body(body), &values)))
    }

    /// Sends the wording being edited, with example values, to the signed-in staff member.
    pub async fn send_test_member_email_as(
        &self,
        actor: &Actor,
        kind: MemberEmailKind,
        subject: &str,
        body: &str,
    ) -> Result<String, AppError> {
        may_edit(actor)?;
        let user = self.db.user_by_id(&actor.user_id).await?.ok_or(AppError::NotFound("staff member"))?;
        let (subject, body) = self.preview_member_email(kind, subject, body).await?;
        self.send_mail(&user.email, &format!("[Test] {subject}"), &body, None).await?;
        Ok(user.email)
    }

    /// The welcome email for a member who just joined: for a paid tier, that tier's wording if
    /// it has one, else the default. Sent once per member and tier.
    pub async fn send_welcome_email(&self, member_id: &str, tier_id: Option<&str>) -> Result<(), AppError> {
        let kind = MemberEmailKind::Welcome;
        let id = ObjectId::parse(member_id).map_err(|_| AppError::NotFound("member"))?;
        let member = self.db.member_by_id(&id).await?.ok_or(AppError::NotFound("member"))?;
        if self.db.suppression(&member.email).await?.is_some() {
            tracing::info!(member = %member.id, "no welcome email: the address is suppressed");
            return Ok(());
        }
        let tier = match tier_id.filter(|t| !t.is_empty()) {
            Some(tier) => Some(self.db.tier_choice(tier).await?.ok_or(AppError::NotFound("tier"))?),
            None => None,
        };
        let tier_name = match &tier {
            Some(tier) => tier.name.clone(),
            None => self
                .db
                .tier_choices()
                .await?
                .into_iter()
                .find(|t| t.kind == "free")
                .map_or_else(|| "free".to_owned(), |t| t.name),
        };
        let wording = self.member_email_wording(kind, tier.as_ref().map(|t| t.id.as_str())).await?;
        let values = self
            .common_values(vec![
                ("name", member.name.clone().filter(|n| !n.trim().is_empty()).unwrap_or_else(|| "there".into())),
                ("email", member.email.clone()),
                ("tier", tier_name.clone()),
            ])
            .await?;
        let tier_key = tier.as_ref().map_or("free", |t| t.id.as_str());
        let detail = serde_json::json!({ "email": kind.as_str(), "tier": tier_name });
        self.queue_member_email(
            &member.email,
            Some(member.id.as_str()),
            &wording,
            &values,
            detail,
            Some(format!("welcome:{}:{tier_key}", member.id)),
        )
        .await
    }

    /// The thank-you receipt for a donation, to the address the donor gave; the member's
    /// history records it when the donation belongs to a member. Sent once per donation.
    pub async fn send_donation_receipt(&self, donation_id: &str) -> Result<(), AppError> {
        let kind = MemberEmailKind::DonationReceipt;
        let donation = self.db.donation(donation_id).await?.ok_or(AppError::NotFound("donation"))?;
        let member = match donation.member_id.as_deref().map(ObjectId::parse) {
            Some(Ok(id)) => self.db.member_by_id(&id).await?,
            _ => None,
        };
        let Some(to) = donation.email.clone().or_else(|| member.as_ref().map(|m| m.email.clone())) else {
            tracing::warn!(donation = %donation.id, "no receipt: the donation has no email address");
            return Ok(());
        };
        if EmailAddress::parse(&to).is_err() {
            return Err(AppError::invalid("email", format!("{to:?} is not an address a receipt can go to.")));
        }
        let name = donation
            .name
            .clone()
            .or_else(|| member.as_ref().and_then(|m| m.name.clone()))
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| "there".into());
        let date = self.local_date(donation.created_at).await?;
        let wording = self.member_email_wording(kind, None).await?;
        let values = self
            .common_values(vec![
                ("name", name),
                ("email", to.clone()),
                ("amount", format_amount(donation.amount, &donation.currency)),
                ("currency", donation.currency.to_ascii_uppercase()),
                ("date", date),
                (
                    "message",
                    donation.message.clone().filter(|m| !m.trim().is_empty()).unwrap_or_else(|| "(none)".into()),
                ),
            ])
            .await?;
        let detail = serde_json::json!({
            "email": kind.as_str(),
            "donation_id": donation.id,
            "amount": donation.amount,
            "currency": donation.currency,
        });
        let member_id = member.as_ref().map(|m| m.id.to_string());
        self.queue_member_email(
            &to,
            member_id.as_deref(),
            &wording,
            &values,
            detail,
            Some(format!("donation_receipt:{}", donation.id)),
        )
        .await
    }

    /// Tells a member their payment failed, with the link to their account page where billing
    /// is fixed. Sent each time it is asked for (each failed payment is news).
    pub async fn send_payment_failed_notice(&self, member_id: &str) -> Result<(), AppError> {
        let kind = MemberEmailKind::PaymentFailed;
        let id = ObjectId::parse(member_id).map_err(|_| AppError::NotFound("member"))?;
        let member = self.db.member_by_id(&id).await?.ok_or(AppError::NotFound("member"))?;
        let tiers = self.db.member_tiers(&id).await?;
        let paid = tiers.iter().find(|t| t.kind == "paid");
        let tier_name = paid.map_or_else(|| "paid".to_owned(), |t| t.name.clone());
        let wording = self.member_email_wording(kind, paid.map(|t| t.id.as_str())).await?;
        let values = self
            .common_values(vec![
                ("name", member.name.clone().filter(|n| !n.trim().is_empty()).unwrap_or_else(|| "there".into())),
                ("email", member.email.clone()),
                ("tier", tier_name.clone()),
            ])
            .await?;
        let detail = serde_json::json!({ "email": kind.as_str(), "tier": tier_name });
        self.queue_member_email(&member.email, Some(member.id.as_str()), &wording, &values, detail, None).await
    }

    async fn queue_member_email(
        &self,
        to: &str,
        member_id: Option<&str>,
        wording: &MemberEmailWording,
        values: &[(&str, String)],
        mut detail: serde_json::Value,
        once_key: Option<String>,
    ) -> Result<(), AppError> {
        let subject = fill(wording.subject.trim(), values).replace(['\r', '\n'], " ");
        let text_body = fill(&wording.body, values);
        detail["subject"] = serde_json::Value::String(subject.clone());
        let send = MemberEmailSend {
            to: to.to_owned(),
            subject,
            text_body,
            deliver: self.mailer.delivers(),
            once_key,
            member_id: member_id.map(str::to_owned),
            detail,
        };
        if self.db.queue_member_email(&send).await? {
            self.mailer.wake();
        }
        Ok(())
    }

    /// `values` with the site's own placeholders added.
    async fn common_values(
        &self,
        mut values: Vec<(&'static str, String)>,
    ) -> Result<Vec<(&'static str, String)>, AppError> {
        let site = self.db.site_settings().await?;
        let site_url = self.mailer.site_url().to_owned();
        values.push(("site_title", site.title));
        values.push(("account_url", format!("{site_url}/account/")));
        values.push(("site_url", site_url));
        Ok(values)
    }

    /// A date as the site's readers say it, in the site's timezone: `5 December 2026`.
    async fn local_date(&self, at: OffsetDateTime) -> Result<String, AppError> {
        let zone = self.db.site_settings().await?.timezone.zone();
        Ok(jiff::Timestamp::from_second(at.unix_timestamp())
            .map(|t| t.to_zoned(zone).strftime("%-d %B %Y").to_string())
            .unwrap_or_else(|_| at.date().to_string()))
    }
}

fn may_edit(actor: &Actor) -> Result<(), AppError> {
    if actor.may(Permission::ManageMembers) {
        Ok(())
    } else {
        Err(AppError::Forbidden("Your role does not allow you to edit member emails.".into()))
    }
}

/// Line ends as mail wants them to be read back: `\n`, trailing spaces kept.
fn normalise_body(body: &str) -> String {
    body.replace("\r\n", "\n").replace('\r', "\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_filled_once() {
        let values = vec![("name", "Ann {amount}".to_owned()), ("amount", "5.00 USD".to_owned())];
        assert_eq!(fill("Hi {name}, {amount} {other} {", &values), "Hi Ann {amount}, 5.00 USD {other} {");
    }

    #[test]
    fn unknown_placeholders_are_named() {
        assert_eq!(unknown_placeholders(MemberEmailKind::Welcome, "{name} {amount} {x y} {amount}"), ["amount"]);
        assert!(unknown_placeholders(MemberEmailKind::DonationReceipt, "{amount} {message}").is_empty());
        let error = check_wording(MemberEmailKind::Welcome, "Hi", "{amont}").expect_err("refused");
        assert!(error.to_string().starts_with("body: {amont} is not a placeholder"), "{error}");
        assert!(check_wording(MemberEmailKind::Welcome, " ", "x").is_err());
        assert!(check_wording(MemberEmailKind::Welcome, "a\nb", "x").is_err());
    }

    #[test]
    fn amounts_read_as_money() {
        assert_eq!(format_amount(2500, "usd"), "25.00 USD");
        assert_eq!(format_amount(1005, "eur"), "10.05 EUR");
        assert_eq!(format_amount(500, "jpy"), "500 JPY");
    }

    #[test]
    fn every_builtin_wording_uses_only_its_placeholders() {
        for kind in MemberEmailKind::ALL {
            let (subject, body) = kind.builtin();
            check_wording(kind, subject, body).expect("built-in wording is valid");
            assert_eq!(MemberEmailKind::parse(kind.as_str()), Some(kind));
        }
    }
}
