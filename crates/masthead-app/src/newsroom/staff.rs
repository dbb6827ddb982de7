//! Staff accounts: creating them, signing in and out, sessions, the first owner's setup link,
//! password resets.

use std::num::NonZeroUsize;
use std::sync::{Mutex, OnceLock, PoisonError};

use argon2::password_hash::PasswordHasher;
use argon2::password_hash::phc::Output;
use argon2::{Algorithm, Argon2, Block, Params, PasswordHash, Version};
use masthead_core::{ObjectId, Role, Slug, StaffStatus, StaffUser};
use masthead_storage::SessionRecord;
use rand::RngCore;
use sha2::{Digest, Sha256};
use time::{Duration, OffsetDateTime};
use tokio::sync::Semaphore;

use crate::{AppError, Newsroom};

/// Ghost's minimum password length.
pub const MIN_PASSWORD_LEN: usize = 10;
/// Sign-in failures allowed for one account from one client before delays start (Ghost allows
/// four free tries).
pub const FREE_ATTEMPTS: i64 = 4;
/// Failures allowed from one client address across all accounts before delays start: several
/// people behind one address each get their own tries, while spraying guesses across accounts
/// from one address is slowed down.
pub const FREE_ATTEMPTS_PER_CLIENT: i64 = 20;
/// The longest anyone waits between tries. Failures only ever slow the client that made them,
/// and no client waits longer than this.
pub const MAX_DELAY: Duration = Duration::minutes(15);
/// Failures older than this are forgotten.
pub(crate) const FAILURE_WINDOW: Duration = Duration::hours(1);
/// Sessions last this long after the last request...
pub const SESSION_LIFETIME: Duration = Duration::days(14);
/// ...and never longer than this after signing in, however often they are used: a stolen
/// session cookie stops working within a month.
pub const SESSION_MAX_LIFETIME: Duration = Duration::days(30);
pub const SETUP_LINK_LIFETIME: Duration = Duration::hours(24);
pub const RESET_LINK_LIFETIME: Duration = Duration::hours(1);

/// The one message for an unknown account and a wrong password, so the form does not reveal
/// which addresses have accounts.
pub const BAD_CREDENTIALS: &str = "That email address and password do not match an account.";

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum SignInError {
    #[error("{BAD_CREDENTIALS}")]
    BadCredentials,
    #[error("Too many failed attempts. Try again in {} seconds.", retry_after.whole_seconds().max(1))]
    Throttled { retry_after: Duration },
    #[error("This account is suspended.")]
    Suspended,
    #[error("Signing in is not possible right now. Please try again in a minute.")]
    Unavailable,
}

/// A random token for a cookie or a link, and the hash under which it is stored.
pub struct SecretToken {
    pub token: String,
    pub hash: String,
}

impl SecretToken {
    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        let token: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        let hash = hash_token(&token);
        Self { token, hash }
    }
}

pub fn hash_token(token: &str) -> String {
    Sha256::digest(token.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

fn argon2_hash(password: &str) -> Result<String, AppError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|e| AppError::invalid("password", format!("could not hash the password: {e}")))
}

/// Argon2's working memory (19 MiB with the default parameters), at most one per permit of
/// [`on_password_thread`], allocated once and reused. Allocated afresh for every check, freed
/// blocks stayed with the allocator and a burst of sign-ins grew the process by hundreds of
/// megabytes.
static ARGON2_MEMORY: Mutex<Vec<Vec<Block>>> = Mutex::new(Vec::new());

fn argon2_matches(password: &str, hash: &str) -> bool {
    let mut memory = ARGON2_MEMORY.lock().unwrap_or_else(PoisonError::into_inner).pop().unwrap_or_default();
    let matches = argon2_matches_in(password, hash, &mut memory);
    ARGON2_MEMORY.lock().unwrap_or_else(PoisonError::into_inner).push(memory);
    matches
}

/// What `Argon2::verify_password` does, with the caller's working memory.
fn argon2_matches_in(password: &str, hash: &str, memory: &mut Vec<Block>) -> bool {
    let Ok(hash) = PasswordHash::new(hash) else { return false };
    let (Some(salt), Some(expected)) = (&hash.salt, &hash.hash) else { return false };
    let (Ok(algorithm), Ok(version), Ok(params)) = (
        Algorithm::try_from(hash.algorithm.as_str()),
        hash.version.map_or(Ok(Version::default()), Version::try_from),
        Params::try_from(&hash),
    ) else {
        return false;
    };
    memory.resize(params.block_count(), Block::new());
    let mut computed = vec![0u8; expected.len()];
    let argon2 = Argon2::new(algorithm, version, params);
    argon2.hash_password_into_with_memory(password.as_bytes(), salt.as_ref(), &mut computed, &mut memory[..]).is_ok()
        // `Output` compares in constant time.
        && Output::new(&computed).is_ok_and(|computed| computed == *expected)
}

/// A hash of nothing anyone knows, checked when the account does not exist, so an unknown
/// address takes as long to refuse as a wrong password.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| argon2_hash(&SecretToken::generate().token).unwrap_or_default())
}

/// Argon2 costs tens of milliseconds of CPU and 19 MiB of memory per password. It runs on
/// tokio's blocking threads, never on the workers that serve pages, and at most one per core
/// at a time: a burst of sign-ins waits here instead of stalling the site or exhausting memory.
async fn on_password_thread<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T, AppError> {
    static PERMITS: OnceLock<Semaphore> = OnceLock::new();
    let permits =
        PERMITS.get_or_init(|| Semaphore::new(std::thread::available_parallelism().map_or(1, NonZeroUsize::get)));
    let _permit = permits.acquire().await.map_err(|e| AppError::Unavailable(format!("password hashing: {e}")))?;
    tokio::task::spawn_blocking(work).await.map_err(|e| AppError::Unavailable(format!("password hashing: {e}")))
}

async fn hash_password(password: &str) -> Result<String, AppError> {
    let password = password.to_owned();
    on_password_thread(move || argon2_hash(&password)).await?
}

/// Whether `password` matches `hash`; without a hash, a dummy one is checked (and fails) so
/// that the answer takes as long.
async fn password_matches(password: &str, hash: Option<String>) -> bool {
    let password = password.to_owned();
    let checked = on_password_thread(move || match hash {
        Some(hash) => argon2_matches(&password, &hash),
        None => {
            argon2_matches(&password, dummy_hash());
            false
        }
    });
    checked.await.unwrap_or(false)
}

/// Checks a new password against the rules, with a message that says what is wrong.
pub fn check_password(password: &str) -> Result<(), AppError> {
    if password.chars().count() < MIN_PASSWORD_LEN {
        return Err(AppError::invalid("password", format!("a password needs at least {MIN_PASSWORD_LEN} characters")));
    }
    if password.chars().all(|c| c == password.chars().next().unwrap_or(' ')) {
        return Err(AppError::invalid("password", "a password cannot be one character repeated"));
    }
    Ok(())
}

/// Lower-cases and trims an address and checks its shape.
pub fn normalise_email(email: &str) -> Result<String, AppError> {
    let email = email.trim().to_lowercase();
    let valid = email.len() <= 254
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.')
        })
        && !email.chars().any(|c| c.is_whitespace() || c.is_control());
    if valid { Ok(email) } else { Err(AppError::invalid("email", "enter a correct email address")) }
}

/// How long to wait after `failures` failures when `free` are allowed: nothing for the free
/// tries, then 5 seconds, doubling with each further failure, at most [`MAX_DELAY`].
fn throttle_delay(failures: i64, free: i64) -> Option<Duration> {
    (failures >= free).then(|| Duration::seconds(5i64 << (failures - free).min(12)).min(MAX_DELAY))
}

/// Where a client's sign-in attempts are counted (`client` is its address key): across all
/// accounts...
pub fn client_scope(client: &str) -> String {
    format!("client:{client}")
}

/// ...and for one account. Nothing is counted per account alone: failures from a stranger's
/// address must not slow the account's owner, who signs in from another.
pub fn account_scope(email: &str, client: &str) -> String {
    format!("account:{}|client:{client}", email.trim().to_lowercase())
}

impl Newsroom {
    /// Creates a staff account. With a password the account is active; without, it is invited
    /// and must set one through a link.
    pub async fn add_staff(
        &self,
        name: &str,
        email: &str,
        role: Role,
        password: Option<&str>,
    ) -> Result<StaffUser, AppError> {
        let name = name.trim();
        if name.is_empty() {
            return Err(AppError::invalid("name", "a name is required"));
        }
        let email = normalise_email(email)?;
        if let Some(password) = password {
            check_password(password)?;
        }
        if self.db.user_by_email(&email).await?.is_some() {
            return Err(AppError::Conflict(format!("a staff account for {email} already exists")));
        }
        if role == Role::Owner && self.db.owner().await?.is_some() {
            return Err(AppError::Conflict(
                "this site already has an owner; ownership is transferred, not added".into(),
            ));
        }
        let base = Slug::from_title(name).ok_or_else(|| AppError::invalid("name", "a name needs letters or digits"))?;
        let mut slug = base.clone();
        for n in 2..1000 {
            if self.db.user_by_slug(slug.as_str()).await?.is_none() {
                break;
            }
            slug = Slug::parse(&format!("{base}-{n}")).map_err(|e| AppError::invalid("name", e.to_string()))?;
        }
        let status = if password.is_some() { StaffStatus::Active } else { StaffStatus::Invited };
        let user = StaffUser { role, status, ..StaffUser::new(name, slug, email) };
        self.db.insert_user(&user).await?;
        if let Some(password) = password {
            self.db.set_password_hash(&user.id, &hash_password(password).await?).await?;
        }
        Ok(user)
    }

    pub async fn set_password(&self, user: &ObjectId, password: &str) -> Result<(), AppError> {
        check_password(password)?;
        if self.db.user_by_id(user).await?.is_none_or(|u| u.is_guest()) {
            // A guest contributor has no account to sign in to (the database refuses one too).
            return Err(AppError::NotFound("staff account"));
        }
        self.db.set_password_hash(user, &hash_password(password).await?).await?;
        Ok(())
    }

    /// Checks an email address and password, with brute-force protection per client (`client`
    /// is its address key) and per account from that client: free tries, then waits that double
    /// with each failure, never longer than [`MAX_DELAY`]. The attempt is reserved in the
    /// database before the password is checked (so concurrent guesses, on any instance, count
    /// against each other) and given back when the password is right.
    pub async fn sign_in(&self, email: &str, password: &str, client: &str) -> Result<StaffUser, SignInError> {
        let now = masthead_core::now();
        let email = email.trim().to_lowercase();
        let (client_scope, account_scope) = (client_scope(client), account_scope(&email, client));
        let scopes = [client_scope.clone(), account_scope.clone()];
        let wait = |scope: &str, failures: i64, last: OffsetDateTime| {
            let free = if scope == client_scope { FREE_ATTEMPTS_PER_CLIENT } else { FREE_ATTEMPTS };
            let retry_after = last + throttle_delay(failures, free)? - now;
            (retry_after > Duration::ZERO).then_some(retry_after)
        };
        match self.db.reserve_sign_in_attempt(&scopes, now, now - FAILURE_WINDOW, wait).await {
            Ok(None) => {}
            Ok(Some(retry_after)) => {
                tracing::info!(%client, "throttled staff sign-in");
                return Err(SignInError::Throttled { retry_after });
            }
            Err(error) => {
                tracing::error!(%error, "reserving a sign-in attempt failed");
                return Err(SignInError::Unavailable);
            }
        }
        let user = self.db.user_by_email(&email).await.ok().flatten();
        let hash = match &user {
            Some(user) => self.db.password_hash(&user.id).await.ok().flatten(),
            None => None,
        };
        let verified = password_matches(password, hash).await;
        match user {
            Some(user) if verified => {
                // Not a failure: the account's count from this client starts again, and this
                // attempt is given back to the client's (whose other failures still count).
                let _ = self.db.clear_sign_in_attempts(&account_scope).await;
                let _ = self.db.release_sign_in_attempt(&client_scope).await;
                if user.status == StaffStatus::Suspended {
                    return Err(SignInError::Suspended);
                }
                Ok(user)
            }
            _ => {
                // The reserved attempt stays: it is the failure.
                tracing::info!(%client, "failed staff sign-in");
                Err(SignInError::BadCredentials)
            }
        }
    }

    /// Opens a session; the returned token goes in the cookie, only its hash is stored.
    pub async fn open_session(
        &self,
        user: &StaffUser,
        ip: Option<&str>,
        user_agent: Option<&str>,
    ) -> Result<String, AppError> {
        let now = masthead_core::now();
        let secret = SecretToken::generate();
        self.db
            .create_session(&SessionRecord {
                id: secret.hash,
                user_id: user.id.to_string(),
                created_at: now,
                last_seen_at: now,
                expires_at: now + SESSION_LIFETIME,
                ip: ip.map(str::to_owned),
                user_agent: user_agent.map(|ua| ua.chars().take(300).collect()),
            })
            .await?;
        Ok(secret.token)
    }

    /// The staff member behind a session cookie, extending the session while it is used (up to
    /// [`SESSION_MAX_LIFETIME`] after signing in).
    pub async fn session_user(&self, token: &str) -> Result<Option<StaffUser>, AppError> {
        let now = masthead_core::now();
        let id = hash_token(token);
        let Some(session) = self.db.session_user(&id, now, now - SESSION_MAX_LIFETIME).await? else {
            return Ok(None);
        };
        // Slide the expiry at most once an hour, not on every request.
        let slid = (now + SESSION_LIFETIME).min(session.created_at + SESSION_MAX_LIFETIME);
        if slid - session.expires_at > Duration::hours(1) {
            self.db.touch_session(&id, now, slid).await?;
        }
        Ok(Some(session.user))
    }

    /// Signs out one of `user`'s own sessions (a lost laptop, a shared computer), named by its
    /// stored id. Another person's session is "not found".
    pub async fn revoke_own_session(&self, user: &ObjectId, session_id: &str) -> Result<(), AppError> {
        let owned = self.db.sessions_of(user).await?.iter().any(|s| s.id == session_id);
        if !owned || !self.db.delete_session(session_id).await? {
            return Err(AppError::NotFound("session"));
        }
        Ok(())
    }

    pub async fn close_session(&self, token: &str) -> Result<(), AppError> {
        self.db.delete_session(&hash_token(token)).await?;
        Ok(())
    }

    /// When no owner exists: a one-time link (valid 24 hours) to create the owner account.
    pub async fn setup_link(&self, site_url: &str) -> Result<Option<String>, AppError> {
        if self.db.owner().await?.is_some() {
            return Ok(None);
        }
        let secret = SecretToken::generate();
        let expires = masthead_core::now() + SETUP_LINK_LIFETIME;
        self.db.create_staff_token(&secret.hash, "setup", None, expires).await?;
        Ok(Some(format!("{site_url}/admin/setup/{}/", secret.token)))
    }

    pub async fn setup_token_is_live(&self, token: &str) -> Result<bool, AppError> {
        Ok(self.db.staff_token_is_live(&hash_token(token), "setup", masthead_core::now()).await?
            && self.db.owner().await?.is_none())
    }

    /// Creates the owner through a setup link; the link works once.
    pub async fn complete_setup(
        &self,
        token: &str,
        name: &str,
        email: &str,
        password: &str,
    ) -> Result<StaffUser, AppError> {
        if self.db.owner().await?.is_some() {
            // Once there is an owner, every setup link is spent.
            return Err(AppError::NotFound("setup link"));
        }
        normalise_email(email)?;
        check_password(password)?;
        if self.db.use_staff_token(&hash_token(token), "setup", masthead_core::now()).await?.is_none() {
            return Err(AppError::NotFound("setup link"));
        }
        self.add_staff(name, email, Role::Owner, Some(password)).await
    }

    /// Sends a reset link to the account's address if there is one; the caller answers the
    /// same either way.
    pub async fn request_password_reset(&self, email: &str, site_url: &str) -> Result<(), AppError> {
        let Ok(email) = normalise_email(email) else { return Ok(()) };
        let Some(user) = self.db.user_by_email(&email).await? else { return Ok(()) };
        if user.status == StaffStatus::Suspended {
            return Ok(());
        }
        let (link, secret, expires) = self.reset_link_for(&user, site_url).await?;
        let body = format!(
            "Hello {},\n\nSomeone asked to reset the password of your newsroom account. To choose a new password, \
             open this link within an hour:\n\n{link}\n\nIf it was not you, ignore this message; your password stays as it is.\n",
            user.name
        );
        self.send_credential_mail(&user.email, "Reset your password", &body, &link, &secret.hash, expires).await?;
        self.log_staff_link(&user.email, "password reset link");
        Ok(())
    }

    async fn reset_link_for(
        &self,
        user: &StaffUser,
        site_url: &str,
    ) -> Result<(String, SecretToken, OffsetDateTime), AppError> {
        let secret = SecretToken::generate();
        let expires: OffsetDateTime = masthead_core::now() + RESET_LINK_LIFETIME;
        self.db.create_staff_token(&secret.hash, "password_reset", Some(&user.id), expires).await?;
        let link = format!("{}/admin/reset/{}/", site_url.trim_end_matches('/'), secret.token);
        Ok((link, secret, expires))
    }

    /// A one-time password reset link (valid an hour) for an operator with shell access to hand
    /// on (`masthead user reset`): nothing is mailed or logged. Also works for an invited
    /// account, which it activates; a suspended one must be reinstated first.
    pub async fn password_reset_link(&self, email: &str, site_url: &str) -> Result<String, AppError> {
        let email = normalise_email(email)?;
        let user = self.db.user_by_email(&email).await?.ok_or(AppError::NotFound("staff account"))?;
        if user.status == StaffStatus::Suspended {
            return Err(AppError::invalid("email", format!("{email} is suspended: reinstate the account first")));
        }
        Ok(self.reset_link_for(&user, site_url).await?.0)
    }

    /// Sets a new password through a reset link (once), signing out every session and spending
    /// every other reset or invitation link of the account.
    pub async fn reset_password(&self, token: &str, password: &str) -> Result<StaffUser, AppError> {
        check_password(password)?;
        let hash = hash_token(token);
        let user_id = self
            .db
            .use_staff_token(&hash, "password_reset", masthead_core::now())
            .await?
            .flatten()
            .ok_or(AppError::NotFound("reset link"))?;
        self.forget_mailed_links(&[hash]).await;
        let user_id = ObjectId::parse(&user_id).map_err(|e| AppError::invalid("token", e.to_string()))?;
        let user = self.db.user_by_id(&user_id).await?.ok_or(AppError::NotFound("staff account"))?;
        self.set_password(&user.id, password).await?;
        self.db.delete_sessions_of(&user.id).await?;
        let revoked = self.db.revoke_staff_tokens(&user.id, "password_reset", masthead_core::now()).await?;
        self.forget_mailed_links(&revoked).await;
        if user.status == StaffStatus::Invited {
            self.db.set_user_status(&user.id, StaffStatus::Active).await?;
        }
        Ok(user)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(normalise_email("  Anna@Example.ORG ").ok(), Some("anna@example.org".into()));
        for bad in ["", "anna", "anna@", "@example.org", "anna@example", "an na@example.org", "anna@.org"] {
            assert!(normalise_email(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn passwords_are_hashed_with_argon2id_and_verified() {
        let hash = argon2_hash("correct horse battery").expect("hash");
        assert!(hash.starts_with("$argon2id$"));
        assert!(argon2_matches("correct horse battery", &hash));
        assert!(!argon2_matches("wrong horse battery", &hash));
        assert!(check_password("short").is_err());
        assert!(check_password("aaaaaaaaaaaa").is_err());
    }

    #[test]
    fn delays_start_after_the_free_tries_double_and_stop_at_fifteen_minutes() {
        assert_eq!(throttle_delay(3, FREE_ATTEMPTS), None);
        assert_eq!(throttle_delay(4, FREE_ATTEMPTS), Some(Duration::seconds(5)));
        assert_eq!(throttle_delay(5, FREE_ATTEMPTS), Some(Duration::seconds(10)));
        assert_eq!(throttle_delay(8, FREE_ATTEMPTS), Some(Duration::seconds(80)));
        assert_eq!(throttle_delay(11, FREE_ATTEMPTS), Some(Duration::seconds(640)));
        assert_eq!(throttle_delay(12, FREE_ATTEMPTS), Some(Duration::minutes(15)));
        assert_eq!(throttle_delay(40, FREE_ATTEMPTS), Some(Duration::minutes(15)));
        assert_eq!(throttle_delay(i64::from(i32::MAX), FREE_ATTEMPTS), Some(Duration::minutes(15)));
        assert_eq!(throttle_delay(19, FREE_ATTEMPTS_PER_CLIENT), None);
        assert_eq!(throttle_delay(20, FREE_ATTEMPTS_PER_CLIENT), Some(Duration::seconds(5)));
    }

    #[test]
    fn attempts_are_counted_per_client_never_per_account_alone() {
        assert_eq!(client_scope("198.51.100.7"), "client:198.51.100.7");
        assert_eq!(
            account_scope(" Owner@Example.org ", "198.51.100.7"),
            "account:owner@example.org|client:198.51.100.7"
        );
        assert_ne!(
            account_scope("owner@example.org", "198.51.100.7"),
            account_scope("owner@example.org", "203.0.113.1")
        );
    }

    #[test]
    fn verifying_with_reused_memory_agrees_with_argon2() {
        use argon2::password_hash::PasswordVerifier;
        let mut memory = Vec::new();
        let small = Params::new(64, 1, 1, Some(32)).expect("params");
        for argon2 in [Argon2::default(), Argon2::new(Algorithm::Argon2id, Version::V0x13, small)] {
            let hash = argon2.hash_password(b"correct horse battery").expect("hash").to_string();
            for candidate in ["correct horse battery", "correct horse batterz", ""] {
                let expected = argon2.verify_password(candidate.as_bytes(), hash.as_str()).is_ok();
                assert_eq!(argon2_matches_in(candidate, &hash, &mut memory), expected, "{candidate:?} against {hash}");
                assert_eq!(argon2_matches(candidate, &hash), expected);
            }
        }
        for broken in ["", "$argon2id$v=19$m=64,t=1,p=1$", "plain text", "$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$"] {
            assert!(!argon2_matches_in("anything", broken, &mut memory), "{broken:?}");
        }
    }

    #[test]
    fn tokens_are_random_and_stored_hashed() {
        let (a, b) = (SecretToken::generate(), SecretToken::generate());
        assert_ne!(a.token, b.token);
        assert_eq!(a.token.len(), 64);
        assert_eq!(hash_token(&a.token), a.hash);
        assert_ne!(a.hash, a.token);
    }
}
