//! Saving a story on someone's behalf, with the newsroom's role rules: who may edit, publish,
//! schedule, unpublish, send by email, create tags and delete. The editor and the Admin API
//! both save through here.

use masthead_core::{Actor, NewsletterStatus, ObjectId, Permission, Post, PostStatus, Segment, Slug};
use time::OffsetDateTime;

use super::posts::{NewsletterPlan, Sending};
use crate::{AppError, Newsroom, PostInput};

/// Where a saved story goes by email.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum NewsletterRequest {
    /// Ghost's Admin API without `?newsletter=`: a save that publishes, schedules or sends the
    /// story sends it to nobody; any other save keeps the earlier choice.
    #[default]
    Unspecified,
    /// Keep the earlier choice (staff who may not send newsletters do not see the choice).
    Keep,
    /// To nobody.
    Nobody,
    /// To this newsletter (slug) and segment (Ghost's `email_segment`; "all" when empty).
    To { newsletter: String, segment: String },
}

impl NewsletterRequest {
    /// Ghost's `?newsletter=` and `?email_segment=` query parameters.
    pub fn from_ghost_query(newsletter: Option<&str>, segment: Option<&str>) -> Self {
        match newsletter.map(str::trim).filter(|n| !n.is_empty()) {
            Some(newsletter) => {
                Self::To { newsletter: newsletter.to_owned(), segment: segment.unwrap_or("all").to_owned() }
            }
            None => Self::Unspecified,
        }
    }
}

/// One save of a story, as staff at the editor or an API client ask for it.
#[derive(Clone, Debug)]
pub struct StorySave<'a> {
    /// The stored story being replaced; `None` creates one.
    pub existing: Option<&'a Post>,
    /// The `updated_at` the caller last saw; a different stored one means someone else saved in
    /// between, and the save is refused with [`AppError::EditCollision`].
    pub expected_updated_at: Option<OffsetDateTime>,
    pub input: PostInput,
    pub newsletter: NewsletterRequest,
    /// An autosave keeps no revision in the story's history.
    pub autosave: bool,
}

fn refuse(what: &str) -> AppError {
    AppError::Forbidden(format!("Your role does not allow you to {what}."))
}

impl Newsroom {
    /// Saves a story as `actor`: the one write path of the editor and the Admin API. Every rule
    /// is checked, and the newsletter decided, before anything is written; the story, its
    /// scheduled publication, its newsletter choice and (when it goes out now) its newsletter
    /// send are then written in one transaction, so a story is only ever sent to the newsletter
    /// chosen with the save that publishes it.
    pub async fn save_post_as(&self, actor: &Actor, save: StorySave<'_>) -> Result<Post, AppError> {
        let StorySave { existing, expected_updated_at, mut input, newsletter, autosave } = save;
        if let Some(post) = existing {
            if !actor.may_edit(post) {
                return Err(refuse("edit this story"));
            }
            if let Some(expected) = expected_updated_at
                && masthead_core::to_stored_time(expected) != post.updated_at
            {
                return Err(AppError::EditCollision { saved_at: post.updated_at });
            }
        }
        if input.author_ids.is_empty()
            || (!actor.may(Permission::EditAnyPost) && !input.author_ids.contains(&actor.user_id))
        {
            // Writers keep their own stories: they are always on the byline.
            input.author_ids.insert(0, actor.user_id.clone());
        }
        let was = existing.map_or(PostStatus::Draft, |p| p.status);
        let changes_publication = input.status != was;
        if changes_publication || (input.status != PostStatus::Draft && existing.is_none()) {
            let allowed = match existing {
                Some(post) => actor.may_publish(post),
                None => {
                    actor.may(Permission::EditAnyPost)
                        || (actor.may(Permission::PublishOwn) && input.author_ids.contains(&actor.user_id))
                }
            };
            if !allowed {
                return Err(refuse("publish, schedule or unpublish stories"));
            }
        }
        if input.status == PostStatus::Scheduled && input.published_at.is_none_or(|at| at <= masthead_core::now()) {
            return Err(AppError::invalid("published_at", "A scheduled story needs a publication time in the future."));
        }
        if !actor.may(Permission::CreateTags) {
            for tag in &input.tags {
                let known = match Slug::from_title(tag) {
                    Some(slug) => self.db.tag_by_slug(slug.as_str()).await?.is_some(),
                    None => false,
                };
                if !known {
                    return Err(AppError::Forbidden(format!(
                        "Your role cannot create new tags (\"{tag}\"); use an existing one."
                    )));
                }
            }
        }
        let plan = self.newsletter_plan(actor, existing, &input, changes_publication, newsletter).await?;
        if input.status == PostStatus::Sent && changes_publication && !matches!(plan, NewsletterPlan::Set(..)) {
            return Err(AppError::invalid("newsletter", "Choose the newsletter an email-only story goes to."));
        }
        if let Some(post) = existing {
            let story_changes = input.title.trim() != post.title
                || match &input.body {
                    crate::PostBody::Markdown(text) => post.markdown.as_deref() != Some(text.as_str()),
                    crate::PostBody::Html(html) => post.markdown.is_some() || &post.html != html,
                    crate::PostBody::Lexical(lexical) => post.lexical.as_deref() != Some(lexical.as_str()),
                };
            if story_changes && !autosave {
                self.record_revision(post, &actor.user_id).await?;
            }
        }
        match existing {
            Some(post) => self.write_post_update(post, input, &plan, Sending::WhenLive).await,
            None => self.write_new_post(input, &plan, Sending::WhenLive).await,
        }
    }

    /// Turns what the caller asked for into what the save writes, checking the newsletter, the
    /// segment and the right to send before anything is written. A story already sent keeps its
    /// choice: it is history.
    async fn newsletter_plan(
        &self,
        actor: &Actor,
        existing: Option<&Post>,
        input: &PostInput,
        changes_publication: bool,
        request: NewsletterRequest,
    ) -> Result<NewsletterPlan, AppError> {
        if let Some(post) = existing
            && self.db.email_for_post(&post.id).await?.is_some()
        {
            return Ok(NewsletterPlan::Keep);
        }
        let goes_out = matches!(input.status, PostStatus::Published | PostStatus::Scheduled | PostStatus::Sent);
        match request {
            NewsletterRequest::Keep => Ok(NewsletterPlan::Keep),
            NewsletterRequest::Unspecified if changes_publication && goes_out => Ok(NewsletterPlan::Clear),
            NewsletterRequest::Unspecified => Ok(NewsletterPlan::Keep),
            NewsletterRequest::Nobody => Ok(NewsletterPlan::Clear),
            NewsletterRequest::To { newsletter, segment } => {
                if !actor.may(Permission::SendNewsletters) {
                    return Err(refuse("send newsletters"));
                }
                let slug = newsletter.trim();
                let newsletter = self
                    .db
                    .newsletter_by_slug(slug)
                    .await?
                    .filter(|n| n.status == NewsletterStatus::Active)
                    .ok_or_else(|| {
                        AppError::invalid("newsletter", format!("there is no active newsletter {slug:?}"))
                    })?;
                let segment = if segment.trim().is_empty() { "all" } else { segment.trim() };
                let segment = Segment::parse(segment)
                    .ok_or_else(|| AppError::invalid("email_segment", format!("{segment:?} is not a segment")))?;
                Ok(NewsletterPlan::Set(Box::new(newsletter), segment))
            }
        }
    }

    /// Deletes a story as `actor`: writers may delete their own drafts; a live story needs the
    /// right to unpublish it.
    pub async fn delete_post_as(&self, actor: &Actor, id: &ObjectId) -> Result<(), AppError> {
        let post = self.db.post_by_id(id).await?.ok_or(AppError::NotFound("post"))?;
        let allowed = if post.status == PostStatus::Draft { actor.may_edit(&post) } else { actor.may_publish(&post) };
        if !allowed {
            return Err(refuse("delete this story"));
        }
        self.delete_post(id).await
    }
}

impl PostInput {
    /// The input that would save `post` unchanged: the starting point of a partial edit.
    pub fn from_post(post: &Post) -> Self {
        Self {
            post_type: post.post_type,
            title: post.title.clone(),
            slug: Some(post.slug.as_str().to_owned()),
            body: crate::PostBody::stored(post.lexical.as_deref(), post.markdown.as_deref(), &post.html),
            feature_image: post.feature_image.clone(),
            feature_image_alt: post.feature_image_alt.clone(),
            feature_image_caption: post.feature_image_caption.clone(),
            feature_image_credit: post.feature_image_credit.clone(),
            custom_excerpt: post.custom_excerpt.clone(),
            status: post.status,
            published_at: post.published_at,
            visibility: post.visibility,
            featured: post.featured,
            tags: post.tags.iter().map(|t| t.name.clone()).collect(),
            author_ids: post.authors.iter().map(|a| a.id.clone()).collect(),
            tiers: post.tiers.clone(),
            meta_title: post.meta_title.clone(),
            meta_description: post.meta_description.clone(),
            canonical_url: post.canonical_url.clone(),
            og_image: post.og_image.clone(),
            og_title: post.og_title.clone(),
            og_description: post.og_description.clone(),
            twitter_image: post.twitter_image.clone(),
            twitter_title: post.twitter_title.clone(),
            twitter_description: post.twitter_description.clone(),
        }
    }
}
