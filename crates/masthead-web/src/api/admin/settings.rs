//! The site (`/site/`, public) and its settings (`/settings/`, administrators).

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use masthead_core::Permission;
use serde_json::{Value, json};

use super::{AdminCaller, ok, require};
use crate::AppState;
use crate::api::ApiError;
use masthead_app::ghost::api_json as output;

pub async fn read_settings(State(state): State<AppState>, caller: AdminCaller, headers: HeaderMap) -> Response {
    let result = async {
        require(&caller.actor, Permission::ManageSettings, "read the settings")?;
        let settings = state.newsroom.db().site_settings().await?;
        let Value::Object(object) = output::settings(&state.site_url, &settings) else {
            return Err(ApiError::internal());
        };
        let list: Vec<Value> = object.into_iter().map(|(key, value)| json!({ "key": key, "value": value })).collect();
        Ok(json!({ "settings": list, "meta": { "filters": {} } }))
    }
    .await;
    ok(&headers, result)
}

/// `GET /site/`: public, no key needed (Ghost's clients call it to discover a site).
pub async fn read_site(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let result = async {
        let settings = state.newsroom.db().site_settings().await?;
        Ok(json!({ "site": {
            "title": settings.title,
            "description": settings.description,
            "logo": settings.logo,
            "icon": settings.icon,
            "accent_color": settings.accent_color,
            "locale": settings.locale,
            "url": format!("{}/", state.site_url),
            "version": crate::api::API_VERSION.trim_start_matches('v'),
        }}))
    }
    .await;
    ok(&headers, result)
}
