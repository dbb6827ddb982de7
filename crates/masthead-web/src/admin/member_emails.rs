//! The member emails screen (`/admin/members/emails/`): the welcome (default and per paid tier),
//! donation receipt and payment-failed wordings, each with a preview and a test send to the
//! signed-in staff member. One form, whose buttons say what to do, so it all works without
//! JavaScript and nothing typed is lost when something is refused.

use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use masthead_app::AppError;
use masthead_app::members::emails::{MAX_BODY, MAX_SUBJECT, MemberEmailKind};
use masthead_core::Permission;
use masthead_storage::TierChoice;
use serde::{Deserialize, Serialize};

use super::members::{FieldError, errors_by_field};
use super::posts::internal;
use super::{SignedIn, Staff, forbidden, render};
use crate::AppState;

#[derive(Default, Deserialize)]
pub struct EmailsQuery {
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    tier: Option<String>,
    #[serde(default)]
    saved: Option<String>,
}

#[derive(Default, Deserialize)]
pub struct EmailForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    tier: String,
    #[serde(default)]
    subject: String,
    #[serde(default)]
    body: String,
    /// `save`, `preview`, `test` or `reset`: the button pressed.
    #[serde(default)]
    action: String,
}

#[derive(Serialize)]
struct KindLink {
    kind: &'static str,
    label: &'static str,
    current: bool,
}

#[derive(Serialize)]
struct Editor<'a> {
    kinds: Vec<KindLink>,
    kind: &'static str,
    kind_label: &'static str,
    tier: String,
    tier_name: Option<String>,
    paid_tiers: Vec<TierChoice>,
    placeholders: Vec<String>,
    subject: String,
    body: String,
    source: &'static str,
    preview: Option<(String, String)>,
    notice: Option<String>,
    errors: std::collections::BTreeMap<&'static str, &'a str>,
    max_subject: usize,
    max_body: usize,
}

struct Shown {
    kind: MemberEmailKind,
    tier: String,
    subject: Option<String>,
    body: Option<String>,
    preview: Option<(String, String)>,
    notice: Option<String>,
}

async fn editor(state: &AppState, staff: &Staff, shown: Shown, errors: &[FieldError], status: StatusCode) -> Response {
    let db = state.newsroom.db();
    let paid_tiers: Vec<TierChoice> = match db.tier_choices().await {
        Ok(tiers) => tiers.into_iter().filter(|t| t.kind == "paid").collect(),
        Err(e) => return internal(e),
    };
    let tier = if shown.kind == MemberEmailKind::Welcome && paid_tiers.iter().any(|t| t.id == shown.tier) {
        shown.tier
    } else {
        String::new()
    };
    let wording = match state.newsroom.member_email_wording(shown.kind, Some(tier.as_str())).await {
        Ok(wording) => wording,
        Err(e) => return internal(e),
    };
    // A tier with no wording of its own is edited starting from the default it falls back to.
    let source = if !tier.is_empty() && wording.source != "tier" {
        "default (this tier has none of its own)"
    } else {
        match wording.source {
            "tier" => "this tier's own wording",
            "default" => "the newsroom's wording",
            _ => "the built-in wording",
        }
    };
    let content = Editor {
        kinds: MemberEmailKind::ALL
            .into_iter()
            .map(|k| KindLink { kind: k.as_str(), label: k.label(), current: k == shown.kind })
            .collect(),
        kind: shown.kind.as_str(),
        kind_label: shown.kind.label(),
        tier_name: paid_tiers.iter().find(|t| t.id == tier).map(|t| t.name.clone()),
        tier,
        paid_tiers: if shown.kind == MemberEmailKind::Welcome { paid_tiers } else { Vec::new() },
        placeholders: shown.kind.placeholders().iter().map(|p| format!("{{{p}}}")).collect(),
        subject: shown.subject.unwrap_or(wording.subject),
        body: shown.body.unwrap_or(wording.body),
        source,
        preview: shown.preview,
        notice: shown.notice,
        errors: errors_by_field(errors),
        max_subject: MAX_SUBJECT,
        max_body: MAX_BODY,
    };
    render(state, status, "member-emails.html", Some(staff), "members", content).await
}

/// `GET /admin/members/emails/`
pub async fn emails_page(
    State(state): State<AppState>,
    SignedIn(staff): SignedIn,
    Query(query): Query<EmailsQuery>,
) -> Response {
    if !staff.actor.may(Permission::ManageMembers) {
        return forbidden(&state, &staff, "edit member emails").await;
    }
    let kind = query.kind.as_deref().and_then(MemberEmailKind::parse).unwrap_or(MemberEmailKind::Welcome);
    let notice = query.saved.is_some().then(|| "Saved. Members get this wording from now on.".to_owned());
    let shown = Shown { kind, tier: query.tier.unwrap_or_default(), subject: None, body: None, preview: None, notice };
    editor(&state, &staff, shown, &[], StatusCode::OK).await
}

/// `POST /admin/members/emails/`: save, preview, send a test or go back to the default.
pub async fn email_action(
    State(state): State<AppState>,
    SignedIn(staff): SignedIn,
    Form(form): Form<EmailForm>,
) -> Response {
    if !staff.actor.may(Permission::ManageMembers) {
        return forbidden(&state, &staff, "edit member emails").await;
    }
    let Some(kind) = MemberEmailKind::parse(&form.kind) else {
        let shown = Shown {
            kind: MemberEmailKind::Welcome,
            tier: String::new(),
            subject: Some(form.subject),
            body: Some(form.body),
            preview: None,
            notice: None,
        };
        let errors =
            [FieldError::new("kind", "Choose which email this is: welcome, donation receipt or payment failed.")];
        return editor(&state, &staff, shown, &errors, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let tier = form.tier.trim().to_owned();
    let back = format!("/admin/members/emails/?kind={}&tier={}", kind.as_str(), super::urlencode(&tier));
    let mut shown = Shown {
        kind,
        tier: tier.clone(),
        subject: Some(form.subject.clone()),
        body: Some(form.body.clone()),
        preview: None,
        notice: None,
    };
    let newsroom = &state.newsroom;
    let result = match form.action.as_str() {
        "save" => match newsroom.save_member_email_as(&staff.actor, kind, &tier, &form.subject, &form.body).await {
            Ok(()) => return Redirect::to(&format!("{back}&saved=1")).into_response(),
            Err(e) => Err(e),
        },
        "reset" => match newsroom.reset_member_email_as(&staff.actor, kind, &tier).await {
            Ok(_) => return Redirect::to(&back).into_response(),
            Err(e) => Err(e),
        },
        "preview" => newsroom.preview_member_email(kind, &form.subject, &form.body).await.map(|preview| {
            shown.preview = Some(preview);
        }),
        "test" => newsroom.send_test_member_email_as(&staff.actor, kind, &form.subject, &form.body).await.map(|to| {
            shown.notice = Some(format!("A test of this email is on its way to {to}."));
        }),
        _ => Err(AppError::invalid("action", "Choose Save, Preview or Send a test.")),
    };
    match result {
        Ok(()) => editor(&state, &staff, shown, &[], StatusCode::OK).await,
        Err(AppError::Forbidden(_)) => forbidden(&state, &staff, "edit member emails").await,
        Err(AppError::Invalid { field, message }) => {
            let errors = [FieldError::new(field, message)];
            editor(&state, &staff, shown, &errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => internal(e),
    }
}
