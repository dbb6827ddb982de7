//! Working together: who else has a story open in the editor. Saves never overwrite each other
//! silently either way (a save names the version it edited, and a newer one is a conflict); this
//! tells people before they get that far.

use masthead_core::{Actor, ObjectId, StaffUser};
use time::Duration;

use crate::{AppError, Newsroom};

/// How often an open editor says it is still there.
pub const PRESENCE_EVERY: Duration = Duration::seconds(10);
/// How long without a word before someone no longer counts as there (an editor closed without
/// saying so, or a machine asleep).
pub const PRESENCE_WINDOW: Duration = Duration::seconds(30);

impl Newsroom {
    /// `actor` has the story open: recorded, and the others who have it open are returned.
    pub async fn editing(&self, actor: &Actor, post: &ObjectId) -> Result<Vec<StaffUser>, AppError> {
        let story = self.db.post_by_id(post).await?.ok_or(AppError::NotFound("story"))?;
        if !actor.may_edit(&story) {
            return Err(AppError::Forbidden("Your role cannot edit this story.".into()));
        }
        let now = masthead_core::now();
        self.db.mark_present(post, &actor.user_id, now, now - PRESENCE_WINDOW * 10).await?;
        let others: Vec<String> = self
            .db
            .present(post, now - PRESENCE_WINDOW)
            .await?
            .into_iter()
            .filter(|id| *id != actor.user_id.as_str())
            .collect();
        Ok(self.db.users_by_ids(&others).await?)
    }

    /// `actor` closed the story.
    pub async fn stopped_editing(&self, actor: &Actor, post: &ObjectId) -> Result<(), AppError> {
        Ok(self.db.mark_absent(post, &actor.user_id).await?)
    }
}
