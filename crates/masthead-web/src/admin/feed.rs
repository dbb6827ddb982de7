//! The live feed composer and the editors' picks, in the newsroom.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use masthead_app::AppError;
use masthead_app::newsroom::feed::{FeedItemInput, MAX_BODY, MAX_HEADLINE, Move};
use masthead_core::{ObjectId, Permission};
use masthead_storage::{FeedItem, PostList};
use serde::{Deserialize, Serialize};

use super::posts::internal;
use super::{SignedIn, Staff, forbidden, not_found, render};
use crate::AppState;

/// Items listed under the composer.
const RECENT_ITEMS: u32 = 30;
/// Stories offered to link to, or to pick.
const RECENT_STORIES: u32 = 40;

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct ItemForm {
    headline: String,
    body: String,
    post_id: String,
    image: String,
    image_credit: String,
    /// Ticked boxes send "on"; unticked ones send nothing.
    key_event: Option<String>,
    pinned: Option<String>,
}

impl ItemForm {
    fn input(&self) -> FeedItemInput {
        FeedItemInput {
            headline: self.headline.clone(),
            body: self.body.clone(),
            post_id: Some(self.post_id.clone()),
            image: Some(self.image.clone()),
            image_credit: Some(self.image_credit.clone()),
            key_event: self.key_event.is_some(),
            pinned: self.pinned.is_some(),
            published_at: None,
        }
    }

    fn of(item: &FeedItem) -> Self {
        Self {
            headline: item.headline.clone(),
            body: item.body.clone(),
            post_id: item.post_id.clone().unwrap_or_default(),
            image: item.image.clone().unwrap_or_default(),
            image_credit: item.image_credit.clone().unwrap_or_default(),
            key_event: item.key_event.then(|| "on".to_owned()),
            pinned: item.pinned.then(|| "on".to_owned()),
        }
    }
}

#[derive(Serialize)]
struct StoryOption {
    id: String,
    title: String,
}

#[derive(Serialize)]
struct ItemRow {
    id: String,
    headline: String,
    url: String,
    author: Option<String>,
    published_at: String,
    edited_at: Option<String>,
    key_event: bool,
    pinned: bool,
    story: Option<String>,
    may_change: bool,
}

#[derive(Serialize)]
struct FeedPage {
    form: ItemForm,
    /// Set when editing an item.
    editing: Option<String>,
    error: Option<String>,
    /// The item just posted.
    posted: Option<String>,
    stories: Vec<StoryOption>,
    items: Vec<ItemRow>,
    may_pin: bool,
    max_headline: usize,
    max_body: usize,
}

async fn stories(state: &AppState, include: Option<&str>) -> Result<Vec<StoryOption>, AppError> {
    let db = state.newsroom.db();
    let mut posts = db.latest_published_posts(PostList::All, RECENT_STORIES).await?;
    if let Some(id) = include.and_then(|id| ObjectId::parse(id).ok())
        && !posts.iter().any(|p| p.id == id)
        && let Some(post) = db.post_by_id(&id).await?.filter(|p| p.is_live())
    {
        posts.insert(0, post);
    }
    Ok(posts.into_iter().map(|p| StoryOption { id: p.id.to_string(), title: p.title }).collect())
}

fn row(staff: &Staff, item: &FeedItem, may_post: bool) -> ItemRow {
    let own = item.author_id.as_deref() == Some(staff.user.id.as_str());
    ItemRow {
        id: item.id.clone(),
        headline: item.headline.clone(),
        url: crate::site::news::item_path(&item.id),
        author: item.author_name.clone(),
        published_at: masthead_render::views::iso(item.published_at),
        edited_at: item.edited_at.map(masthead_render::views::iso),
        key_event: item.key_event,
        pinned: item.pinned,
        story: item.post_title.clone(),
        may_change: staff.actor.may(Permission::ManageNewsroom) || (may_post && own),
    }
}

async fn page(
    state: &AppState,
    staff: &Staff,
    status: StatusCode,
    form: ItemForm,
    editing: Option<String>,
    error: Option<String>,
    posted: Option<String>,
) -> Response {
    let result = async {
        let may_post = state.newsroom.may_post_to_feed(&staff.actor).await?;
        let items = state.newsroom.db().feed_page(None, RECENT_ITEMS).await?;
        let stories = stories(state, Some(&form.post_id)).await?;
        Ok::<_, AppError>(FeedPage {
            items: items.iter().map(|i| row(staff, i, may_post)).collect(),
            form,
            editing,
            error,
            posted,
            stories,
            may_pin: staff.actor.may(Permission::ManageNewsroom),
            max_headline: MAX_HEADLINE,
            max_body: MAX_BODY,
        })
    }
    .await;
    match result {
        Ok(content) => render(state, status, "feed.html", Some(staff), "feed", content).await,
        Err(error) => internal(error),
    }
}

async fn refused(state: &AppState, staff: &Staff, error: AppError) -> Response {
    super::manage::refused(state, staff, error, "/admin/feed/").await
}

#[derive(Debug, Default, Deserialize)]
pub struct ComposerQuery {
    /// From a story's page: "post to feed" links the new item to it.
    post: Option<String>,
    /// The item just posted.
    posted: Option<String>,
}

/// `GET /admin/feed/`: the composer, and the latest items with their controls.
pub async fn feed_page(
    State(state): State<AppState>,
    SignedIn(staff): SignedIn,
    Query(query): Query<ComposerQuery>,
) -> Response {
    match state.newsroom.may_post_to_feed(&staff.actor).await {
        Ok(true) => {}
        Ok(false) => return forbidden(&state, &staff, "post to the live feed").await,
        Err(error) => return internal(error),
    }
    let form = ItemForm { post_id: query.post.unwrap_or_default(), ..ItemForm::default() };
    page(&state, &staff, StatusCode::OK, form, None, None, query.posted).await
}

/// `POST /admin/feed/`: posts an item.
pub async fn post_item(
    State(state): State<AppState>,
    SignedIn(staff): SignedIn,
    Form(form): Form<ItemForm>,
) -> Response {
    match state.newsroom.post_feed_item(&staff.actor, form.input()).await {
        Ok(item) => Redirect::to(&format!("/admin/feed/?posted={}", item.id)).into_response(),
        Err(AppError::Invalid { message: text, .. }) => {
            page(&state, &staff, StatusCode::UNPROCESSABLE_ENTITY, form, None, Some(text), None).await
        }
        Err(error) => refused(&state, &staff, error).await,
    }
}

fn item_id(raw: &str) -> Option<ObjectId> {
    ObjectId::parse(raw).ok()
}

/// `GET /admin/feed/{id}/`: an item in the composer, to correct it.
pub async fn edit_page(State(state): State<AppState>, SignedIn(staff): SignedIn, Path(id): Path<String>) -> Response {
    let Some(id) = item_id(&id) else { return not_found(&state, &staff).await };
    let item = match state.newsroom.db().feed_item(&id).await {
        Ok(Some(item)) if !item.is_deleted() => item,
        Ok(_) => return not_found(&state, &staff).await,
        Err(error) => return internal(error),
    };
    page(&state, &staff, StatusCode::OK, ItemForm::of(&item), Some(item.id.clone()), None, None).await
}

/// `POST /admin/feed/{id}/`: saves an edited item.
pub async fn edit_item(
    State(state): State<AppState>,
    SignedIn(staff): SignedIn,
    Path(id): Path<String>,
    Form(form): Form<ItemForm>,
) -> Response {
    let Some(id) = item_id(&id) else { return not_found(&state, &staff).await };
    match state.newsroom.edit_feed_item(&staff.actor, &id, form.input()).await {
        Ok(_) => Redirect::to("/admin/feed/").into_response(),
        Err(AppError::Invalid { message: text, .. }) => {
            page(&state, &staff, StatusCode::UNPROCESSABLE_ENTITY, form, Some(id.to_string()), Some(text), None).await
        }
        Err(error) => refused(&state, &staff, error).await,
    }
}

/// `POST /admin/feed/{id}/delete/`.
pub async fn delete_item(State(state): State<AppState>, SignedIn(staff): SignedIn, Path(id): Path<String>) -> Response {
    let Some(id) = item_id(&id) else { return not_found(&state, &staff).await };
    match state.newsroom.delete_feed_item(&staff.actor, &id).await {
        Ok(()) => Redirect::to("/admin/feed/").into_response(),
        Err(error) => refused(&state, &staff, error).await,
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct PinForm {
    /// "pin" or "unpin".
    #[serde(default)]
    action: String,
}

/// `POST /admin/feed/{id}/pin/`: pins the item above the feed, or unpins it.
pub async fn pin_item(
    State(state): State<AppState>,
    SignedIn(staff): SignedIn,
    Path(id): Path<String>,
    Form(form): Form<PinForm>,
) -> Response {
    let Some(id) = item_id(&id) else { return not_found(&state, &staff).await };
    match state.newsroom.pin_feed_item(&staff.actor, &id, form.action != "unpin").await {
        Ok(_) => Redirect::to("/admin/feed/").into_response(),
        Err(error) => refused(&state, &staff, error).await,
    }
}

#[derive(Serialize)]
struct PickRow {
    id: String,
    title: String,
    url: String,
    /// Whether readers see it (a pick whose story was unpublished is kept but not shown).
    live: bool,
    first: bool,
    last: bool,
}

#[derive(Serialize)]
struct PicksPage {
    picks: Vec<PickRow>,
    stories: Vec<StoryOption>,
    error: Option<String>,
}

async fn picks_page(state: &AppState, staff: &Staff, status: StatusCode, error: Option<String>) -> Response {
    let result = async {
        let db = state.newsroom.db();
        let ids = db.picks().await?;
        let posts = db.posts_by_ids(&ids).await?;
        let count = posts.len();
        let picks = posts
            .iter()
            .enumerate()
            .map(|(index, post)| PickRow {
                id: post.id.to_string(),
                title: post.title.clone(),
                url: masthead_render::views::post_path(post.slug.as_str()),
                live: post.is_live(),
                first: index == 0,
                last: index + 1 == count,
            })
            .collect();
        let stories = db
            .latest_published_posts(PostList::All, RECENT_STORIES)
            .await?
            .into_iter()
            .filter(|p| !ids.iter().any(|id| id == p.id.as_str()))
            .map(|p| StoryOption { id: p.id.to_string(), title: p.title })
            .collect();
        Ok::<_, AppError>(PicksPage { picks, stories, error })
    }
    .await;
    match result {
        Ok(content) => render(state, status, "picks.html", Some(staff), "picks", content).await,
        Err(error) => internal(error),
    }
}

/// `GET /admin/picks/`: the editors' picks in order, with controls to add, move and remove.
pub async fn picks(State(state): State<AppState>, SignedIn(staff): SignedIn) -> Response {
    if !staff.actor.may(Permission::ManageNewsroom) {
        return forbidden(&state, &staff, "choose editors' picks").await;
    }
    picks_page(&state, &staff, StatusCode::OK, None).await
}

#[derive(Debug, Default, Deserialize)]
pub struct AddPickForm {
    #[serde(default)]
    post_id: String,
}

/// `POST /admin/picks/`: adds a story at the end.
pub async fn add_pick(
    State(state): State<AppState>,
    SignedIn(staff): SignedIn,
    Form(form): Form<AddPickForm>,
) -> Response {
    match state.newsroom.add_pick(&staff.actor, &form.post_id).await {
        Ok(()) => Redirect::to("/admin/picks/").into_response(),
        Err(AppError::Invalid { message: text, .. } | AppError::Conflict(text)) => {
            picks_page(&state, &staff, StatusCode::UNPROCESSABLE_ENTITY, Some(text)).await
        }
        Err(error) => refused(&state, &staff, error).await,
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct PickActionForm {
    /// "up", "down" or "remove".
    #[serde(default)]
    action: String,
}

/// `POST /admin/picks/{id}/`: moves a pick up or down, or removes it.
pub async fn change_pick(
    State(state): State<AppState>,
    SignedIn(staff): SignedIn,
    Path(id): Path<String>,
    Form(form): Form<PickActionForm>,
) -> Response {
    let Some(id) = item_id(&id) else { return not_found(&state, &staff).await };
    let result = match form.action.as_str() {
        "up" => state.newsroom.move_pick(&staff.actor, &id, Move::Up).await,
        "down" => state.newsroom.move_pick(&staff.actor, &id, Move::Down).await,
        "remove" => state.newsroom.remove_pick(&staff.actor, &id).await,
        other => Err(AppError::invalid("action", format!("{other:?} is not up, down or remove."))),
    };
    match result {
        Ok(()) => Redirect::to("/admin/picks/").into_response(),
        Err(error) => refused(&state, &staff, error).await,
    }
}
