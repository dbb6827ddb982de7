//! The mail transport: SMTP through lettre's pooled async transport when `MASTHEAD_SMTP_URL` is
//! set, otherwise the outbox (messages kept in the database for administrators).
//!
//! Transactional mail is queued in the `outbox` table and delivered by [`Newsroom::run_mail_sender`];
//! newsletters have their own ledger (see `newsletters.rs`). Both claim work with a lease and mark
//! each message sent the moment the relay accepts it.
//!
//! A message that carries a one-time link (a password reset, a staff invitation, a reader's
//! sign-in or confirmation link) is for its addressee alone: the outbox keeps it with the link
//! withheld, keeps the link for the relay only until the relay takes the message (or the link is
//! used, revoked or expires), and the link is never logged, except a reader's link on a local
//! trial (no SMTP and a loopback site URL), where nobody else could receive it.

use std::sync::Arc;
use std::time::Duration as StdDuration;

use lettre::message::dkim::{
    DkimCanonicalization, DkimCanonicalizationType, DkimConfig, DkimSigningAlgorithm, DkimSigningKey,
};
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::PoolConfig;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use masthead_storage::{MailCredential, OutgoingMail};
use time::{Duration, OffsetDateTime};
use tokio::sync::{Notify, watch};

use crate::{AppError, Newsroom};

pub mod newsletters;

/// How the newsroom sends mail.
#[derive(Clone, Debug, Default)]
pub struct MailSettings {
    /// lettre's URL form: `smtp://host:port`, `smtp://host:587?tls=required`, `smtps://user:pass@host:465`.
    pub smtp_url: Option<String>,
    /// `MASTHEAD_MAIL_FROM`: the address mail comes from, e.g. `Newsroom <news@example.org>`.
    pub from: Option<String>,
    /// The public address of the site, for links in mail.
    pub site_url: String,
    pub dkim: Option<DkimSettings>,
    /// Concurrent SMTP connections for newsletters (default 8).
    pub concurrency: Option<usize>,
    /// This instance's name among several; leases it held before a restart are released at start.
    pub instance: Option<String>,
    /// The first wait after a temporary (4xx) failure; it doubles with each attempt. Default 30 s.
    pub retry_base: Option<StdDuration>,
}

/// DKIM signing: selector, domain and a PEM (PKCS#1 RSA) or base64 (Ed25519) private key.
#[derive(Clone)]
pub struct DkimSettings {
    pub selector: String,
    pub domain: String,
    pub private_key: String,
}

impl std::fmt::Debug for DkimSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DkimSettings").field("selector", &self.selector).field("domain", &self.domain).finish()
    }
}

/// What happened to one message.
#[derive(Debug, PartialEq, Eq)]
pub enum Delivery {
    Accepted,
    /// A 4xx reply or a connection problem: try again later.
    Temporary(String),
    /// A 5xx reply: this address will not take the message.
    Permanent(String),
}

struct Inner {
    transport: Option<AsyncSmtpTransport<Tokio1Executor>>,
    from: Mailbox,
    site_url: String,
    dkim: Option<DkimConfig>,
    concurrency: usize,
    instance: String,
    retry_base: Duration,
    wake: Notify,
}

/// Sends mail or keeps it in the outbox. Cheap to clone.
#[derive(Clone)]
pub struct Mailer(Arc<Inner>);

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer")
            .field("delivers", &self.delivers())
            .field("from", &self.0.from.to_string())
            .field("dkim", &self.0.dkim.is_some())
            .finish()
    }
}

/// The headers a DKIM signature covers: the usual ones and RFC 8058's pair, so receivers can
/// trust the one-click unsubscribe.
const SIGNED_HEADERS: [&str; 9] =
    ["From", "To", "Subject", "Date", "Message-ID", "Reply-To", "List-Id", "List-Unsubscribe", "List-Unsubscribe-Post"];

impl Mailer {
    /// A mailer with no transport: everything stays in the outbox.
    pub fn outbox(site_url: &str) -> Self {
        Self::new(&MailSettings { site_url: site_url.to_owned(), ..MailSettings::default() })
            .unwrap_or_else(|_| unreachable_mailer(site_url))
    }

    pub fn new(settings: &MailSettings) -> Result<Self, AppError> {
        let site_url = settings.site_url.trim_end_matches('/').to_owned();
        let host = site_url.split("://").nth(1).unwrap_or("localhost").split(['/', ':']).next().unwrap_or("localhost");
        let from = match settings.from.as_deref().map(str::trim).filter(|f| !f.is_empty()) {
            Some(from) => from
                .parse::<Mailbox>()
                .map_err(|e| AppError::invalid("MASTHEAD_MAIL_FROM", format!("{from:?} is not an address: {e}")))?,
            // A host name with a dot makes a plausible sender; an IP address or "localhost" does not.
            None if host.contains('.') && host.chars().any(|c| c.is_ascii_alphabetic()) => format!("noreply@{host}")
                .parse::<Mailbox>()
                .or_else(|_| "noreply@localhost.localdomain".parse::<Mailbox>())
                .map_err(|e| AppError::invalid("MASTHEAD_MAIL_FROM", e.to_string()))?,
            None => "noreply@localhost.localdomain"
                .parse::<Mailbox>()
                .or_else(|_| "noreply@localhost.localdomain".parse::<Mailbox>())
                .map_err(|e| AppError::invalid("MASTHEAD_MAIL_FROM", e.to_string()))?,
        };
        let concurrency = settings.concurrency.unwrap_or(8).clamp(1, 64);
        let transport = match settings.smtp_url.as_deref().map(str::trim).filter(|u| !u.is_empty()) {
            Some(url) => Some(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| AppError::invalid("MASTHEAD_SMTP_URL", redact(&e.to_string(), url)))?
                    .timeout(Some(StdDuration::from_secs(30)))
                    .pool_config(
                        PoolConfig::new().max_size(concurrency as u32).idle_timeout(StdDuration::from_secs(60)),
                    )
                    .build(),
            ),
            None => None,
        };
        let dkim = match &settings.dkim {
            Some(d) => {
                let algorithm = if d.private_key.contains("BEGIN RSA PRIVATE KEY") {
                    DkimSigningAlgorithm::Rsa
                } else {
                    DkimSigningAlgorithm::Ed25519
                };
                let key = DkimSigningKey::new(d.private_key.trim(), algorithm)
                    .map_err(|e| AppError::invalid("MASTHEAD_DKIM_KEY_FILE", format!("unreadable key: {e:?}")))?;
                Some(DkimConfig::new(
                    d.selector.clone(),
                    d.domain.clone(),
                    key,
                    SIGNED_HEADERS.iter().map(|h| HeaderName::new_from_ascii_str(h)).collect(),
                    DkimCanonicalization {
                        header: DkimCanonicalizationType::Relaxed,
                        body: DkimCanonicalizationType::Relaxed,
                    },
                ))
            }
            None => None,
        };
        Ok(Self(Arc::new(Inner {
            transport,
            from,
            site_url,
            dkim,
            concurrency,
            instance: settings.instance.clone().unwrap_or_else(default_instance),
            retry_base: settings.retry_base.and_then(|d| Duration::try_from(d).ok()).unwrap_or(Duration::seconds(30)),
            wake: Notify::new(),
        })))
    }

    /// Whether a transport delivers mail (otherwise it is kept in the outbox).
    pub fn delivers(&self) -> bool {
        self.0.transport.is_some()
    }

    /// A local trial: no transport, and a site only this machine can reach. Only then may a
    /// reader's sign-in or confirmation link be logged, so that signing up works with no setup.
    pub fn local_trial(&self) -> bool {
        !self.delivers() && is_loopback_site(&self.0.site_url)
    }

    pub fn site_url(&self) -> &str {
        &self.0.site_url
    }

    pub fn from(&self) -> &Mailbox {
        &self.0.from
    }

    pub fn concurrency(&self) -> usize {
        self.0.concurrency
    }

    pub fn instance(&self) -> &str {
        &self.0.instance
    }

    /// The domain part of the sender address (for Message-IDs and List-Id).
    pub fn domain(&self) -> String {
        self.0.from.email.domain().to_owned()
    }

    pub(crate) fn wake(&self) {
        self.0.wake.notify_waiters();
    }

    /// Resolves when [`Mailer::wake`] is next called.
    pub(crate) fn woken(&self) -> tokio::sync::futures::Notified<'_> {
        self.0.wake.notified()
    }

    /// Builds a multipart message, DKIM-signed when a key is configured.
    pub fn build(&self, parts: MessageParts<'_>) -> Result<Message, String> {
        let to: Mailbox = match parts.to_name.filter(|n| !n.trim().is_empty()) {
            Some(name) => Mailbox::new(Some(name.to_owned()), parts.to.parse().map_err(|e| format!("{e}"))?),
            None => parts.to.parse().map_err(|e| format!("{}: {e}", parts.to))?,
        };
        let mut builder =
            Message::builder().from(parts.from.unwrap_or_else(|| self.0.from.clone())).to(to).subject(parts.subject);
        if let Some(reply_to) = parts.reply_to {
            builder = builder.reply_to(reply_to);
        }
        builder = builder.message_id(parts.message_id);
        for (name, value) in parts.headers {
            builder = builder.raw_header(HeaderValue::new(HeaderName::new_from_ascii_str(name), value.clone()));
        }
        let text = SinglePart::builder().header(ContentType::TEXT_PLAIN).body(parts.text.to_owned());
        let mut message = match parts.html {
            Some(html) => builder.multipart(
                MultiPart::alternative()
                    .singlepart(text)
                    .singlepart(SinglePart::builder().header(ContentType::TEXT_HTML).body(html.to_owned())),
            ),
            None => builder.singlepart(text),
        }
        .map_err(|e| e.to_string())?;
        if let Some(dkim) = &self.0.dkim {
            lettre::message::dkim::dkim_sign(&mut message, dkim);
        }
        Ok(message)
    }

    /// Hands one message to the relay.
    pub async fn deliver(&self, message: Message) -> Delivery {
        let Some(transport) = &self.0.transport else {
            return Delivery::Temporary("no mail transport is configured".into());
        };
        match transport.send(message).await {
            Ok(_) => Delivery::Accepted,
            Err(e) if e.is_permanent() => Delivery::Permanent(e.to_string()),
            Err(e) => Delivery::Temporary(e.to_string()),
        }
    }
}

/// Whether a site URL names this machine (`localhost`, `*.localhost`, 127.0.0.0/8, `::1`):
/// links to it are no use to anyone else.
pub fn is_loopback_site(site_url: &str) -> bool {
    let Ok(url) = reqwest::Url::parse(site_url.trim()) else { return false };
    let Some(host) = url.host_str() else { return false };
    let host = host.trim_start_matches('[').trim_end_matches(']').to_ascii_lowercase();
    host == "localhost"
        || host.ends_with(".localhost")
        || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback() || ip.to_canonical().is_loopback())
}

/// What stands in the kept copy of a message for the one-time link it carries.
pub const LINK_WITHHELD: &str = "[one-time link withheld: it is for the addressee only]";

fn unreachable_mailer(site_url: &str) -> Mailer {
    // Only reached if "noreply@localhost.localdomain" failed to parse, which it does not.
    Mailer(Arc::new(Inner {
        transport: None,
        from: Mailbox::new(None, lettre::Address::new("noreply", "localhost.localdomain").expect("a valid address")),
        site_url: site_url.to_owned(),
        dkim: None,
        concurrency: 1,
        instance: default_instance(),
        retry_base: Duration::seconds(30),
        wake: Notify::new(),
    }))
}

/// The parts of one message.
pub struct MessageParts<'a> {
    pub from: Option<Mailbox>,
    pub reply_to: Option<Mailbox>,
    pub to: &'a str,
    pub to_name: Option<&'a str>,
    pub subject: &'a str,
    pub text: &'a str,
    pub html: Option<&'a str>,
    pub message_id: Option<String>,
    pub headers: &'a [(&'static str, String)],
}

/// The instance name: `MASTHEAD_INSTANCE`, else the host name.
fn default_instance() -> String {
    std::env::var("MASTHEAD_INSTANCE")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "masthead".into())
}

/// Removes a password from a message that may quote the SMTP URL.
fn redact(message: &str, url: &str) -> String {
    match url.split_once("://").and_then(|(_, rest)| rest.split_once('@')).and_then(|(auth, _)| auth.split_once(':')) {
        Some((_, password)) if !password.is_empty() => message.replace(password, "***"),
        _ => message.to_owned(),
    }
}

impl Mailer {
    /// The wait before retrying after a temporary failure: the base (30 s unless configured),
    /// doubling with each attempt, at most an hour.
    pub(crate) fn retry_delay(&self, attempts: i32) -> Duration {
        (self.0.retry_base * (1i32 << attempts.clamp(0, 7))).min(Duration::hours(1))
    }
}

/// Transactional mail gives up after this many temporary failures.
const MAIL_ATTEMPTS: i32 = 8;
const MAIL_LEASE: Duration = Duration::minutes(2);

impl Newsroom {
    /// Queues a transactional message: delivered by the sender when a transport is configured,
    /// otherwise kept in the outbox for administrators.
    pub async fn send_mail(&self, to: &str, subject: &str, text: &str, html: Option<String>) -> Result<(), AppError> {
        let deliver = self.mailer.delivers();
        self.db
            .queue_mail(&OutgoingMail {
                to: to.to_owned(),
                subject: subject.to_owned(),
                text_body: text.to_owned(),
                html_body: html,
                deliver,
                credential: None,
            })
            .await?;
        self.mailer.wake();
        Ok(())
    }

    /// Queues a plain-text message that carries a one-time `link` (whose token is stored under
    /// `token_hash` until `expires_at`). With no transport it is kept with the link withheld and
    /// never delivered; with one, the link is kept only until the relay takes the message.
    pub(crate) async fn send_credential_mail(
        &self,
        to: &str,
        subject: &str,
        text: &str,
        link: &str,
        token_hash: &str,
        expires_at: OffsetDateTime,
    ) -> Result<(), AppError> {
        let deliver = self.mailer.delivers();
        self.db
            .queue_mail(&OutgoingMail {
                to: to.to_owned(),
                subject: subject.to_owned(),
                text_body: text.to_owned(),
                html_body: None,
                deliver,
                credential: Some(MailCredential {
                    token_hash: token_hash.to_owned(),
                    expires_at,
                    text_without_link: text.replace(link, LINK_WITHHELD),
                }),
            })
            .await?;
        self.mailer.wake();
        Ok(())
    }

    /// Forgets the links of the messages that carried these tokens, now used or revoked. A
    /// failure is logged, not returned: the token itself is already spent.
    pub(crate) async fn forget_mailed_links(&self, token_hashes: &[String]) {
        if let Err(error) = self.db.scrub_credential_mail(token_hashes, "not sent: the link was used or revoked").await
        {
            tracing::error!(%error, "could not clear used links from the outbox");
        }
    }

    /// Logs that a staff link (reset, invitation) was mailed or kept. Never the link itself.
    pub(crate) fn log_staff_link(&self, to: &str, what: &str) {
        if self.mailer.delivers() {
            tracing::info!(%to, "{what} queued for delivery");
        } else {
            tracing::info!(
                %to,
                "{what} kept in the outbox without its link: no SMTP configured (`masthead user reset` makes a link)"
            );
        }
    }

    /// Logs that a reader's link was mailed or kept. The link itself only on a local trial,
    /// where nobody else could receive it.
    pub(crate) fn log_reader_link(&self, to: &str, link: &str, what: &str) {
        if self.mailer.delivers() {
            tracing::info!(%to, "{what} queued for delivery");
        } else if self.mailer.local_trial() {
            tracing::info!(%to, %link, "{what} (local trial: no SMTP and a loopback site URL, so the link is logged)");
        } else {
            tracing::info!(%to, "{what} kept in the outbox without its link: no SMTP configured");
        }
    }

    /// Delivers due outbox messages. Returns how many were handled.
    pub async fn deliver_outbox(&self) -> Result<usize, AppError> {
        self.db.scrub_expired_credential_mail(masthead_core::now()).await?;
        let worker = format!("{}/mail", self.mailer.instance());
        let claimed = self.db.claim_mail(&worker, masthead_core::now(), MAIL_LEASE, 20).await?;
        for mail in &claimed {
            let message = self.mailer.build(MessageParts {
                from: None,
                reply_to: None,
                to: &mail.to_address,
                to_name: None,
                subject: &mail.subject,
                text: &mail.text_body,
                html: mail.html_body.as_deref(),
                message_id: None,
                headers: &[],
            });
            let outcome = match message {
                Ok(message) => self.mailer.deliver(message).await,
                Err(error) => Delivery::Permanent(error),
            };
            match outcome {
                Delivery::Accepted => self.db.mark_mail_sent(&mail.id, &worker).await?,
                Delivery::Temporary(error) if mail.attempts + 1 < MAIL_ATTEMPTS => {
                    tracing::warn!(to = %mail.to_address, %error, "mail deferred");
                    let retry = masthead_core::now() + self.mailer.retry_delay(mail.attempts);
                    self.db.mark_mail_unsent(&mail.id, &worker, &error, Some(retry)).await?;
                }
                Delivery::Temporary(error) | Delivery::Permanent(error) => {
                    tracing::warn!(to = %mail.to_address, %error, "mail failed");
                    self.db.mark_mail_unsent(&mail.id, &worker, &error, None).await?;
                }
            }
        }
        Ok(claimed.len())
    }

    /// Delivers the outbox until `shutdown`: at once when mail is queued here, otherwise every second.
    /// With no transport, only forgets expired links (left by an earlier run that had one) now
    /// and then.
    pub async fn run_mail_sender(&self, mut shutdown: watch::Receiver<bool>) {
        if !self.mailer.delivers() {
            loop {
                if let Err(error) = self.db.scrub_expired_credential_mail(masthead_core::now()).await {
                    tracing::error!(%error, "outbox unavailable");
                }
                tokio::select! {
                    () = tokio::time::sleep(StdDuration::from_secs(60)) => {}
                    _ = shutdown.changed() => return,
                }
            }
        }
        loop {
            if *shutdown.borrow() {
                return;
            }
            let woken = self.mailer.woken();
            match self.deliver_outbox().await {
                Ok(n) if n > 0 => continue,
                Ok(_) => {}
                Err(error) => tracing::error!(%error, "outbox unavailable"),
            }
            tokio::select! {
                () = woken => {}
                () = tokio::time::sleep(StdDuration::from_secs(1)) => {}
                _ = shutdown.changed() => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_in_smtp_urls_are_redacted() {
        assert_eq!(redact("bad smtps://user:s3cret@host", "smtps://user:s3cret@host:465"), "bad smtps://user:***@host");
        assert_eq!(redact("plain", "smtp://127.0.0.1:25"), "plain");
    }

    #[test]
    fn a_mailer_without_smtp_keeps_mail() {
        let mailer = Mailer::outbox("https://news.example.org/");
        assert!(!mailer.delivers());
        assert_eq!(mailer.site_url(), "https://news.example.org");
        assert_eq!(mailer.from().to_string(), "noreply@news.example.org");
        assert!(format!("{mailer:?}").contains("delivers: false"));
    }

    // The SMTP transport's pool starts on the Tokio runtime.
    #[tokio::test]
    async fn only_sites_on_this_machine_are_local_trials() {
        for local in [
            "http://127.0.0.1:8080",
            "http://localhost:8080/",
            "http://[::1]:8080",
            "http://127.1.2.3",
            "http://news.localhost",
        ] {
            assert!(is_loopback_site(local), "{local}");
            assert!(Mailer::outbox(local).local_trial(), "{local}");
        }
        for public in [
            "https://news.example.org",
            "http://192.168.1.5:8080",
            "http://localhost.example.org",
            "http://[::ffff:10.0.0.1]",
            "not a url",
        ] {
            assert!(!is_loopback_site(public), "{public}");
        }
        let delivering = Mailer::new(&MailSettings {
            smtp_url: Some("smtp://127.0.0.1:2525".into()),
            site_url: "http://127.0.0.1:8080".into(),
            ..MailSettings::default()
        })
        .expect("mailer");
        assert!(!delivering.local_trial(), "mail that is delivered is not a local trial");
    }

    #[test]
    fn bad_settings_are_named() {
        let error = Mailer::new(&MailSettings { from: Some("not an address".into()), ..MailSettings::default() })
            .expect_err("refused");
        assert!(error.to_string().starts_with("MASTHEAD_MAIL_FROM"), "{error}");
        let error = Mailer::new(&MailSettings { smtp_url: Some("ftp://x".into()), ..MailSettings::default() })
            .expect_err("refused");
        assert!(error.to_string().starts_with("MASTHEAD_SMTP_URL"), "{error}");
    }
}
