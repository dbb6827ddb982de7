//! The member emails staff edit (welcome, donation receipt, failed payment) and the queueing of
//! one such email together with its line in the member's history.

use masthead_core::ObjectId;
use serde::Serialize;
use time::OffsetDateTime;

use crate::member_history::record_member_event;
use crate::{Db, DbReader, Result, on_db};

/// A stored wording; a kind with no row uses the built-in one. `tier_id` is empty for the
/// default of the kind, or names the paid tier whose welcome this is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct MemberEmailTemplate {
    pub kind: String,
    pub tier_id: String,
    pub subject: String,
    pub body: String,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// One member email, rendered, to queue in the outbox.
#[derive(Clone, Debug)]
pub struct MemberEmailSend {
    pub to: String,
    pub subject: String,
    pub text_body: String,
    /// Whether a transport delivers it (otherwise it is kept in the outbox).
    pub deliver: bool,
    /// Queued at most once for this key (`welcome:<member>:<tier>`, `donation_receipt:<id>`).
    pub once_key: Option<String>,
    /// Whose history records the `email_sent` event, if the addressee is a member.
    pub member_id: Option<String>,
    /// The `email_sent` event's detail.
    pub detail: serde_json::Value,
}

impl Db {
    pub async fn save_member_email_template(&self, kind: &str, tier_id: &str, subject: &str, body: &str) -> Result<()> {
        on_db!(self, write, |pool| {
            sqlx::query(
                "INSERT INTO member_email_templates (kind, tier_id, subject, body, updated_at) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (kind, tier_id) DO UPDATE SET \
                 subject = excluded.subject, body = excluded.body, updated_at = excluded.updated_at",
            )
            .bind(kind)
            .bind(tier_id)
            .bind(subject)
            .bind(body)
            .bind(masthead_core::now())
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// Removes a stored wording (the kind falls back to the default, then the built-in one).
    pub async fn delete_member_email_template(&self, kind: &str, tier_id: &str) -> Result<bool> {
        let done = on_db!(self, write, |pool| {
            sqlx::query("DELETE FROM member_email_templates WHERE kind = $1 AND tier_id = $2")
                .bind(kind)
                .bind(tier_id)
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(done > 0)
    }

    /// Queues a member email in the outbox and records `email_sent` in the member's history, in
    /// one transaction. With a `once_key` already used, nothing is queued and the answer is false.
    pub async fn queue_member_email(&self, send: &MemberEmailSend) -> Result<bool> {
        let id = ObjectId::new();
        let now = masthead_core::now();
        let queued = on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let first = match &send.once_key {
                Some(key) => {
                    sqlx::query(
                        "INSERT INTO member_email_sends (send_key, member_id, outbox_id, created_at) \
                         VALUES ($1, $2, $3, $4) ON CONFLICT (send_key) DO NOTHING",
                    )
                    .bind(key)
                    .bind(&send.member_id)
                    .bind(id.as_str())
                    .bind(now)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected()
                        > 0
                }
                None => true,
            };
            if first {
                sqlx::query(
                    "INSERT INTO outbox (id, to_address, subject, text_body, html_body, status, next_attempt_at, \
                     created_at) VALUES ($1, $2, $3, $4, NULL, $5, $6, $6)",
                )
                .bind(id.as_str())
                .bind(&send.to)
                .bind(&send.subject)
                .bind(&send.text_body)
                .bind(if send.deliver { "pending" } else { "kept" })
                .bind(now)
                .execute(&mut *tx)
                .await?;
                if let Some(member) = &send.member_id {
                    record_member_event!(tx, member.as_str(), "email_sent", &send.detail, now);
                }
            }
            tx.commit().await?;
            first
        });
        Ok(queued)
    }
}

impl DbReader {
    pub async fn member_email_templates(&self) -> Result<Vec<MemberEmailTemplate>> {
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as(
                "SELECT kind, tier_id, subject, body, updated_at FROM member_email_templates ORDER BY kind, tier_id",
            )
            .fetch_all(pool)
            .await?
        }))
    }

    pub async fn member_email_template(&self, kind: &str, tier_id: &str) -> Result<Option<MemberEmailTemplate>> {
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as(
                "SELECT kind, tier_id, subject, body, updated_at FROM member_email_templates \
                 WHERE kind = $1 AND tier_id = $2",
            )
            .bind(kind)
            .bind(tier_id)
            .fetch_optional(pool)
            .await?
        }))
    }
}
