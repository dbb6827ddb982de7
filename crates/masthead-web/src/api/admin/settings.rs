//! The site (`/site/`, public) and its settings (`/settings/`, administrators).

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use masthead_core::Permission;
use serde_json::json;

use super::{AdminCaller, ok, require};
use crate::AppState;
use masthead_app::ghost::api_json as output;

pub async fn read_settings(State(state): State<AppState>, caller: AdminCaller, headers: HeaderMap) -> Response {
    let result = async {
        require(&caller.actor, Permission::ManageSettings, "read the settings")?;
        let db = state.newsroom.db();
        let (settings, site_uuid) = (db.site_settings().await?, db.site_uuid().await?);
        let email_address = state.newsroom.mailer.from().email.to_string();
        let facts = output::SiteFacts { site_uuid: site_uuid.as_deref(), email_address: &email_address };
        let list = output::admin_settings(&state.site_url, &settings, &facts);
        Ok(json!({ "settings": list, "meta": {} }))
    }
    .await;
    ok(&headers, result)
}

/// `GET /site/`: public, no key needed (Ghost's clients call it to discover a site).
pub async fn read_site(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let result = async {
        let db = state.newsroom.db();
        let (settings, site_uuid) = (db.site_settings().await?, db.site_uuid().await?);
        Ok(json!({ "site": output::site(&state.site_url, &settings, site_uuid.as_deref()) }))
    }
    .await;
    ok(&headers, result)
}
