//! Narrated stories for readers: the audio files (with byte ranges, so players can seek), the
//! player shown on a story, and the podcast feed of narrated stories.

use std::collections::HashMap;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use masthead_app::narration::NarrationAudio;
use masthead_core::{NarrationSettings, ObjectId, Post, PostStatus, PostType, Reader};
use masthead_storage::StorageError;
use serde::Serialize;

use crate::{AppState, WebError};

/// The player a story's page shows.
#[derive(Clone, Debug, Serialize)]
pub struct PlayerView {
    pub url: String,
    pub duration_seconds: f64,
    /// `12:34`, as the player shows it before the audio loads.
    pub duration: String,
    pub content_type: &'static str,
    /// The disclosure label, when staff show it.
    pub label: Option<String>,
}

/// `m:ss` or `h:mm:ss`.
pub fn clock(seconds: f64) -> String {
    let total = seconds.max(0.0).round() as u64;
    let (h, m, s) = (total / 3600, (total / 60) % 60, total % 60);
    if h > 0 { format!("{h}:{m:02}:{s:02}") } else { format!("{m}:{s:02}") }
}

/// The audio of a live story that anyone may hear (not opted out, narration on), whatever the
/// reader: what feeds, the Content API and structured data give. Gated stories have none here.
pub async fn public_audio(state: &AppState, post: &Post) -> Result<Option<NarrationAudio>, StorageError> {
    Ok(public_audios(state, std::slice::from_ref(post)).await?.remove(&post.id))
}

/// [`public_audio`] for each of a list of stories, read at once: a Content API page of fifteen
/// stories is two queries, not three for each story.
pub async fn public_audios(
    state: &AppState,
    posts: &[Post],
) -> Result<HashMap<ObjectId, NarrationAudio>, StorageError> {
    let heard: Vec<&Post> = posts.iter().filter(|p| !p.is_gated()).collect();
    Ok(audios(state, &heard).await?.map(|(_, audios)| audios).unwrap_or_default())
}

/// The audio of a story for `reader`: none when the reader may not read the whole story.
pub async fn audio_for(
    state: &AppState,
    post: &Post,
    reader: Option<Reader>,
) -> Result<Option<NarrationAudio>, StorageError> {
    if let Some(reader) = reader
        && !post.readable_by(reader)
    {
        return Ok(None);
    }
    Ok(audios(state, &[post]).await?.and_then(|(_, mut audios)| audios.remove(&post.id)))
}

/// The settings and the audio of those of `posts` that are published stories with a narration
/// not opted out, or `None` when narration is off. The settings are the site's kept ones (saving
/// them is a settings change), so this is at most one query.
async fn audios(
    state: &AppState,
    posts: &[&Post],
) -> Result<Option<(NarrationSettings, HashMap<ObjectId, NarrationAudio>)>, StorageError> {
    let ids: Vec<&ObjectId> = posts
        .iter()
        .filter(|p| p.post_type == PostType::Post && p.status == PostStatus::Published)
        .map(|p| &p.id)
        .collect();
    if ids.is_empty() {
        return Ok(None);
    }
    let settings = super::site_parts(state).await?.narration.clone();
    if !settings.enabled {
        return Ok(None);
    }
    let records = state.newsroom.db().narrations_heard(&ids).await?;
    let audios = records
        .iter()
        .filter_map(|record| Some((ObjectId::parse(&record.post_id).ok()?, NarrationAudio::from_record(record)?)))
        .collect();
    Ok(Some((settings, audios)))
}

/// A story's page: the player for `reader`, with the label staff chose, and the audio anyone may
/// hear (for structured data; none for a gated story), from one read.
pub async fn on_story_page(
    state: &AppState,
    post: &Post,
    reader: Reader,
) -> Result<(Option<PlayerView>, Option<NarrationAudio>), StorageError> {
    let Some((settings, mut audios)) = audios(state, &[post]).await? else { return Ok((None, None)) };
    let Some(audio) = audios.remove(&post.id) else { return Ok((None, None)) };
    let public = (!post.is_gated()).then(|| audio.clone());
    let player = post.readable_by(reader).then(|| player_view(&settings, audio));
    Ok((player, public))
}

fn player_view(settings: &NarrationSettings, audio: NarrationAudio) -> PlayerView {
    PlayerView {
        duration: clock(audio.duration_seconds),
        duration_seconds: audio.duration_seconds,
        url: audio.url,
        content_type: audio.content_type,
        label: settings.show_label.then(|| settings.disclosure_label.clone()).filter(|l| !l.is_empty()),
    }
}

/// What a `Range` header asks for, against a file of `len` bytes.
#[derive(Debug, PartialEq, Eq)]
enum Wanted {
    Whole,
    /// Inclusive byte positions.
    Part(u64, u64),
    Unsatisfiable,
}

/// One range of `bytes=` (`a-b`, `a-`, `-n`). Several ranges, or any other unit, get the whole
/// file, which RFC 9110 allows.
fn wanted(range: Option<&str>, len: u64) -> Wanted {
    let Some(spec) = range.and_then(|r| r.trim().strip_prefix("bytes=")) else { return Wanted::Whole };
    if spec.contains(',') {
        return Wanted::Whole;
    }
    let Some((start, end)) = spec.trim().split_once('-') else { return Wanted::Whole };
    let (start, end) = (start.trim(), end.trim());
    let parsed = match (start.is_empty(), end.is_empty()) {
        (true, true) => return Wanted::Whole,
        // The last `n` bytes.
        (true, false) => match end.parse::<u64>() {
            Ok(0) => return Wanted::Unsatisfiable,
            Ok(n) if len > 0 => Some((len.saturating_sub(n), len - 1)),
            Ok(_) => return Wanted::Unsatisfiable,
            Err(_) => return Wanted::Whole,
        },
        (false, true) => start.parse::<u64>().ok().map(|s| (s, len.saturating_sub(1))),
        (false, false) => match (start.parse::<u64>(), end.parse::<u64>()) {
            (Ok(s), Ok(e)) if s <= e => Some((s, e.min(len.saturating_sub(1)))),
            (Ok(_), Ok(_)) => return Wanted::Whole,
            _ => None,
        },
    };
    match parsed {
        None => Wanted::Whole,
        Some((start, _)) if start >= len => Wanted::Unsatisfiable,
        Some((start, end)) => Wanted::Part(start, end),
    }
}

/// `/content/narrations/{post}/{file}.mp3`: the story's current audio, with byte ranges. Only
/// the file the story points at now is served; a gated story's only to readers who may read it.
pub async fn serve_audio(
    State(state): State<AppState>,
    Path((post_id, file)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let post_id = ObjectId::parse(&post_id).map_err(|_| WebError::NotFound)?;
    let key = format!("narrations/{post_id}/{file}");
    let db = state.newsroom.db();
    let record = db.narration(&post_id).await?.ok_or(WebError::NotFound)?;
    if record.audio_key.as_deref() != Some(key.as_str()) {
        return Err(WebError::NotFound);
    }
    let post = db.post_by_id(&post_id).await?.ok_or(WebError::NotFound)?;
    let gated = post.is_gated();
    // Staff hear the audio of any story (the editor's preview); readers that of live ones they
    // may read.
    let staff = crate::admin::current_staff(&state, &headers).await.is_some();
    if !staff {
        let reader = if gated { Some(super::members::reader(&state, &headers).await) } else { None };
        if audio_for(&state, &post, reader).await?.is_none() {
            return Err(WebError::NotFound);
        }
    }
    let bytes = state.newsroom.media_file(&key).await.map_err(|e| WebError::Internal(e.to_string()))?;
    let bytes = bytes.ok_or(WebError::NotFound)?;
    let len = bytes.len() as u64;
    let cache = if gated || staff {
        HeaderValue::from_static("private, max-age=3600")
    } else {
        // The file's name is the hash of what it says: it never changes.
        HeaderValue::from_static("public, max-age=31536000, immutable")
    };
    let common = [
        (header::CONTENT_TYPE, HeaderValue::from_static("audio/mpeg")),
        (header::ACCEPT_RANGES, HeaderValue::from_static("bytes")),
        (header::CACHE_CONTROL, cache),
        (header::VARY, HeaderValue::from_static("Cookie, Range")),
    ];
    let range = headers.get(header::RANGE).and_then(|v| v.to_str().ok());
    Ok(match wanted(range, len) {
        Wanted::Whole => (common, bytes).into_response(),
        Wanted::Part(start, end) => {
            let part = bytes.slice(start as usize..=end as usize);
            let content_range = HeaderValue::from_str(&format!("bytes {start}-{end}/{len}"))
                .map_err(|e| WebError::Internal(e.to_string()))?;
            (StatusCode::PARTIAL_CONTENT, common, [(header::CONTENT_RANGE, content_range)], part).into_response()
        }
        Wanted::Unsatisfiable => {
            let content_range =
                HeaderValue::from_str(&format!("bytes */{len}")).map_err(|e| WebError::Internal(e.to_string()))?;
            (StatusCode::RANGE_NOT_SATISFIABLE, common, [(header::CONTENT_RANGE, content_range)]).into_response()
        }
    })
}

/// How many stories the podcast feed lists.
const PODCAST_EPISODES: i64 = 50;

#[derive(Serialize)]
struct Episode {
    id: String,
    title: String,
    url: String,
    excerpt: String,
    authors: String,
    published_at: String,
    audio_url: String,
    bytes: i64,
    duration: String,
    image: Option<String>,
}

#[derive(Serialize)]
struct PodcastContext<'a> {
    site: &'a masthead_render::views::SiteView,
    feed: super::feeds::Feed,
    label: Option<String>,
    image: Option<String>,
    episodes: Vec<Episode>,
}

/// `/podcast/rss/`: narrated stories as a podcast (iTunes tags, enclosures with their length).
/// Only stories anyone may read are listed.
pub async fn podcast_rss(State(state): State<AppState>) -> Result<Response, WebError> {
    let ctx = super::site_context(&state).await?;
    let db = state.newsroom.db();
    let settings = super::site_parts(&state).await?.narration.clone();
    let mut deps = crate::cache::CacheDeps::default();
    deps.push(crate::cache::Dep::Listings);
    deps.push(crate::cache::Dep::Narrations);
    let mut episodes = Vec::new();
    if settings.enabled {
        for record in db.narrated_posts(PODCAST_EPISODES).await? {
            let Ok(post_id) = ObjectId::parse(&record.post_id) else { continue };
            let Some(post) = db.post_by_id(&post_id).await? else { continue };
            if post.is_gated() {
                continue;
            }
            let Some(audio) = NarrationAudio::from_record(&record) else { continue };
            deps.push(crate::cache::Dep::Post(post.id.clone()));
            let url = ctx.site.absolute(&masthead_render::views::post_path(post.slug.as_str()));
            episodes.push(Episode {
                id: post.id.to_string(),
                title: post.title.clone(),
                excerpt: post.excerpt(),
                authors: post.authors.iter().map(|a| a.name.as_str()).collect::<Vec<_>>().join(", "),
                published_at: post.published_at.map(super::feeds::rfc2822).unwrap_or_default(),
                audio_url: ctx.site.absolute(&audio.url),
                bytes: audio.bytes,
                duration: clock(audio.duration_seconds),
                image: post.feature_image.as_deref().map(|u| ctx.site.absolute(u)),
                url,
            });
        }
    }
    let feed = super::feeds::Feed {
        title: ctx.site.title.clone(),
        description: ctx.site.description.clone(),
        link: ctx.site.absolute("/"),
        self_url: ctx.site.absolute("/podcast/rss/"),
        build_date: super::feeds::rfc2822(masthead_core::now()),
    };
    let image = ctx.site.icon.as_deref().or(ctx.site.logo.as_deref()).map(|u| ctx.site.absolute(u));
    let label = settings.show_label.then(|| settings.disclosure_label.clone()).filter(|l| !l.is_empty());
    let xml = state.theme.render("podcast.xml", &PodcastContext { site: &ctx.site, feed, label, image, episodes })?;
    Ok(super::cacheable(xml, "application/rss+xml; charset=utf-8", deps))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_read_as_rfc_9110_says() {
        assert_eq!(wanted(None, 100), Wanted::Whole);
        assert_eq!(wanted(Some("bytes=0-9"), 100), Wanted::Part(0, 9));
        assert_eq!(wanted(Some("bytes=90-"), 100), Wanted::Part(90, 99));
        assert_eq!(wanted(Some("bytes=-10"), 100), Wanted::Part(90, 99));
        assert_eq!(wanted(Some("bytes=-1000"), 100), Wanted::Part(0, 99));
        assert_eq!(wanted(Some("bytes=50-1000"), 100), Wanted::Part(50, 99));
        assert_eq!(wanted(Some("bytes=100-"), 100), Wanted::Unsatisfiable);
        assert_eq!(wanted(Some("bytes=-0"), 100), Wanted::Unsatisfiable);
        assert_eq!(wanted(Some("bytes=0-1,5-6"), 100), Wanted::Whole);
        assert_eq!(wanted(Some("items=0-1"), 100), Wanted::Whole);
        assert_eq!(wanted(Some("bytes=9-3"), 100), Wanted::Whole);
        assert_eq!(wanted(Some("bytes=x-3"), 100), Wanted::Whole);
    }

    #[test]
    fn durations_read_as_clocks() {
        assert_eq!(clock(65.4), "1:05");
        assert_eq!(clock(3725.0), "1:02:05");
    }
}
