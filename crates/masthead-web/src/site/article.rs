use axum::extract::{Extension, Path, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use masthead_core::{Post, PostType, Reader, Slug, Visibility};
use masthead_render::structured_data;
use masthead_render::views::{ArticleView, MetaView, PostCard};
use masthead_storage::PostList;
use serde::Serialize;

use super::news::{FeedBlock, feed_block};
use super::{Page, cacheable_html, card_deps, cards, site_context};
use crate::cache::{CacheDeps, Dep, VariesByReader};
use crate::{AppState, WebError};

const RELATED_STORIES: usize = 3;

#[derive(Serialize)]
struct ArticleContent {
    post: ArticleView,
    related: Vec<PostCard>,
    /// Shown to signed-in staff who may edit the story; such pages are never cached.
    edit_url: Option<String>,
    /// Shown to signed-in staff who may post to the live feed: a feed item linking this story.
    feed_url: Option<String>,
    /// Corrections and updates, oldest first.
    notes: Vec<NoteView>,
    /// The live feed and the editors' picks, beside stories (not pages).
    feed: Option<FeedBlock>,
    /// The audio version, for readers who may read the whole story.
    narration: Option<super::narration::PlayerView>,
}

#[derive(Serialize)]
struct NoteView {
    kind: String,
    body: String,
    noted_at: String,
}

/// `/{slug}/`: a published post, else a published page, else 404.
///
/// A gated story is rendered for the reader: whole for those who may read it, its public
/// opening and an invitation for the others. The page cache hands over the access level the
/// page will be kept under; staff, who read everything, get a page nobody else is given.
pub async fn post_or_page(
    State(state): State<AppState>,
    cached_as: Option<Extension<Reader>>,
    headers: HeaderMap,
    Path(slug): Path<String>,
) -> Result<Response, WebError> {
    let slug = Slug::parse(&slug).map_err(|_| WebError::NotFound)?;
    let db = &state.newsroom.db();
    for post_type in [PostType::Post, PostType::Page] {
        if let Some(post) = db.post_by_slug(post_type, slug.as_str()).await?.filter(Post::is_live) {
            let staff = crate::admin::current_staff(&state, &headers).await;
            let mut reader = match (&staff, cached_as) {
                (Some(_), _) => Reader::Staff,
                (None, Some(Extension(reader))) => reader,
                (None, None) => super::members::reader(&state, &headers).await,
            };
            // Whether a member may read a story limited to tiers depends on their own tiers,
            // not on an access level pages are shared under: such a page is theirs alone.
            let for_this_member = post.visibility == Visibility::Tiers && reader.is_member();
            if for_this_member && let Some(member) = super::members::current_member(&state, &headers).await {
                reader = post.reader_for(reader, &db.tiers_member_reads(&member).await?);
            }
            let feed_url = match &staff {
                Some(s) if post.post_type == PostType::Post && state.newsroom.may_post_to_feed(&s.actor).await? => {
                    Some(format!("/admin/feed/?post={}", post.id))
                }
                _ => None,
            };
            let edit_url = staff.filter(|s| s.actor.may_edit(&post)).map(|_| format!("/admin/posts/{}/", post.id));
            let links = StaffLinks { edit_url, feed_url };
            let mut response = render(&state, post, links, reader, false).await?;
            if reader == Reader::Staff || for_this_member {
                private(&mut response);
            }
            return Ok(response);
        }
    }
    Err(WebError::NotFound)
}

/// What signed-in staff get on a story's page.
#[derive(Default)]
struct StaffLinks {
    edit_url: Option<String>,
    feed_url: Option<String>,
}

/// Keeps a page out of every cache: it shows what only its reader may see.
fn private(response: &mut Response) {
    response.extensions_mut().remove::<CacheDeps>();
    response.headers_mut().insert(header::CACHE_CONTROL, crate::admin::PRIVATE);
}

/// `/p/{uuid}/`: the private preview link of a story in any state, for sharing before
/// publication. Not indexed, not cached.
pub async fn preview(State(state): State<AppState>, Path(uuid): Path<String>) -> Result<Response, WebError> {
    let post = state.newsroom.db().post_by_uuid(&uuid).await?.ok_or(WebError::NotFound)?;
    // The link is for staff to share before publication: it shows the whole story.
    let mut response = render(&state, post, StaffLinks::default(), Reader::Staff, true).await?;
    private(&mut response);
    Ok(response.into_response())
}

async fn render(
    state: &AppState,
    post: Post,
    links: StaffLinks,
    reader: Reader,
    preview: bool,
) -> Result<Response, WebError> {
    let mut deps = CacheDeps::default();
    deps.push(Dep::Post(post.id.clone()));
    for author in &post.authors {
        deps.push(Dep::Author(author.id.clone()));
    }
    for tag in &post.tags {
        deps.push(Dep::Tag(tag.id.clone()));
        deps.push(Dep::TagList(tag.id.clone()));
    }
    let is_story = post.post_type == PostType::Post;
    // What the page shows beside the story is read at once, each part on its own connection:
    // read one after another, a story's two dozen small queries were most of its time on
    // PostgreSQL, where each is a round trip.
    let (mut related_deps, mut feed_deps) = (CacheDeps::default(), CacheDeps::default());
    let (ctx, related, (narration, audio), notes, feed) = tokio::try_join!(
        site_context(state),
        async { if is_story { related_stories(state, &post, &mut related_deps).await } else { Ok(Vec::new()) } },
        // The player for this reader, and for structured data (which describes what anyone may
        // read) the audio of a story that is not gated.
        async { Ok::<_, WebError>(super::narration::on_story_page(state, &post, reader).await?) },
        async { Ok::<_, WebError>(state.newsroom.db().post_notes(&post.id).await?) },
        async { if is_story { Ok(Some(feed_block(state, &mut feed_deps).await?)) } else { Ok(None) } },
    )?;
    deps.extend(related_deps);
    deps.extend(feed_deps);
    let mut meta = MetaView::article(&ctx.site, &post);
    if preview {
        meta.robots = Some("noindex, nofollow".to_owned());
    }
    if is_story {
        let mut article = structured_data::news_article(&ctx.site, &post);
        if let Some(audio) = audio {
            article["audio"] =
                structured_data::audio_object(&ctx.site, &audio.url, audio.duration_seconds, audio.bytes);
        }
        meta.json_ld = Some(structured_data::to_script_json(&article));
    } else {
        meta.og_type = "website".to_owned();
    }
    let mut view = ArticleView::new(&post, &ctx.site, reader);
    if !post.tiers.is_empty() {
        // A tier's change clears every cached page, so the names here never go stale.
        let tiers = state.newsroom.db().tiers().await?;
        view.tier_names =
            post.tiers.iter().filter_map(|id| tiers.iter().find(|t| &t.id == id)).map(|t| t.name.clone()).collect();
    }
    let path = view.card.url.clone();
    let template = if is_story { "post.html" } else { "page.html" };
    let notes = notes
        .into_iter()
        .map(|n| NoteView { kind: n.kind, body: n.body, noted_at: masthead_render::views::iso(n.noted_at) })
        .collect();
    let StaffLinks { edit_url, feed_url } = links;
    let content = ArticleContent { post: view, related: cards(&related), edit_url, feed_url, notes, feed, narration };
    let html = state.theme.render(template, &Page { site: &ctx.site, meta, current_path: &path, content })?;
    let mut response = cacheable_html(html, deps);
    if post.is_gated() {
        response.extensions_mut().insert(VariesByReader);
    }
    Ok(response)
}

/// Stories sharing the most tags with this one, topped up with the newest stories.
async fn related_stories(state: &AppState, post: &Post, deps: &mut CacheDeps) -> Result<Vec<Post>, WebError> {
    let db = &state.newsroom.db();
    let mut related = db.posts_sharing_tags(post, RELATED_STORIES as u32).await?;
    if related.len() < RELATED_STORIES {
        // Recency fill-ins change whenever anything is published.
        deps.push(Dep::Listings);
        let newest = db.latest_published_posts(PostList::All, (RELATED_STORIES * 2 + 1) as u32).await?;
        for candidate in newest {
            if related.len() == RELATED_STORIES {
                break;
            }
            if candidate.id != post.id && !related.iter().any(|r| r.id == candidate.id) {
                related.push(candidate);
            }
        }
    }
    card_deps(deps, &related);
    Ok(related)
}
