//! The live news feed and the editors' picks.
//!
//! Every change to a feed item (added, edited, pinned, deleted) takes the next number of one
//! counter, its *revision*, in the transaction that makes the change. Taking it locks the
//! counter's row until commit, so revisions become visible in order: a reader that has seen
//! revision N asks for everything after N and misses nothing. A deleted item stays as a
//! tombstone without content, so that question also answers deletions.

use masthead_core::ObjectId;
use time::OffsetDateTime;

use crate::{Db, DbReader, PageRequest, Paginated, Result, on_db};

/// A feed item as stored, with its author's name and the story it links to (when that story
/// is published).
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct FeedItem {
    pub id: String,
    pub revision: i64,
    pub headline: String,
    /// Markdown.
    pub body: String,
    pub post_id: Option<String>,
    /// The linked story's slug and title, when it is published.
    pub post_slug: Option<String>,
    pub post_title: Option<String>,
    pub image: Option<String>,
    pub image_credit: Option<String>,
    pub author_id: Option<String>,
    pub author_name: Option<String>,
    pub author_slug: Option<String>,
    pub key_event: bool,
    pub pinned: bool,
    pub published_at: OffsetDateTime,
    /// When the content was last edited after posting ("updated HH:MM").
    pub edited_at: Option<OffsetDateTime>,
    /// Set on a tombstone.
    pub deleted_at: Option<OffsetDateTime>,
    pub updated_at: OffsetDateTime,
}

impl FeedItem {
    pub fn is_deleted(&self) -> bool {
        self.deleted_at.is_some()
    }
}

/// What a feed item says, as written by staff or an integration.
#[derive(Clone, Debug, PartialEq)]
pub struct FeedItemContent {
    pub headline: String,
    pub body: String,
    pub post_id: Option<ObjectId>,
    pub image: Option<String>,
    pub image_credit: Option<String>,
    pub key_event: bool,
    pub pinned: bool,
}

/// Where a page of the feed starts: after the item posted at `published_at` with `id`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FeedCursor {
    pub published_at: OffsetDateTime,
    pub id: String,
}

const SELECT_ITEMS: &str = "SELECT f.id, f.revision, f.headline, f.body, f.post_id, \
     CASE WHEN p.status = 'published' THEN p.slug END AS post_slug, \
     CASE WHEN p.status = 'published' THEN p.title END AS post_title, \
     f.image, f.image_credit, f.author_id, u.name AS author_name, u.slug AS author_slug, \
     f.key_event, f.pinned, f.published_at, f.edited_at, f.deleted_at, f.updated_at \
     FROM feed_items f LEFT JOIN posts p ON p.id = f.post_id LEFT JOIN users u ON u.id = f.author_id";

/// Takes the next revision in transaction `$tx`; the counter's row stays locked until the
/// transaction ends. (A macro: the statement runs on either database's transaction type.)
macro_rules! next_revision {
    ($tx:ident) => {
        sqlx::query_scalar::<_, i64>("UPDATE feed_revision SET value = value + 1 WHERE id = 1 RETURNING value")
            .fetch_one(&mut *$tx)
            .await?
    };
}

/// Commits `$tx` and answers `Some($revision)` when exactly one row changed; else rolls back and
/// answers `None` (no such live item).
macro_rules! commit_if_one_row {
    ($tx:ident, $rows:expr, $revision:expr) => {
        if $rows == 1 {
            $tx.commit().await?;
            Some($revision)
        } else {
            $tx.rollback().await?;
            None
        }
    };
}

/// Unpins every live item but `$id` in transaction `$tx`, each change with a revision of its own.
macro_rules! unpin_others {
    ($tx:ident, $id:expr, $now:expr) => {
        let pinned: Vec<String> =
            sqlx::query_scalar("SELECT id FROM feed_items WHERE pinned = TRUE AND deleted_at IS NULL AND id <> $1")
                .bind($id.as_str())
                .fetch_all(&mut *$tx)
                .await?;
        for other in pinned {
            let revision = next_revision!($tx);
            sqlx::query("UPDATE feed_items SET pinned = FALSE, revision = $2, updated_at = $3 WHERE id = $1")
                .bind(other)
                .bind(revision)
                .bind($now)
                .execute(&mut *$tx)
                .await?;
        }
    };
}

impl Db {
    /// Stores a new item; pinning it unpins any other. Returns its revision.
    pub async fn insert_feed_item(
        &self,
        id: &ObjectId,
        content: &FeedItemContent,
        author: Option<&ObjectId>,
        published_at: OffsetDateTime,
    ) -> Result<i64> {
        let now = masthead_core::now();
        Ok(on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            if content.pinned {
                unpin_others!(tx, id, now);
            }
            let revision = next_revision!(tx);
            sqlx::query(
                "INSERT INTO feed_items (id, revision, headline, body, post_id, image, image_credit, author_id, \
                 key_event, pinned, published_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
            )
            .bind(id.as_str())
            .bind(revision)
            .bind(&content.headline)
            .bind(&content.body)
            .bind(content.post_id.as_ref().map(ObjectId::as_str))
            .bind(&content.image)
            .bind(&content.image_credit)
            .bind(author.map(ObjectId::as_str))
            .bind(content.key_event)
            .bind(content.pinned)
            .bind(masthead_core::to_stored_time(published_at))
            .bind(now)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            revision
        }))
    }

    /// Replaces what a live item says; `None` when there is no such item (or it was deleted).
    pub async fn update_feed_item(&self, id: &ObjectId, content: &FeedItemContent) -> Result<Option<i64>> {
        let now = masthead_core::now();
        Ok(on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            if content.pinned {
                unpin_others!(tx, id, now);
            }
            let revision = next_revision!(tx);
            let updated = sqlx::query(
                "UPDATE feed_items SET revision = $2, headline = $3, body = $4, post_id = $5, image = $6, \
                 image_credit = $7, key_event = $8, pinned = $9, edited_at = $10, updated_at = $10 \
                 WHERE id = $1 AND deleted_at IS NULL",
            )
            .bind(id.as_str())
            .bind(revision)
            .bind(&content.headline)
            .bind(&content.body)
            .bind(content.post_id.as_ref().map(ObjectId::as_str))
            .bind(&content.image)
            .bind(&content.image_credit)
            .bind(content.key_event)
            .bind(content.pinned)
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            commit_if_one_row!(tx, updated, revision)
        }))
    }

    /// Pins or unpins a live item (one item is pinned at most). Not an edit: readers see no
    /// "updated" time for it.
    pub async fn set_feed_item_pinned(&self, id: &ObjectId, pinned: bool) -> Result<Option<i64>> {
        let now = masthead_core::now();
        Ok(on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            if pinned {
                unpin_others!(tx, id, now);
            }
            let revision = next_revision!(tx);
            let updated = sqlx::query(
                "UPDATE feed_items SET revision = $2, pinned = $3, updated_at = $4 \
                 WHERE id = $1 AND deleted_at IS NULL",
            )
            .bind(id.as_str())
            .bind(revision)
            .bind(pinned)
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            commit_if_one_row!(tx, updated, revision)
        }))
    }

    /// Deletes an item's content, keeping a tombstone. `None` when it was not there.
    pub async fn delete_feed_item(&self, id: &ObjectId) -> Result<Option<i64>> {
        let now = masthead_core::now();
        Ok(on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let revision = next_revision!(tx);
            let updated = sqlx::query(
                "UPDATE feed_items SET revision = $2, headline = '', body = '', post_id = NULL, image = NULL, \
                 image_credit = NULL, key_event = FALSE, pinned = FALSE, deleted_at = $3, updated_at = $3 \
                 WHERE id = $1 AND deleted_at IS NULL",
            )
            .bind(id.as_str())
            .bind(revision)
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            commit_if_one_row!(tx, updated, revision)
        }))
    }

    /// Adds a story at the end of the editors' picks; `false` when it is already there.
    pub async fn add_pick(&self, post: &ObjectId, by: Option<&ObjectId>) -> Result<bool> {
        let added = on_db!(self, write, |pool| {
            sqlx::query(
                "INSERT INTO editors_picks (post_id, position, added_by, added_at) \
                 SELECT $1, COALESCE(MAX(position), 0) + 1, $2, $3 FROM editors_picks WHERE TRUE \
                 ON CONFLICT (post_id) DO NOTHING",
            )
            .bind(post.as_str())
            .bind(by.map(ObjectId::as_str))
            .bind(masthead_core::now())
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(added == 1)
    }

    pub async fn remove_pick(&self, post: &ObjectId) -> Result<bool> {
        let removed = on_db!(self, write, |pool| {
            sqlx::query("DELETE FROM editors_picks WHERE post_id = $1")
                .bind(post.as_str())
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(removed == 1)
    }

    /// Puts the picks in the order given (every current pick, each once; the caller checks).
    pub async fn reorder_picks(&self, order: &[ObjectId]) -> Result<()> {
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            for (index, post) in order.iter().enumerate() {
                sqlx::query("UPDATE editors_picks SET position = $2 WHERE post_id = $1")
                    .bind(post.as_str())
                    .bind(index as i64 + 1)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }
}

impl DbReader {
    /// An item by id, a tombstone included.
    pub async fn feed_item(&self, id: &ObjectId) -> Result<Option<FeedItem>> {
        let sql = sqlx::AssertSqlSafe(format!("{SELECT_ITEMS} WHERE f.id = $1"));
        Ok(on_db!(self, read, |pool| sqlx::query_as(sql).bind(id.as_str()).fetch_optional(pool).await?))
    }

    /// Live items, newest first, starting after `cursor` (keyset pagination: a page stays the
    /// same while new items arrive at the top).
    pub async fn feed_page(&self, after: Option<&FeedCursor>, limit: u32) -> Result<Vec<FeedItem>> {
        let limit = i64::from(limit);
        Ok(match after {
            None => {
                let sql = sqlx::AssertSqlSafe(format!(
                    "{SELECT_ITEMS} WHERE f.deleted_at IS NULL ORDER BY f.published_at DESC, f.id DESC LIMIT $1"
                ));
                on_db!(self, read, |pool| sqlx::query_as(sql).bind(limit).fetch_all(pool).await?)
            }
            Some(cursor) => {
                let sql = sqlx::AssertSqlSafe(format!(
                    "{SELECT_ITEMS} WHERE f.deleted_at IS NULL \
                     AND (f.published_at < $1 OR (f.published_at = $1 AND f.id < $2)) \
                     ORDER BY f.published_at DESC, f.id DESC LIMIT $3"
                ));
                on_db!(self, read, |pool| {
                    sqlx::query_as(sql)
                        .bind(masthead_core::to_stored_time(cursor.published_at))
                        .bind(&cursor.id)
                        .bind(limit)
                        .fetch_all(pool)
                        .await?
                })
            }
        })
    }

    /// Live items, newest first, a numbered page at a time (the APIs' pagination).
    pub async fn feed_items_paged(&self, page: PageRequest) -> Result<Paginated<FeedItem>> {
        let sql = sqlx::AssertSqlSafe(format!(
            "{SELECT_ITEMS} WHERE f.deleted_at IS NULL ORDER BY f.published_at DESC, f.id DESC LIMIT $1 OFFSET $2"
        ));
        let items = on_db!(self, read, |pool| {
            sqlx::query_as(sql).bind(i64::from(page.limit)).bind(page.offset()).fetch_all(pool).await?
        });
        let total = self.feed_item_count().await?;
        Ok(Paginated::new(items, page, total.max(0) as u64))
    }

    /// The pinned item, if one is.
    pub async fn pinned_feed_item(&self) -> Result<Option<FeedItem>> {
        let sql = sqlx::AssertSqlSafe(format!(
            "{SELECT_ITEMS} WHERE f.pinned = TRUE AND f.deleted_at IS NULL ORDER BY f.revision DESC LIMIT 1"
        ));
        Ok(on_db!(self, read, |pool| sqlx::query_as(sql).fetch_optional(pool).await?))
    }

    /// Every change after `revision`, oldest first, tombstones included: what an open page that
    /// has seen `revision` has missed. At most `limit`.
    pub async fn feed_changes_since(&self, revision: i64, limit: u32) -> Result<Vec<FeedItem>> {
        let sql = sqlx::AssertSqlSafe(format!("{SELECT_ITEMS} WHERE f.revision > $1 ORDER BY f.revision LIMIT $2"));
        Ok(on_db!(self, read, |pool| sqlx::query_as(sql).bind(revision).bind(i64::from(limit)).fetch_all(pool).await?))
    }

    /// Items changed at or after `since`, oldest change first, tombstones included (the
    /// polling endpoint's answer). At most `limit`.
    pub async fn feed_changed_after(&self, since: OffsetDateTime, limit: u32) -> Result<Vec<FeedItem>> {
        let sql = sqlx::AssertSqlSafe(format!("{SELECT_ITEMS} WHERE f.updated_at >= $1 ORDER BY f.revision LIMIT $2"));
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as(sql)
                .bind(masthead_core::to_stored_time(since))
                .bind(i64::from(limit))
                .fetch_all(pool)
                .await?
        }))
    }

    /// The last revision given out (0 before the first item).
    pub async fn feed_revision(&self) -> Result<i64> {
        Ok(on_db!(self, read, |pool| {
            sqlx::query_scalar("SELECT value FROM feed_revision WHERE id = 1").fetch_one(pool).await?
        }))
    }

    /// How many live items there are.
    pub async fn feed_item_count(&self) -> Result<i64> {
        Ok(on_db!(self, read, |pool| {
            sqlx::query_scalar("SELECT COUNT(*) FROM feed_items WHERE deleted_at IS NULL").fetch_one(pool).await?
        }))
    }

    /// The ids of the editors' picks in order, whatever their stories' state.
    pub async fn picks(&self) -> Result<Vec<String>> {
        Ok(on_db!(self, read, |pool| {
            sqlx::query_scalar("SELECT post_id FROM editors_picks ORDER BY position, post_id").fetch_all(pool).await?
        }))
    }
}
