//! Corrections and update notes on stories, and the revision history.

use std::collections::HashMap;

use masthead_core::ObjectId;
use time::OffsetDateTime;

use crate::{Db, DbReader, Result, on_db};

#[derive(Clone, Debug, PartialEq, sqlx::FromRow, serde::Serialize)]
pub struct PostNote {
    pub id: String,
    pub post_id: String,
    /// `correction` or `update`
    pub kind: String,
    pub body: String,
    #[serde(with = "time::serde::rfc3339")]
    pub noted_at: OffsetDateTime,
}

#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct PostRevision {
    pub id: String,
    pub post_id: String,
    pub title: String,
    pub markdown: Option<String>,
    /// The Lexical document, for a story written in the rich-text editor.
    pub lexical: Option<String>,
    pub html: String,
    pub author_id: Option<String>,
    pub created_at: OffsetDateTime,
}

/// How many versions of a story are kept; the oldest go first.
pub const MAX_REVISIONS: i64 = 50;

impl Db {
    pub async fn insert_post_note(&self, note: &PostNote, author: Option<&ObjectId>) -> Result<()> {
        on_db!(self, write, |pool| {
            sqlx::query(
                "INSERT INTO post_notes (id, post_id, kind, body, noted_at, author_id, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(&note.id)
            .bind(&note.post_id)
            .bind(&note.kind)
            .bind(&note.body)
            .bind(masthead_core::to_stored_time(note.noted_at))
            .bind(author.map(ObjectId::as_str))
            .bind(masthead_core::now())
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    pub async fn delete_post_note(&self, post: &ObjectId, note: &str) -> Result<bool> {
        let deleted = on_db!(self, write, |pool| {
            sqlx::query("DELETE FROM post_notes WHERE id = $1 AND post_id = $2")
                .bind(note)
                .bind(post.as_str())
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(deleted == 1)
    }

    /// Keeps a version of a story, dropping the oldest beyond [`MAX_REVISIONS`].
    pub async fn insert_revision(&self, revision: &PostRevision) -> Result<()> {
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            sqlx::query(
                "INSERT INTO post_revisions (id, post_id, title, markdown, lexical, html, author_id, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(&revision.id)
            .bind(&revision.post_id)
            .bind(&revision.title)
            .bind(&revision.markdown)
            .bind(&revision.lexical)
            .bind(&revision.html)
            .bind(&revision.author_id)
            .bind(masthead_core::to_stored_time(revision.created_at))
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "DELETE FROM post_revisions WHERE post_id = $1 AND id NOT IN ( \
                     SELECT id FROM post_revisions WHERE post_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2)",
            )
            .bind(&revision.post_id)
            .bind(MAX_REVISIONS)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
        });
        Ok(())
    }
}

impl DbReader {
    /// A story's notes, oldest first.
    pub async fn post_notes(&self, post: &ObjectId) -> Result<Vec<PostNote>> {
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as(
                "SELECT id, post_id, kind, body, noted_at FROM post_notes WHERE post_id = $1 ORDER BY noted_at, id",
            )
            .bind(post.as_str())
            .fetch_all(pool)
            .await?
        }))
    }

    /// Who last changed each of these stories, by story id: the staff member who saved over
    /// its latest kept version. Stories never changed since they were written are not listed.
    pub async fn last_editors(&self, posts: &[ObjectId]) -> Result<HashMap<String, String>> {
        if posts.is_empty() {
            return Ok(HashMap::new());
        }
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT post_id, author_id FROM post_revisions WHERE author_id IS NOT NULL AND post_id IN ({}) \
             ORDER BY created_at DESC, id DESC",
            crate::posts::placeholders(1, posts.len())
        ));
        let rows: Vec<(String, String)> = on_db!(self, read, |pool| {
            let mut query = sqlx::query_as(sql);
            for post in posts {
                query = query.bind(post.as_str());
            }
            query.fetch_all(pool).await?
        });
        let mut editors = HashMap::new();
        for (post, author) in rows {
            editors.entry(post).or_insert(author);
        }
        Ok(editors)
    }

    /// A story's versions, newest first.
    pub async fn revisions(&self, post: &ObjectId) -> Result<Vec<PostRevision>> {
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as(
                "SELECT id, post_id, title, markdown, lexical, html, author_id, created_at FROM post_revisions \
                 WHERE post_id = $1 ORDER BY created_at DESC, id DESC",
            )
            .bind(post.as_str())
            .fetch_all(pool)
            .await?
        }))
    }
}
