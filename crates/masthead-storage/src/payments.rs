//! What Stripe tells us: customers, subscriptions, donations and refunds, each Stripe event
//! applied once.
//!
//! Every write that applies an event first records the event's id in `stripe_events`, in the
//! same transaction as its effect: a redelivered event finds its id taken, changes nothing and
//! is answered as done. Money is keyed on durable Stripe ids as well (a donation on its checkout
//! session or invoice), so two different events describing one payment record it once.

use masthead_core::MemberStatus;
use serde_json::Value;
use time::OffsetDateTime;

use crate::member_history::record_member_event;
use crate::{Db, DbReader, Result, on_db};

/// A Stripe event as far as storage cares: its id and type.
#[derive(Clone, Debug)]
pub struct StripeEventId<'a> {
    pub id: &'a str,
    pub event_type: &'a str,
}

/// A subscription as Stripe describes it, mapped to our member and tier.
#[derive(Clone, Debug, PartialEq)]
pub struct SubscriptionRecord {
    pub subscription_id: String,
    pub customer_id: String,
    pub member_id: String,
    /// `None` for a recurring donation: it pays for no tier.
    pub tier_id: Option<String>,
    /// Stripe's status: `active`, `trialing`, `past_due`, `canceled`, `unpaid`, `incomplete`…
    pub status: String,
    pub cadence: Option<String>,
    pub amount: Option<i64>,
    pub currency: Option<String>,
    pub cancel_at_period_end: bool,
    pub current_period_end: Option<OffsetDateTime>,
    /// Stripe time of the description (the event's `created`, or the time it was fetched).
    pub seen: i64,
}

/// Stripe statuses under which a subscription gives access.
pub const LIVE_SUBSCRIPTION_STATUSES: [&str; 3] = ["active", "trialing", "past_due"];

/// How a member's status and tiers moved when a subscription changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MembershipMove {
    pub member_id: String,
    pub status_before: MemberStatus,
    pub status_after: MemberStatus,
    pub tiers_before: Vec<String>,
    pub tiers_after: Vec<String>,
}

impl MembershipMove {
    pub fn changed(&self) -> bool {
        self.status_before != self.status_after || self.tiers_before != self.tiers_after
    }
}

/// A completed donation.
#[derive(Clone, Debug, PartialEq)]
pub struct DonationRecord {
    pub id: String,
    /// The checkout session (first payment) or invoice (a later payment of a recurring
    /// donation) that paid it: one donation per payment.
    pub paid_by: String,
    pub payment_intent_id: Option<String>,
    pub subscription_id: Option<String>,
    pub member_id: Option<String>,
    pub email: Option<String>,
    pub name: Option<String>,
    pub amount: i64,
    pub currency: String,
    pub recurring: bool,
    pub message: Option<String>,
    pub post_id: Option<String>,
    pub refunded_amount: i64,
    pub created_at: OffsetDateTime,
}

#[derive(sqlx::FromRow)]
struct DonationRow {
    id: String,
    checkout_session_id: String,
    payment_intent_id: Option<String>,
    subscription_id: Option<String>,
    member_id: Option<String>,
    email: Option<String>,
    name: Option<String>,
    amount: i64,
    currency: String,
    recurring: bool,
    message: Option<String>,
    post_id: Option<String>,
    refunded_amount: i64,
    created_at: OffsetDateTime,
}

impl From<DonationRow> for DonationRecord {
    fn from(r: DonationRow) -> Self {
        Self {
            id: r.id,
            paid_by: r.checkout_session_id,
            payment_intent_id: r.payment_intent_id,
            subscription_id: r.subscription_id,
            member_id: r.member_id,
            email: r.email,
            name: r.name,
            amount: r.amount,
            currency: r.currency,
            recurring: r.recurring,
            message: r.message,
            post_id: r.post_id,
            refunded_amount: r.refunded_amount,
            created_at: r.created_at,
        }
    }
}

const DONATION_COLUMNS: &str = "id, checkout_session_id, payment_intent_id, subscription_id, member_id, email, name, \
     amount, currency, recurring, message, post_id, refunded_amount, created_at";

/// Records event `$event` as applied in transaction `$tx`; evaluates to `false` (and rolls the
/// transaction back, returning `Ok(None)` from the enclosing function) when it already was.
macro_rules! claim_event {
    ($tx:ident, $event:expr) => {{
        let event: &StripeEventId<'_> = $event;
        let claimed = sqlx::query(
            "INSERT INTO stripe_events (id, type, received_at) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING",
        )
        .bind(event.id)
        .bind(event.event_type)
        .bind(masthead_core::now())
        .execute(&mut *$tx)
        .await?
        .rows_affected()
            == 1;
        if !claimed {
            $tx.rollback().await?;
            return Ok(None);
        }
    }};
}

impl Db {
    /// Whether an event has been applied already.
    pub async fn stripe_event_seen(&self, id: &str) -> Result<bool> {
        Ok(on_db!(self, read, |pool| {
            sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM stripe_events WHERE id = $1")
                .bind(id)
                .fetch_one(pool)
                .await?
                > 0
        }))
    }

    /// Records an event that changes nothing here, so its redelivery is recognised too.
    pub async fn record_stripe_event(&self, event: &StripeEventId<'_>) -> Result<Option<()>> {
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            claim_event!(tx, event);
            tx.commit().await?;
        });
        Ok(Some(()))
    }

    /// Links a Stripe customer to a member (idempotent).
    pub async fn link_stripe_customer(&self, customer_id: &str, member_id: &str, email: Option<&str>) -> Result<()> {
        on_db!(self, write, |pool| {
            sqlx::query(
                "INSERT INTO stripe_customers (customer_id, member_id, email, created_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (customer_id) DO NOTHING",
            )
            .bind(customer_id)
            .bind(member_id)
            .bind(email)
            .bind(masthead_core::now())
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// Applies a subscription's state under `event`, then sets the member's status and tiers from
    /// all their subscriptions: paid while one that pays for a tier is live; otherwise free
    /// (complimentary members stay complimentary). A description older than the one stored is
    /// not applied. `None` when the event was applied before.
    pub async fn apply_subscription(
        &self,
        event: &StripeEventId<'_>,
        sub: &SubscriptionRecord,
    ) -> Result<Option<MembershipMove>> {
        let now = masthead_core::now();
        let live = LIVE_SUBSCRIPTION_STATUSES.map(|s| format!("'{s}'")).join(", ");
        Ok(on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            claim_event!(tx, event);
            let status_before: Option<String> = sqlx::query_scalar("SELECT status FROM members WHERE id = $1")
                .bind(&sub.member_id)
                .fetch_optional(&mut *tx)
                .await?;
            let Some(status_before) = status_before.as_deref().and_then(MemberStatus::parse) else {
                // The member has gone (deleted): nothing to apply, but the event is done.
                tx.commit().await?;
                return Ok(None);
            };
            let tiers_before: Vec<String> =
                sqlx::query_scalar("SELECT tier_id FROM members_tiers WHERE member_id = $1 ORDER BY tier_id")
                    .bind(&sub.member_id)
                    .fetch_all(&mut *tx)
                    .await?;
            let previous: Option<(String, i64)> =
                sqlx::query_as("SELECT status, stripe_seen FROM stripe_subscriptions WHERE subscription_id = $1")
                    .bind(&sub.subscription_id)
                    .fetch_optional(&mut *tx)
                    .await?;
            let newer = previous.as_ref().is_none_or(|(_, seen)| *seen <= sub.seen);
            if newer {
                sqlx::query(
                    "INSERT INTO stripe_subscriptions (subscription_id, customer_id, member_id, tier_id, status, \
                     cadence, amount, currency, cancel_at_period_end, current_period_end, stripe_seen, created_at, \
                     updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) \
                     ON CONFLICT (subscription_id) DO UPDATE SET member_id = excluded.member_id, \
                     tier_id = excluded.tier_id, status = excluded.status, cadence = excluded.cadence, \
                     amount = excluded.amount, currency = excluded.currency, \
                     cancel_at_period_end = excluded.cancel_at_period_end, \
                     current_period_end = excluded.current_period_end, stripe_seen = excluded.stripe_seen, \
                     updated_at = excluded.updated_at",
                )
                .bind(&sub.subscription_id)
                .bind(&sub.customer_id)
                .bind(&sub.member_id)
                .bind(&sub.tier_id)
                .bind(&sub.status)
                .bind(&sub.cadence)
                .bind(sub.amount)
                .bind(&sub.currency)
                .bind(sub.cancel_at_period_end)
                .bind(sub.current_period_end.map(masthead_core::to_stored_time))
                .bind(sub.seen)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                let status_changed = previous.as_ref().is_none_or(|(status, _)| *status != sub.status);
                if status_changed {
                    let kind = match (previous.is_some(), LIVE_SUBSCRIPTION_STATUSES.contains(&sub.status.as_str())) {
                        (_, false) => "subscription_canceled",
                        (false, true) => "subscription_started",
                        (true, true) => "subscription_changed",
                    };
                    let detail = serde_json::json!({
                        "subscription_id": sub.subscription_id,
                        "status": sub.status,
                        "tier_id": sub.tier_id,
                        "cadence": sub.cadence,
                        "amount": sub.amount,
                        "currency": sub.currency,
                    });
                    record_member_event!(tx, &sub.member_id, kind, &detail, masthead_core::now());
                }
            }
            let tiers_after: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "SELECT DISTINCT tier_id FROM stripe_subscriptions WHERE member_id = $1 AND tier_id IS NOT NULL \
                 AND status IN ({live}) ORDER BY tier_id"
            )))
            .bind(&sub.member_id)
            .fetch_all(&mut *tx)
            .await?;
            let (status_after, tiers_after) = match (tiers_after.is_empty(), status_before) {
                (false, _) => (MemberStatus::Paid, tiers_after),
                (true, MemberStatus::Comped) => (MemberStatus::Comped, tiers_before.clone()),
                (true, _) => (MemberStatus::Free, Vec::new()),
            };
            if status_after != status_before {
                sqlx::query("UPDATE members SET status = $2, updated_at = $3 WHERE id = $1")
                    .bind(&sub.member_id)
                    .bind(status_after.as_str())
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
            }
            if tiers_after != tiers_before {
                sqlx::query("DELETE FROM members_tiers WHERE member_id = $1")
                    .bind(&sub.member_id)
                    .execute(&mut *tx)
                    .await?;
                for tier in &tiers_after {
                    sqlx::query("INSERT INTO members_tiers (member_id, tier_id) VALUES ($1, $2)")
                        .bind(&sub.member_id)
                        .bind(tier)
                        .execute(&mut *tx)
                        .await?;
                }
            }
            tx.commit().await?;
            MembershipMove { member_id: sub.member_id.clone(), status_before, status_after, tiers_before, tiers_after }
        }))
        .map(Some)
    }

    /// Records a donation once per payment (`paid_by`), under `event`. `None` when the event
    /// was applied before; `Some(false)` when another event already recorded this payment.
    pub async fn record_donation(&self, event: &StripeEventId<'_>, donation: &DonationRecord) -> Result<Option<bool>> {
        Ok(on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            claim_event!(tx, event);
            let inserted = sqlx::query(sqlx::AssertSqlSafe(format!(
                "INSERT INTO donations ({DONATION_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, \
                 $12, $13, $14) ON CONFLICT (checkout_session_id) DO NOTHING"
            )))
            .bind(&donation.id)
            .bind(&donation.paid_by)
            .bind(&donation.payment_intent_id)
            .bind(&donation.subscription_id)
            .bind(&donation.member_id)
            .bind(&donation.email)
            .bind(&donation.name)
            .bind(donation.amount)
            .bind(&donation.currency)
            .bind(donation.recurring)
            .bind(&donation.message)
            .bind(&donation.post_id)
            .bind(donation.refunded_amount)
            .bind(masthead_core::to_stored_time(donation.created_at))
            .execute(&mut *tx)
            .await?
            .rows_affected()
                == 1;
            if inserted && let Some(member) = &donation.member_id {
                let detail = serde_json::json!({
                    "donation_id": donation.id,
                    "amount": donation.amount,
                    "currency": donation.currency,
                    "recurring": donation.recurring,
                    "post_id": donation.post_id,
                });
                record_member_event!(tx, member, "donation", &detail, masthead_core::now());
            }
            tx.commit().await?;
            inserted
        }))
        .map(Some)
    }

    /// Sets how much of the donation paid through `payment_intent` has been refunded (Stripe's
    /// running total, so applying it twice is harmless). Answers the donation refunded, if any.
    pub async fn record_refund(
        &self,
        event: &StripeEventId<'_>,
        payment_intent: &str,
        amount_refunded: i64,
    ) -> Result<Option<Option<String>>> {
        Ok(on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            claim_event!(tx, event);
            let donation: Option<(String, Option<String>, String)> = sqlx::query_as(
                "UPDATE donations SET refunded_amount = $2 WHERE payment_intent_id = $1 \
                 RETURNING id, member_id, currency",
            )
            .bind(payment_intent)
            .bind(amount_refunded)
            .fetch_optional(&mut *tx)
            .await?;
            if let Some((id, Some(member), currency)) = &donation {
                let detail = serde_json::json!({ "donation_id": id, "amount": amount_refunded, "currency": currency });
                record_member_event!(tx, member, "refund", &detail, masthead_core::now());
            }
            tx.commit().await?;
            donation.map(|(id, _, _)| id)
        }))
        .map(Some)
    }

    /// Notes a failed payment in the member's history under `event`.
    pub async fn record_payment_failed(
        &self,
        event: &StripeEventId<'_>,
        member_id: &str,
        detail: &Value,
    ) -> Result<Option<()>> {
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            claim_event!(tx, event);
            record_member_event!(tx, member_id, "payment_failed", &detail, masthead_core::now());
            tx.commit().await?;
        });
        Ok(Some(()))
    }
}

impl DbReader {
    /// The member a Stripe customer belongs to.
    pub async fn stripe_customer_member(&self, customer_id: &str) -> Result<Option<String>> {
        Ok(on_db!(self, read, |pool| {
            sqlx::query_scalar("SELECT member_id FROM stripe_customers WHERE customer_id = $1")
                .bind(customer_id)
                .fetch_optional(pool)
                .await?
        }))
    }

    /// A member's Stripe customer, the newest if several.
    pub async fn member_stripe_customer(&self, member_id: &str) -> Result<Option<String>> {
        Ok(on_db!(self, read, |pool| {
            sqlx::query_scalar(
                "SELECT customer_id FROM stripe_customers WHERE member_id = $1 ORDER BY created_at DESC LIMIT 1",
            )
            .bind(member_id)
            .fetch_optional(pool)
            .await?
        }))
    }

    /// Every member's Stripe customer (the newest, for a member with several), by member id.
    pub async fn stripe_customers_by_member(&self) -> Result<std::collections::HashMap<String, String>> {
        let rows: Vec<(String, String)> = on_db!(self, read, |pool| {
            sqlx::query_as("SELECT member_id, customer_id FROM stripe_customers ORDER BY created_at")
                .fetch_all(pool)
                .await?
        });
        Ok(rows.into_iter().collect())
    }

    /// A member's subscriptions, newest first.
    pub async fn member_subscriptions(&self, member_id: &str) -> Result<Vec<SubscriptionRecord>> {
        let rows: Vec<SubscriptionRow> = on_db!(self, read, |pool| {
            sqlx::query_as(
                "SELECT subscription_id, customer_id, member_id, tier_id, status, cadence, amount, currency, \
                 cancel_at_period_end, current_period_end, stripe_seen FROM stripe_subscriptions \
                 WHERE member_id = $1 ORDER BY created_at DESC",
            )
            .bind(member_id)
            .fetch_all(pool)
            .await?
        });
        Ok(rows.into_iter().map(SubscriptionRow::into_record).collect())
    }

    pub async fn donation(&self, id: &str) -> Result<Option<DonationRecord>> {
        let row: Option<DonationRow> = on_db!(self, read, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {DONATION_COLUMNS} FROM donations WHERE id = $1")))
                .bind(id)
                .fetch_optional(pool)
                .await?
        });
        Ok(row.map(Into::into))
    }

    /// The donation a checkout session or invoice paid.
    pub async fn donation_paid_by(&self, paid_by: &str) -> Result<Option<DonationRecord>> {
        let row: Option<DonationRow> = on_db!(self, read, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {DONATION_COLUMNS} FROM donations WHERE checkout_session_id = $1"
            )))
            .bind(paid_by)
            .fetch_optional(pool)
            .await?
        });
        Ok(row.map(Into::into))
    }

    /// The newest donations.
    pub async fn donations(&self, limit: i64) -> Result<Vec<DonationRecord>> {
        let rows: Vec<DonationRow> = on_db!(self, read, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {DONATION_COLUMNS} FROM donations ORDER BY created_at DESC, id DESC LIMIT $1"
            )))
            .bind(limit)
            .fetch_all(pool)
            .await?
        });
        Ok(rows.into_iter().map(Into::into).collect())
    }
}

#[derive(sqlx::FromRow)]
struct SubscriptionRow {
    subscription_id: String,
    customer_id: String,
    member_id: Option<String>,
    tier_id: Option<String>,
    status: String,
    cadence: Option<String>,
    amount: Option<i64>,
    currency: Option<String>,
    cancel_at_period_end: bool,
    current_period_end: Option<OffsetDateTime>,
    stripe_seen: i64,
}

impl SubscriptionRow {
    fn into_record(self) -> SubscriptionRecord {
        SubscriptionRecord {
            subscription_id: self.subscription_id,
            customer_id: self.customer_id,
            member_id: self.member_id.unwrap_or_default(),
            tier_id: self.tier_id,
            status: self.status,
            cadence: self.cadence,
            amount: self.amount,
            currency: self.currency,
            cancel_at_period_end: self.cancel_at_period_end,
            current_period_end: self.current_period_end,
            seen: self.stripe_seen,
        }
    }
}
