//! `POST /images/upload/`: multipart `file` (and optional `purpose`, `ref`), answered with
//! `{images: [{url, ref}]}`.

use axum::extract::{Multipart, State};
use axum::response::Response;
use serde_json::json;

use super::{AdminCaller, created};
use crate::AppState;
use crate::api::ApiError;

pub async fn upload_image(State(state): State<AppState>, caller: AdminCaller, mut multipart: Multipart) -> Response {
    let result = async {
        let mut file = None;
        let mut reference = None;
        while let Some(field) = multipart
            .next_field()
            .await
            .map_err(|e| ApiError::bad_request(format!("The upload could not be read: {e}")))?
        {
            match field.name() {
                Some("file") => {
                    let name = field.file_name().unwrap_or("image").to_owned();
                    let bytes = field
                        .bytes()
                        .await
                        .map_err(|e| ApiError::bad_request(format!("The upload could not be read: {e}")))?;
                    file = Some((name, bytes));
                }
                Some("ref") => reference = field.text().await.ok(),
                _ => {}
            }
        }
        let (name, bytes) = file.ok_or_else(|| {
            ApiError::validation("Please select an image.")
                .with_context("The multipart field 'file' is missing.")
                .with_property("file")
        })?;
        let url = state.newsroom.store_image(&caller.actor, &name, bytes).await.map_err(|e| match e {
            masthead_app::AppError::Invalid { message, .. } => ApiError::validation(message)
                .with_context("Supported images: JPEG, PNG, GIF and WebP.")
                .with_property("file"),
            other => ApiError::from(other),
        })?;
        Ok(json!({ "images": [{ "url": url, "ref": reference }] }))
    }
    .await;
    created(result)
}
