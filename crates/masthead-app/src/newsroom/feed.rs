//! The live news feed and the editors' picks.
//!
//! Editors and above post, edit, pin and delete feed items; authors post (and edit and delete
//! their own) where the site allows it (`feed_authors_may_post`). Every change is announced on
//! the change bus, which refreshes cached pages and reaches the live readers of every instance,
//! and raises Ghost-style webhook events `feed_item.added`, `.edited` and `.deleted`.

use masthead_core::{Actor, ObjectId, Permission, PostType, Role, check_link};
use masthead_storage::{FeedItem, FeedItemContent};
use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::ghost::api_json::ghost_time;
use crate::{AppError, ContentChange, Newsroom};

/// The longest headline, in characters: one line on a phone.
pub const MAX_HEADLINE: usize = 160;
/// The longest body, in characters: a few short paragraphs.
pub const MAX_BODY: usize = 5000;
const MAX_CREDIT: usize = 200;
/// The longest list of editors' picks.
pub const MAX_PICKS: usize = 12;

/// A feed item as written in the composer or sent through the Admin API.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FeedItemInput {
    pub headline: String,
    /// Markdown.
    pub body: String,
    /// The story the item links to (an id).
    pub post_id: Option<String>,
    pub image: Option<String>,
    pub image_credit: Option<String>,
    pub key_event: bool,
    pub pinned: bool,
    /// When it happened, for an item posted late (a wire backfilling); now when `None`. Only
    /// taken when the item is posted; never in the future.
    pub published_at: Option<OffsetDateTime>,
}

fn refuse(what: &str) -> AppError {
    AppError::Forbidden(format!("Your role does not allow you to {what}."))
}

fn trimmed(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

/// Which way a pick moves in the list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Move {
    Up,
    Down,
}

impl Newsroom {
    /// Whether `actor` may post to the live feed: editors and above always, authors when the
    /// site allows it.
    pub async fn may_post_to_feed(&self, actor: &Actor) -> Result<bool, AppError> {
        if actor.may(Permission::ManageNewsroom) {
            return Ok(true);
        }
        Ok(actor.role == Role::Author && self.db.site_settings().await?.feed_authors_may_post)
    }

    /// Whether `actor` may edit or delete `item`: editors any, authors (where allowed) their own.
    async fn may_change(&self, actor: &Actor, item: &FeedItem) -> Result<bool, AppError> {
        if actor.may(Permission::ManageNewsroom) {
            return Ok(true);
        }
        Ok(self.may_post_to_feed(actor).await? && item.author_id.as_deref() == Some(actor.user_id.as_str()))
    }

    async fn check_input(&self, input: FeedItemInput) -> Result<FeedItemContent, AppError> {
        let headline = input.headline.trim().to_owned();
        if headline.is_empty() {
            return Err(AppError::invalid("headline", "A feed item needs a headline."));
        }
        if headline.chars().count() > MAX_HEADLINE {
            return Err(AppError::invalid("headline", format!("A headline is at most {MAX_HEADLINE} characters.")));
        }
        let body = input.body.trim().to_owned();
        if body.chars().count() > MAX_BODY {
            return Err(AppError::invalid(
                "body",
                format!("A feed item is at most {MAX_BODY} characters; write a story for more."),
            ));
        }
        let post_id = match trimmed(input.post_id) {
            None => None,
            Some(raw) => {
                let not_found = || AppError::invalid("post_id", format!("There is no story with the id {raw:?}."));
                let id = ObjectId::parse(&raw).map_err(|_| not_found())?;
                let post = self.db.post_by_id(&id).await?.ok_or_else(not_found)?;
                if !post.is_live() {
                    return Err(AppError::invalid(
                        "post_id",
                        format!("{:?} is not published yet; link to it once it is.", post.title),
                    ));
                }
                Some(id)
            }
        };
        let image = trimmed(input.image);
        if let Some(image) = &image {
            check_link(image).map_err(|e| AppError::invalid("image", format!("The image address {e}.")))?;
        }
        let image_credit = trimmed(input.image_credit);
        if image_credit.as_ref().is_some_and(|c| c.chars().count() > MAX_CREDIT) {
            return Err(AppError::invalid("image_credit", format!("A credit is at most {MAX_CREDIT} characters.")));
        }
        if image_credit.is_some() && image.is_none() {
            return Err(AppError::invalid("image_credit", "A credit needs an image."));
        }
        Ok(FeedItemContent {
            headline,
            body,
            post_id,
            image,
            image_credit,
            key_event: input.key_event,
            pinned: input.pinned,
        })
    }

    async fn existing_item(&self, id: &ObjectId) -> Result<FeedItem, AppError> {
        self.db.feed_item(id).await?.filter(|item| !item.is_deleted()).ok_or(AppError::NotFound("feed item"))
    }

    /// Posts an item to the live feed, as `actor`.
    pub async fn post_feed_item(&self, actor: &Actor, input: FeedItemInput) -> Result<FeedItem, AppError> {
        if !self.may_post_to_feed(actor).await? {
            return Err(refuse("post to the live feed"));
        }
        let now = masthead_core::now();
        let published_at = input.published_at.unwrap_or(now);
        if published_at > now + time::Duration::minutes(1) {
            return Err(AppError::invalid("published_at", "A feed item cannot be posted in the future."));
        }
        if input.pinned && !actor.may(Permission::ManageNewsroom) {
            return Err(refuse("pin feed items"));
        }
        let content = self.check_input(input).await?;
        let id = ObjectId::new();
        self.db.insert_feed_item(&id, &content, Some(&actor.user_id), published_at).await?;
        let item = self.db.feed_item(&id).await?.ok_or(AppError::NotFound("feed item"))?;
        self.feed_item_changed(None, Some(&item)).await;
        Ok(item)
    }

    /// Replaces what an item says. Readers see "updated" with the time.
    pub async fn edit_feed_item(
        &self,
        actor: &Actor,
        id: &ObjectId,
        input: FeedItemInput,
    ) -> Result<FeedItem, AppError> {
        let before = self.existing_item(id).await?;
        if !self.may_change(actor, &before).await? {
            return Err(refuse("edit this feed item"));
        }
        // Only editors pin and unpin; anyone else's edit leaves the pin as it is.
        let pinned = if actor.may(Permission::ManageNewsroom) { input.pinned } else { before.pinned };
        let content = self.check_input(FeedItemInput { pinned, ..input }).await?;
        self.db.update_feed_item(id, &content).await?.ok_or(AppError::NotFound("feed item"))?;
        let item = self.existing_item(id).await?;
        self.feed_item_changed(Some(&before), Some(&item)).await;
        Ok(item)
    }

    /// Pins an item above the feed (unpinning any other), or unpins it.
    pub async fn pin_feed_item(&self, actor: &Actor, id: &ObjectId, pinned: bool) -> Result<FeedItem, AppError> {
        if !actor.may(Permission::ManageNewsroom) {
            return Err(refuse("pin feed items"));
        }
        // An item it unpins is a change of its own (with its own revision): the one announcement
        // below refreshes every page that shows the feed and sends open pages both changes.
        let before = self.existing_item(id).await?;
        self.db.set_feed_item_pinned(id, pinned).await?.ok_or(AppError::NotFound("feed item"))?;
        let item = self.existing_item(id).await?;
        self.feed_item_changed(Some(&before), Some(&item)).await;
        Ok(item)
    }

    /// Deletes an item: its content goes, a tombstone tells open pages to remove it.
    pub async fn delete_feed_item(&self, actor: &Actor, id: &ObjectId) -> Result<(), AppError> {
        let before = self.existing_item(id).await?;
        if !self.may_change(actor, &before).await? {
            return Err(refuse("delete this feed item"));
        }
        self.db.delete_feed_item(id).await?.ok_or(AppError::NotFound("feed item"))?;
        self.feed_item_changed(Some(&before), None).await;
        Ok(())
    }

    /// Announces a change and raises its webhook event.
    async fn feed_item_changed(&self, before: Option<&FeedItem>, after: Option<&FeedItem>) {
        let (event, id) = match (before, after) {
            (None, Some(item)) => ("feed_item.added", &item.id),
            (Some(_), Some(item)) => ("feed_item.edited", &item.id),
            (Some(item), None) => ("feed_item.deleted", &item.id),
            (None, None) => return,
        };
        if let Ok(id) = ObjectId::parse(id) {
            self.changes.publish(&ContentChange::FeedItem(id));
        }
        let site_url = self.mailer.site_url();
        let show = |item: Option<&FeedItem>| item.map_or_else(|| json!({}), |item| feed_item_json(site_url, item));
        let (previous, current) = (show(before), show(after));
        self.fire_webhooks(event, "feed_item", current, previous).await;
    }

    /// Adds a published story to the end of the editors' picks.
    pub async fn add_pick(&self, actor: &Actor, post_id: &str) -> Result<(), AppError> {
        if !actor.may(Permission::ManageNewsroom) {
            return Err(refuse("choose editors' picks"));
        }
        let not_found = || AppError::invalid("post_id", "Choose a published story.");
        let id = ObjectId::parse(post_id.trim()).map_err(|_| not_found())?;
        let post = self.db.post_by_id(&id).await?.ok_or_else(not_found)?;
        if !post.is_live() || post.post_type != PostType::Post {
            return Err(not_found());
        }
        if self.db.picks().await?.len() >= MAX_PICKS {
            return Err(AppError::invalid(
                "post_id",
                format!("The picks hold {MAX_PICKS} stories at most; remove one first."),
            ));
        }
        if !self.db.add_pick(&id, Some(&actor.user_id)).await? {
            return Err(AppError::Conflict(format!("{:?} is already a pick.", post.title)));
        }
        self.changes.publish(&ContentChange::Picks);
        Ok(())
    }

    pub async fn remove_pick(&self, actor: &Actor, post_id: &ObjectId) -> Result<(), AppError> {
        if !actor.may(Permission::ManageNewsroom) {
            return Err(refuse("choose editors' picks"));
        }
        if !self.db.remove_pick(post_id).await? {
            return Err(AppError::NotFound("pick"));
        }
        self.changes.publish(&ContentChange::Picks);
        Ok(())
    }

    /// Moves a pick one place up or down the list.
    pub async fn move_pick(&self, actor: &Actor, post_id: &ObjectId, direction: Move) -> Result<(), AppError> {
        if !actor.may(Permission::ManageNewsroom) {
            return Err(refuse("choose editors' picks"));
        }
        let mut order: Vec<ObjectId> =
            self.db.picks().await?.iter().filter_map(|id| ObjectId::parse(id).ok()).collect();
        let index = order.iter().position(|p| p == post_id).ok_or(AppError::NotFound("pick"))?;
        let other = match direction {
            Move::Up if index > 0 => index - 1,
            Move::Down if index + 1 < order.len() => index + 1,
            // Already at that end of the list: nothing to do.
            _ => return Ok(()),
        };
        order.swap(index, other);
        self.db.reorder_picks(&order).await?;
        self.changes.publish(&ContentChange::Picks);
        Ok(())
    }
}

/// A feed item as the Admin and Content APIs and webhooks show it: Ghost's conventions (ids,
/// absolute URLs, `html` beside the source, times like `2019-01-01T10:00:00.000+00:00`).
pub fn feed_item_json(site_url: &str, item: &FeedItem) -> Value {
    let absolute = |url: &str| {
        if url.starts_with('/') && !url.starts_with("//") { format!("{site_url}{url}") } else { url.to_owned() }
    };
    let post = match (&item.post_id, &item.post_slug, &item.post_title) {
        (Some(id), Some(slug), Some(title)) => {
            json!({ "id": id, "title": title, "url": format!("{site_url}/{slug}/") })
        }
        _ => Value::Null,
    };
    let author = match (&item.author_id, &item.author_name, &item.author_slug) {
        (Some(id), Some(name), Some(slug)) => {
            json!({ "id": id, "name": name, "slug": slug, "url": format!("{site_url}/author/{slug}/") })
        }
        _ => Value::Null,
    };
    json!({
        "id": item.id,
        "headline": item.headline,
        "markdown": item.body,
        "html": masthead_render::markdown::markdown_to_html(&item.body),
        "url": format!("{site_url}/news/{}/", item.id),
        "post": post,
        "feature_image": item.image.as_deref().map(absolute),
        "feature_image_caption": item.image_credit,
        "primary_author": author,
        "key_event": item.key_event,
        "pinned": item.pinned,
        "published_at": ghost_time(item.published_at),
        "edited_at": item.edited_at.map(ghost_time),
        "updated_at": ghost_time(item.updated_at),
        "revision": item.revision,
    })
}
