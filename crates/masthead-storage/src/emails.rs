//! Newsletter sends and their per-recipient ledger, and delivery of the outbox.
//!
//! A send's audience is frozen into `email_recipients` in one statement before the first
//! message. Senders claim small batches with a lease, mark each recipient sent the moment the
//! relay accepts it, and never send to a row they no longer hold. A row is never claimed again
//! once sent or failed, so every recipient gets at most one accepted message per send; leases
//! that ran out (a dead sender) make the unsent rest claimable again, so nobody is missed.

use masthead_core::{EmailStatus, MemberStatus, ObjectId, Readership, Segment, Visibility};
use time::{Duration, OffsetDateTime};

use crate::{Db, DbReader, Result, StorageError, on_db};

/// One newsletter send.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow, serde::Serialize)]
pub struct EmailRecord {
    pub id: String,
    pub post_id: String,
    pub newsletter_id: String,
    pub segment: String,
    pub subject: String,
    #[serde(skip)]
    pub html: String,
    #[serde(skip)]
    pub plaintext: String,
    pub status: String,
    pub recipient_count: i32,
    pub error: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub started_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub finished_at: Option<OffsetDateTime>,
}

const EMAIL_COLUMNS: &str = "id, post_id, newsletter_id, segment, subject, html, plaintext, status, recipient_count, \
     error, created_at, started_at, finished_at";

/// A send to create: the post, where it goes, and the message frozen at that moment.
#[derive(Clone, Debug)]
pub struct NewEmail {
    pub post_id: ObjectId,
    pub newsletter_id: ObjectId,
    pub segment: Segment,
    pub subject: String,
    pub html: String,
    pub plaintext: String,
    pub created_by: Option<ObjectId>,
}

/// A recipient a sender holds.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct ClaimedRecipient {
    pub id: i64,
    pub member_id: String,
    pub member_uuid: String,
    pub address: String,
    pub name: Option<String>,
    pub attempts: i32,
}

/// Where a send stands.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct EmailProgress {
    pub pending: i64,
    pub sending: i64,
    pub sent: i64,
    pub failed: i64,
    pub skipped: i64,
}

impl EmailProgress {
    pub fn total(&self) -> i64 {
        self.pending + self.sending + self.sent + self.failed + self.skipped
    }
}

/// A failed recipient and why, for the admin.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow, serde::Serialize)]
pub struct FailedRecipient {
    pub address: String,
    pub error: Option<String>,
    pub attempts: i32,
}

/// A transactional message (confirmation, sign-in link, staff mail).
#[derive(Clone, Debug, PartialEq)]
pub struct OutgoingMail {
    pub to: String,
    pub subject: String,
    pub text_body: String,
    pub html_body: Option<String>,
    /// Whether a transport will deliver it; otherwise it is kept for administrators to read.
    pub deliver: bool,
    /// Set when the message carries a one-time link: only its addressee may ever read that.
    pub credential: Option<MailCredential>,
}

/// The one-time link a message carries, as the outbox keeps track of it.
#[derive(Clone, Debug, PartialEq)]
pub struct MailCredential {
    /// The SHA-256 of the link's token (the id of its `staff_tokens` or `member_tokens` row).
    pub token_hash: String,
    pub expires_at: OffsetDateTime,
    /// The message with the link withheld: what is kept once the relay no longer needs the
    /// link, and all that is kept when nothing delivers mail.
    pub text_without_link: String,
}

/// An outbox message a sender holds.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct ClaimedMail {
    pub id: String,
    pub to_address: String,
    pub subject: String,
    pub text_body: String,
    pub html_body: Option<String>,
    pub attempts: i32,
}

/// Inserts a post's send inside an open transaction; a post that has one keeps it.
macro_rules! insert_email {
    ($tx:ident, $new:expr) => {
        sqlx::query(
            "INSERT INTO emails (id, post_id, newsletter_id, segment, subject, html, plaintext, status, \
             recipient_count, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', 0, $8, $9) \
             ON CONFLICT (post_id) DO NOTHING",
        )
        .bind(masthead_core::ObjectId::new().as_str())
        .bind($new.post_id.as_str())
        .bind($new.newsletter_id.as_str())
        .bind($new.segment.as_string())
        .bind(&$new.subject)
        .bind(&$new.html)
        .bind(&$new.plaintext)
        .bind($new.created_by.as_ref().map(masthead_core::ObjectId::as_str))
        .bind(masthead_core::now())
        .execute(&mut *$tx)
        .await?;
    };
}
pub(crate) use insert_email;

/// The members a post's newsletter may go to: those who may read the post, by the one rule in
/// `masthead_core::access`. Empty when every member may.
fn readers_condition(post_id: &str, visibility: &str) -> Result<String> {
    let visibility = Visibility::parse(visibility)
        .ok_or_else(|| StorageError::Corrupt(format!("post visibility {visibility:?}")))?;
    if visibility == Visibility::Tiers {
        // A parsed id is 24 hex digits, so it is safe in the query text.
        let post = masthead_core::ObjectId::parse(post_id)?;
        return Ok(format!(
            "AND (EXISTS (SELECT 1 FROM posts_tiers pt JOIN members_tiers mt ON mt.tier_id = pt.tier_id \
             WHERE pt.post_id = '{post}' AND mt.member_id = m.id) \
             OR (m.status = 'free' AND EXISTS (SELECT 1 FROM posts_tiers pt JOIN tiers t ON t.id = pt.tier_id \
             WHERE pt.post_id = '{post}' AND t.type = 'free')))"
        ));
    }
    let statuses = Readership::from(visibility).member_statuses();
    if statuses.len() == MemberStatus::ALL.len() {
        return Ok(String::new());
    }
    if statuses.is_empty() {
        return Ok("AND 1 = 0".to_owned());
    }
    // The statuses are the enum's own spellings, never input.
    let list: Vec<String> = statuses.iter().map(|s| format!("'{}'", s.as_str())).collect();
    Ok(format!("AND m.status IN ({})", list.join(", ")))
}

impl Db {
    /// Creates the send for a post unless it already has one. Returns the send's id.
    /// Creates the send of a post, unless it has one; returns the id of the post's send.
    pub async fn create_email(&self, new: &NewEmail) -> Result<String> {
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            insert_email!(tx, new);
            tx.commit().await?;
        });
        let existing: String = on_db!(self, write, |pool| {
            sqlx::query_scalar("SELECT id FROM emails WHERE post_id = $1")
                .bind(new.post_id.as_str())
                .fetch_one(pool)
                .await?
        });
        Ok(existing)
    }

    /// Freezes the audience of a pending send and marks it sending, in one transaction: the
    /// newsletter's subscribers in the segment who may read the post (by its visibility at this
    /// moment: a `paid` story reaches only paid and complimentary members), minus suppressed
    /// addresses, one row per address. Returns the number of recipients, or `None` if the send
    /// was not pending (another sender started it).
    pub async fn start_email(&self, id: &str) -> Result<Option<i64>> {
        let Some(email) = self.email(id).await? else { return Ok(None) };
        let segment = Segment::parse(&email.segment)
            .ok_or_else(|| StorageError::Corrupt(format!("email segment {:?}", email.segment)))?;
        let (segment_sql, label) = match &segment {
            Segment::All => ("", None),
            Segment::Free => ("AND m.status = 'free'", None),
            Segment::Paid => ("AND m.status IN ('paid', 'comped')", None),
            Segment::Label(slug) => (
                "AND EXISTS (SELECT 1 FROM members_labels ml JOIN labels l ON l.id = ml.label_id \
                 WHERE ml.member_id = m.id AND l.slug = $4)",
                Some(slug.clone()),
            ),
        };
        let insert = |readers_sql: &str| {
            sqlx::AssertSqlSafe(format!(
                "INSERT INTO email_recipients (email_id, member_id, member_uuid, address, name, status, next_attempt_at) \
                 SELECT $1, m.id, m.uuid, m.email, m.name, 'pending', $2 FROM members m \
                 JOIN members_newsletters mn ON mn.member_id = m.id AND mn.newsletter_id = $3 AND mn.status = 'subscribed' \
                 WHERE NOT EXISTS (SELECT 1 FROM suppressions s WHERE s.email = m.email) {segment_sql} {readers_sql} \
                 ORDER BY m.id ON CONFLICT (email_id, address) DO NOTHING"
            ))
        };
        let now = masthead_core::now();
        let postgres = self.backend() == crate::Backend::Postgres;
        let count = on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let started = sqlx::query(
                "UPDATE emails SET status = 'sending', started_at = $2 WHERE id = $1 AND status = 'pending'",
            )
            .bind(id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            if started.rows_affected() == 0 {
                return Ok(None);
            }
            let visibility: String = sqlx::query_scalar("SELECT visibility FROM posts WHERE id = $1")
                .bind(&email.post_id)
                .fetch_one(&mut *tx)
                .await?;
            let mut query = sqlx::query(insert(&readers_condition(&email.post_id, &visibility)?))
                .bind(id)
                .bind(now)
                .bind(&email.newsletter_id);
            if let Some(label) = &label {
                query = query.bind(label);
            }
            let count = query.execute(&mut *tx).await?.rows_affected() as i64;
            if postgres {
                // Statistics for the rows just written (autovacuum comes round a minute or more
                // later, or never where it is off). Without them PostgreSQL planned each claim of
                // 50 recipients as a scan of every recipient left, sorted: 25-65 ms a claim at
                // 100,000 recipients, where walking the send's index from the cursor takes 0.2.
                // It samples at most 30,000 rows, and sees this transaction's own.
                sqlx::query("ANALYZE email_recipients").execute(&mut *tx).await?;
            }
            sqlx::query("UPDATE emails SET recipient_count = $2 WHERE id = $1")
                .bind(id)
                .bind(count as i32)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            count
        });
        Ok(Some(count))
    }

    /// Leases up to `limit` recipients of a send to `worker` until `now + lease`: those waiting
    /// and due, and those whose previous holder's lease ran out. Recipients who unsubscribed or
    /// were suppressed since the audience was frozen are marked skipped and not returned.
    pub async fn claim_recipients(
        &self,
        email: &EmailRecord,
        worker: &str,
        now: OffsetDateTime,
        lease: Duration,
        limit: i64,
        after: i64,
    ) -> Result<Vec<ClaimedRecipient>> {
        let now = masthead_core::to_stored_time(now);
        // `after` is the senders' cursor: the highest id they have claimed, so that a claim does
        // not step over every recipient already sent. Two picks, each an equality on `status`; on
        // SQLite each walks the `(email_id, status, id)` index in order and stops after `$5`
        // rows (PostgreSQL: see below). One pick with `OR` made both databases sort every
        // pending recipient for every batch. Expired leases (a crashed sender) are rare, so a
        // claim holds at most `2 × limit` rows.
        const PENDING: &str = "SELECT id FROM email_recipients WHERE email_id = $3 AND status = 'pending' \
             AND id > $6 AND next_attempt_at <= $4 ORDER BY id LIMIT $5";
        const EXPIRED: &str = "SELECT id FROM email_recipients WHERE email_id = $3 AND status = 'sending' \
             AND locked_until < $4 ORDER BY id LIMIT $5";
        const RETURNING: &str = "RETURNING id, member_id, member_uuid, address, name, attempts";
        let claimed: Vec<ClaimedRecipient> = match self.pools() {
            crate::db::Pools::Sqlite { writer, .. } => {
                let sql = sqlx::AssertSqlSafe(format!(
                    "UPDATE email_recipients SET status = 'sending', locked_by = $1, locked_until = $2 \
                     WHERE id IN (SELECT id FROM ({PENDING}) AS a UNION ALL SELECT id FROM ({EXPIRED}) AS b) {RETURNING}"
                ));
                sqlx::query_as(sql)
                    .bind(worker)
                    .bind(now + lease)
                    .bind(&email.id)
                    .bind(now)
                    .bind(limit)
                    .bind(after)
                    .fetch_all(writer)
                    .await?
            }
            crate::db::Pools::Postgres(pool) => {
                // Row locks cannot be taken inside a UNION, so each pick locks its rows in its own
                // CTE; an `OR` of two `IN` subqueries made PostgreSQL test every row of the send.
                // No index holds `status` here (so that claims and sent marks are HOT updates):
                // the pending pick walks `(email_id, id)` from the cursor, where the rows are
                // pending, but the expired pick has to look at every row of the send, so it
                // runs only when a sender starts a pass from the beginning (`after` = 0): at
                // its first claim, and whenever its cursor ran out.
                let expired = if after == 0 { EXPIRED } else { "SELECT id FROM email_recipients WHERE false" };
                let sql = sqlx::AssertSqlSafe(format!(
                    "WITH pending AS ({PENDING} FOR UPDATE SKIP LOCKED), expired AS ({expired} FOR UPDATE SKIP LOCKED) \
                     UPDATE email_recipients SET status = 'sending', locked_by = $1, locked_until = $2 \
                     WHERE id IN (SELECT id FROM pending UNION ALL SELECT id FROM expired) {RETURNING}"
                ));
                sqlx::query_as(sql)
                    .bind(worker)
                    .bind(now + lease)
                    .bind(&email.id)
                    .bind(now)
                    .bind(limit)
                    .bind(after)
                    .fetch_all(pool)
                    .await?
            }
        };
        if claimed.is_empty() {
            return Ok(claimed);
        }
        // The ids come from the database as integers, so inlining them is safe.
        let ids = claimed.iter().map(|r| r.id.to_string()).collect::<Vec<_>>().join(", ");
        let excluded_sql = sqlx::AssertSqlSafe(format!(
            "UPDATE email_recipients SET status = 'skipped', locked_until = NULL, \
             error = 'unsubscribed or suppressed before sending' \
             WHERE id IN ({ids}) AND (EXISTS (SELECT 1 FROM suppressions s WHERE s.email = email_recipients.address) \
             OR NOT EXISTS (SELECT 1 FROM members_newsletters mn WHERE mn.member_id = email_recipients.member_id \
             AND mn.newsletter_id = $1 AND mn.status = 'subscribed')) RETURNING id"
        ));
        let excluded: Vec<(i64,)> = on_db!(self, write, |pool| {
            sqlx::query_as(excluded_sql).bind(&email.newsletter_id).fetch_all(pool).await?
        });
        Ok(claimed.into_iter().filter(|r| !excluded.iter().any(|(id,)| *id == r.id)).collect())
    }

    /// Records that the relay accepted the messages for these recipients, in one transaction
    /// (senders finishing at the same moment share one commit). Only rows still held count.
    ///
    /// On PostgreSQL the commit does not wait for the WAL to reach the disk
    /// (`synchronous_commit = off` for this transaction only). Nothing but a crash of the
    /// database server itself (or of its machine) can lose such a record, and then only the
    /// last fraction of a second of them, never one committed before a later durable commit;
    /// the rows stay `sending` and are sent again after the restart, identical and with the
    /// same Message-ID: the repeat that the window between the relay's 250 and any record
    /// already allows (docs/MEMBERS.md, "Delivery guarantees").
    pub async fn mark_recipients_sent(&self, ids: &[i64]) -> Result<u64> {
        if ids.is_empty() {
            return Ok(0);
        }
        let now = masthead_core::now();
        Ok(match self.pools() {
            crate::db::Pools::Sqlite { writer, .. } => {
                // The ids come from the database as integers, so inlining them is safe.
                let ids = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(", ");
                let sql = sqlx::AssertSqlSafe(format!(
                    "UPDATE email_recipients SET status = 'sent', sent_at = $1, locked_until = NULL, error = NULL \
                     WHERE id IN ({ids}) AND status = 'sending'"
                ));
                sqlx::query(sql).bind(now).execute(writer).await?.rows_affected()
            }
            crate::db::Pools::Postgres(pool) => {
                // One statement, committed on its own, and one statement text whatever the ids
                // (prepared once per connection). `set_config(..., true)` is `SET LOCAL`: it
                // turns off waiting for the WAL flush for this statement's own transaction only,
                // without the three more round trips of BEGIN, SET LOCAL and COMMIT; PostgreSQL
                // evaluates the uncorrelated sub-select once, before the first row it updates.
                sqlx::query(
                    "UPDATE email_recipients SET status = 'sent', sent_at = $1, locked_until = NULL, error = NULL \
                     WHERE id = ANY($2) AND status = 'sending' \
                     AND (SELECT set_config('synchronous_commit', 'off', true)) IS NOT NULL",
                )
                .bind(now)
                .bind(ids)
                .execute(pool)
                .await?
                .rows_affected()
            }
        })
    }

    /// A temporary failure: try again at `retry_at`, or give up once `give_up` is set.
    pub async fn mark_recipient_unsent(
        &self,
        id: i64,
        worker: &str,
        error: &str,
        retry_at: Option<OffsetDateTime>,
    ) -> Result<()> {
        on_db!(self, write, |pool| {
            sqlx::query(
                "UPDATE email_recipients SET status = $3, attempts = attempts + 1, error = $4, locked_until = NULL, \
                 next_attempt_at = COALESCE($5, next_attempt_at) WHERE id = $1 AND status = 'sending' AND locked_by = $2",
            )
            .bind(id)
            .bind(worker)
            .bind(if retry_at.is_some() { "pending" } else { "failed" })
            .bind(error)
            .bind(retry_at.map(masthead_core::to_stored_time))
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// Gives back recipients this worker holds but did not get to (shutdown, lease running out).
    pub async fn release_recipients(&self, ids: &[i64], worker: &str) -> Result<()> {
        if ids.is_empty() {
            return Ok(());
        }
        let ids = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(", ");
        let sql = sqlx::AssertSqlSafe(format!(
            "UPDATE email_recipients SET status = 'pending', locked_until = NULL \
             WHERE id IN ({ids}) AND status = 'sending' AND locked_by = $1"
        ));
        on_db!(self, write, |pool| {
            sqlx::query(sql).bind(worker).execute(pool).await?;
        });
        Ok(())
    }

    /// At start-up: everything an earlier run of this instance held is claimable again at once
    /// (rather than when its leases run out). Returns how many rows were released.
    pub async fn release_leases_of(&self, worker_prefix: &str) -> Result<u64> {
        let pattern = format!("{}%", worker_prefix.replace('%', "\\%").replace('_', "\\_"));
        let (recipients, mail) = on_db!(self, write, |pool| {
            let recipients = sqlx::query(
                "UPDATE email_recipients SET status = 'pending', locked_until = NULL \
                 WHERE status = 'sending' AND locked_by LIKE $1 ESCAPE '\\'",
            )
            .bind(&pattern)
            .execute(pool)
            .await?;
            let mail = sqlx::query(
                "UPDATE outbox SET status = 'pending', locked_until = NULL \
                 WHERE status = 'sending' AND locked_by LIKE $1 ESCAPE '\\'",
            )
            .bind(&pattern)
            .execute(pool)
            .await?;
            (recipients.rows_affected(), mail.rows_affected())
        });
        Ok(recipients + mail)
    }

    /// Marks a send finished once no recipient is waiting or held. Returns whether it finished now.
    pub async fn finish_email_if_done(&self, id: &str) -> Result<bool> {
        let done = on_db!(self, write, |pool| {
            sqlx::query(
                "UPDATE emails SET status = 'sent', finished_at = $2 WHERE id = $1 AND status = 'sending' \
                 AND NOT EXISTS (SELECT 1 FROM email_recipients r WHERE r.email_id = $1 AND r.status IN ('pending', 'sending'))",
            )
            .bind(id)
            .bind(masthead_core::now())
            .execute(pool)
            .await?.rows_affected()
        });
        Ok(done > 0)
    }

    pub async fn fail_email(&self, id: &str, error: &str) -> Result<()> {
        on_db!(self, write, |pool| {
            sqlx::query("UPDATE emails SET status = 'failed', error = $2, finished_at = $3 WHERE id = $1")
                .bind(id)
                .bind(error)
                .bind(masthead_core::now())
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// Chooses (or clears) the newsletter a post goes to when it is published.
    pub async fn set_post_newsletter(
        &self,
        post: &ObjectId,
        newsletter: Option<&ObjectId>,
        segment: Option<&Segment>,
    ) -> Result<()> {
        on_db!(self, write, |pool| {
            sqlx::query("UPDATE posts SET newsletter_id = $2, email_segment = $3 WHERE id = $1")
                .bind(post.as_str())
                .bind(newsletter.map(ObjectId::as_str))
                .bind(segment.map(Segment::as_string))
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    // ---- the outbox --------------------------------------------------------------------------

    /// Queues a transactional message. Returns its id. A message with a one-time link keeps the
    /// link only if a transport will deliver it, and apart from the text anyone may read.
    pub async fn queue_mail(&self, mail: &OutgoingMail) -> Result<String> {
        let id = ObjectId::new();
        let now = masthead_core::now();
        let (text, secret, hash, expires) = match &mail.credential {
            Some(c) => (
                c.text_without_link.as_str(),
                mail.deliver.then_some(mail.text_body.as_str()),
                Some(c.token_hash.as_str()),
                Some(masthead_core::to_stored_time(c.expires_at)),
            ),
            None => (mail.text_body.as_str(), None, None, None),
        };
        on_db!(self, write, |pool| {
            sqlx::query(
                "INSERT INTO outbox (id, to_address, subject, text_body, html_body, status, next_attempt_at, created_at, \
                 secret_text_body, credential_hash, credential_expires_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8, $9, $10)",
            )
            .bind(id.as_str())
            .bind(&mail.to)
            .bind(&mail.subject)
            .bind(text)
            .bind(if mail.credential.is_some() { None } else { mail.html_body.as_deref() })
            .bind(if mail.deliver { "pending" } else { "kept" })
            .bind(now)
            .bind(secret)
            .bind(hash)
            .bind(expires)
            .execute(pool)
            .await?;
        });
        Ok(id.to_string())
    }

    /// Leases due outbox messages to `worker`, oldest first.
    pub async fn claim_mail(
        &self,
        worker: &str,
        now: OffsetDateTime,
        lease: Duration,
        limit: i64,
    ) -> Result<Vec<ClaimedMail>> {
        let now = masthead_core::to_stored_time(now);
        // A message with a one-time link goes out only while the link is kept and unexpired; it
        // is sent with the link (`secret_text_body`), never without.
        const PICK: &str = "SELECT id FROM outbox WHERE \
             ((status = 'pending' AND next_attempt_at <= $3) OR (status = 'sending' AND locked_until < $3)) \
             AND (credential_hash IS NULL OR (secret_text_body IS NOT NULL AND credential_expires_at > $3)) \
             ORDER BY next_attempt_at, id LIMIT $4";
        const RETURNING: &str = "RETURNING id, to_address, subject, COALESCE(secret_text_body, text_body) AS text_body, html_body, attempts";
        Ok(match self.pools() {
            crate::db::Pools::Sqlite { writer, .. } => {
                let sql = sqlx::AssertSqlSafe(format!(
                    "UPDATE outbox SET status = 'sending', locked_by = $1, locked_until = $2 WHERE id IN ({PICK}) {RETURNING}"
                ));
                sqlx::query_as(sql).bind(worker).bind(now + lease).bind(now).bind(limit).fetch_all(writer).await?
            }
            crate::db::Pools::Postgres(pool) => {
                let sql = sqlx::AssertSqlSafe(format!(
                    "UPDATE outbox SET status = 'sending', locked_by = $1, locked_until = $2 \
                     WHERE id IN ({PICK} FOR UPDATE SKIP LOCKED) {RETURNING}"
                ));
                sqlx::query_as(sql).bind(worker).bind(now + lease).bind(now).bind(limit).fetch_all(pool).await?
            }
        })
    }

    pub async fn mark_mail_sent(&self, id: &str, worker: &str) -> Result<()> {
        on_db!(self, write, |pool| {
            sqlx::query(
                "UPDATE outbox SET status = 'sent', sent_at = $2, locked_until = NULL, error = NULL, \
                 secret_text_body = NULL WHERE id = $1 AND status = 'sending' AND locked_by = $3",
            )
            .bind(id)
            .bind(masthead_core::now())
            .bind(worker)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// A delivery failure: retry at `retry_at`, or mark failed when there is none.
    pub async fn mark_mail_unsent(
        &self,
        id: &str,
        worker: &str,
        error: &str,
        retry_at: Option<OffsetDateTime>,
    ) -> Result<()> {
        on_db!(self, write, |pool| {
            sqlx::query(
                "UPDATE outbox SET status = $3, attempts = attempts + 1, error = $4, locked_until = NULL, \
                 next_attempt_at = COALESCE($5, next_attempt_at), \
                 secret_text_body = CASE WHEN $3 = 'failed' THEN NULL ELSE secret_text_body END \
                 WHERE id = $1 AND status = 'sending' AND locked_by = $2",
            )
            .bind(id)
            .bind(worker)
            .bind(if retry_at.is_some() { "pending" } else { "failed" })
            .bind(error)
            .bind(retry_at.map(masthead_core::to_stored_time))
            .execute(pool)
            .await?;
        });
        Ok(())
    }
}

impl DbReader {
    pub async fn email(&self, id: &str) -> Result<Option<EmailRecord>> {
        let sql = sqlx::AssertSqlSafe(format!("SELECT {EMAIL_COLUMNS} FROM emails WHERE id = $1"));
        Ok(on_db!(self, read, |pool| sqlx::query_as(sql).bind(id).fetch_optional(pool).await?))
    }

    pub async fn email_for_post(&self, post: &ObjectId) -> Result<Option<EmailRecord>> {
        let sql = sqlx::AssertSqlSafe(format!("SELECT {EMAIL_COLUMNS} FROM emails WHERE post_id = $1"));
        Ok(on_db!(self, read, |pool| sqlx::query_as(sql).bind(post.as_str()).fetch_optional(pool).await?))
    }

    /// Newest sends first.
    pub async fn emails(&self, limit: i64) -> Result<Vec<EmailRecord>> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {EMAIL_COLUMNS} FROM emails ORDER BY created_at DESC, id DESC LIMIT $1"
        ));
        Ok(on_db!(self, read, |pool| sqlx::query_as(sql).bind(limit).fetch_all(pool).await?))
    }

    /// Sends that failed, newest first.
    pub async fn failed_emails(&self, limit: i64) -> Result<Vec<EmailRecord>> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {EMAIL_COLUMNS} FROM emails WHERE status = 'failed' ORDER BY created_at DESC, id DESC LIMIT $1"
        ));
        Ok(on_db!(self, read, |pool| sqlx::query_as(sql).bind(limit).fetch_all(pool).await?))
    }

    /// Sends that still have work: waiting to start, or under way.
    pub async fn unfinished_emails(&self) -> Result<Vec<EmailRecord>> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {EMAIL_COLUMNS} FROM emails WHERE status IN ('pending', 'sending') ORDER BY created_at, id"
        ));
        Ok(on_db!(self, read, |pool| sqlx::query_as(sql).fetch_all(pool).await?))
    }

    pub async fn email_progress(&self, id: &str) -> Result<EmailProgress> {
        let rows: Vec<(String, i64)> = on_db!(self, read, |pool| {
            sqlx::query_as("SELECT status, COUNT(*) FROM email_recipients WHERE email_id = $1 GROUP BY status")
                .bind(id)
                .fetch_all(pool)
                .await?
        });
        let mut progress = EmailProgress::default();
        for (status, count) in rows {
            match status.as_str() {
                "pending" => progress.pending = count,
                "sending" => progress.sending = count,
                "sent" => progress.sent = count,
                "failed" => progress.failed = count,
                _ => progress.skipped += count,
            }
        }
        Ok(progress)
    }

    pub async fn failed_recipients(&self, id: &str, limit: i64) -> Result<Vec<FailedRecipient>> {
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as(
                "SELECT address, error, attempts FROM email_recipients WHERE email_id = $1 AND status = 'failed' \
                 ORDER BY id LIMIT $2",
            )
            .bind(id)
            .bind(limit)
            .fetch_all(pool)
            .await?
        }))
    }

    /// The newsletter and segment chosen for a post, if any.
    pub async fn post_newsletter(&self, post: &ObjectId) -> Result<Option<(ObjectId, Segment)>> {
        let row: Option<(Option<String>, Option<String>)> = on_db!(self, read, |pool| {
            sqlx::query_as("SELECT newsletter_id, email_segment FROM posts WHERE id = $1")
                .bind(post.as_str())
                .fetch_optional(pool)
                .await?
        });
        match row {
            Some((Some(newsletter), segment)) => Ok(Some((
                ObjectId::parse(&newsletter)?,
                segment.as_deref().and_then(Segment::parse).unwrap_or(Segment::All),
            ))),
            _ => Ok(None),
        }
    }
}

impl Db {
    /// Forgets the links of the messages that carry one of these tokens (used or revoked): the
    /// withheld text stays, and a message still waiting for the relay is given up.
    pub async fn scrub_credential_mail(&self, token_hashes: &[String], reason: &str) -> Result<u64> {
        let mut scrubbed = 0;
        for hash in token_hashes {
            scrubbed += on_db!(self, write, |pool| {
                sqlx::query(
                    "UPDATE outbox SET secret_text_body = NULL, \
                     status = CASE WHEN status = 'pending' THEN 'failed' ELSE status END, \
                     error = CASE WHEN status = 'pending' THEN $2 ELSE error END \
                     WHERE credential_hash = $1 AND (secret_text_body IS NOT NULL OR status = 'pending')",
                )
                .bind(hash)
                .bind(reason)
                .execute(pool)
                .await?
                .rows_affected()
            });
        }
        Ok(scrubbed)
    }

    /// Forgets the links of messages whose token has expired, giving up any still waiting.
    pub async fn scrub_expired_credential_mail(&self, now: OffsetDateTime) -> Result<u64> {
        Ok(on_db!(self, write, |pool| {
            sqlx::query(
                "UPDATE outbox SET secret_text_body = NULL, \
                 status = CASE WHEN status = 'pending' THEN 'failed' ELSE status END, \
                 error = CASE WHEN status = 'pending' THEN 'not sent: the link expired first' ELSE error END \
                 WHERE secret_text_body IS NOT NULL AND credential_expires_at <= $1",
            )
            .bind(masthead_core::to_stored_time(now))
            .execute(pool)
            .await?
            .rows_affected()
        }))
    }
}

impl EmailRecord {
    pub fn status(&self) -> EmailStatus {
        EmailStatus::parse(&self.status).unwrap_or(EmailStatus::Failed)
    }
}
