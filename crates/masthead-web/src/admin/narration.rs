//! Narration in the newsroom: a story's audio (regenerate, opt out) from its editor, and the
//! narration settings with the pronunciation lexicon for administrators.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use masthead_app::AppError;
use masthead_app::narration::Voice;
use masthead_core::{NarrationSettings, ObjectId, Permission, PostType};
use masthead_storage::Pronunciation;
use serde::{Deserialize, Serialize};

use super::posts::internal;
use super::{SignedIn, forbidden, message, not_found, render};
use crate::AppState;

#[derive(Deserialize)]
pub struct StoryNarrationForm {
    #[serde(default)]
    action: String,
}

/// `POST /admin/posts/{id}/narration/`: `regenerate`, `opt_out` or `opt_in`.
pub async fn story_action(
    State(state): State<AppState>,
    SignedIn(staff): SignedIn,
    Path(id): Path<String>,
    Form(form): Form<StoryNarrationForm>,
) -> Response {
    let post = match ObjectId::parse(&id) {
        Ok(id) => match state.newsroom.db().post_by_id(&id).await {
            Ok(post) => post.filter(|p| p.post_type == PostType::Post),
            Err(e) => return internal(e),
        },
        Err(_) => None,
    };
    let Some(post) = post else { return not_found(&state, &staff).await };
    let (result, done) = match form.action.as_str() {
        "regenerate" => (state.newsroom.regenerate_narration(&staff.actor, &post.id).await, "narration-queued"),
        "opt_out" => (state.newsroom.set_narration_opt_out(&staff.actor, &post.id, true).await, "narration-off"),
        "opt_in" => (state.newsroom.set_narration_opt_out(&staff.actor, &post.id, false).await, "narration-on"),
        _ => (Err(AppError::invalid("action", "choose regenerate, opt out or opt in")), ""),
    };
    match result {
        Ok(()) => Redirect::to(&format!("/admin/posts/{}/?done={done}", post.id)).into_response(),
        Err(AppError::Forbidden(_)) => forbidden(&state, &staff, "change this story's narration").await,
        Err(AppError::Invalid { message: text, .. }) => {
            let back = format!("/admin/posts/{}/", post.id);
            message(
                &state,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(&staff),
                "Not narrated",
                &text,
                Some(super::LinkView { url: &back, label: "Back to the story" }),
            )
            .await
        }
        Err(e) => internal(e),
    }
}

#[derive(Default, Deserialize, Serialize)]
pub struct SettingsForm {
    #[serde(default)]
    enabled: Option<String>,
    #[serde(default)]
    disclosure_label: String,
    #[serde(default)]
    show_label: Option<String>,
    #[serde(default)]
    voice: String,
    #[serde(default)]
    speed: String,
}

impl SettingsForm {
    fn of(settings: &NarrationSettings) -> Self {
        Self {
            enabled: settings.enabled.then(|| "on".to_owned()),
            disclosure_label: settings.disclosure_label.clone(),
            show_label: settings.show_label.then(|| "on".to_owned()),
            voice: settings.voice.clone(),
            speed: format!("{}", settings.speed),
        }
    }
}

#[derive(Serialize)]
struct NarrationPage {
    form: SettingsForm,
    lexicon: Vec<Pronunciation>,
    /// The engine this instance narrates with, the step of the voice being installed, or why
    /// there is no engine.
    engine: Option<&'static str>,
    installing: Option<String>,
    unavailable: Option<String>,
    error: Option<String>,
    done: Option<&'static str>,
    /// What the "add" row holds after a refused entry.
    new_word: String,
    new_spoken: String,
}

#[derive(Default, Deserialize)]
pub struct DoneQuery {
    #[serde(default)]
    done: String,
}

async fn page(
    state: &AppState,
    staff: &super::Staff,
    status: StatusCode,
    form: Option<SettingsForm>,
    error: Option<String>,
    done: Option<&'static str>,
    new_entry: (String, String),
) -> Response {
    let db = state.newsroom.db();
    let settings = match db.narration_settings().await {
        Ok(settings) => settings,
        Err(e) => return internal(e),
    };
    let lexicon = match db.pronunciations().await {
        Ok(lexicon) => lexicon,
        Err(e) => return internal(e),
    };
    let (engine, installing, unavailable) = match state.newsroom.narrator().voice() {
        Voice::Ready(engine) => (Some(engine.name()), None, None),
        Voice::Installing(step) => (None, Some(step), None),
        Voice::Unavailable(why) => (None, None, Some(why)),
    };
    let view = NarrationPage {
        form: form.unwrap_or_else(|| SettingsForm::of(&settings)),
        lexicon,
        engine,
        installing,
        unavailable,
        error,
        done,
        new_word: new_entry.0,
        new_spoken: new_entry.1,
    };
    render(state, status, "narration.html", Some(staff), "narration", view).await
}

/// `GET /admin/narration/`: settings and the lexicon. Administrators only.
pub async fn narration_page(
    State(state): State<AppState>,
    SignedIn(staff): SignedIn,
    Query(query): Query<DoneQuery>,
) -> Response {
    if !staff.actor.may(Permission::ManageSettings) {
        return forbidden(&state, &staff, "change narration settings").await;
    }
    let done = match query.done.as_str() {
        "saved" => Some("Narration settings saved. Stories are narrated with them from now on."),
        "word-saved" => Some("Saved. The stories that say it are narrated again."),
        "word-deleted" => Some("Removed from the lexicon. The stories that say it are narrated again."),
        _ => None,
    };
    page(&state, &staff, StatusCode::OK, None, None, done, Default::default()).await
}

/// `POST /admin/narration/`: saves the settings.
pub async fn save_settings(
    State(state): State<AppState>,
    SignedIn(staff): SignedIn,
    Form(form): Form<SettingsForm>,
) -> Response {
    if !staff.actor.may(Permission::ManageSettings) {
        return forbidden(&state, &staff, "change narration settings").await;
    }
    let result = match form.speed.trim().parse::<f32>() {
        Ok(speed) => {
            let settings = NarrationSettings {
                enabled: form.enabled.is_some(),
                disclosure_label: form.disclosure_label.clone(),
                show_label: form.show_label.is_some(),
                voice: form.voice.clone(),
                speed,
            };
            state.newsroom.save_narration_settings(&staff.actor, &settings).await
        }
        Err(_) => Err(AppError::invalid("speed", "the speed is a number such as 1 or 1.1")),
    };
    match result {
        Ok(()) => Redirect::to("/admin/narration/?done=saved").into_response(),
        Err(AppError::Invalid { message: text, .. }) => {
            page(&state, &staff, StatusCode::UNPROCESSABLE_ENTITY, Some(form), Some(text), None, Default::default())
                .await
        }
        Err(AppError::Forbidden(_)) => forbidden(&state, &staff, "change narration settings").await,
        Err(e) => internal(e),
    }
}

#[derive(Deserialize)]
pub struct PronunciationForm {
    #[serde(default)]
    word: String,
    #[serde(default)]
    spoken: String,
}

/// `POST /admin/narration/lexicon/`: adds or changes an entry.
pub async fn save_pronunciation(
    State(state): State<AppState>,
    SignedIn(staff): SignedIn,
    Form(form): Form<PronunciationForm>,
) -> Response {
    match state.newsroom.save_pronunciation(&staff.actor, &form.word, &form.spoken).await {
        Ok(()) => Redirect::to("/admin/narration/?done=word-saved").into_response(),
        Err(AppError::Invalid { message: text, .. }) => {
            page(&state, &staff, StatusCode::UNPROCESSABLE_ENTITY, None, Some(text), None, (form.word, form.spoken))
                .await
        }
        Err(AppError::Forbidden(_)) => forbidden(&state, &staff, "edit the pronunciation lexicon").await,
        Err(e) => internal(e),
    }
}

/// `POST /admin/narration/lexicon/delete/`: removes an entry.
pub async fn delete_pronunciation(
    State(state): State<AppState>,
    SignedIn(staff): SignedIn,
    Form(form): Form<PronunciationForm>,
) -> Response {
    match state.newsroom.delete_pronunciation(&staff.actor, &form.word).await {
        Ok(()) => Redirect::to("/admin/narration/?done=word-deleted").into_response(),
        Err(AppError::NotFound(_)) => not_found(&state, &staff).await,
        Err(AppError::Forbidden(_)) => forbidden(&state, &staff, "edit the pronunciation lexicon").await,
        Err(e) => internal(e),
    }
}
