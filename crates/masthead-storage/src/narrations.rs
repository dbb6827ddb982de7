//! Narrations (the audio version of each story), the stories left unnarrated, the newsroom's
//! pronunciation lexicon and the narration settings.
//!
//! A narration row always points at a complete file: a new one is written under a new key and
//! [`Db::finish_narration`] swaps the row over in one statement, returning the old key for the
//! caller to delete afterwards.

use masthead_core::{NarrationSettings, ObjectId};
use time::OffsetDateTime;

use crate::{Db, DbReader, Result, StorageError, on_db};

/// The narration of one story, as stored, with whether a narration job is waiting for it.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct NarrationRecord {
    pub post_id: String,
    /// `queued`, `narrating`, `ready` or `failed`.
    pub status: String,
    /// Why the last narration failed.
    pub reason: Option<String>,
    /// Hash of the spoken text, voice and speed of the audio at `audio_key`.
    pub text_hash: Option<String>,
    /// The hash being narrated now, if a narration is under way.
    pub pending_hash: Option<String>,
    /// The media key of the current complete audio, kept while a newer one is made or failed.
    pub audio_key: Option<String>,
    pub duration_ms: Option<i64>,
    pub bytes: Option<i64>,
    pub engine: Option<String>,
    pub voice: Option<String>,
    pub narrated_at: Option<OffsetDateTime>,
    pub updated_at: OffsetDateTime,
}

impl NarrationRecord {
    /// The audio readers may be given, whatever the row's status.
    pub fn audio(&self) -> Option<(&str, i64, i64)> {
        Some((self.audio_key.as_deref()?, self.duration_ms?, self.bytes?))
    }
}

/// What a finished narration stores.
#[derive(Clone, Debug, PartialEq)]
pub struct FinishedNarration<'a> {
    pub hash: &'a str,
    pub audio_key: &'a str,
    pub duration_ms: i64,
    pub bytes: i64,
    pub engine: &'a str,
    pub voice: &'a str,
}

/// One entry of the pronunciation lexicon.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct Pronunciation {
    pub word: String,
    pub spoken: String,
}

/// The job key a story's narration is queued under (see `masthead-app`'s jobs).
pub fn narration_job_key(post_id: &ObjectId) -> String {
    format!("narrate:{post_id}")
}

const NARRATION_COLUMNS: &str = "post_id, status, reason, text_hash, pending_hash, audio_key, duration_ms, bytes, \
     engine, voice, narrated_at, updated_at";
const SELECT_NARRATED: &str = "SELECT n.post_id, n.status, n.reason, n.text_hash, n.pending_hash, n.audio_key, \
     n.duration_ms, n.bytes, n.engine, n.voice, n.narrated_at, n.updated_at \
     FROM narrations n JOIN posts p ON p.id = n.post_id \
     WHERE p.status = 'published' AND p.type = 'post' AND n.audio_key IS NOT NULL \
     AND NOT EXISTS (SELECT 1 FROM narration_opt_outs o WHERE o.post_id = n.post_id) \
     ORDER BY p.published_at DESC, p.id DESC LIMIT $1";

impl Db {
    /// Records that `hash` is being narrated now. The ready audio, if any, stays as it is.
    pub async fn start_narration(&self, post_id: &ObjectId, hash: &str) -> Result<()> {
        let now = masthead_core::now();
        on_db!(self, write, |pool| {
            sqlx::query(
                "INSERT INTO narrations (post_id, status, pending_hash, updated_at) VALUES ($1, 'narrating', $2, $3) \
                 ON CONFLICT (post_id) DO UPDATE SET status = 'narrating', reason = NULL, \
                 pending_hash = excluded.pending_hash, updated_at = excluded.updated_at",
            )
            .bind(post_id.as_str())
            .bind(hash)
            .bind(now)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// Points the story's narration at a complete new file, if `hash` is still the narration
    /// under way. Returns `Ok(Some(previous key))` when it did (the caller deletes that file),
    /// `Ok(None)` when a newer narration started meanwhile (the caller deletes the new file).
    pub async fn finish_narration(
        &self,
        post_id: &ObjectId,
        done: &FinishedNarration<'_>,
    ) -> Result<Option<Option<String>>> {
        let now = masthead_core::now();
        let outcome = on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            // Write first: on SQLite a transaction that reads and then writes fails at once when
            // another instance wrote in between (WAL's BUSY_SNAPSHOT), leaving the story marked
            // as narrating; one that starts by writing waits its turn.
            sqlx::query("UPDATE narrations SET updated_at = updated_at WHERE post_id = $1")
                .bind(post_id.as_str())
                .execute(&mut *tx)
                .await?;
            let previous: Option<(Option<String>,)> =
                sqlx::query_as("SELECT audio_key FROM narrations WHERE post_id = $1 AND pending_hash = $2")
                    .bind(post_id.as_str())
                    .bind(done.hash)
                    .fetch_optional(&mut *tx)
                    .await?;
            if previous.is_some() {
                sqlx::query(
                    "UPDATE narrations SET status = 'ready', reason = NULL, text_hash = $2, pending_hash = NULL, \
                     audio_key = $3, duration_ms = $4, bytes = $5, engine = $6, voice = $7, narrated_at = $8, \
                     updated_at = $8 WHERE post_id = $1 AND pending_hash = $2",
                )
                .bind(post_id.as_str())
                .bind(done.hash)
                .bind(done.audio_key)
                .bind(done.duration_ms)
                .bind(done.bytes)
                .bind(done.engine)
                .bind(done.voice)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            previous.map(|(key,)| key)
        });
        Ok(outcome)
    }

    /// Records why a narration failed. The previous ready audio, if any, is kept and served.
    /// `hash` is the narration that failed (`None`: the story could not be narrated at all).
    pub async fn fail_narration(&self, post_id: &ObjectId, hash: Option<&str>, reason: &str) -> Result<()> {
        let now = masthead_core::now();
        on_db!(self, write, |pool| {
            sqlx::query(
                "INSERT INTO narrations (post_id, status, reason, updated_at) VALUES ($1, 'failed', $2, $3) \
                 ON CONFLICT (post_id) DO UPDATE SET status = 'failed', reason = excluded.reason, \
                 pending_hash = NULL, updated_at = excluded.updated_at \
                 WHERE $4 IS NULL OR narrations.pending_hash = $4 OR narrations.pending_hash IS NULL",
            )
            .bind(post_id.as_str())
            .bind(reason)
            .bind(now)
            .bind(hash)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// A narration whose text is unchanged: back to ready without narrating again.
    pub async fn keep_narration(&self, post_id: &ObjectId) -> Result<()> {
        let now = masthead_core::now();
        on_db!(self, write, |pool| {
            sqlx::query(
                "UPDATE narrations SET status = 'ready', reason = NULL, pending_hash = NULL, updated_at = $2 \
                 WHERE post_id = $1 AND audio_key IS NOT NULL",
            )
            .bind(post_id.as_str())
            .bind(now)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// Removes a story's narration, returning the key of its audio for the caller to delete.
    pub async fn delete_narration(&self, post_id: &ObjectId) -> Result<Option<String>> {
        let key: Option<(Option<String>,)> = on_db!(self, write, |pool| {
            sqlx::query_as("DELETE FROM narrations WHERE post_id = $1 RETURNING audio_key")
                .bind(post_id.as_str())
                .fetch_optional(pool)
                .await?
        });
        Ok(key.and_then(|(key,)| key))
    }

    pub async fn set_narration_opt_out(&self, post_id: &ObjectId, opted_out: bool) -> Result<()> {
        on_db!(self, write, |pool| {
            if opted_out {
                sqlx::query(
                    "INSERT INTO narration_opt_outs (post_id, created_at) VALUES ($1, $2) \
                     ON CONFLICT (post_id) DO NOTHING",
                )
                .bind(post_id.as_str())
                .bind(masthead_core::now())
                .execute(pool)
                .await?;
            } else {
                sqlx::query("DELETE FROM narration_opt_outs WHERE post_id = $1")
                    .bind(post_id.as_str())
                    .execute(pool)
                    .await?;
            }
        });
        Ok(())
    }

    pub async fn save_pronunciation(&self, word: &str, spoken: &str) -> Result<()> {
        on_db!(self, write, |pool| {
            sqlx::query(
                "INSERT INTO pronunciations (word, spoken, updated_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (word) DO UPDATE SET spoken = excluded.spoken, updated_at = excluded.updated_at",
            )
            .bind(word)
            .bind(spoken)
            .bind(masthead_core::now())
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    pub async fn delete_pronunciation(&self, word: &str) -> Result<bool> {
        let deleted = on_db!(self, write, |pool| {
            sqlx::query("DELETE FROM pronunciations WHERE word = $1").bind(word).execute(pool).await?.rows_affected()
        });
        Ok(deleted == 1)
    }

    pub async fn save_narration_settings(&self, settings: &NarrationSettings) -> Result<()> {
        let value = serde_json::to_string(settings).map_err(|e| StorageError::Corrupt(e.to_string()))?;
        on_db!(self, write, |pool| {
            sqlx::query(
                "INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
            )
            .bind(NarrationSettings::KEY)
            .bind(value)
            .bind(masthead_core::now())
            .execute(pool)
            .await?;
        });
        Ok(())
    }
}

impl DbReader {
    /// The story's narration; a row whose job is waiting (and not narrating) reads `queued`.
    pub async fn narration(&self, post_id: &ObjectId) -> Result<Option<NarrationRecord>> {
        let row: Option<NarrationRecord> = on_db!(self, read, |pool| {
            let sql = sqlx::AssertSqlSafe(format!("SELECT {NARRATION_COLUMNS} FROM narrations WHERE post_id = $1"));
            sqlx::query_as(sql).bind(post_id.as_str()).fetch_optional(pool).await?
        });
        Ok(row)
    }

    /// The narrations of those of `post_ids` not opted out of narration, in one query (a list
    /// of stories, or one story, shows each one's audio).
    pub async fn narrations_heard(&self, post_ids: &[&ObjectId]) -> Result<Vec<NarrationRecord>> {
        if post_ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {NARRATION_COLUMNS} FROM narrations WHERE post_id IN ({}) \
             AND NOT EXISTS (SELECT 1 FROM narration_opt_outs o WHERE o.post_id = narrations.post_id)",
            crate::posts::placeholders(1, post_ids.len())
        ));
        Ok(on_db!(self, read, |pool| {
            let mut query = sqlx::query_as(sql);
            for id in post_ids {
                query = query.bind(id.as_str());
            }
            query.fetch_all(pool).await?
        }))
    }

    /// Whether a narration job for the story is waiting to run (or running).
    pub async fn narration_queued(&self, post_id: &ObjectId) -> Result<bool> {
        let row: Option<(String,)> = on_db!(self, read, |pool| {
            sqlx::query_as("SELECT id FROM jobs WHERE dedup_key = $1 AND status = 'pending' LIMIT 1")
                .bind(narration_job_key(post_id))
                .fetch_optional(pool)
                .await?
        });
        Ok(row.is_some())
    }

    pub async fn narration_opted_out(&self, post_id: &ObjectId) -> Result<bool> {
        let row: Option<(String,)> = on_db!(self, read, |pool| {
            sqlx::query_as("SELECT post_id FROM narration_opt_outs WHERE post_id = $1")
                .bind(post_id.as_str())
                .fetch_optional(pool)
                .await?
        });
        Ok(row.is_some())
    }

    /// Every story that should have a narration: published posts (not pages) not opted out,
    /// newest first, so a voice that arrives later reaches the front page first.
    pub async fn narratable_post_ids(&self) -> Result<Vec<ObjectId>> {
        let rows: Vec<(String,)> = on_db!(self, read, |pool| {
            sqlx::query_as(
                "SELECT id FROM posts WHERE type = 'post' AND status = 'published' \
                 AND id NOT IN (SELECT post_id FROM narration_opt_outs) \
                 ORDER BY published_at DESC, id DESC",
            )
            .fetch_all(pool)
            .await?
        });
        Ok(rows.into_iter().map(|(id,)| ObjectId::parse(&id)).collect::<std::result::Result<_, _>>()?)
    }

    /// Published posts with audio, newest first, for the podcast feed: `(post id, narration)`.
    pub async fn narrated_posts(&self, limit: i64) -> Result<Vec<NarrationRecord>> {
        let rows: Vec<NarrationRecord> =
            on_db!(self, read, |pool| { sqlx::query_as(SELECT_NARRATED).bind(limit).fetch_all(pool).await? });
        Ok(rows)
    }

    /// The lexicon, in word order.
    pub async fn pronunciations(&self) -> Result<Vec<Pronunciation>> {
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as("SELECT word, spoken FROM pronunciations ORDER BY word").fetch_all(pool).await?
        }))
    }

    pub async fn narration_settings(&self) -> Result<NarrationSettings> {
        let row: Option<(String,)> = on_db!(self, read, |pool| {
            sqlx::query_as("SELECT value FROM settings WHERE key = $1")
                .bind(NarrationSettings::KEY)
                .fetch_optional(pool)
                .await?
        });
        match row {
            None => Ok(NarrationSettings::default()),
            Some((value,)) => serde_json::from_str(&value)
                .map_err(|e| StorageError::Corrupt(format!("setting {}: {e}", NarrationSettings::KEY))),
        }
    }
}
