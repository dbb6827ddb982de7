//! Corrections and update notes on published stories, and the revision history.

use masthead_core::{ObjectId, Post, PostStatus};
use masthead_storage::{PostNote, PostRevision};
use time::OffsetDateTime;

use crate::{AppError, ContentChange, Newsroom, PostBody, PostInput};

/// Longest note accepted.
pub const MAX_NOTE_LEN: usize = 2000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoteKind {
    Correction,
    Update,
}

impl NoteKind {
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "correction" => Some(Self::Correction),
            "update" => Some(Self::Update),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Correction => "correction",
            Self::Update => "update",
        }
    }
}

fn announce(newsroom: &Newsroom, post: &Post) {
    newsroom.changes.publish(&ContentChange::Post {
        id: post.id.clone(),
        post_type: post.post_type,
        tag_ids: post.tags.iter().map(|t| t.id.clone()).collect(),
        author_ids: post.authors.iter().map(|a| a.id.clone()).collect(),
    });
}

impl Newsroom {
    /// Attaches a correction or update to a published story. The story's modification time
    /// moves to the note's time, so readers and search engines see that it changed.
    pub async fn add_note(
        &self,
        post_id: &ObjectId,
        kind: NoteKind,
        body: &str,
        noted_at: Option<OffsetDateTime>,
        author: &ObjectId,
    ) -> Result<PostNote, AppError> {
        let mut post = self.db.post_by_id(post_id).await?.ok_or(AppError::NotFound("story"))?;
        if post.status != PostStatus::Published {
            return Err(AppError::invalid("note", "corrections and updates go on published stories"));
        }
        let body = body.trim();
        if body.is_empty() {
            return Err(AppError::invalid("note", "write what was corrected or updated"));
        }
        if body.chars().count() > MAX_NOTE_LEN {
            return Err(AppError::invalid("note", format!("a note is at most {MAX_NOTE_LEN} characters")));
        }
        let now = masthead_core::now();
        let noted_at = masthead_core::to_stored_time(noted_at.unwrap_or(now));
        if noted_at > now + time::Duration::minutes(1) {
            return Err(AppError::invalid("noted_at", "a note's time cannot be in the future"));
        }
        if post.published_at.is_some_and(|published| noted_at < published) {
            return Err(AppError::invalid("noted_at", "a note's time cannot be before the story was published"));
        }
        let note = PostNote {
            id: ObjectId::new().to_string(),
            post_id: post.id.to_string(),
            kind: kind.as_str().to_owned(),
            body: body.to_owned(),
            noted_at,
        };
        self.db.insert_post_note(&note, Some(author)).await?;
        if post.content_updated_at.is_none_or(|at| at < noted_at) {
            post.content_updated_at = Some(noted_at);
            post.updated_at = now;
            self.db.update_post(&post).await?;
        }
        announce(self, &post);
        Ok(note)
    }

    pub async fn remove_note(&self, post_id: &ObjectId, note_id: &str) -> Result<(), AppError> {
        let post = self.db.post_by_id(post_id).await?.ok_or(AppError::NotFound("story"))?;
        if !self.db.delete_post_note(post_id, note_id).await? {
            return Err(AppError::NotFound("note"));
        }
        announce(self, &post);
        Ok(())
    }

    /// Keeps the current version of a story before it is changed.
    pub async fn record_revision(&self, post: &Post, author: &ObjectId) -> Result<(), AppError> {
        let revision = PostRevision {
            id: ObjectId::new().to_string(),
            post_id: post.id.to_string(),
            title: post.title.clone(),
            markdown: post.markdown.clone(),
            lexical: post.lexical.clone(),
            html: post.html.clone(),
            author_id: Some(author.to_string()),
            created_at: masthead_core::now(),
        };
        self.db.insert_revision(&revision).await?;
        Ok(())
    }

    /// Puts an earlier version's title and body back; the version replaced is kept too.
    pub async fn restore_revision(
        &self,
        post_id: &ObjectId,
        revision_id: &str,
        author: &ObjectId,
    ) -> Result<Post, AppError> {
        let post = self.db.post_by_id(post_id).await?.ok_or(AppError::NotFound("story"))?;
        let revision = self
            .db
            .revisions(post_id)
            .await?
            .into_iter()
            .find(|r| r.id == revision_id)
            .ok_or(AppError::NotFound("version"))?;
        self.record_revision(&post, author).await?;
        let body = PostBody::stored(revision.lexical.as_deref(), revision.markdown.as_deref(), &revision.html);
        self.update_post(post_id, input_from(&post, revision.title, body)).await
    }
}

/// A `PostInput` that keeps everything of `post` but the title and body.
pub fn input_from(post: &Post, title: String, body: PostBody) -> PostInput {
    PostInput { title, body, ..PostInput::from_post(post) }
}
