//! A local Stripe for tests: `stripe/standin.py`, which is localstripe (from PyPI, installed by
//! `./test.sh`) plus Checkout Sessions, the customer portal and `charge.refunded`. One process per
//! [`StripeStandIn`] on a free port of 127.0.0.1, killed when the value is dropped.
//!
//! ```text
//! let Some(stripe) = StripeStandIn::start().await else { return }; // not installed (outside CI)
//! let app = TestApp::paying(&db, &stripe).await;
//! let customer = stripe.api_post("/v1/customers", &[("email", "ann@example.org")]).await;
//! ```
//!
//! Webhook payloads a test delivers are signed with Stripe's scheme ([`sign`]) under
//! [`TEST_WEBHOOK_SECRET`].

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use masthead_app::payments::StripeConfig;
use serde_json::Value;

/// The secret key tests use (localstripe accepts any `sk_` key).
pub const TEST_STRIPE_KEY: &str = "sk_test_masthead";
/// The webhook signing secret tests use.
pub const TEST_WEBHOOK_SECRET: &str = "whsec_masthead_test";
const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/stripe/standin.py");
const START_TIMEOUT: Duration = Duration::from_secs(60);
const LISTENING: &str = "listening on http://127.0.0.1:";

pub struct StripeStandIn {
    child: Child,
    base: String,
    http: reqwest::Client,
    log: tempfile::NamedTempFile,
}

impl std::fmt::Debug for StripeStandIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StripeStandIn").field("base", &self.base).finish()
    }
}

impl Drop for StripeStandIn {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl StripeStandIn {
    /// Starts the stand-in. Without Python's `localstripe`, outside CI this prints one loud line
    /// and returns `None`; in CI (`CI=true`) it fails the test.
    pub async fn start() -> Option<Self> {
        let http =
            reqwest::Client::builder().no_proxy().timeout(Duration::from_secs(30)).build().expect("an HTTP client");
        let log = tempfile::NamedTempFile::new().expect("a file for the stand-in's log");
        let output = log.reopen().expect("the stand-in's log");
        let errors = output.try_clone().expect("the stand-in's log");
        let child = Command::new("python3")
            .args([SCRIPT, "--port", "0"])
            .stdin(Stdio::null())
            .stdout(output)
            .stderr(errors)
            .spawn()
            .expect("python3 runs");
        let mut server = Self { child, base: String::new(), http, log };
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if let Ok(Some(status)) = server.child.try_wait() {
                let text = server.log_text();
                if text.contains("No module named 'localstripe'") && std::env::var("CI").as_deref() != Ok("true") {
                    eprintln!(
                        "SKIPPED: the Stripe stand-in needs localstripe: pip install localstripe (./test.sh does)"
                    );
                    return None;
                }
                panic!("the Stripe stand-in exited ({status}):\n{text}");
            }
            if let Some(port) =
                server.log_text().split(LISTENING).nth(1).and_then(|rest| {
                    rest.split(|c: char| !c.is_ascii_digit()).next().and_then(|p| p.parse::<u16>().ok())
                })
            {
                server.base = format!("http://127.0.0.1:{port}");
                return Some(server);
            }
            assert!(Instant::now() < deadline, "the Stripe stand-in did not start:\n{}", server.log_text());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(self.log.path()).unwrap_or_default()
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// The configuration a newsroom reaches this stand-in with.
    pub fn config(&self) -> StripeConfig {
        StripeConfig {
            secret_key: Some(TEST_STRIPE_KEY.into()),
            webhook_secret: Some(TEST_WEBHOOK_SECRET.into()),
            api_base: Some(self.base.clone()),
        }
    }

    async fn read(response: reqwest::Response) -> Value {
        let status = response.status();
        let body: Value = serde_json::from_slice(&response.bytes().await.expect("a body")).unwrap_or(Value::Null);
        assert!(status.is_success(), "the stand-in answered {status}: {body}");
        body
    }

    /// A Stripe API POST (form-encoded, with the test key).
    pub async fn api_post(&self, path: &str, form: &[(&str, &str)]) -> Value {
        let body = serde_urlencoded::to_string(form).expect("a form");
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(TEST_STRIPE_KEY)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .expect("the stand-in answers");
        Self::read(response).await
    }

    pub async fn api_get(&self, path: &str) -> Value {
        let response = self
            .http
            .get(format!("{}{path}", self.base))
            .bearer_auth(TEST_STRIPE_KEY)
            .send()
            .await
            .expect("the stand-in answers");
        Self::read(response).await
    }

    pub async fn api_delete(&self, path: &str) -> Value {
        let response = self
            .http
            .delete(format!("{}{path}", self.base))
            .bearer_auth(TEST_STRIPE_KEY)
            .send()
            .await
            .expect("the stand-in answers");
        Self::read(response).await
    }

    /// A customer with a working card and a subscription to a monthly plan of `amount` cents,
    /// its metadata as given: `(customer id, subscription id)`.
    pub async fn subscribe(&self, email: &str, amount: i64, metadata: &[(&str, &str)]) -> (String, String) {
        let method = self
            .api_post(
                "/v1/payment_methods",
                &[
                    ("type", "card"),
                    ("card[number]", "4242424242424242"),
                    ("card[exp_month]", "12"),
                    ("card[exp_year]", "2030"),
                    ("card[cvc]", "123"),
                ],
            )
            .await;
        let method = method["id"].as_str().expect("a payment method");
        let customer = self
            .api_post(
                "/v1/customers",
                &[("email", email), ("payment_method", method), ("invoice_settings[default_payment_method]", method)],
            )
            .await;
        let customer = customer["id"].as_str().expect("a customer").to_owned();
        let product = self.api_post("/v1/products", &[("name", "Membership")]).await;
        let amount = amount.to_string();
        let plan = self
            .api_post(
                "/v1/plans",
                &[
                    ("amount", &amount),
                    ("currency", "usd"),
                    ("interval", "month"),
                    ("product", product["id"].as_str().expect("a product")),
                ],
            )
            .await;
        let plan = plan["id"].as_str().expect("a plan");
        let mut form: Vec<(String, String)> =
            vec![("customer".into(), customer.clone()), ("items[0][plan]".into(), plan.into())];
        for (k, v) in metadata {
            form.push((format!("metadata[{k}]"), (*v).to_owned()));
        }
        let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let subscription = self.api_post("/v1/subscriptions", &pairs).await;
        (customer, subscription["id"].as_str().expect("a subscription").to_owned())
    }

    /// Sends every event the stand-in raises to `url`, signed with [`TEST_WEBHOOK_SECRET`].
    pub async fn send_webhooks_to(&self, url: &str) {
        let response = self
            .http
            .post(format!("{}/_config/webhooks/masthead", self.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(serde_urlencoded::to_string([("url", url), ("secret", TEST_WEBHOOK_SECRET)]).expect("a form"))
            .send()
            .await
            .expect("the stand-in answers");
        assert!(response.status().is_success());
    }

    /// The Idempotency-Key of every API call that carried one, oldest first, with its path.
    pub async fn idempotent_requests(&self) -> Vec<(String, Option<String>)> {
        let seen = self.http.get(format!("{}/_standin/requests", self.base)).send().await.expect("answers");
        let seen: Value = serde_json::from_slice(&seen.bytes().await.expect("a body")).expect("JSON");
        seen.as_array()
            .into_iter()
            .flatten()
            .map(|r| (r["path"].as_str().unwrap_or("").to_owned(), r["idempotency_key"].as_str().map(str::to_owned)))
            .collect()
    }
}

/// A Stripe event, as Stripe sends it, for `object`.
pub fn event(id: &str, event_type: &str, created: i64, object: Value) -> String {
    serde_json::json!({
        "id": id,
        "object": "event",
        "type": event_type,
        "created": created,
        "api_version": "2017-08-15",
        "data": { "object": object },
    })
    .to_string()
}

/// The `Stripe-Signature` header for `payload`, signed now with [`TEST_WEBHOOK_SECRET`].
pub fn sign(payload: &str) -> String {
    masthead_app::payments::stripe::sign(
        payload.as_bytes(),
        TEST_WEBHOOK_SECRET,
        time::OffsetDateTime::now_utc().unix_timestamp(),
    )
}
