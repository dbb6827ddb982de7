//! Newsletters: managing them, sending a post to one, and the sender that works through each
//! send's frozen audience exactly once.
//!
//! How a send survives a crash: the audience is frozen into `email_recipients` before the first
//! message. Each sender task claims a small batch with a lease and, for each recipient, hands the
//! message to the relay and records `sent` the moment the relay answers 250. A task never starts
//! a message when less than [`SEND_MARGIN`] of its lease is left, so nobody else can hold those
//! rows while it sends. A killed process leaves at most one message per task between the relay's
//! 250 and our record (the window RFC 1047 describes); everything else it held returns to the
//! queue at restart (its own leases are released at once) or when the lease runs out.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration as StdDuration;

use lettre::message::Mailbox;
use masthead_core::{
    Actor, EmailAddress, Newsletter, NewsletterStatus, ObjectId, Permission, Post, PostStatus, Segment, Slug,
};
use masthead_render::email::{NewsletterEmail, UNSUBSCRIBE_PLACEHOLDER, render_newsletter};
use masthead_storage::{ClaimedRecipient, EmailRecord, NewEmail};
use time::Duration;
use tokio::sync::watch;

use crate::mail::{Delivery, MessageParts};
use crate::{AppError, Newsroom};

/// How long a sender task holds a batch.
pub const LEASE: Duration = Duration::minutes(2);
/// No message is started with less than this left on the lease (longer than the SMTP timeout).
pub const SEND_MARGIN: Duration = Duration::seconds(45);
/// Recipients per claim.
const BATCH: i64 = 50;
/// Temporary failures before a recipient is marked failed.
const MAX_ATTEMPTS: i32 = 5;

/// Records accepted recipients as sent. Sender tasks hand their ids to one recorder, which writes
/// whatever has arrived in one transaction and answers each task once its row is committed: a
/// task never starts its next message before its last one is recorded, so a crash still leaves
/// at most one unrecorded message per connection, while SQLite's single writer commits once for
/// several messages.
#[derive(Clone)]
struct SentMarks(tokio::sync::mpsc::UnboundedSender<(i64, tokio::sync::oneshot::Sender<Result<(), String>>)>);

impl SentMarks {
    fn start(db: masthead_storage::Db) -> (Self, tokio::task::JoinHandle<()>) {
        let (sender, mut receiver) =
            tokio::sync::mpsc::unbounded_channel::<(i64, tokio::sync::oneshot::Sender<Result<(), String>>)>();
        let recorder = tokio::spawn(async move {
            while let Some(first) = receiver.recv().await {
                let mut batch = vec![first];
                while let Ok(more) = receiver.try_recv() {
                    batch.push(more);
                }
                let ids: Vec<i64> = batch.iter().map(|(id, _)| *id).collect();
                let result = db.mark_recipients_sent(&ids).await.map(|_| ()).map_err(|e| e.to_string());
                for (_, reply) in batch {
                    let _ = reply.send(result.clone());
                }
            }
        });
        (Self(sender), recorder)
    }

    async fn record(&self, id: i64) -> Result<(), AppError> {
        let (reply, done) = tokio::sync::oneshot::channel();
        let stopped = || AppError::Unavailable("the sent-mark recorder stopped".into());
        self.0.send((id, reply)).map_err(|_| stopped())?;
        done.await.map_err(|_| stopped())?.map_err(|e| AppError::Unavailable(format!("recording a send: {e}")))
    }
}

/// One sender task's part in a send: what it sends and the name its leases are held under.
#[derive(Clone, Copy)]
struct Sender<'a> {
    email: &'a EmailRecord,
    newsletter: &'a Newsletter,
    secret: &'a str,
    worker: &'a str,
}

/// What staff fill in for a newsletter.
#[derive(Clone, Debug, Default)]
pub struct NewsletterInput {
    pub name: String,
    pub slug: Option<String>,
    pub description: Option<String>,
    pub sender_name: Option<String>,
    pub sender_email: Option<String>,
    pub sender_reply_to: Option<String>,
    pub host_name: Option<String>,
    pub archived: bool,
    pub subscribe_on_signup: bool,
    pub sort_order: i32,
}

fn clean(value: &Option<String>) -> Option<String> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned)
}

fn refuse(what: &str) -> AppError {
    AppError::Forbidden(format!("your role does not allow you to {what}"))
}

impl Newsroom {
    /// Creates a newsletter, or updates the one with `id`.
    pub async fn save_newsletter(
        &self,
        actor: &Actor,
        id: Option<&ObjectId>,
        input: &NewsletterInput,
    ) -> Result<Newsletter, AppError> {
        if !actor.may(Permission::ManageMembers) {
            return Err(refuse("manage newsletters"));
        }
        let name = input.name.trim();
        if name.is_empty() {
            return Err(AppError::invalid("name", "a newsletter needs a name"));
        }
        if name.chars().count() > 191 {
            return Err(AppError::invalid("name", "at most 191 characters"));
        }
        for (field, value) in [("sender_email", &input.sender_email), ("sender_reply_to", &input.sender_reply_to)] {
            if let Some(address) = clean(value) {
                EmailAddress::parse(&address).map_err(|e| AppError::invalid(field, e.to_string()))?;
            }
        }
        let existing = match id {
            Some(id) => Some(self.db.newsletter_by_id(id).await?.ok_or(AppError::NotFound("newsletter"))?),
            None => None,
        };
        let slug = match clean(&input.slug) {
            Some(slug) => Slug::parse(&slug).map_err(|e| AppError::invalid("slug", e.to_string()))?,
            None => match &existing {
                Some(n) => n.slug.clone(),
                None => Slug::from_title(name).ok_or_else(|| AppError::invalid("name", "needs letters or digits"))?,
            },
        };
        let now = masthead_core::now();
        let newsletter = Newsletter {
            id: existing.as_ref().map_or_else(ObjectId::new, |n| n.id.clone()),
            uuid: existing.as_ref().map_or_else(|| uuid::Uuid::new_v4().to_string(), |n| n.uuid.clone()),
            name: name.to_owned(),
            slug,
            description: clean(&input.description),
            sender_name: clean(&input.sender_name),
            sender_email: clean(&input.sender_email).map(|e| e.to_lowercase()),
            sender_reply_to: clean(&input.sender_reply_to).map(|e| e.to_lowercase()),
            host_name: clean(&input.host_name),
            status: if input.archived { NewsletterStatus::Archived } else { NewsletterStatus::Active },
            subscribe_on_signup: input.subscribe_on_signup,
            sort_order: input.sort_order,
            created_at: existing.as_ref().map_or(now, |n| n.created_at),
            updated_at: now,
        };
        self.db.save_newsletter(&newsletter).await?;
        // Sign-up forms on every page list the newsletters.
        self.changes.publish(&crate::ContentChange::Everything);
        Ok(newsletter)
    }

    /// Chooses the newsletter (and segment) a post goes to when it is published; `None` clears it.
    pub async fn choose_newsletter(
        &self,
        actor: &Actor,
        post: &Post,
        newsletter: Option<&str>,
        segment: &str,
    ) -> Result<(), AppError> {
        if self.db.email_for_post(&post.id).await?.is_some() {
            // Sent already (or sending): the choice is history.
            return Ok(());
        }
        let Some(slug) = newsletter.map(str::trim).filter(|s| !s.is_empty()) else {
            if self.db.post_newsletter(&post.id).await?.is_some() {
                self.db.set_post_newsletter(&post.id, None, None).await?;
            }
            return Ok(());
        };
        if !actor.may(Permission::SendNewsletters) {
            return Err(refuse("send newsletters"));
        }
        let newsletter = self
            .db
            .newsletter_by_slug(slug)
            .await?
            .filter(|n| n.status == NewsletterStatus::Active)
            .ok_or_else(|| AppError::invalid("newsletter", format!("there is no active newsletter {slug:?}")))?;
        let segment = Segment::parse(segment)
            .ok_or_else(|| AppError::invalid("email_segment", format!("{segment:?} is not a segment")))?;
        self.db.set_post_newsletter(&post.id, Some(&newsletter.id), Some(&segment)).await?;
        Ok(())
    }

    /// Called whenever a post goes live (or is sent by email only): creates its send if a
    /// newsletter was chosen and none exists yet. Idempotent.
    pub async fn send_newsletter_if_chosen(&self, post: &Post) -> Result<Option<String>, AppError> {
        if !(post.status == PostStatus::Published || post.status == PostStatus::Sent) {
            return Ok(None);
        }
        let Some((newsletter_id, segment)) = self.db.post_newsletter(&post.id).await? else { return Ok(None) };
        if let Some(existing) = self.db.email_for_post(&post.id).await? {
            return Ok(Some(existing.id));
        }
        let newsletter = self.db.newsletter_by_id(&newsletter_id).await?.ok_or(AppError::NotFound("newsletter"))?;
        let (html, plaintext) = self.render_newsletter_email(post, &newsletter).await?;
        let id = self
            .db
            .create_email(&NewEmail {
                post_id: post.id.clone(),
                newsletter_id,
                segment,
                subject: post.title.clone(),
                html,
                plaintext,
                created_by: post.authors.first().map(|a| a.id.clone()),
            })
            .await?;
        tracing::info!(post = %post.slug, newsletter = %newsletter.slug, email = %id, "newsletter send created");
        self.mailer.wake();
        Ok(Some(id))
    }

    /// The newsletter email for a post, as subscribers will see it (the unsubscribe link still a
    /// placeholder).
    pub async fn render_newsletter_email(
        &self,
        post: &Post,
        newsletter: &Newsletter,
    ) -> Result<(String, String), AppError> {
        let settings = self.db.site_settings().await?;
        let site_url = self.mailer.site_url().to_owned();
        let absolute = |url: &str| if url.starts_with('/') { format!("{site_url}{url}") } else { url.to_owned() };
        let date = post.published_at.unwrap_or_else(masthead_core::now).unix_timestamp();
        let date = jiff::Timestamp::from_second(date)
            .map(|t| t.to_zoned(settings.timezone.zone()).strftime("%-d %B %Y").to_string())
            .unwrap_or_default();
        let names: Vec<&str> = post.authors.iter().map(|a| a.name.as_str()).collect();
        let byline = match names.as_slice() {
            [] => None,
            [one] => Some((*one).to_owned()),
            [init @ .., last] => Some(format!("{} and {last}", init.join(", "))),
        };
        let view = NewsletterEmail {
            site_title: settings.title.clone(),
            site_url: site_url.clone(),
            locale: settings.locale.clone(),
            accent_color: settings.accent_color.clone(),
            newsletter_name: newsletter.name.clone(),
            host_name: newsletter.host_name.clone(),
            title: post.title.clone(),
            excerpt: post.custom_excerpt.clone(),
            byline,
            date,
            reading_time: post.reading_time.max(1),
            url: format!("{site_url}/{}/", post.slug),
            on_the_web: post.status != PostStatus::Sent,
            image: post.feature_image.as_deref().map(absolute),
            image_alt: post.feature_image_alt.clone(),
            image_caption: post.feature_image_caption.clone(),
            image_credit: post.feature_image_credit.clone(),
            html: post.html.clone(),
            listen_url: self.listen_url(post, &site_url).await?,
        };
        render_newsletter(&view)
            .map_err(|e| AppError::invalid("template", format!("the newsletter template failed: {e}")))
    }

    /// Sends the newsletter email of a post to one address (a staff member's test send).
    pub async fn send_test_newsletter(&self, post: &Post, newsletter: &Newsletter, to: &str) -> Result<(), AppError> {
        let (html, text) = self.render_newsletter_email(post, newsletter).await?;
        let placeholder_url = format!("{}/account/", self.mailer.site_url());
        self.send_mail(
            to,
            &format!("[Test] {}", post.title),
            &text.replace(UNSUBSCRIBE_PLACEHOLDER, &placeholder_url),
            Some(html.replace(UNSUBSCRIBE_PLACEHOLDER, &placeholder_url)),
        )
        .await
    }

    /// Frees work an earlier run of this instance held, so a restart resumes at once. On SQLite
    /// there is only ever one instance, so everything held is ours.
    pub async fn release_own_leases(&self) -> Result<u64, AppError> {
        let prefix = match self.db.backend() {
            masthead_storage::Backend::Sqlite => String::new(),
            masthead_storage::Backend::Postgres => format!("{}/", self.mailer.instance()),
        };
        let released = self.db.release_leases_of(&prefix).await?;
        if released > 0 {
            tracing::info!(released, "mail held by an earlier run is queued again");
        }
        Ok(released)
    }

    /// Starts pending sends and works through those under way. Returns whether anything was sent.
    pub async fn work_newsletters(&self, shutdown: &watch::Receiver<bool>) -> Result<bool, AppError> {
        let mut worked = false;
        for email in self.db.unfinished_emails().await? {
            if *shutdown.borrow() {
                break;
            }
            if email.status == "pending"
                && let Some(count) = self.db.start_email(&email.id).await?
            {
                tracing::info!(email = %email.id, recipients = count, "newsletter audience frozen; sending");
            }
            let Some(email) = self.db.email(&email.id).await? else { continue };
            if email.status != "sending" {
                continue;
            }
            worked |= self.send_email_batches(&email, shutdown).await?;
            if self.db.finish_email_if_done(&email.id).await? {
                let progress = self.db.email_progress(&email.id).await?;
                tracing::info!(email = %email.id, sent = progress.sent, failed = progress.failed, "newsletter sent");
            }
        }
        Ok(worked)
    }

    /// Runs the sender tasks for one send until nothing is left to claim.
    async fn send_email_batches(
        &self,
        email: &EmailRecord,
        shutdown: &watch::Receiver<bool>,
    ) -> Result<bool, AppError> {
        let id = ObjectId::parse(&email.newsletter_id).map_err(|_| AppError::NotFound("newsletter"))?;
        let newsletter = self.db.newsletter_by_id(&id).await?.ok_or(AppError::NotFound("newsletter"))?;
        let secret = self.members_secret().await?;
        let (marks, recorder) = SentMarks::start(self.db.clone());
        let cursor = std::sync::Arc::new(AtomicI64::new(0));
        let mut tasks = tokio::task::JoinSet::new();
        for task in 0..self.mailer.concurrency() {
            let newsroom = self.clone();
            let email = email.clone();
            let newsletter = newsletter.clone();
            let secret = secret.clone();
            let shutdown = shutdown.clone();
            let marks = marks.clone();
            let cursor = cursor.clone();
            let worker = format!("{}/send/{task}", self.mailer.instance());
            tasks.spawn(async move {
                let sender = Sender { email: &email, newsletter: &newsletter, secret: &secret, worker: &worker };
                newsroom.sender_task(sender, &marks, &cursor, &shutdown).await
            });
        }
        drop(marks);
        let mut sent_any = false;
        while let Some(result) = tasks.join_next().await {
            match result {
                Ok(Ok(sent)) => sent_any |= sent > 0,
                Ok(Err(error)) => tracing::error!(%error, "newsletter sender stopped"),
                Err(error) => tracing::error!(%error, "newsletter sender panicked"),
            }
        }
        if let Err(error) = recorder.await {
            tracing::error!(%error, "the sent-mark recorder panicked");
        }
        Ok(sent_any)
    }

    async fn sender_task(
        &self,
        sender: Sender<'_>,
        marks: &SentMarks,
        cursor: &AtomicI64,
        shutdown: &watch::Receiver<bool>,
    ) -> Result<u64, AppError> {
        let Sender { email, newsletter, secret, worker } = sender;
        let from = self.newsletter_sender(newsletter);
        let reply_to = newsletter.sender_reply_to.as_deref().and_then(|r| r.parse::<Mailbox>().ok());
        let domain = self.mailer.domain();
        let list_id = format!("{} <{}.{domain}>", newsletter.name.replace(['<', '>', '"'], ""), newsletter.slug);
        let mut sent = 0;
        // Claims move forward from `cursor`, the highest id any task of this send has claimed,
        // so that a claim does not step over the recipients the other tasks took meanwhile (on
        // PostgreSQL each is a row to look at and pass). A pass starts from the beginning: the
        // first claim, and again when claims run dry, to pick up retries, released recipients
        // and (on PostgreSQL, which looks for them only then) those whose sender's lease ran out.
        let mut from_start = true;
        loop {
            if *shutdown.borrow() {
                return Ok(sent);
            }
            let after = if from_start { 0 } else { cursor.load(Ordering::Relaxed) };
            let claimed_at = masthead_core::now();
            let batch = self.db.claim_recipients(email, worker, claimed_at, LEASE, BATCH, after).await?;
            if batch.is_empty() {
                if after == 0 {
                    return Ok(sent);
                }
                from_start = true;
                continue;
            }
            from_start = (batch.len() as i64) < BATCH;
            cursor.fetch_max(batch.iter().map(|r| r.id).max().unwrap_or(0), Ordering::Relaxed);
            let deadline = claimed_at + LEASE - SEND_MARGIN;
            for (index, recipient) in batch.iter().enumerate() {
                if *shutdown.borrow() || masthead_core::now() >= deadline {
                    let rest: Vec<i64> = batch[index..].iter().map(|r| r.id).collect();
                    self.db.release_recipients(&rest, worker).await?;
                    break;
                }
                let unsubscribe = self.unsubscribe_url(secret, &recipient.member_uuid, newsletter.slug.as_str());
                let outcome = self.send_one(email, recipient, &from, &reply_to, &list_id, &unsubscribe);
                match outcome.await {
                    Delivery::Accepted => {
                        // Nothing else happens on this connection until the 250 is recorded.
                        marks.record(recipient.id).await?;
                        sent += 1;
                    }
                    Delivery::Temporary(error) if recipient.attempts + 1 < MAX_ATTEMPTS => {
                        let retry = masthead_core::now() + self.mailer.retry_delay(recipient.attempts);
                        self.db.mark_recipient_unsent(recipient.id, worker, &error, Some(retry)).await?;
                    }
                    Delivery::Temporary(error) | Delivery::Permanent(error) => {
                        tracing::warn!(to = %recipient.address, %error, "newsletter not delivered");
                        self.db.mark_recipient_unsent(recipient.id, worker, &error, None).await?;
                    }
                }
            }
        }
    }

    async fn send_one(
        &self,
        email: &EmailRecord,
        recipient: &ClaimedRecipient,
        from: &Mailbox,
        reply_to: &Option<Mailbox>,
        list_id: &str,
        unsubscribe: &str,
    ) -> Delivery {
        let mailto = format!("mailto:{}?subject=unsubscribe%20{}", self.mailer.from().email, recipient.member_uuid);
        let html_unsubscribe = unsubscribe.replace('&', "&amp;");
        let html = email.html.replace(UNSUBSCRIBE_PLACEHOLDER, &html_unsubscribe);
        let text = email.plaintext.replace(UNSUBSCRIBE_PLACEHOLDER, unsubscribe);
        let headers = [
            ("List-Unsubscribe", format!("<{unsubscribe}>, <{mailto}>")),
            ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click".to_owned()),
            ("List-Id", list_id.to_owned()),
            ("X-Masthead-Email", email.id.clone()),
        ];
        let message = self.mailer.build(MessageParts {
            from: Some(from.clone()),
            reply_to: reply_to.clone(),
            to: &recipient.address,
            to_name: recipient.name.as_deref(),
            subject: &email.subject,
            text: &text,
            html: Some(&html),
            // The same recipient of the same send always gets the same Message-ID.
            message_id: Some(format!("<{}.{}@{}>", email.id, recipient.id, self.mailer.domain())),
            headers: &headers,
        });
        match message {
            Ok(message) => self.mailer.deliver(message).await,
            Err(error) => Delivery::Permanent(format!("could not build the message: {error}")),
        }
    }

    /// The From of a newsletter: its sender name and address, or the site's.
    fn newsletter_sender(&self, newsletter: &Newsletter) -> Mailbox {
        let base = self.mailer.from().clone();
        let address = newsletter
            .sender_email
            .as_deref()
            .and_then(|e| e.parse::<lettre::Address>().ok())
            .unwrap_or(base.email.clone());
        let name = newsletter.sender_name.clone().or(base.name).or_else(|| Some(newsletter.name.clone()));
        Mailbox::new(name, address)
    }

    /// Works newsletters until `shutdown`: releases this instance's old leases first, then
    /// looks for work every second (at once when a send is created here).
    pub async fn run_newsletter_sender(&self, mut shutdown: watch::Receiver<bool>) {
        if !self.mailer.delivers() {
            tracing::info!("no SMTP configured: newsletters wait until MASTHEAD_SMTP_URL is set");
            return;
        }
        if let Err(error) = self.release_own_leases().await {
            tracing::error!(%error, "could not release earlier leases");
        }
        loop {
            if *shutdown.borrow() {
                return;
            }
            let woken = self.mailer.woken();
            match self.work_newsletters(&shutdown).await {
                Ok(true) => continue,
                Ok(false) => {}
                Err(error) => tracing::error!(%error, "newsletter sender unavailable"),
            }
            tokio::select! {
                () = woken => {}
                () = tokio::time::sleep(StdDuration::from_secs(1)) => {}
                _ = shutdown.changed() => {}
            }
        }
    }
}
