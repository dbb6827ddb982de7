//! Staff, tags, site settings and one's own sessions.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use masthead_app::AppError;
use masthead_core::{NavigationItem, ObjectId, Permission, Role, Timezone};
use serde::{Deserialize, Serialize};

use super::posts::internal;
use super::{SignedIn, Staff, forbidden, message, not_found, render};
use crate::AppState;

/// Maps a refused or invalid management action to the page that says so.
pub(super) async fn refused(state: &AppState, staff: &Staff, error: AppError, back: &str) -> Response {
    let link = Some(super::LinkView { url: back, label: "Back" });
    match error {
        AppError::Forbidden(text) => {
            message(state, StatusCode::FORBIDDEN, Some(staff), "Not allowed", &text, link).await
        }
        AppError::NotFound(_) => not_found(state, staff).await,
        AppError::Invalid { message: text, .. } | AppError::Conflict(text) => {
            message(state, StatusCode::UNPROCESSABLE_ENTITY, Some(staff), "Not saved", &text, link).await
        }
        other => internal(other),
    }
}

fn parse_id(id: &str) -> Option<ObjectId> {
    ObjectId::parse(id).ok()
}

#[derive(Serialize)]
struct StaffRow {
    id: String,
    name: String,
    email: String,
    role: String,
    role_value: String,
    status: String,
    manageable: bool,
    is_me: bool,
}

pub async fn staff_page(State(state): State<AppState>, SignedIn(staff): SignedIn) -> Response {
    if !staff.actor.may(Permission::ManageWriters) {
        return forbidden(&state, &staff, "manage staff").await;
    }
    let people = match state.newsroom.db().staff().await {
        Ok(people) => people,
        Err(e) => return internal(e),
    };
    #[derive(Serialize)]
    struct StaffPage {
        people: Vec<StaffRow>,
        roles: Vec<(String, String)>,
    }
    let rows = people
        .into_iter()
        .map(|p| StaffRow {
            manageable: p.role != Role::Owner && staff.actor.may_manage(p.role) && p.id != staff.user.id,
            is_me: p.id == staff.user.id,
            id: p.id.to_string(),
            name: p.name,
            email: p.email,
            role: p.role.label().to_owned(),
            role_value: p.role.as_str().to_owned(),
            status: p.status.as_str().to_owned(),
        })
        .collect();
    let roles =
        staff.actor.assignable_roles().into_iter().map(|r| (r.as_str().to_owned(), r.label().to_owned())).collect();
    render(&state, StatusCode::OK, "staff.html", Some(&staff), "staff", StaffPage { people: rows, roles }).await
}

#[derive(Deserialize)]
pub struct InviteForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    role: String,
}

pub async fn invite(
    State(state): State<AppState>,
    SignedIn(staff): SignedIn,
    Form(form): Form<InviteForm>,
) -> Response {
    let Some(role) = Role::parse(&form.role) else {
        return refused(&state, &staff, AppError::invalid("role", "choose a role"), "/admin/staff/").await;
    };
    match state.newsroom.invite_staff(&staff.actor, &form.name, &form.email, role, &state.site_url).await {
        Ok(_) => Redirect::to("/admin/staff/").into_response(),
        Err(error) => refused(&state, &staff, error, "/admin/staff/").await,
    }
}

#[derive(Deserialize)]
pub struct RoleForm {
    #[serde(default)]
    role: String,
}

pub async fn change_role(
    State(state): State<AppState>,
    SignedIn(staff): SignedIn,
    Path(id): Path<String>,
    Form(form): Form<RoleForm>,
) -> Response {
    let (Some(id), Some(role)) = (parse_id(&id), Role::parse(&form.role)) else {
        return not_found(&state, &staff).await;
    };
    match state.newsroom.change_role(&staff.actor, &id, role).await {
        Ok(_) => Redirect::to("/admin/staff/").into_response(),
        Err(error) => refused(&state, &staff, error, "/admin/staff/").await,
    }
}

pub async fn suspend(State(state): State<AppState>, SignedIn(staff): SignedIn, Path(id): Path<String>) -> Response {
    set_suspended(state, staff, id, true).await
}

pub async fn reinstate(State(state): State<AppState>, SignedIn(staff): SignedIn, Path(id): Path<String>) -> Response {
    set_suspended(state, staff, id, false).await
}

async fn set_suspended(state: AppState, staff: Staff, id: String, suspended: bool) -> Response {
    let Some(id) = parse_id(&id) else { return not_found(&state, &staff).await };
    match state.newsroom.set_suspended(&staff.actor, &id, suspended).await {
        Ok(()) => Redirect::to("/admin/staff/").into_response(),
        Err(error) => refused(&state, &staff, error, "/admin/staff/").await,
    }
}

pub async fn tags_page(State(state): State<AppState>, SignedIn(staff): SignedIn) -> Response {
    if !staff.actor.may(Permission::ManageTags) {
        return forbidden(&state, &staff, "manage tags").await;
    }
    #[derive(Serialize)]
    struct TagRow {
        id: String,
        name: String,
        slug: String,
        description: String,
        internal: bool,
        count: i64,
    }
    #[derive(Serialize)]
    struct Tags {
        tags: Vec<TagRow>,
    }
    match state.newsroom.db().tags_with_counts().await {
        Ok(tags) => {
            let tags = tags
                .into_iter()
                .map(|t| TagRow {
                    id: t.tag.id.to_string(),
                    internal: t.tag.visibility == masthead_core::TagVisibility::Internal,
                    name: t.tag.name,
                    slug: t.tag.slug.to_string(),
                    description: t.tag.description.unwrap_or_default(),
                    count: t.post_count,
                })
                .collect();
            render(&state, StatusCode::OK, "tags.html", Some(&staff), "tags", Tags { tags }).await
        }
        Err(e) => internal(e),
    }
}

#[derive(Deserialize)]
pub struct TagForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    description: String,
}

pub async fn edit_tag(
    State(state): State<AppState>,
    SignedIn(staff): SignedIn,
    Path(id): Path<String>,
    Form(form): Form<TagForm>,
) -> Response {
    let Some(id) = parse_id(&id) else { return not_found(&state, &staff).await };
    match state.newsroom.edit_tag(&staff.actor, &id, &form.name, &form.description).await {
        Ok(_) => Redirect::to("/admin/tags/").into_response(),
        Err(error) => refused(&state, &staff, error, "/admin/tags/").await,
    }
}

pub async fn delete_tag(State(state): State<AppState>, SignedIn(staff): SignedIn, Path(id): Path<String>) -> Response {
    let Some(id) = parse_id(&id) else { return not_found(&state, &staff).await };
    match state.newsroom.delete_tag(&staff.actor, &id).await {
        Ok(()) => Redirect::to("/admin/tags/").into_response(),
        Err(error) => refused(&state, &staff, error, "/admin/tags/").await,
    }
}

#[derive(Default, Deserialize, Serialize)]
#[serde(default)]
pub struct SettingsForm {
    title: String,
    description: String,
    timezone: String,
    accent_color: String,
    locale: String,
    navigation: String,
    secondary_navigation: String,
    twitter: String,
    /// Email domains refused at sign-up, one per line.
    blocked_email_domains: String,
    /// "on" when authors may post to the live feed (an unticked box sends nothing).
    feed_authors_may_post: Option<String>,
}

/// Domains from the settings textarea: one per line (or comma-separated), `@` and case dropped.
fn parse_domains(text: &str) -> Result<Vec<String>, AppError> {
    let mut domains = Vec::new();
    for raw in text.split(['\n', ',']).map(str::trim).filter(|d| !d.is_empty()) {
        let domain = raw.trim_start_matches('@').to_lowercase();
        let valid = domain.contains('.')
            && domain.split('.').all(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
        if !valid {
            return Err(AppError::invalid(
                "blocked_email_domains",
                format!("{raw:?} is not a domain such as example.com"),
            ));
        }
        if !domains.contains(&domain) {
            domains.push(domain);
        }
    }
    Ok(domains)
}

fn navigation_text(items: &[NavigationItem]) -> String {
    items.iter().map(|i| format!("{} | {}", i.label, i.url)).collect::<Vec<_>>().join("\n")
}

fn parse_navigation(text: &str) -> Result<Vec<NavigationItem>, AppError> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|line| {
            let (label, url) = line.split_once('|').ok_or_else(|| {
                AppError::invalid("navigation", format!("write each link as \"Label | /url\" (not {line:?})"))
            })?;
            let (label, url) = (label.trim(), url.trim());
            if label.is_empty() || masthead_core::check_link(url).is_err() {
                return Err(AppError::invalid(
                    "navigation",
                    format!("{line:?} needs a label and a /path or http(s) address"),
                ));
            }
            Ok(NavigationItem { label: label.to_owned(), url: url.to_owned() })
        })
        .collect()
}

pub async fn settings_page(State(state): State<AppState>, SignedIn(staff): SignedIn) -> Response {
    if !staff.actor.may(Permission::ManageSettings) {
        return forbidden(&state, &staff, "change site settings").await;
    }
    let settings = match state.newsroom.db().site_settings().await {
        Ok(settings) => settings,
        Err(e) => return internal(e),
    };
    let form = SettingsForm {
        title: settings.title.clone(),
        description: settings.description.clone(),
        timezone: settings.timezone.as_str().to_owned(),
        accent_color: settings.accent_color.clone(),
        locale: settings.locale.clone(),
        navigation: navigation_text(&settings.navigation),
        secondary_navigation: navigation_text(&settings.secondary_navigation),
        twitter: settings.twitter.clone().unwrap_or_default(),
        blocked_email_domains: settings.blocked_email_domains.join("\n"),
        feed_authors_may_post: settings.feed_authors_may_post.then(|| "on".to_owned()),
    };
    render(&state, StatusCode::OK, "settings.html", Some(&staff), "settings", SettingsView { form, error: None }).await
}

#[derive(Serialize)]
struct SettingsView {
    form: SettingsForm,
    error: Option<String>,
}

pub async fn save_settings(
    State(state): State<AppState>,
    SignedIn(staff): SignedIn,
    Form(form): Form<SettingsForm>,
) -> Response {
    if !staff.actor.may(Permission::ManageSettings) {
        return forbidden(&state, &staff, "change site settings").await;
    }
    let current = match state.newsroom.db().site_settings().await {
        Ok(settings) => settings,
        Err(e) => return internal(e),
    };
    let parsed = (|| -> Result<masthead_core::SiteSettings, AppError> {
        Ok(masthead_core::SiteSettings {
            title: form.title.trim().to_owned(),
            description: form.description.trim().to_owned(),
            timezone: Timezone::parse(form.timezone.trim())
                .map_err(|e| AppError::invalid("timezone", e.to_string()))?,
            accent_color: form.accent_color.trim().to_owned(),
            locale: if form.locale.trim().is_empty() { "en".to_owned() } else { form.locale.trim().to_owned() },
            navigation: parse_navigation(&form.navigation)?,
            secondary_navigation: parse_navigation(&form.secondary_navigation)?,
            twitter: Some(form.twitter.trim().to_owned()).filter(|t| !t.is_empty()),
            blocked_email_domains: parse_domains(&form.blocked_email_domains)?,
            feed_authors_may_post: form.feed_authors_may_post.is_some(),
            ..current
        })
    })();
    let result = match parsed {
        Ok(settings) => state.newsroom.save_settings(&staff.actor, &settings).await,
        Err(error) => Err(error),
    };
    match result {
        Ok(()) => Redirect::to("/admin/settings/").into_response(),
        Err(AppError::Invalid { message: text, .. }) => {
            render(
                &state,
                StatusCode::UNPROCESSABLE_ENTITY,
                "settings.html",
                Some(&staff),
                "settings",
                SettingsView { form, error: Some(text) },
            )
            .await
        }
        Err(error) => refused(&state, &staff, error, "/admin/settings/").await,
    }
}

pub async fn sessions_page(
    State(state): State<AppState>,
    SignedIn(staff): SignedIn,
    headers: axum::http::HeaderMap,
) -> Response {
    let current = super::session_token(&state, &headers).map(masthead_app::newsroom::staff::hash_token);
    let tz = super::posts::timezone(&state).await;
    let when = |t: time::OffsetDateTime| super::posts::local(&tz, Some(t), "%-d %b %Y, %H:%M");
    #[derive(Serialize)]
    struct SessionRow {
        id: String,
        started: String,
        last_seen: String,
        ip: String,
        agent: String,
        current: bool,
    }
    #[derive(Serialize)]
    struct Sessions {
        sessions: Vec<SessionRow>,
    }
    match state.newsroom.db().sessions_of(&staff.user.id).await {
        Ok(sessions) => {
            let sessions = sessions
                .into_iter()
                .map(|s| SessionRow {
                    current: Some(&s.id) == current.as_ref(),
                    started: when(s.created_at),
                    last_seen: when(s.last_seen_at),
                    ip: s.ip.unwrap_or_default(),
                    agent: s.user_agent.unwrap_or_default(),
                    id: s.id,
                })
                .collect();
            render(&state, StatusCode::OK, "sessions.html", Some(&staff), "sessions", Sessions { sessions }).await
        }
        Err(e) => internal(e),
    }
}

/// Signs out one of one's own sessions (a lost laptop, a shared computer).
pub async fn revoke_session(
    State(state): State<AppState>,
    SignedIn(staff): SignedIn,
    Path(id): Path<String>,
) -> Response {
    match state.newsroom.revoke_own_session(&staff.user.id, &id).await {
        Ok(()) => Redirect::to("/admin/sessions/").into_response(),
        Err(masthead_app::AppError::NotFound(_)) => not_found(&state, &staff).await,
        Err(e) => internal(e),
    }
}
