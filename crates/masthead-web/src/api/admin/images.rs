//! `POST /images/upload/`: multipart `file` (and optional `purpose`, `ref`), answered with
//! `{images: [{url, ref}]}`.

use axum::extract::{Multipart, State};
use axum::response::Response;
use masthead_core::Permission;
use serde_json::json;

use super::{AdminCaller, created, require};
use crate::AppState;
use crate::admin::posts::{UploadFailure, store_upload};
use crate::api::ApiError;

pub async fn upload_image(State(state): State<AppState>, caller: AdminCaller, mut multipart: Multipart) -> Response {
    let result = async {
        require(&caller.actor, Permission::WriteDrafts, "upload images")?;
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
        let url = store_upload(&state, &name, bytes).await.map_err(|e| match e {
            UploadFailure::Unreadable(message) => ApiError::validation(message)
                .with_context("Supported images: JPEG, PNG, GIF and WebP.")
                .with_property("file"),
            UploadFailure::Storage(message) => {
                tracing::error!(error = %message, "storing an uploaded image failed");
                ApiError::internal()
            }
        })?;
        Ok(json!({ "images": [{ "url": url, "ref": reference }] }))
    }
    .await;
    created(result)
}
