//! Guest contributors: bylines for people without accounts (op-ed writers, stringers, partner
//! outlets). Editors and above add, edit and delete them; the rules live in
//! `masthead_app::newsroom::guests`.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use masthead_app::AppError;
use masthead_app::newsroom::guests::GuestInput;
use masthead_core::{ObjectId, Permission, StaffUser};
use serde::{Deserialize, Serialize};

use super::manage::refused;
use super::posts::internal;
use super::{SignedIn, Staff, forbidden, not_found, render};
use crate::AppState;

/// The form's fields, as typed: what a refused form is shown again with.
#[derive(Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct GuestForm {
    name: String,
    slug: String,
    bio: String,
    profile_image: String,
    website: String,
    location: String,
    twitter: String,
    facebook: String,
}

impl GuestForm {
    fn of(guest: &StaffUser) -> Self {
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        Self {
            name: guest.name.clone(),
            slug: guest.slug.to_string(),
            bio: text(&guest.bio),
            profile_image: text(&guest.profile_image),
            website: text(&guest.website),
            location: text(&guest.location),
            twitter: text(&guest.twitter),
            facebook: text(&guest.facebook),
        }
    }

    fn input(&self) -> GuestInput {
        GuestInput {
            name: self.name.clone(),
            slug: self.slug.clone(),
            bio: self.bio.clone(),
            profile_image: self.profile_image.clone(),
            website: self.website.clone(),
            location: self.location.clone(),
            twitter: self.twitter.clone(),
            facebook: self.facebook.clone(),
        }
    }
}

#[derive(Serialize)]
struct GuestRow {
    id: String,
    name: String,
    slug: String,
    stories: i64,
}

#[derive(Serialize)]
struct GuestsPage {
    guests: Vec<GuestRow>,
    /// The add form: empty, or as typed when it was refused.
    form: GuestForm,
    error: Option<String>,
    error_field: Option<&'static str>,
}

#[derive(Serialize)]
struct GuestEditPage {
    id: String,
    slug: String,
    form: GuestForm,
    error: Option<String>,
    error_field: Option<&'static str>,
}

async fn list_page(
    state: &AppState,
    staff: &Staff,
    status: StatusCode,
    form: GuestForm,
    error: Option<(&'static str, String)>,
) -> Response {
    let guests = match state.newsroom.db().guests_with_story_counts().await {
        Ok(guests) => guests,
        Err(e) => return internal(e),
    };
    let guests = guests
        .into_iter()
        .map(|g| GuestRow {
            id: g.author.id.to_string(),
            name: g.author.name,
            slug: g.author.slug.to_string(),
            stories: g.post_count,
        })
        .collect();
    let (error_field, error) = error.map_or((None, None), |(field, message)| (Some(field), Some(message)));
    render(state, status, "guests.html", Some(staff), "guests", GuestsPage { guests, form, error, error_field }).await
}

pub async fn guests_page(State(state): State<AppState>, SignedIn(staff): SignedIn) -> Response {
    if !staff.actor.may(Permission::ManageWriters) {
        return forbidden(&state, &staff, "manage guest contributors").await;
    }
    list_page(&state, &staff, StatusCode::OK, GuestForm::default(), None).await
}

pub async fn add_guest(
    State(state): State<AppState>,
    SignedIn(staff): SignedIn,
    Form(form): Form<GuestForm>,
) -> Response {
    match state.newsroom.add_guest(&staff.actor, &form.input()).await {
        Ok(guest) => Redirect::to(&format!("/admin/guests/{}/", guest.id)).into_response(),
        Err(AppError::Invalid { field, message }) => {
            list_page(&state, &staff, StatusCode::UNPROCESSABLE_ENTITY, form, Some((field, message))).await
        }
        Err(error) => refused(&state, &staff, error, "/admin/guests/").await,
    }
}

async fn guest_of(state: &AppState, id: &str) -> Result<Option<StaffUser>, masthead_storage::StorageError> {
    let Ok(id) = ObjectId::parse(id) else { return Ok(None) };
    Ok(state.newsroom.db().user_by_id(&id).await?.filter(StaffUser::is_guest))
}

pub async fn edit_page(State(state): State<AppState>, SignedIn(staff): SignedIn, Path(id): Path<String>) -> Response {
    if !staff.actor.may(Permission::ManageWriters) {
        return forbidden(&state, &staff, "manage guest contributors").await;
    }
    match guest_of(&state, &id).await {
        Ok(Some(guest)) => {
            let page = GuestEditPage {
                id: guest.id.to_string(),
                slug: guest.slug.to_string(),
                form: GuestForm::of(&guest),
                error: None,
                error_field: None,
            };
            render(&state, StatusCode::OK, "guest.html", Some(&staff), "guests", page).await
        }
        Ok(None) => not_found(&state, &staff).await,
        Err(e) => internal(e),
    }
}

pub async fn edit_guest(
    State(state): State<AppState>,
    SignedIn(staff): SignedIn,
    Path(id): Path<String>,
    Form(form): Form<GuestForm>,
) -> Response {
    let Ok(guest_id) = ObjectId::parse(&id) else { return not_found(&state, &staff).await };
    match state.newsroom.edit_guest(&staff.actor, &guest_id, &form.input()).await {
        Ok(guest) => Redirect::to(&format!("/admin/guests/{}/", guest.id)).into_response(),
        Err(AppError::Invalid { field, message }) => {
            let slug = match guest_of(&state, &id).await {
                Ok(Some(guest)) => guest.slug.to_string(),
                Ok(None) => return not_found(&state, &staff).await,
                Err(e) => return internal(e),
            };
            let page = GuestEditPage { id, slug, form, error: Some(message), error_field: Some(field) };
            render(&state, StatusCode::UNPROCESSABLE_ENTITY, "guest.html", Some(&staff), "guests", page).await
        }
        Err(error) => refused(&state, &staff, error, &format!("/admin/guests/{id}/")).await,
    }
}

pub async fn delete_guest(
    State(state): State<AppState>,
    SignedIn(staff): SignedIn,
    Path(id): Path<String>,
) -> Response {
    let Ok(guest_id) = ObjectId::parse(&id) else { return not_found(&state, &staff).await };
    match state.newsroom.delete_guest(&staff.actor, &guest_id).await {
        Ok(()) => Redirect::to("/admin/guests/").into_response(),
        Err(error) => refused(&state, &staff, error, &format!("/admin/guests/{id}/")).await,
    }
}
