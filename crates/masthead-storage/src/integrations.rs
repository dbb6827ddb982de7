//! Integrations, their API keys and their webhooks.

use time::OffsetDateTime;

use crate::{Db, DbReader, Result, StorageError, on_db};

#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct IntegrationRecord {
    pub id: String,
    pub name: String,
    pub slug: String,
    pub description: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// A key as stored. `kind` is `content` or `admin`.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct ApiKeyRecord {
    pub id: String,
    pub integration_id: String,
    #[sqlx(rename = "type")]
    pub kind: String,
    pub secret: String,
    pub last_seen_at: Option<OffsetDateTime>,
    pub created_at: OffsetDateTime,
}

#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct WebhookRecord {
    pub id: String,
    pub integration_id: String,
    pub event: String,
    pub target_url: String,
    pub name: Option<String>,
    pub secret: Option<String>,
    pub api_version: String,
    pub last_triggered_at: Option<OffsetDateTime>,
    pub last_triggered_status: Option<String>,
    pub last_triggered_error: Option<String>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

const INTEGRATION_COLUMNS: &str = "id, name, slug, description, created_at, updated_at";
const KEY_COLUMNS: &str = "id, integration_id, type, secret, last_seen_at, created_at";
const WEBHOOK_COLUMNS: &str = "id, integration_id, event, target_url, name, secret, api_version, \
     last_triggered_at, last_triggered_status, last_triggered_error, created_at, updated_at";

impl Db {
    /// Creates an integration with its keys in one transaction.
    pub async fn insert_integration(&self, integration: &IntegrationRecord, keys: &[ApiKeyRecord]) -> Result<()> {
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            sqlx::query(
                "INSERT INTO integrations (id, name, slug, description, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(&integration.id)
            .bind(&integration.name)
            .bind(&integration.slug)
            .bind(&integration.description)
            .bind(masthead_core::to_stored_time(integration.created_at))
            .bind(masthead_core::to_stored_time(integration.updated_at))
            .execute(&mut *tx)
            .await
            .map_err(StorageError::on_unique("integration", &integration.slug))?;
            for key in keys {
                sqlx::query(
                    "INSERT INTO api_keys (id, integration_id, type, secret, last_seen_at, created_at) \
                     VALUES ($1, $2, $3, $4, NULL, $5)",
                )
                .bind(&key.id)
                .bind(&key.integration_id)
                .bind(&key.kind)
                .bind(&key.secret)
                .bind(masthead_core::to_stored_time(key.created_at))
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    pub async fn rename_integration(
        &self,
        id: &str,
        name: &str,
        description: Option<&str>,
        now: OffsetDateTime,
    ) -> Result<bool> {
        let done = on_db!(self, write, |pool| {
            sqlx::query("UPDATE integrations SET name = $2, description = $3, updated_at = $4 WHERE id = $1")
                .bind(id)
                .bind(name)
                .bind(description)
                .bind(masthead_core::to_stored_time(now))
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(done == 1)
    }

    /// Deletes an integration; its keys and webhooks go with it.
    pub async fn delete_integration(&self, id: &str) -> Result<bool> {
        let done = on_db!(self, write, |pool| {
            sqlx::query("DELETE FROM integrations WHERE id = $1").bind(id).execute(pool).await?.rows_affected()
        });
        Ok(done == 1)
    }

    /// Replaces the integration's key of `key.kind`: the old key stops working at once.
    pub async fn replace_api_key(&self, key: &ApiKeyRecord) -> Result<()> {
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            sqlx::query("DELETE FROM api_keys WHERE integration_id = $1 AND type = $2")
                .bind(&key.integration_id)
                .bind(&key.kind)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO api_keys (id, integration_id, type, secret, last_seen_at, created_at) \
                 VALUES ($1, $2, $3, $4, NULL, $5)",
            )
            .bind(&key.id)
            .bind(&key.integration_id)
            .bind(&key.kind)
            .bind(&key.secret)
            .bind(masthead_core::to_stored_time(key.created_at))
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// Notes that a key was used, at most once a minute per key to spare the writer.
    pub async fn touch_api_key(&self, id: &str, now: OffsetDateTime) -> Result<()> {
        let now = masthead_core::to_stored_time(now);
        on_db!(self, write, |pool| {
            sqlx::query(
                "UPDATE api_keys SET last_seen_at = $2 WHERE id = $1 AND (last_seen_at IS NULL OR last_seen_at < $3)",
            )
            .bind(id)
            .bind(now)
            .bind(now - time::Duration::minutes(1))
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    pub async fn insert_webhook(&self, webhook: &WebhookRecord) -> Result<()> {
        on_db!(self, write, |pool| {
            sqlx::query(
                "INSERT INTO webhooks (id, integration_id, event, target_url, name, secret, api_version, \
                 created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(&webhook.id)
            .bind(&webhook.integration_id)
            .bind(&webhook.event)
            .bind(&webhook.target_url)
            .bind(&webhook.name)
            .bind(&webhook.secret)
            .bind(&webhook.api_version)
            .bind(masthead_core::to_stored_time(webhook.created_at))
            .bind(masthead_core::to_stored_time(webhook.updated_at))
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    pub async fn update_webhook(&self, webhook: &WebhookRecord) -> Result<bool> {
        let done = on_db!(self, write, |pool| {
            sqlx::query(
                "UPDATE webhooks SET event = $2, target_url = $3, name = $4, secret = $5, api_version = $6, \
                 updated_at = $7 WHERE id = $1",
            )
            .bind(&webhook.id)
            .bind(&webhook.event)
            .bind(&webhook.target_url)
            .bind(&webhook.name)
            .bind(&webhook.secret)
            .bind(&webhook.api_version)
            .bind(masthead_core::to_stored_time(webhook.updated_at))
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(done == 1)
    }

    pub async fn delete_webhook(&self, id: &str) -> Result<bool> {
        let done = on_db!(self, write, |pool| {
            sqlx::query("DELETE FROM webhooks WHERE id = $1").bind(id).execute(pool).await?.rows_affected()
        });
        Ok(done == 1)
    }

    /// Records the outcome of the last delivery (`status` is the HTTP status or `error`).
    pub async fn record_webhook_delivery(
        &self,
        id: &str,
        at: OffsetDateTime,
        status: &str,
        error: Option<&str>,
    ) -> Result<()> {
        on_db!(self, write, |pool| {
            sqlx::query(
                "UPDATE webhooks SET last_triggered_at = $2, last_triggered_status = $3, last_triggered_error = $4 \
                 WHERE id = $1",
            )
            .bind(id)
            .bind(masthead_core::to_stored_time(at))
            .bind(status)
            .bind(error)
            .execute(pool)
            .await?;
        });
        Ok(())
    }
}

impl DbReader {
    pub async fn integrations(&self) -> Result<Vec<IntegrationRecord>> {
        let sql = sqlx::AssertSqlSafe(format!("SELECT {INTEGRATION_COLUMNS} FROM integrations ORDER BY name, id"));
        Ok(on_db!(self, read, |pool| sqlx::query_as(sql).fetch_all(pool).await?))
    }

    pub async fn integration_by_id(&self, id: &str) -> Result<Option<IntegrationRecord>> {
        let sql = sqlx::AssertSqlSafe(format!("SELECT {INTEGRATION_COLUMNS} FROM integrations WHERE id = $1"));
        Ok(on_db!(self, read, |pool| sqlx::query_as(sql).bind(id).fetch_optional(pool).await?))
    }

    pub async fn integration_slug_taken(&self, slug: &str) -> Result<bool> {
        let found: Option<(String,)> = on_db!(self, read, |pool| {
            sqlx::query_as("SELECT id FROM integrations WHERE slug = $1").bind(slug).fetch_optional(pool).await?
        });
        Ok(found.is_some())
    }

    pub async fn api_keys_of(&self, integration: &str) -> Result<Vec<ApiKeyRecord>> {
        let sql =
            sqlx::AssertSqlSafe(format!("SELECT {KEY_COLUMNS} FROM api_keys WHERE integration_id = $1 ORDER BY type"));
        Ok(on_db!(self, read, |pool| sqlx::query_as(sql).bind(integration).fetch_all(pool).await?))
    }

    /// A content key is presented as its secret.
    pub async fn content_key(&self, secret: &str) -> Result<Option<ApiKeyRecord>> {
        let sql = sqlx::AssertSqlSafe(format!("SELECT {KEY_COLUMNS} FROM api_keys WHERE secret = $1"));
        Ok(on_db!(self, read, |pool| sqlx::query_as(sql).bind(secret).fetch_optional(pool).await?))
    }

    /// An admin key is presented by its id (the JWT's `kid`).
    pub async fn api_key_by_id(&self, id: &str) -> Result<Option<ApiKeyRecord>> {
        let sql = sqlx::AssertSqlSafe(format!("SELECT {KEY_COLUMNS} FROM api_keys WHERE id = $1"));
        Ok(on_db!(self, read, |pool| sqlx::query_as(sql).bind(id).fetch_optional(pool).await?))
    }

    pub async fn webhook_by_id(&self, id: &str) -> Result<Option<WebhookRecord>> {
        let sql = sqlx::AssertSqlSafe(format!("SELECT {WEBHOOK_COLUMNS} FROM webhooks WHERE id = $1"));
        Ok(on_db!(self, read, |pool| sqlx::query_as(sql).bind(id).fetch_optional(pool).await?))
    }

    pub async fn webhooks_of(&self, integration: &str) -> Result<Vec<WebhookRecord>> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {WEBHOOK_COLUMNS} FROM webhooks WHERE integration_id = $1 ORDER BY event, id"
        ));
        Ok(on_db!(self, read, |pool| sqlx::query_as(sql).bind(integration).fetch_all(pool).await?))
    }

    /// Webhooks whose last delivery failed, the most recent failure first.
    pub async fn failing_webhooks(&self) -> Result<Vec<WebhookRecord>> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {WEBHOOK_COLUMNS} FROM webhooks WHERE last_triggered_error IS NOT NULL \
             ORDER BY last_triggered_at DESC, id"
        ));
        Ok(on_db!(self, read, |pool| sqlx::query_as(sql).fetch_all(pool).await?))
    }

    pub async fn webhooks_for_event(&self, event: &str) -> Result<Vec<WebhookRecord>> {
        let sql = sqlx::AssertSqlSafe(format!("SELECT {WEBHOOK_COLUMNS} FROM webhooks WHERE event = $1 ORDER BY id"));
        Ok(on_db!(self, read, |pool| sqlx::query_as(sql).bind(event).fetch_all(pool).await?))
    }
}
