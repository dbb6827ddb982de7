use masthead_core::{ObjectId, Slug, Tag, TagVisibility};
use time::OffsetDateTime;

use crate::{Db, DbReader, Result, StorageError, on_db};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct TagRecord {
    pub id: String,
    pub name: String,
    pub slug: String,
    pub description: Option<String>,
    pub feature_image: Option<String>,
    pub visibility: String,
    pub meta_title: Option<String>,
    pub meta_description: Option<String>,
    pub accent_color: Option<String>,
    pub og_image: Option<String>,
    pub og_title: Option<String>,
    pub og_description: Option<String>,
    pub twitter_image: Option<String>,
    pub twitter_title: Option<String>,
    pub twitter_description: Option<String>,
    pub codeinjection_head: Option<String>,
    pub codeinjection_foot: Option<String>,
    pub canonical_url: Option<String>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

impl TryFrom<TagRecord> for Tag {
    type Error = StorageError;
    fn try_from(r: TagRecord) -> Result<Self> {
        Ok(Tag {
            id: ObjectId::parse(&r.id)?,
            slug: Slug::parse(&r.slug)?,
            visibility: TagVisibility::parse(&r.visibility)
                .ok_or_else(|| StorageError::Corrupt(format!("tag visibility {:?}", r.visibility)))?,
            name: r.name,
            description: r.description,
            feature_image: r.feature_image,
            meta_title: r.meta_title,
            meta_description: r.meta_description,
            accent_color: r.accent_color,
            og_image: r.og_image,
            og_title: r.og_title,
            og_description: r.og_description,
            twitter_image: r.twitter_image,
            twitter_title: r.twitter_title,
            twitter_description: r.twitter_description,
            codeinjection_head: r.codeinjection_head,
            codeinjection_foot: r.codeinjection_foot,
            canonical_url: r.canonical_url,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct TagWithCount {
    #[serde(flatten)]
    pub tag: Tag,
    pub post_count: i64,
}

#[derive(sqlx::FromRow)]
struct TagCountRow {
    #[sqlx(flatten)]
    tag: TagRecord,
    post_count: i64,
}

pub(crate) const TAG_COLUMNS: &str = "t.id, t.name, t.slug, t.description, t.feature_image, t.visibility, \
     t.meta_title, t.meta_description, t.accent_color, t.og_image, t.og_title, t.og_description, t.twitter_image, \
     t.twitter_title, t.twitter_description, t.codeinjection_head, t.codeinjection_foot, t.canonical_url, \
     t.created_at, t.updated_at";

impl Db {
    pub async fn insert_tag(&self, tag: &Tag) -> Result<()> {
        let sql = "INSERT INTO tags (id, name, slug, description, feature_image, visibility, meta_title, \
                   meta_description, accent_color, og_image, og_title, og_description, twitter_image, twitter_title, \
                   twitter_description, codeinjection_head, codeinjection_foot, canonical_url, created_at, updated_at) \
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)";
        on_db!(self, write, |pool| {
            sqlx::query(sql)
                .bind(tag.id.as_str())
                .bind(&tag.name)
                .bind(tag.slug.as_str())
                .bind(&tag.description)
                .bind(&tag.feature_image)
                .bind(tag.visibility.as_str())
                .bind(&tag.meta_title)
                .bind(&tag.meta_description)
                .bind(&tag.accent_color)
                .bind(&tag.og_image)
                .bind(&tag.og_title)
                .bind(&tag.og_description)
                .bind(&tag.twitter_image)
                .bind(&tag.twitter_title)
                .bind(&tag.twitter_description)
                .bind(&tag.codeinjection_head)
                .bind(&tag.codeinjection_foot)
                .bind(&tag.canonical_url)
                .bind(masthead_core::to_stored_time(tag.created_at))
                .bind(masthead_core::to_stored_time(tag.updated_at))
                .execute(pool)
                .await
                .map_err(StorageError::on_unique("tag", tag.slug.as_str()))?;
        });
        Ok(())
    }
}

impl DbReader {
    pub async fn tag_by_slug(&self, slug: &str) -> Result<Option<Tag>> {
        let sql = sqlx::AssertSqlSafe(format!("SELECT {TAG_COLUMNS} FROM tags t WHERE t.slug = $1"));
        let row: Option<TagRecord> =
            on_db!(self, read, |pool| { sqlx::query_as(sql).bind(slug).fetch_optional(pool).await? });
        row.map(Tag::try_from).transpose()
    }

    /// The front page's sections: the public tags carried by most of the newest `among`
    /// published stories (with how many of them), at most `limit`. Counting only recent stories
    /// keeps it to an index walk however long the archive, and follows what the newsroom covers
    /// now; a newsroom with fewer stories than `among` gets its largest tags.
    pub async fn front_sections(&self, among: u32, limit: u32) -> Result<Vec<TagWithCount>> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {TAG_COLUMNS}, COUNT(*) AS post_count FROM tags t \
             JOIN posts_tags pt ON pt.tag_id = t.id \
             WHERE t.visibility = 'public' AND pt.post_id IN ( \
                 SELECT p.id FROM posts p WHERE p.type = 'post' AND p.status = 'published' \
                 ORDER BY p.published_at DESC, p.id DESC LIMIT $1) \
             GROUP BY {TAG_COLUMNS} ORDER BY post_count DESC, t.name LIMIT $2"
        ));
        let rows: Vec<TagCountRow> = on_db!(self, read, |pool| sqlx::query_as(sql)
            .bind(i64::from(among))
            .bind(i64::from(limit))
            .fetch_all(pool)
            .await?);
        rows.into_iter().map(|r| Ok(TagWithCount { tag: r.tag.try_into()?, post_count: r.post_count })).collect()
    }

    /// Public tags with at least one published post, by slug: the tags' sitemap. Each tag's
    /// links are read only up to its first published story.
    pub async fn public_tags_in_use(&self) -> Result<Vec<Tag>> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {TAG_COLUMNS} FROM tags t WHERE t.visibility = 'public' AND EXISTS ( \
                 SELECT 1 FROM posts_tags pt JOIN posts p ON p.id = pt.post_id \
                 WHERE pt.tag_id = t.id AND p.type = 'post' AND p.status = 'published') \
             ORDER BY t.slug"
        ));
        let rows: Vec<TagRecord> = on_db!(self, read, |pool| sqlx::query_as(sql).fetch_all(pool).await?);
        rows.into_iter().map(Tag::try_from).collect()
    }

    /// Public tags that have published posts, with how many, largest first: the site's sections.
    pub async fn public_tags_with_published_posts(&self) -> Result<Vec<TagWithCount>> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {TAG_COLUMNS}, COUNT(p.id) AS post_count FROM tags t \
             JOIN posts_tags pt ON pt.tag_id = t.id \
             JOIN posts p ON p.id = pt.post_id AND p.type = 'post' AND p.status = 'published' \
             WHERE t.visibility = 'public' \
             GROUP BY {TAG_COLUMNS} ORDER BY post_count DESC, t.name"
        ));
        let rows: Vec<TagCountRow> = on_db!(self, read, |pool| sqlx::query_as(sql).fetch_all(pool).await?);
        rows.into_iter().map(|r| Ok(TagWithCount { tag: r.tag.try_into()?, post_count: r.post_count })).collect()
    }
}

impl Db {
    pub async fn update_tag(&self, tag: &Tag) -> Result<()> {
        on_db!(self, write, |pool| {
            sqlx::query(
                "UPDATE tags SET name = $2, slug = $3, description = $4, visibility = $5, meta_title = $6, \
                 meta_description = $7, accent_color = $8, og_image = $9, og_title = $10, og_description = $11, \
                 twitter_image = $12, twitter_title = $13, twitter_description = $14, codeinjection_head = $15, \
                 codeinjection_foot = $16, canonical_url = $17, updated_at = $18 WHERE id = $1",
            )
            .bind(tag.id.as_str())
            .bind(&tag.name)
            .bind(tag.slug.as_str())
            .bind(&tag.description)
            .bind(tag.visibility.as_str())
            .bind(&tag.meta_title)
            .bind(&tag.meta_description)
            .bind(&tag.accent_color)
            .bind(&tag.og_image)
            .bind(&tag.og_title)
            .bind(&tag.og_description)
            .bind(&tag.twitter_image)
            .bind(&tag.twitter_title)
            .bind(&tag.twitter_description)
            .bind(&tag.codeinjection_head)
            .bind(&tag.codeinjection_foot)
            .bind(&tag.canonical_url)
            .bind(masthead_core::to_stored_time(tag.updated_at))
            .execute(pool)
            .await
            .map_err(StorageError::on_unique("tag", tag.slug.as_str()))?;
        });
        Ok(())
    }

    pub async fn delete_tag(&self, id: &ObjectId) -> Result<bool> {
        let deleted = on_db!(self, write, |pool| {
            sqlx::query("DELETE FROM tags WHERE id = $1").bind(id.as_str()).execute(pool).await?.rows_affected()
        });
        Ok(deleted == 1)
    }
}

impl DbReader {
    /// Every tag with how many stories (of any status) carry it, by name.
    pub async fn tags_with_counts(&self) -> Result<Vec<TagWithCount>> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {TAG_COLUMNS}, COUNT(pt.post_id) AS post_count FROM tags t \
             LEFT JOIN posts_tags pt ON pt.tag_id = t.id GROUP BY {TAG_COLUMNS} ORDER BY t.name"
        ));
        let rows: Vec<TagCountRow> = on_db!(self, read, |pool| sqlx::query_as(sql).fetch_all(pool).await?);
        rows.into_iter().map(|r| Ok(TagWithCount { tag: r.tag.try_into()?, post_count: r.post_count })).collect()
    }

    pub async fn tag_by_id(&self, id: &ObjectId) -> Result<Option<Tag>> {
        let sql = sqlx::AssertSqlSafe(format!("SELECT {TAG_COLUMNS} FROM tags t WHERE t.id = $1"));
        let row: Option<TagRecord> =
            on_db!(self, read, |pool| sqlx::query_as(sql).bind(id.as_str()).fetch_optional(pool).await?);
        row.map(Tag::try_from).transpose()
    }
}

impl DbReader {
    /// Tags by id, in the order given; ids with no tag are left out.
    pub async fn tags_by_ids(&self, ids: &[String]) -> Result<Vec<Tag>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let list = (1..=ids.len()).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
        let sql = sqlx::AssertSqlSafe(format!("SELECT {TAG_COLUMNS} FROM tags t WHERE t.id IN ({list})"));
        let rows: Vec<TagRecord> = on_db!(self, read, |pool| {
            let mut query = sqlx::query_as(sql);
            for id in ids {
                query = query.bind(id);
            }
            query.fetch_all(pool).await?
        });
        let mut tags = rows.into_iter().map(Tag::try_from).collect::<Result<Vec<_>>>()?;
        tags.sort_by_key(|t| ids.iter().position(|id| id == t.id.as_str()));
        Ok(tags)
    }

    /// How many published posts carry each of these tags (tags with none are left out).
    pub async fn published_post_counts_by_tag(&self, ids: &[String]) -> Result<std::collections::HashMap<String, i64>> {
        self.post_counts("posts_tags", "tag_id", ids, Counted::PublishedPosts).await
    }

    /// How many published posts each of these staff members wrote (those with none are left out).
    pub async fn published_post_counts_by_author(
        &self,
        ids: &[String],
    ) -> Result<std::collections::HashMap<String, i64>> {
        self.post_counts("posts_authors", "author_id", ids, Counted::PublishedPosts).await
    }

    /// How many posts and pages, in any state, carry each of these tags, as Ghost's Admin API
    /// counts them (tags with none are left out).
    pub async fn all_post_counts_by_tag(&self, ids: &[String]) -> Result<std::collections::HashMap<String, i64>> {
        self.post_counts("posts_tags", "tag_id", ids, Counted::All).await
    }

    /// How many published posts and pages each of these staff members wrote (those with none are
    /// left out): whether their byline is public.
    pub async fn published_story_counts_by_author(
        &self,
        ids: &[String],
    ) -> Result<std::collections::HashMap<String, i64>> {
        self.post_counts("posts_authors", "author_id", ids, Counted::Published).await
    }

    /// How many posts and pages, in any state, each of these staff members is an author of, as
    /// Ghost's Admin API counts them (those with none are left out).
    pub async fn all_post_counts_by_author(&self, ids: &[String]) -> Result<std::collections::HashMap<String, i64>> {
        self.post_counts("posts_authors", "author_id", ids, Counted::All).await
    }

    /// `link` and `column` are one of the two fixed pairs above, never user input.
    async fn post_counts(
        &self,
        link: &'static str,
        column: &'static str,
        ids: &[String],
        counted: Counted,
    ) -> Result<std::collections::HashMap<String, i64>> {
        if ids.is_empty() {
            return Ok(Default::default());
        }
        let list = (1..=ids.len()).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT l.{column}, COUNT(p.id) FROM {link} l \
             JOIN posts p ON p.id = l.post_id {only} \
             WHERE l.{column} IN ({list}) GROUP BY l.{column}",
            only = match counted {
                Counted::PublishedPosts => "AND p.type = 'post' AND p.status = 'published'",
                Counted::Published => "AND p.status = 'published'",
                Counted::All => "",
            },
        ));
        let rows: Vec<(String, i64)> = on_db!(self, read, |pool| {
            let mut query = sqlx::query_as(sql);
            for id in ids {
                query = query.bind(id);
            }
            query.fetch_all(pool).await?
        });
        Ok(rows.into_iter().collect())
    }
}

/// Which stories a count counts.
#[derive(Clone, Copy)]
enum Counted {
    /// Published posts (the Content API's `count.posts`).
    PublishedPosts,
    /// Published posts and pages.
    Published,
    /// Posts and pages in any state (the Admin API's `count.posts`).
    All,
}
