//! The newsroom at `/admin/`: server-rendered screens, progressively enhanced by one small
//! script. Every route checks the signed-in staff member's role against the permission table in
//! `masthead-core`; state-changing requests must come from our own pages (Origin check).

pub mod auth;
pub mod campaigns;
pub mod feed;
pub mod guests;
pub mod history;
pub mod integrations;
pub mod manage;
pub mod member_detail;
pub mod member_emails;
pub mod member_overview;
pub mod members;
pub mod narration;
pub mod posts;
pub mod tiers;
pub mod transfer;

use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use masthead_core::{Actor, Permission, StaffUser};
use serde::Serialize;

use crate::AppState;
use crate::redirect::{is_under, site_path};

/// The staff session cookie on a plain-http site (a local trial, the browser tests).
pub const SESSION_COOKIE: &str = "masthead_session";
/// The staff session cookie on an https site. Browsers keep a `__Host-` cookie only if it is
/// Secure, has `Path=/` and no `Domain`, so neither a plain-http page nor a sibling subdomain can
/// plant or overwrite it (session fixation).
pub const SECURE_SESSION_COOKIE: &str = "__Host-masthead_session";

/// The session cookie's name for a site: the `__Host-` one on https.
pub fn session_cookie_name(site_url: &str) -> &'static str {
    if site_url.starts_with("https://") { SECURE_SESSION_COOKIE } else { SESSION_COOKIE }
}

/// The signed-in staff member, if any.
pub struct Staff {
    pub user: StaffUser,
    pub actor: Actor,
}

/// Reads the session cookie from request headers, by the name the site uses (on https, a cookie
/// without the `__Host-` prefix is not read). Only the shape of a token we issue (64 hex digits)
/// is returned, so anything else costs no database lookup.
pub fn session_token<'a>(state: &AppState, headers: &'a HeaderMap) -> Option<&'a str> {
    session_token_named(session_cookie_name(&state.site_url), headers)
}

fn session_token_named<'a>(name: &str, headers: &'a HeaderMap) -> Option<&'a str> {
    cookie(headers, name).filter(|token| token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The value of the cookie called `name`, if the request carries a non-empty one.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
        .filter(|value| !value.is_empty())
}

/// The staff member whose live session the request carries, if any.
pub(crate) async fn staff_session(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Option<Staff>, masthead_app::AppError> {
    let Some(token) = session_token(state, headers) else { return Ok(None) };
    let user = state.newsroom.session_user(token).await?;
    Ok(user.map(|user| Staff { actor: Actor { user_id: user.id.clone(), role: user.role }, user }))
}

/// The signed-in staff member, if any; nobody when the session cannot be read.
pub async fn current_staff(state: &AppState, headers: &HeaderMap) -> Option<Staff> {
    staff_session(state, headers).await.unwrap_or_else(|error| {
        tracing::error!(%error, "reading a staff session failed");
        None
    })
}

/// Extractor for pages that need a signed-in staff member; others are sent to sign in.
pub struct SignedIn(pub Staff);

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let staff = match staff_session(state, &parts.headers).await {
            Ok(staff) => staff,
            // Staff in the middle of their work are told to try again, not sent to sign in.
            Err(error) if error.is_unavailable() => return Err(crate::error::unavailable(&error)),
            Err(error) => {
                tracing::error!(%error, "reading a staff session failed");
                None
            }
        };
        match staff {
            Some(staff) => Ok(SignedIn(staff)),
            None => {
                let back = parts.uri.path_and_query().and_then(|p| site_path(p.as_str()));
                let target = format!("/admin/signin/?r={}", urlencode(back.as_deref().unwrap_or("/admin/")));
                Err(crate::redirect::see_other(&target, "/admin/signin/"))
            }
        }
    }
}

/// The session cookie: HttpOnly and SameSite=Strict (a link from another site opens the newsroom
/// signed out, so no cross-site request ever carries the session); on HTTPS, Secure and named
/// with the `__Host-` prefix.
pub fn session_cookie(state: &AppState, token: &str, max_age_seconds: i64) -> HeaderValue {
    let name = session_cookie_name(&state.site_url);
    let secure = if name == SECURE_SESSION_COOKIE { "; Secure" } else { "" };
    let value = format!("{name}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age_seconds}{secure}");
    HeaderValue::from_str(&value).unwrap_or(HeaderValue::from_static("masthead_session=; Path=/; Max-Age=0"))
}

pub fn urlencode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Where signing in leads: the newsroom page `r` names, once normalised (so that
/// `/admin/..//evil.example` is seen for what it is), else the dashboard.
pub fn safe_redirect(target: &str) -> String {
    site_path(target).filter(|path| is_under(path, "/admin")).unwrap_or_else(|| "/admin/".to_owned())
}

/// State-changing requests to the newsroom must come from its own pages: the browser says so
/// with `Sec-Fetch-Site: same-origin`, or its `Origin` is the site's. Cross-site forms and
/// scripts are refused before any handler runs.
pub async fn same_origin_only(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(request).await;
    }
    if is_same_origin(&state, request.headers()) {
        next.run(request).await
    } else {
        (StatusCode::FORBIDDEN, "Cross-site request refused: newsroom forms must be sent from this site.")
            .into_response()
    }
}

/// Whether the browser says the request comes from one of our own pages.
pub fn is_same_origin(state: &AppState, headers: &HeaderMap) -> bool {
    let fetch_site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
    let site_origin = origin_of(&state.site_url);
    match (fetch_site, origin) {
        (Some("same-origin"), _) => true,
        (Some(_), _) => false,
        (None, Some(origin)) => Some(origin) == site_origin.as_deref(),
        (None, None) => false,
    }
}

fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let host = rest.split('/').next()?;
    Some(format!("{scheme}://{host}"))
}

/// What every admin page shows about the signed-in staff member.
#[derive(Serialize)]
pub struct Me {
    pub name: String,
    pub role: String,
    pub may_publish: bool,
    pub may_edit_any: bool,
    pub may_manage_settings: bool,
    pub may_manage_integrations: bool,
    /// Editors and above: the live feed's pins and the editors' picks.
    pub may_manage_newsroom: bool,
    /// Editors and above, and authors where the site allows it.
    pub may_post_to_feed: bool,
}

impl Me {
    pub fn of(staff: &Staff) -> Self {
        Self {
            name: staff.user.name.clone(),
            role: staff.user.role.label().to_owned(),
            may_publish: staff.actor.may(Permission::PublishOwn),
            may_edit_any: staff.actor.may(Permission::EditAnyPost),
            may_manage_settings: staff.actor.may(Permission::ManageSettings),
            may_manage_integrations: staff.actor.may(Permission::ManageIntegrations),
            may_manage_newsroom: staff.actor.may(Permission::ManageNewsroom),
            // Authors may too where the site allows it: `render` asks the newsroom.
            may_post_to_feed: staff.actor.may(Permission::ManageNewsroom),
        }
    }
}

#[derive(Serialize)]
pub struct AdminPage<'a, T: Serialize> {
    pub site_title: &'a str,
    pub me: Option<Me>,
    pub section: &'static str,
    pub notice: Option<String>,
    #[serde(flatten)]
    pub content: T,
}

/// Admin pages are private: never stored by any cache.
pub const PRIVATE: HeaderValue = HeaderValue::from_static("private, no-store");

pub async fn render<T: Serialize>(
    state: &AppState,
    status: StatusCode,
    template: &str,
    staff: Option<&Staff>,
    section: &'static str,
    content: T,
) -> Response {
    let settings = state.newsroom.db().site_settings().await.ok();
    let site_title = settings.as_ref().map(|s| s.title.clone()).unwrap_or_else(|| "Masthead".into());
    let me = staff.map(|staff| {
        let mut me = Me::of(staff);
        let authors_may_post = settings.as_ref().is_some_and(|s| s.feed_authors_may_post);
        me.may_post_to_feed |= staff.actor.role == masthead_core::Role::Author && authors_may_post;
        me
    });
    let page = AdminPage { site_title: &site_title, me, section, notice: None, content };
    match state.admin.render(template, &page) {
        Ok(html) => (status, [(header::CACHE_CONTROL, PRIVATE)], Html(html)).into_response(),
        Err(error) => {
            tracing::error!(%error, "rendering an admin page failed");
            (StatusCode::INTERNAL_SERVER_ERROR, [(header::CACHE_CONTROL, PRIVATE)], "Something went wrong.")
                .into_response()
        }
    }
}

#[derive(Serialize)]
struct Message<'a> {
    heading: &'a str,
    message: &'a str,
    link: Option<LinkView<'a>>,
}

#[derive(Serialize)]
pub struct LinkView<'a> {
    pub url: &'a str,
    pub label: &'a str,
}

pub async fn message(
    state: &AppState,
    status: StatusCode,
    staff: Option<&Staff>,
    heading: &str,
    text: &str,
    link: Option<LinkView<'_>>,
) -> Response {
    render(state, status, "message.html", staff, "", Message { heading, message: text, link }).await
}

pub async fn forbidden(state: &AppState, staff: &Staff, what: &str) -> Response {
    let text = format!("Your role ({}) does not allow you to {what}.", staff.user.role.label());
    message(
        state,
        StatusCode::FORBIDDEN,
        Some(staff),
        "Not allowed",
        &text,
        Some(LinkView { url: "/admin/", label: "Back to the dashboard" }),
    )
    .await
}

pub async fn not_found(state: &AppState, staff: &Staff) -> Response {
    message(
        state,
        StatusCode::NOT_FOUND,
        Some(staff),
        "Not found",
        "There is nothing at this address.",
        Some(LinkView { url: "/admin/", label: "Back to the dashboard" }),
    )
    .await
}

/// Anything under `/admin/` that no route matches.
pub async fn fallback(State(state): State<AppState>, SignedIn(staff): SignedIn) -> Response {
    not_found(&state, &staff).await
}

/// Serves the admin assets (fingerprinted, immutable).
pub async fn asset(State(state): State<AppState>, uri: axum::http::Uri) -> Response {
    match state.admin.asset(uri.path()) {
        Some(asset) => (
            [
                (header::CONTENT_TYPE, HeaderValue::from_static(asset.content_type)),
                (header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=31536000, immutable")),
            ],
            asset.bytes.to_vec(),
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_newsroom_paths_are_followed_after_sign_in() {
        assert_eq!(safe_redirect("/admin/posts/"), "/admin/posts/");
        assert_eq!(safe_redirect("/admin/posts/?status=draft"), "/admin/posts/?status=draft");
        for bad in [
            "//evil.example/",
            "/\\evil.example",
            "https://evil.example/admin",
            "javascript:alert(1)",
            "/some-story/",
            "/admin/..//evil.example/x",
            "/admin/%2e%2e//evil.example/x",
            "/admin/\t/../..//evil.example",
            "/administrators/",
        ] {
            assert_eq!(safe_redirect(bad), "/admin/", "{bad:?}");
        }
    }

    #[test]
    fn the_session_cookie_is_found_among_others() {
        let mut headers = HeaderMap::new();
        let token = "0123456789abcdef".repeat(4);
        let pair = format!("a=1; masthead_session={token}; b=2");
        headers.insert(header::COOKIE, HeaderValue::from_str(&pair).expect("header"));
        assert_eq!(session_token_named(SESSION_COOKIE, &headers), Some(token.as_str()));
        // Only the shape of a token we issue is read at all.
        for other in [
            "masthead_session=",
            "masthead_session=abc",
            "masthead_session=../../etc",
            "masthead_session=0123456789abcdeg0123456789abcdef0123456789abcdef0123456789abcdef",
        ] {
            headers.insert(header::COOKIE, HeaderValue::from_static(other));
            assert_eq!(session_token_named(SESSION_COOKIE, &headers), None, "{other}");
        }
        // An https site reads only the `__Host-` cookie: a plain one may have been planted by a
        // plain-http page or a sibling subdomain.
        let plain = format!("masthead_session={token}");
        headers.insert(header::COOKIE, HeaderValue::from_str(&plain).expect("header"));
        assert_eq!(session_token_named(SECURE_SESSION_COOKIE, &headers), None);
        let prefixed = format!("__Host-masthead_session={token}");
        headers.insert(header::COOKIE, HeaderValue::from_str(&prefixed).expect("header"));
        assert_eq!(session_token_named(SECURE_SESSION_COOKIE, &headers), Some(token.as_str()));
        assert_eq!(session_token_named(SESSION_COOKIE, &headers), None);
        assert_eq!(session_cookie_name("https://news.example.org"), SECURE_SESSION_COOKIE);
        assert_eq!(session_cookie_name("http://127.0.0.1:8080"), SESSION_COOKIE);
    }

    #[test]
    fn origins_are_scheme_and_host() {
        assert_eq!(origin_of("https://news.example.org").as_deref(), Some("https://news.example.org"));
        assert_eq!(origin_of("http://127.0.0.1:8080/").as_deref(), Some("http://127.0.0.1:8080"));
    }
}
