//! Members, their labels and newsletter choices, newsletters, the suppression list, the links
//! mailed to readers and member sessions.

use std::collections::HashMap;

use masthead_core::{Label, Member, MemberStatus, Newsletter, NewsletterStatus, ObjectId, Slug, SuppressionReason};
use time::OffsetDateTime;

use crate::pagination::Conditions;
use crate::{Db, DbReader, PageRequest, Paginated, Result, StorageError, on_db};

/// Finds or creates the label called `$name` inside the transaction `$tx`; evaluates to its id.
macro_rules! ensure_label {
    ($tx:ident, $name:expr) => {{
        let name: &str = $name;
        let slug =
            masthead_core::Slug::from_title(name).map(|s| s.as_str().to_owned()).unwrap_or_else(|| "label".into());
        sqlx::query("INSERT INTO labels (id, name, slug, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING")
            .bind(ObjectId::new().as_str())
            .bind(name)
            .bind(&slug)
            .bind(masthead_core::now())
            .execute(&mut *$tx)
            .await?;
        let id: String = sqlx::query_scalar("SELECT id FROM labels WHERE name = $1 OR slug = $2 LIMIT 1")
            .bind(name)
            .bind(&slug)
            .fetch_one(&mut *$tx)
            .await?;
        id
    }};
}
pub(crate) use ensure_label;

/// The `VALUES` list of a multi-row insert: `rows` tuples of `width` numbered parameters each,
/// written by `row` from the number of the parameters before its own.
fn values_sql(rows: usize, width: usize, row: impl Fn(usize) -> String) -> String {
    (0..rows).map(|r| row(r * width)).collect::<Vec<_>>().join(", ")
}

#[derive(sqlx::FromRow)]
struct MemberRow {
    id: String,
    uuid: String,
    email: String,
    name: Option<String>,
    note: Option<String>,
    status: String,
    consent_source: String,
    consent_at: OffsetDateTime,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
}

const MEMBER_COLUMNS: &str =
    "m.id, m.uuid, m.email, m.name, m.note, m.status, m.consent_source, m.consent_at, m.created_at, m.updated_at";

impl MemberRow {
    fn into_member(self, labels: Vec<Label>, newsletters: Vec<String>) -> Result<Member> {
        Ok(Member {
            id: ObjectId::parse(&self.id)?,
            status: MemberStatus::parse(&self.status)
                .ok_or_else(|| StorageError::Corrupt(format!("member status {:?}", self.status)))?,
            uuid: self.uuid,
            email: self.email,
            name: self.name,
            note: self.note,
            labels,
            newsletters,
            consent_source: self.consent_source,
            consent_at: self.consent_at,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

#[derive(sqlx::FromRow)]
struct NewsletterRow {
    id: String,
    uuid: String,
    name: String,
    slug: String,
    description: Option<String>,
    sender_name: Option<String>,
    sender_email: Option<String>,
    sender_reply_to: Option<String>,
    host_name: Option<String>,
    status: String,
    subscribe_on_signup: bool,
    sort_order: i32,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
}

impl TryFrom<NewsletterRow> for Newsletter {
    type Error = StorageError;
    fn try_from(r: NewsletterRow) -> Result<Self> {
        Ok(Newsletter {
            id: ObjectId::parse(&r.id)?,
            slug: Slug::parse(&r.slug)?,
            status: NewsletterStatus::parse(&r.status)
                .ok_or_else(|| StorageError::Corrupt(format!("newsletter status {:?}", r.status)))?,
            uuid: r.uuid,
            name: r.name,
            description: r.description,
            sender_name: r.sender_name,
            sender_email: r.sender_email,
            sender_reply_to: r.sender_reply_to,
            host_name: r.host_name,
            subscribe_on_signup: r.subscribe_on_signup,
            sort_order: r.sort_order,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

const NEWSLETTER_COLUMNS: &str = "id, uuid, name, slug, description, sender_name, sender_email, sender_reply_to, \
     host_name, status, subscribe_on_signup, sort_order, created_at, updated_at";

/// A new member, before it has an id.
#[derive(Clone, Debug)]
pub struct NewMember {
    pub email: String,
    pub name: Option<String>,
    pub note: Option<String>,
    pub status: MemberStatus,
    pub labels: Vec<String>,
    pub consent_source: String,
    pub consent_ip: Option<String>,
    pub created_at: OffsetDateTime,
}

/// Filters of the members list.
#[derive(Clone, Debug, Default)]
pub struct MemberFilter {
    /// Words in the name or email.
    pub search: Option<String>,
    pub status: Option<MemberStatus>,
    pub label: Option<String>,
    /// Members subscribed to the newsletter with this slug.
    pub newsletter: Option<String>,
}

/// An address that must not be mailed.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow, serde::Serialize)]
pub struct Suppression {
    pub email: String,
    pub reason: String,
    pub detail: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// A link mailed to a reader, as stored (the token itself is only in the email).
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct MemberToken {
    pub id: String,
    pub purpose: String,
    pub email: String,
    pub payload: String,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    pub first_used_at: Option<OffsetDateTime>,
    pub uses: i32,
}

impl Db {
    /// Inserts or updates (by id) a newsletter.
    pub async fn save_newsletter(&self, n: &Newsletter) -> Result<()> {
        on_db!(self, write, |pool| {
            sqlx::query(
                "INSERT INTO newsletters (id, uuid, name, slug, description, sender_name, sender_email, sender_reply_to, \
                 host_name, status, subscribe_on_signup, sort_order, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) \
                 ON CONFLICT (id) DO UPDATE SET name = excluded.name, slug = excluded.slug, \
                 description = excluded.description, sender_name = excluded.sender_name, \
                 sender_email = excluded.sender_email, sender_reply_to = excluded.sender_reply_to, \
                 host_name = excluded.host_name, status = excluded.status, \
                 subscribe_on_signup = excluded.subscribe_on_signup, sort_order = excluded.sort_order, \
                 updated_at = excluded.updated_at",
            )
            .bind(n.id.as_str())
            .bind(&n.uuid)
            .bind(&n.name)
            .bind(n.slug.as_str())
            .bind(&n.description)
            .bind(&n.sender_name)
            .bind(&n.sender_email)
            .bind(&n.sender_reply_to)
            .bind(&n.host_name)
            .bind(n.status.as_str())
            .bind(n.subscribe_on_signup)
            .bind(n.sort_order)
            .bind(masthead_core::to_stored_time(n.created_at))
            .bind(masthead_core::to_stored_time(n.updated_at))
            .execute(pool)
            .await
            .map_err(StorageError::on_unique("newsletter", n.slug.as_str()))?;
        });
        Ok(())
    }

    /// Creates a member with its labels and subscriptions in one transaction. An address that
    /// already exists is a [`StorageError::Conflict`].
    pub async fn insert_member(&self, new: &NewMember, newsletters: &[ObjectId]) -> Result<Member> {
        let id = ObjectId::new();
        let uuid = uuid::Uuid::new_v4().to_string();
        let at = masthead_core::to_stored_time(new.created_at);
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            sqlx::query(
                "INSERT INTO members (id, uuid, email, name, note, status, consent_source, consent_at, consent_ip, \
                 created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $8, $8)",
            )
            .bind(id.as_str())
            .bind(&uuid)
            .bind(&new.email)
            .bind(&new.name)
            .bind(&new.note)
            .bind(new.status.as_str())
            .bind(&new.consent_source)
            .bind(at)
            .bind(&new.consent_ip)
            .execute(&mut *tx)
            .await
            .map_err(StorageError::on_unique("member", &new.email))?;
            for (position, name) in (0_i64..).zip(&new.labels) {
                let label_id = ensure_label!(tx, name);
                sqlx::query(
                    "INSERT INTO members_labels (member_id, label_id, sort_order) VALUES ($1, $2, $3) \
                     ON CONFLICT DO NOTHING",
                )
                .bind(id.as_str())
                .bind(&label_id)
                .bind(position)
                .execute(&mut *tx)
                .await?;
            }
            for newsletter in newsletters {
                sqlx::query(
                    "INSERT INTO members_newsletters (member_id, newsletter_id, status, source, changed_at) \
                     VALUES ($1, $2, 'subscribed', $3, $4)",
                )
                .bind(id.as_str())
                .bind(newsletter.as_str())
                .bind(&new.consent_source)
                .bind(at)
                .execute(&mut *tx)
                .await?;
            }
            let detail = serde_json::json!({ "source": new.consent_source, "status": new.status.as_str() });
            crate::member_history::record_member_event!(tx, id.as_str(), "signed_up", &detail, new.created_at);
            tx.commit().await?;
        });
        self.member_by_id(&id).await?.ok_or_else(|| StorageError::Corrupt("member vanished after insert".into()))
    }

    /// Creates many members in one transaction, each with its labels, subscriptions and
    /// `signed_up` event as [`Db::insert_member`] creates one: a crash leaves all of them or
    /// none, never a member without its newsletters. Multi-row statements keep a batch of a few
    /// hundred members to a handful of round trips. An address that already exists is a
    /// [`StorageError::Conflict`], and then nothing of the batch is stored. Returns how many
    /// members were created.
    pub async fn insert_members(&self, members: &[(NewMember, Vec<ObjectId>)]) -> Result<u64> {
        /// Members per statement, well under SQLite's and PostgreSQL's limits on bound values.
        const ROWS: usize = 200;
        if members.is_empty() {
            return Ok(0);
        }
        let ids: Vec<ObjectId> = members.iter().map(|_| ObjectId::new()).collect();
        let mut label_names: Vec<&str> = Vec::new();
        for (new, _) in members {
            for name in &new.labels {
                if !label_names.contains(&name.as_str()) {
                    label_names.push(name);
                }
            }
        }
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let mut label_ids: HashMap<&str, String> = HashMap::new();
            for name in &label_names {
                let id = ensure_label!(tx, name);
                label_ids.insert(name, id);
            }
            for (ids, members) in ids.chunks(ROWS).zip(members.chunks(ROWS)) {
                // Per member: $8 (the consent time) is also its created_at and updated_at.
                let sql = sqlx::AssertSqlSafe(format!(
                    "INSERT INTO members (id, uuid, email, name, note, status, consent_source, consent_at, consent_ip, \
                     created_at, updated_at) VALUES {}",
                    values_sql(members.len(), 9, |b| format!(
                        "(${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${})",
                        b + 1,
                        b + 2,
                        b + 3,
                        b + 4,
                        b + 5,
                        b + 6,
                        b + 7,
                        b + 8,
                        b + 9,
                        b + 8,
                        b + 8
                    ))
                ));
                let mut query = sqlx::query(sql);
                for (id, (new, _)) in ids.iter().zip(members) {
                    query = query
                        .bind(id.as_str())
                        .bind(uuid::Uuid::new_v4().to_string())
                        .bind(&new.email)
                        .bind(&new.name)
                        .bind(&new.note)
                        .bind(new.status.as_str())
                        .bind(&new.consent_source)
                        .bind(masthead_core::to_stored_time(new.created_at))
                        .bind(&new.consent_ip);
                }
                let first = members.first().map_or("", |(new, _)| new.email.as_str());
                query.execute(&mut *tx).await.map_err(StorageError::on_unique("member", first))?;

                let labels: Vec<(&ObjectId, &String, i64)> = ids
                    .iter()
                    .zip(members)
                    .flat_map(|(id, (new, _))| {
                        let label_ids = &label_ids;
                        (0_i64..).zip(&new.labels).filter_map(move |(position, name)| {
                            label_ids.get(name.as_str()).map(|label| (id, label, position))
                        })
                    })
                    .collect();
                if !labels.is_empty() {
                    let sql = sqlx::AssertSqlSafe(format!(
                        "INSERT INTO members_labels (member_id, label_id, sort_order) VALUES {} ON CONFLICT DO NOTHING",
                        values_sql(labels.len(), 3, |b| format!("(${}, ${}, ${})", b + 1, b + 2, b + 3))
                    ));
                    let mut query = sqlx::query(sql);
                    for (id, label, position) in labels {
                        query = query.bind(id.as_str()).bind(label).bind(position);
                    }
                    query.execute(&mut *tx).await?;
                }

                let subscriptions: Vec<(&ObjectId, &ObjectId, &NewMember)> = ids
                    .iter()
                    .zip(members)
                    .flat_map(|(id, (new, newsletters))| newsletters.iter().map(move |n| (id, n, new)))
                    .collect();
                if !subscriptions.is_empty() {
                    let sql = sqlx::AssertSqlSafe(format!(
                        "INSERT INTO members_newsletters (member_id, newsletter_id, status, source, changed_at) VALUES {}",
                        values_sql(subscriptions.len(), 4, |b| format!(
                            "(${}, ${}, 'subscribed', ${}, ${})",
                            b + 1,
                            b + 2,
                            b + 3,
                            b + 4
                        ))
                    ));
                    let mut query = sqlx::query(sql);
                    for (id, newsletter, new) in subscriptions {
                        query = query
                            .bind(id.as_str())
                            .bind(newsletter.as_str())
                            .bind(&new.consent_source)
                            .bind(masthead_core::to_stored_time(new.created_at));
                    }
                    query.execute(&mut *tx).await?;
                }

                let sql = sqlx::AssertSqlSafe(format!(
                    "INSERT INTO member_events (id, member_id, kind, detail, created_at) VALUES {}",
                    values_sql(members.len(), 4, |b| format!(
                        "(${}, ${}, 'signed_up', ${}, ${})",
                        b + 1,
                        b + 2,
                        b + 3,
                        b + 4
                    ))
                ));
                let mut query = sqlx::query(sql);
                for (id, (new, _)) in ids.iter().zip(members) {
                    let detail = serde_json::json!({ "source": new.consent_source, "status": new.status.as_str() });
                    query = query
                        .bind(crate::member_history::event_id())
                        .bind(id.as_str())
                        .bind(detail.to_string())
                        .bind(masthead_core::to_stored_time(new.created_at));
                }
                query.execute(&mut *tx).await?;
            }
            tx.commit().await?;
        });
        Ok(members.len() as u64)
    }

    /// Updates the fields staff and members edit. Labels are replaced when given.
    pub async fn update_member(
        &self,
        id: &ObjectId,
        email: &str,
        name: Option<&str>,
        note: Option<&str>,
        status: MemberStatus,
        labels: Option<&[String]>,
    ) -> Result<()> {
        let now = masthead_core::now();
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            sqlx::query(
                "UPDATE members SET email = $2, name = $3, note = $4, status = $5, updated_at = $6 WHERE id = $1",
            )
            .bind(id.as_str())
            .bind(email)
            .bind(name)
            .bind(note)
            .bind(status.as_str())
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(StorageError::on_unique("member", email))?;
            if let Some(labels) = labels {
                sqlx::query("DELETE FROM members_labels WHERE member_id = $1")
                    .bind(id.as_str())
                    .execute(&mut *tx)
                    .await?;
                for (position, name) in (0_i64..).zip(labels) {
                    let label_id = ensure_label!(tx, name);
                    sqlx::query(
                        "INSERT INTO members_labels (member_id, label_id, sort_order) VALUES ($1, $2, $3) \
                         ON CONFLICT DO NOTHING",
                    )
                    .bind(id.as_str())
                    .bind(&label_id)
                    .bind(position)
                    .execute(&mut *tx)
                    .await?;
                }
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// Records a member's choice for each newsletter given: `true` subscribes, `false`
    /// unsubscribes (the row stays, so the choice is remembered).
    pub async fn set_subscriptions(&self, member: &ObjectId, choices: &[(ObjectId, bool)], source: &str) -> Result<()> {
        let now = masthead_core::now();
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            for (newsletter, subscribed) in choices {
                sqlx::query(
                    "INSERT INTO members_newsletters (member_id, newsletter_id, status, source, changed_at) \
                     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (member_id, newsletter_id) DO UPDATE SET \
                     status = excluded.status, source = excluded.source, changed_at = excluded.changed_at \
                     WHERE members_newsletters.status <> excluded.status",
                )
                .bind(member.as_str())
                .bind(newsletter.as_str())
                .bind(if *subscribed { "subscribed" } else { "unsubscribed" })
                .bind(source)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
            sqlx::query("UPDATE members SET updated_at = $2 WHERE id = $1")
                .bind(member.as_str())
                .bind(now)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        });
        Ok(())
    }

    pub async fn delete_member(&self, id: &ObjectId) -> Result<bool> {
        let done = on_db!(self, write, |pool| {
            sqlx::query("DELETE FROM members WHERE id = $1").bind(id.as_str()).execute(pool).await?.rows_affected()
        });
        Ok(done > 0)
    }

    // ---- suppression list --------------------------------------------------------------------

    /// Adds an address to the suppression list (keeping the first reason if it is there).
    pub async fn suppress(&self, email: &str, reason: SuppressionReason, detail: Option<&str>) -> Result<bool> {
        let done = on_db!(self, write, |pool| {
            sqlx::query(
                "INSERT INTO suppressions (email, reason, detail, created_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (email) DO NOTHING",
            )
            .bind(email)
            .bind(reason.as_str())
            .bind(detail)
            .bind(masthead_core::now())
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(done > 0)
    }

    pub async fn unsuppress(&self, email: &str) -> Result<bool> {
        let done = on_db!(self, write, |pool| {
            sqlx::query("DELETE FROM suppressions WHERE email = $1").bind(email).execute(pool).await?.rows_affected()
        });
        Ok(done > 0)
    }

    // ---- links mailed to readers -------------------------------------------------------------

    pub async fn create_member_token(&self, token: &MemberToken) -> Result<()> {
        on_db!(self, write, |pool| {
            sqlx::query(
                "INSERT INTO member_tokens (id, purpose, email, payload, created_at, expires_at, uses) \
                 VALUES ($1, $2, $3, $4, $5, $6, 0)",
            )
            .bind(&token.id)
            .bind(&token.purpose)
            .bind(&token.email)
            .bind(&token.payload)
            .bind(masthead_core::to_stored_time(token.created_at))
            .bind(masthead_core::to_stored_time(token.expires_at))
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// Uses a link: it must be unexpired, and once first used it stays usable for `reuse_window`
    /// and at most `max_uses` times (mail scanners open links before people do). Returns the
    /// token if this use counted.
    pub async fn use_member_token(
        &self,
        id: &str,
        purpose: &str,
        now: OffsetDateTime,
        reuse_window: time::Duration,
        max_uses: i32,
    ) -> Result<Option<MemberToken>> {
        let now = masthead_core::to_stored_time(now);
        Ok(on_db!(self, write, |pool| {
            sqlx::query_as(
                "UPDATE member_tokens SET uses = uses + 1, first_used_at = COALESCE(first_used_at, $3) \
                 WHERE id = $1 AND purpose = $2 AND expires_at > $3 AND uses < $5 \
                 AND (first_used_at IS NULL OR first_used_at > $4) \
                 RETURNING id, purpose, email, payload, created_at, expires_at, first_used_at, uses",
            )
            .bind(id)
            .bind(purpose)
            .bind(now)
            .bind(now - reuse_window)
            .bind(max_uses)
            .fetch_optional(pool)
            .await?
        }))
    }

    // ---- member sessions ---------------------------------------------------------------------

    pub async fn create_member_session(&self, id: &str, member: &ObjectId, expires_at: OffsetDateTime) -> Result<()> {
        on_db!(self, write, |pool| {
            sqlx::query("INSERT INTO member_sessions (id, member_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
                .bind(id)
                .bind(member.as_str())
                .bind(masthead_core::now())
                .bind(masthead_core::to_stored_time(expires_at))
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    pub async fn delete_member_session(&self, id: &str) -> Result<()> {
        on_db!(self, write, |pool| {
            sqlx::query("DELETE FROM member_sessions WHERE id = $1").bind(id).execute(pool).await?;
        });
        Ok(())
    }

    // ---- secrets -----------------------------------------------------------------------------

    /// A site secret kept in the settings table, created with `generate` the first time it is
    /// asked for. Every instance sees the same value.
    pub async fn secret(&self, key: &str, generate: impl FnOnce() -> String) -> Result<String> {
        let read = |stored: String| {
            serde_json::from_str(&stored).map_err(|e| StorageError::Corrupt(format!("secret {key}: {e}")))
        };
        let existing: Option<String> = on_db!(self, read, |pool| {
            sqlx::query_scalar("SELECT value FROM settings WHERE key = $1").bind(key).fetch_optional(pool).await?
        });
        if let Some(stored) = existing {
            return read(stored);
        }
        let value = serde_json::Value::String(generate()).to_string();
        on_db!(self, write, |pool| {
            sqlx::query(
                "INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3) ON CONFLICT (key) DO NOTHING",
            )
            .bind(key)
            .bind(&value)
            .bind(masthead_core::now())
            .execute(pool)
            .await?;
        });
        // Another instance may have written it first: everyone uses the stored value.
        let stored: String = on_db!(self, write, |pool| {
            sqlx::query_scalar("SELECT value FROM settings WHERE key = $1").bind(key).fetch_one(pool).await?
        });
        read(stored)
    }
}

impl DbReader {
    // ---- newsletters -------------------------------------------------------------------------

    /// Every newsletter in display order; archived ones only when asked.
    pub async fn newsletters(&self, include_archived: bool) -> Result<Vec<Newsletter>> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {NEWSLETTER_COLUMNS} FROM newsletters {} ORDER BY sort_order, created_at, id",
            if include_archived { "" } else { "WHERE status = 'active'" }
        ));
        let rows: Vec<NewsletterRow> = on_db!(self, read, |pool| sqlx::query_as(sql).fetch_all(pool).await?);
        rows.into_iter().map(Newsletter::try_from).collect()
    }

    pub async fn newsletter_by_slug(&self, slug: &str) -> Result<Option<Newsletter>> {
        let sql = sqlx::AssertSqlSafe(format!("SELECT {NEWSLETTER_COLUMNS} FROM newsletters WHERE slug = $1"));
        let row: Option<NewsletterRow> =
            on_db!(self, read, |pool| sqlx::query_as(sql).bind(slug).fetch_optional(pool).await?);
        row.map(Newsletter::try_from).transpose()
    }

    pub async fn newsletter_by_id(&self, id: &ObjectId) -> Result<Option<Newsletter>> {
        let sql = sqlx::AssertSqlSafe(format!("SELECT {NEWSLETTER_COLUMNS} FROM newsletters WHERE id = $1"));
        let row: Option<NewsletterRow> =
            on_db!(self, read, |pool| sqlx::query_as(sql).bind(id.as_str()).fetch_optional(pool).await?);
        row.map(Newsletter::try_from).transpose()
    }

    /// How many members receive each newsletter, by newsletter id.
    pub async fn newsletter_subscriber_counts(&self) -> Result<HashMap<String, i64>> {
        let rows: Vec<(String, i64)> = on_db!(self, read, |pool| {
            sqlx::query_as(
                "SELECT newsletter_id, COUNT(*) FROM members_newsletters WHERE status = 'subscribed' GROUP BY newsletter_id",
            )
            .fetch_all(pool)
            .await?
        });
        Ok(rows.into_iter().collect())
    }

    // ---- members -----------------------------------------------------------------------------

    async fn member_where(&self, condition: &str, value: &str) -> Result<Option<Member>> {
        let sql = sqlx::AssertSqlSafe(format!("SELECT {MEMBER_COLUMNS} FROM members m WHERE {condition} = $1"));
        let row: Option<MemberRow> =
            on_db!(self, read, |pool| sqlx::query_as(sql).bind(value).fetch_optional(pool).await?);
        match row {
            Some(row) => Ok(self.with_member_relations(vec![row]).await?.pop()),
            None => Ok(None),
        }
    }

    pub async fn member_by_email(&self, email: &str) -> Result<Option<Member>> {
        self.member_where("m.email", email).await
    }

    /// Which of these addresses are members.
    pub async fn member_emails_among(&self, emails: &[&str]) -> Result<std::collections::HashSet<String>> {
        self.emails_among("members", emails).await
    }

    /// Which of these addresses are on the suppression list.
    pub async fn suppressed_among(&self, emails: &[&str]) -> Result<std::collections::HashSet<String>> {
        self.emails_among("suppressions", emails).await
    }

    /// The addresses of `emails` found in the `email` column of `table` (a name from this file).
    async fn emails_among(&self, table: &'static str, emails: &[&str]) -> Result<std::collections::HashSet<String>> {
        let mut found = std::collections::HashSet::new();
        for chunk in emails.chunks(500) {
            let sql = sqlx::AssertSqlSafe(format!(
                "SELECT email FROM {table} WHERE email IN ({})",
                values_sql(chunk.len(), 1, |b| format!("${}", b + 1))
            ));
            let rows: Vec<(String,)> = on_db!(self, read, |pool| {
                let mut query = sqlx::query_as(sql);
                for email in chunk {
                    query = query.bind(*email);
                }
                query.fetch_all(pool).await?
            });
            found.extend(rows.into_iter().map(|(email,)| email));
        }
        Ok(found)
    }

    pub async fn member_by_uuid(&self, uuid: &str) -> Result<Option<Member>> {
        self.member_where("m.uuid", uuid).await
    }

    pub async fn member_by_id(&self, id: &ObjectId) -> Result<Option<Member>> {
        self.member_where("m.id", id.as_str()).await
    }

    async fn with_member_relations(&self, rows: Vec<MemberRow>) -> Result<Vec<Member>> {
        let mut members = Vec::with_capacity(rows.len());
        for row in rows {
            let labels: Vec<(String, String, String, OffsetDateTime)> = on_db!(self, read, |pool| {
                sqlx::query_as(
                    "SELECT l.id, l.name, l.slug, l.created_at FROM labels l JOIN members_labels ml ON ml.label_id = l.id \
                     WHERE ml.member_id = $1 ORDER BY ml.sort_order, l.name",
                )
                .bind(&row.id)
                .fetch_all(pool)
                .await?
            });
            let newsletters: Vec<(String,)> = on_db!(self, read, |pool| {
                sqlx::query_as(
                    "SELECT n.slug FROM newsletters n JOIN members_newsletters mn ON mn.newsletter_id = n.id \
                     WHERE mn.member_id = $1 AND mn.status = 'subscribed' ORDER BY n.sort_order, n.created_at",
                )
                .bind(&row.id)
                .fetch_all(pool)
                .await?
            });
            let labels = labels
                .into_iter()
                .map(|(id, name, slug, created_at)| Ok(Label { id: ObjectId::parse(&id)?, name, slug, created_at }))
                .collect::<Result<Vec<_>>>()?;
            members.push(row.into_member(labels, newsletters.into_iter().map(|(s,)| s).collect())?);
        }
        Ok(members)
    }

    /// Slugs of the newsletters this member left.
    pub async fn unsubscribed_newsletters(&self, member: &ObjectId) -> Result<Vec<String>> {
        let rows: Vec<(String,)> = on_db!(self, read, |pool| {
            sqlx::query_as(
                "SELECT n.slug FROM newsletters n JOIN members_newsletters mn ON mn.newsletter_id = n.id \
                 WHERE mn.member_id = $1 AND mn.status = 'unsubscribed'",
            )
            .bind(member.as_str())
            .fetch_all(pool)
            .await?
        });
        Ok(rows.into_iter().map(|(s,)| s).collect())
    }

    fn member_conditions(filter: &MemberFilter) -> (String, Vec<String>) {
        let mut conditions = Conditions::new("1 = 1");
        if let Some(text) = filter.search.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            conditions.push(
                "(m.email LIKE ? ESCAPE '\\' OR LOWER(COALESCE(m.name, '')) LIKE ? ESCAPE '\\')",
                Conditions::contains(text),
            );
        }
        if let Some(status) = filter.status {
            conditions.push("m.status = ?", status.as_str().to_owned());
        }
        if let Some(label) = &filter.label {
            conditions.push(
                "EXISTS (SELECT 1 FROM members_labels ml JOIN labels l ON l.id = ml.label_id \
                 WHERE ml.member_id = m.id AND l.slug = ?)",
                label.clone(),
            );
        }
        if let Some(newsletter) = &filter.newsletter {
            conditions.push(
                "EXISTS (SELECT 1 FROM members_newsletters mn JOIN newsletters n ON n.id = mn.newsletter_id \
                 WHERE mn.member_id = m.id AND mn.status = 'subscribed' AND n.slug = ?)",
                newsletter.clone(),
            );
        }
        (conditions.sql(), conditions.params)
    }

    /// Members newest first, filtered and paged.
    pub async fn members(&self, filter: &MemberFilter, page: PageRequest) -> Result<Paginated<Member>> {
        let (where_clause, params) = Self::member_conditions(filter);
        let count_sql = sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM members m WHERE {where_clause}"));
        let list_sql = sqlx::AssertSqlSafe(format!(
            "SELECT {MEMBER_COLUMNS} FROM members m WHERE {where_clause} ORDER BY m.created_at DESC, m.id DESC \
             LIMIT ${} OFFSET ${}",
            params.len() + 1,
            params.len() + 2
        ));
        let (total, rows): (i64, Vec<MemberRow>) = on_db!(self, read, |pool| {
            let mut count = sqlx::query_scalar(count_sql);
            let mut select = sqlx::query_as(list_sql);
            for value in &params {
                count = count.bind(value);
                select = select.bind(value);
            }
            let total = count.fetch_one(pool).await?;
            (total, select.bind(i64::from(page.limit)).bind(page.offset()).fetch_all(pool).await?)
        });
        Ok(Paginated::new(self.with_member_relations(rows).await?, page, total.max(0) as u64))
    }

    /// Every member matching the filter, with labels and subscriptions, for export. Loads the
    /// relations with one query each rather than one per member.
    pub async fn all_members(&self, filter: &MemberFilter) -> Result<Vec<Member>> {
        let (where_clause, params) = Self::member_conditions(filter);
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {MEMBER_COLUMNS} FROM members m WHERE {where_clause} ORDER BY m.created_at, m.id"
        ));
        let rows: Vec<MemberRow> = on_db!(self, read, |pool| {
            let mut select = sqlx::query_as(sql);
            for value in &params {
                select = select.bind(value);
            }
            select.fetch_all(pool).await?
        });
        let label_rows: Vec<(String, String, String, String, OffsetDateTime)> = on_db!(self, read, |pool| {
            sqlx::query_as(
                "SELECT ml.member_id, l.id, l.name, l.slug, l.created_at FROM members_labels ml \
                 JOIN labels l ON l.id = ml.label_id ORDER BY ml.sort_order, l.name",
            )
            .fetch_all(pool)
            .await?
        });
        let newsletter_rows: Vec<(String, String)> = on_db!(self, read, |pool| {
            sqlx::query_as(
                "SELECT mn.member_id, n.slug FROM members_newsletters mn JOIN newsletters n ON n.id = mn.newsletter_id \
                 WHERE mn.status = 'subscribed' ORDER BY n.sort_order, n.created_at",
            )
            .fetch_all(pool)
            .await?
        });
        let mut labels: HashMap<String, Vec<Label>> = HashMap::new();
        for (member, id, name, slug, created_at) in label_rows {
            labels.entry(member).or_default().push(Label { id: ObjectId::parse(&id)?, name, slug, created_at });
        }
        let mut newsletters: HashMap<String, Vec<String>> = HashMap::new();
        for (member, slug) in newsletter_rows {
            newsletters.entry(member).or_default().push(slug);
        }
        rows.into_iter()
            .map(|row| {
                let l = labels.remove(&row.id).unwrap_or_default();
                let n = newsletters.remove(&row.id).unwrap_or_default();
                row.into_member(l, n)
            })
            .collect()
    }

    /// How many members joined at `since` or later.
    pub async fn members_joined_since(&self, since: OffsetDateTime) -> Result<i64> {
        Ok(on_db!(self, read, |pool| {
            sqlx::query_scalar("SELECT COUNT(*) FROM members WHERE created_at >= $1")
                .bind(masthead_core::to_stored_time(since))
                .fetch_one(pool)
                .await?
        }))
    }

    pub async fn member_count(&self) -> Result<i64> {
        Ok(on_db!(self, read, |pool| sqlx::query_scalar("SELECT COUNT(*) FROM members").fetch_one(pool).await?))
    }

    /// For every newsletter, by id: the posts sent with it and the members subscribed to it.
    pub async fn newsletter_counts(&self) -> Result<HashMap<String, (i64, i64)>> {
        let rows: Vec<(String, i64, i64)> = on_db!(self, read, |pool| {
            sqlx::query_as(
                "SELECT n.id, \
                 (SELECT COUNT(*) FROM posts p WHERE p.newsletter_id = n.id), \
                 (SELECT COUNT(*) FROM members_newsletters mn WHERE mn.newsletter_id = n.id \
                  AND mn.status = 'subscribed') \
                 FROM newsletters n",
            )
            .fetch_all(pool)
            .await?
        });
        Ok(rows.into_iter().map(|(id, posts, members)| (id, (posts, members))).collect())
    }

    pub async fn labels(&self) -> Result<Vec<Label>> {
        let rows: Vec<(String, String, String, OffsetDateTime)> = on_db!(self, read, |pool| {
            sqlx::query_as("SELECT id, name, slug, created_at FROM labels ORDER BY name").fetch_all(pool).await?
        });
        rows.into_iter()
            .map(|(id, name, slug, created_at)| Ok(Label { id: ObjectId::parse(&id)?, name, slug, created_at }))
            .collect()
    }

    pub async fn suppression(&self, email: &str) -> Result<Option<Suppression>> {
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as("SELECT email, reason, detail, created_at FROM suppressions WHERE email = $1")
                .bind(email)
                .fetch_optional(pool)
                .await?
        }))
    }

    pub async fn suppressions(&self) -> Result<Vec<Suppression>> {
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as("SELECT email, reason, detail, created_at FROM suppressions ORDER BY created_at DESC, email")
                .fetch_all(pool)
                .await?
        }))
    }

    /// Looks at a link without using it (for the page that asks the reader to press a button).
    pub async fn member_token(&self, id: &str, purpose: &str) -> Result<Option<MemberToken>> {
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as(
                "SELECT id, purpose, email, payload, created_at, expires_at, first_used_at, uses FROM member_tokens \
                 WHERE id = $1 AND purpose = $2",
            )
            .bind(id)
            .bind(purpose)
            .fetch_optional(pool)
            .await?
        }))
    }

    /// How many links were mailed to this address since `since` (a cap per address per day).
    pub async fn member_tokens_sent_since(&self, email: &str, since: OffsetDateTime) -> Result<i64> {
        Ok(on_db!(self, read, |pool| {
            sqlx::query_scalar("SELECT COUNT(*) FROM member_tokens WHERE email = $1 AND created_at > $2")
                .bind(email)
                .bind(masthead_core::to_stored_time(since))
                .fetch_one(pool)
                .await?
        }))
    }

    /// Links of one purpose (`signup`, `signin`, `email_change`) mailed to `email` since `since`.
    pub async fn member_tokens_of_purpose_sent_since(
        &self,
        email: &str,
        purpose: &str,
        since: OffsetDateTime,
    ) -> Result<i64> {
        Ok(on_db!(self, read, |pool| {
            sqlx::query_scalar(
                "SELECT COUNT(*) FROM member_tokens WHERE email = $1 AND purpose = $2 AND created_at > $3",
            )
            .bind(email)
            .bind(purpose)
            .bind(masthead_core::to_stored_time(since))
            .fetch_one(pool)
            .await?
        }))
    }

    pub async fn member_for_session(&self, id: &str, now: OffsetDateTime) -> Result<Option<Member>> {
        let member: Option<(String,)> = on_db!(self, read, |pool| {
            sqlx::query_as("SELECT member_id FROM member_sessions WHERE id = $1 AND expires_at > $2")
                .bind(id)
                .bind(masthead_core::to_stored_time(now))
                .fetch_optional(pool)
                .await?
        });
        match member {
            Some((id,)) => self.member_by_id(&ObjectId::parse(&id)?).await,
            None => Ok(None),
        }
    }

    /// The status of the member a live session belongs to: what every page view with a member
    /// cookie needs to know (the access level it is served at), in one indexed read.
    pub async fn member_status_for_session(&self, id: &str, now: OffsetDateTime) -> Result<Option<MemberStatus>> {
        let status: Option<String> = on_db!(self, read, |pool| {
            sqlx::query_scalar(
                "SELECT m.status FROM member_sessions s JOIN members m ON m.id = s.member_id \
                 WHERE s.id = $1 AND s.expires_at > $2",
            )
            .bind(id)
            .bind(masthead_core::to_stored_time(now))
            .fetch_optional(pool)
            .await?
        });
        status
            .map(|s| MemberStatus::parse(&s).ok_or_else(|| StorageError::Corrupt(format!("member status {s:?}"))))
            .transpose()
    }
}
