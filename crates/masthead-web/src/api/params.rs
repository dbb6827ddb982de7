//! Query parameters of Ghost's APIs: `include`, `fields`, `formats`, `filter`, `limit`, `page`,
//! `order`, and the content `key`. Parsed from the raw query so a repeated parameter is seen
//! (Ghost refuses a repeated `key`) and a bad value gets Ghost's error rather than a generic one.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use masthead_core::nql;
use masthead_storage::PageRequest;

use super::ApiError;

/// The default page size of a browse, as in Ghost.
pub const DEFAULT_LIMIT: u32 = 15;
/// Ghost 6 caps every page at 100 (`limit=all` included).
pub const MAX_LIMIT: u32 = 100;

/// The request's query string as ordered pairs, and the path it was sent to (for Ghost's error
/// messages, which name what could not be listed or read).
#[derive(Clone, Debug, Default)]
pub struct Query(pub Vec<(String, String)>, pub String);

impl<S: Send + Sync> FromRequestParts<S> for Query {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let raw = parts.uri.query().unwrap_or("");
        serde_urlencoded::from_str::<Vec<(String, String)>>(raw)
            .map(|pairs| Query(pairs, parts.uri.path().to_owned()))
            .map_err(|_| ApiError::bad_request("The query string could not be read."))
    }
}

impl Query {
    /// What the request does, as Ghost's messages say it: `list posts`, `read post`.
    pub fn action(&self) -> String {
        let rest = self.1.trim_start_matches("/ghost/api/");
        let mut segments = rest.split('/').filter(|s| !s.is_empty()).skip(1);
        let resource = segments.next().unwrap_or("resources");
        if segments.next().is_some() {
            format!("read {}", resource.strip_suffix('s').unwrap_or(resource))
        } else {
            format!("list {resource}")
        }
    }

    /// Every value given for `name`.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0.iter().filter(|(k, _)| k == name).map(|(_, v)| v.as_str()).collect()
    }

    /// The one value of `name`; a repeated parameter is refused.
    pub fn one(&self, name: &str) -> Result<Option<&str>, ApiError> {
        match self.all(name).as_slice() {
            [] => Ok(None),
            [value] => Ok(Some(value)),
            _ => Err(ApiError::bad_request("Invalid Request")
                .with_context(format!("The parameter '{name}' was given more than once."))
                .with_code("INVALID_REQUEST")),
        }
    }

    /// A comma list (`include=authors,tags`), lower-cased and trimmed; repeated parameters add up.
    pub fn list(&self, name: &str) -> Vec<String> {
        self.all(name)
            .iter()
            .flat_map(|v| v.split(','))
            .map(|v| v.trim().to_ascii_lowercase())
            .filter(|v| !v.is_empty())
            .collect()
    }
}

/// What a browse or read asks for beyond the resource itself.
#[derive(Clone, Debug)]
pub struct BrowseParams {
    pub include: Vec<String>,
    pub fields: Vec<String>,
    pub formats: Vec<String>,
    pub filter: Option<nql::Filter>,
    pub order: Option<String>,
    pub page: PageRequest,
    /// What the request does, for Ghost's error messages (`list posts`).
    pub action: String,
}

impl BrowseParams {
    /// Reads the parameters. As Ghost does, includes and formats the resource does not offer
    /// are ignored, not refused; but asking only for formats it does not offer gives none of its
    /// formats, not the default ones (`formats=mobiledoc` on the Content API: no `html`).
    pub fn parse(query: &Query, includes: &[&str], formats: &[&str]) -> Result<Self, ApiError> {
        let include: Vec<String> =
            query.list("include").into_iter().filter(|i| includes.contains(&i.as_str())).collect();
        let asked_formats = query.list("formats");
        let mut requested_formats: Vec<String> =
            asked_formats.iter().filter(|f| formats.contains(&f.as_str())).cloned().collect();
        if requested_formats.is_empty() && !asked_formats.is_empty() {
            requested_formats.push(NO_FORMAT.to_owned());
        }
        let filter = match query.one("filter")?.map(str::trim).filter(|f| !f.is_empty()) {
            // Ghost's message; the context says where the filter went wrong (Ghost's says only
            // "Error parsing filter").
            Some(text) => Some(nql::parse(text).map_err(|e| {
                ApiError::bad_request(format!("Request not understood error, cannot {}.", query.action()))
                    .with_context(e.to_string())
            })?),
            None => None,
        };
        // Ghost 6: `all`, anything not a number and anything above 100 mean 100; 0 means the
        // default; a negative number is refused.
        let limit = match query.one("limit")?.map(str::trim) {
            None | Some("") => DEFAULT_LIMIT,
            Some(text) => match text.parse::<i64>() {
                Ok(0) => DEFAULT_LIMIT,
                Ok(n) if n < 0 => return Err(invalid_parameter(query, "limit")),
                Ok(n) => u32::try_from(n).map_or(MAX_LIMIT, |n| n.min(MAX_LIMIT)),
                Err(_) => MAX_LIMIT,
            },
        };
        // `page=0` is the first page; a negative or non-numeric page is refused.
        let page = match query.one("page")?.map(str::trim) {
            None | Some("") => 1,
            Some(text) => match text.parse::<u32>() {
                Ok(n) => n.max(1),
                Err(_) => return Err(invalid_parameter(query, "page")),
            },
        };
        let order = query.one("order")?.map(str::trim).filter(|o| !o.is_empty()).map(str::to_owned);
        Ok(Self {
            include,
            fields: query.list("fields"),
            formats: requested_formats,
            filter,
            order,
            page: PageRequest::new(page, limit),
            action: query.action(),
        })
    }

    /// A storage error of this request as the API answers it: a filter or order naming what
    /// cannot be filtered or ordered by is Ghost's 400, its context saying what was wrong.
    pub fn refused(&self, error: masthead_storage::StorageError) -> ApiError {
        match error {
            masthead_storage::StorageError::Filter(error) => {
                ApiError::bad_request(format!("Request not understood error, cannot {}.", self.action))
                    .with_context(error.to_string())
            }
            other => other.into(),
        }
    }

    pub fn includes(&self, what: &str) -> bool {
        self.include.iter().any(|i| i == what)
    }
}

/// The format asked for when only formats the resource does not offer were: none of its own.
const NO_FORMAT: &str = "none";

/// Ghost's answer to a `limit` or `page` it cannot use.
fn invalid_parameter(query: &Query, name: &str) -> ApiError {
    ApiError::validation(format!("Validation error, cannot {}.", query.action()))
        .with_context(format!("Validation (matches) failed for {name} undefined.{name}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(pairs: &[(&str, &str)]) -> Query {
        Query(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(), "/ghost/api/content/posts/".into())
    }

    #[test]
    fn limits_follow_ghost_6() {
        let p = |l: &str| BrowseParams::parse(&query(&[("limit", l)]), &[], &[]).map(|b| b.page.limit);
        assert_eq!(p("all").ok(), Some(100));
        assert_eq!(p("500").ok(), Some(100));
        assert_eq!(p("101").ok(), Some(100));
        assert_eq!(p("ten").ok(), Some(100), "not a number: Ghost's maximum");
        assert_eq!(p("0").ok(), Some(15), "zero: Ghost's default");
        assert_eq!(p("7").ok(), Some(7));
        assert_eq!(p("-1").map_err(|e| e.status.as_u16()).err(), Some(422));
        assert_eq!(BrowseParams::parse(&query(&[]), &[], &[]).map(|b| b.page.limit).ok(), Some(15));
    }

    #[test]
    fn pages_follow_ghost_6() {
        let p = |n: &str| BrowseParams::parse(&query(&[("page", n)]), &[], &[]).map(|b| b.page.page);
        assert_eq!(p("0").ok(), Some(1));
        assert_eq!(p("3").ok(), Some(3));
        assert_eq!(p("-1").map_err(|e| e.status.as_u16()).err(), Some(422));
        assert_eq!(p("abc").map_err(|e| e.status.as_u16()).err(), Some(422));
    }

    #[test]
    fn unknown_includes_and_formats_are_ignored() -> Result<(), ApiError> {
        let params = BrowseParams::parse(
            &query(&[("include", "authors,secrets"), ("formats", "html,mobiledoc")]),
            &["authors"],
            &["html", "plaintext"],
        )?;
        assert_eq!(params.include, ["authors"]);
        assert_eq!(params.formats, ["html"]);
        Ok(())
    }

    #[test]
    fn a_malformed_filter_is_a_bad_request() {
        let err = BrowseParams::parse(&query(&[("filter", "tag:(")]), &[], &[]).expect_err("refused");
        assert_eq!((err.status.as_u16(), err.kind), (400, "BadRequestError"));
    }

    #[test]
    fn a_repeated_parameter_is_refused() {
        let err = query(&[("key", "a"), ("key", "b")]).one("key").expect_err("refused");
        assert_eq!(err.code, Some("INVALID_REQUEST"));
    }
}
