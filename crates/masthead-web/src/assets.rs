//! Theme assets (CSS, icons) at fingerprinted URLs: compressed once at start, cached by browsers
//! and CDNs for a year, since a change to a file changes its URL.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use masthead_render::Theme;

use crate::AppState;
use crate::encoded::EncodedBody;

pub struct AssetStore {
    files: HashMap<String, (HeaderValue, EncodedBody)>,
}

const IMMUTABLE: HeaderValue = HeaderValue::from_static("public, max-age=31536000, immutable");

impl AssetStore {
    pub fn new(theme: &Theme) -> Self {
        let files = theme
            .assets()
            .map(|(url, asset)| {
                let compressible = asset.content_type.starts_with("text/") || asset.content_type.contains("svg");
                let body = EncodedBody::new(Bytes::copy_from_slice(&asset.bytes), compressible);
                (url.clone(), (HeaderValue::from_static(asset.content_type), body))
            })
            .collect();
        Self { files }
    }
}

pub async fn serve_asset(State(state): State<AppState>, uri: Uri, headers: HeaderMap) -> Response {
    match state.assets.files.get(uri.path()) {
        Some((content_type, body)) => body.respond(&headers, StatusCode::OK, content_type, &IMMUTABLE),
        None => crate::WebError::NotFound.into_response(),
    }
}
