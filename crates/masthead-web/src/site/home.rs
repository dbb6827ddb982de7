use axum::extract::{Path, State};
use axum::response::Response;
use masthead_app::ContentChange;
use masthead_render::structured_data;
use masthead_render::views::{Link, MetaView, PaginationView, PostCard};
use masthead_storage::{PageRequest, PostList};
use serde::Serialize;

use super::news::{FeedBlock, feed_block};
use super::{Page, cacheable_html, card_deps, cards, page_number, site_context};
use crate::cache::{CacheDeps, Dep};
use crate::{AppState, WebError};

/// How many sections the front page shows, and how many stories in each.
const FRONT_SECTIONS: u32 = 5;
/// The front page's sections are the tags most carried by this many of the newest stories.
const SECTIONS_FROM_NEWEST: u32 = 500;
const SECTION_STORIES: u32 = 4;
/// The front page's pages of the whole archive start reading at one of every this many stories.
const MARK_EVERY: u32 = 500;

#[derive(Serialize)]
struct Section {
    name: String,
    url: String,
    posts: Vec<PostCard>,
}

#[derive(Serialize)]
struct HomeContent {
    lead: Option<PostCard>,
    top: Vec<PostCard>,
    latest: Vec<PostCard>,
    sections: Vec<Section>,
    pagination: PaginationView,
    /// The live feed and the editors' picks (first page only).
    feed: Option<FeedBlock>,
}

/// Whether a change can move the archive's marks: any change to a post or page (a story made a
/// page, or a page made a story, is announced with its new type), not a narration.
pub(crate) fn marks_touched_by(change: &ContentChange) -> bool {
    matches!(change, ContentChange::Post { .. } | ContentChange::Everything)
}

pub async fn home(State(state): State<AppState>) -> Result<Response, WebError> {
    render_home(&state, 1).await
}

pub async fn home_page(State(state): State<AppState>, Path(page): Path<String>) -> Result<Response, WebError> {
    render_home(&state, page_number(&page)?).await
}

async fn render_home(state: &AppState, page: u32) -> Result<Response, WebError> {
    let ctx = site_context(state).await?;
    let db = &state.newsroom.db();
    // The archive's count and its marks are kept until a story is published, changed or
    // withdrawn: a page deep in 100,000 stories then neither counts them nor skips more than
    // a mark's worth of its index.
    let marks =
        state.archive_marks.get_or_read(state.cache.max_age(), || db.list_marks(PostList::All, MARK_EVERY)).await?;
    let list = db.published_posts_marked(PostList::All, PageRequest::new(page, super::PAGE_SIZE), &marks).await?;
    if page > list.pages {
        return Err(WebError::NotFound);
    }
    let mut deps = CacheDeps::default();
    deps.push(Dep::Listings);
    card_deps(&mut deps, &list.items);

    let mut posts = cards(&list.items);
    let (lead, top, sections) = if page == 1 {
        // The lead is the newest featured story on the first page, or simply the newest.
        let lead_index = posts.iter().position(|p| p.featured).unwrap_or(0);
        let lead = (!posts.is_empty()).then(|| posts.remove(lead_index));
        let top: Vec<PostCard> = posts.drain(..posts.len().min(4)).collect();
        let mut sections = Vec::new();
        let tags = db.front_sections(SECTIONS_FROM_NEWEST, FRONT_SECTIONS).await?;
        // Each section's stories on a connection of its own: one section's wait, not five.
        let stories = futures::future::try_join_all(
            tags.iter().map(|tag| db.latest_published_posts(PostList::Tag(&tag.tag.id), SECTION_STORIES)),
        )
        .await?;
        for (tag, stories) in tags.iter().zip(stories) {
            card_deps(&mut deps, &stories);
            deps.push(Dep::Tag(tag.tag.id.clone()));
            deps.push(Dep::TagList(tag.tag.id.clone()));
            let link = Link::tag(&tag.tag);
            sections.push(Section { name: link.name, url: link.url, posts: cards(&stories) });
        }
        (lead, top, sections)
    } else {
        (None, Vec::new(), Vec::new())
    };

    let pagination = PaginationView::new("/", page, list.pages, list.total);
    let path = if page == 1 { "/".to_owned() } else { format!("/page/{page}/") };
    let title = match (page, ctx.settings.meta_title.as_deref()) {
        (1, Some(meta_title)) => meta_title.to_owned(),
        (1, None) => ctx.site.title.clone(),
        (n, _) => format!("{} (page {n})", ctx.site.title),
    };
    let description = ctx.settings.meta_description.clone().unwrap_or_else(|| ctx.site.description.clone());
    let mut meta = MetaView::page(&ctx.site, &title, &description, &path);
    meta.prev_url = pagination.prev_url.as_deref().map(|u| ctx.site.absolute(u));
    meta.next_url = pagination.next_url.as_deref().map(|u| ctx.site.absolute(u));
    if page == 1 {
        meta.json_ld = Some(structured_data::to_script_json(&structured_data::website(&ctx.site)));
    }
    let feed = if page == 1 { Some(feed_block(state, &mut deps).await?) } else { None };
    let content = HomeContent { lead, top, latest: posts, sections, pagination, feed };
    let html = state.theme.render("home.html", &Page { site: &ctx.site, meta, current_path: &path, content })?;
    Ok(cacheable_html(html, deps))
}
