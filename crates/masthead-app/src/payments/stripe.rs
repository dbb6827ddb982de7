//! Talking to Stripe: the configuration, the few API calls Masthead makes (Checkout Sessions,
//! the customer portal, reading a subscription or customer back) and the webhook signature.

use std::time::Duration;

use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;

use crate::AppError;

/// Stripe's API, where nothing else is configured.
pub const STRIPE_API_BASE: &str = "https://api.stripe.com";

/// How far a webhook's signed time may be from ours (Stripe's libraries use the same).
pub const SIGNATURE_TOLERANCE_SECS: i64 = 300;

/// How this newsroom reaches Stripe. Without a secret key no payment can start; without a
/// webhook secret no webhook is believed.
#[derive(Clone, Default)]
pub struct StripeConfig {
    pub secret_key: Option<String>,
    pub webhook_secret: Option<String>,
    /// `MASTHEAD_STRIPE_API_BASE`, for a stand-in; Stripe's own when `None`.
    pub api_base: Option<String>,
}

// Secrets never reach a log line.
impl std::fmt::Debug for StripeConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StripeConfig")
            .field("secret_key", &self.secret_key.as_ref().map(|_| "<set>"))
            .field("webhook_secret", &self.webhook_secret.as_ref().map(|_| "<set>"))
            .field("api_base", &self.api_base)
            .finish()
    }
}

impl StripeConfig {
    /// Whether readers can pay: a secret key and a webhook secret (payments that are never
    /// confirmed would take money without giving membership).
    pub fn payments_enabled(&self) -> bool {
        self.secret_key.is_some() && self.webhook_secret.is_some()
    }

    fn base(&self) -> &str {
        self.api_base.as_deref().unwrap_or(STRIPE_API_BASE).trim_end_matches('/')
    }

    fn key(&self) -> Result<&str, AppError> {
        self.secret_key
            .as_deref()
            .ok_or_else(|| AppError::Unavailable("Payments are not set up on this site yet.".into()))
    }

    fn client() -> Result<reqwest::Client, AppError> {
        reqwest::Client::builder()
            .timeout(Duration::from_secs(20))
            .build()
            .map_err(|e| AppError::Unavailable(format!("Stripe client: {e}")))
    }

    /// POSTs form `params` to `path` with `idempotency_key`, so a retried call makes nothing
    /// twice.
    pub async fn post(
        &self,
        path: &str,
        params: &[(String, String)],
        idempotency_key: &str,
    ) -> Result<Value, AppError> {
        let body = serde_urlencoded::to_string(params).map_err(|e| AppError::Unavailable(format!("Stripe: {e}")))?;
        let answer = Self::client()?
            .post(format!("{}{path}", self.base()))
            .bearer_auth(self.key()?)
            .header(reqwest::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header("Idempotency-Key", idempotency_key)
            .body(body)
            .send()
            .await;
        Self::read(answer).await
    }

    /// GETs `path` (`None` when Stripe has no such object).
    pub async fn get(&self, path: &str) -> Result<Option<Value>, AppError> {
        let answer = Self::client()?.get(format!("{}{path}", self.base())).bearer_auth(self.key()?).send().await;
        match Self::read(answer).await {
            Ok(value) => Ok(Some(value)),
            Err(AppError::NotFound(_)) => Ok(None),
            Err(other) => Err(other),
        }
    }

    async fn read(answer: Result<reqwest::Response, reqwest::Error>) -> Result<Value, AppError> {
        let answer = answer.map_err(|e| AppError::Unavailable(format!("Stripe could not be reached: {e}")))?;
        let status = answer.status();
        let bytes = answer.bytes().await.unwrap_or_default();
        let body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        if status.is_success() {
            return Ok(body);
        }
        if status == reqwest::StatusCode::NOT_FOUND {
            return Err(AppError::NotFound("Stripe object"));
        }
        let message = body["error"]["message"].as_str().unwrap_or("no message");
        Err(AppError::Unavailable(format!("Stripe answered {status}: {message}")))
    }
}

/// Why a webhook's `Stripe-Signature` was not believed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("no Stripe-Signature header")]
    Missing,
    #[error("the Stripe-Signature header has no timestamp (t=…)")]
    NoTimestamp,
    #[error("the Stripe-Signature header has no v1 signature")]
    NoSignature,
    #[error("the signature's timestamp is more than 300 seconds from now")]
    OutsideTolerance,
    #[error("no v1 signature matches the payload")]
    Mismatch,
}

/// Checks Stripe's scheme: HMAC-SHA256 with the endpoint secret over `t` + `.` + the raw body,
/// compared in constant time with every `v1` in the header (several during a secret's
/// rotation), and `t` within [`SIGNATURE_TOLERANCE_SECS`] of `now`.
pub fn verify_signature(payload: &[u8], header: Option<&str>, secret: &str, now: i64) -> Result<(), SignatureError> {
    let header = header.ok_or(SignatureError::Missing)?;
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", t)) => timestamp = t.parse::<i64>().ok(),
            Some(("v1", sig)) => signatures.push(sig),
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or(SignatureError::NoTimestamp)?;
    if signatures.is_empty() {
        return Err(SignatureError::NoSignature);
    }
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).map_err(|_| SignatureError::Mismatch)?;
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(payload);
    let matches =
        signatures.iter().filter_map(|sig| hex::decode(sig).ok()).any(|sig| mac.clone().verify_slice(&sig).is_ok());
    if !matches {
        return Err(SignatureError::Mismatch);
    }
    if (now - timestamp).abs() > SIGNATURE_TOLERANCE_SECS {
        return Err(SignatureError::OutsideTolerance);
    }
    Ok(())
}

/// The header Stripe would send for `payload` at `timestamp` (for tests and stand-ins).
pub fn sign(payload: &[u8], secret: &str, timestamp: i64) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(format!("{timestamp}.").as_bytes());
    mac.update(payload);
    format!("t={timestamp},v1={}", hex::encode(mac.finalize().into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_is_believed_only_when_it_matches_the_exact_body_and_is_recent() {
        let body = br#"{"id":"evt_1","type":"charge.refunded"}"#;
        let now = 1_800_000_000;
        let good = sign(body, "whsec_test", now);
        assert_eq!(verify_signature(body, Some(&good), "whsec_test", now + 299), Ok(()));
        assert_eq!(verify_signature(body, Some(&good), "whsec_other", now), Err(SignatureError::Mismatch));
        let tampered = br#"{"id":"evt_1","type":"charge.refunded" }"#;
        assert_eq!(verify_signature(tampered, Some(&good), "whsec_test", now), Err(SignatureError::Mismatch));
        assert_eq!(verify_signature(body, Some(&good), "whsec_test", now + 301), Err(SignatureError::OutsideTolerance));
        assert_eq!(verify_signature(body, None, "whsec_test", now), Err(SignatureError::Missing));
        assert_eq!(verify_signature(body, Some("v1=abc"), "whsec_test", now), Err(SignatureError::NoTimestamp));
        assert_eq!(verify_signature(body, Some("t=1800000000"), "whsec_test", now), Err(SignatureError::NoSignature));
        // During a secret's rotation the header carries two v1 values; either may match.
        let rotated = format!("{},v1={}", sign(body, "whsec_old", now), good.split("v1=").nth(1).expect("a v1"));
        assert_eq!(verify_signature(body, Some(&rotated), "whsec_test", now), Ok(()));
        assert_eq!(verify_signature(body, Some(&rotated), "whsec_old", now), Ok(()));
    }
}
