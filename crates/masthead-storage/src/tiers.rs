//! Tiers (Ghost's `products`) with their benefits, and the tiers each member is on.

use masthead_core::{Currency, ObjectId, Slug, Tier, TierType, TierVisibility};
use time::OffsetDateTime;

use crate::{Db, DbReader, Result, StorageError, on_db};

#[derive(sqlx::FromRow)]
struct TierRow {
    id: String,
    name: String,
    slug: String,
    description: Option<String>,
    #[sqlx(rename = "type")]
    tier_type: String,
    active: bool,
    visibility: String,
    welcome_page_url: Option<String>,
    monthly_price: Option<i64>,
    yearly_price: Option<i64>,
    currency: Option<String>,
    trial_days: i64,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
}

impl TierRow {
    fn into_tier(self, benefits: Vec<String>) -> Result<Tier> {
        Ok(Tier {
            id: ObjectId::parse(&self.id)?,
            slug: Slug::parse(&self.slug)?,
            tier_type: TierType::parse(&self.tier_type)
                .ok_or_else(|| StorageError::Corrupt(format!("tier type {:?}", self.tier_type)))?,
            visibility: TierVisibility::parse(&self.visibility)
                .ok_or_else(|| StorageError::Corrupt(format!("tier visibility {:?}", self.visibility)))?,
            currency: self.currency.as_deref().and_then(Currency::parse),
            name: self.name,
            description: self.description,
            active: self.active,
            welcome_page_url: self.welcome_page_url,
            monthly_price: self.monthly_price,
            yearly_price: self.yearly_price,
            trial_days: self.trial_days,
            benefits,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

const TIER_COLUMNS: &str = "id, name, slug, description, type, active, visibility, welcome_page_url, monthly_price, \
     yearly_price, currency, trial_days, created_at, updated_at";

/// Free first, then paid tiers from the cheapest, as Ghost lists them.
const TIER_ORDER: &str = "ORDER BY CASE WHEN type = 'free' THEN 0 ELSE 1 END, COALESCE(monthly_price, 0), name";

impl DbReader {
    /// Every tier, archived ones included, free first.
    pub async fn tiers(&self) -> Result<Vec<Tier>> {
        let (rows, benefits): (Vec<TierRow>, Vec<(String, String)>) = on_db!(self, read, |pool| {
            let rows = sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {TIER_COLUMNS} FROM tiers {TIER_ORDER}")))
                .fetch_all(pool)
                .await?;
            let benefits = sqlx::query_as(
                "SELECT tb.tier_id, b.name FROM tiers_benefits tb JOIN benefits b ON b.id = tb.benefit_id \
                 ORDER BY tb.tier_id, tb.sort_order, b.name",
            )
            .fetch_all(pool)
            .await?;
            (rows, benefits)
        });
        rows.into_iter()
            .map(|row| {
                let mine = benefits.iter().filter(|(tier, _)| *tier == row.id).map(|(_, name)| name.clone()).collect();
                row.into_tier(mine)
            })
            .collect()
    }

    pub async fn tier(&self, id: &str) -> Result<Option<Tier>> {
        Ok(self.tiers().await?.into_iter().find(|t| t.id.as_str() == id))
    }

    pub async fn tier_by_slug(&self, slug: &str) -> Result<Option<Tier>> {
        Ok(self.tiers().await?.into_iter().find(|t| t.slug.as_str() == slug))
    }

    /// The free tier, once it has been made.
    pub async fn free_tier(&self) -> Result<Option<Tier>> {
        Ok(self.tiers().await?.into_iter().find(|t| t.tier_type == TierType::Free))
    }

    /// The ids of the tiers a member is on.
    pub async fn member_tier_ids(&self, member_id: &str) -> Result<Vec<String>> {
        Ok(on_db!(self, read, |pool| {
            sqlx::query_scalar("SELECT tier_id FROM members_tiers WHERE member_id = $1 ORDER BY tier_id")
                .bind(member_id)
                .fetch_all(pool)
                .await?
        }))
    }

    /// The tiers a member reads posts limited to tiers by: the tiers they are on, and the free
    /// tier for a free member (free members have no tier rows, as in Ghost).
    pub async fn tiers_member_reads(&self, member: &masthead_core::Member) -> Result<Vec<ObjectId>> {
        let mut tiers = Vec::new();
        for id in self.member_tier_ids(member.id.as_str()).await? {
            tiers.push(ObjectId::parse(&id)?);
        }
        if member.status == masthead_core::MemberStatus::Free
            && let Some(free) = self.free_tier().await?
        {
            tiers.push(free.id);
        }
        Ok(tiers)
    }

    /// Every member's tiers, as (member email, tier slug) pairs: what an export carries.
    pub async fn members_tiers_by_email(&self) -> Result<Vec<(String, String)>> {
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as(
                "SELECT m.email, t.slug FROM members_tiers mt JOIN members m ON m.id = mt.member_id \
                 JOIN tiers t ON t.id = mt.tier_id ORDER BY m.email, t.slug",
            )
            .fetch_all(pool)
            .await?
        }))
    }
}

impl Db {
    /// Stores a tier, new or edited (by id), with its benefits in order.
    pub async fn save_tier(&self, tier: &Tier) -> Result<()> {
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            sqlx::query(
                "INSERT INTO tiers (id, name, slug, description, type, active, visibility, welcome_page_url, \
                 monthly_price, yearly_price, currency, trial_days, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) \
                 ON CONFLICT (id) DO UPDATE SET name = excluded.name, slug = excluded.slug, \
                 description = excluded.description, active = excluded.active, visibility = excluded.visibility, \
                 welcome_page_url = excluded.welcome_page_url, monthly_price = excluded.monthly_price, \
                 yearly_price = excluded.yearly_price, currency = excluded.currency, \
                 trial_days = excluded.trial_days, updated_at = excluded.updated_at",
            )
            .bind(tier.id.as_str())
            .bind(&tier.name)
            .bind(tier.slug.as_str())
            .bind(&tier.description)
            .bind(tier.tier_type.as_str())
            .bind(tier.active)
            .bind(tier.visibility.as_str())
            .bind(&tier.welcome_page_url)
            .bind(tier.monthly_price)
            .bind(tier.yearly_price)
            .bind(tier.currency.as_ref().map(Currency::as_str))
            .bind(tier.trial_days)
            .bind(masthead_core::to_stored_time(tier.created_at))
            .bind(masthead_core::to_stored_time(tier.updated_at))
            .execute(&mut *tx)
            .await
            .map_err(StorageError::on_unique("tier", tier.slug.as_str()))?;
            sqlx::query("DELETE FROM tiers_benefits WHERE tier_id = $1")
                .bind(tier.id.as_str())
                .execute(&mut *tx)
                .await?;
            for (order, name) in tier.benefits.iter().enumerate() {
                let slug = Slug::from_title(name).map_or_else(|| "benefit".to_owned(), |s| s.as_str().to_owned());
                sqlx::query(
                    "INSERT INTO benefits (id, name, slug, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                )
                .bind(ObjectId::new().as_str())
                .bind(name)
                .bind(&slug)
                .bind(masthead_core::now())
                .execute(&mut *tx)
                .await?;
                let benefit: String = sqlx::query_scalar("SELECT id FROM benefits WHERE slug = $1")
                    .bind(&slug)
                    .fetch_one(&mut *tx)
                    .await?;
                sqlx::query(
                    "INSERT INTO tiers_benefits (tier_id, benefit_id, sort_order) VALUES ($1, $2, $3) \
                     ON CONFLICT DO NOTHING",
                )
                .bind(tier.id.as_str())
                .bind(&benefit)
                .bind(order as i64)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// Puts a member on exactly these tiers (an import, or staff choosing).
    pub async fn set_member_tiers(&self, member_id: &str, tier_ids: &[String]) -> Result<()> {
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            sqlx::query("DELETE FROM members_tiers WHERE member_id = $1").bind(member_id).execute(&mut *tx).await?;
            for tier in tier_ids {
                sqlx::query("INSERT INTO members_tiers (member_id, tier_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                    .bind(member_id)
                    .bind(tier)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }
}
