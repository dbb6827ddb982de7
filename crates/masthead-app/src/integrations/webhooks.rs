//! Webhooks with Ghost's event names, payloads and signature, delivered as durable jobs.
//!
//! A change (a post published, a member added, ...) enqueues one delivery job per webhook
//! registered for its event. A delivery POSTs `{resource: {current, previous}}` with
//! `X-Ghost-Signature: sha256=<hmac>, t=<ms>` when the webhook has a secret, waits two seconds
//! at most, and is retried with backoff on failure; a `410 Gone` removes the webhook, as in
//! Ghost. Targets on loopback, private or link-local addresses are refused unless the
//! newsroom is configured to allow them (for services on the same machine or network).

use std::net::IpAddr;
use std::time::Duration as StdDuration;

use hmac::{Hmac, Mac};
use masthead_core::{Actor, ObjectId, Permission, Post, PostStatus, PostType};
use masthead_storage::{JobChange, NewJob, WebhookRecord};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::{AppError, Newsroom};

/// Ghost's events, and ours.
pub const EVENTS: &[&str] = &[
    "site.changed",
    "post.added",
    "post.deleted",
    "post.edited",
    "post.published",
    "post.published.edited",
    "post.unpublished",
    "post.scheduled",
    "post.unscheduled",
    "post.rescheduled",
    "page.added",
    "page.deleted",
    "page.edited",
    "page.published",
    "page.published.edited",
    "page.unpublished",
    "page.scheduled",
    "page.unscheduled",
    "page.rescheduled",
    "tag.added",
    "tag.edited",
    "tag.deleted",
    "post.tag.attached",
    "post.tag.detached",
    "page.tag.attached",
    "page.tag.detached",
    "member.added",
    "member.edited",
    "member.deleted",
    "feed_item.added",
    "feed_item.edited",
    "feed_item.deleted",
];

/// How long a target may take to answer, as in Ghost.
pub const DELIVERY_TIMEOUT: StdDuration = StdDuration::from_secs(2);
/// Attempts per delivery: the first and five retries.
pub const MAX_ATTEMPTS: i32 = 6;

/// What an integration sends to register or change a webhook. `None` keeps (on edit) or
/// defaults (on add).
#[derive(Clone, Debug, Default)]
pub struct WebhookInput {
    pub event: Option<String>,
    pub target_url: Option<String>,
    pub name: Option<Option<String>>,
    pub secret: Option<Option<String>>,
    pub api_version: Option<String>,
    pub integration_id: Option<String>,
}

/// Whether webhooks may call addresses inside this machine or its network.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum WebhookTargets {
    /// Public internet addresses only (the default).
    #[default]
    PublicOnly,
    /// Any address: for deployments whose services share a private network.
    AllowPrivate,
}

fn refuse(what: &str) -> AppError {
    AppError::Forbidden(format!("Your role does not allow you to {what}."))
}

/// Loopback, private (RFC 1918, unique-local), link-local, unspecified, multicast, CGNAT,
/// benchmarking, reserved, IETF protocol-assignment and documentation ranges: nothing a public
/// webhook should reach. IPv6 forms that carry an IPv4 address (mapped, compatible, 6to4, NAT64,
/// Teredo) are judged by what they lead to, or refused outright where a gateway decides that.
pub fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_multicast()
                || v4.is_broadcast()
                || v4.is_documentation()
                // 0.0.0.0/8 "this network"
                || a == 0
                // 100.64.0.0/10 shared address space (CGNAT)
                || (a == 100 && (64..128).contains(&b))
                // 192.0.0.0/24 IETF protocol assignments
                || (a == 192 && b == 0 && c == 0)
                // 192.88.99.0/24 the retired 6to4 relay anycast
                || (a == 192 && b == 88 && c == 99)
                // 198.18.0.0/15 benchmarking
                || (a == 198 && (b & 0xfe) == 18)
                // 240.0.0.0/4 reserved (and the broadcast address within it)
                || a >= 240
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_private(IpAddr::V4(v4));
            }
            let s = v6.segments();
            // 2002::/16 6to4: the IPv4 address is in the next 32 bits.
            if s[0] == 0x2002 {
                let v4 = std::net::Ipv4Addr::new((s[1] >> 8) as u8, s[1] as u8, (s[2] >> 8) as u8, s[2] as u8);
                return is_private(IpAddr::V4(v4));
            }
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                // ::/96 IPv4-compatible (deprecated; `::` and `::1` are in it too)
                || s[..6] == [0; 6]
                // 64:ff9b::/96 well-known NAT64 and 64:ff9b:1::/48 local-use NAT64: the gateway
                // reaches whatever IPv4 address is inside, private ones included.
                || (s[0] == 0x64 && s[1] == 0xff9b && (s[2..6] == [0; 4] || s[2] == 1))
                // 100::/64 discard-only
                || (s[0] == 0x100 && s[1..4] == [0; 3])
                // 2001::/32 Teredo (the IPv4 address inside is obfuscated) and 2001:db8::/32
                // documentation
                || (s[0] == 0x2001 && (s[1] == 0 || s[1] == 0xdb8))
                // fc00::/7 unique local
                || (s[0] & 0xfe00) == 0xfc00
                // fe80::/10 link-local and fec0::/10 the retired site-local
                || (s[0] & 0xffc0) == 0xfe80
                || (s[0] & 0xffc0) == 0xfec0
        }
    }
}

/// Parses a target URL: http or https, with a host.
fn parse_target(url: &str) -> Result<reqwest::Url, AppError> {
    let parsed = reqwest::Url::parse(url.trim())
        .map_err(|e| AppError::invalid("target_url", format!("{url:?} is not a URL ({e}).")))?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none_or(str::is_empty) {
        return Err(AppError::invalid("target_url", "The target must be an http:// or https:// URL with a host."));
    }
    Ok(parsed)
}

/// The `X-Ghost-Signature` header value for `body` sent at `timestamp_ms`.
pub fn signature(secret: &str, body: &str, timestamp_ms: i64) -> String {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else { return String::new() };
    mac.update(body.as_bytes());
    mac.update(timestamp_ms.to_string().as_bytes());
    format!("sha256={}, t={timestamp_ms}", hex::encode(mac.finalize().into_bytes()))
}

/// A delivery waiting in the job queue.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Delivery {
    pub webhook_id: String,
    pub event: String,
    pub body: Value,
}

impl Delivery {
    pub const KIND: &'static str = "deliver_webhook";

    fn job(&self) -> JobChange {
        JobChange::Enqueue(NewJob {
            kind: Self::KIND.to_owned(),
            payload: json!({ "webhook_id": self.webhook_id, "event": self.event, "body": self.body }),
            dedup_key: Some(format!("webhook:{}:{}", self.webhook_id, uuid::Uuid::new_v4())),
            run_at: masthead_core::now(),
            max_attempts: MAX_ATTEMPTS,
        })
    }
}

/// The events a change to a post or page raises, in Ghost's order, from its state before and
/// after (`None` = did not exist / no longer exists).
pub fn post_events(before: Option<&Post>, after: Option<&Post>) -> Vec<String> {
    let post = after.or(before).map_or(PostType::Post, |p| p.post_type);
    let kind = post.as_str();
    let mut events = Vec::new();
    let live = |p: Option<&Post>| p.is_some_and(Post::is_live);
    let scheduled = |p: Option<&Post>| p.is_some_and(|p| p.status == PostStatus::Scheduled);
    match (before, after) {
        (None, Some(_)) => events.push("added"),
        (Some(_), None) => events.push("deleted"),
        (Some(_), Some(_)) => events.push("edited"),
        (None, None) => {}
    }
    if after.is_some() {
        match (live(before), live(after)) {
            (false, true) => events.push("published"),
            (true, false) => events.push("unpublished"),
            (true, true) => events.push("published.edited"),
            (false, false) => {}
        }
    } else if live(before) {
        events.push("unpublished");
    }
    match (scheduled(before), scheduled(after)) {
        (false, true) => events.push("scheduled"),
        (true, false) if !live(after) => events.push("unscheduled"),
        (true, true) if before.map(|p| p.published_at) != after.map(|p| p.published_at) => events.push("rescheduled"),
        _ => {}
    }
    let tags = |p: Option<&Post>| -> Vec<String> {
        p.map(|p| p.tags.iter().map(|t| t.id.to_string()).collect()).unwrap_or_default()
    };
    let (was, now) = (tags(before), tags(after));
    if before.is_some() && after.is_some() {
        if now.iter().any(|t| !was.contains(t)) {
            events.push("tag.attached");
        }
        if was.iter().any(|t| !now.contains(t)) {
            events.push("tag.detached");
        }
    }
    events.into_iter().map(|e| format!("{kind}.{e}")).collect()
}

/// Only the attributes of `before` that differ in `after`: Ghost's `previous`.
pub fn changed_attributes(before: &Value, after: &Value) -> Value {
    match (before, after) {
        (Value::Object(old), Value::Object(new)) => Value::Object(
            old.iter().filter(|(k, v)| new.get(k.as_str()) != Some(v)).map(|(k, v)| (k.clone(), v.clone())).collect(),
        ),
        _ => before.clone(),
    }
}

impl Newsroom {
    /// Raises the webhook events of a change to a post or page (and `site.changed` when what
    /// readers see changed).
    pub async fn post_changed(&self, before: Option<&Post>, after: Option<&Post>) {
        let events = post_events(before, after);
        if events.is_empty() {
            return;
        }
        let shape = crate::ghost::api_json::Shape {
            site_url: self.mailer.site_url(),
            audience: crate::ghost::api_json::Audience::Admin,
            include: &[],
            formats: &[],
            fields: &[],
            timezone: jiff::tz::TimeZone::UTC,
            tiers: self.db.tiers().await.unwrap_or_default(),
        };
        let current = after.map_or_else(|| json!({}), |p| crate::ghost::api_json::post(&shape, p));
        let old = before.map_or_else(|| json!({}), |p| crate::ghost::api_json::post(&shape, p));
        let previous = if after.is_some() { changed_attributes(&old, &current) } else { old };
        let resource = after.or(before).map_or("post", |p| p.post_type.as_str());
        for event in &events {
            self.fire_webhooks(event, resource, current.clone(), previous.clone()).await;
        }
        if before.is_some_and(Post::is_live) || after.is_some_and(Post::is_live) {
            self.fire_webhooks("site.changed", "", json!({}), json!({})).await;
        }
    }

    /// Raises `member.added`, `member.edited` or `member.deleted`.
    pub async fn member_changed(&self, before: Option<&masthead_core::Member>, after: Option<&masthead_core::Member>) {
        let event = match (before, after) {
            (None, Some(_)) => "member.added",
            (Some(_), Some(_)) => "member.edited",
            (Some(_), None) => "member.deleted",
            (None, None) => return,
        };
        let newsletters = self.db.newsletters(true).await.unwrap_or_default();
        let show = |m: Option<&masthead_core::Member>| {
            m.map_or_else(|| json!({}), |m| crate::ghost::api_json::member(m, &newsletters, None))
        };
        let (old, current) = (show(before), show(after));
        let previous = if after.is_some() { changed_attributes(&old, &current) } else { old };
        self.fire_webhooks(event, "member", current, previous).await;
    }

    /// Raises `tag.added`, `tag.edited` or `tag.deleted`, and `site.changed`.
    pub async fn tag_changed(&self, before: Option<&masthead_core::Tag>, after: Option<&masthead_core::Tag>) {
        let event = match (before, after) {
            (None, Some(_)) => "tag.added",
            (Some(_), Some(_)) => "tag.edited",
            (Some(_), None) => "tag.deleted",
            (None, None) => return,
        };
        let shape = crate::ghost::api_json::Shape {
            site_url: self.mailer.site_url(),
            audience: crate::ghost::api_json::Audience::Admin,
            include: &[],
            formats: &[],
            fields: &[],
            timezone: jiff::tz::TimeZone::UTC,
            tiers: Vec::new(),
        };
        let show = |t: Option<&masthead_core::Tag>| {
            t.map_or_else(|| json!({}), |t| crate::ghost::api_json::tag(&shape, t, None))
        };
        let (old, current) = (show(before), show(after));
        let previous = if after.is_some() { changed_attributes(&old, &current) } else { old };
        self.fire_webhooks(event, "tag", current, previous).await;
        self.fire_webhooks("site.changed", "", json!({}), json!({})).await;
    }

    async fn check_target(&self, url: &str) -> Result<(), AppError> {
        let parsed = parse_target(url)?;
        if self.webhook_targets == WebhookTargets::AllowPrivate {
            return Ok(());
        }
        let host = parsed.host_str().unwrap_or_default().trim_matches(['[', ']']).to_owned();
        let port = parsed.port_or_known_default().unwrap_or(443);
        let addresses: Vec<IpAddr> = match host.parse::<IpAddr>() {
            Ok(ip) => vec![ip],
            Err(_) => match tokio::net::lookup_host((host.as_str(), port)).await {
                Ok(found) => found.map(|a| a.ip()).collect(),
                // A name that does not resolve yet is allowed; it is checked again on delivery.
                Err(_) => Vec::new(),
            },
        };
        if addresses.into_iter().any(is_private) {
            return Err(AppError::invalid(
                "target_url",
                format!("{host} is a loopback or private address; webhooks go to public addresses only."),
            ));
        }
        Ok(())
    }

    /// Registers a webhook for an integration.
    pub async fn add_webhook(&self, actor: &Actor, input: WebhookInput) -> Result<WebhookRecord, AppError> {
        if !actor.may(Permission::ManageIntegrations) {
            return Err(refuse("manage webhooks"));
        }
        let event = input.event.ok_or_else(|| AppError::invalid("event", "Choose the event the webhook fires on."))?;
        let event = event.trim().to_ascii_lowercase();
        if !EVENTS.contains(&event.as_str()) {
            return Err(AppError::invalid(
                "event",
                format!("{event:?} is not an event; see docs/API.md for the list."),
            ));
        }
        let target = input.target_url.ok_or_else(|| AppError::invalid("target_url", "A target URL is required."))?;
        self.check_target(&target).await?;
        let integration = input.integration_id.ok_or_else(|| {
            AppError::invalid("integration_id", "A webhook belongs to an integration: send integration_id.")
        })?;
        if self.db.integration_by_id(&integration).await?.is_none() {
            return Err(AppError::invalid("integration_id", format!("There is no integration {integration:?}.")));
        }
        let now = masthead_core::now();
        let webhook = WebhookRecord {
            id: ObjectId::new().as_str().to_owned(),
            integration_id: integration,
            event,
            target_url: target.trim().to_owned(),
            name: input.name.flatten().filter(|n| !n.trim().is_empty()),
            secret: input.secret.flatten().filter(|s| !s.is_empty()),
            api_version: input.api_version.unwrap_or_else(|| "v6.0".into()),
            last_triggered_at: None,
            last_triggered_status: None,
            last_triggered_error: None,
            created_at: now,
            updated_at: now,
        };
        self.db.insert_webhook(&webhook).await?;
        Ok(webhook)
    }

    pub async fn edit_webhook(&self, actor: &Actor, id: &str, input: WebhookInput) -> Result<WebhookRecord, AppError> {
        if !actor.may(Permission::ManageIntegrations) {
            return Err(refuse("manage webhooks"));
        }
        let mut webhook = self.db.webhook_by_id(id).await?.ok_or(AppError::NotFound("webhook"))?;
        if let Some(event) = input.event {
            let event = event.trim().to_ascii_lowercase();
            if !EVENTS.contains(&event.as_str()) {
                return Err(AppError::invalid("event", format!("{event:?} is not an event.")));
            }
            webhook.event = event;
        }
        if let Some(target) = input.target_url {
            self.check_target(&target).await?;
            webhook.target_url = target.trim().to_owned();
        }
        if let Some(name) = input.name {
            webhook.name = name.filter(|n| !n.trim().is_empty());
        }
        if let Some(secret) = input.secret {
            webhook.secret = secret.filter(|s| !s.is_empty());
        }
        if let Some(version) = input.api_version {
            webhook.api_version = version;
        }
        webhook.updated_at = masthead_core::now();
        self.db.update_webhook(&webhook).await?;
        Ok(webhook)
    }

    pub async fn delete_webhook(&self, actor: &Actor, id: &str) -> Result<(), AppError> {
        if !actor.may(Permission::ManageIntegrations) {
            return Err(refuse("manage webhooks"));
        }
        if !self.db.delete_webhook(id).await? {
            return Err(AppError::NotFound("webhook"));
        }
        Ok(())
    }

    /// Queues a delivery of `event` to every webhook registered for it. `resource` is the
    /// payload's key (`post`, `page`, `tag`, `member`); `previous` holds only what changed.
    pub async fn fire_webhooks(&self, event: &str, resource: &str, current: Value, previous: Value) {
        let hooks = match self.db.webhooks_for_event(event).await {
            Ok(hooks) => hooks,
            Err(error) => {
                tracing::error!(%error, event, "could not read webhooks");
                return;
            }
        };
        if hooks.is_empty() {
            return;
        }
        let body = if resource.is_empty() {
            json!({})
        } else {
            json!({ resource: { "current": current, "previous": previous } })
        };
        let jobs: Vec<JobChange> = hooks
            .iter()
            .map(|h| Delivery { webhook_id: h.id.clone(), event: event.to_owned(), body: body.clone() }.job())
            .collect();
        match self.db.apply_job_changes(&jobs).await {
            Ok(()) => self.jobs.wake(),
            Err(error) => tracing::error!(%error, event, "could not queue webhook deliveries"),
        }
    }

    /// Delivers one webhook call. `Err` means "try again later"; a webhook that is gone (or
    /// answered 410) is done with.
    pub async fn deliver_webhook(&self, delivery: &Delivery) -> Result<(), AppError> {
        let Some(webhook) = self.db.webhook_by_id(&delivery.webhook_id).await? else { return Ok(()) };
        let target = parse_target(&webhook.target_url)?;
        // No proxy, whatever the environment says (`HTTPS_PROXY`, `ALL_PROXY`...): a proxy would
        // resolve the host itself and connect wherever it likes, bypassing the address pinned below.
        let mut client =
            reqwest::Client::builder().timeout(DELIVERY_TIMEOUT).redirect(reqwest::redirect::Policy::none()).no_proxy();
        if self.webhook_targets == WebhookTargets::PublicOnly {
            // Resolve once, check, and connect to exactly what was checked (no DNS rebinding).
            let host = target.host_str().unwrap_or_default().trim_matches(['[', ']']).to_owned();
            let port = target.port_or_known_default().unwrap_or(443);
            let addresses: Vec<std::net::SocketAddr> = tokio::net::lookup_host((host.as_str(), port))
                .await
                .map_err(|e| AppError::Unavailable(format!("{host} does not resolve: {e}")))?
                .collect();
            let Some(address) = addresses.first().copied() else {
                return Err(AppError::Unavailable(format!("{host} has no address")));
            };
            if addresses.iter().any(|a| is_private(a.ip())) {
                let message = format!("{host} resolves to a private address; not delivered");
                self.db.record_webhook_delivery(&webhook.id, masthead_core::now(), "refused", Some(&message)).await?;
                return Ok(());
            }
            client = client.resolve(&host, address);
        }
        let client = client.build().map_err(|e| AppError::Unavailable(format!("HTTP client: {e}")))?;
        let body = delivery.body.to_string();
        let mut request = client
            .post(target)
            .header("content-type", "application/json")
            .header("content-version", webhook.api_version.as_str())
            .header("user-agent", concat!("Masthead/", env!("CARGO_PKG_VERSION"), " (Ghost webhooks)"));
        if let Some(secret) = &webhook.secret {
            let now_ms = (masthead_core::now().unix_timestamp_nanos() / 1_000_000) as i64;
            request = request.header("x-ghost-signature", signature(secret, &body, now_ms));
        }
        let now = masthead_core::now();
        match request.body(body).send().await {
            Ok(response) if response.status().as_u16() == 410 => {
                tracing::info!(webhook = %webhook.id, target = %webhook.target_url, "webhook target is gone; removed");
                self.db.delete_webhook(&webhook.id).await?;
                Ok(())
            }
            Ok(response) if response.status().is_success() => {
                self.db.record_webhook_delivery(&webhook.id, now, response.status().as_str(), None).await?;
                Ok(())
            }
            Ok(response) => {
                let status = response.status();
                let message = format!("HTTP {status}");
                self.db.record_webhook_delivery(&webhook.id, now, status.as_str(), Some(&message)).await?;
                Err(AppError::Unavailable(format!("webhook {} answered {status}", webhook.id)))
            }
            Err(error) => {
                let message = if error.is_timeout() { "timed out".to_owned() } else { error.to_string() };
                self.db.record_webhook_delivery(&webhook.id, now, "error", Some(&message)).await?;
                Err(AppError::Unavailable(format!("webhook {} failed: {message}", webhook.id)))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_addresses_are_recognised() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "192.168.0.1",
            "172.16.5.5",
            "169.254.169.254",
            "::1",
            "fd00::1",
            "fe80::1",
            "0.0.0.0",
            "100.64.0.1",
            "::ffff:127.0.0.1",
        ] {
            assert!(is_private(private.parse().expect("an address")), "{private}");
        }
        for public in ["93.184.216.34", "1.1.1.1", "2606:4700::1111"] {
            assert!(!is_private(public.parse().expect("an address")), "{public}");
        }
    }

    fn refused(address: &str) -> bool {
        is_private(address.parse().expect("an address"))
    }

    #[test]
    fn nat64_is_refused_whatever_it_embeds() {
        // 64:ff9b::/96 reaches IPv4 through a gateway: 10.0.0.1, 127.0.0.1 and even a public
        // address are refused, since the gateway, not us, decides where it goes.
        for address in ["64:ff9b::a00:1", "64:ff9b::7f00:1", "64:ff9b::5db8:d822", "64:ff9b:1::a00:1"] {
            assert!(refused(address), "{address}");
        }
        assert!(!refused("64:ff9c::1"), "just outside the prefix");
    }

    #[test]
    fn six_to_four_is_judged_by_its_ipv4_address() {
        for address in ["2002:7f00:1::", "2002:a00:1::1", "2002:a9fe:a9fe::", "2002:c0a8:101::"] {
            assert!(refused(address), "{address}");
        }
        assert!(!refused("2002:5db8:d822::1"), "6to4 of the public 93.184.216.34");
    }

    #[test]
    fn ipv4_compatible_addresses_are_refused() {
        for address in ["::a00:1", "::7f00:1", "::5db8:d822", "::2"] {
            assert!(refused(address), "{address}");
        }
    }

    #[test]
    fn benchmarking_reserved_and_protocol_ranges_are_refused() {
        for address in ["198.18.0.1", "198.19.255.254", "240.0.0.1", "255.255.255.254", "192.0.0.8", "192.0.0.170"] {
            assert!(refused(address), "{address}");
        }
        for address in ["198.17.255.255", "198.20.0.1", "223.255.255.254", "192.0.1.1"] {
            assert!(!refused(address), "{address} is public");
        }
    }

    #[test]
    fn multicast_is_refused_on_both_families() {
        for address in ["224.0.0.1", "239.255.255.250", "ff02::1", "ff05::1:3", "ff0e::1", "::ffff:224.0.0.251"] {
            assert!(refused(address), "{address}");
        }
    }

    #[test]
    fn the_signature_is_ghosts() {
        // HMAC-SHA256 over the body followed by the timestamp, hex encoded.
        let header = signature("secret", "{}", 1_700_000_000_000);
        let mut mac = Hmac::<Sha256>::new_from_slice(b"secret").expect("any key length");
        mac.update(b"{}1700000000000");
        assert_eq!(header, format!("sha256={}, t=1700000000000", hex::encode(mac.finalize().into_bytes())));
    }

    #[test]
    fn previous_holds_only_what_changed() {
        let before = json!({ "title": "Old", "slug": "same", "featured": false });
        let after = json!({ "title": "New", "slug": "same", "featured": true });
        assert_eq!(changed_attributes(&before, &after), json!({ "title": "Old", "featured": false }));
    }

    #[test]
    fn targets_must_be_web_urls() {
        assert!(parse_target("https://hooks.example.com/x").is_ok());
        assert!(parse_target("ftp://example.com/").is_err());
        assert!(parse_target("not a url").is_err());
    }
}
