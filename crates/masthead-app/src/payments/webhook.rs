//! Stripe's webhooks: what each event does here.
//!
//! Stripe delivers at least once and in no particular order. So: every event's id is recorded in
//! the transaction that applies it (a redelivery changes nothing); a subscription's state is read
//! back from Stripe when an event about it arrives (so whichever event comes last, the member ends
//! in the state Stripe holds now), and without an API key the state in the event is applied only
//! if it is not older than the one stored; money is keyed on the payment that made it.

use masthead_core::{EmailAddress, Member, MemberStatus, ObjectId, TierType};
use masthead_storage::{DonationRecord, MembershipMove, NewMember, StripeEventId, SubscriptionRecord};
use serde::Deserialize;
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::stripe::{SignatureError, verify_signature};
use crate::{AppError, Newsroom};

/// The events Masthead subscribes to.
pub const HANDLED_EVENTS: [&str; 7] = [
    "checkout.session.completed",
    "customer.subscription.created",
    "customer.subscription.updated",
    "customer.subscription.deleted",
    "invoice.payment_succeeded",
    "invoice.payment_failed",
    "charge.refunded",
];

/// Metadata key on checkout sessions and subscriptions: `tier` or `donation`.
pub const KIND_KEY: &str = "masthead_kind";

/// What became of a webhook.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WebhookOutcome {
    /// Applied now.
    Applied,
    /// Applied before (a redelivery): nothing changed.
    AlreadyApplied,
    /// An event type Masthead does not act on.
    Ignored,
}

/// Why a webhook was refused.
#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    /// Payments are not configured: there is no secret to check signatures with.
    #[error("Stripe webhooks are not set up on this site")]
    NotConfigured,
    #[error("{0}")]
    Signature(#[from] SignatureError),
    #[error("the body is not a Stripe event: {0}")]
    Malformed(String),
    /// Something failed while applying it: Stripe should deliver it again.
    #[error(transparent)]
    Failed(#[from] AppError),
}

#[derive(Deserialize)]
struct Event {
    id: String,
    #[serde(rename = "type")]
    event_type: String,
    created: i64,
    data: EventData,
}

#[derive(Deserialize)]
struct EventData {
    object: Value,
}

fn text(value: &Value) -> Option<String> {
    value.as_str().filter(|s| !s.is_empty()).map(str::to_owned)
}

/// A Stripe id that may be expanded into its object.
fn id_of(value: &Value) -> Option<String> {
    text(value).or_else(|| text(&value["id"]))
}

fn stripe_time(value: &Value) -> Option<OffsetDateTime> {
    value.as_i64().and_then(|t| OffsetDateTime::from_unix_timestamp(t).ok())
}

impl Newsroom {
    /// Checks a webhook's signature and applies it.
    pub async fn handle_stripe_webhook(
        &self,
        payload: &[u8],
        signature: Option<&str>,
    ) -> Result<WebhookOutcome, WebhookError> {
        let secret = self.stripe.webhook_secret.as_deref().ok_or(WebhookError::NotConfigured)?;
        verify_signature(payload, signature, secret, OffsetDateTime::now_utc().unix_timestamp())?;
        let event: Event = serde_json::from_slice(payload).map_err(|e| WebhookError::Malformed(e.to_string()))?;
        if !HANDLED_EVENTS.contains(&event.event_type.as_str()) {
            return Ok(WebhookOutcome::Ignored);
        }
        if self.db.stripe_event_seen(&event.id).await.map_err(AppError::from)? {
            return Ok(WebhookOutcome::AlreadyApplied);
        }
        let id = StripeEventId { id: &event.id, event_type: &event.event_type };
        let object = &event.data.object;
        let applied = match event.event_type.as_str() {
            "checkout.session.completed" => self.checkout_completed(&id, object).await?,
            "invoice.payment_succeeded" => self.invoice_paid(&id, object).await?,
            "invoice.payment_failed" => self.invoice_failed(&id, object).await?,
            "charge.refunded" => {
                let Some(intent) = text(&object["payment_intent"]).or_else(|| text(&object["id"])) else {
                    return Err(WebhookError::Malformed("a charge without an id".into()));
                };
                let refunded = object["amount_refunded"].as_i64().unwrap_or(0);
                self.db.record_refund(&id, &intent, refunded).await.map_err(AppError::from)?.is_some()
            }
            _ => {
                let Some(subscription) = id_of(&object["id"]) else {
                    return Err(WebhookError::Malformed("a subscription without an id".into()));
                };
                self.subscription_changed(&id, &subscription, Some((object, event.created))).await?
            }
        };
        Ok(if applied { WebhookOutcome::Applied } else { WebhookOutcome::AlreadyApplied })
    }

    /// A completed checkout: a new subscription to a tier, or a donation (one-time or the first
    /// payment of a recurring one).
    async fn checkout_completed(&self, event: &StripeEventId<'_>, session: &Value) -> Result<bool, AppError> {
        let member = self.checkout_member(session).await?;
        if let (Some(member), Some(customer)) = (&member, id_of(&session["customer"])) {
            let email = session["customer_details"]["email"].as_str();
            self.db.link_stripe_customer(&customer, member.id.as_str(), email).await?;
        }
        let kind = session["metadata"][KIND_KEY].as_str().unwrap_or("tier");
        if kind == "donation" {
            let Some(session_id) = text(&session["id"]) else {
                return Err(AppError::invalid("id", "the checkout session has no id"));
            };
            let amount = session["amount_total"].as_i64().unwrap_or(0);
            let donation = DonationRecord {
                id: ObjectId::new().to_string(),
                paid_by: session_id,
                payment_intent_id: id_of(&session["payment_intent"]),
                subscription_id: id_of(&session["subscription"]),
                member_id: member.as_ref().map(|m| m.id.to_string()),
                email: text(&session["customer_details"]["email"]).or_else(|| text(&session["customer_email"])),
                name: text(&session["customer_details"]["name"]),
                amount,
                currency: text(&session["currency"]).unwrap_or_else(|| "usd".into()),
                recurring: session["mode"] == "subscription",
                message: text(&session["metadata"]["message"]),
                post_id: text(&session["metadata"]["post_id"]),
                refunded_amount: 0,
                created_at: stripe_time(&session["created"]).unwrap_or_else(masthead_core::now),
            };
            return self.donation_made(event, &donation).await;
        }
        match id_of(&session["subscription"]) {
            Some(subscription) => self.subscription_changed(event, &subscription, None).await,
            None => Ok(self.db.record_stripe_event(event).await?.is_some()),
        }
    }

    async fn donation_made(&self, event: &StripeEventId<'_>, donation: &DonationRecord) -> Result<bool, AppError> {
        let Some(recorded) = self.db.record_donation(event, donation).await? else { return Ok(false) };
        if recorded {
            self.payments_changed();
            self.after_donation(&donation.id).await;
        }
        Ok(true)
    }

    /// The member a checkout is for: the signed-in member who started it, else the member with
    /// the address given at checkout, else a new member (a payment is a membership, but not
    /// consent to newsletters, so a new member receives none).
    async fn checkout_member(&self, session: &Value) -> Result<Option<Member>, AppError> {
        if let Some(id) = session["metadata"]["member_id"].as_str().and_then(|id| ObjectId::parse(id).ok())
            && let Some(member) = self.db.member_by_id(&id).await?
        {
            return Ok(Some(member));
        }
        let email = text(&session["customer_details"]["email"]).or_else(|| text(&session["customer_email"]));
        let Some(email) = email.and_then(|e| EmailAddress::parse(&e).ok()) else { return Ok(None) };
        let name = text(&session["customer_details"]["name"]);
        self.member_for_payment(&email, name).await.map(Some)
    }

    async fn member_for_payment(&self, email: &EmailAddress, name: Option<String>) -> Result<Member, AppError> {
        if let Some(member) = self.db.member_by_email(email.as_str()).await? {
            return Ok(member);
        }
        let new = NewMember {
            email: email.to_string(),
            name,
            note: None,
            status: MemberStatus::Free,
            labels: Vec::new(),
            consent_source: "stripe checkout".into(),
            consent_ip: None,
            created_at: masthead_core::now(),
        };
        match self.db.insert_member(&new, &[]).await {
            Ok(member) => {
                self.member_changed(None, Some(&member)).await;
                self.payments_changed();
                Ok(member)
            }
            // Two events for one new customer raced: the other made the member.
            Err(masthead_storage::StorageError::Conflict { .. }) => {
                self.db.member_by_email(email.as_str()).await?.ok_or(AppError::NotFound("member"))
            }
            Err(other) => Err(other.into()),
        }
    }

    /// The member a Stripe customer belongs to, linking them by the customer's address the first
    /// time Masthead hears of the customer.
    async fn customer_member(&self, customer: &str) -> Result<Option<Member>, AppError> {
        if let Some(id) = self.db.stripe_customer_member(customer).await? {
            return Ok(self
                .db
                .member_by_id(&ObjectId::parse(&id).map_err(|e| AppError::Unavailable(e.to_string()))?)
                .await?);
        }
        if self.stripe.secret_key.is_none() {
            return Ok(None);
        }
        let Some(object) = self.stripe.get(&format!("/v1/customers/{customer}")).await? else { return Ok(None) };
        let Some(email) = text(&object["email"]).and_then(|e| EmailAddress::parse(&e).ok()) else { return Ok(None) };
        let member = self.member_for_payment(&email, text(&object["name"])).await?;
        self.db.link_stripe_customer(customer, member.id.as_str(), Some(email.as_str())).await?;
        Ok(Some(member))
    }

    /// Applies what Stripe says of a subscription now (read back from Stripe when it can be),
    /// else `from_event` as of the event's time.
    async fn subscription_changed(
        &self,
        event: &StripeEventId<'_>,
        subscription: &str,
        from_event: Option<(&Value, i64)>,
    ) -> Result<bool, AppError> {
        let (object, seen) = if self.stripe.secret_key.is_some() {
            let now = OffsetDateTime::now_utc().unix_timestamp();
            match self.stripe.get(&format!("/v1/subscriptions/{subscription}")).await? {
                Some(object) => (object, now),
                None => match from_event {
                    Some((object, created)) => (object.clone(), created),
                    None => return Ok(self.db.record_stripe_event(event).await?.is_some()),
                },
            }
        } else {
            match from_event {
                Some((object, created)) => (object.clone(), created),
                None => return Ok(self.db.record_stripe_event(event).await?.is_some()),
            }
        };
        let Some(customer) = id_of(&object["customer"]) else {
            return Err(AppError::invalid("customer", "the subscription has no customer"));
        };
        let Some(member) = self.customer_member(&customer).await? else {
            // A customer Masthead cannot tie to anyone (no address): note the event and move on.
            tracing::warn!(subscription, "a Stripe subscription for a customer with no member; nothing applied");
            return Ok(self.db.record_stripe_event(event).await?.is_some());
        };
        let donation = object["metadata"][KIND_KEY] == "donation";
        let tier_id = if donation { None } else { self.subscription_tier(&object).await? };
        let price = &object["items"]["data"][0];
        let plan = if price["plan"].is_object() { &price["plan"] } else { &object["plan"] };
        let record = SubscriptionRecord {
            subscription_id: subscription.to_owned(),
            customer_id: customer,
            member_id: member.id.to_string(),
            tier_id,
            status: text(&object["status"]).unwrap_or_else(|| "incomplete".into()),
            cadence: text(&plan["interval"]).or_else(|| text(&price["price"]["recurring"]["interval"])),
            amount: plan["amount"].as_i64().or_else(|| price["price"]["unit_amount"].as_i64()),
            currency: text(&plan["currency"]).or_else(|| text(&object["currency"])),
            cancel_at_period_end: object["cancel_at_period_end"].as_bool().unwrap_or(false),
            current_period_end: stripe_time(&object["current_period_end"]),
            seen,
        };
        let Some(moved) = self.db.apply_subscription(event, &record).await? else { return Ok(false) };
        self.membership_moved(&member, &moved).await?;
        Ok(true)
    }

    /// The tier a subscription pays for: the one named in its metadata, else the first paid
    /// tier (a subscription made outside Masthead).
    async fn subscription_tier(&self, object: &Value) -> Result<Option<String>, AppError> {
        let tiers = self.db.tiers().await?;
        let named = object["metadata"]["tier_id"].as_str();
        Ok(tiers
            .iter()
            .find(|t| Some(t.id.as_str()) == named)
            .or_else(|| tiers.iter().find(|t| t.tier_type == TierType::Paid && t.active))
            .map(|t| t.id.to_string()))
    }

    /// Tells integrations (`member.edited`) and the rest of the newsroom that a member's status
    /// or tiers moved.
    async fn membership_moved(&self, before: &Member, moved: &MembershipMove) -> Result<(), AppError> {
        if !moved.changed() {
            return Ok(());
        }
        let after = self.db.member_by_id(&before.id).await?.ok_or(AppError::NotFound("member"))?;
        let mut before = before.clone();
        before.status = moved.status_before;
        self.member_tiers_changed(&before, &after, &moved.tiers_before, &moved.tiers_after).await;
        self.payments_changed();
        if moved.status_before == MemberStatus::Free && moved.status_after == MemberStatus::Paid {
            self.after_paid_join(&after, moved.tiers_after.first().map(String::as_str)).await;
        }
        Ok(())
    }

    /// A paid invoice: a later payment of a recurring donation is a donation of its own (the
    /// first was recorded with its checkout).
    async fn invoice_paid(&self, event: &StripeEventId<'_>, invoice: &Value) -> Result<bool, AppError> {
        let later_payment = invoice["billing_reason"] == "subscription_cycle";
        let subscription = id_of(&invoice["subscription"]);
        if let (true, Some(subscription), Some(_)) = (later_payment, &subscription, &self.stripe.secret_key) {
            let object = self.stripe.get(&format!("/v1/subscriptions/{subscription}")).await?;
            if let Some(object) = object.filter(|o| o["metadata"][KIND_KEY] == "donation") {
                let member = match id_of(&invoice["customer"]) {
                    Some(customer) => self.customer_member(&customer).await?,
                    None => None,
                };
                let donation = DonationRecord {
                    id: ObjectId::new().to_string(),
                    paid_by: text(&invoice["id"]).unwrap_or_default(),
                    payment_intent_id: id_of(&invoice["payment_intent"]),
                    subscription_id: Some(subscription.clone()),
                    member_id: member.as_ref().map(|m| m.id.to_string()),
                    email: member.as_ref().map(|m| m.email.clone()).or_else(|| text(&invoice["customer_email"])),
                    name: member.as_ref().and_then(|m| m.name.clone()),
                    amount: invoice["amount_paid"].as_i64().unwrap_or(0),
                    currency: text(&invoice["currency"]).unwrap_or_else(|| "usd".into()),
                    recurring: true,
                    message: text(&object["metadata"]["message"]),
                    post_id: text(&object["metadata"]["post_id"]),
                    refunded_amount: 0,
                    created_at: stripe_time(&invoice["created"]).unwrap_or_else(masthead_core::now),
                };
                return self.donation_made(event, &donation).await;
            }
        }
        Ok(self.db.record_stripe_event(event).await?.is_some())
    }

    /// A failed payment: noted in the member's history, and the member told how to fix it.
    async fn invoice_failed(&self, event: &StripeEventId<'_>, invoice: &Value) -> Result<bool, AppError> {
        let member = match id_of(&invoice["customer"]) {
            Some(customer) => self.customer_member(&customer).await?,
            None => None,
        };
        let Some(member) = member else { return Ok(self.db.record_stripe_event(event).await?.is_some()) };
        let detail = json!({
            "invoice_id": text(&invoice["id"]),
            "amount": invoice["amount_due"].as_i64(),
            "currency": text(&invoice["currency"]),
            "attempt_count": invoice["attempt_count"].as_i64(),
        });
        if self.db.record_payment_failed(event, member.id.as_str(), &detail).await?.is_none() {
            return Ok(false);
        }
        self.after_payment_failed(&member).await;
        Ok(true)
    }
}
