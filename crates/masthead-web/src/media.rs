//! Uploaded and generated images under `/content/images/`. A resized variant that does not
//! exist (an image narrower than the variant, or imported without variants) falls back to the
//! original, so `srcset` URLs never break.

use std::path::{Component, Path, PathBuf};

use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use crate::{AppState, WebError};

fn content_type(path: &Path) -> Option<&'static str> {
    match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
        "jpg" | "jpeg" => Some("image/jpeg"),
        "png" => Some("image/png"),
        "webp" => Some("image/webp"),
        "gif" => Some("image/gif"),
        "avif" => Some("image/avif"),
        _ => None,
    }
}

/// Only plain relative paths; nothing that could leave the media directory.
fn safe_path(path: &str) -> Option<PathBuf> {
    let path = Path::new(path);
    path.components().all(|c| matches!(c, Component::Normal(_))).then(|| path.to_owned())
}

pub async fn serve_image(State(state): State<AppState>, UrlPath(path): UrlPath<String>) -> Result<Response, WebError> {
    let relative = safe_path(&path).ok_or(WebError::NotFound)?;
    let by_name = content_type(&relative).ok_or(WebError::NotFound)?;
    // `size/w960/format/webp/2026/11/a.jpg` -> its WebP variant, else the JPEG variant, else the
    // original; `size/w960/2026/11/a.jpg` -> the variant, else the original.
    let parts: Vec<&str> = path.split('/').collect();
    let candidates: Vec<(String, Option<&'static str>)> = match parts.as_slice() {
        ["size", width, "format", "webp", rest @ ..] if width.starts_with('w') && !rest.is_empty() => {
            let rest = rest.join("/");
            vec![(path.clone(), Some("image/webp")), (format!("size/{width}/{rest}"), None), (rest, None)]
        }
        ["size", width, rest @ ..] if width.starts_with('w') && !rest.is_empty() => {
            vec![(path.clone(), None), (rest.join("/"), None)]
        }
        _ => vec![(path.clone(), None)],
    };
    for (key, content_type) in candidates {
        let found =
            state.newsroom.media_file(&format!("images/{key}")).await.map_err(|e| WebError::Internal(e.to_string()))?;
        if let Some(bytes) = found {
            return Ok((
                [
                    (header::CONTENT_TYPE, HeaderValue::from_static(content_type.unwrap_or(by_name))),
                    (header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=31536000, immutable")),
                ],
                bytes,
            )
                .into_response());
        }
    }
    Err(WebError::NotFound)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traversal_is_refused() {
        assert!(safe_path("2026/11/a.jpg").is_some());
        assert!(safe_path("../secret").is_none());
        assert!(safe_path("/etc/passwd").is_none());
        assert!(safe_path("a/../../b").is_none());
    }
}
