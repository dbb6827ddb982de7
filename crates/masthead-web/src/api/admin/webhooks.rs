//! Webhooks (`/webhooks/`): add, edit, delete, as Ghost's integrations manage them.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use masthead_app::integrations::webhooks::WebhookInput;
use masthead_storage::WebhookRecord;
use serde::Deserialize;
use serde_json::{Value, json};

use super::fields::Field;
use super::{AdminCaller, body, created, deleted, ok};
use crate::AppState;
use masthead_app::ghost::api_json as output;

/// A webhook as clients send it.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct WebhookFields {
    event: Field<String>,
    target_url: Field<String>,
    name: Field<String>,
    secret: Field<String>,
    api_version: Field<String>,
    integration_id: Field<String>,
}

impl WebhookFields {
    fn into_input(self, caller: &AdminCaller) -> WebhookInput {
        WebhookInput {
            event: self.event.value(),
            target_url: self.target_url.value(),
            name: self.name.update(),
            secret: self.secret.update(),
            api_version: self.api_version.value(),
            integration_id: self.integration_id.value().or_else(|| caller.integration.clone()),
        }
    }
}

fn webhook_value(webhook: &WebhookRecord) -> Value {
    json!({
        "id": webhook.id,
        "event": webhook.event,
        "target_url": webhook.target_url,
        "name": webhook.name,
        "secret": webhook.secret,
        "api_version": webhook.api_version,
        "integration_id": webhook.integration_id,
        "last_triggered_at": webhook.last_triggered_at.map(output::ghost_time),
        "last_triggered_status": webhook.last_triggered_status,
        "last_triggered_error": webhook.last_triggered_error,
        "created_at": output::ghost_time(webhook.created_at),
        "updated_at": output::ghost_time(webhook.updated_at),
    })
}

pub async fn add_webhook(State(state): State<AppState>, caller: AdminCaller, bytes: Bytes) -> Response {
    let result = async {
        let fields: WebhookFields = body(&bytes, "webhooks")?;
        let webhook = state.newsroom.add_webhook(&caller.actor, fields.into_input(&caller)).await?;
        Ok(json!({ "webhooks": [webhook_value(&webhook)] }))
    }
    .await;
    created(result)
}

pub async fn edit_webhook(
    State(state): State<AppState>,
    caller: AdminCaller,
    headers: HeaderMap,
    Path(id): Path<String>,
    bytes: Bytes,
) -> Response {
    let result = async {
        let fields: WebhookFields = body(&bytes, "webhooks")?;
        let webhook = state.newsroom.edit_webhook(&caller.actor, &id, fields.into_input(&caller)).await?;
        Ok(json!({ "webhooks": [webhook_value(&webhook)] }))
    }
    .await;
    ok(&headers, result)
}

pub async fn delete_webhook(State(state): State<AppState>, caller: AdminCaller, Path(id): Path<String>) -> Response {
    let result = async {
        state.newsroom.delete_webhook(&caller.actor, &id).await?;
        Ok(())
    }
    .await;
    deleted(result)
}
