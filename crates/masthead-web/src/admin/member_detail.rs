//! One member in the newsroom (`/admin/members/{id}/`): profile, status, tiers, labels,
//! newsletters, a complimentary membership, and the history timeline.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use masthead_app::AppError;
use masthead_core::{Member, ObjectId, Permission};
use masthead_storage::{MemberEvent, MemberTier, TierChoice};
use serde::{Deserialize, Serialize};

use super::members::{FieldError, errors_by_field};
use super::posts::internal;
use super::{SignedIn, Staff, forbidden, not_found, render};
use crate::AppState;

/// One line of the history, in words.
#[derive(Serialize)]
struct HistoryLine {
    kind: String,
    text: String,
    #[serde(with = "time::serde::rfc3339")]
    at: time::OffsetDateTime,
}

/// An amount in the smallest unit of its currency, as people read it.
fn money(detail: &serde_json::Value) -> Option<String> {
    let amount = detail.get("amount")?.as_i64()?;
    let currency = detail.get("currency").and_then(|c| c.as_str()).unwrap_or("");
    Some(masthead_app::members::emails::format_amount(amount, currency))
}

/// What a history event says, as a sentence.
fn describe(event: &MemberEvent) -> String {
    let d = &event.detail;
    let field = |name: &str| d.get(name).and_then(|v| v.as_str()).filter(|v| !v.is_empty()).map(str::to_owned);
    let tier = field("tier");
    let on_tier = tier.as_deref().map(|t| format!(" ({t})")).unwrap_or_default();
    match event.kind.as_str() {
        "signed_up" => match field("source") {
            Some(source) => format!("Joined (via {source})"),
            None => "Joined".into(),
        },
        "subscription_started" => {
            format!("Started a paid subscription{on_tier}{}", money(d).map(|m| format!(": {m}")).unwrap_or_default())
        }
        "subscription_changed" => format!("Changed subscription{on_tier}"),
        "subscription_canceled" => format!("Canceled subscription{on_tier}"),
        "payment_failed" => format!("A payment failed{}", money(d).map(|m| format!(" ({m})")).unwrap_or_default()),
        "donation" => format!("Donated{}", money(d).map(|m| format!(" {m}")).unwrap_or_default()),
        "refund" => format!("Refunded{}", money(d).map(|m| format!(" {m}")).unwrap_or_default()),
        "comped" => format!(
            "Given a complimentary membership{on_tier}{}",
            field("by").map(|b| format!(" by {b}")).unwrap_or_default()
        ),
        "comp_removed" => format!(
            "Complimentary membership ended{on_tier}{}",
            field("by").map(|b| format!(" by {b}")).unwrap_or_default()
        ),
        "email_sent" => {
            let what = match field("email").as_deref() {
                Some("welcome") => "Sent the welcome email".to_owned(),
                Some("donation_receipt") => "Sent a donation receipt".to_owned(),
                Some("payment_failed") => "Sent a payment-failed notice".to_owned(),
                Some(other) => format!("Sent an email ({other})"),
                None => "Sent an email".to_owned(),
            };
            match field("subject") {
                Some(subject) => format!("{what}: “{subject}”"),
                None => what,
            }
        }
        other => other.replace('_', " "),
    }
}

#[derive(Default)]
struct Typed {
    label: String,
    tier: String,
}

async fn member_page(
    state: &AppState,
    staff: &Staff,
    id: &str,
    errors: &[FieldError],
    typed: Typed,
    status: StatusCode,
) -> Response {
    if !staff.actor.may(Permission::ManageMembers) {
        return forbidden(state, staff, "manage members").await;
    }
    let Ok(id) = ObjectId::parse(id) else { return not_found(state, staff).await };
    let db = state.newsroom.db();
    let member = match db.member_by_id(&id).await {
        Ok(Some(member)) => member,
        Ok(None) => return not_found(state, staff).await,
        Err(e) => return internal(e),
    };
    let (history, tiers, all_tiers, newsletters, unsubscribed) = match tokio::try_join!(
        db.member_history(&id),
        db.member_tiers(&id),
        db.tier_choices(),
        db.newsletters(true),
        db.unsubscribed_newsletters(&id)
    ) {
        Ok(found) => found,
        Err(e) => return internal(e),
    };
    #[derive(Serialize)]
    struct NewsletterLine {
        name: String,
        status: &'static str,
    }
    #[derive(Serialize)]
    struct Detail<'a> {
        member: Member,
        tiers: Vec<MemberTier>,
        paid_tiers: Vec<TierChoice>,
        newsletters: Vec<NewsletterLine>,
        history: Vec<HistoryLine>,
        errors: std::collections::BTreeMap<&'static str, &'a str>,
        typed_label: String,
        typed_tier: String,
    }
    let newsletters = newsletters
        .into_iter()
        .map(|n| {
            let status = if member.newsletters.contains(&n.slug.as_str().to_owned()) {
                "subscribed"
            } else if unsubscribed.contains(&n.slug.as_str().to_owned()) {
                "unsubscribed"
            } else {
                "not subscribed"
            };
            NewsletterLine { name: n.name, status }
        })
        .collect();
    let history =
        history.iter().map(|e| HistoryLine { kind: e.kind.clone(), text: describe(e), at: e.created_at }).collect();
    let content = Detail {
        member,
        tiers,
        paid_tiers: all_tiers.into_iter().filter(|t| t.kind == "paid" && t.active).collect(),
        newsletters,
        history,
        errors: errors_by_field(errors),
        typed_label: typed.label,
        typed_tier: typed.tier,
    };
    render(state, status, "member.html", Some(staff), "members", content).await
}

/// `GET /admin/members/{id}/`
pub async fn member_detail(
    State(state): State<AppState>,
    SignedIn(staff): SignedIn,
    Path(id): Path<String>,
) -> Response {
    member_page(&state, &staff, &id, &[], Typed::default(), StatusCode::OK).await
}

/// After a change: back to the page, or the page again with the refusal next to its field.
async fn answer(
    state: &AppState,
    staff: &Staff,
    id: &str,
    result: Result<(), AppError>,
    field: &'static str,
    typed: Typed,
) -> Response {
    match result {
        Ok(()) => Redirect::to(&format!("/admin/members/{id}/")).into_response(),
        Err(AppError::Forbidden(_)) => forbidden(state, staff, "manage members").await,
        Err(AppError::NotFound("member")) => not_found(state, staff).await,
        Err(AppError::NotFound(what)) => {
            let errors = [FieldError::new(field, format!("That {what} is not on this member."))];
            member_page(state, staff, id, &errors, typed, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(AppError::Invalid { field, message }) => {
            let errors = [FieldError::new(field, message)];
            member_page(state, staff, id, &errors, typed, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => internal(e),
    }
}

#[derive(Deserialize)]
pub struct LabelForm {
    #[serde(default)]
    label: String,
}

/// `POST /admin/members/{id}/labels/`: adds a label by name.
pub async fn add_label(
    State(state): State<AppState>,
    SignedIn(staff): SignedIn,
    Path(id): Path<String>,
    Form(form): Form<LabelForm>,
) -> Response {
    let Ok(member) = ObjectId::parse(&id) else { return not_found(&state, &staff).await };
    let result = state.newsroom.add_member_label_as(&staff.actor, &member, &form.label).await;
    answer(&state, &staff, &id, result, "label", Typed { label: form.label, ..Typed::default() }).await
}

/// `POST /admin/members/{id}/labels/{label}/remove/`
pub async fn remove_label(
    State(state): State<AppState>,
    SignedIn(staff): SignedIn,
    Path((id, label)): Path<(String, String)>,
) -> Response {
    let Ok(member) = ObjectId::parse(&id) else { return not_found(&state, &staff).await };
    let result = state.newsroom.remove_member_label_as(&staff.actor, &member, &label).await;
    answer(&state, &staff, &id, result, "label", Typed::default()).await
}

#[derive(Deserialize)]
pub struct CompForm {
    #[serde(default)]
    tier: String,
}

/// `POST /admin/members/{id}/comp/`: a complimentary membership of the chosen paid tier.
pub async fn grant_comp(
    State(state): State<AppState>,
    SignedIn(staff): SignedIn,
    Path(id): Path<String>,
    Form(form): Form<CompForm>,
) -> Response {
    let Ok(member) = ObjectId::parse(&id) else { return not_found(&state, &staff).await };
    let result = state.newsroom.grant_comp_as(&staff.actor, &member, &form.tier).await;
    answer(&state, &staff, &id, result, "tier", Typed { tier: form.tier, ..Typed::default() }).await
}

/// `POST /admin/members/{id}/comp/remove/`
pub async fn remove_comp(State(state): State<AppState>, SignedIn(staff): SignedIn, Path(id): Path<String>) -> Response {
    let Ok(member) = ObjectId::parse(&id) else { return not_found(&state, &staff).await };
    let result = state.newsroom.remove_comp_as(&staff.actor, &member).await;
    answer(&state, &staff, &id, result, "status", Typed::default()).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(kind: &str, detail: serde_json::Value) -> MemberEvent {
        MemberEvent {
            id: "e".into(),
            member_id: "m".into(),
            kind: kind.into(),
            detail,
            created_at: time::OffsetDateTime::UNIX_EPOCH,
        }
    }

    #[test]
    fn events_read_as_sentences() {
        let donation = event("donation", serde_json::json!({"amount": 500, "currency": "usd"}));
        assert_eq!(describe(&donation), "Donated 5.00 USD");
        let started = event("subscription_started", serde_json::json!({"tier": "Supporter"}));
        assert_eq!(describe(&started), "Started a paid subscription (Supporter)");
        let sent = event("email_sent", serde_json::json!({"email": "welcome", "subject": "Hi"}));
        assert_eq!(describe(&sent), "Sent the welcome email: “Hi”");
        assert_eq!(describe(&event("something_new", serde_json::json!({}))), "something new");
    }
}
