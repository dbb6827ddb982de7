//! What readers do: sign up with double opt-in, sign in by magic link, manage their account and
//! newsletters, unsubscribe in one click; and what the mail relay reports back (bounces and
//! complaints). Staff adding and removing members by hand is in `admin`, Ghost's member CSV in
//! `csv`.

pub mod admin;
pub mod csv;
pub mod emails;
pub mod overview;
pub mod records;

use hmac::{Hmac, Mac};
use masthead_core::{EmailAddress, Member, MemberStatus, Newsletter, ObjectId, Reader, SuppressionReason};
use masthead_storage::{MemberToken, NewMember, StorageError};
use sha2::Sha256;
use time::Duration;

use crate::newsroom::staff::{SecretToken, hash_token};
use crate::{AppError, Newsroom};

/// Links mailed to readers work for a day...
const LINK_LIFETIME: Duration = Duration::hours(24);
/// ...and, once opened, a few more times within ten minutes: mail scanners open links before
/// people do, and must not burn them.
const LINK_REUSE_WINDOW: Duration = Duration::minutes(10);
const LINK_MAX_USES: i32 = 5;
/// This many links are mailed to one address per day, whoever asks...
pub const LINKS_PER_ADDRESS_PER_DAY: i64 = 5;
/// ...and then one at most every fifteen minutes: a reader whose address someone else used up
/// still gets a link within fifteen minutes (the last one mailed, or a new one), while nobody
/// can bury an address in mail.
pub const LINK_INTERVAL_AFTER_DAILY_CAP: Duration = Duration::minutes(15);
/// Member sessions last a long time: readers expect to stay signed in.
const MEMBER_SESSION_LIFETIME: Duration = Duration::days(180);

/// The readers' request limits count in windows of an hour. They are kept in the database
/// (`request_counts`), like the daily cap per address, so every instance shares one budget.
pub(crate) const REQUEST_WINDOW: Duration = Duration::hours(1);
/// Requests a client address may make per hour (sign-ups and sign-in links together).
const PER_IP_PER_HOUR: i64 = 20;
/// Requests per hour for one email address from one client address. Counted per client, so
/// that requests from a stranger never refuse the owner of the address; the daily cap on
/// links protects the inbox whoever asks.
const PER_ADDRESS_PER_HOUR: i64 = 5;

/// What a reader typed into a sign-up form.
#[derive(Clone, Debug, Default)]
pub struct SignupForm {
    pub email: String,
    pub name: Option<String>,
    /// Newsletter slugs; none means the newsletters new members get by default.
    pub newsletters: Vec<String>,
    /// A field people cannot see; bots fill it in.
    pub honeypot: Option<String>,
    /// The client's address, recorded with the consent.
    pub ip: Option<String>,
    /// The key the client's requests are counted under (its address, an IPv6 client's /64).
    pub client: Option<String>,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct SignupPayload {
    name: Option<String>,
    newsletters: Vec<String>,
    ip: Option<String>,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct EmailChangePayload {
    member_id: String,
    new_email: String,
}

/// A link's token as mailed, with the hash it is stored under and when it expires.
struct IssuedLink {
    token: String,
    hash: String,
    expires_at: time::OffsetDateTime,
}

/// What the confirmation page shows before the reader presses the button.
#[derive(Clone, Debug, serde::Serialize)]
pub struct PendingSignup {
    pub email: String,
    pub newsletters: Vec<String>,
}

/// A bounce or complaint reported by the mail relay.
#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize)]
pub struct DeliveryEvent {
    #[serde(alias = "address", alias = "recipient")]
    pub email: String,
    /// `hard_bounce`, `soft_bounce` or `complaint` (also `bounce` with `severity`).
    #[serde(rename = "type", alias = "event")]
    pub kind: String,
    #[serde(default)]
    pub severity: Option<String>,
    #[serde(default, alias = "reason", alias = "diagnostic")]
    pub detail: Option<String>,
}

/// What the bounce webhook did.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct DeliveryEventReport {
    pub suppressed: usize,
    pub soft_bounces: usize,
    pub ignored: usize,
}

/// Compares secrets without stopping at the first difference (no timing hint to an attacker).
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn too_many() -> AppError {
    AppError::TooManyRequests("Too many requests from here. Please wait a while and try again.".into())
}

impl Newsroom {
    /// The secret behind unsubscribe links; the same on every instance.
    pub async fn members_secret(&self) -> Result<String, AppError> {
        Ok(self.db.secret("members_email_auth_secret", || SecretToken::generate().token).await?)
    }

    /// The id of the free tier (Ghost's tiers have ids; ours is made once and kept).
    pub async fn free_tier_id(&self) -> Result<String, AppError> {
        Ok(self.db.secret("free_tier_id", || masthead_core::ObjectId::new().as_str().to_owned()).await?)
    }

    /// The key in a member's unsubscribe link (an HMAC of their uuid, 64 hex digits as in
    /// Ghost's links).
    pub fn unsubscribe_key(secret: &str, member_uuid: &str) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
        mac.update(member_uuid.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    /// Whether `key` is this member's unsubscribe key: the whole one, or its first half, which
    /// links mailed before the key grew to Ghost's length carry.
    fn is_unsubscribe_key(secret: &str, member_uuid: &str, key: &str) -> bool {
        let expected = Self::unsubscribe_key(secret, member_uuid);
        constant_time_eq(&expected, key) || constant_time_eq(&expected[..32], key)
    }

    /// The link that unsubscribes a member from every newsletter (Ghost's `unsubscribe_url`).
    pub async fn member_unsubscribe_url(&self, member_uuid: &str) -> Result<String, AppError> {
        let secret = self.members_secret().await?;
        Ok(format!(
            "{}/unsubscribe/?uuid={member_uuid}&key={}",
            self.mailer.site_url(),
            Self::unsubscribe_key(&secret, member_uuid)
        ))
    }

    /// The one-click unsubscribe URL for a member and newsletter.
    pub fn unsubscribe_url(&self, secret: &str, member_uuid: &str, newsletter: &str) -> String {
        format!(
            "{}/unsubscribe/?uuid={member_uuid}&key={}&newsletter={newsletter}",
            self.mailer.site_url(),
            Self::unsubscribe_key(secret, member_uuid)
        )
    }

    async fn mail_link(&self, purpose: &str, email: &str, payload: String) -> Result<IssuedLink, AppError> {
        let secret = SecretToken::generate();
        let now = masthead_core::now();
        self.db
            .create_member_token(&MemberToken {
                id: secret.hash.clone(),
                purpose: purpose.to_owned(),
                email: email.to_owned(),
                payload,
                created_at: now,
                expires_at: now + LINK_LIFETIME,
                first_used_at: None,
                uses: 0,
            })
            .await?;
        Ok(IssuedLink { token: secret.token, hash: secret.hash, expires_at: now + LINK_LIFETIME })
    }

    /// Uses a mailed link (see `use_member_token` for its reuse window) and forgets the mailed
    /// copy of it.
    async fn use_link(&self, token: &str, purpose: &str) -> Result<MemberToken, AppError> {
        let hash = hash_token(token);
        let stored = self
            .db
            .use_member_token(&hash, purpose, masthead_core::now(), LINK_REUSE_WINDOW, LINK_MAX_USES)
            .await?
            .ok_or(AppError::NotFound("link"))?;
        self.forget_mailed_links(&[hash]).await;
        Ok(stored)
    }

    /// A one-time sign-in link for a member (valid a day), for an operator with shell access to
    /// hand on (`masthead members link`): nothing is mailed or logged.
    pub async fn member_signin_link(&self, email: &str, site_url: &str) -> Result<String, AppError> {
        let email = EmailAddress::parse(email).map_err(|e| AppError::invalid("email", e.to_string()))?;
        if self.db.member_by_email(email.as_str()).await?.is_none() {
            return Err(AppError::NotFound("member"));
        }
        let issued = self.mail_link("signin", email.as_str(), "{}".into()).await?;
        Ok(format!("{}/signin/confirm/?token={}", site_url.trim_end_matches('/'), issued.token))
    }

    /// Whether a link for `purpose` may be mailed to this address now: a few links a day, then
    /// one per purpose every [`LINK_INTERVAL_AFTER_DAILY_CAP`] (per purpose, so that links
    /// someone else has mailed there, say email-change links, cannot take the sign-in link's
    /// turn).
    async fn may_mail_link(&self, email: &str, purpose: &str) -> Result<bool, AppError> {
        let now = masthead_core::now();
        let sent = self.db.member_tokens_sent_since(email, now - Duration::days(1)).await?;
        if sent < LINKS_PER_ADDRESS_PER_DAY {
            return Ok(true);
        }
        let since = now - LINK_INTERVAL_AFTER_DAILY_CAP;
        let recent = self.db.member_tokens_of_purpose_sent_since(email, purpose, since).await?;
        if recent > 0 {
            tracing::warn!(%email, sent, purpose, "daily cap on links reached and one went out in the last 15 minutes; not mailing");
        }
        Ok(recent == 0)
    }

    /// Counts a request from `client` (its address key) about `email` against the hourly limits.
    /// A request refused for its client is not counted for the address.
    async fn check_rate(&self, client: Option<&str>, email: &str) -> Result<(), AppError> {
        let client = client.unwrap_or("unknown");
        let now = masthead_core::now();
        if self.db.count_request(&format!("ip:{client}"), now, REQUEST_WINDOW).await? > PER_IP_PER_HOUR {
            return Err(too_many());
        }
        let scope = format!("email:{email}|ip:{client}");
        if self.db.count_request(&scope, now, REQUEST_WINDOW).await? > PER_ADDRESS_PER_HOUR {
            return Err(too_many());
        }
        Ok(())
    }

    /// Resolves newsletter slugs from a form: active newsletters only; none given means the
    /// ones new members get by default.
    async fn chosen_newsletters(&self, slugs: &[String]) -> Result<Vec<Newsletter>, AppError> {
        let active = self.db.newsletters(false).await?;
        if slugs.is_empty() {
            return Ok(active.into_iter().filter(|n| n.subscribe_on_signup).collect());
        }
        let mut chosen = Vec::new();
        for slug in slugs {
            match active.iter().find(|n| n.slug.as_str() == slug.trim()) {
                Some(n) if !chosen.iter().any(|c: &Newsletter| c.id == n.id) => chosen.push(n.clone()),
                Some(_) => {}
                None => {
                    return Err(AppError::invalid("newsletters", format!("There is no newsletter called {slug:?}.")));
                }
            }
        }
        Ok(chosen)
    }

    /// A sign-up: validates, then mails a confirmation link (or, to a known member already on
    /// those newsletters, a sign-in link). The answer is the same whether or not the address is
    /// known, suppressed or over its daily cap, so the page reveals nothing about who reads us.
    pub async fn request_signup(&self, form: &SignupForm) -> Result<(), AppError> {
        let email = EmailAddress::parse(&form.email).map_err(|e| AppError::invalid("email", e.to_string()))?;
        let name = form.name.as_deref().map(str::trim).filter(|n| !n.is_empty()).map(str::to_owned);
        if name.as_ref().is_some_and(|n| n.chars().count() > 191) {
            return Err(AppError::invalid("name", "Your name is too long (at most 191 characters)."));
        }
        let blocked = self.db.site_settings().await?.blocked_email_domains;
        if blocked.iter().any(|d| {
            let d = d.trim().trim_start_matches('@').to_lowercase();
            !d.is_empty() && (email.domain() == d || email.domain().ends_with(&format!(".{d}")))
        }) {
            return Err(AppError::invalid("email", format!("Sign-ups from {} are not accepted.", email.domain())));
        }
        let newsletters = self.chosen_newsletters(&form.newsletters).await?;
        if form.honeypot.as_deref().is_some_and(|h| !h.trim().is_empty()) {
            tracing::info!(email = %email, "sign-up with the hidden field filled in: ignored");
            return Ok(());
        }
        self.check_rate(form.client.as_deref(), email.as_str()).await?;
        // A member already on these newsletters is mailed a sign-in link instead.
        let subscribed = self
            .db
            .member_by_email(email.as_str())
            .await?
            .filter(|member| newsletters.iter().all(|n| member.newsletters.iter().any(|s| s == n.slug.as_str())));
        let purpose = if subscribed.is_some() { "signin" } else { "signup" };
        if self.db.suppression(email.as_str()).await?.is_some() || !self.may_mail_link(email.as_str(), purpose).await? {
            return Ok(());
        }
        let site = self.db.site_settings().await?.title;
        let names = newsletters.iter().map(|n| n.name.as_str()).collect::<Vec<_>>().join(", ");
        if let Some(member) = subscribed {
            let issued = self.mail_link("signin", email.as_str(), "{}".into()).await?;
            let link = format!("{}/signin/confirm/?token={}", self.mailer.site_url(), issued.token);
            let body = format!(
                "Hello{},\n\nYou are already subscribed to {}. To sign in and manage your newsletters, open this link \
                 (it works for 24 hours):\n\n{link}\n\nIf you did not ask for this, you can ignore this email.\n",
                member.name.as_deref().map(|n| format!(" {n}")).unwrap_or_default(),
                if names.is_empty() { site.clone() } else { names }
            );
            let subject = format!("You're already subscribed to {site}");
            self.send_credential_mail(email.as_str(), &subject, &body, &link, &issued.hash, issued.expires_at).await?;
            self.log_reader_link(email.as_str(), &link, "sign-in link for an existing member");
            return Ok(());
        }
        let payload = serde_json::to_string(&SignupPayload {
            name,
            newsletters: newsletters.iter().map(|n| n.id.to_string()).collect(),
            ip: form.ip.clone(),
        })
        .map_err(|e| AppError::invalid("form", e.to_string()))?;
        let issued = self.mail_link("signup", email.as_str(), payload).await?;
        let link = format!("{}/subscribe/confirm/?token={}", self.mailer.site_url(), issued.token);
        let body = format!(
            "Please confirm your subscription to {}.\n\nOpen this link and press the button to confirm (it works for \
             24 hours):\n\n{link}\n\nIf you did not sign up, ignore this email: you will not hear from us again.\n",
            if names.is_empty() { site.clone() } else { format!("{names} from {site}") }
        );
        let subject = format!("Confirm your subscription to {site}");
        self.send_credential_mail(email.as_str(), &subject, &body, &link, &issued.hash, issued.expires_at).await?;
        self.log_reader_link(email.as_str(), &link, "sign-up confirmation");
        Ok(())
    }

    /// What a confirmation link is for, without using it (the page shows a button).
    pub async fn pending_signup(&self, token: &str) -> Result<PendingSignup, AppError> {
        let stored = self.db.member_token(&hash_token(token), "signup").await?;
        let stored = stored.filter(|t| t.expires_at > masthead_core::now()).ok_or(AppError::NotFound("link"))?;
        let payload: SignupPayload = serde_json::from_str(&stored.payload)
            .map_err(|e| AppError::Storage(StorageError::Corrupt(format!("sign-up link: {e}"))))?;
        let all = self.db.newsletters(true).await?;
        let newsletters = payload
            .newsletters
            .iter()
            .filter_map(|id| all.iter().find(|n| n.id.as_str() == id).map(|n| n.name.clone()))
            .collect();
        Ok(PendingSignup { email: stored.email, newsletters })
    }

    /// Confirms a sign-up (the button's POST): creates the member, or adds the newsletters to
    /// an existing one, records consent, and signs them in. Returns the session token.
    pub async fn confirm_signup(&self, token: &str) -> Result<(Member, String), AppError> {
        let stored = self.use_link(token, "signup").await?;
        let payload: SignupPayload = serde_json::from_str(&stored.payload)
            .map_err(|e| AppError::Storage(StorageError::Corrupt(format!("sign-up link: {e}"))))?;
        let active: Vec<ObjectId> = self
            .db
            .newsletters(false)
            .await?
            .into_iter()
            .filter(|n| payload.newsletters.iter().any(|id| id == n.id.as_str()))
            .map(|n| n.id)
            .collect();
        let member = match self.db.member_by_email(&stored.email).await? {
            Some(member) => {
                let choices: Vec<(ObjectId, bool)> = active.iter().map(|id| (id.clone(), true)).collect();
                self.db.set_subscriptions(&member.id, &choices, "signup form").await?;
                member
            }
            None => {
                let new = NewMember {
                    email: stored.email.clone(),
                    name: payload.name,
                    note: None,
                    status: MemberStatus::Free,
                    labels: vec![],
                    consent_source: "signup form".into(),
                    consent_ip: payload.ip,
                    created_at: masthead_core::now(),
                };
                match self.db.insert_member(&new, &active).await {
                    Ok(member) => {
                        self.membership_changed();
                        self.member_changed(None, Some(&member)).await;
                        // A free member's welcome; a failure to queue it does not undo joining.
                        if let Err(error) = self.send_welcome_email(member.id.as_str(), None).await {
                            tracing::error!(%error, member = %member.id, "welcome email not queued");
                        }
                        member
                    }
                    // Two confirmations at once: the other one created the member.
                    Err(StorageError::Conflict { .. }) => {
                        self.db.member_by_email(&stored.email).await?.ok_or(AppError::NotFound("member"))?
                    }
                    Err(e) => return Err(e.into()),
                }
            }
        };
        let member = self.db.member_by_id(&member.id).await?.ok_or(AppError::NotFound("member"))?;
        let session = self.open_member_session(&member).await?;
        Ok((member, session))
    }

    /// Mails a sign-in link to a member. Unknown, suppressed or capped addresses get nothing,
    /// and the caller answers the same either way. `client` is the asking client's address key.
    pub async fn request_signin(&self, email: &str, client: Option<&str>) -> Result<(), AppError> {
        let email = EmailAddress::parse(email).map_err(|e| AppError::invalid("email", e.to_string()))?;
        self.check_rate(client, email.as_str()).await?;
        let Some(member) = self.db.member_by_email(email.as_str()).await? else { return Ok(()) };
        if self.db.suppression(email.as_str()).await?.is_some() || !self.may_mail_link(email.as_str(), "signin").await?
        {
            return Ok(());
        }
        let issued = self.mail_link("signin", email.as_str(), "{}".into()).await?;
        let link = format!("{}/signin/confirm/?token={}", self.mailer.site_url(), issued.token);
        let site = self.db.site_settings().await?.title;
        let body = format!(
            "Hello{},\n\nOpen this link to sign in to {site} (it works for 24 hours):\n\n{link}\n\n\
             If you did not ask for this, you can ignore this email.\n",
            member.name.as_deref().map(|n| format!(" {n}")).unwrap_or_default()
        );
        let subject = format!("Sign in to {site}");
        self.send_credential_mail(email.as_str(), &subject, &body, &link, &issued.hash, issued.expires_at).await?;
        self.log_reader_link(email.as_str(), &link, "sign-in link");
        Ok(())
    }

    /// Signs a member in through a mailed link. Returns the session token.
    pub async fn sign_in_with_link(&self, token: &str) -> Result<(Member, String), AppError> {
        let stored = self.use_link(token, "signin").await?;
        let member = self.db.member_by_email(&stored.email).await?.ok_or(AppError::NotFound("member"))?;
        let session = self.open_member_session(&member).await?;
        Ok((member, session))
    }

    async fn open_member_session(&self, member: &Member) -> Result<String, AppError> {
        let secret = SecretToken::generate();
        self.db.create_member_session(&secret.hash, &member.id, masthead_core::now() + MEMBER_SESSION_LIFETIME).await?;
        Ok(secret.token)
    }

    pub async fn member_for_session(&self, token: &str) -> Result<Option<Member>, AppError> {
        Ok(self.db.member_for_session(&hash_token(token), masthead_core::now()).await?)
    }

    /// The access level a request with this member session is served at: the member's, or
    /// anonymous when the session is unknown or expired.
    pub async fn reader_for_session(&self, token: &str) -> Result<Reader, AppError> {
        let status = self.db.member_status_for_session(&hash_token(token), masthead_core::now()).await?;
        Ok(status.map_or(Reader::Anonymous, Reader::member))
    }

    pub async fn sign_out_member(&self, token: &str) -> Result<(), AppError> {
        Ok(self.db.delete_member_session(&hash_token(token)).await?)
    }

    /// A member changes their name and which newsletters they receive.
    pub async fn update_account(
        &self,
        member: &Member,
        name: Option<&str>,
        subscribed: &[String],
    ) -> Result<Member, AppError> {
        let name = name.map(str::trim).filter(|n| !n.is_empty());
        if name.is_some_and(|n| n.chars().count() > 191) {
            return Err(AppError::invalid("name", "Your name is too long (at most 191 characters)."));
        }
        self.db.update_member(&member.id, &member.email, name, member.note.as_deref(), member.status, None).await?;
        let choices: Vec<(ObjectId, bool)> = self
            .db
            .newsletters(false)
            .await?
            .into_iter()
            .map(|n| {
                let on = subscribed.iter().any(|s| s == n.slug.as_str());
                (n.id, on)
            })
            .collect();
        self.db.set_subscriptions(&member.id, &choices, "member").await?;
        let updated = self.db.member_by_id(&member.id).await?.ok_or(AppError::NotFound("member"))?;
        self.member_changed(Some(member), Some(&updated)).await;
        Ok(updated)
    }

    /// Mails a confirmation link to a member's new address; the address changes only when it
    /// is opened. `client` is the asking client's address key.
    pub async fn request_email_change(
        &self,
        member: &Member,
        new_email: &str,
        client: Option<&str>,
    ) -> Result<(), AppError> {
        let email = EmailAddress::parse(new_email).map_err(|e| AppError::invalid("email", e.to_string()))?;
        if email.as_str() == member.email {
            return Err(AppError::invalid("email", "That is already your email address."));
        }
        self.check_rate(client, email.as_str()).await?;
        if self.db.member_by_email(email.as_str()).await?.is_some()
            || self.db.suppression(email.as_str()).await?.is_some()
            || !self.may_mail_link(email.as_str(), "email_change").await?
        {
            // Say nothing about other people's addresses.
            return Ok(());
        }
        let payload = serde_json::to_string(&EmailChangePayload {
            member_id: member.id.to_string(),
            new_email: email.to_string(),
        })
        .map_err(|e| AppError::invalid("email", e.to_string()))?;
        let issued = self.mail_link("email_change", email.as_str(), payload).await?;
        let link = format!("{}/account/email/confirm/?token={}", self.mailer.site_url(), issued.token);
        let site = self.db.site_settings().await?.title;
        let body = format!(
            "Open this link to use this address for your {site} account (it works for 24 hours):\n\n{link}\n\n\
             If you did not ask for this, ignore this email and nothing changes.\n"
        );
        let subject = format!("Confirm your new email address for {site}");
        self.send_credential_mail(email.as_str(), &subject, &body, &link, &issued.hash, issued.expires_at).await?;
        self.log_reader_link(email.as_str(), &link, "email change confirmation");
        Ok(())
    }

    pub async fn confirm_email_change(&self, token: &str) -> Result<Member, AppError> {
        let stored = self.use_link(token, "email_change").await?;
        let payload: EmailChangePayload = serde_json::from_str(&stored.payload)
            .map_err(|e| AppError::Storage(StorageError::Corrupt(format!("email change link: {e}"))))?;
        let id = ObjectId::parse(&payload.member_id).map_err(|_| AppError::NotFound("member"))?;
        let member = self.db.member_by_id(&id).await?.ok_or(AppError::NotFound("member"))?;
        if member.email != payload.new_email {
            self.db
                .update_member(
                    &member.id,
                    &payload.new_email,
                    member.name.as_deref(),
                    member.note.as_deref(),
                    member.status,
                    None,
                )
                .await?;
            self.announce_email_change(&member, &payload.new_email).await?;
        }
        self.db.member_by_id(&id).await?.ok_or(AppError::NotFound("member"))
    }

    /// Tells the old address that the account moved, so a reader whose session was taken over
    /// hears of it. A plain notice: no link that signs in or changes anything.
    async fn announce_email_change(&self, member: &Member, new_email: &str) -> Result<(), AppError> {
        let site = self.db.site_settings().await?.title;
        let body = format!(
            "Hello{},\n\nThe email address of your {site} account was changed from {} to {new_email}. Newsletters \
             and sign-in links now go to the new address.\n\nIf you did not make this change, tell the newsroom \
             at once: someone else may have signed in to your account.\n",
            member.name.as_deref().map(|n| format!(" {n}")).unwrap_or_default(),
            member.email
        );
        self.send_mail(&member.email, &format!("Your email address for {site} was changed"), &body, None).await
    }

    /// A member deletes their account: the row, subscriptions, labels and sessions go.
    pub async fn delete_account(&self, member: &Member) -> Result<(), AppError> {
        self.db.delete_member(&member.id).await?;
        self.membership_changed();
        self.member_changed(Some(member), None).await;
        tracing::info!(member = %member.id, "member deleted their account");
        Ok(())
    }

    /// Checks an unsubscribe link and finds its member.
    pub async fn member_for_unsubscribe(&self, uuid: &str, key: &str) -> Result<Member, AppError> {
        let secret = self.members_secret().await?;
        if !Self::is_unsubscribe_key(&secret, uuid, key) {
            return Err(AppError::NotFound("unsubscribe link"));
        }
        self.db.member_by_uuid(uuid).await?.ok_or(AppError::NotFound("unsubscribe link"))
    }

    /// Unsubscribes a member from one newsletter, or from all when none is named.
    pub async fn unsubscribe(&self, member: &Member, newsletter: Option<&str>) -> Result<Vec<String>, AppError> {
        let all = self.db.newsletters(true).await?;
        let targets: Vec<&Newsletter> = match newsletter.filter(|s| !s.is_empty()) {
            Some(slug) => all.iter().filter(|n| n.slug.as_str() == slug).collect(),
            None => all.iter().collect(),
        };
        let choices: Vec<(ObjectId, bool)> = targets.iter().map(|n| (n.id.clone(), false)).collect();
        self.db.set_subscriptions(&member.id, &choices, "unsubscribe link").await?;
        tracing::info!(member = %member.id, newsletters = choices.len(), "member unsubscribed");
        Ok(targets.iter().map(|n| n.name.clone()).collect())
    }

    /// Takes bounce and complaint events from the mail relay: hard bounces and complaints put
    /// the address on the suppression list; soft bounces are only counted.
    pub async fn record_delivery_events(&self, events: &[DeliveryEvent]) -> Result<DeliveryEventReport, AppError> {
        let mut report = DeliveryEventReport::default();
        for event in events {
            let Ok(email) = EmailAddress::parse(&event.email) else {
                report.ignored += 1;
                continue;
            };
            let kind = event.kind.to_lowercase().replace(['-', ' '], "_");
            let severity = event.severity.as_deref().unwrap_or("").to_lowercase();
            let reason = match kind.as_str() {
                "hard_bounce" | "hardbounce" => Some(SuppressionReason::HardBounce),
                "bounce" | "failed" if severity == "permanent" || severity.is_empty() => {
                    Some(SuppressionReason::HardBounce)
                }
                "complaint" | "complained" | "spam_complaint" => Some(SuppressionReason::Complaint),
                "soft_bounce" | "softbounce" | "bounce" | "failed" | "deferred" => None,
                _ => {
                    report.ignored += 1;
                    continue;
                }
            };
            match reason {
                Some(reason) => {
                    self.db.suppress(email.as_str(), reason, event.detail.as_deref()).await?;
                    tracing::info!(%email, reason = reason.as_str(), "address suppressed");
                    report.suppressed += 1;
                }
                None => {
                    tracing::info!(%email, detail = ?event.detail, "soft bounce");
                    report.soft_bounces += 1;
                }
            }
        }
        Ok(report)
    }

    /// Active newsletters for sign-up forms, in order.
    pub async fn public_newsletters(&self) -> Result<Vec<Newsletter>, AppError> {
        Ok(self.db.newsletters(false).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsubscribe_keys_depend_on_the_secret_and_the_member() {
        let a = Newsroom::unsubscribe_key("secret", "uuid-1");
        assert_eq!(a.len(), 64);
        assert!(Newsroom::is_unsubscribe_key("secret", "uuid-1", &a));
        assert!(Newsroom::is_unsubscribe_key("secret", "uuid-1", &a[..32]), "links mailed before still work");
        assert!(!Newsroom::is_unsubscribe_key("secret", "uuid-2", &a));
        assert_eq!(a, Newsroom::unsubscribe_key("secret", "uuid-1"));
        assert_ne!(a, Newsroom::unsubscribe_key("secret", "uuid-2"));
        assert_ne!(a, Newsroom::unsubscribe_key("other", "uuid-1"));
    }

    #[test]
    fn delivery_events_accept_common_spellings() {
        let event: DeliveryEvent =
            serde_json::from_str(r#"{"recipient":"a@example.org","event":"complained"}"#).expect("parses");
        assert_eq!(event.email, "a@example.org");
        assert_eq!(event.kind, "complained");
    }
}
