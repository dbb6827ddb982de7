//! Response bodies prepared once and served many times: the identity bytes plus gzip and
//! Brotli versions, and an ETag per representation.

use std::io::Write;

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// Bodies smaller than this are not worth compressing.
const MIN_COMPRESS: usize = 512;

#[derive(Clone, Debug)]
pub struct EncodedBody {
    pub identity: Bytes,
    pub gzip: Option<Bytes>,
    pub brotli: Option<Bytes>,
    /// ETags of the identity, gzip and Brotli representations, computed once.
    etags: [HeaderValue; 3],
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Encoding {
    Identity,
    Gzip,
    Brotli,
}

impl EncodedBody {
    pub fn new(identity: Bytes, compressible: bool) -> Self {
        Self::tagged(identity, compressible, "")
    }

    /// A body with weak entity tags (`W/"…"`), as Ghost's APIs send: the same content, not a
    /// promise of the same bytes.
    pub fn weak(identity: Bytes, compressible: bool) -> Self {
        Self::tagged(identity, compressible, "W/")
    }

    fn tagged(identity: Bytes, compressible: bool, weakness: &str) -> Self {
        let hash = format!("{:016x}", xxhash_rust::xxh3::xxh3_64(&identity));
        let etag = |suffix: &str| {
            HeaderValue::from_str(&format!("{weakness}\"{hash}{suffix}\"")).unwrap_or(HeaderValue::from_static("\"0\""))
        };
        let etags = [etag(""), etag("-gz"), etag("-br")];
        let (gzip, brotli) = if compressible && identity.len() >= MIN_COMPRESS {
            (gzip(&identity), brotli(&identity))
        } else {
            (None, None)
        };
        Self { identity, gzip, brotli, etags }
    }

    fn etag(&self, encoding: Encoding) -> &HeaderValue {
        match encoding {
            Encoding::Identity => &self.etags[0],
            Encoding::Gzip => &self.etags[1],
            Encoding::Brotli => &self.etags[2],
        }
    }

    /// Builds the response for a request: the best encoding it accepts, or 304 when its
    /// `If-None-Match` already names this representation.
    pub fn respond(
        &self,
        request: &HeaderMap,
        status: StatusCode,
        content_type: &HeaderValue,
        cache_control: &HeaderValue,
    ) -> Response {
        let accepted = request.get(header::ACCEPT_ENCODING).and_then(|v| v.to_str().ok()).unwrap_or("");
        let (encoding, body) = match (&self.brotli, &self.gzip) {
            (Some(br), _) if accepts(accepted, "br") => (Encoding::Brotli, br.clone()),
            (_, Some(gz)) if accepts(accepted, "gzip") => (Encoding::Gzip, gz.clone()),
            _ => (Encoding::Identity, self.identity.clone()),
        };
        let etag = self.etag(encoding);
        // If-None-Match compares weakly (RFC 9110): `W/"x"` and `"x"` name the same content.
        let opaque = etag.to_str().unwrap_or("").trim_start_matches("W/");
        let not_modified = status == StatusCode::OK
            && request.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()).is_some_and(|list| {
                list.split(',').any(|tag| tag.trim().trim_start_matches("W/") == opaque || tag.trim() == "*")
            });
        let mut headers = HeaderMap::with_capacity(6);
        headers.insert(header::CACHE_CONTROL, cache_control.clone());
        headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
        headers.insert(header::ETAG, etag.clone());
        if not_modified {
            return (StatusCode::NOT_MODIFIED, headers).into_response();
        }
        headers.insert(header::CONTENT_TYPE, content_type.clone());
        match encoding {
            Encoding::Brotli => headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("br")),
            Encoding::Gzip => headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip")),
            Encoding::Identity => None,
        };
        (status, headers, body).into_response()
    }

    pub fn len(&self) -> usize {
        self.identity.len() + self.gzip.as_ref().map_or(0, Bytes::len) + self.brotli.as_ref().map_or(0, Bytes::len)
    }

    pub fn is_empty(&self) -> bool {
        self.identity.is_empty()
    }
}

/// Whether an `Accept-Encoding` value accepts `coding` (and does not give it `q=0`).
fn accepts(header: &str, coding: &str) -> bool {
    header.split(',').any(|item| {
        let mut parts = item.split(';');
        let name = parts.next().unwrap_or("").trim();
        let refused = parts.any(|p| {
            let p = p.trim();
            p.strip_prefix("q=").is_some_and(|q| q.trim().parse::<f32>().is_ok_and(|q| q <= 0.0))
        });
        name.eq_ignore_ascii_case(coding) && !refused
    })
}

fn gzip(data: &[u8]) -> Option<Bytes> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::with_capacity(data.len() / 3), flate2::Compression::new(6));
    encoder.write_all(data).ok()?;
    encoder.finish().ok().map(Bytes::from)
}

fn brotli(data: &[u8]) -> Option<Bytes> {
    let mut out = Vec::with_capacity(data.len() / 3);
    let params = brotli::enc::BrotliEncoderParams { quality: 7, lgwin: 20, ..Default::default() };
    brotli::BrotliCompress(&mut &data[..], &mut out, &params).ok()?;
    Some(Bytes::from(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_encoding_is_parsed_with_q_values() {
        assert!(accepts("gzip, deflate, br", "br"));
        assert!(accepts("gzip;q=1.0, br;q=0.5", "br"));
        assert!(!accepts("gzip, br;q=0", "br"));
        assert!(!accepts("gzip", "br"));
    }
}
