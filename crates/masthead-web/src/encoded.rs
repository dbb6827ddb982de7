//! Response bodies prepared once and served many times: the identity bytes plus gzip and
//! Brotli versions (each made the first time a client asks for it), and an ETag per
//! representation.

use std::io::Write;
use std::sync::OnceLock;

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// Bodies smaller than this are not worth compressing.
const MIN_COMPRESS: usize = 512;

#[derive(Clone, Debug)]
pub struct EncodedBody {
    pub identity: Bytes,
    /// Whether the body is worth compressing (a compressible type, large enough).
    compressible: bool,
    /// The gzip and Brotli versions, each made when a client first asks for it: most clients
    /// accept Brotli, so the gzip version of most pages is never made, and an answer is not
    /// kept waiting for a compression nobody asked for.
    gzip: OnceLock<Option<Bytes>>,
    brotli: OnceLock<Option<Bytes>>,
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
        let compressible = compressible && identity.len() >= MIN_COMPRESS;
        Self { identity, compressible, gzip: OnceLock::new(), brotli: OnceLock::new(), etags }
    }

    /// The body in `encoding`, compressed on first use; `None` if it cannot be had that way.
    fn encoded(&self, encoding: Encoding) -> Option<Bytes> {
        match encoding {
            Encoding::Identity => Some(self.identity.clone()),
            _ if !self.compressible => None,
            Encoding::Gzip => self.gzip.get_or_init(|| gzip(&self.identity)).clone(),
            Encoding::Brotli => self.brotli.get_or_init(|| brotli(&self.identity)).clone(),
        }
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
        let (encoding, body) = [(Encoding::Brotli, "br"), (Encoding::Gzip, "gzip")]
            .into_iter()
            .filter(|(_, name)| accepts(accepted, name))
            .find_map(|(encoding, _)| self.encoded(encoding).map(|body| (encoding, body)))
            .unwrap_or((Encoding::Identity, self.identity.clone()));
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

    /// The bytes this body may come to hold: the identity bytes, and for a compressible body
    /// half as much again for its compressed versions (they are made later, on demand, and the
    /// page cache needs a weight that does not change).
    pub fn len(&self) -> usize {
        self.identity.len() + if self.compressible { self.identity.len() / 2 } else { 0 }
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
