//! Corrections and updates on published stories, and each story's version history.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use masthead_app::AppError;
use masthead_app::newsroom::corrections::NoteKind;
use masthead_core::{ObjectId, Permission, Post, PostType};
use serde::{Deserialize, Serialize};
use similar::{ChangeTag, TextDiff};

use super::{SignedIn, Staff, forbidden, message, not_found, render};
use crate::AppState;

async fn load(state: &AppState, staff: &Staff, id: &str) -> Result<Post, Response> {
    let post = match ObjectId::parse(id) {
        Ok(id) => state.newsroom.db().post_by_id(&id).await.ok().flatten().filter(|p| p.post_type == PostType::Post),
        Err(_) => None,
    };
    match post {
        Some(post) => Ok(post),
        None => Err(not_found(state, staff).await),
    }
}

#[derive(Deserialize)]
pub struct NoteForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    body: String,
    /// In the site's time zone; empty means now.
    #[serde(default)]
    noted_at: String,
}

/// Editors (and above) attach corrections and updates.
pub async fn add_note(
    State(state): State<AppState>,
    SignedIn(staff): SignedIn,
    Path(id): Path<String>,
    Form(form): Form<NoteForm>,
) -> Response {
    let post = match load(&state, &staff, &id).await {
        Ok(post) => post,
        Err(response) => return response,
    };
    if !staff.actor.may(Permission::EditAnyPost) {
        return forbidden(&state, &staff, "attach corrections or updates").await;
    }
    let Some(kind) = NoteKind::parse(&form.kind) else {
        return message(
            &state,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(&staff),
            "Not saved",
            "Choose correction or update.",
            None,
        )
        .await;
    };
    let tz = super::posts::timezone(&state).await;
    let noted_at = match super::posts::parse_local_time(&form.noted_at, &tz) {
        Ok(at) => at,
        Err(error) => {
            return message(
                &state,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(&staff),
                "Not saved",
                &error.to_string(),
                None,
            )
            .await;
        }
    };
    match state.newsroom.add_note(&post.id, kind, &form.body, noted_at, &staff.user.id).await {
        Ok(_) => Redirect::to(&format!("/admin/posts/{}/?done=noted", post.id)).into_response(),
        Err(AppError::Invalid { message: text, .. }) => {
            let back = format!("/admin/posts/{}/", post.id);
            message(
                &state,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(&staff),
                "Not saved",
                &text,
                Some(super::LinkView { url: &back, label: "Back to the story" }),
            )
            .await
        }
        Err(error) => super::posts::internal(error),
    }
}

pub async fn delete_note(
    State(state): State<AppState>,
    SignedIn(staff): SignedIn,
    Path((id, note)): Path<(String, String)>,
) -> Response {
    let post = match load(&state, &staff, &id).await {
        Ok(post) => post,
        Err(response) => return response,
    };
    if !staff.actor.may(Permission::EditAnyPost) {
        return forbidden(&state, &staff, "remove corrections or updates").await;
    }
    match state.newsroom.remove_note(&post.id, &note).await {
        Ok(()) => Redirect::to(&format!("/admin/posts/{}/?done=note-removed", post.id)).into_response(),
        Err(AppError::NotFound(_)) => not_found(&state, &staff).await,
        Err(error) => super::posts::internal(error),
    }
}

#[derive(Serialize)]
struct DiffLine {
    kind: &'static str,
    text: String,
}

#[derive(Serialize)]
struct VersionView {
    id: String,
    title: String,
    saved: String,
    by: String,
}

#[derive(Default, Deserialize)]
pub struct HistoryQuery {
    #[serde(default)]
    compare: String,
}

/// Earlier versions of a story, and what changed between one of them and the current text.
pub async fn history(
    State(state): State<AppState>,
    SignedIn(staff): SignedIn,
    Path(id): Path<String>,
    Query(query): Query<HistoryQuery>,
) -> Response {
    let post = match load(&state, &staff, &id).await {
        Ok(post) => post,
        Err(response) => return response,
    };
    if !staff.actor.may_edit(&post) {
        return forbidden(&state, &staff, "see this story's history").await;
    }
    let (revisions, people) = match (state.newsroom.db().revisions(&post.id).await, state.newsroom.db().staff().await) {
        (Ok(revisions), Ok(people)) => (revisions, people),
        (Err(e), _) | (_, Err(e)) => return super::posts::internal(e),
    };
    let tz = super::posts::timezone(&state).await;
    let when = |t: time::OffsetDateTime| super::posts::local(&tz, Some(t), "%-d %b %Y, %H:%M:%S");
    // Markdown is compared as written; a rich-text story (or HTML) as its text, a line per
    // paragraph, heading, list item or caption, so the comparison reads as the story does.
    let text_of = |markdown: &Option<String>, html: &str| match markdown {
        Some(markdown) => markdown.clone(),
        None => masthead_render::html_to_plaintext(html),
    };
    let current = text_of(&post.markdown, &post.html);
    let compared = revisions.iter().find(|r| r.id == query.compare).or(revisions.first());
    let diff: Vec<DiffLine> = compared
        .map(|revision| {
            let old = format!("# {}\n\n{}", revision.title, text_of(&revision.markdown, &revision.html));
            let new = format!("# {}\n\n{}", post.title, current);
            TextDiff::from_lines(&old, &new)
                .iter_all_changes()
                .map(|change| DiffLine {
                    kind: match change.tag() {
                        ChangeTag::Delete => "removed",
                        ChangeTag::Insert => "added",
                        ChangeTag::Equal => "same",
                    },
                    text: change.to_string_lossy().trim_end_matches('\n').to_owned(),
                })
                .collect()
        })
        .unwrap_or_default();
    #[derive(Serialize)]
    struct History {
        post_id: String,
        title: String,
        versions: Vec<VersionView>,
        compared: Option<String>,
        diff: Vec<DiffLine>,
    }
    let versions = revisions
        .iter()
        .map(|r| VersionView {
            id: r.id.clone(),
            title: r.title.clone(),
            saved: when(r.created_at),
            by: r
                .author_id
                .as_deref()
                .and_then(|a| people.iter().find(|p| p.id.as_str() == a))
                .map(|p| p.name.clone())
                .unwrap_or_default(),
        })
        .collect();
    let content = History {
        post_id: post.id.to_string(),
        title: post.title.clone(),
        versions,
        compared: compared.map(|r| r.id.clone()),
        diff,
    };
    render(&state, StatusCode::OK, "history.html", Some(&staff), "posts", content).await
}

pub async fn restore(
    State(state): State<AppState>,
    SignedIn(staff): SignedIn,
    Path((id, revision)): Path<(String, String)>,
) -> Response {
    let post = match load(&state, &staff, &id).await {
        Ok(post) => post,
        Err(response) => return response,
    };
    if !staff.actor.may_edit(&post) {
        return forbidden(&state, &staff, "restore this story").await;
    }
    match state.newsroom.restore_revision(&post.id, &revision, &staff.user.id).await {
        Ok(_) => Redirect::to(&format!("/admin/posts/{}/?done=restored", post.id)).into_response(),
        Err(AppError::NotFound(_)) => not_found(&state, &staff).await,
        Err(error) => super::posts::internal(error),
    }
}
