//! Membership goal campaigns and their kept counts.
//!
//! Pages never count members: they read `campaigns.current`, which [`Db::recount_campaigns`]
//! keeps. A recount writes only the rows whose number changed, and runs no `UPDATE` at all when
//! nothing did: on PostgreSQL every statement on `campaigns` is announced to every instance
//! (a statement-level trigger fires even for an `UPDATE` that matches no row), and a recount
//! that changed nothing must not make every instance drop its pages.

use masthead_core::{Campaign, CampaignMetric, ObjectId, WhenReached};
use time::OffsetDateTime;

use crate::{Db, DbReader, Result, StorageError, on_db};

/// What staff write about a campaign: everything but its id, count and times kept.
#[derive(Clone, Debug, PartialEq)]
pub struct CampaignContent {
    pub name: String,
    pub metric: CampaignMetric,
    pub counts_since: Option<OffsetDateTime>,
    pub currency: Option<String>,
    pub target: i64,
    pub starts_at: OffsetDateTime,
    pub ends_at: Option<OffsetDateTime>,
    pub headline: String,
    pub body: String,
    pub button_label: String,
    pub button_url: String,
    pub show_strip: bool,
    pub show_in_article: bool,
    pub active: bool,
    pub when_reached: WhenReached,
    pub thank_you: String,
}

#[derive(sqlx::FromRow)]
struct CampaignRow {
    id: String,
    name: String,
    metric: String,
    counts_since: Option<OffsetDateTime>,
    currency: Option<String>,
    target: i64,
    starts_at: OffsetDateTime,
    ends_at: Option<OffsetDateTime>,
    headline: String,
    body: String,
    button_label: String,
    button_url: String,
    show_strip: bool,
    show_in_article: bool,
    active: bool,
    when_reached: String,
    thank_you: String,
    current: i64,
    counted_at: Option<OffsetDateTime>,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
}

impl TryFrom<CampaignRow> for Campaign {
    type Error = StorageError;

    fn try_from(row: CampaignRow) -> Result<Self> {
        Ok(Campaign {
            metric: CampaignMetric::parse(&row.metric)
                .ok_or_else(|| StorageError::Corrupt(format!("campaign metric {:?}", row.metric)))?,
            when_reached: WhenReached::parse(&row.when_reached)
                .ok_or_else(|| StorageError::Corrupt(format!("campaign when_reached {:?}", row.when_reached)))?,
            id: row.id,
            name: row.name,
            counts_since: row.counts_since,
            currency: row.currency,
            target: row.target,
            starts_at: row.starts_at,
            ends_at: row.ends_at,
            headline: row.headline,
            body: row.body,
            button_label: row.button_label,
            button_url: row.button_url,
            show_strip: row.show_strip,
            show_in_article: row.show_in_article,
            active: row.active,
            thank_you: row.thank_you,
            current: row.current,
            counted_at: row.counted_at,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

const SELECT_CAMPAIGNS: &str = "SELECT id, name, metric, counts_since, currency, target, starts_at, ends_at, headline, \
     body, button_label, button_url, show_strip, show_in_article, active, when_reached, thank_you, current, counted_at, \
     created_at, updated_at FROM campaigns";

/// Each running or coming campaign with its stored count and its count now. One statement, so
/// every metric is read from the same snapshot.
const COUNT_CAMPAIGNS: &str = "SELECT c.id, c.current, CASE c.metric \
     WHEN 'members' THEN (SELECT COUNT(*) FROM members) \
     WHEN 'paid_members' THEN (SELECT COUNT(*) FROM members WHERE status IN ('paid', 'comped')) \
     WHEN 'new_members' THEN (SELECT COUNT(*) FROM members m WHERE m.created_at >= c.counts_since) \
     WHEN 'amount' THEN (SELECT CAST(COALESCE(SUM(d.amount - d.refunded_amount), 0) AS BIGINT) FROM donations d \
         WHERE UPPER(d.currency) = UPPER(c.currency) AND d.created_at >= c.starts_at) \
     ELSE c.current END AS counted \
     FROM campaigns c WHERE c.active = TRUE AND (c.ends_at IS NULL OR c.ends_at > $1)";

fn stored(t: Option<OffsetDateTime>) -> Option<OffsetDateTime> {
    t.map(masthead_core::to_stored_time)
}

impl Db {
    /// Stores a new campaign with a count of 0 (the next recount fills it in).
    pub async fn insert_campaign(&self, id: &ObjectId, content: &CampaignContent) -> Result<()> {
        let now = masthead_core::now();
        on_db!(self, write, |pool| {
            sqlx::query(
                "INSERT INTO campaigns (id, name, metric, counts_since, currency, target, starts_at, ends_at, \
                 headline, body, button_label, button_url, show_strip, show_in_article, active, when_reached, \
                 thank_you, current, counted_at, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, 0, NULL, $18, $18)",
            )
            .bind(id.as_str())
            .bind(&content.name)
            .bind(content.metric.as_str())
            .bind(stored(content.counts_since))
            .bind(&content.currency)
            .bind(content.target)
            .bind(masthead_core::to_stored_time(content.starts_at))
            .bind(stored(content.ends_at))
            .bind(&content.headline)
            .bind(&content.body)
            .bind(&content.button_label)
            .bind(&content.button_url)
            .bind(content.show_strip)
            .bind(content.show_in_article)
            .bind(content.active)
            .bind(content.when_reached.as_str())
            .bind(&content.thank_you)
            .bind(now)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// Replaces what staff wrote; the kept count stays. `false` when there is no such campaign.
    pub async fn update_campaign(&self, id: &ObjectId, content: &CampaignContent) -> Result<bool> {
        let now = masthead_core::now();
        let updated = on_db!(self, write, |pool| {
            sqlx::query(
                "UPDATE campaigns SET name = $2, metric = $3, counts_since = $4, currency = $5, target = $6, \
                 starts_at = $7, ends_at = $8, headline = $9, body = $10, button_label = $11, button_url = $12, \
                 show_strip = $13, show_in_article = $14, active = $15, when_reached = $16, thank_you = $17, \
                 updated_at = $18 WHERE id = $1",
            )
            .bind(id.as_str())
            .bind(&content.name)
            .bind(content.metric.as_str())
            .bind(stored(content.counts_since))
            .bind(&content.currency)
            .bind(content.target)
            .bind(masthead_core::to_stored_time(content.starts_at))
            .bind(stored(content.ends_at))
            .bind(&content.headline)
            .bind(&content.body)
            .bind(&content.button_label)
            .bind(&content.button_url)
            .bind(content.show_strip)
            .bind(content.show_in_article)
            .bind(content.active)
            .bind(content.when_reached.as_str())
            .bind(&content.thank_you)
            .bind(now)
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(updated == 1)
    }

    /// `false` when there was no such campaign.
    pub async fn delete_campaign(&self, id: &ObjectId) -> Result<bool> {
        let deleted = on_db!(self, write, |pool| {
            sqlx::query("DELETE FROM campaigns WHERE id = $1").bind(id.as_str()).execute(pool).await?.rows_affected()
        });
        Ok(deleted == 1)
    }

    /// Counts every campaign that is switched on and not over (one not started yet included,
    /// so it opens with its number right) and stores the counts that changed. Returns whether
    /// any did.
    pub async fn recount_campaigns(&self, now: OffsetDateTime) -> Result<bool> {
        let now = masthead_core::to_stored_time(now);
        let counts: Vec<(String, i64, i64)> =
            on_db!(self, read, |pool| { sqlx::query_as(COUNT_CAMPAIGNS).bind(now).fetch_all(pool).await? });
        let mut changed = false;
        for (id, current, counted) in counts.into_iter().filter(|(_, current, counted)| current != counted) {
            // `current = $4`: a recount racing this one (another instance) that already stored
            // a newer number is not overwritten with this one.
            let updated = on_db!(self, write, |pool| {
                sqlx::query("UPDATE campaigns SET current = $2, counted_at = $3 WHERE id = $1 AND current = $4")
                    .bind(&id)
                    .bind(counted)
                    .bind(now)
                    .bind(current)
                    .execute(pool)
                    .await?
                    .rows_affected()
            });
            changed |= updated == 1;
        }
        Ok(changed)
    }
}

impl DbReader {
    /// Every campaign, newest first (the newsroom's list).
    pub async fn campaigns(&self) -> Result<Vec<Campaign>> {
        let sql = sqlx::AssertSqlSafe(format!("{SELECT_CAMPAIGNS} ORDER BY created_at DESC, id DESC"));
        let rows: Vec<CampaignRow> = on_db!(self, read, |pool| sqlx::query_as(sql).fetch_all(pool).await?);
        rows.into_iter().map(Campaign::try_from).collect()
    }

    pub async fn campaign(&self, id: &ObjectId) -> Result<Option<Campaign>> {
        let sql = sqlx::AssertSqlSafe(format!("{SELECT_CAMPAIGNS} WHERE id = $1"));
        let row: Option<CampaignRow> =
            on_db!(self, read, |pool| sqlx::query_as(sql).bind(id.as_str()).fetch_optional(pool).await?);
        row.map(Campaign::try_from).transpose()
    }

    /// The campaigns running at `now` (switched on, started, not ended), the one that started
    /// last first: what readers may be shown. Whether a reached one still shows is the
    /// campaign's own choice ([`Campaign::is_shown`]).
    pub async fn running_campaigns(&self, now: OffsetDateTime) -> Result<Vec<Campaign>> {
        let sql = sqlx::AssertSqlSafe(format!(
            "{SELECT_CAMPAIGNS} WHERE active = TRUE AND starts_at <= $1 AND (ends_at IS NULL OR ends_at > $1) \
             ORDER BY starts_at DESC, id DESC"
        ));
        let now = masthead_core::to_stored_time(now);
        let rows: Vec<CampaignRow> = on_db!(self, read, |pool| sqlx::query_as(sql).bind(now).fetch_all(pool).await?);
        rows.into_iter().map(Campaign::try_from).collect()
    }
}
