//! What the search index is built from: stories with their tags and authors, and the change log
//! that says which stories changed since a given position (written by triggers; see migration
//! 0023).

use std::collections::HashMap;

use masthead_core::search::SearchDocument;
use masthead_core::{ObjectId, PostStatus, PostType, TagVisibility, Visibility};
use time::OffsetDateTime;

use crate::posts::placeholders;
use crate::{Db, DbReader, Result, StorageError, on_db};

/// A story as search reads it. `public_text` of the document is left empty: the caller derives
/// it from `gated_html` (the public opening of a gated story) or the whole text.
#[derive(Debug, Clone)]
pub struct SearchSource {
    pub document: SearchDocument,
    /// The HTML of a gated story, from which its public opening is taken; `None` when public.
    pub gated_html: Option<String>,
}

/// One entry of the change log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchChange {
    pub seq: i64,
    pub post_id: ObjectId,
}

#[derive(sqlx::FromRow)]
struct SourceRow {
    id: String,
    #[sqlx(rename = "type")]
    post_type: String,
    status: String,
    visibility: String,
    title: String,
    custom_excerpt: Option<String>,
    plaintext: String,
    gated_html: Option<String>,
    published_at: Option<OffsetDateTime>,
    updated_at: OffsetDateTime,
}

#[derive(sqlx::FromRow)]
struct LinkRow {
    post_id: String,
    slug: String,
    name: String,
    visibility: String,
}

#[derive(sqlx::FromRow)]
struct ChangeRow {
    seq: i64,
    post_id: String,
}

impl DbReader {
    /// Stories by id, with their tags and authors in order; ids with no story are left out.
    pub async fn search_sources(&self, ids: &[ObjectId]) -> Result<Vec<SearchSource>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let list = placeholders(1, ids.len());
        let posts = sqlx::AssertSqlSafe(format!(
            "SELECT id, type, status, visibility, title, custom_excerpt, plaintext, \
             CASE WHEN visibility <> 'public' THEN html END AS gated_html, published_at, updated_at \
             FROM posts WHERE id IN ({list})"
        ));
        let tags = sqlx::AssertSqlSafe(format!(
            "SELECT pt.post_id, t.slug, t.name, t.visibility FROM posts_tags pt JOIN tags t ON t.id = pt.tag_id \
             WHERE pt.post_id IN ({list}) ORDER BY pt.post_id, pt.sort_order"
        ));
        let authors = sqlx::AssertSqlSafe(format!(
            "SELECT pa.post_id, u.slug, u.name, 'public' AS visibility FROM posts_authors pa \
             JOIN users u ON u.id = pa.author_id WHERE pa.post_id IN ({list}) ORDER BY pa.post_id, pa.sort_order"
        ));
        let (rows, tag_rows, author_rows): (Vec<SourceRow>, Vec<LinkRow>, Vec<LinkRow>) = on_db!(self, read, |pool| {
            let mut posts = sqlx::query_as(posts);
            let mut tags = sqlx::query_as(tags);
            let mut authors = sqlx::query_as(authors);
            for id in ids {
                posts = posts.bind(id.as_str());
                tags = tags.bind(id.as_str());
                authors = authors.bind(id.as_str());
            }
            (posts.fetch_all(pool).await?, tags.fetch_all(pool).await?, authors.fetch_all(pool).await?)
        });
        let mut tags: HashMap<String, Vec<LinkRow>> = HashMap::new();
        for row in tag_rows {
            tags.entry(row.post_id.clone()).or_default().push(row);
        }
        let mut authors: HashMap<String, Vec<LinkRow>> = HashMap::new();
        for row in author_rows {
            authors.entry(row.post_id.clone()).or_default().push(row);
        }
        rows.into_iter()
            .map(|row| {
                let links = tags.remove(&row.id).unwrap_or_default();
                let by = authors.remove(&row.id).unwrap_or_default();
                row.into_source(links, by)
            })
            .collect()
    }

    /// The ids of up to `limit` stories after `after` (all stories, in id order), for building
    /// the index page by page.
    pub async fn search_source_ids(&self, after: Option<&ObjectId>, limit: u32) -> Result<Vec<ObjectId>> {
        let after = after.map_or("", |id| id.as_str());
        let ids: Vec<String> = on_db!(self, read, |pool| {
            sqlx::query_scalar("SELECT id FROM posts WHERE id > $1 ORDER BY id LIMIT $2")
                .bind(after)
                .bind(i64::from(limit))
                .fetch_all(pool)
                .await?
        });
        ids.iter().map(|id| Ok(ObjectId::parse(id)?)).collect()
    }

    /// How many stories and pages there are, in any status.
    pub async fn count_search_sources(&self) -> Result<u64> {
        let count: i64 =
            on_db!(self, read, |pool| sqlx::query_scalar("SELECT COUNT(*) FROM posts").fetch_one(pool).await?);
        Ok(u64::try_from(count).unwrap_or(0))
    }

    /// Up to `limit` change-log entries after position `after`, in order.
    pub async fn search_changes_after(&self, after: i64, limit: u32) -> Result<Vec<SearchChange>> {
        let rows: Vec<ChangeRow> = on_db!(self, read, |pool| {
            sqlx::query_as("SELECT seq, post_id FROM search_changes WHERE seq > $1 ORDER BY seq LIMIT $2")
                .bind(after)
                .bind(i64::from(limit))
                .fetch_all(pool)
                .await?
        });
        rows.into_iter().map(ChangeRow::into_change).collect()
    }

    /// The change-log entries at `positions` that exist (holes that have since been filled).
    pub async fn search_changes_at(&self, positions: &[i64]) -> Result<Vec<SearchChange>> {
        if positions.is_empty() {
            return Ok(Vec::new());
        }
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT seq, post_id FROM search_changes WHERE seq IN ({}) ORDER BY seq",
            placeholders(1, positions.len())
        ));
        let rows: Vec<ChangeRow> = on_db!(self, read, |pool| {
            let mut query = sqlx::query_as(sql);
            for position in positions {
                query = query.bind(position);
            }
            query.fetch_all(pool).await?
        });
        rows.into_iter().map(ChangeRow::into_change).collect()
    }

    /// The first and last positions the change log holds (`None` when it is empty).
    pub async fn search_change_bounds(&self) -> Result<Option<(i64, i64)>> {
        let (first, last): (Option<i64>, Option<i64>) = on_db!(self, read, |pool| {
            sqlx::query_as("SELECT MIN(seq), MAX(seq) FROM search_changes").fetch_one(pool).await?
        });
        Ok(first.zip(last))
    }
}

impl Db {
    /// Forgets change-log entries made before `before` (Unix seconds), always keeping the last
    /// one so the log's position survives. Returns how many were removed.
    pub async fn prune_search_changes(&self, before: i64) -> Result<u64> {
        let done = on_db!(self, write, |pool| {
            sqlx::query(
                "DELETE FROM search_changes WHERE changed_at < $1 \
                 AND seq < (SELECT MAX(seq) FROM search_changes)",
            )
            .bind(before)
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(done)
    }
}

impl ChangeRow {
    fn into_change(self) -> Result<SearchChange> {
        Ok(SearchChange { seq: self.seq, post_id: ObjectId::parse(&self.post_id)? })
    }
}

impl SourceRow {
    fn into_source(self, tags: Vec<LinkRow>, authors: Vec<LinkRow>) -> Result<SearchSource> {
        let corrupt = |what: &str, value: &str| StorageError::Corrupt(format!("post {} {what} {value:?}", self.id));
        let mut public_tags = Vec::new();
        let mut internal_tags = Vec::new();
        for tag in tags {
            if TagVisibility::parse(&tag.visibility) == Some(TagVisibility::Public) {
                public_tags.push((tag.slug, tag.name));
            } else {
                internal_tags.push(tag.slug);
            }
        }
        let document = SearchDocument {
            id: ObjectId::parse(&self.id)?,
            post_type: PostType::parse(&self.post_type).ok_or_else(|| corrupt("type", &self.post_type))?,
            status: PostStatus::parse(&self.status).ok_or_else(|| corrupt("status", &self.status))?,
            visibility: Visibility::parse(&self.visibility).ok_or_else(|| corrupt("visibility", &self.visibility))?,
            title: self.title,
            custom_excerpt: self.custom_excerpt.filter(|e| !e.trim().is_empty()),
            plaintext: self.plaintext,
            public_text: String::new(),
            published_at: self.published_at.map(OffsetDateTime::unix_timestamp),
            updated_at: self.updated_at.unix_timestamp(),
            tags: public_tags,
            internal_tags,
            authors: authors.into_iter().map(|a| (a.slug, a.name)).collect(),
        };
        Ok(SearchSource { document, gated_html: self.gated_html })
    }
}
