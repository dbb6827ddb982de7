//! Saving a story on someone's behalf, with the newsroom's role rules: who may edit, publish,
//! schedule, unpublish, send by email, create tags and delete. API clients (and any other
//! caller that is not a person at the editor) go through here.

use masthead_core::{Actor, ObjectId, Permission, Post, PostStatus, Slug};
use time::OffsetDateTime;

use crate::{AppError, Newsroom, PostInput};

/// Where a newly published story goes by email, if anywhere (Ghost's `?newsletter=` and
/// `?email_segment=`).
#[derive(Clone, Debug, Default)]
pub struct EmailChoice {
    pub newsletter: Option<String>,
    pub segment: Option<String>,
}

fn refuse(what: &str) -> AppError {
    AppError::Forbidden(format!("Your role does not allow you to {what}."))
}

impl Newsroom {
    /// Creates (`existing` is `None`) or replaces a story as `actor`. `expected_updated_at`, when
    /// given, must match the stored story's (to the millisecond), or someone else saved in
    /// between and the caller gets [`AppError::Conflict`] with Ghost's collision message.
    pub async fn save_post_as(
        &self,
        actor: &Actor,
        existing: Option<&Post>,
        expected_updated_at: Option<OffsetDateTime>,
        mut input: PostInput,
        email: &EmailChoice,
    ) -> Result<Post, AppError> {
        if let Some(post) = existing {
            if !actor.may_edit(post) {
                return Err(refuse("edit this story"));
            }
            if let Some(expected) = expected_updated_at
                && masthead_core::to_stored_time(expected) != post.updated_at
            {
                return Err(AppError::Conflict("Saving failed! Someone else is editing this post.".into()));
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
        let wants_email = email.newsletter.as_deref().is_some_and(|n| !n.trim().is_empty());
        if input.status == PostStatus::Sent && changes_publication && !wants_email {
            return Err(AppError::invalid("newsletter", "Choose the newsletter an email-only story goes to."));
        }
        if wants_email && !actor.may(Permission::SendNewsletters) {
            return Err(refuse("send newsletters"));
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
        if let Some(post) = existing {
            let story_changes = input.title.trim() != post.title
                || match &input.body {
                    crate::PostBody::Markdown(text) => post.markdown.as_deref() != Some(text.as_str()),
                    crate::PostBody::Html(html) => post.markdown.is_some() || &post.html != html,
                };
            if story_changes {
                self.record_revision(post, &actor.user_id).await?;
            }
        }
        // The newsletter is chosen before the story goes live, so the send starts with it.
        let newsletter = email.newsletter.as_deref().filter(|n| !n.trim().is_empty());
        let segment = email.segment.as_deref().unwrap_or("all");
        let publish_later = input.status;
        let post = match existing {
            Some(post) => {
                if let Some(slug) = newsletter {
                    self.choose_newsletter(actor, post, Some(slug), segment).await?;
                }
                self.update_post(&post.id, input).await?
            }
            None if newsletter.is_some() => {
                // A new story must exist before a newsletter can be chosen for it: create it as
                // a draft, choose, then give it the status asked for.
                let mut draft = input.clone();
                draft.status = PostStatus::Draft;
                let created = self.create_post(draft).await?;
                self.choose_newsletter(actor, &created, newsletter, segment).await?;
                input.status = publish_later;
                input.slug = Some(created.slug.as_str().to_owned());
                self.update_post(&created.id, input).await?
            }
            None => self.create_post(input).await?,
        };
        self.send_newsletter_if_chosen(&post).await?;
        Ok(post)
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
            body: match &post.markdown {
                Some(markdown) => crate::PostBody::Markdown(markdown.clone()),
                None => crate::PostBody::Html(post.html.clone()),
            },
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
