use masthead_core::{AuthorKind, ObjectId, Role, Slug, StaffUser};
use time::OffsetDateTime;

use crate::{Db, DbReader, Result, StorageError, on_db};

/// An author as stored: a member of staff, or a guest contributor (no email, role or password).
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct UserRecord {
    pub id: String,
    pub name: String,
    pub slug: String,
    pub email: Option<String>,
    pub role: Option<String>,
    pub kind: String,
    pub status: String,
    pub bio: Option<String>,
    pub profile_image: Option<String>,
    pub cover_image: Option<String>,
    pub website: Option<String>,
    pub location: Option<String>,
    pub twitter: Option<String>,
    pub facebook: Option<String>,
    pub meta_title: Option<String>,
    pub meta_description: Option<String>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

impl TryFrom<UserRecord> for StaffUser {
    type Error = StorageError;
    fn try_from(r: UserRecord) -> Result<Self> {
        let kind =
            AuthorKind::parse(&r.kind).ok_or_else(|| StorageError::Corrupt(format!("user kind {:?}", r.kind)))?;
        let role = match (kind, r.role.as_deref()) {
            // A guest has no role (see `StaffUser::role`).
            (AuthorKind::Guest, None) => Some(Role::Contributor),
            (AuthorKind::Staff, Some(role)) => Role::parse(role),
            _ => None,
        }
        .ok_or_else(|| StorageError::Corrupt(format!("{} with role {:?}", kind.as_str(), r.role)))?;
        Ok(StaffUser {
            id: ObjectId::parse(&r.id)?,
            slug: Slug::parse(&r.slug)?,
            role,
            kind,
            status: masthead_core::StaffStatus::parse(&r.status)
                .ok_or_else(|| StorageError::Corrupt(format!("user status {:?}", r.status)))?,
            name: r.name,
            email: r.email.unwrap_or_default(),
            bio: r.bio,
            profile_image: r.profile_image,
            cover_image: r.cover_image,
            website: r.website,
            location: r.location,
            twitter: r.twitter,
            facebook: r.facebook,
            meta_title: r.meta_title,
            meta_description: r.meta_description,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct AuthorWithCount {
    #[serde(flatten)]
    pub author: StaffUser,
    pub post_count: i64,
}

#[derive(sqlx::FromRow)]
struct AuthorCountRow {
    #[sqlx(flatten)]
    user: UserRecord,
    post_count: i64,
}

pub(crate) const USER_COLUMNS: &str = "u.id, u.name, u.slug, u.email, u.role, u.kind, u.status, u.bio, u.profile_image, \
     u.cover_image, u.website, u.location, u.twitter, u.facebook, u.meta_title, u.meta_description, \
     u.created_at, u.updated_at";

impl Db {
    /// Writes a new author. A guest is stored with no email address and no role; the database
    /// refuses a guest with either, and a member of staff without them.
    pub async fn insert_user(&self, user: &StaffUser) -> Result<()> {
        let sql = "INSERT INTO users (id, name, slug, email, bio, profile_image, cover_image, website, \
                   location, twitter, facebook, meta_title, meta_description, created_at, updated_at, role, status, kind) \
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)";
        let email = Some(user.email.as_str()).filter(|e| !e.is_empty());
        let role = (!user.is_guest()).then(|| user.role.as_str());
        on_db!(self, write, |pool| {
            sqlx::query(sql)
                .bind(user.id.as_str())
                .bind(&user.name)
                .bind(user.slug.as_str())
                .bind(email)
                .bind(&user.bio)
                .bind(&user.profile_image)
                .bind(&user.cover_image)
                .bind(&user.website)
                .bind(&user.location)
                .bind(&user.twitter)
                .bind(&user.facebook)
                .bind(&user.meta_title)
                .bind(&user.meta_description)
                .bind(masthead_core::to_stored_time(user.created_at))
                .bind(masthead_core::to_stored_time(user.updated_at))
                .bind(role)
                .bind(user.status.as_str())
                .bind(user.kind.as_str())
                .execute(pool)
                .await
                .map_err(StorageError::on_unique(
                    if user.is_guest() { "author" } else { "staff account" },
                    if user.is_guest() { user.slug.as_str() } else { &user.email },
                ))?;
        });
        Ok(())
    }
}

impl DbReader {
    pub async fn user_by_slug(&self, slug: &str) -> Result<Option<StaffUser>> {
        let sql = sqlx::AssertSqlSafe(format!("SELECT {USER_COLUMNS} FROM users u WHERE u.slug = $1"));
        let row: Option<UserRecord> =
            on_db!(self, read, |pool| { sqlx::query_as(sql).bind(slug).fetch_optional(pool).await? });
        row.map(StaffUser::try_from).transpose()
    }

    /// The member of staff with this address (a guest contributor has none).
    pub async fn user_by_email(&self, email: &str) -> Result<Option<StaffUser>> {
        let sql =
            sqlx::AssertSqlSafe(format!("SELECT {USER_COLUMNS} FROM users u WHERE u.email = $1 AND u.kind = 'staff'"));
        let row: Option<UserRecord> =
            on_db!(self, read, |pool| { sqlx::query_as(sql).bind(email).fetch_optional(pool).await? });
        row.map(StaffUser::try_from).transpose()
    }

    /// Staff with at least one published post, by slug: the authors' sitemap. Each one's
    /// links are read only up to their first published story.
    pub async fn authors_in_use(&self) -> Result<Vec<StaffUser>> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {USER_COLUMNS} FROM users u WHERE EXISTS ( \
                 SELECT 1 FROM posts_authors pa JOIN posts p ON p.id = pa.post_id \
                 WHERE pa.author_id = u.id AND p.type = 'post' AND p.status = 'published') \
             ORDER BY u.slug"
        ));
        let rows: Vec<UserRecord> = on_db!(self, read, |pool| sqlx::query_as(sql).fetch_all(pool).await?);
        rows.into_iter().map(StaffUser::try_from).collect()
    }

    /// Staff who have at least one published post, with how many, most prolific first.
    pub async fn authors_with_published_posts(&self) -> Result<Vec<AuthorWithCount>> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {USER_COLUMNS}, COUNT(p.id) AS post_count FROM users u \
             JOIN posts_authors pa ON pa.author_id = u.id \
             JOIN posts p ON p.id = pa.post_id AND p.type = 'post' AND p.status = 'published' \
             GROUP BY {USER_COLUMNS} ORDER BY post_count DESC, u.name"
        ));
        let rows: Vec<AuthorCountRow> = on_db!(self, read, |pool| sqlx::query_as(sql).fetch_all(pool).await?);
        rows.into_iter().map(|r| Ok(AuthorWithCount { author: r.user.try_into()?, post_count: r.post_count })).collect()
    }
}

impl DbReader {
    pub async fn user_by_id(&self, id: &ObjectId) -> Result<Option<StaffUser>> {
        let sql = sqlx::AssertSqlSafe(format!("SELECT {USER_COLUMNS} FROM users u WHERE u.id = $1"));
        let row: Option<UserRecord> =
            on_db!(self, read, |pool| { sqlx::query_as(sql).bind(id.as_str()).fetch_optional(pool).await? });
        row.map(StaffUser::try_from).transpose()
    }
}

impl DbReader {
    /// Staff by id, in the order given; ids with no account are left out.
    pub async fn users_by_ids(&self, ids: &[String]) -> Result<Vec<StaffUser>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let list = (1..=ids.len()).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
        let sql = sqlx::AssertSqlSafe(format!("SELECT {USER_COLUMNS} FROM users u WHERE u.id IN ({list})"));
        let rows: Vec<UserRecord> = on_db!(self, read, |pool| {
            let mut query = sqlx::query_as(sql);
            for id in ids {
                query = query.bind(id);
            }
            query.fetch_all(pool).await?
        });
        let mut users = rows.into_iter().map(StaffUser::try_from).collect::<Result<Vec<_>>>()?;
        users.sort_by_key(|u| ids.iter().position(|id| id == u.id.as_str()));
        Ok(users)
    }
}

impl DbReader {
    /// When the first staff account was made: the newsroom's founding, near enough.
    pub async fn first_staff_created_at(&self) -> Result<Option<OffsetDateTime>> {
        let row: Option<(OffsetDateTime,)> = on_db!(self, read, |pool| {
            sqlx::query_as("SELECT created_at FROM users ORDER BY created_at LIMIT 1").fetch_optional(pool).await?
        });
        Ok(row.map(|(at,)| at))
    }
}

/// The profile fields of a guest contributor, the ones the newsroom edits.
#[derive(Clone, Debug, PartialEq)]
pub struct GuestProfile {
    pub name: String,
    pub slug: Slug,
    pub bio: Option<String>,
    pub profile_image: Option<String>,
    pub website: Option<String>,
    pub location: Option<String>,
    pub twitter: Option<String>,
    pub facebook: Option<String>,
}

/// Why a guest contributor was not deleted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GuestDeletion {
    Deleted,
    NotFound,
    /// Stories still carry the byline; they keep it.
    HasStories(i64),
}

impl DbReader {
    /// Everyone who can be named an author of a story, staff and guest contributors, by name.
    pub async fn authors(&self) -> Result<Vec<StaffUser>> {
        let sql = sqlx::AssertSqlSafe(format!("SELECT {USER_COLUMNS} FROM users u ORDER BY u.name, u.id"));
        let rows: Vec<UserRecord> = on_db!(self, read, |pool| sqlx::query_as(sql).fetch_all(pool).await?);
        rows.into_iter().map(StaffUser::try_from).collect()
    }

    /// Guest contributors by name, each with how many stories (of any status) carry their byline.
    pub async fn guests_with_story_counts(&self) -> Result<Vec<AuthorWithCount>> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {USER_COLUMNS}, (SELECT COUNT(*) FROM posts_authors pa WHERE pa.author_id = u.id) AS post_count \
             FROM users u WHERE u.kind = 'guest' ORDER BY u.name, u.id"
        ));
        let rows: Vec<AuthorCountRow> = on_db!(self, read, |pool| sqlx::query_as(sql).fetch_all(pool).await?);
        rows.into_iter().map(|r| Ok(AuthorWithCount { author: r.user.try_into()?, post_count: r.post_count })).collect()
    }
}

impl Db {
    /// Changes a guest contributor's profile; `false` when there is no such guest (a member of
    /// staff is not changed here).
    pub async fn update_guest(&self, id: &ObjectId, profile: &GuestProfile) -> Result<bool> {
        let changed = on_db!(self, write, |pool| {
            sqlx::query(
                "UPDATE users SET name = $2, slug = $3, bio = $4, profile_image = $5, website = $6, location = $7, \
                 twitter = $8, facebook = $9, updated_at = $10 WHERE id = $1 AND kind = 'guest'",
            )
            .bind(id.as_str())
            .bind(&profile.name)
            .bind(profile.slug.as_str())
            .bind(&profile.bio)
            .bind(&profile.profile_image)
            .bind(&profile.website)
            .bind(&profile.location)
            .bind(&profile.twitter)
            .bind(&profile.facebook)
            .bind(masthead_core::now())
            .execute(pool)
            .await
            .map_err(StorageError::on_unique("author", profile.slug.as_str()))?
            .rows_affected()
        });
        Ok(changed == 1)
    }

    /// Deletes a guest contributor who is no story's author. One statement decides, so a story
    /// given the byline meanwhile is never left without it.
    pub async fn delete_guest(&self, id: &ObjectId) -> Result<GuestDeletion> {
        let deleted = on_db!(self, write, |pool| {
            sqlx::query(
                "DELETE FROM users WHERE id = $1 AND kind = 'guest' \
                 AND NOT EXISTS (SELECT 1 FROM posts_authors pa WHERE pa.author_id = $1)",
            )
            .bind(id.as_str())
            .execute(pool)
            .await?
            .rows_affected()
        });
        if deleted == 1 {
            return Ok(GuestDeletion::Deleted);
        }
        let stories: Option<(i64,)> = on_db!(self, write, |pool| {
            sqlx::query_as(
                "SELECT (SELECT COUNT(*) FROM posts_authors pa WHERE pa.author_id = u.id) FROM users u \
                 WHERE u.id = $1 AND u.kind = 'guest'",
            )
            .bind(id.as_str())
            .fetch_optional(pool)
            .await?
        });
        Ok(match stories {
            Some((count,)) => GuestDeletion::HasStories(count),
            None => GuestDeletion::NotFound,
        })
    }
}
