//! Reader accounts on the public site: sign-up with double opt-in, magic-link sign-in, the
//! account page, one-click unsubscribe (RFC 8058) and the relay's bounce webhook.
//!
//! These pages are personal or change state, so they are never cached and never indexed. Forms
//! work without JavaScript: an error re-renders the form with the message next to the field.

use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use masthead_app::AppError;
use masthead_app::members::{DeliveryEvent, SignupForm};
use masthead_core::{Member, Reader};
use serde::{Deserialize, Serialize};

use crate::admin::PRIVATE;
use crate::client::ClientIp;
use crate::site::{Page, site_context};
use crate::{AppState, WebError};

pub const MEMBER_COOKIE: &str = "masthead_member";
const MEMBER_COOKIE_DAYS: i64 = 180;

/// What the members template shows: one `screen` and its fields.
#[derive(Default, Serialize)]
struct Screen {
    screen: &'static str,
    email: String,
    name: String,
    error: Option<String>,
    error_field: Option<&'static str>,
    notice: Option<String>,
    token: String,
    chosen: Vec<String>,
    newsletter_names: Vec<String>,
    member: Option<Member>,
    unsubscribe_query: String,
    /// The member pays through Stripe: the account page offers the billing portal.
    billing: bool,
    /// Names of the paid tiers the member is on.
    tier_names: Vec<String>,
}

async fn render(state: &AppState, status: StatusCode, title: &str, screen: Screen) -> Response {
    let result = async {
        let context = site_context(state).await?;
        let mut meta = masthead_render::views::MetaView::page(&context.site, title, &context.site.description, "/");
        meta.robots = Some("noindex, nofollow".into());
        let page = Page { site: &context.site, meta, current_path: "/subscribe/", content: screen };
        Ok::<_, WebError>(state.theme.render("members.html", &page)?)
    };
    match result.await {
        Ok(html) => {
            let csp = crate::site::payments::payment_csp(state);
            (status, [(header::CACHE_CONTROL, PRIVATE), (header::CONTENT_SECURITY_POLICY, csp)], Html(html))
                .into_response()
        }
        Err(error) => error.into_response(),
    }
}

/// The member session token from the cookie, if any.
fn member_token(headers: &HeaderMap) -> Option<&str> {
    crate::admin::cookie(headers, MEMBER_COOKIE)
}

fn member_cookie(state: &AppState, token: &str, max_age: i64) -> HeaderValue {
    let secure = if state.site_url.starts_with("https://") { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{MEMBER_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}"
    ))
    .unwrap_or(HeaderValue::from_static("masthead_member=; Path=/; Max-Age=0"))
}

fn signed_in(state: &AppState, token: &str, to: &str) -> Response {
    let mut response = crate::redirect::see_other(to, "/account/");
    response.headers_mut().insert(header::SET_COOKIE, member_cookie(state, token, MEMBER_COOKIE_DAYS * 86_400));
    response.headers_mut().insert(header::CACHE_CONTROL, PRIVATE);
    response
}

pub(crate) async fn current_member(state: &AppState, headers: &HeaderMap) -> Option<Member> {
    let token = member_token(headers)?;
    match state.newsroom.member_for_session(token).await {
        Ok(member) => member,
        Err(error) => {
            tracing::error!(%error, "reading a member session failed");
            None
        }
    }
}

/// The access level of a request's member session; anonymous without one (or when it cannot be
/// read, which shows less, never more).
pub async fn reader(state: &AppState, headers: &HeaderMap) -> Reader {
    let Some(token) = member_token(headers) else { return Reader::Anonymous };
    match state.newsroom.reader_for_session(token).await {
        Ok(reader) => reader,
        Err(error) => {
            tracing::error!(%error, "reading a member session failed");
            Reader::Anonymous
        }
    }
}

/// Form fields arrive as a list so that several `newsletters` checkboxes survive.
fn field<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

fn all(fields: &[(String, String)], name: &str) -> Vec<String> {
    fields.iter().filter(|(k, v)| k == name && !v.is_empty()).map(|(_, v)| v.clone()).collect()
}

/// The account page for `member`, with an optional message next to a field.
fn account_screen(member: Member, error: Option<String>, error_field: Option<&'static str>) -> Screen {
    Screen {
        screen: "account",
        email: member.email.clone(),
        name: member.name.clone().unwrap_or_default(),
        chosen: member.newsletters.clone(),
        member: Some(member),
        error,
        error_field,
        ..Screen::default()
    }
}

fn too_many(message: String) -> (StatusCode, Option<String>) {
    (StatusCode::TOO_MANY_REQUESTS, Some(message))
}

// ---- sign-up ----------------------------------------------------------------------------------

pub async fn subscribe_page(State(state): State<AppState>) -> Response {
    render(&state, StatusCode::OK, "Subscribe", Screen { screen: "subscribe", ..Screen::default() }).await
}

/// `POST /subscribe/`: from the form on this page, the home page or an article.
pub async fn subscribe(
    State(state): State<AppState>,
    client: ClientIp,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let form = SignupForm {
        email: field(&fields, "email").unwrap_or_default().to_owned(),
        name: field(&fields, "name").map(str::to_owned),
        newsletters: all(&fields, "newsletters"),
        honeypot: field(&fields, "website").map(str::to_owned),
        ip: client.address(),
        client: Some(client.key()),
    };
    let keep = |error: Option<String>, field: Option<&'static str>| Screen {
        screen: "subscribe",
        email: form.email.clone(),
        name: form.name.clone().unwrap_or_default(),
        chosen: form.newsletters.clone(),
        error,
        error_field: field,
        ..Screen::default()
    };
    match state.newsroom.request_signup(&form).await {
        Ok(()) => {
            let screen = Screen { screen: "check_inbox", email: form.email.trim().to_owned(), ..Screen::default() };
            render(&state, StatusCode::OK, "Check your inbox", screen).await
        }
        Err(AppError::Invalid { field, message }) => {
            render(&state, StatusCode::UNPROCESSABLE_ENTITY, "Subscribe", keep(Some(message), Some(field))).await
        }
        Err(AppError::TooManyRequests(message)) => {
            let (status, error) = too_many(message);
            render(&state, status, "Subscribe", keep(error, Some("email"))).await
        }
        Err(error) => WebError::from(error).into_response(),
    }
}

#[derive(Deserialize)]
pub struct TokenQuery {
    #[serde(default)]
    token: String,
}

fn expired_link(what: &str) -> Screen {
    Screen {
        screen: "message",
        error: Some(format!(
            "This {what} link has expired or was already used. Links work for 24 hours; ask for a new one below."
        )),
        ..Screen::default()
    }
}

/// `GET /subscribe/confirm/?token=`: a page with a button. Mail scanners follow links; only a
/// person presses the button.
pub async fn confirm_page(State(state): State<AppState>, Query(query): Query<TokenQuery>) -> Response {
    match state.newsroom.pending_signup(&query.token).await {
        Ok(pending) => {
            let screen = Screen {
                screen: "confirm",
                email: pending.email,
                newsletter_names: pending.newsletters,
                token: query.token,
                ..Screen::default()
            };
            render(&state, StatusCode::OK, "Confirm your subscription", screen).await
        }
        Err(AppError::NotFound(_)) => {
            render(&state, StatusCode::NOT_FOUND, "Link expired", expired_link("confirmation")).await
        }
        Err(error) => WebError::from(error).into_response(),
    }
}

pub async fn confirm(State(state): State<AppState>, Form(query): Form<TokenQuery>) -> Response {
    match state.newsroom.confirm_signup(&query.token).await {
        Ok((_, session)) => signed_in(&state, &session, "/account/?welcome=1"),
        Err(AppError::NotFound(_)) => {
            render(&state, StatusCode::NOT_FOUND, "Link expired", expired_link("confirmation")).await
        }
        Err(error) => WebError::from(error).into_response(),
    }
}

// ---- sign-in ----------------------------------------------------------------------------------

pub async fn signin_page(State(state): State<AppState>) -> Response {
    render(&state, StatusCode::OK, "Sign in", Screen { screen: "signin", ..Screen::default() }).await
}

pub async fn signin(
    State(state): State<AppState>,
    client: ClientIp,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let email = field(&fields, "email").unwrap_or_default().to_owned();
    match state.newsroom.request_signin(&email, Some(&client.key())).await {
        Ok(()) => {
            let screen = Screen { screen: "signin_sent", email: email.trim().to_owned(), ..Screen::default() };
            render(&state, StatusCode::OK, "Check your inbox", screen).await
        }
        Err(AppError::Invalid { field, message }) => {
            let screen =
                Screen { screen: "signin", email, error: Some(message), error_field: Some(field), ..Screen::default() };
            render(&state, StatusCode::UNPROCESSABLE_ENTITY, "Sign in", screen).await
        }
        Err(AppError::TooManyRequests(message)) => {
            let (status, error) = too_many(message);
            let screen = Screen { screen: "signin", email, error, error_field: Some("email"), ..Screen::default() };
            render(&state, status, "Sign in", screen).await
        }
        Err(error) => WebError::from(error).into_response(),
    }
}

/// `GET /signin/confirm/?token=`: signs in straight away. The link survives a few opens within
/// ten minutes, so a mail scanner opening it first does not burn it.
pub async fn signin_link(State(state): State<AppState>, Query(query): Query<TokenQuery>) -> Response {
    match state.newsroom.sign_in_with_link(&query.token).await {
        Ok((_, session)) => signed_in(&state, &session, "/account/"),
        Err(AppError::NotFound(_)) => {
            let mut screen = expired_link("sign-in");
            screen.screen = "signin";
            render(&state, StatusCode::NOT_FOUND, "Link expired", screen).await
        }
        Err(error) => WebError::from(error).into_response(),
    }
}

// ---- the account ------------------------------------------------------------------------------

#[derive(Deserialize)]
pub struct AccountQuery {
    #[serde(default)]
    welcome: Option<String>,
    #[serde(default)]
    saved: Option<String>,
}

pub async fn account(State(state): State<AppState>, headers: HeaderMap, Query(query): Query<AccountQuery>) -> Response {
    let Some(member) = current_member(&state, &headers).await else {
        return Redirect::to("/signin/").into_response();
    };
    let notice = if query.welcome.is_some() {
        Some("You're subscribed. Thank you for reading.".to_owned())
    } else {
        query.saved.map(|what| match what.as_str() {
            "email" => "Check your new inbox: we've sent a link to confirm the change.".to_owned(),
            "email_changed" => "Your email address is changed.".to_owned(),
            _ => "Your preferences are saved.".to_owned(),
        })
    };
    let billing = state.newsroom.db().member_stripe_customer(member.id.as_str()).await.ok().flatten().is_some();
    let on = state.newsroom.db().member_tier_ids(member.id.as_str()).await.unwrap_or_default();
    let tiers = state.newsroom.db().tiers().await.unwrap_or_default();
    let tier_names = tiers
        .iter()
        .filter(|t| t.tier_type == masthead_core::TierType::Paid && on.iter().any(|id| id == t.id.as_str()))
        .map(|t| t.name.clone())
        .collect();
    let screen = Screen { notice, billing, tier_names, ..account_screen(member, None, None) };
    render(&state, StatusCode::OK, "Your account", screen).await
}

pub async fn save_account(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let Some(member) = current_member(&state, &headers).await else {
        return Redirect::to("/signin/").into_response();
    };
    match state.newsroom.update_account(&member, field(&fields, "name"), &all(&fields, "newsletters")).await {
        Ok(_) => Redirect::to("/account/?saved=preferences").into_response(),
        Err(AppError::Invalid { field, message }) => {
            let screen = Screen {
                name: self::field(&fields, "name").unwrap_or_default().to_owned(),
                chosen: all(&fields, "newsletters"),
                ..account_screen(member, Some(message), Some(field))
            };
            render(&state, StatusCode::UNPROCESSABLE_ENTITY, "Your account", screen).await
        }
        Err(error) => WebError::from(error).into_response(),
    }
}

pub async fn change_email(
    State(state): State<AppState>,
    client: ClientIp,
    headers: HeaderMap,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let Some(member) = current_member(&state, &headers).await else {
        return Redirect::to("/signin/").into_response();
    };
    let new_email = field(&fields, "email").unwrap_or_default();
    match state.newsroom.request_email_change(&member, new_email, Some(&client.key())).await {
        Ok(()) => Redirect::to("/account/?saved=email").into_response(),
        Err(AppError::Invalid { message, .. } | AppError::TooManyRequests(message)) => {
            let screen = account_screen(member, Some(message), Some("new_email"));
            render(&state, StatusCode::UNPROCESSABLE_ENTITY, "Your account", screen).await
        }
        Err(error) => WebError::from(error).into_response(),
    }
}

pub async fn confirm_email_change(State(state): State<AppState>, Query(query): Query<TokenQuery>) -> Response {
    match state.newsroom.confirm_email_change(&query.token).await {
        Ok(_) => Redirect::to("/account/?saved=email_changed").into_response(),
        Err(AppError::NotFound(_)) => {
            render(&state, StatusCode::NOT_FOUND, "Link expired", expired_link("email change")).await
        }
        Err(AppError::Conflict(_)) => {
            let screen = Screen {
                screen: "message",
                error: Some("That address now belongs to another account.".into()),
                ..Screen::default()
            };
            render(&state, StatusCode::CONFLICT, "Email not changed", screen).await
        }
        Err(error) => WebError::from(error).into_response(),
    }
}

pub async fn signout(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(token) = member_token(&headers)
        && let Err(error) = state.newsroom.sign_out_member(token).await
    {
        tracing::error!(%error, "ending a member session failed");
    }
    let mut response = Redirect::to("/").into_response();
    response.headers_mut().insert(header::SET_COOKIE, member_cookie(&state, "", 0));
    response
}

pub async fn delete_account(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let Some(member) = current_member(&state, &headers).await else {
        return Redirect::to("/signin/").into_response();
    };
    if field(&fields, "confirm") != Some("delete") {
        let error = Some("Tick the box to confirm that you want to delete your account.".into());
        let screen = account_screen(member, error, Some("confirm"));
        return render(&state, StatusCode::UNPROCESSABLE_ENTITY, "Your account", screen).await;
    }
    if let Err(error) = state.newsroom.delete_account(&member).await {
        return WebError::from(error).into_response();
    }
    let screen = Screen {
        screen: "message",
        notice: Some("Your account and your subscriptions are deleted.".into()),
        ..Screen::default()
    };
    let mut response = render(&state, StatusCode::OK, "Account deleted", screen).await;
    response.headers_mut().insert(header::SET_COOKIE, member_cookie(&state, "", 0));
    response
}

// ---- unsubscribe ------------------------------------------------------------------------------

#[derive(Deserialize)]
pub struct UnsubscribeQuery {
    #[serde(default)]
    uuid: String,
    #[serde(default)]
    key: String,
    #[serde(default)]
    newsletter: Option<String>,
}

impl UnsubscribeQuery {
    fn query_string(&self) -> String {
        let mut q = format!("uuid={}&key={}", crate::admin::urlencode(&self.uuid), crate::admin::urlencode(&self.key));
        if let Some(n) = &self.newsletter {
            q.push_str(&format!("&newsletter={}", crate::admin::urlencode(n)));
        }
        q
    }
}

fn bad_unsubscribe_link() -> Screen {
    Screen {
        screen: "message",
        error: Some("This unsubscribe link is not valid. Sign in to manage your newsletters.".into()),
        ..Screen::default()
    }
}

/// `GET /unsubscribe/?uuid=&key=&newsletter=`: asks for a button press (link scanners must not
/// unsubscribe people).
pub async fn unsubscribe_page(State(state): State<AppState>, Query(query): Query<UnsubscribeQuery>) -> Response {
    match state.newsroom.member_for_unsubscribe(&query.uuid, &query.key).await {
        Ok(member) => {
            let newsletter = query.newsletter.clone().unwrap_or_default();
            let names = match state.newsroom.db().newsletter_by_slug(&newsletter).await {
                Ok(Some(n)) => vec![n.name],
                _ => vec![],
            };
            let screen = Screen {
                screen: "unsubscribe",
                email: member.email,
                newsletter_names: names,
                unsubscribe_query: query.query_string(),
                ..Screen::default()
            };
            render(&state, StatusCode::OK, "Unsubscribe", screen).await
        }
        Err(AppError::NotFound(_)) => {
            render(&state, StatusCode::NOT_FOUND, "Unsubscribe", bad_unsubscribe_link()).await
        }
        Err(error) => WebError::from(error).into_response(),
    }
}

/// `POST /unsubscribe/?uuid=&key=&newsletter=`: the button on the page, and RFC 8058's one-click
/// POST from mail clients (body `List-Unsubscribe=One-Click`, no cookies, no Origin).
pub async fn unsubscribe(
    State(state): State<AppState>,
    Query(query): Query<UnsubscribeQuery>,
    body: String,
) -> Response {
    let one_click = body.contains("List-Unsubscribe=One-Click");
    let member = match state.newsroom.member_for_unsubscribe(&query.uuid, &query.key).await {
        Ok(member) => member,
        Err(AppError::NotFound(_)) if one_click => {
            return (StatusCode::NOT_FOUND, "Unknown unsubscribe link.").into_response();
        }
        Err(AppError::NotFound(_)) => {
            return render(&state, StatusCode::NOT_FOUND, "Unsubscribe", bad_unsubscribe_link()).await;
        }
        Err(error) => return WebError::from(error).into_response(),
    };
    let everything = body.contains("all=1");
    let newsletter = if everything { None } else { query.newsletter.as_deref() };
    match state.newsroom.unsubscribe(&member, newsletter).await {
        Ok(_) if one_click => (StatusCode::OK, [(header::CACHE_CONTROL, PRIVATE)], "Unsubscribed.").into_response(),
        Ok(names) => {
            let screen =
                Screen { screen: "unsubscribed", email: member.email, newsletter_names: names, ..Screen::default() };
            render(&state, StatusCode::OK, "Unsubscribed", screen).await
        }
        Err(error) => WebError::from(error).into_response(),
    }
}

// ---- the relay's bounce webhook ---------------------------------------------------------------

#[derive(Deserialize)]
#[serde(untagged)]
pub enum BounceBody {
    Many { events: Vec<DeliveryEvent> },
    List(Vec<DeliveryEvent>),
    One(DeliveryEvent),
}

/// `POST /members/webhooks/bounce/`: JSON events from the mail relay, authenticated with the
/// shared secret `MASTHEAD_BOUNCE_SECRET` as a bearer token. Disabled when no secret is set.
pub async fn bounce_webhook(State(state): State<AppState>, headers: HeaderMap, body: String) -> Response {
    let Some(secret) = state.bounce_secret.as_deref() else {
        return (StatusCode::NOT_FOUND, "The bounce webhook is not enabled (set MASTHEAD_BOUNCE_SECRET).")
            .into_response();
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .or_else(|| headers.get("x-masthead-secret").and_then(|v| v.to_str().ok()))
        .unwrap_or_default();
    if !masthead_app::members::constant_time_eq(given, secret) {
        return (StatusCode::UNAUTHORIZED, "Wrong or missing webhook secret.").into_response();
    }
    let events = match serde_json::from_str::<BounceBody>(&body) {
        Ok(BounceBody::Many { events } | BounceBody::List(events)) => events,
        Ok(BounceBody::One(event)) => vec![event],
        Err(error) => {
            let message =
                serde_json::json!({ "error": format!("Expected {{\"events\": [{{\"email\", \"type\"}}]}}: {error}") });
            return (StatusCode::BAD_REQUEST, axum::Json(message)).into_response();
        }
    };
    match state.newsroom.record_delivery_events(&events).await {
        Ok(report) => axum::Json(report).into_response(),
        Err(error) => WebError::from(error).into_response(),
    }
}
