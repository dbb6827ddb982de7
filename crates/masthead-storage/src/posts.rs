use std::collections::HashMap;

use masthead_core::{ObjectId, Post, PostStatus, PostType, Slug, StaffUser, Tag, TagVisibility, Visibility};
use time::OffsetDateTime;

use crate::pagination::Conditions;
use crate::tags::{TAG_COLUMNS, TagRecord};
use crate::users::{USER_COLUMNS, UserRecord};
use crate::{Db, DbReader, PageRequest, Paginated, Result, StorageError, on_db};

/// A post or page row, without its authors and tags.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct PostRecord {
    pub id: String,
    pub uuid: String,
    #[sqlx(rename = "type")]
    pub post_type: String,
    pub title: String,
    pub slug: String,
    pub markdown: Option<String>,
    pub lexical: Option<String>,
    pub html: String,
    pub plaintext: String,
    pub feature_image: Option<String>,
    pub feature_image_alt: Option<String>,
    pub feature_image_caption: Option<String>,
    pub feature_image_credit: Option<String>,
    pub custom_excerpt: Option<String>,
    pub status: String,
    pub visibility: String,
    pub featured: bool,
    pub reading_time: i32,
    pub meta_title: Option<String>,
    pub meta_description: Option<String>,
    pub og_image: Option<String>,
    pub og_title: Option<String>,
    pub og_description: Option<String>,
    pub twitter_image: Option<String>,
    pub twitter_title: Option<String>,
    pub twitter_description: Option<String>,
    pub canonical_url: Option<String>,
    pub published_at: Option<OffsetDateTime>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub content_updated_at: Option<OffsetDateTime>,
}

const POST_COLUMNS: &str = "p.id, p.uuid, p.type, p.title, p.slug, p.markdown, p.lexical, p.html, p.plaintext, \
     p.feature_image, p.feature_image_alt, p.feature_image_caption, p.feature_image_credit, \
     p.custom_excerpt, p.status, p.visibility, p.featured, p.reading_time, p.meta_title, \
     p.meta_description, p.og_image, p.og_title, p.og_description, p.twitter_image, p.twitter_title, \
     p.twitter_description, p.canonical_url, p.published_at, p.created_at, p.updated_at, \
     p.content_updated_at";

const LIVE_POSTS: &str = "p.type = 'post' AND p.status = 'published'";

/// Related stories are looked for among this many of the latest stories of each tag.
const RELATED_PER_TAG: u32 = 50;

/// A line of a sitemap.
#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize)]
pub struct SitemapEntry {
    pub slug: String,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    pub feature_image: Option<String>,
}

#[derive(sqlx::FromRow)]
struct SitemapFile {
    lastmod: OffsetDateTime,
}

/// The queries for the tags and the authors of some posts, in each post's order: `posts` follows
/// `FROM posts_tags link` (or `posts_authors link`) and says which posts' links are read.
fn relation_queries(posts: &str) -> (String, String) {
    (
        format!(
            "SELECT link.post_id, {TAG_COLUMNS} FROM posts_tags link JOIN tags t ON t.id = link.tag_id {posts} \
             ORDER BY link.post_id, link.sort_order"
        ),
        format!(
            "SELECT link.post_id, {USER_COLUMNS} FROM posts_authors link JOIN users u ON u.id = link.author_id {posts} \
             ORDER BY link.post_id, link.sort_order"
        ),
    )
}

/// `$first, $first+1, ...` for an `IN (...)` list of `count` values.
pub(crate) fn placeholders(first: usize, count: usize) -> String {
    (first..first + count).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}

impl PostRecord {
    fn into_post(self, authors: Vec<StaffUser>, tags: Vec<Tag>, tiers: Vec<ObjectId>) -> Result<Post> {
        let corrupt = |what: &str, value: &str| StorageError::Corrupt(format!("post {} {what} {value:?}", self.id));
        Ok(Post {
            id: ObjectId::parse(&self.id)?,
            post_type: PostType::parse(&self.post_type).ok_or_else(|| corrupt("type", &self.post_type))?,
            status: PostStatus::parse(&self.status).ok_or_else(|| corrupt("status", &self.status))?,
            visibility: Visibility::parse(&self.visibility).ok_or_else(|| corrupt("visibility", &self.visibility))?,
            slug: Slug::parse(&self.slug)?,
            uuid: self.uuid,
            title: self.title,
            markdown: self.markdown,
            lexical: self.lexical,
            html: self.html,
            plaintext: self.plaintext,
            feature_image: self.feature_image,
            feature_image_alt: self.feature_image_alt,
            feature_image_caption: self.feature_image_caption,
            feature_image_credit: self.feature_image_credit,
            custom_excerpt: self.custom_excerpt,
            featured: self.featured,
            reading_time: self.reading_time,
            meta_title: self.meta_title,
            meta_description: self.meta_description,
            og_image: self.og_image,
            og_title: self.og_title,
            og_description: self.og_description,
            twitter_image: self.twitter_image,
            twitter_title: self.twitter_title,
            twitter_description: self.twitter_description,
            canonical_url: self.canonical_url,
            published_at: self.published_at,
            created_at: self.created_at,
            updated_at: self.updated_at,
            content_updated_at: self.content_updated_at,
            authors,
            tags,
            tiers,
        })
    }
}

#[derive(sqlx::FromRow)]
struct LinkedTag {
    post_id: String,
    #[sqlx(flatten)]
    tag: TagRecord,
}

#[derive(sqlx::FromRow)]
struct LinkedAuthor {
    post_id: String,
    #[sqlx(flatten)]
    user: UserRecord,
}

/// Where the pages of a list can start reading (see [`DbReader::list_marks`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListMarks {
    /// How many stories the list had when marked.
    pub total: u64,
    every: u32,
    ids: Vec<String>,
}

/// Which published posts a list shows.
#[derive(Clone, Copy, Debug)]
pub enum PostList<'a> {
    All,
    Featured,
    Tag(&'a ObjectId),
    Author(&'a ObjectId),
}

impl PostList<'_> {
    /// Counts the list's stories (`$1` its tag or author).
    fn count_sql(&self) -> String {
        match self {
            // An author's links carry their stories' place in the list (migration 0025): counting
            // is a range of one index, however many stories the author has.
            PostList::Author(_) => {
                "SELECT COUNT(*) FROM posts_authors x WHERE x.author_id = $1 AND x.listed_at IS NOT NULL".to_owned()
            }
            _ => format!("SELECT COUNT(*) FROM posts p WHERE {LIVE_POSTS}{}", self.posts_condition()),
        }
    }

    /// The ids of one page of the list, in the public order (`published_at DESC, updated_at
    /// DESC, id DESC`); the limit and offset follow the tag or author parameter, if any.
    fn page_sql(&self) -> String {
        match self {
            PostList::Author(_) => {
                "SELECT x.post_id FROM posts_authors x WHERE x.author_id = $1 AND x.listed_at IS NOT NULL \
                 ORDER BY x.listed_at DESC, x.listed_updated_at DESC, x.post_id DESC LIMIT $2 OFFSET $3"
                    .to_owned()
            }
            _ => {
                let next = if self.parameter().is_some() { 2 } else { 1 };
                format!(
                    "SELECT p.id FROM posts p WHERE {LIVE_POSTS}{} \
                     ORDER BY p.published_at DESC, p.updated_at DESC, p.id DESC LIMIT ${next} OFFSET ${}",
                    self.posts_condition(),
                    next + 1
                )
            }
        }
    }

    /// The ids at every `$n`th place of the list (`$n` after the tag or author parameter), from
    /// the first on, in order: the marks of [`DbReader::list_marks`].
    fn marks_sql(&self) -> String {
        let (numbered, next) = match self {
            PostList::Author(_) => (
                "SELECT x.post_id AS id, ROW_NUMBER() OVER (ORDER BY x.listed_at DESC, x.listed_updated_at DESC, \
                 x.post_id DESC) - 1 AS n FROM posts_authors x WHERE x.author_id = $1 AND x.listed_at IS NOT NULL"
                    .to_owned(),
                2,
            ),
            _ => (
                format!(
                    "SELECT p.id, ROW_NUMBER() OVER (ORDER BY p.published_at DESC, p.updated_at DESC, p.id DESC) - 1 AS n \
                     FROM posts p WHERE {LIVE_POSTS}{}",
                    self.posts_condition()
                ),
                if self.parameter().is_some() { 2 } else { 1 },
            ),
        };
        format!("SELECT id FROM ({numbered}) numbered WHERE n % ${next} = 0 ORDER BY n")
    }

    /// [`PostList::page_sql`] from a mark on: the parameters after the tag or author are the
    /// mark's id, the limit and how many to skip. The list's order key is compared with the
    /// mark's as a row, so the index is entered at the mark. A mark that has left the list
    /// matches nothing (its key reads as NULL).
    fn page_from_mark_sql(&self) -> String {
        match self {
            PostList::Author(_) => {
                const MARK: &str =
                    "FROM posts_authors m WHERE m.author_id = $1 AND m.post_id = $2 AND m.listed_at IS NOT NULL";
                format!(
                    "SELECT x.post_id FROM posts_authors x WHERE x.author_id = $1 AND x.listed_at IS NOT NULL \
                     AND (x.listed_at, x.listed_updated_at, x.post_id) <= \
                     ((SELECT m.listed_at {MARK}), (SELECT m.listed_updated_at {MARK}), $2) \
                     ORDER BY x.listed_at DESC, x.listed_updated_at DESC, x.post_id DESC LIMIT $3 OFFSET $4"
                )
            }
            _ => {
                let mark = if self.parameter().is_some() { 2 } else { 1 };
                let live_mark =
                    format!("FROM posts m WHERE m.id = ${mark} AND m.type = 'post' AND m.status = 'published'");
                format!(
                    "SELECT p.id FROM posts p WHERE {LIVE_POSTS}{} \
                     AND (p.published_at, p.updated_at, p.id) <= \
                     ((SELECT m.published_at {live_mark}), (SELECT m.updated_at {live_mark}), ${mark}) \
                     ORDER BY p.published_at DESC, p.updated_at DESC, p.id DESC LIMIT ${} OFFSET ${}",
                    self.posts_condition(),
                    mark + 1,
                    mark + 2
                )
            }
        }
    }

    /// What narrows the published posts to the list, for the lists read from the posts table.
    fn posts_condition(&self) -> &'static str {
        match self {
            PostList::All | PostList::Author(_) => "",
            PostList::Featured => " AND p.featured = TRUE",
            // From the tag's links: a few stories among many.
            PostList::Tag(_) => " AND p.id IN (SELECT x.post_id FROM posts_tags x WHERE x.tag_id = $1)",
        }
    }

    fn parameter(&self) -> Option<&str> {
        match self {
            PostList::Tag(id) | PostList::Author(id) => Some(id.as_str()),
            PostList::All | PostList::Featured => None,
        }
    }
}

/// What a save writes beside the post itself, in the same transaction, so a story never goes
/// live without the newsletter send it was published with (or with one it was not).
#[derive(Clone, Copy, Debug, Default)]
pub struct PostExtras<'a> {
    /// Jobs the save schedules or cancels (its scheduled publication).
    pub jobs: &'a [crate::JobChange],
    /// The newsletter the post goes to when it is published.
    pub newsletter: NewsletterChoice<'a>,
    /// A send to create now, because the save publishes the post with a newsletter. Created at
    /// most once per post (`ON CONFLICT (post_id) DO NOTHING`).
    pub email: Option<&'a crate::NewEmail>,
}

/// A change to the newsletter a post will be sent to.
#[derive(Clone, Copy, Debug, Default)]
pub enum NewsletterChoice<'a> {
    #[default]
    Keep,
    Clear,
    Set(&'a ObjectId, &'a masthead_core::Segment),
}

macro_rules! write_extras {
    ($tx:ident, $post:expr, $extras:expr) => {
        crate::jobs::apply_job_changes!($tx, $extras.jobs);
        match $extras.newsletter {
            NewsletterChoice::Keep => {}
            NewsletterChoice::Clear => {
                sqlx::query("UPDATE posts SET newsletter_id = NULL, email_segment = NULL WHERE id = $1")
                    .bind($post.id.as_str())
                    .execute(&mut *$tx)
                    .await?;
            }
            NewsletterChoice::Set(newsletter, segment) => {
                sqlx::query("UPDATE posts SET newsletter_id = $2, email_segment = $3 WHERE id = $1")
                    .bind($post.id.as_str())
                    .bind(newsletter.as_str())
                    .bind(segment.as_string())
                    .execute(&mut *$tx)
                    .await?;
            }
        }
        if let Some(email) = $extras.email {
            crate::emails::insert_email!($tx, email);
        }
    };
}

impl Db {
    /// Inserts a post or page with its ordered authors and tags, in one transaction.
    pub async fn insert_post(&self, post: &Post) -> Result<()> {
        self.insert_post_with(post, &PostExtras::default()).await
    }

    /// Inserts a post and writes `extras` (its jobs, newsletter choice and send) in the same
    /// transaction.
    pub async fn insert_post_with(&self, post: &Post, extras: &PostExtras<'_>) -> Result<()> {
        let sql = format!("INSERT INTO posts ({}) VALUES ({})", POST_COLUMNS.replace("p.", ""), placeholders(1, 31));
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            bind_post!(sqlx::query(sqlx::AssertSqlSafe(sql.clone())), post)
                .execute(&mut *tx)
                .await
                .map_err(StorageError::on_unique("slug", post.slug.as_str()))?;
            replace_links!(tx, post);
            write_extras!(tx, post, extras);
            tx.commit().await?;
        });
        Ok(())
    }

    /// Overwrites every column of an existing post and replaces its author and tag links.
    /// Returns false when no post has that id.
    pub async fn update_post(&self, post: &Post) -> Result<bool> {
        self.update_post_with(post, &PostExtras::default()).await
    }

    /// [`Db::update_post`], writing `extras` in the same transaction.
    pub async fn update_post_with(&self, post: &Post, extras: &PostExtras<'_>) -> Result<bool> {
        let assignments = POST_COLUMNS
            .replace("p.", "")
            .split(", ")
            .enumerate()
            .skip(1)
            .map(|(i, column)| format!("{column} = ${}", i + 1))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!("UPDATE posts SET {assignments} WHERE id = $1");
        let updated = on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let result = bind_post!(sqlx::query(sqlx::AssertSqlSafe(sql.clone())), post)
                .execute(&mut *tx)
                .await
                .map_err(StorageError::on_unique("slug", post.slug.as_str()))?;
            if result.rows_affected() == 1 {
                replace_links!(tx, post);
                write_extras!(tx, post, extras);
                tx.commit().await?;
                true
            } else {
                false
            }
        });
        Ok(updated)
    }

    pub async fn delete_post(&self, id: &ObjectId) -> Result<bool> {
        let result = on_db!(self, write, |pool| {
            sqlx::query("DELETE FROM posts WHERE id = $1").bind(id.as_str()).execute(pool).await?.rows_affected()
        });
        Ok(result == 1)
    }
}

impl DbReader {
    pub async fn post_by_id(&self, id: &ObjectId) -> Result<Option<Post>> {
        let sql = sqlx::AssertSqlSafe(format!("SELECT {POST_COLUMNS} FROM posts p WHERE p.id = $1"));
        let rows: Vec<PostRecord> =
            on_db!(self, read, |pool| sqlx::query_as(sql).bind(id.as_str()).fetch_all(pool).await?);
        Ok(self.with_relations(rows).await?.pop())
    }

    /// A post or page by slug, whatever its status: callers decide what may be shown. The row,
    /// its tags and its authors are read at once, each found by the slug: an article's first
    /// read is one round trip's wait on PostgreSQL, not two.
    pub async fn post_by_slug(&self, post_type: PostType, slug: &str) -> Result<Option<Post>> {
        const BY_SLUG: &str = "p.type = $1 AND p.slug = $2";
        let row_sql = sqlx::AssertSqlSafe(format!("SELECT {POST_COLUMNS} FROM posts p WHERE {BY_SLUG}"));
        let (tags_sql, authors_sql) = relation_queries(&format!("JOIN posts p ON p.id = link.post_id WHERE {BY_SLUG}"));
        let (rows, tag_rows, author_rows) = on_db!(self, read, |pool| {
            let row = sqlx::query_as(row_sql).bind(post_type.as_str()).bind(slug);
            let tags = sqlx::query_as(sqlx::AssertSqlSafe(tags_sql.as_str())).bind(post_type.as_str()).bind(slug);
            let authors = sqlx::query_as(sqlx::AssertSqlSafe(authors_sql.as_str())).bind(post_type.as_str()).bind(slug);
            tokio::try_join!(row.fetch_all(pool), tags.fetch_all(pool), authors.fetch_all(pool))?
        });
        Ok(self.assemble(rows, tag_rows, author_rows).await?.pop())
    }

    /// Published posts, newest first, in the Content API's order. The page is found in the
    /// narrow indexes alone (however deep the page, no story's row is read to skip it); then
    /// only its stories are loaded.
    pub async fn published_posts(&self, list: PostList<'_>, page: PageRequest) -> Result<Paginated<Post>> {
        let count_sql = sqlx::AssertSqlSafe(list.count_sql());
        let ids_sql = sqlx::AssertSqlSafe(list.page_sql());
        // Counting the list and finding the page each read the list's index (deep in the
        // archive, tens of thousands of entries each): on two connections at once.
        let (total, ids): (i64, Vec<String>) = on_db!(self, read, |pool| {
            let mut count = sqlx::query_scalar(count_sql);
            let mut select = sqlx::query_scalar(ids_sql);
            if let Some(parameter) = list.parameter() {
                count = count.bind(parameter);
                select = select.bind(parameter);
            }
            let select = select.bind(i64::from(page.limit)).bind(page.offset());
            tokio::try_join!(count.fetch_one(pool), select.fetch_all(pool))?
        });
        let posts = self.posts_by_ids(&ids).await?;
        Ok(Paginated::new(posts, page, total.max(0) as u64))
    }

    /// Where the pages of a long list can start reading: the list's count, and the id of every
    /// `every`th story in its order (the first, the `every + 1`th, ...). Reading them walks the
    /// list's index once (about as long as counting it); a page read with them
    /// ([`DbReader::published_posts_marked`]) then skips fewer than `every` entries, however
    /// deep it is, and counts nothing. Kept by the caller until the list changes.
    pub async fn list_marks(&self, list: PostList<'_>, every: u32) -> Result<ListMarks> {
        let every = every.max(1);
        let count_sql = sqlx::AssertSqlSafe(list.count_sql());
        let marks_sql = sqlx::AssertSqlSafe(list.marks_sql());
        let (total, ids): (i64, Vec<String>) = on_db!(self, read, |pool| {
            let mut count = sqlx::query_scalar(count_sql);
            let mut marks = sqlx::query_scalar(marks_sql);
            if let Some(parameter) = list.parameter() {
                count = count.bind(parameter);
                marks = marks.bind(parameter);
            }
            tokio::try_join!(count.fetch_one(pool), marks.bind(i64::from(every)).fetch_all(pool))?
        });
        Ok(ListMarks { total: total.max(0) as u64, every, ids })
    }

    /// A page of published posts, as [`DbReader::published_posts`] finds it, read from the
    /// nearest mark before it. Should a mark no longer be in the list (a story withdrawn by
    /// another instance before this one heard of it), the page is read by its offset instead.
    pub async fn published_posts_marked(
        &self,
        list: PostList<'_>,
        page: PageRequest,
        marks: &ListMarks,
    ) -> Result<Paginated<Post>> {
        let offset = page.offset();
        let every = i64::from(marks.every);
        let mark = usize::try_from(offset / every).ok().and_then(|i| marks.ids.get(i));
        let ids: Vec<String> = match mark {
            Some(mark) if offset < marks.total as i64 => {
                let sql = sqlx::AssertSqlSafe(list.page_from_mark_sql());
                let skip = offset % every;
                let ids: Vec<String> = on_db!(self, read, |pool| {
                    let mut select = sqlx::query_scalar(sql);
                    if let Some(parameter) = list.parameter() {
                        select = select.bind(parameter);
                    }
                    select.bind(mark.as_str()).bind(i64::from(page.limit)).bind(skip).fetch_all(pool).await?
                });
                if ids.is_empty() {
                    return self.published_posts(list, page).await;
                }
                ids
            }
            // Past the end of the list as it was marked: nothing to show.
            _ => Vec::new(),
        };
        let posts = self.posts_by_ids(&ids).await?;
        Ok(Paginated::new(posts, page, marks.total))
    }

    /// The newest `limit` published posts of a list, without counting the list (a count reads
    /// the whole list's index: 12-24 ms for the whole archive at 100,000 stories on PostgreSQL),
    /// for those that show the latest few: feeds, fill-ins, a front page's sections.
    pub async fn latest_published_posts(&self, list: PostList<'_>, limit: u32) -> Result<Vec<Post>> {
        self.published_page(list, PageRequest::new(1, limit)).await
    }

    async fn published_page(&self, list: PostList<'_>, page: PageRequest) -> Result<Vec<Post>> {
        let ids_sql = sqlx::AssertSqlSafe(list.page_sql());
        let ids: Vec<String> = on_db!(self, read, |pool| {
            let mut select = sqlx::query_scalar(ids_sql);
            if let Some(parameter) = list.parameter() {
                select = select.bind(parameter);
            }
            select.bind(i64::from(page.limit)).bind(page.offset()).fetch_all(pool).await?
        });
        self.posts_by_ids(&ids).await
    }

    /// Stories related to `post`: those sharing the most public tags with it (the first ten in
    /// its order), newest first, among the latest 50 stories of each of those tags (by id,
    /// which grows with time). Counting every story of a large section made an article cost
    /// tens of milliseconds at 100,000 stories. The ranking and the stories' rows are one
    /// query, their tags and authors the next.
    pub async fn posts_sharing_tags(&self, post: &Post, limit: u32) -> Result<Vec<Post>> {
        let tags: Vec<&str> = post
            .tags
            .iter()
            .filter(|t| t.visibility == TagVisibility::Public)
            .take(10)
            .map(|t| t.id.as_str())
            .collect();
        if tags.is_empty() {
            return Ok(Vec::new());
        }
        // $1 the post, $2 the limit, then one parameter a tag.
        let candidates = (0..tags.len())
            .map(|i| {
                format!(
                    "SELECT post_id FROM (SELECT post_id FROM posts_tags WHERE tag_id = ${} \
                     ORDER BY post_id DESC LIMIT {RELATED_PER_TAG}) AS t{i}",
                    i + 3
                )
            })
            .collect::<Vec<_>>()
            .join(" UNION ");
        let sql = sqlx::AssertSqlSafe(format!(
            "WITH candidates AS ({candidates}), \
             ranked AS (SELECT p.id, COUNT(*) AS shared, MAX(p.published_at) AS published_at FROM candidates c \
               JOIN posts p ON p.id = c.post_id \
               JOIN posts_tags pt ON pt.post_id = p.id AND pt.tag_id IN ({}) \
               WHERE {LIVE_POSTS} AND p.id <> $1 \
               GROUP BY p.id ORDER BY shared DESC, MAX(p.published_at) DESC, p.id DESC LIMIT $2) \
             SELECT {POST_COLUMNS} FROM ranked r JOIN posts p ON p.id = r.id \
             ORDER BY r.shared DESC, r.published_at DESC, p.id DESC",
            placeholders(3, tags.len())
        ));
        let rows: Vec<PostRecord> = on_db!(self, read, |pool| {
            let mut query = sqlx::query_as(sql).bind(post.id.as_str()).bind(i64::from(limit));
            for tag in &tags {
                query = query.bind(*tag);
            }
            query.fetch_all(pool).await?
        });
        self.with_relations(rows).await
    }

    /// Posts by id, in the order given; ids with no post are left out.
    pub async fn posts_by_ids(&self, ids: &[String]) -> Result<Vec<Post>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        // The rows, their tags and their authors are all found by the ids, so the three are
        // read at once: one round trip's wait on PostgreSQL, not two.
        let in_ids = placeholders(1, ids.len());
        let row_sql = sqlx::AssertSqlSafe(format!("SELECT {POST_COLUMNS} FROM posts p WHERE p.id IN ({in_ids})"));
        let (tags_sql, authors_sql) = relation_queries(&format!("WHERE link.post_id IN ({in_ids})"));
        let (rows, tag_rows, author_rows) = on_db!(self, read, |pool| {
            let mut row = sqlx::query_as(row_sql);
            let mut tags = sqlx::query_as(sqlx::AssertSqlSafe(tags_sql.as_str()));
            let mut authors = sqlx::query_as(sqlx::AssertSqlSafe(authors_sql.as_str()));
            for id in ids {
                row = row.bind(id);
                tags = tags.bind(id);
                authors = authors.bind(id);
            }
            tokio::try_join!(row.fetch_all(pool), tags.fetch_all(pool), authors.fetch_all(pool))?
        });
        let mut posts = self.assemble(rows, tag_rows, author_rows).await?;
        posts.sort_by_key(|p| ids.iter().position(|id| id == p.id.as_str()));
        Ok(posts)
    }

    /// Published posts whose publication time is at or after `since`, newest first.
    pub async fn posts_published_since(&self, since: OffsetDateTime) -> Result<Vec<Post>> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {POST_COLUMNS} FROM posts p WHERE {LIVE_POSTS} AND p.published_at >= $1 \
             ORDER BY p.published_at DESC, p.id DESC LIMIT 1000"
        ));
        let rows: Vec<PostRecord> = on_db!(self, read, |pool| {
            sqlx::query_as(sql).bind(masthead_core::to_stored_time(since)).fetch_all(pool).await?
        });
        self.with_relations(rows).await
    }

    /// One file of a sitemap: the published posts or pages `per_file` at a time, newest first
    /// (`file` counts from 1).
    pub async fn sitemap_entries(&self, post_type: PostType, file: u32, per_file: u32) -> Result<Vec<SitemapEntry>> {
        let sql = "SELECT slug, updated_at, feature_image FROM posts \
                   WHERE type = $1 AND status = 'published' ORDER BY published_at DESC, id DESC LIMIT $2 OFFSET $3";
        let offset = i64::from(file.max(1) - 1) * i64::from(per_file);
        Ok(on_db!(self, read, |pool| sqlx::query_as(sql)
            .bind(post_type.as_str())
            .bind(i64::from(per_file))
            .bind(offset)
            .fetch_all(pool)
            .await?))
    }

    /// The files of a sitemap of published posts or pages, `per_file` entries each: the newest
    /// change in each, in file order (none when nothing is published).
    pub async fn sitemap_files(&self, post_type: PostType, per_file: u32) -> Result<Vec<OffsetDateTime>> {
        let sql = "SELECT MAX(updated_at) AS lastmod FROM ( \
                     SELECT updated_at, (ROW_NUMBER() OVER (ORDER BY published_at DESC, id DESC) - 1) / $2 AS file \
                     FROM posts WHERE type = $1 AND status = 'published') numbered \
                   GROUP BY file ORDER BY file";
        let rows: Vec<SitemapFile> = on_db!(self, read, |pool| sqlx::query_as(sql)
            .bind(post_type.as_str())
            .bind(i64::from(per_file.max(1)))
            .fetch_all(pool)
            .await?);
        Ok(rows.into_iter().map(|r| r.lastmod).collect())
    }

    pub async fn count_posts(&self) -> Result<i64> {
        Ok(on_db!(self, read, |pool| sqlx::query_scalar("SELECT COUNT(*) FROM posts").fetch_one(pool).await?))
    }

    /// Loads the ordered authors and tags of `rows` with one query each.
    async fn with_relations(&self, rows: Vec<PostRecord>) -> Result<Vec<Post>> {
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
        let (tags_sql, authors_sql) =
            relation_queries(&format!("WHERE link.post_id IN ({})", placeholders(1, ids.len())));
        let (tag_rows, author_rows) = on_db!(self, read, |pool| {
            let mut tags = sqlx::query_as(sqlx::AssertSqlSafe(tags_sql.as_str()));
            let mut authors = sqlx::query_as(sqlx::AssertSqlSafe(authors_sql.as_str()));
            for id in &ids {
                tags = tags.bind(*id);
                authors = authors.bind(*id);
            }
            // Two connections at once: one round trip's wait rather than two.
            tokio::try_join!(tags.fetch_all(pool), authors.fetch_all(pool))?
        });
        self.assemble(rows, tag_rows, author_rows).await
    }

    /// Posts from their rows and the rows of their tags and authors (and, for those limited to
    /// tiers, their tiers, read here).
    async fn assemble(
        &self,
        rows: Vec<PostRecord>,
        tag_rows: Vec<LinkedTag>,
        author_rows: Vec<LinkedAuthor>,
    ) -> Result<Vec<Post>> {
        let mut tags: HashMap<String, Vec<Tag>> = HashMap::new();
        for row in tag_rows {
            tags.entry(row.post_id).or_default().push(row.tag.try_into()?);
        }
        let mut authors: HashMap<String, Vec<StaffUser>> = HashMap::new();
        for row in author_rows {
            authors.entry(row.post_id).or_default().push(row.user.try_into()?);
        }
        let mut tiers = self.tiers_of_posts(&rows).await?;
        rows.into_iter()
            .map(|row| {
                let post_authors = authors.remove(&row.id).unwrap_or_default();
                let post_tags = tags.remove(&row.id).unwrap_or_default();
                let post_tiers = tiers.remove(&row.id).unwrap_or_default();
                row.into_post(post_authors, post_tags, post_tiers)
            })
            .collect()
    }

    /// The ordered tier ids of those of `rows` limited to tiers; the others have none, so most
    /// lists need no query at all.
    async fn tiers_of_posts(&self, rows: &[PostRecord]) -> Result<HashMap<String, Vec<ObjectId>>> {
        let ids: Vec<&str> =
            rows.iter().filter(|r| r.visibility == Visibility::Tiers.as_str()).map(|r| r.id.as_str()).collect();
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT post_id, tier_id FROM posts_tiers WHERE post_id IN ({}) ORDER BY post_id, sort_order",
            placeholders(1, ids.len())
        ));
        let links: Vec<(String, String)> = on_db!(self, read, |pool| {
            let mut query = sqlx::query_as(sql);
            for id in &ids {
                query = query.bind(*id);
            }
            query.fetch_all(pool).await?
        });
        let mut tiers: HashMap<String, Vec<ObjectId>> = HashMap::new();
        for (post_id, tier_id) in links {
            tiers.entry(post_id).or_default().push(ObjectId::parse(&tier_id)?);
        }
        Ok(tiers)
    }
}

/// Binds the 31 post columns in `POST_COLUMNS` order.
macro_rules! bind_post {
    ($query:expr, $post:expr) => {{
        let p = $post;
        $query
            .bind(p.id.as_str())
            .bind(&p.uuid)
            .bind(p.post_type.as_str())
            .bind(&p.title)
            .bind(p.slug.as_str())
            .bind(&p.markdown)
            .bind(&p.lexical)
            .bind(&p.html)
            .bind(&p.plaintext)
            .bind(&p.feature_image)
            .bind(&p.feature_image_alt)
            .bind(&p.feature_image_caption)
            .bind(&p.feature_image_credit)
            .bind(&p.custom_excerpt)
            .bind(p.status.as_str())
            .bind(p.visibility.as_str())
            .bind(p.featured)
            .bind(p.reading_time)
            .bind(&p.meta_title)
            .bind(&p.meta_description)
            .bind(&p.og_image)
            .bind(&p.og_title)
            .bind(&p.og_description)
            .bind(&p.twitter_image)
            .bind(&p.twitter_title)
            .bind(&p.twitter_description)
            .bind(&p.canonical_url)
            .bind(p.published_at.map(masthead_core::to_stored_time))
            .bind(masthead_core::to_stored_time(p.created_at))
            .bind(masthead_core::to_stored_time(p.updated_at))
            .bind(p.content_updated_at.map(masthead_core::to_stored_time))
    }};
}
use bind_post;

/// Rewrites a post's author, tag and tier links inside transaction `$tx`, keeping their order.
macro_rules! replace_links {
    ($tx:ident, $post:expr) => {{
        let p = $post;
        sqlx::query("DELETE FROM posts_tags WHERE post_id = $1").bind(p.id.as_str()).execute(&mut *$tx).await?;
        sqlx::query("DELETE FROM posts_authors WHERE post_id = $1").bind(p.id.as_str()).execute(&mut *$tx).await?;
        for (order, tag) in p.tags.iter().enumerate() {
            sqlx::query("INSERT INTO posts_tags (post_id, tag_id, sort_order) VALUES ($1, $2, $3)")
                .bind(p.id.as_str())
                .bind(tag.id.as_str())
                .bind(order as i32)
                .execute(&mut *$tx)
                .await?;
        }
        for (order, author) in p.authors.iter().enumerate() {
            sqlx::query("INSERT INTO posts_authors (post_id, author_id, sort_order) VALUES ($1, $2, $3)")
                .bind(p.id.as_str())
                .bind(author.id.as_str())
                .bind(order as i32)
                .execute(&mut *$tx)
                .await?;
        }
        sqlx::query("DELETE FROM posts_tiers WHERE post_id = $1").bind(p.id.as_str()).execute(&mut *$tx).await?;
        // Only a post limited to tiers keeps its tiers: changing the visibility forgets them.
        let tiers: &[masthead_core::ObjectId] =
            if p.visibility == masthead_core::Visibility::Tiers { &p.tiers } else { &[] };
        for (order, tier) in tiers.iter().enumerate() {
            sqlx::query("INSERT INTO posts_tiers (post_id, tier_id, sort_order) VALUES ($1, $2, $3)")
                .bind(p.id.as_str())
                .bind(tier.as_str())
                .bind(order as i32)
                .execute(&mut *$tx)
                .await?;
        }
    }};
}
use replace_links;

/// Filters of the newsroom's story list.
#[derive(Clone, Debug, Default)]
pub struct AdminPostFilter {
    pub status: Option<PostStatus>,
    pub author: Option<ObjectId>,
    pub tag: Option<ObjectId>,
    /// Words that must appear in the title.
    pub text: Option<String>,
    /// Only stories this staff member wrote (contributors and authors see their own).
    pub only_by: Option<ObjectId>,
    pub order: AdminPostOrder,
}

/// How the newsroom's story lists are ordered.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum AdminPostOrder {
    /// The last changed first: what people are working on.
    #[default]
    LastChanged,
    /// The latest publication first: what readers saw most recently.
    LatestPublished,
    /// The soonest publication first: the schedule as a timeline.
    SoonestPublished,
}

impl AdminPostOrder {
    fn sql(self) -> &'static str {
        match self {
            Self::LastChanged => "p.updated_at DESC, p.id DESC",
            Self::LatestPublished => "p.published_at DESC, p.id DESC",
            Self::SoonestPublished => "p.published_at, p.id",
        }
    }
}

impl DbReader {
    pub async fn post_by_uuid(&self, uuid: &str) -> Result<Option<Post>> {
        let sql = sqlx::AssertSqlSafe(format!("SELECT {POST_COLUMNS} FROM posts p WHERE p.uuid = $1"));
        let rows: Vec<PostRecord> = on_db!(self, read, |pool| sqlx::query_as(sql).bind(uuid).fetch_all(pool).await?);
        Ok(self.with_relations(rows).await?.pop())
    }

    /// Posts (not pages) of any status for the newsroom, most recently changed first.
    pub async fn admin_posts(&self, filter: &AdminPostFilter, page: PageRequest) -> Result<Paginated<Post>> {
        let mut conditions = Conditions::new("p.type = 'post'");
        if let Some(status) = filter.status {
            conditions.push("p.status = ?", status.as_str().to_owned());
        }
        for author in [&filter.author, &filter.only_by].into_iter().flatten() {
            conditions.push(
                "EXISTS (SELECT 1 FROM posts_authors x WHERE x.post_id = p.id AND x.author_id = ?)",
                author.to_string(),
            );
        }
        if let Some(tag) = &filter.tag {
            conditions
                .push("EXISTS (SELECT 1 FROM posts_tags x WHERE x.post_id = p.id AND x.tag_id = ?)", tag.to_string());
        }
        if let Some(text) = filter.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            conditions.push("LOWER(p.title) LIKE ? ESCAPE '\\'", Conditions::contains(text));
        }
        let (where_clause, params) = (conditions.sql(), conditions.params);
        let count_sql = sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM posts p WHERE {where_clause}"));
        let list_sql = sqlx::AssertSqlSafe(format!(
            "SELECT {POST_COLUMNS} FROM posts p WHERE {where_clause} ORDER BY {} LIMIT ${} OFFSET ${}",
            filter.order.sql(),
            params.len() + 1,
            params.len() + 2
        ));
        let (total, rows): (i64, Vec<PostRecord>) = on_db!(self, read, |pool| {
            let mut count = sqlx::query_scalar(count_sql);
            let mut select = sqlx::query_as(list_sql);
            for value in &params {
                count = count.bind(value);
                select = select.bind(value);
            }
            let total = count.fetch_one(pool).await?;
            (total, select.bind(i64::from(page.limit)).bind(page.offset()).fetch_all(pool).await?)
        });
        Ok(Paginated::new(self.with_relations(rows).await?, page, total.max(0) as u64))
    }
}

/// The body of an imported post as its source system stored it (see migration 0007).
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct PostImportSource {
    /// `html`, `lexical` or `mobiledoc`.
    pub format: String,
    pub source: String,
    pub imported_at: OffsetDateTime,
}

impl Db {
    /// Inserts imported posts, each with its original body and its jobs (a scheduled
    /// publication), so a post never exists without the source it was converted from; all in
    /// one transaction: all are inserted, or
    /// none (a clash on any of them fails the whole batch, which can then be retried post by
    /// post to find the one at fault).
    pub async fn insert_imported_posts(&self, posts: &[&ImportedPost]) -> Result<()> {
        if posts.is_empty() {
            return Ok(());
        }
        let sql = format!("INSERT INTO posts ({}) VALUES ({})", POST_COLUMNS.replace("p.", ""), placeholders(1, 31));
        let new_posts: Vec<&Post> = posts.iter().map(|imported| &imported.post).collect();
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            for imported in posts {
                let post = &imported.post;
                bind_post!(sqlx::query(sqlx::AssertSqlSafe(sql.clone())), post)
                    .execute(&mut *tx)
                    .await
                    .map_err(StorageError::on_unique("post", post.slug.as_str()))?;
                crate::jobs::apply_job_changes!(tx, &imported.jobs[..]);
            }
            insert_new_links!(tx, &new_posts);
            // The original bodies, a few at a time: they are the largest values of the batch.
            for chunk in posts.chunks(IMPORT_SOURCES_PER_STATEMENT) {
                let insert = format!(
                    "INSERT INTO post_import_sources (post_id, format, source, imported_at) VALUES {}",
                    rows_of_placeholders(chunk.len(), 4)
                );
                let mut query = sqlx::query(sqlx::AssertSqlSafe(insert));
                for imported in chunk {
                    let source = &imported.source;
                    query = query
                        .bind(imported.post.id.as_str())
                        .bind(&source.format)
                        .bind(&source.source)
                        .bind(masthead_core::to_stored_time(source.imported_at));
                }
                query.execute(&mut *tx).await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }
}

/// Original bodies per multi-row insert: each can be hundreds of kilobytes.
const IMPORT_SOURCES_PER_STATEMENT: usize = 20;
/// Link rows per multi-row insert (three parameters each, far below either database's limit).
const LINKS_PER_STATEMENT: usize = 300;

/// `($1, $2, $3), ($4, $5, $6)` for `rows` rows of `columns` parameters.
fn rows_of_placeholders(rows: usize, columns: usize) -> String {
    (0..rows).map(|row| format!("({})", placeholders(row * columns + 1, columns))).collect::<Vec<_>>().join(", ")
}

/// Writes the tag, author and tier links of posts that have none yet (new posts), as multi-row
/// inserts of up to [`LINKS_PER_STATEMENT`] rows: a batch of posts has thousands of links, and
/// one statement a link made PostgreSQL wait on a round trip for each.
macro_rules! insert_new_links {
    ($tx:ident, $posts:expr) => {{
        let posts: &[&Post] = $posts;
        let links = |of: fn(&Post) -> Vec<&str>| -> Vec<(&str, &str, i32)> {
            posts
                .iter()
                .flat_map(|p| of(p).into_iter().enumerate().map(move |(i, linked)| (p.id.as_str(), linked, i as i32)))
                .collect()
        };
        let tags = links(|p| p.tags.iter().map(|t| t.id.as_str()).collect());
        let authors = links(|p| p.authors.iter().map(|a| a.id.as_str()).collect());
        // Only a post limited to tiers keeps its tiers, as in `replace_links!`.
        let tiers = links(|p| {
            if p.visibility == masthead_core::Visibility::Tiers {
                p.tiers.iter().map(|t| t.as_str()).collect()
            } else {
                Vec::new()
            }
        });
        for (table, column, links) in [
            ("posts_tags", "tag_id", &tags),
            ("posts_authors", "author_id", &authors),
            ("posts_tiers", "tier_id", &tiers),
        ] {
            for chunk in links.chunks(LINKS_PER_STATEMENT) {
                let insert = format!(
                    "INSERT INTO {table} (post_id, {column}, sort_order) VALUES {}",
                    rows_of_placeholders(chunk.len(), 3)
                );
                let mut query = sqlx::query(sqlx::AssertSqlSafe(insert));
                for (post, linked, order) in chunk {
                    query = query.bind(*post).bind(*linked).bind(*order);
                }
                query.execute(&mut *$tx).await?;
            }
        }
    }};
}
use insert_new_links;

/// One post of [`Db::insert_imported_posts`]: the post, its original body and its jobs.
#[derive(Clone, Debug)]
pub struct ImportedPost {
    pub post: Post,
    pub source: PostImportSource,
    pub jobs: Vec<crate::JobChange>,
}

impl Db {
    /// Inserts new posts with their tag and author links, and `jobs`, in one transaction: the
    /// bulk path of generated archives. Links go in as multi-row inserts, a few hundred rows a
    /// statement, because a batch of a thousand posts has several thousand of them.
    pub async fn insert_new_posts(&self, posts: &[Post], jobs: &[crate::JobChange]) -> Result<()> {
        let sql = format!("INSERT INTO posts ({}) VALUES ({})", POST_COLUMNS.replace("p.", ""), placeholders(1, 31));
        let new_posts: Vec<&Post> = posts.iter().collect();
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            for post in posts {
                bind_post!(sqlx::query(sqlx::AssertSqlSafe(sql.clone())), post)
                    .execute(&mut *tx)
                    .await
                    .map_err(StorageError::on_unique("slug", post.slug.as_str()))?;
            }
            insert_new_links!(tx, &new_posts);
            crate::jobs::apply_job_changes!(tx, jobs);
            tx.commit().await?;
        });
        Ok(())
    }
}

impl DbReader {
    /// Every post and page, whatever its status, oldest first: for exports.
    pub async fn all_posts(&self) -> Result<Vec<Post>> {
        let sql = sqlx::AssertSqlSafe(format!("SELECT {POST_COLUMNS} FROM posts p ORDER BY p.created_at, p.id"));
        let rows: Vec<PostRecord> = on_db!(self, read, |pool| sqlx::query_as(sql).fetch_all(pool).await?);
        self.with_relations(rows).await
    }

    pub async fn post_import_source(&self, post: &ObjectId) -> Result<Option<PostImportSource>> {
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as("SELECT format, source, imported_at FROM post_import_sources WHERE post_id = $1")
                .bind(post.as_str())
                .fetch_optional(pool)
                .await?
        }))
    }
}
