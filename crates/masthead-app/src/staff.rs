//! Staff accounts: creating them, signing in and out, sessions, the first owner's setup link,
//! password resets.

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use masthead_core::{ObjectId, Role, Slug, StaffStatus, StaffUser};
use masthead_storage::SessionRecord;
use rand::RngCore;
use sha2::{Digest, Sha256};
use time::{Duration, OffsetDateTime};

use crate::{AppError, Newsroom};

/// Ghost's minimum password length.
pub const MIN_PASSWORD_LEN: usize = 10;
/// Sign-in failures allowed before delays start (Ghost allows four free tries).
pub const FREE_ATTEMPTS: i64 = 4;
/// Failures older than this are forgotten.
const FAILURE_WINDOW: Duration = Duration::hours(1);
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

fn hash_password(password: &str) -> Result<String, AppError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|e| AppError::invalid("password", format!("could not hash the password: {e}")))
}

fn password_matches(password: &str, hash: &str) -> bool {
    Argon2::default().verify_password(password.as_bytes(), hash).is_ok()
}

/// A hash of nothing anyone knows, checked when the account does not exist, so an unknown
/// address takes as long to refuse as a wrong password.
fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password(&SecretToken::generate().token).unwrap_or_default())
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

/// How long a scope must wait after `failures` failures: nothing for the free tries, then
/// 5 seconds, doubling with each further failure, at most an hour.
fn throttle_delay(failures: i64) -> Option<Duration> {
    (failures >= FREE_ATTEMPTS).then(|| Duration::seconds((5i64 << (failures - FREE_ATTEMPTS).min(12)).min(3600)))
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
            self.db.set_password_hash(&user.id, &hash_password(password)?).await?;
        }
        Ok(user)
    }

    pub async fn set_password(&self, user: &ObjectId, password: &str) -> Result<(), AppError> {
        check_password(password)?;
        self.db.set_password_hash(user, &hash_password(password)?).await?;
        Ok(())
    }

    /// Checks an email address and password, with brute-force protection per client address
    /// and per account: four free tries, then waits that double with each failure.
    pub async fn sign_in(&self, email: &str, password: &str, ip: &str) -> Result<StaffUser, SignInError> {
        let now = masthead_core::now();
        let email = email.trim().to_lowercase();
        let scopes = [format!("ip:{ip}"), format!("account:{email}")];
        for scope in &scopes {
            let (failures, last) = self.db.sign_in_failures(scope, now - FAILURE_WINDOW).await.unwrap_or((0, None));
            if let (Some(delay), Some(last)) = (throttle_delay(failures), last) {
                let retry_after = last + delay - now;
                if retry_after > Duration::ZERO {
                    return Err(SignInError::Throttled { retry_after });
                }
            }
        }
        let user = self.db.user_by_email(&email).await.ok().flatten();
        let hash = match &user {
            Some(user) => self.db.password_hash(&user.id).await.ok().flatten(),
            None => None,
        };
        let verified = password_matches(password, hash.as_deref().unwrap_or_else(|| dummy_hash())) && hash.is_some();
        match user {
            Some(user) if verified => {
                if user.status == StaffStatus::Suspended {
                    return Err(SignInError::Suspended);
                }
                for scope in &scopes {
                    let _ = self.db.clear_sign_in_failures(scope).await;
                }
                Ok(user)
            }
            _ => {
                for scope in &scopes {
                    let _ = self.db.record_sign_in_failure(scope, now).await;
                }
                tracing::info!(%ip, "failed staff sign-in");
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
        let hash = hash_password("correct horse battery").expect("hash");
        assert!(hash.starts_with("$argon2id$"));
        assert!(password_matches("correct horse battery", &hash));
        assert!(!password_matches("wrong horse battery", &hash));
        assert!(check_password("short").is_err());
        assert!(check_password("aaaaaaaaaaaa").is_err());
    }

    #[test]
    fn delays_start_after_four_failures_and_double() {
        assert_eq!(throttle_delay(3), None);
        assert_eq!(throttle_delay(4), Some(Duration::seconds(5)));
        assert_eq!(throttle_delay(5), Some(Duration::seconds(10)));
        assert_eq!(throttle_delay(8), Some(Duration::seconds(80)));
        assert_eq!(throttle_delay(40), Some(Duration::hours(1)));
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
