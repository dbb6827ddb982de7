//! Signing in and out, the first owner's setup link, password resets.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use masthead_app::AppError;
use masthead_app::newsroom::staff::{SESSION_MAX_LIFETIME, SignInError};
use serde::{Deserialize, Serialize};

use super::{LinkView, SignedIn, current_staff, message, render, safe_redirect, session_cookie, session_token};
use crate::AppState;
use crate::client::ClientIp;

#[derive(Default, Deserialize)]
pub struct SignInQuery {
    #[serde(default)]
    r: String,
}

#[derive(Serialize)]
struct SignInView<'a> {
    error: Option<String>,
    email: &'a str,
    redirect: &'a str,
}

pub async fn signin_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<SignInQuery>,
) -> Response {
    if current_staff(&state, &headers).await.is_some() {
        return crate::redirect::see_other(&safe_redirect(&query.r), "/admin/");
    }
    render(&state, StatusCode::OK, "signin.html", None, "", SignInView { error: None, email: "", redirect: &query.r })
        .await
}

#[derive(Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    r: String,
}

pub async fn signin(
    State(state): State<AppState>,
    client: ClientIp,
    headers: HeaderMap,
    Form(form): Form<SignInForm>,
) -> Response {
    match state.newsroom.sign_in(&form.email, &form.password, &client.key()).await {
        Ok(user) => {
            let user_agent = headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok());
            match state.newsroom.open_session(&user, client.address().as_deref(), user_agent).await {
                Ok(token) => {
                    let cookie = session_cookie(&state, &token, SESSION_MAX_LIFETIME.whole_seconds());
                    let to = crate::redirect::see_other(&safe_redirect(&form.r), "/admin/");
                    ([(header::SET_COOKIE, cookie)], to).into_response()
                }
                Err(error) if error.is_unavailable() => crate::error::unavailable(&error),
                Err(error) => {
                    tracing::error!(%error, "opening a session failed");
                    StatusCode::INTERNAL_SERVER_ERROR.into_response()
                }
            }
        }
        Err(error) => {
            let status = match error {
                SignInError::BadCredentials => StatusCode::UNAUTHORIZED,
                SignInError::Throttled { .. } => StatusCode::TOO_MANY_REQUESTS,
                SignInError::Suspended => StatusCode::FORBIDDEN,
                SignInError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            };
            let view = SignInView { error: Some(error.to_string()), email: form.email.trim(), redirect: &form.r };
            let mut response = render(&state, status, "signin.html", None, "", view).await;
            match error {
                SignInError::Throttled { retry_after } => {
                    let seconds = retry_after.whole_seconds().max(1);
                    response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
                }
                SignInError::Unavailable => {
                    let seconds = HeaderValue::from(crate::error::RETRY_AFTER_SECONDS);
                    response.headers_mut().insert(header::RETRY_AFTER, seconds);
                }
                _ => {}
            }
            response
        }
    }
}

pub async fn signout(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(token) = session_token(&state, &headers)
        && let Err(error) = state.newsroom.close_session(token).await
    {
        tracing::error!(%error, "closing a session failed");
    }
    ([(header::SET_COOKIE, session_cookie(&state, "", 0))], Redirect::to("/admin/signin/")).into_response()
}

#[derive(Serialize, Default)]
struct AccountForm<'a> {
    heading: &'a str,
    intro: &'a str,
    action: String,
    button: &'a str,
    error: Option<String>,
    ask_name: bool,
    ask_email: bool,
    ask_password: bool,
    name: &'a str,
    email: &'a str,
}

fn setup_form<'a>(token: &str, error: Option<String>, name: &'a str, email: &'a str) -> AccountForm<'a> {
    AccountForm {
        heading: "Set up your newsroom",
        intro: "Create the owner account. The owner can do everything, including handing ownership on.",
        action: format!("/admin/setup/{token}/"),
        button: "Create the owner account",
        error,
        ask_name: true,
        ask_email: true,
        ask_password: true,
        name,
        email,
    }
}

async fn link_expired(state: &AppState, what: &str) -> Response {
    let text = format!("This {what} link has expired or has already been used.");
    message(
        state,
        StatusCode::NOT_FOUND,
        None,
        "Link expired",
        &text,
        Some(LinkView { url: "/admin/signin/", label: "Go to sign in" }),
    )
    .await
}

pub async fn setup_form_page(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    match state.newsroom.setup_token_is_live(&token).await {
        Ok(true) => {
            render(&state, StatusCode::OK, "account-form.html", None, "", setup_form(&token, None, "", "")).await
        }
        _ => link_expired(&state, "setup").await,
    }
}

#[derive(Deserialize)]
pub struct AccountFields {
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

pub async fn setup(
    State(state): State<AppState>,
    client: ClientIp,
    Path(token): Path<String>,
    Form(form): Form<AccountFields>,
) -> Response {
    match state.newsroom.complete_setup(&token, &form.name, &form.email, &form.password).await {
        Ok(user) => match state.newsroom.open_session(&user, client.address().as_deref(), None).await {
            Ok(session) => {
                let cookie = session_cookie(&state, &session, SESSION_MAX_LIFETIME.whole_seconds());
                ([(header::SET_COOKIE, cookie)], Redirect::to("/admin/")).into_response()
            }
            Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        },
        Err(AppError::NotFound(_)) => link_expired(&state, "setup").await,
        Err(error) => {
            let view = setup_form(&token, Some(error.to_string()), &form.name, &form.email);
            render(&state, StatusCode::UNPROCESSABLE_ENTITY, "account-form.html", None, "", view).await
        }
    }
}

fn forgot_form<'a>(error: Option<String>, email: &'a str) -> AccountForm<'a> {
    AccountForm {
        heading: "Reset your password",
        intro: "Enter the address of your newsroom account and we will send you a link to choose a new password.",
        action: "/admin/forgot/".into(),
        button: "Send the link",
        error,
        ask_email: true,
        email,
        ..AccountForm::default()
    }
}

pub async fn forgot_form_page(State(state): State<AppState>) -> Response {
    render(&state, StatusCode::OK, "account-form.html", None, "", forgot_form(None, "")).await
}

pub async fn forgot(State(state): State<AppState>, Form(form): Form<AccountFields>) -> Response {
    if let Err(error) = masthead_app::newsroom::staff::normalise_email(&form.email) {
        return render(
            &state,
            StatusCode::UNPROCESSABLE_ENTITY,
            "account-form.html",
            None,
            "",
            forgot_form(Some(error.to_string()), &form.email),
        )
        .await;
    }
    if let Err(error) = state.newsroom.request_password_reset(&form.email, &state.site_url).await {
        tracing::error!(%error, "password reset request failed");
    }
    // The same answer whether or not the address has an account.
    let text = "If that address belongs to a newsroom account, a link to choose a new password is on its way. It works for one hour.";
    message(&state, StatusCode::OK, None, "Check your inbox", text, None).await
}

fn reset_form(token: &str, error: Option<String>) -> AccountForm<'static> {
    AccountForm {
        heading: "Choose a new password",
        action: format!("/admin/reset/{token}/"),
        button: "Save the new password",
        error,
        ask_password: true,
        ..AccountForm::default()
    }
}

pub async fn reset_form_page(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    render(&state, StatusCode::OK, "account-form.html", None, "", reset_form(&token, None)).await
}

pub async fn reset(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Form(form): Form<AccountFields>,
) -> Response {
    if let Err(error) = masthead_app::newsroom::staff::check_password(&form.password) {
        return render(
            &state,
            StatusCode::UNPROCESSABLE_ENTITY,
            "account-form.html",
            None,
            "",
            reset_form(&token, Some(error.to_string())),
        )
        .await;
    }
    match state.newsroom.reset_password(&token, &form.password).await {
        Ok(_) => {
            let link = LinkView { url: "/admin/signin/", label: "Sign in" };
            message(
                &state,
                StatusCode::OK,
                None,
                "Password changed",
                "Your new password is set; other sessions were signed out.",
                Some(link),
            )
            .await
        }
        Err(AppError::NotFound(_)) => link_expired(&state, "reset").await,
        Err(error) => {
            render(
                &state,
                StatusCode::UNPROCESSABLE_ENTITY,
                "account-form.html",
                None,
                "",
                reset_form(&token, Some(error.to_string())),
            )
            .await
        }
    }
}

/// The outbox: mail kept until a transport is configured. Administrators only.
pub async fn outbox(State(state): State<AppState>, SignedIn(staff): SignedIn) -> Response {
    if !staff.actor.may(masthead_core::Permission::ManageSettings) {
        return super::forbidden(&state, &staff, "read the outbox").await;
    }
    #[derive(Serialize)]
    struct Outbox {
        messages: Vec<masthead_storage::OutboxMessage>,
    }
    match state.newsroom.db().outbox().await {
        Ok(messages) => {
            render(&state, StatusCode::OK, "outbox.html", Some(&staff), "outbox", Outbox { messages }).await
        }
        Err(error) => super::posts::internal(error),
    }
}
