//! Paying on the public site: the membership page (tiers, monthly or yearly), the donation page
//! (an amount the reader chooses, once or every month, with a message), the way out to Stripe
//! Checkout and back, the member's billing portal, and Stripe's webhook.
//!
//! Without Stripe keys the pages still show, and say plainly that payments are not set up.

use axum::Form;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use masthead_app::AppError;
use masthead_app::payments::{CheckoutRequest, Purchase, WebhookError, WebhookOutcome};
use masthead_core::{Cadence, Currency, Member, ObjectId, Tier, TierType};
use serde::{Deserialize, Serialize};

use crate::admin::PRIVATE;
use crate::site::members::current_member;
use crate::site::{Page, site_context};
use crate::{AppState, WebError};

/// The currency donations are taken in when no paid tier names one.
const DEFAULT_CURRENCY: &str = "usd";

/// Suggested donation amounts, in major units.
const SUGGESTED: [i64; 4] = [5, 10, 25, 50];

#[derive(Serialize)]
struct TierView {
    id: String,
    name: String,
    description: Option<String>,
    benefits: Vec<String>,
    free: bool,
    monthly: Option<String>,
    yearly: Option<String>,
    trial_days: i64,
    current: bool,
}

impl TierView {
    fn new(tier: &Tier, member_tiers: &[String], member: Option<&Member>) -> Self {
        let price = |minor: Option<i64>| match (&tier.currency, minor) {
            (Some(c), Some(m)) if m > 0 => Some(c.format(m)),
            _ => None,
        };
        let free = tier.tier_type == TierType::Free;
        Self {
            id: tier.id.to_string(),
            name: tier.name.clone(),
            description: tier.description.clone(),
            benefits: tier.benefits.clone(),
            free,
            monthly: price(tier.monthly_price),
            yearly: price(tier.yearly_price),
            trial_days: tier.trial_days,
            current: if free {
                member.is_some_and(|m| m.status == masthead_core::MemberStatus::Free)
            } else {
                member_tiers.iter().any(|t| t == tier.id.as_str())
            },
        }
    }
}

#[derive(Default, Serialize)]
struct Screen {
    screen: &'static str,
    payments_enabled: bool,
    tiers: Vec<TierView>,
    signed_in: bool,
    email: String,
    error: Option<String>,
    error_field: Option<&'static str>,
    notice: Option<String>,
    /// One per form shown, so a second press of the same button makes no second payment page.
    attempt: String,
    currency: String,
    suggested: Vec<(i64, String)>,
    amount: String,
    recurring: bool,
    message: String,
    post_id: String,
    post_title: Option<String>,
}

/// The site's content security policy, with the pages that send readers to Stripe (checkout,
/// the billing portal, and a stand-in's address when one is configured) allowed as form targets:
/// browsers apply `form-action` to the redirect that follows a form.
pub(crate) fn payment_csp(state: &AppState) -> HeaderValue {
    let mut targets = "'self' https://checkout.stripe.com https://billing.stripe.com".to_owned();
    if let Some(base) = state.newsroom.stripe.api_base.as_deref() {
        // `scheme://host:port`: the part before the path.
        let origin: Vec<&str> = base.splitn(4, '/').take(3).collect();
        targets.push(' ');
        targets.push_str(&origin.join("/"));
    }
    let policy = format!(
        "default-src 'self'; img-src 'self' data: https:; style-src 'self' 'unsafe-inline'; script-src 'self'; \
         object-src 'none'; base-uri 'self'; form-action {targets}; frame-ancestors 'self'"
    );
    HeaderValue::from_str(&policy).unwrap_or(HeaderValue::from_static("form-action 'self'"))
}

async fn render(state: &AppState, status: StatusCode, title: &str, screen: Screen) -> Response {
    let result = async {
        let context = site_context(state).await?;
        let mut meta = masthead_render::views::MetaView::page(&context.site, title, &context.site.description, "/");
        meta.robots = Some("noindex".into());
        let page = Page { site: &context.site, meta, current_path: "/join/", content: screen };
        Ok::<_, WebError>(state.theme.render("membership.html", &page)?)
    };
    match result.await {
        Ok(html) => {
            let headers = [(header::CACHE_CONTROL, PRIVATE), (header::CONTENT_SECURITY_POLICY, payment_csp(state))];
            (status, headers, Html(html)).into_response()
        }
        Err(error) => error.into_response(),
    }
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

/// The currency of donations: the first paid tier's, else US dollars.
fn donation_currency(tiers: &[Tier]) -> Currency {
    tiers
        .iter()
        .filter(|t| t.tier_type == TierType::Paid && t.active)
        .find_map(|t| t.currency.clone())
        .or_else(|| Currency::parse(DEFAULT_CURRENCY))
        .unwrap_or_else(|| unreachable!("the default currency is a currency"))
}

async fn membership_screen(state: &AppState, member: Option<&Member>) -> Result<Screen, WebError> {
    let tiers = state.newsroom.tiers().await?;
    let member_tiers = match member {
        Some(m) => state.newsroom.db().member_tier_ids(m.id.as_str()).await?,
        None => Vec::new(),
    };
    Ok(Screen {
        screen: "membership",
        payments_enabled: state.newsroom.payments_enabled(),
        tiers: tiers.iter().filter(|t| t.on_offer()).map(|t| TierView::new(t, &member_tiers, member)).collect(),
        signed_in: member.is_some(),
        email: member.map(|m| m.email.clone()).unwrap_or_default(),
        attempt: uuid::Uuid::new_v4().to_string(),
        ..Screen::default()
    })
}

#[derive(Deserialize)]
pub struct MembershipQuery {
    #[serde(default)]
    checkout: Option<String>,
}

/// `GET /join/`: the tiers, with a button per price.
pub async fn membership_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<MembershipQuery>,
) -> Response {
    let member = current_member(&state, &headers).await;
    match membership_screen(&state, member.as_ref()).await {
        Ok(mut screen) => {
            if query.checkout.as_deref() == Some("cancelled") {
                screen.notice = Some("Your payment was cancelled; nothing was charged.".into());
            }
            render(&state, StatusCode::OK, "Become a member", screen).await
        }
        Err(error) => error.into_response(),
    }
}

/// `POST /join/checkout/`: off to Stripe to pay for a tier.
pub async fn membership_checkout(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let member = current_member(&state, &headers).await;
    let tier_id = field(&fields, "tier").and_then(|id| ObjectId::parse(id).ok());
    let cadence = field(&fields, "cadence").and_then(Cadence::parse).unwrap_or(Cadence::Month);
    let refuse = |state: AppState, member: Option<Member>, status: StatusCode, message: String, field: &'static str| async move {
        match membership_screen(&state, member.as_ref()).await {
            Ok(screen) => {
                let screen = Screen { error: Some(message), error_field: Some(field), ..screen };
                render(&state, status, "Become a member", screen).await
            }
            Err(error) => error.into_response(),
        }
    };
    let Some(tier_id) = tier_id else {
        return refuse(state, member, StatusCode::UNPROCESSABLE_ENTITY, "Choose a tier to join.".into(), "tier").await;
    };
    let request = CheckoutRequest {
        purchase: Purchase::Tier { tier_id, cadence },
        member: member.clone(),
        email: field(&fields, "email").map(str::to_owned),
        post_id: field(&fields, "post").map(str::to_owned),
        attempt: field(&fields, "attempt").unwrap_or_default().to_owned(),
        site_url: state.site_url.to_string(),
    };
    match state.newsroom.start_checkout(&request).await {
        Ok(url) => to_stripe(&url),
        Err(AppError::Invalid { field, message }) => {
            refuse(state, member, StatusCode::UNPROCESSABLE_ENTITY, message, field).await
        }
        Err(AppError::NotFound(_)) => {
            refuse(state, member, StatusCode::NOT_FOUND, "That tier is no longer offered.".into(), "tier").await
        }
        Err(AppError::Unavailable(message)) => {
            refuse(state, member, StatusCode::SERVICE_UNAVAILABLE, message, "payments").await
        }
        Err(error) => WebError::from(error).into_response(),
    }
}

/// A 303 to Stripe's page (an address elsewhere, so not through the on-site redirect helper).
fn to_stripe(url: &str) -> Response {
    match HeaderValue::from_str(url) {
        Ok(location) if url.starts_with("https://") || url.starts_with("http://") => {
            (StatusCode::SEE_OTHER, [(header::LOCATION, location), (header::CACHE_CONTROL, PRIVATE)]).into_response()
        }
        _ => WebError::Internal("Stripe answered with an unusable checkout address".into()).into_response(),
    }
}

#[derive(Deserialize)]
pub struct DonateQuery {
    #[serde(default)]
    post: Option<String>,
    #[serde(default)]
    amount: Option<String>,
}

async fn donate_screen(state: &AppState, member: Option<&Member>, post: Option<&str>) -> Result<Screen, WebError> {
    let tiers = state.newsroom.tiers().await?;
    let currency = donation_currency(&tiers);
    let post = match post.and_then(|id| ObjectId::parse(id).ok()) {
        Some(id) => state.newsroom.db().post_by_id(&id).await?.filter(|p| p.is_live()),
        None => None,
    };
    Ok(Screen {
        screen: "donate",
        payments_enabled: state.newsroom.payments_enabled(),
        signed_in: member.is_some(),
        email: member.map(|m| m.email.clone()).unwrap_or_default(),
        attempt: uuid::Uuid::new_v4().to_string(),
        suggested: SUGGESTED.iter().map(|&a| (a, currency.format(a * currency.minor_units()))).collect(),
        currency: currency.as_str().to_owned(),
        post_id: post.as_ref().map(|p| p.id.to_string()).unwrap_or_default(),
        post_title: post.map(|p| p.title),
        amount: SUGGESTED[1].to_string(),
        ..Screen::default()
    })
}

/// `GET /donate/`: choose an amount, once or monthly, and leave a message.
pub async fn donate_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<DonateQuery>,
) -> Response {
    let member = current_member(&state, &headers).await;
    match donate_screen(&state, member.as_ref(), query.post.as_deref()).await {
        Ok(mut screen) => {
            if let Some(amount) = query.amount.filter(|a| a.len() < 12) {
                screen.amount = amount;
            }
            render(&state, StatusCode::OK, "Support our journalism", screen).await
        }
        Err(error) => error.into_response(),
    }
}

/// `POST /donate/checkout/`: off to Stripe with the reader's amount.
pub async fn donate_checkout(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let member = current_member(&state, &headers).await;
    let amount = field(&fields, "amount").filter(|a| !a.trim().is_empty()).or_else(|| field(&fields, "preset"));
    let amount = amount.unwrap_or_default().to_owned();
    let recurring = field(&fields, "frequency") == Some("monthly");
    let message = field(&fields, "message").unwrap_or_default().to_owned();
    let post = field(&fields, "post").map(str::to_owned);
    let keep = |screen: Screen, error: String, error_field: &'static str| Screen {
        amount: amount.clone(),
        recurring,
        message: message.clone(),
        email: field(&fields, "email").map(str::to_owned).unwrap_or(screen.email.clone()),
        error: Some(error),
        error_field: Some(error_field),
        ..screen
    };
    let tiers = match state.newsroom.tiers().await {
        Ok(tiers) => tiers,
        Err(error) => return WebError::from(error).into_response(),
    };
    let currency = donation_currency(&tiers);
    let result = match Purchase::donation(&amount, &currency, recurring, &message) {
        Ok(purchase) => {
            let request = CheckoutRequest {
                purchase,
                member: member.clone(),
                email: field(&fields, "email").map(str::to_owned),
                post_id: post.clone(),
                attempt: field(&fields, "attempt").unwrap_or_default().to_owned(),
                site_url: state.site_url.to_string(),
            };
            state.newsroom.start_checkout(&request).await
        }
        Err(error) => Err(error),
    };
    let (status, message, error_field) = match result {
        Ok(url) => return to_stripe(&url),
        Err(AppError::Invalid { field, message }) => (StatusCode::UNPROCESSABLE_ENTITY, message, field),
        Err(AppError::Unavailable(message)) => (StatusCode::SERVICE_UNAVAILABLE, message, "payments"),
        Err(error) => return WebError::from(error).into_response(),
    };
    match donate_screen(&state, member.as_ref(), post.as_deref()).await {
        Ok(screen) => render(&state, status, "Support our journalism", keep(screen, message, error_field)).await,
        Err(error) => error.into_response(),
    }
}

/// `GET /join/thanks/` and `/donate/thanks/`: back from Stripe. The membership itself
/// arrives by webhook, usually within seconds.
pub async fn membership_thanks(State(state): State<AppState>) -> Response {
    let screen = Screen { screen: "membership_thanks", ..Screen::default() };
    render(&state, StatusCode::OK, "Welcome aboard", screen).await
}

pub async fn donate_thanks(State(state): State<AppState>) -> Response {
    let screen = Screen { screen: "donate_thanks", ..Screen::default() };
    render(&state, StatusCode::OK, "Thank you", screen).await
}

/// `POST /account/billing/`: the member's Stripe customer portal.
pub async fn billing(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let Some(member) = current_member(&state, &headers).await else {
        return Redirect::to("/signin/").into_response();
    };
    match state.newsroom.billing_portal(&member, &state.site_url).await {
        Ok(url) => to_stripe(&url),
        Err(AppError::NotFound(_)) => Redirect::to("/join/").into_response(),
        Err(AppError::Unavailable(message)) => {
            let screen = Screen { screen: "message", error: Some(message), ..Screen::default() };
            render(&state, StatusCode::SERVICE_UNAVAILABLE, "Billing", screen).await
        }
        Err(error) => WebError::from(error).into_response(),
    }
}

/// `POST /members/webhooks/stripe/` (Ghost's path): 400 without a signature or with a body that
/// is not an event, 401 when the signature does not match, 200 once applied (or when it was
/// applied before), 503 when applying failed, so that Stripe delivers it again.
pub async fn stripe_webhook(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let signature = headers.get("stripe-signature").and_then(|v| v.to_str().ok());
    let (status, message) = match state.newsroom.handle_stripe_webhook(&body, signature).await {
        Ok(WebhookOutcome::Applied) => (StatusCode::OK, "applied".to_owned()),
        Ok(WebhookOutcome::AlreadyApplied) => (StatusCode::OK, "already applied".to_owned()),
        Ok(WebhookOutcome::Ignored) => (StatusCode::OK, "ignored".to_owned()),
        Err(WebhookError::NotConfigured) => (StatusCode::NOT_FOUND, WebhookError::NotConfigured.to_string()),
        Err(
            error @ (WebhookError::Malformed(_)
            | WebhookError::Signature(masthead_app::payments::stripe::SignatureError::Missing)),
        ) => (StatusCode::BAD_REQUEST, error.to_string()),
        Err(error @ WebhookError::Signature(_)) => (StatusCode::UNAUTHORIZED, error.to_string()),
        Err(WebhookError::Failed(error)) => {
            tracing::error!(%error, "a Stripe webhook could not be applied; Stripe will deliver it again");
            (StatusCode::SERVICE_UNAVAILABLE, "could not be applied now; deliver it again".to_owned())
        }
    };
    (
        status,
        [(header::CACHE_CONTROL, PRIVATE)],
        axum::Json(serde_json::json!({ "received": status == StatusCode::OK, "message": message })),
    )
        .into_response()
}
