//! Tag (section) and author pages.

use axum::extract::{Path, State};
use axum::response::Response;
use masthead_render::views::{MetaView, PaginationView, PostCard, author_path, tag_path};
use masthead_storage::{PageRequest, PostList};
use serde::Serialize;

use super::{Page, cacheable_html, card_deps, cards, page_number, site_context};
use crate::cache::{CacheDeps, Dep};
use crate::{AppState, WebError};

#[derive(Serialize)]
struct TagView {
    name: String,
    description: Option<String>,
    url: String,
}

#[derive(Serialize)]
struct AuthorView {
    name: String,
    bio: Option<String>,
    location: Option<String>,
    website: Option<String>,
    profile_image: Option<String>,
    url: String,
}

#[derive(Serialize)]
struct ArchiveContent<T: Serialize> {
    #[serde(flatten)]
    subject: T,
    posts: Vec<PostCard>,
    pagination: PaginationView,
}

#[derive(Serialize)]
struct TagSubject {
    tag: TagView,
}

#[derive(Serialize)]
struct AuthorSubject {
    author: AuthorView,
}

pub async fn tag(State(state): State<AppState>, Path(slug): Path<String>) -> Result<Response, WebError> {
    render_tag(&state, &slug, 1).await
}

pub async fn tag_page(
    State(state): State<AppState>,
    Path((slug, page)): Path<(String, String)>,
) -> Result<Response, WebError> {
    render_tag(&state, &slug, page_number(&page)?).await
}

pub async fn author(State(state): State<AppState>, Path(slug): Path<String>) -> Result<Response, WebError> {
    render_author(&state, &slug, 1).await
}

pub async fn author_page(
    State(state): State<AppState>,
    Path((slug, page)): Path<(String, String)>,
) -> Result<Response, WebError> {
    render_author(&state, &slug, page_number(&page)?).await
}

async fn render_tag(state: &AppState, slug: &str, page: u32) -> Result<Response, WebError> {
    let db = &state.newsroom.db;
    // Internal tags organise content; they have no public page.
    let tag = db
        .tag_by_slug(slug)
        .await?
        .filter(|t| t.visibility == masthead_core::TagVisibility::Public)
        .ok_or(WebError::NotFound)?;
    let list = db.published_posts(PostList::Tag(&tag.id), PageRequest::new(page, super::PAGE_SIZE)).await?;
    if list.total == 0 || page > list.pages {
        return Err(WebError::NotFound);
    }
    let ctx = site_context(state).await?;
    let base = tag_path(tag.slug.as_str());
    let path = if page == 1 { base.clone() } else { format!("{base}page/{page}/") };
    let mut deps = CacheDeps::default();
    deps.push(Dep::Tag(tag.id.clone()));
    deps.push(Dep::TagList(tag.id.clone()));
    card_deps(&mut deps, &list.items);
    let pagination = PaginationView::new(&base, page, list.pages, list.total);
    let title = tag.meta_title.clone().unwrap_or_else(|| format!("{} – {}", tag.name, ctx.site.title));
    let description = tag
        .meta_description
        .clone()
        .or_else(|| tag.description.clone())
        .unwrap_or_else(|| format!("{} stories from {}", tag.name, ctx.site.title));
    let mut meta = MetaView::page(&ctx.site, &title, &description, &path);
    meta.rss_url = ctx.site.absolute(&format!("{base}rss/"));
    meta.prev_url = pagination.prev_url.as_deref().map(|u| ctx.site.absolute(u));
    meta.next_url = pagination.next_url.as_deref().map(|u| ctx.site.absolute(u));
    let content = ArchiveContent {
        subject: TagSubject {
            tag: TagView { name: tag.name.clone(), description: tag.description.clone(), url: base.clone() },
        },
        posts: cards(&list.items),
        pagination,
    };
    let html = state.theme.render("tag.html", &Page { site: &ctx.site, meta, current_path: &base, content })?;
    Ok(cacheable_html(html, deps))
}

async fn render_author(state: &AppState, slug: &str, page: u32) -> Result<Response, WebError> {
    let db = &state.newsroom.db;
    let author = db.user_by_slug(slug).await?.ok_or(WebError::NotFound)?;
    let list = db.published_posts(PostList::Author(&author.id), PageRequest::new(page, super::PAGE_SIZE)).await?;
    if list.total == 0 || page > list.pages {
        return Err(WebError::NotFound);
    }
    let ctx = site_context(state).await?;
    let base = author_path(author.slug.as_str());
    let path = if page == 1 { base.clone() } else { format!("{base}page/{page}/") };
    let mut deps = CacheDeps::default();
    deps.push(Dep::Author(author.id.clone()));
    deps.push(Dep::AuthorList(author.id.clone()));
    card_deps(&mut deps, &list.items);
    let pagination = PaginationView::new(&base, page, list.pages, list.total);
    let title = author.meta_title.clone().unwrap_or_else(|| format!("{} – {}", author.name, ctx.site.title));
    let description = author
        .meta_description
        .clone()
        .or_else(|| author.bio.clone())
        .unwrap_or_else(|| format!("Stories by {} for {}", author.name, ctx.site.title));
    let mut meta = MetaView::page(&ctx.site, &title, &description, &path);
    meta.og_type = "profile".to_owned();
    meta.rss_url = ctx.site.absolute(&format!("{base}rss/"));
    meta.prev_url = pagination.prev_url.as_deref().map(|u| ctx.site.absolute(u));
    meta.next_url = pagination.next_url.as_deref().map(|u| ctx.site.absolute(u));
    let content = ArchiveContent {
        subject: AuthorSubject {
            author: AuthorView {
                name: author.name.clone(),
                bio: author.bio.clone(),
                location: author.location.clone(),
                website: author.website.clone(),
                profile_image: author.profile_image.clone(),
                url: base.clone(),
            },
        },
        posts: cards(&list.items),
        pagination,
    };
    let html = state.theme.render("author.html", &Page { site: &ctx.site, meta, current_path: &base, content })?;
    Ok(cacheable_html(html, deps))
}
