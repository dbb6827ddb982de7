//! What the newsroom keeps about one member beyond the profile: the history timeline
//! (`member_events`), tiers and complimentary memberships, and the figures behind the members
//! overview (growth over time, campaign progress).

use masthead_core::{MemberStatus, ObjectId};
use serde::Serialize;
use time::OffsetDateTime;

use crate::{Db, DbReader, Result, StorageError, on_db};

/// Appends an event to a member's history inside the write transaction `$tx`, so the history
/// says what happened exactly when the change it describes was committed. `$detail` is a
/// `serde_json::Value` (an object).
macro_rules! record_member_event {
    ($tx:ident, $member_id:expr, $kind:expr, $detail:expr, $at:expr) => {{
        let detail: &serde_json::Value = $detail;
        sqlx::query("INSERT INTO member_events (id, member_id, kind, detail, created_at) VALUES ($1, $2, $3, $4, $5)")
            .bind($crate::member_history::event_id())
            .bind($member_id)
            .bind($kind)
            .bind(detail.to_string())
            .bind(masthead_core::to_stored_time($at))
            .execute(&mut *$tx)
            .await?;
    }};
}
pub(crate) use record_member_event;

/// An id for a history event that sorts after every earlier one this process made, even within
/// the same second (timestamps are stored in whole seconds): the time, then a counter that
/// starts at a random point so that instances rarely make the same ids.
pub(crate) fn event_id() -> String {
    use std::sync::OnceLock;
    use std::sync::atomic::{AtomicU64, Ordering};
    static START: OnceLock<u64> = OnceLock::new();
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    // A random 32-bit start (the random tail of an ObjectId), with room to count up from it.
    let start =
        *START.get_or_init(|| u64::from(u32::from_str_radix(&ObjectId::new().as_str()[16..], 16).unwrap_or(0)) << 16);
    let next = start + COUNTER.fetch_add(1, Ordering::Relaxed);
    let seconds = masthead_core::now().unix_timestamp() as u32;
    format!("{seconds:08x}{next:016x}")
}

/// One entry of a member's history.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MemberEvent {
    pub id: String,
    pub member_id: String,
    /// `signed_up`, `subscription_started`, `subscription_changed`, `subscription_canceled`,
    /// `payment_failed`, `donation`, `refund`, `comped`, `comp_removed`, `email_sent`.
    pub kind: String,
    /// A JSON object whose fields depend on `kind`.
    pub detail: serde_json::Value,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// A tier as the members screens offer it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct TierChoice {
    pub id: String,
    pub name: String,
    pub slug: String,
    /// `free` or `paid`.
    #[sqlx(rename = "type")]
    #[serde(rename = "type")]
    pub kind: String,
    pub active: bool,
}

/// A tier a member is on; `expiry_at` ends a complimentary one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct MemberTier {
    pub id: String,
    pub name: String,
    pub slug: String,
    #[sqlx(rename = "type")]
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(with = "time::serde::rfc3339::option")]
    pub expiry_at: Option<OffsetDateTime>,
}

/// How many members there are now, by status.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct MemberTotals {
    pub total: i64,
    pub free: i64,
    pub paid: i64,
    pub comped: i64,
}

/// What the members-over-time chart is drawn from: today's totals and what changed since
/// `since` (joins, and paid subscriptions started or ended), so each earlier day is counted back
/// from today without reading every member.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MemberGrowth {
    pub totals: MemberTotals,
    /// When each member who joined since `since` (and is still a member) joined.
    pub joined: Vec<OffsetDateTime>,
    /// Paid subscriptions started (+1) or ended (-1) since `since`.
    pub paid_changes: Vec<(OffsetDateTime, i64)>,
}

/// An active goal campaign and how far it has come.
#[derive(Clone, Debug, PartialEq, Serialize, sqlx::FromRow)]
pub struct CampaignProgress {
    pub id: String,
    pub name: String,
    pub metric: String,
    pub currency: Option<String>,
    pub target: i64,
    pub current: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub starts_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub ends_at: Option<OffsetDateTime>,
}

#[derive(sqlx::FromRow)]
struct EventRow {
    id: String,
    member_id: String,
    kind: String,
    detail: String,
    created_at: OffsetDateTime,
}

impl Db {
    /// Appends an event to a member's history on its own (when nothing else is written with it).
    pub async fn record_member_event(
        &self,
        member_id: &ObjectId,
        kind: &str,
        detail: &serde_json::Value,
    ) -> Result<()> {
        self.record_member_event_at(member_id, kind, detail, masthead_core::now()).await
    }

    /// [`Db::record_member_event`] for an event that happened at `at` (an import, a late webhook).
    pub async fn record_member_event_at(
        &self,
        member_id: &ObjectId,
        kind: &str,
        detail: &serde_json::Value,
        at: OffsetDateTime,
    ) -> Result<()> {
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            record_member_event!(tx, member_id.as_str(), kind, detail, at);
            tx.commit().await?;
        });
        Ok(())
    }

    /// Gives a member a complimentary membership of `tier_id` (a paid tier): status `comped`,
    /// the tier among theirs and a `comped` event, in one transaction. `by` names who gave it.
    pub async fn grant_comp(&self, member_id: &ObjectId, tier: &TierChoice, by: &str) -> Result<()> {
        let now = masthead_core::now();
        let detail = serde_json::json!({ "tier": tier.name, "tier_id": tier.id, "by": by });
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            sqlx::query("UPDATE members SET status = $2, updated_at = $3 WHERE id = $1")
                .bind(member_id.as_str())
                .bind(MemberStatus::Comped.as_str())
                .bind(now)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO members_tiers (member_id, tier_id, expiry_at) VALUES ($1, $2, NULL) \
                 ON CONFLICT (member_id, tier_id) DO UPDATE SET expiry_at = NULL",
            )
            .bind(member_id.as_str())
            .bind(&tier.id)
            .execute(&mut *tx)
            .await?;
            record_member_event!(tx, member_id.as_str(), "comped", &detail, now);
            tx.commit().await?;
        });
        Ok(())
    }

    /// Ends a complimentary membership: the member is free again, loses the tiers the comp gave
    /// and the history says who ended it. Returns false when the member was not comped.
    pub async fn remove_comp(&self, member_id: &ObjectId, by: &str) -> Result<bool> {
        let now = masthead_core::now();
        let removed = on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let changed = sqlx::query("UPDATE members SET status = $2, updated_at = $3 WHERE id = $1 AND status = $4")
                .bind(member_id.as_str())
                .bind(MemberStatus::Free.as_str())
                .bind(now)
                .bind(MemberStatus::Comped.as_str())
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if changed > 0 {
                let tiers: Vec<String> = sqlx::query_scalar(
                    "SELECT t.name FROM members_tiers mt JOIN tiers t ON t.id = mt.tier_id \
                     WHERE mt.member_id = $1 AND t.type = 'paid' ORDER BY t.name",
                )
                .bind(member_id.as_str())
                .fetch_all(&mut *tx)
                .await?;
                sqlx::query(
                    "DELETE FROM members_tiers WHERE member_id = $1 \
                     AND tier_id IN (SELECT id FROM tiers WHERE type = 'paid')",
                )
                .bind(member_id.as_str())
                .execute(&mut *tx)
                .await?;
                let detail = serde_json::json!({ "tier": tiers.join(", "), "by": by });
                record_member_event!(tx, member_id.as_str(), "comp_removed", &detail, now);
            }
            tx.commit().await?;
            changed > 0
        });
        Ok(removed)
    }

    /// Adds the label called `name` (creating it if need be) to a member.
    pub async fn add_member_label(&self, member_id: &ObjectId, name: &str) -> Result<()> {
        let now = masthead_core::now();
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let label_id = crate::members::ensure_label!(tx, name);
            sqlx::query(
                "INSERT INTO members_labels (member_id, label_id, sort_order) VALUES ($1, $2, \
                 (SELECT COALESCE(MAX(sort_order) + 1, 0) FROM members_labels WHERE member_id = $1)) \
                 ON CONFLICT DO NOTHING",
            )
            .bind(member_id.as_str())
            .bind(&label_id)
            .execute(&mut *tx)
            .await?;
            sqlx::query("UPDATE members SET updated_at = $2 WHERE id = $1")
                .bind(member_id.as_str())
                .bind(now)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// Takes a label off a member (the label stays for others). Returns false if it was not on.
    pub async fn remove_member_label(&self, member_id: &ObjectId, label_id: &str) -> Result<bool> {
        let done = on_db!(self, write, |pool| {
            sqlx::query("DELETE FROM members_labels WHERE member_id = $1 AND label_id = $2")
                .bind(member_id.as_str())
                .bind(label_id)
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(done > 0)
    }
}

impl DbReader {
    /// A member's history, newest first.
    pub async fn member_history(&self, member_id: &ObjectId) -> Result<Vec<MemberEvent>> {
        let rows: Vec<EventRow> = on_db!(self, read, |pool| {
            sqlx::query_as(
                "SELECT id, member_id, kind, detail, created_at FROM member_events WHERE member_id = $1 \
                 ORDER BY created_at DESC, id DESC",
            )
            .bind(member_id.as_str())
            .fetch_all(pool)
            .await?
        });
        rows.into_iter()
            .map(|r| {
                let detail = serde_json::from_str(&r.detail)
                    .map_err(|e| StorageError::Corrupt(format!("member event {} detail: {e}", r.id)))?;
                Ok(MemberEvent { id: r.id, member_id: r.member_id, kind: r.kind, detail, created_at: r.created_at })
            })
            .collect()
    }

    /// Every tier, free first, then by name.
    pub async fn tier_choices(&self) -> Result<Vec<TierChoice>> {
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as("SELECT id, name, slug, type, active FROM tiers ORDER BY type, name, id")
                .fetch_all(pool)
                .await?
        }))
    }

    pub async fn tier_choice(&self, id: &str) -> Result<Option<TierChoice>> {
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as("SELECT id, name, slug, type, active FROM tiers WHERE id = $1")
                .bind(id)
                .fetch_optional(pool)
                .await?
        }))
    }

    /// The tiers a member is on.
    pub async fn member_tiers(&self, member_id: &ObjectId) -> Result<Vec<MemberTier>> {
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as(
                "SELECT t.id, t.name, t.slug, t.type, mt.expiry_at FROM members_tiers mt \
                 JOIN tiers t ON t.id = mt.tier_id WHERE mt.member_id = $1 ORDER BY t.name",
            )
            .bind(member_id.as_str())
            .fetch_all(pool)
            .await?
        }))
    }

    pub async fn member_totals(&self) -> Result<MemberTotals> {
        let rows: Vec<(String, i64)> = on_db!(self, read, |pool| {
            sqlx::query_as("SELECT status, COUNT(*) FROM members GROUP BY status").fetch_all(pool).await?
        });
        let mut totals = MemberTotals::default();
        for (status, count) in rows {
            totals.total += count;
            match MemberStatus::parse(&status) {
                Some(MemberStatus::Free) => totals.free += count,
                Some(MemberStatus::Paid) => totals.paid += count,
                Some(MemberStatus::Comped) => totals.comped += count,
                None => {}
            }
        }
        Ok(totals)
    }

    /// Today's totals and the joins and paid-subscription changes since `since`.
    pub async fn member_growth(&self, since: OffsetDateTime) -> Result<MemberGrowth> {
        let since = masthead_core::to_stored_time(since);
        let totals = self.member_totals().await?;
        let joined: Vec<OffsetDateTime> = on_db!(self, read, |pool| {
            sqlx::query_scalar("SELECT created_at FROM members WHERE created_at >= $1 ORDER BY created_at")
                .bind(since)
                .fetch_all(pool)
                .await?
        });
        let changes: Vec<(OffsetDateTime, String)> = on_db!(self, read, |pool| {
            sqlx::query_as(
                "SELECT created_at, kind FROM member_events WHERE created_at >= $1 \
                 AND kind IN ('subscription_started', 'subscription_canceled') ORDER BY created_at",
            )
            .bind(since)
            .fetch_all(pool)
            .await?
        });
        let paid_changes =
            changes.into_iter().map(|(at, kind)| (at, if kind == "subscription_started" { 1 } else { -1 })).collect();
        Ok(MemberGrowth { totals, joined, paid_changes })
    }

    /// Active campaigns, the soonest to end first.
    pub async fn active_campaign_progress(&self) -> Result<Vec<CampaignProgress>> {
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as(
                "SELECT id, name, metric, currency, CAST(target AS BIGINT) AS target, \
                 CAST(current AS BIGINT) AS current, starts_at, ends_at FROM campaigns \
                 WHERE active = TRUE ORDER BY (ends_at IS NULL), ends_at, starts_at, id",
            )
            .fetch_all(pool)
            .await?
        }))
    }
}
