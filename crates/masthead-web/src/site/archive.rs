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

/// What differs between a tag page and an author page; the rest is one archive layout.
struct Archive<'a, S: Serialize> {
    template: &'static str,
    list: PostList<'a>,
    /// The archive's first page, e.g. `/tag/war/`.
    base: String,
    title: String,
    description: String,
    og_type: &'static str,
    subject: S,
    deps: Vec<Dep>,
}

async fn render_archive<S: Serialize>(
    state: &AppState,
    ctx: &super::SiteContext,
    page: u32,
    archive: Archive<'_, S>,
) -> Result<Response, WebError> {
    let list = state.newsroom.db().published_posts(archive.list, PageRequest::new(page, super::PAGE_SIZE)).await?;
    if list.total == 0 || page > list.pages {
        return Err(WebError::NotFound);
    }
    let base = archive.base;
    let path = if page == 1 { base.clone() } else { format!("{base}page/{page}/") };
    let mut deps = CacheDeps::default();
    for dep in archive.deps {
        deps.push(dep);
    }
    card_deps(&mut deps, &list.items);
    let pagination = PaginationView::new(&base, page, list.pages, list.total);
    let mut meta = MetaView::page(&ctx.site, &archive.title, &archive.description, &path);
    meta.og_type = archive.og_type.to_owned();
    meta.rss_url = ctx.site.absolute(&format!("{base}rss/"));
    meta.prev_url = pagination.prev_url.as_deref().map(|u| ctx.site.absolute(u));
    meta.next_url = pagination.next_url.as_deref().map(|u| ctx.site.absolute(u));
    let content = ArchiveContent { subject: archive.subject, posts: cards(&list.items), pagination };
    let html = state.theme.render(archive.template, &Page { site: &ctx.site, meta, current_path: &base, content })?;
    Ok(cacheable_html(html, deps))
}

async fn render_tag(state: &AppState, slug: &str, page: u32) -> Result<Response, WebError> {
    // Internal tags organise content; they have no public page.
    let tag = state
        .newsroom
        .db()
        .tag_by_slug(slug)
        .await?
        .filter(|t| t.visibility == masthead_core::TagVisibility::Public)
        .ok_or(WebError::NotFound)?;
    let ctx = site_context(state).await?;
    let base = tag_path(tag.slug.as_str());
    let archive = Archive {
        template: "tag.html",
        list: PostList::Tag(&tag.id),
        title: tag.meta_title.clone().unwrap_or_else(|| format!("{} – {}", tag.name, ctx.site.title)),
        description: tag
            .meta_description
            .clone()
            .or_else(|| tag.description.clone())
            .unwrap_or_else(|| format!("{} stories from {}", tag.name, ctx.site.title)),
        og_type: "website",
        subject: TagSubject {
            tag: TagView { name: tag.name.clone(), description: tag.description.clone(), url: base.clone() },
        },
        deps: vec![Dep::Tag(tag.id.clone()), Dep::TagList(tag.id.clone())],
        base,
    };
    render_archive(state, &ctx, page, archive).await
}

async fn render_author(state: &AppState, slug: &str, page: u32) -> Result<Response, WebError> {
    let author = state.newsroom.db().user_by_slug(slug).await?.ok_or(WebError::NotFound)?;
    let ctx = site_context(state).await?;
    let base = author_path(author.slug.as_str());
    let archive = Archive {
        template: "author.html",
        list: PostList::Author(&author.id),
        title: author.meta_title.clone().unwrap_or_else(|| format!("{} – {}", author.name, ctx.site.title)),
        description: author
            .meta_description
            .clone()
            .or_else(|| author.bio.clone())
            .unwrap_or_else(|| format!("Stories by {} for {}", author.name, ctx.site.title)),
        og_type: "profile",
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
        deps: vec![Dep::Author(author.id.clone()), Dep::AuthorList(author.id.clone())],
        base,
    };
    render_archive(state, &ctx, page, archive).await
}
