//! The whole site as Ghost's JSON export: `GET /db/` downloads it, `POST /db/` imports one.

use axum::extract::{Multipart, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use masthead_core::Permission;
use serde_json::{Value, json};

use super::{AdminCaller, CACHE_CONTROL, require};
use crate::AppState;
use crate::api::{ApiError, json_response};

/// `GET /db/`: the site as a Ghost JSON export (no passwords, no members), as a download.
pub async fn export_db(State(state): State<AppState>, caller: AdminCaller) -> Response {
    let result = async {
        require(&caller.actor, Permission::ManageSettings, "export the site")?;
        Ok::<_, ApiError>(state.newsroom.export_ghost(&state.site_url).await?)
    }
    .await;
    match result {
        Ok(body) => {
            let date = masthead_core::now().date();
            let disposition = format!("attachment; filename=\"masthead.ghost.{date}.json\"");
            let mut response = json_response(&HeaderMap::new(), &body, CACHE_CONTROL);
            if let Ok(value) = HeaderValue::from_str(&disposition) {
                response.headers_mut().insert(header::CONTENT_DISPOSITION, value);
            }
            response
        }
        Err(e) => e.into_response(),
    }
}

/// `POST /db/` with multipart `importfile`: imports a Ghost JSON export and answers Ghost's
/// `{db: [], problems: [...]}` with our report beside it.
pub async fn import_db(State(state): State<AppState>, caller: AdminCaller, mut multipart: Multipart) -> Response {
    let result = async {
        require(&caller.actor, Permission::ManageSettings, "import content")?;
        let mut file = None;
        while let Some(field) = multipart
            .next_field()
            .await
            .map_err(|e| ApiError::bad_request(format!("The upload could not be read: {e}")))?
        {
            if matches!(field.name(), Some("importfile" | "file")) {
                file = Some(
                    field
                        .bytes()
                        .await
                        .map_err(|e| ApiError::bad_request(format!("The upload could not be read: {e}")))?,
                );
            }
        }
        let file = file.ok_or_else(|| {
            ApiError::validation("Please select a Ghost JSON export to import.").with_property("importfile")
        })?;
        let report = state.newsroom.import_ghost(&file, |_, _| {}).await.map_err(|e| match e {
            masthead_app::ghost::import::ImportError::Stopped(inner) => ApiError::from(inner),
            other => ApiError::validation(other.to_string()).with_property("importfile"),
        })?;
        let problems: Vec<Value> = report
            .problems()
            .map(|p| json!({ "message": p.reason, "context": p.to_string(), "help": p.table }))
            .collect();
        Ok::<_, ApiError>(json!({ "db": [], "problems": problems, "report": report }))
    }
    .await;
    match result {
        Ok(body) => json_response(&HeaderMap::new(), &body, CACHE_CONTROL),
        Err(e) => e.into_response(),
    }
}
