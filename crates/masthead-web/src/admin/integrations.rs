//! Integrations in the newsroom: create one, see its Content and Admin API keys and webhooks,
//! rename it, regenerate a key, delete it. Administrators and the owner only.

use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use masthead_app::integrations::KeyKind;
use masthead_core::Permission;
use serde::{Deserialize, Serialize};

use super::{SignedIn, Staff, forbidden, message, not_found, render};
use crate::AppState;
use crate::admin::posts::internal;

#[derive(Serialize)]
struct WebhookRow {
    event: String,
    target_url: String,
    last: String,
}

#[derive(Serialize)]
struct IntegrationRow {
    id: String,
    name: String,
    description: String,
    content_key: String,
    admin_key: String,
    webhooks: Vec<WebhookRow>,
}

#[derive(Serialize)]
struct Integrations {
    integrations: Vec<IntegrationRow>,
    content_api_url: String,
    admin_api_url: String,
}

async fn allowed(state: &AppState, staff: &Staff) -> Option<Response> {
    if staff.actor.may(Permission::ManageIntegrations) {
        None
    } else {
        Some(forbidden(state, staff, "manage integrations").await)
    }
}

pub async fn integrations_page(State(state): State<AppState>, SignedIn(staff): SignedIn) -> Response {
    if let Some(refused) = allowed(&state, &staff).await {
        return refused;
    }
    let list = match state.newsroom.integrations().await {
        Ok(list) => list,
        Err(e) => return internal(e),
    };
    let mut rows = Vec::new();
    for integration in list {
        let hooks = match state.newsroom.db().webhooks_of(&integration.record.id).await {
            Ok(hooks) => hooks,
            Err(e) => return internal(e),
        };
        rows.push(IntegrationRow {
            id: integration.record.id,
            name: integration.record.name,
            description: integration.record.description.unwrap_or_default(),
            content_key: integration.content_key.unwrap_or_default(),
            admin_key: integration.admin_key.unwrap_or_default(),
            webhooks: hooks
                .into_iter()
                .map(|h| WebhookRow {
                    event: h.event,
                    target_url: h.target_url,
                    last: match (h.last_triggered_status, h.last_triggered_error) {
                        (Some(status), Some(error)) => format!("{status}: {error}"),
                        (Some(status), None) => status,
                        _ => "not yet triggered".into(),
                    },
                })
                .collect(),
        });
    }
    let content = Integrations {
        integrations: rows,
        content_api_url: format!("{}/ghost/api/content/", state.site_url),
        admin_api_url: format!("{}/ghost/api/admin/", state.site_url),
    };
    render(&state, StatusCode::OK, "integrations.html", Some(&staff), "integrations", content).await
}

#[derive(Deserialize)]
pub struct IntegrationForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    description: String,
}

async fn refused(state: &AppState, staff: &Staff, error: masthead_app::AppError) -> Response {
    let (status, text) = match &error {
        masthead_app::AppError::Invalid { .. } => (StatusCode::UNPROCESSABLE_ENTITY, error.to_string()),
        masthead_app::AppError::NotFound(_) => return not_found(state, staff).await,
        _ => return internal(error),
    };
    let back = super::LinkView { url: "/admin/integrations/", label: "Back to integrations" };
    message(state, status, Some(staff), "Integration not saved", &text, Some(back)).await
}

pub async fn create_integration(
    State(state): State<AppState>,
    SignedIn(staff): SignedIn,
    Form(form): Form<IntegrationForm>,
) -> Response {
    if let Some(refused) = allowed(&state, &staff).await {
        return refused;
    }
    match state.newsroom.add_integration(&form.name, Some(&form.description)).await {
        Ok(integration) => Redirect::to(&format!("/admin/integrations/#i-{}", integration.record.id)).into_response(),
        Err(e) => refused(&state, &staff, e).await,
    }
}

pub async fn rename_integration(
    State(state): State<AppState>,
    SignedIn(staff): SignedIn,
    Path(id): Path<String>,
    Form(form): Form<IntegrationForm>,
) -> Response {
    if let Some(refused) = allowed(&state, &staff).await {
        return refused;
    }
    match state.newsroom.rename_integration(&id, &form.name, Some(&form.description)).await {
        Ok(_) => Redirect::to(&format!("/admin/integrations/#i-{id}")).into_response(),
        Err(e) => refused(&state, &staff, e).await,
    }
}

#[derive(Deserialize)]
pub struct RegenerateForm {
    kind: String,
}

pub async fn regenerate_key(
    State(state): State<AppState>,
    SignedIn(staff): SignedIn,
    Path(id): Path<String>,
    Form(form): Form<RegenerateForm>,
) -> Response {
    if let Some(refused) = allowed(&state, &staff).await {
        return refused;
    }
    let Some(kind) = KeyKind::parse(&form.kind) else {
        return refused(&state, &staff, masthead_app::AppError::invalid("kind", "choose the content or admin key"))
            .await;
    };
    match state.newsroom.regenerate_key(&id, kind).await {
        Ok(_) => Redirect::to(&format!("/admin/integrations/#i-{id}")).into_response(),
        Err(e) => refused(&state, &staff, e).await,
    }
}

pub async fn delete_integration(
    State(state): State<AppState>,
    SignedIn(staff): SignedIn,
    Path(id): Path<String>,
) -> Response {
    if let Some(refused) = allowed(&state, &staff).await {
        return refused;
    }
    match state.newsroom.delete_integration(&id).await {
        Ok(()) => Redirect::to("/admin/integrations/").into_response(),
        Err(e) => refused(&state, &staff, e).await,
    }
}
