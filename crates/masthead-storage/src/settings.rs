use masthead_core::SiteSettings;

use crate::{Db, DbReader, Result, StorageError, on_db};

impl Db {
    /// Writes every setting of `settings` in one transaction.
    pub async fn save_site_settings(&self, settings: &SiteSettings) -> Result<()> {
        let serde_json::Value::Object(map) =
            serde_json::to_value(settings).map_err(|e| StorageError::Corrupt(e.to_string()))?
        else {
            return Err(StorageError::Corrupt("settings did not serialise to an object".into()));
        };
        let now = masthead_core::now();
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            for (key, value) in &map {
                sqlx::query(
                    "INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3) \
                     ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
                )
                .bind(key)
                .bind(value.to_string())
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }
}

impl DbReader {
    /// The site's stable identity (Ghost's `site_uuid`): a random UUID that migration 0019 stores
    /// once, beside the settings; nothing edits it. `None` only if that row was removed by hand.
    pub async fn site_uuid(&self) -> Result<Option<String>> {
        let row: Option<(String,)> = on_db!(self, read, |pool| {
            sqlx::query_as("SELECT value FROM settings WHERE key = 'site_uuid'").fetch_optional(pool).await?
        });
        Ok(row.and_then(|(value,)| serde_json::from_str::<String>(&value).ok()))
    }

    /// Reads every setting into the typed struct; keys never written keep their defaults.
    pub async fn site_settings(&self) -> Result<SiteSettings> {
        let rows: Vec<(String, String)> =
            on_db!(self, read, |pool| { sqlx::query_as("SELECT key, value FROM settings").fetch_all(pool).await? });
        let mut object = match serde_json::to_value(SiteSettings::default()) {
            Ok(serde_json::Value::Object(map)) => map,
            _ => return Err(StorageError::Corrupt("default settings".into())),
        };
        for (key, value) in rows {
            let value =
                serde_json::from_str(&value).map_err(|e| StorageError::Corrupt(format!("setting {key}: {e}")))?;
            object.insert(key, value);
        }
        serde_json::from_value(serde_json::Value::Object(object))
            .map_err(|e| StorageError::Corrupt(format!("settings: {e}")))
    }
}
