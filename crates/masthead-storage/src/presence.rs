//! Who has a story open in the newsroom's editor.

use masthead_core::ObjectId;
use time::OffsetDateTime;

use crate::{Db, DbReader, Result, on_db};

impl Db {
    /// Records that `user` has `post` open at `at`, and forgets whoever, on any story, was last
    /// heard from before `forget_before` (an editor closed without saying so).
    pub async fn mark_present(
        &self,
        post: &ObjectId,
        user: &ObjectId,
        at: OffsetDateTime,
        forget_before: OffsetDateTime,
    ) -> Result<()> {
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            sqlx::query("DELETE FROM post_presence WHERE seen_at < $1")
                .bind(masthead_core::to_stored_time(forget_before))
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO post_presence (post_id, user_id, seen_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (post_id, user_id) DO UPDATE SET seen_at = excluded.seen_at",
            )
            .bind(post.as_str())
            .bind(user.as_str())
            .bind(masthead_core::to_stored_time(at))
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// `user` closed the story.
    pub async fn mark_absent(&self, post: &ObjectId, user: &ObjectId) -> Result<()> {
        on_db!(self, write, |pool| {
            sqlx::query("DELETE FROM post_presence WHERE post_id = $1 AND user_id = $2")
                .bind(post.as_str())
                .bind(user.as_str())
                .execute(pool)
                .await?;
        });
        Ok(())
    }
}

impl DbReader {
    /// The staff (ids) with `post` open, heard from at `since` or later, by name.
    pub async fn present(&self, post: &ObjectId, since: OffsetDateTime) -> Result<Vec<String>> {
        Ok(on_db!(self, read, |pool| {
            sqlx::query_scalar(
                "SELECT pp.user_id FROM post_presence pp JOIN users u ON u.id = pp.user_id \
                 WHERE pp.post_id = $1 AND pp.seen_at >= $2 ORDER BY u.name, u.id",
            )
            .bind(post.as_str())
            .bind(masthead_core::to_stored_time(since))
            .fetch_all(pool)
            .await?
        }))
    }
}
