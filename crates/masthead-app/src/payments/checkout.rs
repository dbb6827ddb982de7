//! Starting a payment: a Stripe Checkout Session for a tier (monthly or yearly) or for a
//! donation of the reader's chosen amount (once or every month), and the customer portal where
//! members manage what they pay.

use masthead_core::{Cadence, Currency, EmailAddress, Member, ObjectId, TierType};
use sha2::{Digest, Sha256};

use super::webhook::KIND_KEY;
use crate::{AppError, Newsroom};

/// Smallest and largest donation, in major units of any currency (Stripe's own floor is about
/// half a dollar; the ceiling catches a slip of the finger).
pub const DONATION_MIN_MAJOR: i64 = 1;
pub const DONATION_MAX_MAJOR: i64 = 100_000;

/// What the reader is paying for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Purchase {
    Tier { tier_id: ObjectId, cadence: Cadence },
    Donation { amount: i64, currency: Currency, recurring: bool, message: Option<String> },
}

/// A reader's request to pay.
#[derive(Clone, Debug)]
pub struct CheckoutRequest {
    pub purchase: Purchase,
    /// The signed-in member, if any.
    pub member: Option<Member>,
    /// The address typed on the form, for readers who are not signed in (Stripe asks otherwise).
    pub email: Option<String>,
    /// The story the reader came from (recorded with a donation).
    pub post_id: Option<String>,
    /// A value the form carried (one per form shown): a second submit of the same form reuses
    /// the first Checkout Session instead of making another.
    pub attempt: String,
    pub site_url: String,
}

impl Purchase {
    /// Reads a donation form: amount typed by the reader, currency, once or monthly, message.
    pub fn donation(amount: &str, currency: &Currency, recurring: bool, message: &str) -> Result<Self, AppError> {
        let minor = currency
            .parse_amount(amount)
            .ok_or_else(|| AppError::invalid("amount", "Enter an amount in numbers, such as 10 or 12.50."))?;
        let units = currency.minor_units();
        if minor < DONATION_MIN_MAJOR * units {
            return Err(AppError::invalid(
                "amount",
                format!("The smallest donation is {}.", currency.format(DONATION_MIN_MAJOR * units)),
            ));
        }
        if minor > DONATION_MAX_MAJOR * units {
            return Err(AppError::invalid(
                "amount",
                format!("The largest donation here is {}.", currency.format(DONATION_MAX_MAJOR * units)),
            ));
        }
        let message = message.trim();
        if message.chars().count() > 500 {
            return Err(AppError::invalid("message", "Keep your message under 500 characters."));
        }
        Ok(Self::Donation {
            amount: minor,
            currency: currency.clone(),
            recurring,
            message: (!message.is_empty()).then(|| message.to_owned()),
        })
    }
}

fn pair(key: &str, value: impl Into<String>) -> (String, String) {
    (key.to_owned(), value.into())
}

impl Newsroom {
    /// Makes a Checkout Session and answers the Stripe page to send the reader to.
    pub async fn start_checkout(&self, request: &CheckoutRequest) -> Result<String, AppError> {
        if !self.stripe.payments_enabled() {
            return Err(AppError::Unavailable("Payments are not set up on this site yet.".into()));
        }
        let site = request.site_url.trim_end_matches('/');
        let email = match (&request.member, request.email.as_deref().map(str::trim).filter(|e| !e.is_empty())) {
            (Some(member), _) => Some(member.email.clone()),
            (None, Some(typed)) => {
                Some(EmailAddress::parse(typed).map_err(|e| AppError::invalid("email", e.to_string()))?.to_string())
            }
            (None, None) => None,
        };
        let post_id = match request.post_id.as_deref().and_then(|id| ObjectId::parse(id).ok()) {
            Some(id) => self.db.post_by_id(&id).await?.map(|p| p.id.to_string()),
            None => None,
        };
        let mut params = vec![pair("cancel_url", format!("{site}/join/?checkout=cancelled"))];
        if let Some(email) = &email {
            params.push(pair("customer_email", email.clone()));
        }
        if let Some(member) = &request.member {
            params.push(pair("client_reference_id", member.id.to_string()));
            params.push(pair("metadata[member_id]", member.id.to_string()));
        }
        if let Some(post) = &post_id {
            params.push(pair("metadata[post_id]", post.clone()));
        }
        match &request.purchase {
            Purchase::Tier { tier_id, cadence } => {
                let tier = self.db.tier(tier_id.as_str()).await?.ok_or(AppError::NotFound("tier"))?;
                let price = match (tier.tier_type, tier.on_offer(), tier.price(*cadence), &tier.currency) {
                    (TierType::Paid, true, Some(price), Some(currency)) => (price, currency.clone()),
                    (TierType::Paid, true, _, _) => {
                        return Err(AppError::invalid("cadence", format!("{} has no {cadence}ly price.", tier.name)));
                    }
                    _ => return Err(AppError::invalid("tier", format!("{} cannot be joined here.", tier.name))),
                };
                params.extend([
                    pair("mode", "subscription"),
                    pair("success_url", format!("{site}/join/thanks/?session_id={{CHECKOUT_SESSION_ID}}")),
                    pair("line_items[0][quantity]", "1"),
                    pair("line_items[0][price_data][currency]", price.1.as_str()),
                    pair("line_items[0][price_data][unit_amount]", price.0.to_string()),
                    pair("line_items[0][price_data][recurring][interval]", cadence.as_str()),
                    pair("line_items[0][price_data][product_data][name]", tier.name.clone()),
                    pair(&format!("metadata[{KIND_KEY}]"), "tier"),
                    pair("metadata[tier_id]", tier.id.to_string()),
                    pair(&format!("subscription_data[metadata][{KIND_KEY}]"), "tier"),
                    pair("subscription_data[metadata][tier_id]", tier.id.to_string()),
                    pair("subscription_data[metadata][cadence]", cadence.as_str()),
                ]);
                if tier.trial_days > 0 {
                    params.push(pair("subscription_data[trial_period_days]", tier.trial_days.to_string()));
                }
            }
            Purchase::Donation { amount, currency, recurring, message } => {
                params.extend([
                    pair("mode", if *recurring { "subscription" } else { "payment" }),
                    pair("success_url", format!("{site}/donate/thanks/?session_id={{CHECKOUT_SESSION_ID}}")),
                    pair("line_items[0][quantity]", "1"),
                    pair("line_items[0][price_data][currency]", currency.as_str()),
                    pair("line_items[0][price_data][unit_amount]", amount.to_string()),
                    pair("line_items[0][price_data][product_data][name]", "Donation"),
                    pair(&format!("metadata[{KIND_KEY}]"), "donation"),
                ]);
                if let Some(message) = message {
                    params.push(pair("metadata[message]", message.clone()));
                }
                if *recurring {
                    params.push(pair("line_items[0][price_data][recurring][interval]", "month"));
                    params.push(pair(&format!("subscription_data[metadata][{KIND_KEY}]"), "donation"));
                    if let Some(message) = message {
                        params.push(pair("subscription_data[metadata][message]", message.clone()));
                    }
                    if let Some(post) = &post_id {
                        params.push(pair("subscription_data[metadata][post_id]", post.clone()));
                    }
                } else {
                    params.push(pair("submit_type", "donate"));
                }
            }
        }
        let key = idempotency_key(&request.attempt, &params);
        let session = self.stripe.post("/v1/checkout/sessions", &params, &key).await?;
        session["url"]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| AppError::Unavailable("Stripe made no checkout page for this payment.".into()))
    }

    /// A Stripe customer-portal page for `member`, returning to the account page.
    pub async fn billing_portal(&self, member: &Member, site_url: &str) -> Result<String, AppError> {
        if !self.stripe.payments_enabled() {
            return Err(AppError::Unavailable("Payments are not set up on this site yet.".into()));
        }
        let customer = self
            .db
            .member_stripe_customer(member.id.as_str())
            .await?
            .ok_or_else(|| AppError::NotFound("billing account"))?;
        let params = vec![
            pair("customer", customer),
            pair("return_url", format!("{}/account/", site_url.trim_end_matches('/'))),
        ];
        let key = idempotency_key(&uuid::Uuid::new_v4().to_string(), &params);
        let session = self.stripe.post("/v1/billing_portal/sessions", &params, &key).await?;
        session["url"]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| AppError::Unavailable("Stripe made no billing page.".into()))
    }
}

/// One key per form attempt and exact request: the same submit twice is one session; a changed
/// amount is a new one.
fn idempotency_key(attempt: &str, params: &[(String, String)]) -> String {
    let mut hash = Sha256::new();
    hash.update(attempt.as_bytes());
    for (k, v) in params {
        hash.update([0]);
        hash.update(k.as_bytes());
        hash.update([1]);
        hash.update(v.as_bytes());
    }
    format!("masthead-{}", hex::encode(&hash.finalize()[..16]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_donation_form_is_read_into_an_amount_or_a_precise_refusal() {
        let usd = Currency::parse("usd").expect("usd");
        let read = Purchase::donation("12.50", &usd, true, "  For the Kharkiv bureau ").expect("a good donation");
        let expected = Purchase::Donation {
            amount: 1250,
            currency: usd.clone(),
            recurring: true,
            message: Some("For the Kharkiv bureau".into()),
        };
        assert_eq!(read, expected);
        let refusal = |amount: &str| match Purchase::donation(amount, &usd, false, "") {
            Err(AppError::Invalid { field, message }) => format!("{field}: {message}"),
            other => panic!("{other:?}"),
        };
        assert_eq!(refusal("0.50"), "amount: The smallest donation is $1.");
        assert_eq!(refusal("ten"), "amount: Enter an amount in numbers, such as 10 or 12.50.");
        assert_eq!(refusal("100001"), "amount: The largest donation here is $100,000.");
    }

    #[test]
    fn the_same_attempt_reuses_its_key_and_a_changed_request_does_not() {
        let a = vec![pair("amount", "500")];
        let b = vec![pair("amount", "700")];
        assert_eq!(idempotency_key("form-1", &a), idempotency_key("form-1", &a));
        assert_ne!(idempotency_key("form-1", &a), idempotency_key("form-1", &b));
        assert_ne!(idempotency_key("form-1", &a), idempotency_key("form-2", &a));
    }
}
