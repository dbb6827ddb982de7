//! Writing posts and pages: turning what staff typed into stored, sanitised content.

use masthead_core::reading_time::{ghost_word_count, reading_time_minutes};
use masthead_core::{Newsletter, ObjectId, Post, PostStatus, PostType, Segment, Slug, StaffUser, Tag, Visibility};
use masthead_render::lexical::Document;
use masthead_render::{html_to_plaintext, image_count, markdown_to_html, sanitize_html};
use masthead_storage::{NewEmail, NewsletterChoice, PostExtras};
use time::OffsetDateTime;

use crate::jobs::Job;
use crate::{AppError, ContentChange, Newsroom};

/// The longest title Ghost accepts.
pub const MAX_TITLE_LEN: usize = 255;
/// Ghost validates custom excerpts at 300 characters.
pub const MAX_EXCERPT_LEN: usize = 300;

#[derive(Clone, Debug)]
pub enum PostBody {
    Markdown(String),
    /// HTML from an import or an API client; sanitised on the way in.
    Html(String),
    /// A Lexical document (JSON), from the rich-text editor or a Ghost client: kept as it is,
    /// and rendered to the HTML readers are served.
    Lexical(String),
}

impl PostBody {
    /// The body a story was saved with: its Lexical document if it has one, else its Markdown,
    /// else its HTML.
    pub fn stored(lexical: Option<&str>, markdown: Option<&str>, html: &str) -> Self {
        match (lexical, markdown) {
            (Some(lexical), _) => Self::Lexical(lexical.to_owned()),
            (None, Some(markdown)) => Self::Markdown(markdown.to_owned()),
            (None, None) => Self::Html(html.to_owned()),
        }
    }
}

/// What staff (or an API client) supply to create or edit a post or page.
#[derive(Clone, Debug)]
pub struct PostInput {
    pub post_type: PostType,
    pub title: String,
    pub slug: Option<String>,
    pub body: PostBody,
    pub feature_image: Option<String>,
    pub feature_image_alt: Option<String>,
    pub feature_image_caption: Option<String>,
    pub feature_image_credit: Option<String>,
    pub custom_excerpt: Option<String>,
    pub status: PostStatus,
    pub published_at: Option<OffsetDateTime>,
    pub visibility: Visibility,
    pub featured: bool,
    /// Tag names in order; unknown names create tags. The first public one is the section.
    pub tags: Vec<String>,
    /// Authors in byline order; at least one.
    pub author_ids: Vec<ObjectId>,
    /// The tiers a post limited to tiers is for (at least one existing tier); ignored for every
    /// other visibility.
    pub tiers: Vec<ObjectId>,
    pub meta_title: Option<String>,
    pub meta_description: Option<String>,
    pub canonical_url: Option<String>,
    /// Link previews on social networks; each falls back to the meta fields, then the story.
    pub og_image: Option<String>,
    pub og_title: Option<String>,
    pub og_description: Option<String>,
    pub twitter_image: Option<String>,
    pub twitter_title: Option<String>,
    pub twitter_description: Option<String>,
}

impl PostInput {
    pub fn new(post_type: PostType, title: impl Into<String>, body: PostBody, author_ids: Vec<ObjectId>) -> Self {
        Self {
            post_type,
            title: title.into(),
            slug: None,
            body,
            feature_image: None,
            feature_image_alt: None,
            feature_image_caption: None,
            feature_image_credit: None,
            custom_excerpt: None,
            status: PostStatus::Draft,
            published_at: None,
            visibility: Visibility::Public,
            featured: false,
            tags: Vec::new(),
            author_ids,
            tiers: Vec::new(),
            meta_title: None,
            meta_description: None,
            canonical_url: None,
            og_image: None,
            og_title: None,
            og_description: None,
            twitter_image: None,
            twitter_title: None,
            twitter_description: None,
        }
    }
}

/// A scheduled post gets (or moves) its publication job; any other status cancels it.
fn publication_jobs(post: &Post) -> Vec<masthead_storage::JobChange> {
    let job = Job::PublishScheduledPost { post_id: post.id.clone() };
    match (post.status, post.published_at) {
        (PostStatus::Scheduled, Some(at)) => vec![job.at(at)],
        _ => vec![job.cancel()],
    }
}

/// The jobs a save writes with the story: its publication, and its narration when it went live
/// or what is read aloud changed.
fn save_jobs(existing: Option<&Post>, post: &Post) -> Vec<masthead_storage::JobChange> {
    let mut jobs = publication_jobs(post);
    if crate::narration::narration_due(existing, post) {
        jobs.push(Job::NarratePost { post_id: post.id.clone(), force: false }.now());
    }
    jobs
}

/// The plain text and reading time of sanitised HTML. Every way a body enters (the editor, the
/// API, an import) derives them here, so excerpts and reading times agree whatever the source.
pub(crate) fn derived_text(html: &str, has_feature_image: bool) -> (String, i32) {
    let plaintext = html_to_plaintext(html);
    let images = image_count(html) + usize::from(has_feature_image);
    let reading_time = reading_time_minutes(ghost_word_count(&plaintext), images);
    (plaintext, reading_time)
}

fn non_empty(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

/// What a save does to the newsletter a story goes to, decided before anything is written.
#[derive(Clone, Debug)]
pub(crate) enum NewsletterPlan {
    /// Leave the stored choice as it is.
    Keep,
    /// The story goes to nobody.
    Clear,
    Set(Box<Newsletter>, Segment),
}

impl NewsletterPlan {
    fn as_choice(&self) -> NewsletterChoice<'_> {
        match self {
            Self::Keep => NewsletterChoice::Keep,
            Self::Clear => NewsletterChoice::Clear,
            Self::Set(newsletter, segment) => NewsletterChoice::Set(&newsletter.id, segment),
        }
    }
}

/// Whether a save may start a newsletter send. Saves made by the system (the demo, a restored
/// revision, tests' fixtures) never do; saves made by staff or API clients through
/// [`Newsroom::save_post_as`] send the story when it goes out with a newsletter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Sending {
    Never,
    WhenLive,
}

impl Newsroom {
    /// Creates a post or page. A slug derived from the title is made unique (`-2`, `-3`, ...);
    /// an explicit slug that is taken is refused. No role rules and no email: staff and API
    /// clients save through [`Newsroom::save_post_as`].
    pub async fn create_post(&self, input: PostInput) -> Result<Post, AppError> {
        self.write_new_post(input, &NewsletterPlan::Keep, Sending::Never).await
    }

    /// Replaces a post's content and settings. `content_updated_at` moves only when the story
    /// itself (title or body) changed after publication. No role rules and no email, as
    /// [`Newsroom::create_post`].
    pub async fn update_post(&self, id: &ObjectId, input: PostInput) -> Result<Post, AppError> {
        let existing = self.db.post_by_id(id).await?.ok_or(AppError::NotFound("post"))?;
        self.write_post_update(&existing, input, &NewsletterPlan::Keep, Sending::Never).await
    }

    /// Gives a story the feature image at `url` unless it has one by now (an editor may have
    /// chosen one meanwhile, and theirs is kept). Returns whether the story changed. Caches,
    /// the CDN and webhooks hear of it as of any edit.
    pub async fn add_missing_feature_image(&self, id: &ObjectId, url: &str) -> Result<bool, AppError> {
        let Some(existing) = self.db.post_by_id(id).await? else { return Ok(false) };
        if existing.feature_image.is_some() {
            return Ok(false);
        }
        let mut post = existing.clone();
        post.feature_image = Some(url.to_owned());
        post.reading_time = derived_text(&post.html, true).1;
        post.updated_at = masthead_core::now().max(existing.updated_at + time::Duration::seconds(1));
        if !self.db.update_post(&post).await? {
            return Ok(false);
        }
        self.post_written(Some(&existing), &post, None).await;
        Ok(true)
    }

    /// [`Newsroom::create_post`], also queueing the jobs `jobs` names for the new post in the
    /// same transaction, so the story and its follow-up work are stored together or not at all.
    pub(crate) async fn create_post_with_jobs(
        &self,
        input: PostInput,
        jobs: impl FnOnce(&Post) -> Vec<masthead_storage::JobChange>,
    ) -> Result<Post, AppError> {
        self.write_new_post_with_jobs(input, &NewsletterPlan::Keep, Sending::Never, jobs).await
    }

    /// Writes a new story, its scheduled publication, its newsletter choice and (when it goes
    /// out now with a newsletter) its send, in one transaction.
    pub(crate) async fn write_new_post(
        &self,
        input: PostInput,
        plan: &NewsletterPlan,
        sending: Sending,
    ) -> Result<Post, AppError> {
        self.write_new_post_with_jobs(input, plan, sending, |_| Vec::new()).await
    }

    async fn write_new_post_with_jobs(
        &self,
        input: PostInput,
        plan: &NewsletterPlan,
        sending: Sending,
        more_jobs: impl FnOnce(&Post) -> Vec<masthead_storage::JobChange>,
    ) -> Result<Post, AppError> {
        let now = masthead_core::now();
        let explicit_slug = input.slug.is_some();
        let post_type = input.post_type;
        let mut post = self.build_post(ObjectId::new(), uuid::Uuid::new_v4().to_string(), now, input).await?;
        if post.is_live() || post.status == PostStatus::Sent {
            post.published_at.get_or_insert(now);
        }
        if !explicit_slug {
            post.slug = self.free_slug(post_type, &post.slug, None).await?;
        }
        let email = self.outgoing_email(None, &post, plan, sending).await?;
        let mut jobs = save_jobs(None, &post);
        jobs.extend(more_jobs(&post));
        let extras = PostExtras { jobs: &jobs, newsletter: plan.as_choice(), email: email.as_ref() };
        self.db.insert_post_with(&post, &extras).await?;
        self.post_written(None, &post, email.as_ref()).await;
        Ok(post)
    }

    /// Replaces a stored story, with the same transaction as [`Newsroom::write_new_post`].
    pub(crate) async fn write_post_update(
        &self,
        existing: &Post,
        input: PostInput,
        plan: &NewsletterPlan,
        sending: Sending,
    ) -> Result<Post, AppError> {
        let now = masthead_core::now();
        let explicit_slug = input.slug.is_some();
        let mut post = self.build_post(existing.id.clone(), existing.uuid.clone(), existing.created_at, input).await?;
        if !explicit_slug {
            post.slug = existing.slug.clone();
        }
        // Stored times have whole seconds; every save must still move `updated_at`, or a client
        // holding the previous value could not be told its copy is stale (Ghost's 409).
        post.updated_at = now.max(existing.updated_at + time::Duration::seconds(1));
        post.content_updated_at = existing.content_updated_at;
        let story_changed = post.title != existing.title || post.html != existing.html;
        if existing.is_live() && post.is_live() && story_changed {
            post.content_updated_at = Some(now);
        }
        if post.is_live() || post.status == PostStatus::Sent {
            // Editing a live story keeps its publication time unless one is given.
            post.published_at = post.published_at.or(existing.published_at).or(Some(now));
        }
        let email = self.outgoing_email(Some(existing), &post, plan, sending).await?;
        let jobs = save_jobs(Some(existing), &post);
        let extras = PostExtras { jobs: &jobs, newsletter: plan.as_choice(), email: email.as_ref() };
        if !self.db.update_post_with(&post, &extras).await? {
            return Err(AppError::NotFound("post"));
        }
        self.post_written(Some(existing), &post, email.as_ref()).await;
        Ok(post)
    }

    /// The send a save creates: only when the story is live (or sent by email only) after the
    /// save, it has no send yet, and a newsletter is chosen (by this save, or before it).
    async fn outgoing_email(
        &self,
        existing: Option<&Post>,
        post: &Post,
        plan: &NewsletterPlan,
        sending: Sending,
    ) -> Result<Option<NewEmail>, AppError> {
        if sending == Sending::Never || !(post.status == PostStatus::Published || post.status == PostStatus::Sent) {
            return Ok(None);
        }
        if existing.is_some() && self.db.email_for_post(&post.id).await?.is_some() {
            return Ok(None);
        }
        let target = match plan {
            NewsletterPlan::Set(newsletter, segment) => Some((newsletter.as_ref().clone(), segment.clone())),
            NewsletterPlan::Clear => None,
            NewsletterPlan::Keep if existing.is_some() => match self.db.post_newsletter(&post.id).await? {
                Some((id, segment)) => self.db.newsletter_by_id(&id).await?.map(|n| (n, segment)),
                None => None,
            },
            NewsletterPlan::Keep => None,
        };
        let Some((newsletter, segment)) = target else { return Ok(None) };
        let (html, plaintext) = self.render_newsletter_email(post, &newsletter).await?;
        Ok(Some(NewEmail {
            post_id: post.id.clone(),
            newsletter_id: newsletter.id,
            segment,
            subject: post.title.clone(),
            html,
            plaintext,
            created_by: post.authors.first().map(|a| a.id.clone()),
        }))
    }

    /// What follows a committed write: workers woken, caches told, webhooks queued.
    async fn post_written(&self, existing: Option<&Post>, post: &Post, email: Option<&NewEmail>) {
        self.jobs.wake();
        if let Some(email) = email {
            tracing::info!(post = %post.slug, newsletter = %email.newsletter_id, "newsletter send created");
            self.mailer.wake();
        }
        let mut tag_ids: Vec<ObjectId> =
            existing.into_iter().flat_map(|p| &p.tags).chain(&post.tags).map(|t| t.id.clone()).collect();
        tag_ids.dedup();
        let mut author_ids: Vec<ObjectId> =
            existing.into_iter().flat_map(|p| &p.authors).chain(&post.authors).map(|a| a.id.clone()).collect();
        author_ids.dedup();
        self.changes.publish(&ContentChange::Post {
            id: post.id.clone(),
            post_type: post.post_type,
            tag_ids,
            author_ids,
        });
        self.post_changed(existing, Some(post)).await;
    }

    pub async fn delete_post(&self, id: &ObjectId) -> Result<(), AppError> {
        let existing = self.db.post_by_id(id).await?.ok_or(AppError::NotFound("post"))?;
        let audio = self.db.narration(id).await?.and_then(|n| n.audio_key);
        self.db.delete_post(id).await?;
        // The narration row went with the story; its file goes after it.
        if let Some(key) = audio
            && let Err(error) = self.media.delete(&key).await
        {
            tracing::warn!(%error, key, "could not delete a deleted story's audio");
        }
        self.changes.publish(&ContentChange::Post {
            id: existing.id.clone(),
            post_type: existing.post_type,
            tag_ids: existing.tags.iter().map(|t| t.id.clone()).collect(),
            author_ids: existing.authors.iter().map(|a| a.id.clone()).collect(),
        });
        self.post_changed(Some(&existing), None).await;
        Ok(())
    }

    /// Validates the input and computes everything derived from it: HTML, plain text, reading
    /// time, tags, authors.
    async fn build_post(
        &self,
        id: ObjectId,
        uuid: String,
        created_at: OffsetDateTime,
        input: PostInput,
    ) -> Result<Post, AppError> {
        let title = input.title.trim().to_owned();
        if title.is_empty() {
            return Err(AppError::invalid("title", "a title is required"));
        }
        if title.chars().count() > MAX_TITLE_LEN {
            return Err(AppError::invalid("title", format!("a title is at most {MAX_TITLE_LEN} characters")));
        }
        let custom_excerpt = non_empty(input.custom_excerpt);
        if custom_excerpt.as_ref().is_some_and(|e| e.chars().count() > MAX_EXCERPT_LEN) {
            return Err(AppError::invalid(
                "custom_excerpt",
                format!("an excerpt is at most {MAX_EXCERPT_LEN} characters"),
            ));
        }
        let slug = match input.slug.as_deref().map(str::trim) {
            Some(slug) => Slug::parse(slug).map_err(|e| AppError::invalid("slug", e.to_string()))?,
            None => Slug::from_title(&title)
                .or_else(|| Slug::from_title(&format!("untitled {}", &id.as_str()[18..])))
                .ok_or_else(|| AppError::invalid("slug", "could not derive a slug from the title; give one"))?,
        };
        if input.author_ids.is_empty() {
            return Err(AppError::invalid("authors", "a post needs at least one author"));
        }
        let mut authors: Vec<StaffUser> = Vec::with_capacity(input.author_ids.len());
        for author_id in &input.author_ids {
            if authors.iter().any(|a| &a.id == author_id) {
                continue;
            }
            let author = self
                .db
                .user_by_id(author_id)
                .await?
                .ok_or_else(|| AppError::invalid("authors", format!("no staff user with id {author_id}")))?;
            authors.push(author);
        }
        let mut tags: Vec<Tag> = Vec::with_capacity(input.tags.len());
        for name in &input.tags {
            let tag = self.find_or_create_tag(name).await?;
            if !tags.iter().any(|t| t.id == tag.id) {
                tags.push(tag);
            }
        }
        let (html, markdown, lexical) = match input.body {
            PostBody::Markdown(markdown) => (markdown_to_html(&markdown), Some(markdown), None),
            PostBody::Html(html) => (sanitize_html(&html), None, None),
            PostBody::Lexical(source) => {
                let document = Document::parse(&source).map_err(|e| AppError::invalid("lexical", e.to_string()))?;
                (document.render().html, None, Some(source))
            }
        };
        let tiers = self.post_tiers(input.visibility, &input.tiers).await?;
        let feature_image = non_empty(input.feature_image);
        let (plaintext, reading_time) = derived_text(&html, feature_image.is_some());
        let published_at = match input.status {
            PostStatus::Published | PostStatus::Sent | PostStatus::Draft => input.published_at,
            PostStatus::Scheduled => match input.published_at {
                Some(at) if at > masthead_core::now() => Some(at),
                Some(_) => {
                    return Err(AppError::invalid(
                        "published_at",
                        "a scheduled post needs a publication time in the future",
                    ));
                }
                None => return Err(AppError::invalid("published_at", "a scheduled post needs a publication time")),
            },
        };
        let now = masthead_core::now();
        Ok(Post {
            id,
            uuid,
            post_type: input.post_type,
            title,
            slug,
            markdown,
            lexical,
            reading_time,
            html,
            plaintext,
            feature_image,
            feature_image_alt: non_empty(input.feature_image_alt),
            feature_image_caption: non_empty(input.feature_image_caption),
            feature_image_credit: non_empty(input.feature_image_credit),
            custom_excerpt,
            status: input.status,
            visibility: input.visibility,
            featured: input.featured,
            meta_title: non_empty(input.meta_title),
            meta_description: non_empty(input.meta_description),
            og_image: non_empty(input.og_image),
            og_title: non_empty(input.og_title),
            og_description: non_empty(input.og_description),
            twitter_image: non_empty(input.twitter_image),
            twitter_title: non_empty(input.twitter_title),
            twitter_description: non_empty(input.twitter_description),
            canonical_url: non_empty(input.canonical_url),
            published_at: published_at.map(masthead_core::to_stored_time),
            created_at,
            updated_at: now,
            content_updated_at: None,
            authors,
            tags,
            tiers,
        })
    }

    /// The tiers of a post limited to tiers: at least one, each an existing tier, each once, in
    /// the order given. Other visibilities have none.
    async fn post_tiers(&self, visibility: Visibility, ids: &[ObjectId]) -> Result<Vec<ObjectId>, AppError> {
        if visibility != Visibility::Tiers {
            return Ok(Vec::new());
        }
        if ids.is_empty() {
            return Err(AppError::invalid("tiers", "a post limited to tiers needs at least one tier"));
        }
        let mut tiers: Vec<ObjectId> = Vec::with_capacity(ids.len());
        for id in ids {
            if tiers.contains(id) {
                continue;
            }
            if self.db.tier(id.as_str()).await?.is_none() {
                return Err(AppError::invalid("tiers", format!("no tier with id {id}")));
            }
            tiers.push(id.clone());
        }
        Ok(tiers)
    }

    /// `slug`, or `slug-2`, `slug-3`, ... whichever is free for this type.
    async fn free_slug(&self, post_type: PostType, slug: &Slug, except: Option<&ObjectId>) -> Result<Slug, AppError> {
        for n in 1..1000 {
            let candidate = if n == 1 {
                slug.clone()
            } else {
                Slug::parse(&format!("{slug}-{n}")).map_err(|e| AppError::invalid("slug", e.to_string()))?
            };
            match self.db.post_by_slug(post_type, candidate.as_str()).await? {
                Some(existing) if Some(&existing.id) != except => continue,
                _ => return Ok(candidate),
            }
        }
        Err(AppError::Conflict(format!("no free slug near {slug:?}")))
    }

    /// The tag with this name's slug, created if it does not exist yet.
    pub async fn find_or_create_tag(&self, name: &str) -> Result<Tag, AppError> {
        let name = name.trim();
        let slug = Slug::from_title(name)
            .ok_or_else(|| AppError::invalid("tags", format!("tag {name:?} has no letters or digits")))?;
        if let Some(tag) = self.db.tag_by_slug(slug.as_str()).await? {
            return Ok(tag);
        }
        let tag = Tag::new(name, slug);
        self.db.insert_tag(&tag).await?;
        self.changes.publish(&ContentChange::Tag(tag.id.clone()));
        self.tag_changed(None, Some(&tag)).await;
        Ok(tag)
    }
}
