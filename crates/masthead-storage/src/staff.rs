//! Staff accounts, sessions, sign-in failures, one-time tokens and the mail outbox.

use masthead_core::{ObjectId, Role, StaffStatus, StaffUser};
use time::OffsetDateTime;

use crate::users::{USER_COLUMNS, UserRecord};
use crate::{Db, DbReader, Result, StorageError, on_db};

/// A signed-in session as stored (the id is the hash of the cookie's token).
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct SessionRecord {
    pub id: String,
    pub user_id: String,
    pub created_at: OffsetDateTime,
    pub last_seen_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

#[derive(sqlx::FromRow)]
struct SessionWithUser {
    #[sqlx(flatten)]
    user: UserRecord,
    session_created_at: OffsetDateTime,
    session_expires_at: OffsetDateTime,
}

/// A live session and the active staff member it belongs to.
#[derive(Clone, Debug, PartialEq)]
pub struct LiveSession {
    pub user: StaffUser,
    /// When the staff member signed in.
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
}

/// A message in the outbox, as administrators may see it.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow, serde::Serialize)]
pub struct OutboxMessage {
    pub id: String,
    pub to_address: String,
    pub subject: String,
    /// For a message with a one-time link, the text with the link withheld.
    pub text_body: String,
    /// Whether the message carries a one-time link (a password reset, an invitation, a sign-in
    /// or confirmation link).
    pub carries_link: bool,
    /// Whether the link is still kept for the relay (it is forgotten once the relay takes the
    /// message, or the link is used, revoked or expired).
    pub link_kept: bool,
    /// `kept` (no transport), `pending`, `sending`, `sent` or `failed`.
    pub status: String,
    pub error: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub sent_at: Option<OffsetDateTime>,
}

impl Db {
    /// The stored password hash of an account, if it has one.
    pub async fn password_hash(&self, user: &ObjectId) -> Result<Option<String>> {
        let row: Option<(Option<String>,)> = on_db!(self, read, |pool| {
            sqlx::query_as("SELECT password_hash FROM users WHERE id = $1")
                .bind(user.as_str())
                .fetch_optional(pool)
                .await?
        });
        Ok(row.and_then(|(hash,)| hash))
    }

    pub async fn set_password_hash(&self, user: &ObjectId, hash: &str) -> Result<()> {
        on_db!(self, write, |pool| {
            sqlx::query("UPDATE users SET password_hash = $2, updated_at = $3 WHERE id = $1")
                .bind(user.as_str())
                .bind(hash)
                .bind(masthead_core::now())
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    pub async fn set_user_role(&self, user: &ObjectId, role: Role) -> Result<()> {
        on_db!(self, write, |pool| {
            sqlx::query("UPDATE users SET role = $2, updated_at = $3 WHERE id = $1")
                .bind(user.as_str())
                .bind(role.as_str())
                .bind(masthead_core::now())
                .execute(pool)
                .await
                .map_err(StorageError::on_unique("owner", role.as_str()))?;
        });
        Ok(())
    }

    pub async fn set_user_status(&self, user: &ObjectId, status: StaffStatus) -> Result<()> {
        on_db!(self, write, |pool| {
            sqlx::query("UPDATE users SET status = $2, updated_at = $3 WHERE id = $1")
                .bind(user.as_str())
                .bind(status.as_str())
                .bind(masthead_core::now())
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    pub async fn create_session(&self, session: &SessionRecord) -> Result<()> {
        on_db!(self, write, |pool| {
            sqlx::query(
                "INSERT INTO staff_sessions (id, user_id, created_at, last_seen_at, expires_at, ip, user_agent) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(&session.id)
            .bind(&session.user_id)
            .bind(masthead_core::to_stored_time(session.created_at))
            .bind(masthead_core::to_stored_time(session.last_seen_at))
            .bind(masthead_core::to_stored_time(session.expires_at))
            .bind(&session.ip)
            .bind(&session.user_agent)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// A session that has not expired, was opened after `opened_after`, and belongs to an active
    /// staff member.
    pub async fn session_user(
        &self,
        id: &str,
        now: OffsetDateTime,
        opened_after: OffsetDateTime,
    ) -> Result<Option<LiveSession>> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {USER_COLUMNS}, s.created_at AS session_created_at, s.expires_at AS session_expires_at \
             FROM staff_sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.id = $1 AND s.expires_at > $2 AND s.created_at > $3 AND u.status = 'active' \
             AND u.kind = 'staff'"
        ));
        let row: Option<SessionWithUser> = on_db!(self, read, |pool| {
            sqlx::query_as(sql)
                .bind(id)
                .bind(masthead_core::to_stored_time(now))
                .bind(masthead_core::to_stored_time(opened_after))
                .fetch_optional(pool)
                .await?
        });
        row.map(|r| {
            Ok(LiveSession {
                user: StaffUser::try_from(r.user)?,
                created_at: r.session_created_at,
                expires_at: r.session_expires_at,
            })
        })
        .transpose()
    }

    pub async fn touch_session(&self, id: &str, now: OffsetDateTime, expires_at: OffsetDateTime) -> Result<()> {
        on_db!(self, write, |pool| {
            sqlx::query("UPDATE staff_sessions SET last_seen_at = $2, expires_at = $3 WHERE id = $1")
                .bind(id)
                .bind(masthead_core::to_stored_time(now))
                .bind(masthead_core::to_stored_time(expires_at))
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    pub async fn delete_session(&self, id: &str) -> Result<bool> {
        let deleted = on_db!(self, write, |pool| {
            sqlx::query("DELETE FROM staff_sessions WHERE id = $1").bind(id).execute(pool).await?.rows_affected()
        });
        Ok(deleted == 1)
    }

    pub async fn delete_sessions_of(&self, user: &ObjectId) -> Result<()> {
        on_db!(self, write, |pool| {
            sqlx::query("DELETE FROM staff_sessions WHERE user_id = $1").bind(user.as_str()).execute(pool).await?;
        });
        Ok(())
    }

    /// Reserves one sign-in attempt in every scope at once, or none. In one transaction each
    /// scope's counter row is locked (on PostgreSQL, reservations for the same scope from any
    /// instance wait for each other; SQLite has one writer), and `wait` is asked, for each scope,
    /// how long it must still wait given its attempts and when the last one was. If no scope must
    /// wait, every counter goes up by one and `None` is returned: the attempt is counted before
    /// the password is checked, so concurrent guesses see each other. Otherwise nothing changes
    /// and the longest wait is returned. Attempts older than `forget_before` no longer count.
    pub async fn reserve_sign_in_attempt(
        &self,
        scopes: &[String],
        now: OffsetDateTime,
        forget_before: OffsetDateTime,
        wait: impl Fn(&str, i64, OffsetDateTime) -> Option<time::Duration>,
    ) -> Result<Option<time::Duration>> {
        // One lock order for everyone, so two reservations never wait for each other in a circle.
        let mut scopes = scopes.to_vec();
        scopes.sort();
        scopes.dedup();
        let (now, forget_before) = (masthead_core::to_stored_time(now), masthead_core::to_stored_time(forget_before));
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let mut longest: Option<time::Duration> = None;
            for scope in &scopes {
                sqlx::query(
                    "INSERT INTO sign_in_attempts (scope, attempts, last_at) VALUES ($1, 0, $2) \
                     ON CONFLICT (scope) DO NOTHING",
                )
                .bind(scope)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                // An UPDATE that changes nothing takes the row lock on both databases (SQLite
                // has no SELECT ... FOR UPDATE) and returns the row as the last writer left it.
                let (attempts, last_at): (i32, OffsetDateTime) = sqlx::query_as(
                    "UPDATE sign_in_attempts SET attempts = attempts WHERE scope = $1 RETURNING attempts, last_at",
                )
                .bind(scope)
                .fetch_one(&mut *tx)
                .await?;
                let attempts = if last_at < forget_before { 0 } else { i64::from(attempts) };
                if let Some(remaining) = wait(scope, attempts, last_at) {
                    longest = Some(longest.map_or(remaining, |l| l.max(remaining)));
                }
            }
            if longest.is_none() {
                for scope in &scopes {
                    sqlx::query(
                        "UPDATE sign_in_attempts SET attempts = CASE WHEN last_at < $3 THEN 1 ELSE attempts + 1 END, \
                         last_at = $2 WHERE scope = $1",
                    )
                    .bind(scope)
                    .bind(now)
                    .bind(forget_before)
                    .execute(&mut *tx)
                    .await?;
                }
            }
            tx.commit().await?;
            Ok(longest)
        })
    }

    /// Gives back an attempt reserved in `scope` (the password was right).
    pub async fn release_sign_in_attempt(&self, scope: &str) -> Result<()> {
        on_db!(self, write, |pool| {
            sqlx::query("UPDATE sign_in_attempts SET attempts = attempts - 1 WHERE scope = $1 AND attempts > 0")
                .bind(scope)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// Forgets every attempt in `scope`.
    pub async fn clear_sign_in_attempts(&self, scope: &str) -> Result<()> {
        on_db!(self, write, |pool| {
            sqlx::query("DELETE FROM sign_in_attempts WHERE scope = $1").bind(scope).execute(pool).await?;
        });
        Ok(())
    }

    /// Deletes the counters whose last attempt was before `forget_before`: they count as no
    /// attempts anyway. Returns how many went.
    pub async fn prune_sign_in_attempts(&self, forget_before: OffsetDateTime) -> Result<u64> {
        Ok(on_db!(self, write, |pool| {
            sqlx::query("DELETE FROM sign_in_attempts WHERE last_at < $1")
                .bind(masthead_core::to_stored_time(forget_before))
                .execute(pool)
                .await?
                .rows_affected()
        }))
    }

    /// The attempts counted in `scope` and when the last one was.
    pub async fn sign_in_attempts(&self, scope: &str) -> Result<Option<(i64, OffsetDateTime)>> {
        let row: Option<(i32, OffsetDateTime)> = on_db!(self, read, |pool| {
            sqlx::query_as("SELECT attempts, last_at FROM sign_in_attempts WHERE scope = $1")
                .bind(scope)
                .fetch_optional(pool)
                .await?
        });
        Ok(row.map(|(attempts, last_at)| (i64::from(attempts), last_at)))
    }

    pub async fn create_staff_token(
        &self,
        id: &str,
        purpose: &str,
        user: Option<&ObjectId>,
        expires_at: OffsetDateTime,
    ) -> Result<()> {
        on_db!(self, write, |pool| {
            sqlx::query(
                "INSERT INTO staff_tokens (id, purpose, user_id, expires_at, created_at) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(id)
            .bind(purpose)
            .bind(user.map(ObjectId::as_str))
            .bind(masthead_core::to_stored_time(expires_at))
            .bind(masthead_core::now())
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// Uses a live token exactly once: of two concurrent uses, one gets `Some`. The inner option
    /// is the account the token was made for.
    pub async fn use_staff_token(
        &self,
        id: &str,
        purpose: &str,
        now: OffsetDateTime,
    ) -> Result<Option<Option<String>>> {
        let row: Option<(Option<String>,)> = on_db!(self, write, |pool| {
            sqlx::query_as(
                "UPDATE staff_tokens SET used_at = $3 WHERE id = $1 AND purpose = $2 AND used_at IS NULL \
                 AND expires_at > $3 RETURNING user_id",
            )
            .bind(id)
            .bind(purpose)
            .bind(masthead_core::to_stored_time(now))
            .fetch_optional(pool)
            .await?
        });
        Ok(row.map(|(user,)| user))
    }
}

impl DbReader {
    /// The members of staff, by name; guest contributors are not staff (see
    /// [`DbReader::authors`]).
    pub async fn staff(&self) -> Result<Vec<StaffUser>> {
        let sql =
            sqlx::AssertSqlSafe(format!("SELECT {USER_COLUMNS} FROM users u WHERE u.kind = 'staff' ORDER BY u.name"));
        let rows: Vec<UserRecord> = on_db!(self, read, |pool| sqlx::query_as(sql).fetch_all(pool).await?);
        rows.into_iter().map(StaffUser::try_from).collect()
    }

    pub async fn owner(&self) -> Result<Option<StaffUser>> {
        let sql = sqlx::AssertSqlSafe(format!("SELECT {USER_COLUMNS} FROM users u WHERE u.role = 'owner'"));
        let row: Option<UserRecord> = on_db!(self, read, |pool| sqlx::query_as(sql).fetch_optional(pool).await?);
        row.map(StaffUser::try_from).transpose()
    }

    pub async fn sessions_of(&self, user: &ObjectId) -> Result<Vec<SessionRecord>> {
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as(
                "SELECT id, user_id, created_at, last_seen_at, expires_at, ip, user_agent FROM staff_sessions \
                 WHERE user_id = $1 ORDER BY last_seen_at DESC",
            )
            .bind(user.as_str())
            .fetch_all(pool)
            .await?
        }))
    }

    /// Whether a token is live (unused, unexpired) without using it.
    pub async fn staff_token_is_live(&self, id: &str, purpose: &str, now: OffsetDateTime) -> Result<bool> {
        let row: Option<(String,)> = on_db!(self, read, |pool| {
            sqlx::query_as(
                "SELECT id FROM staff_tokens WHERE id = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3",
            )
            .bind(id)
            .bind(purpose)
            .bind(masthead_core::to_stored_time(now))
            .fetch_optional(pool)
            .await?
        });
        Ok(row.is_some())
    }

    /// Spends every unused token of `purpose` made for `user`, so that none of them works any more.
    /// Returns their ids (the hashes of the tokens).
    pub async fn revoke_staff_tokens(
        &self,
        user: &ObjectId,
        purpose: &str,
        now: OffsetDateTime,
    ) -> Result<Vec<String>> {
        let rows: Vec<(String,)> = on_db!(self, write, |pool| {
            sqlx::query_as(
                "UPDATE staff_tokens SET used_at = $3 WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL \
                 RETURNING id",
            )
            .bind(user.as_str())
            .bind(purpose)
            .bind(masthead_core::to_stored_time(now))
            .fetch_all(pool)
            .await?
        });
        Ok(rows.into_iter().map(|(id,)| id).collect())
    }

    pub async fn outbox(&self) -> Result<Vec<OutboxMessage>> {
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as(
                "SELECT id, to_address, subject, text_body, credential_hash IS NOT NULL AS carries_link, \
                 secret_text_body IS NOT NULL AS link_kept, status, error, created_at, sent_at FROM outbox \
                 ORDER BY created_at DESC, id DESC LIMIT 200",
            )
            .fetch_all(pool)
            .await?
        }))
    }
}
