//! Integrations: the keys that let scripts, front ends and services use Ghost's Content and Admin
//! APIs, and the checks those keys go through.
//!
//! Key formats are Ghost's, so the official clients accept them: a content key is 26 hex
//! characters sent as `?key=`; an admin key is `id:secret` (24 and 64 hex characters), and the
//! client signs a fresh HS256 JWT with the hex-decoded secret for every request.

pub mod webhooks;

use masthead_core::{ObjectId, Slug};
use masthead_storage::{ApiKeyRecord, IntegrationRecord};
use rand::RngCore;
use time::{Duration, OffsetDateTime};

use crate::{AppError, Newsroom};

/// How long a content key found valid is taken as valid without asking the database again. A
/// key deleted or regenerated on this instance is refused at once; on other instances, after at
/// most this long.
pub const KEY_MEMORY: std::time::Duration = std::time::Duration::from_secs(2);

/// Content keys recently found valid, so that the Content API's hot path (an answer served from
/// memory) does not wait on the database for every request. Unknown keys are never remembered.
#[derive(Debug, Default)]
pub struct KeyMemory(
    std::sync::Mutex<std::collections::HashMap<String, (std::sync::Arc<ApiKeyRecord>, std::time::Instant)>>,
);

impl KeyMemory {
    /// Remembered keys beyond this are forgotten together (keys are few; this bounds memory).
    const MOST: usize = 1_000;

    fn recall(&self, key: &str) -> Option<std::sync::Arc<ApiKeyRecord>> {
        let keys = self.0.lock().ok()?;
        let (record, checked) = keys.get(key)?;
        (checked.elapsed() < KEY_MEMORY).then(|| record.clone())
    }

    fn remember(&self, key: &str, record: &std::sync::Arc<ApiKeyRecord>) {
        if let Ok(mut keys) = self.0.lock() {
            if keys.len() >= Self::MOST {
                keys.clear();
            }
            keys.insert(key.to_owned(), (record.clone(), std::time::Instant::now()));
        }
    }

    fn forget_all(&self) {
        if let Ok(mut keys) = self.0.lock() {
            keys.clear();
        }
    }
}

pub const MAX_NAME_LEN: usize = 191;

/// How old a signed admin token may be, as in Ghost.
pub const ADMIN_TOKEN_MAX_AGE: Duration = Duration::minutes(5);
/// Clock difference tolerated between a client and this server.
const CLOCK_SKEW: Duration = Duration::seconds(30);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyKind {
    Content,
    Admin,
}

impl KeyKind {
    pub fn as_str(self) -> &'static str {
        match self {
            KeyKind::Content => "content",
            KeyKind::Admin => "admin",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "content" => Some(KeyKind::Content),
            "admin" => Some(KeyKind::Admin),
            _ => None,
        }
    }
}

/// An integration with the keys to show its owner.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Integration {
    #[serde(flatten)]
    pub record: IntegrationRecord,
    /// 26 hex characters, for `?key=`.
    pub content_key: Option<String>,
    /// `id:secret`, for the Admin API client.
    pub admin_key: Option<String>,
}

impl Integration {
    fn from_parts(record: IntegrationRecord, keys: Vec<ApiKeyRecord>) -> Self {
        let mut integration = Integration { record, content_key: None, admin_key: None };
        for key in keys {
            match KeyKind::parse(&key.kind) {
                Some(KeyKind::Content) => integration.content_key = Some(key.secret),
                Some(KeyKind::Admin) => integration.admin_key = Some(format!("{}:{}", key.id, key.secret)),
                None => {}
            }
        }
        integration
    }
}

fn random_hex(bytes: usize) -> String {
    let mut buffer = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buffer);
    hex::encode(buffer)
}

/// A content key: 26 hex characters (13 random bytes).
fn new_content_secret() -> String {
    random_hex(13)
}

/// An admin secret: 64 hex characters (32 random bytes), the HMAC key of the client's JWTs.
fn new_admin_secret() -> String {
    random_hex(32)
}

fn new_key(integration: &str, kind: KeyKind, now: OffsetDateTime) -> ApiKeyRecord {
    ApiKeyRecord {
        id: ObjectId::new().as_str().to_owned(),
        integration_id: integration.to_owned(),
        kind: kind.as_str().to_owned(),
        secret: match kind {
            KeyKind::Content => new_content_secret(),
            KeyKind::Admin => new_admin_secret(),
        },
        last_seen_at: None,
        created_at: now,
    }
}

fn clean_name(name: &str) -> Result<String, AppError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(AppError::invalid("name", "Give the integration a name."));
    }
    if name.chars().count() > MAX_NAME_LEN {
        return Err(AppError::invalid("name", format!("Keep the name under {MAX_NAME_LEN} characters.")));
    }
    Ok(name.to_owned())
}

fn clean_description(description: Option<&str>) -> Option<String> {
    description.map(str::trim).filter(|d| !d.is_empty()).map(str::to_owned)
}

/// Why an Admin API request was refused, with Ghost's error codes.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AdminAuthError {
    /// 401 `INVALID_AUTH_HEADER`.
    #[error("Authorization header format is \"Authorization: Ghost [token]\"")]
    BadHeader,
    /// 400 `MISSING_ADMIN_API_KID`.
    #[error("Admin API kid missing.")]
    MissingKid,
    /// 401 `UNKNOWN_ADMIN_API_KEY`.
    #[error("Unknown Admin API Key")]
    UnknownKey,
    /// 401 `INVALID_API_KEY_TYPE`.
    #[error("Invalid API Key type")]
    WrongKeyType,
    /// 401 `INVALID_JWT`.
    #[error("Invalid token: {0}")]
    InvalidToken(String),
    /// The key could not be looked up: the database cannot be reached (a 503, not a verdict on
    /// the key).
    #[error("The server is temporarily unavailable, please try again in a moment.")]
    Unavailable,
}

impl AdminAuthError {
    pub fn code(&self) -> &'static str {
        match self {
            AdminAuthError::BadHeader => "INVALID_AUTH_HEADER",
            AdminAuthError::MissingKid => "MISSING_ADMIN_API_KID",
            AdminAuthError::UnknownKey => "UNKNOWN_ADMIN_API_KEY",
            AdminAuthError::WrongKeyType => "INVALID_API_KEY_TYPE",
            AdminAuthError::InvalidToken(_) => "INVALID_JWT",
            AdminAuthError::Unavailable => "SERVICE_UNAVAILABLE",
        }
    }
}

#[derive(serde::Deserialize)]
struct AdminClaims {
    iat: i64,
    #[serde(default)]
    aud: Option<serde_json::Value>,
}

/// Ghost accepts `/admin/` with or without slashes (and the legacy `/v2/admin/` … `/v4/admin/`,
/// `/canary/admin/` forms its clients still send when pinned to an old version).
fn audience_is_admin(aud: &str) -> bool {
    let trimmed = aud.trim_matches('/');
    if trimmed == "admin" {
        return true;
    }
    match trimmed.strip_suffix("/admin") {
        Some(version) => matches!(version, "v2" | "v3" | "v4" | "v5" | "canary"),
        None => false,
    }
}

impl Newsroom {
    /// Creates an integration with a fresh Content API key and Admin API key.
    pub async fn add_integration(&self, name: &str, description: Option<&str>) -> Result<Integration, AppError> {
        let name = clean_name(name)?;
        let base = Slug::from_title(&name).map(|s| s.as_str().to_owned()).unwrap_or_else(|| "integration".into());
        let mut slug = base.clone();
        let mut n = 2;
        while self.db.integration_slug_taken(&slug).await? {
            slug = format!("{base}-{n}");
            n += 1;
        }
        let now = masthead_core::now();
        let record = IntegrationRecord {
            id: ObjectId::new().as_str().to_owned(),
            name,
            slug,
            description: clean_description(description),
            created_at: now,
            updated_at: now,
        };
        let keys = vec![new_key(&record.id, KeyKind::Content, now), new_key(&record.id, KeyKind::Admin, now)];
        self.db.insert_integration(&record, &keys).await?;
        Ok(Integration::from_parts(record, keys))
    }

    pub async fn integrations(&self) -> Result<Vec<Integration>, AppError> {
        let mut out = Vec::new();
        for record in self.db.integrations().await? {
            let keys = self.db.api_keys_of(&record.id).await?;
            out.push(Integration::from_parts(record, keys));
        }
        Ok(out)
    }

    pub async fn integration(&self, id: &str) -> Result<Integration, AppError> {
        let record = self.db.integration_by_id(id).await?.ok_or(AppError::NotFound("integration"))?;
        let keys = self.db.api_keys_of(&record.id).await?;
        Ok(Integration::from_parts(record, keys))
    }

    pub async fn rename_integration(
        &self,
        id: &str,
        name: &str,
        description: Option<&str>,
    ) -> Result<Integration, AppError> {
        let name = clean_name(name)?;
        let description = clean_description(description);
        if !self.db.rename_integration(id, &name, description.as_deref(), masthead_core::now()).await? {
            return Err(AppError::NotFound("integration"));
        }
        self.integration(id).await
    }

    /// Deletes an integration: its keys stop working and its webhooks stop firing at once.
    pub async fn delete_integration(&self, id: &str) -> Result<(), AppError> {
        let deleted = self.db.delete_integration(id).await?;
        self.content_keys.forget_all();
        if !deleted {
            return Err(AppError::NotFound("integration"));
        }
        Ok(())
    }

    /// Replaces one of an integration's keys; the old one is refused from now on.
    pub async fn regenerate_key(&self, id: &str, kind: KeyKind) -> Result<Integration, AppError> {
        let integration = self.integration(id).await?;
        self.db.replace_api_key(&new_key(&integration.record.id, kind, masthead_core::now())).await?;
        self.content_keys.forget_all();
        self.integration(id).await
    }

    /// The content key presented as `?key=`, if it is one.
    pub async fn content_key(&self, key: &str) -> Result<Option<std::sync::Arc<ApiKeyRecord>>, AppError> {
        if let Some(known) = self.content_keys.recall(key) {
            return Ok(Some(known));
        }
        let Some(found) = self.db.content_key(key).await? else { return Ok(None) };
        self.note_key_use(&found, masthead_core::now()).await;
        let found = std::sync::Arc::new(found);
        self.content_keys.remember(key, &found);
        Ok(Some(found))
    }

    /// Checks an Admin API token (the part after `Ghost `) as Ghost does: HS256 only, signed with
    /// the key named by `kid`, for the `/admin/` audience, issued within the last five minutes.
    pub async fn verify_admin_token(&self, token: &str, now: OffsetDateTime) -> Result<ApiKeyRecord, AdminAuthError> {
        let header = jsonwebtoken::decode_header(token)
            .map_err(|e| AdminAuthError::InvalidToken(format!("could not read the token header ({e})")))?;
        let kid = header.kid.filter(|k| !k.is_empty()).ok_or(AdminAuthError::MissingKid)?;
        let key = match self.db.api_key_by_id(&kid).await {
            Ok(Some(key)) => key,
            Ok(None) => return Err(AdminAuthError::UnknownKey),
            Err(e) if e.is_unavailable() => {
                tracing::warn!(error = %e, "could not look up an admin API key");
                return Err(AdminAuthError::Unavailable);
            }
            Err(e) => {
                tracing::error!(error = %e, "could not look up an admin API key");
                return Err(AdminAuthError::UnknownKey);
            }
        };
        if key.kind != KeyKind::Admin.as_str() {
            return Err(AdminAuthError::WrongKeyType);
        }
        let secret = hex::decode(&key.secret).map_err(|_| AdminAuthError::UnknownKey)?;
        let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
        validation.validate_aud = false;
        validation.leeway = CLOCK_SKEW.whole_seconds() as u64;
        validation.set_required_spec_claims(&["exp"]);
        let data =
            jsonwebtoken::decode::<AdminClaims>(token, &jsonwebtoken::DecodingKey::from_secret(&secret), &validation)
                .map_err(|e| AdminAuthError::InvalidToken(jwt_reason(&e)))?;
        let claims = data.claims;
        let audiences: Vec<String> = match claims.aud {
            Some(serde_json::Value::String(a)) => vec![a],
            Some(serde_json::Value::Array(list)) => {
                list.into_iter().filter_map(|v| v.as_str().map(str::to_owned)).collect()
            }
            _ => Vec::new(),
        };
        if !audiences.iter().any(|a| audience_is_admin(a)) {
            return Err(AdminAuthError::InvalidToken("jwt audience invalid. expected: /\\/?admin\\/?$/".into()));
        }
        let issued = OffsetDateTime::from_unix_timestamp(claims.iat)
            .map_err(|_| AdminAuthError::InvalidToken("iat is not a time".into()))?;
        if issued > now + CLOCK_SKEW {
            return Err(AdminAuthError::InvalidToken("jwt issued in the future".into()));
        }
        if now - issued > ADMIN_TOKEN_MAX_AGE + CLOCK_SKEW {
            return Err(AdminAuthError::InvalidToken("maxAge exceeded".into()));
        }
        self.note_key_use(&key, now).await;
        Ok(key)
    }

    /// Records when a key was last used, at most once a minute: API reads must not each cost a
    /// write (SQLite has one writer).
    async fn note_key_use(&self, key: &ApiKeyRecord, now: OffsetDateTime) {
        if key.last_seen_at.is_some_and(|seen| now - seen < Duration::minutes(1)) {
            return;
        }
        if let Err(e) = self.db.touch_api_key(&key.id, now).await {
            tracing::warn!(error = %e, "could not record the use of an API key");
        }
    }
}

fn jwt_reason(error: &jsonwebtoken::errors::Error) -> String {
    use jsonwebtoken::errors::ErrorKind;
    match error.kind() {
        ErrorKind::ExpiredSignature => "jwt expired".into(),
        ErrorKind::InvalidSignature => "invalid signature".into(),
        ErrorKind::InvalidAlgorithm => "invalid algorithm".into(),
        ErrorKind::MissingRequiredClaim(claim) => format!("jwt {claim} missing"),
        ErrorKind::ImmatureSignature => "jwt not active".into(),
        _ => "jwt malformed".into(),
    }
}

/// Signs a token the way `@tryghost/admin-api` does; used by tests and the CLI's examples.
pub fn sign_admin_token(admin_key: &str, issued_at: OffsetDateTime) -> Option<String> {
    let (id, secret) = admin_key.split_once(':')?;
    let secret = hex::decode(secret).ok()?;
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
    header.kid = Some(id.to_owned());
    let iat = issued_at.unix_timestamp();
    let claims = serde_json::json!({ "iat": iat, "exp": iat + 300, "aud": "/admin/" });
    jsonwebtoken::encode(&header, &claims, &jsonwebtoken::EncodingKey::from_secret(&secret)).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_have_ghosts_formats() {
        let content = new_content_secret();
        assert_eq!(content.len(), 26);
        assert!(content.chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
        let admin = new_admin_secret();
        assert_eq!(admin.len(), 64);
        assert_ne!(new_admin_secret(), admin);
    }

    #[test]
    fn the_admin_audience_takes_ghosts_forms() {
        for ok in ["/admin/", "admin", "/admin", "/v4/admin/", "/canary/admin/"] {
            assert!(audience_is_admin(ok), "{ok}");
        }
        for bad in ["/content/", "/admin/x/", "/v9/admin/", "", "/evil/admin/"] {
            assert!(!audience_is_admin(bad), "{bad}");
        }
    }
}
