//! Members, newsletters, the suppression list and newsletter sends in the newsroom.

use axum::Form;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use masthead_app::AppError;
use masthead_app::mail::newsletters::NewsletterInput;
use masthead_app::members::admin::MemberInput;
use masthead_core::nql::{CompareOp, Filter, Value};
use masthead_core::{MemberStatus, ObjectId, Permission};
use masthead_storage::{Listing, PageRequest, Resource, Scope};
use serde::{Deserialize, Serialize};

use super::posts::internal;
use super::{PRIVATE, SignedIn, Staff, forbidden, message, not_found, render};
use crate::AppState;

async fn refused(state: &AppState, staff: &Staff, error: AppError, back: &str) -> Response {
    let link = Some(super::LinkView { url: back, label: "Back" });
    match error {
        AppError::Forbidden(text) => {
            message(state, StatusCode::FORBIDDEN, Some(staff), "Not allowed", &text, link).await
        }
        AppError::NotFound(_) => not_found(state, staff).await,
        AppError::Invalid { field, message: text } => {
            let text = format!("{field}: {text}");
            message(state, StatusCode::UNPROCESSABLE_ENTITY, Some(staff), "Not saved", &text, link).await
        }
        AppError::Conflict(text) => {
            message(state, StatusCode::UNPROCESSABLE_ENTITY, Some(staff), "Not saved", &text, link).await
        }
        other => internal(other),
    }
}

// ---- members ----------------------------------------------------------------------------------

#[derive(Clone, Default, Deserialize)]
pub struct MembersQuery {
    #[serde(default)]
    q: Option<String>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    tier: Option<String>,
    #[serde(default)]
    label: Option<String>,
    #[serde(default)]
    newsletter: Option<String>,
    /// Joined on or after this day (`YYYY-MM-DD`, the site's timezone).
    #[serde(default)]
    from: Option<String>,
    /// Joined on or before this day.
    #[serde(default)]
    to: Option<String>,
    #[serde(default)]
    page: Option<String>,
}

fn clean(value: &Option<String>) -> Option<String> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned)
}

impl MembersQuery {
    /// The list's filter as NQL (the Admin API's filter language, compiled over its allowlist),
    /// and a message for each field that could not be read. A field in error does not filter.
    fn nql(&self, zone: &jiff::tz::TimeZone) -> (Option<Filter>, Vec<FieldError>) {
        let compare = |field: &str, op: CompareOp, value: String| Filter::Compare {
            field: field.to_owned(),
            op,
            value: Value::Text(value),
        };
        let mut parts = Vec::new();
        let mut errors = Vec::new();
        if let Some(q) = clean(&self.q) {
            parts.push(Filter::Or(vec![
                compare("email", CompareOp::Contains, q.clone()),
                compare("name", CompareOp::Contains, q),
            ]));
        }
        if let Some(status) = clean(&self.status) {
            match MemberStatus::parse(&status) {
                Some(status) => parts.push(compare("status", CompareOp::Eq, status.as_str().to_owned())),
                None => errors.push(FieldError::new("status", "Choose free, paid or comped.")),
            }
        }
        for (field, value) in
            [("tiers.slug", &self.tier), ("labels.slug", &self.label), ("newsletters.slug", &self.newsletter)]
        {
            if let Some(value) = clean(value) {
                parts.push(compare(field, CompareOp::Eq, value));
            }
        }
        let day = |name: &'static str, value: &Option<String>, errors: &mut Vec<FieldError>| {
            let value = clean(value)?;
            match value.parse::<jiff::civil::Date>() {
                Ok(date) if value.len() == 10 => Some(date),
                _ => {
                    errors.push(FieldError::new(name, "Use a date like 2026-11-30."));
                    None
                }
            }
        };
        let from = day("from", &self.from, &mut errors);
        let to = day("to", &self.to, &mut errors);
        if let (Some(from), Some(to)) = (from, to)
            && to < from
        {
            errors.push(FieldError::new("to", "The end of the range is before its start."));
        } else {
            // The start of a day in the site's timezone, as an instant NQL reads.
            let start_of = |date: jiff::civil::Date| {
                date.to_zoned(zone.clone()).ok().map(|z| z.timestamp().strftime("%Y-%m-%dT%H:%M:%SZ").to_string())
            };
            if let Some(at) = from.and_then(start_of) {
                parts.push(compare("created_at", CompareOp::Gte, at));
            }
            if let Some(at) = to.and_then(|d| d.tomorrow().ok()).and_then(start_of) {
                parts.push(compare("created_at", CompareOp::Lt, at));
            }
        }
        let filter = match parts.len() {
            0 => None,
            1 => parts.pop(),
            _ => Some(Filter::And(parts)),
        };
        (filter, errors)
    }

    /// The filters as a query string, for page links and the export link.
    fn query_string(&self) -> String {
        [
            ("q", &self.q),
            ("status", &self.status),
            ("tier", &self.tier),
            ("label", &self.label),
            ("newsletter", &self.newsletter),
            ("from", &self.from),
            ("to", &self.to),
        ]
        .into_iter()
        .filter_map(|(name, value)| clean(value).map(|v| format!("{name}={}", super::urlencode(&v))))
        .collect::<Vec<_>>()
        .join("&")
    }
}

/// A message shown next to the form field it is about.
#[derive(Clone, Debug, Serialize)]
pub struct FieldError {
    pub field: &'static str,
    pub message: String,
}

impl FieldError {
    pub fn new(field: &'static str, message: impl Into<String>) -> Self {
        Self { field, message: message.into() }
    }
}

/// Field errors as a map from field to message, for templates.
pub fn errors_by_field(errors: &[FieldError]) -> std::collections::BTreeMap<&'static str, &str> {
    errors.iter().map(|e| (e.field, e.message.as_str())).collect()
}

pub async fn members_page(
    State(state): State<AppState>,
    SignedIn(staff): SignedIn,
    Query(query): Query<MembersQuery>,
) -> Response {
    if !staff.actor.may(Permission::ManageMembers) {
        return forbidden(&state, &staff, "manage members").await;
    }
    let db = &state.newsroom.db();
    let settings = match db.site_settings().await {
        Ok(settings) => settings,
        Err(e) => return internal(e),
    };
    let (filter, mut errors) = query.nql(&settings.timezone.zone());
    let page_number = match clean(&query.page).map(|p| p.parse::<u32>()) {
        None => 1,
        Some(Ok(n)) if n >= 1 => n,
        Some(_) => {
            errors.push(FieldError::new("page", "A page is a whole number from 1."));
            1
        }
    };
    let listing = Listing {
        resource: Resource::Members,
        scope: Scope::Staff,
        filter: filter.as_ref(),
        order: None,
        page: PageRequest::new(page_number, 50),
        now: masthead_core::now(),
    };
    let (ids, newsletters, labels, tiers, totals) = match tokio::try_join!(
        db.list_ids(&listing),
        db.newsletters(true),
        db.labels(),
        db.tier_choices(),
        db.member_totals()
    ) {
        Ok(found) => found,
        Err(e) => return internal(e),
    };
    let mut items = Vec::with_capacity(ids.items.len());
    for id in &ids.items {
        let Ok(id) = ObjectId::parse(id) else { continue };
        match db.member_by_id(&id).await {
            Ok(Some(member)) => items.push(member),
            Ok(None) => {}
            Err(e) => return internal(e),
        }
    }
    #[derive(Serialize)]
    struct Members<'a> {
        members: masthead_storage::Paginated<masthead_core::Member>,
        newsletters: Vec<masthead_core::Newsletter>,
        labels: Vec<masthead_core::Label>,
        tiers: Vec<masthead_storage::TierChoice>,
        total: i64,
        totals: masthead_storage::MemberTotals,
        matching: u64,
        q: String,
        status: String,
        tier: String,
        label: String,
        newsletter: String,
        from: String,
        to: String,
        query: String,
        errors: std::collections::BTreeMap<&'static str, &'a str>,
    }
    let matching = ids.total;
    let members = masthead_storage::Paginated {
        items,
        page: ids.page,
        limit: ids.limit,
        pages: ids.pages,
        total: ids.total,
        next: ids.next,
        prev: ids.prev,
    };
    let typed = |v: &Option<String>| v.clone().unwrap_or_default();
    let content = Members {
        members,
        newsletters,
        labels,
        tiers,
        total: totals.total,
        totals,
        matching,
        q: typed(&query.q),
        status: typed(&query.status),
        tier: typed(&query.tier),
        label: typed(&query.label),
        newsletter: typed(&query.newsletter),
        from: typed(&query.from),
        to: typed(&query.to),
        query: query.query_string(),
        errors: errors_by_field(&errors),
    };
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    render(&state, status, "members.html", Some(&staff), "members", content).await
}

#[derive(Deserialize)]
pub struct MemberForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    labels: String,
}

/// Adds a member by hand (consent source "admin"), subscribed to the default newsletters.
pub async fn add_member(
    State(state): State<AppState>,
    SignedIn(staff): SignedIn,
    Form(form): Form<MemberForm>,
) -> Response {
    if !staff.actor.may(Permission::ManageMembers) {
        return forbidden(&state, &staff, "manage members").await;
    }
    let input = MemberInput {
        email: Some(form.email.clone()),
        name: Some(Some(form.name.clone())),
        note: Some(Some(form.note.clone())),
        status: Some(MemberStatus::parse(&form.status).unwrap_or(MemberStatus::Free)),
        labels: Some(form.labels.split(',').map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned).collect()),
        newsletters: None,
    };
    let source = format!("admin ({})", staff.user.name);
    match state.newsroom.add_member_as(&staff.actor, input, &source).await {
        Ok(member) => Redirect::to(&format!("/admin/members/?q={}", super::urlencode(&member.email))).into_response(),
        Err(e) => refused(&state, &staff, e, "/admin/members/").await,
    }
}

pub async fn delete_member(
    State(state): State<AppState>,
    SignedIn(staff): SignedIn,
    Path(id): Path<String>,
) -> Response {
    let Ok(id) = ObjectId::parse(&id) else { return not_found(&state, &staff).await };
    match state.newsroom.delete_member_as(&staff.actor, &id).await {
        Ok(()) => Redirect::to("/admin/members/").into_response(),
        Err(AppError::NotFound(_)) => not_found(&state, &staff).await,
        Err(AppError::Forbidden(_)) => forbidden(&state, &staff, "manage members").await,
        Err(e) => internal(e),
    }
}

/// `GET /admin/members/export/`: Ghost's member CSV of the filtered list.
pub async fn export_members(
    State(state): State<AppState>,
    SignedIn(staff): SignedIn,
    Query(query): Query<MembersQuery>,
) -> Response {
    if !staff.actor.may(Permission::ManageMembers) {
        return forbidden(&state, &staff, "manage members").await;
    }
    // The same filters as the list, so the file holds exactly the members listed.
    let zone = match state.newsroom.db().site_settings().await {
        Ok(settings) => settings.timezone.zone(),
        Err(e) => return internal(e),
    };
    let (filter, errors) = query.nql(&zone);
    if let Some(error) = errors.into_iter().next() {
        let back = format!("/admin/members/?{}", query.query_string());
        return refused(&state, &staff, AppError::invalid(error.field, error.message), &back).await;
    }
    match state.newsroom.export_filtered_members_csv(&staff.actor, filter.as_ref()).await {
        Ok(csv) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                (header::CONTENT_DISPOSITION, "attachment; filename=\"members.csv\""),
                (header::CACHE_CONTROL, "private, no-store"),
            ],
            csv,
        )
            .into_response(),
        Err(e) => refused(&state, &staff, e, "/admin/members/").await,
    }
}

/// `POST /admin/members/import/`: a Ghost member CSV; the report lists every refused row.
pub async fn import_members(State(state): State<AppState>, SignedIn(staff): SignedIn, mut form: Multipart) -> Response {
    if !staff.actor.may(Permission::ManageMembers) {
        return forbidden(&state, &staff, "manage members").await;
    }
    let mut text = None;
    let mut label = None;
    while let Ok(Some(field)) = form.next_field().await {
        match field.name() {
            Some("file") => text = field.text().await.ok(),
            Some("label") => label = field.text().await.ok().filter(|l| !l.trim().is_empty()),
            _ => {}
        }
    }
    let Some(text) = text.filter(|t| !t.trim().is_empty()) else {
        let error = masthead_app::AppError::invalid("file", "choose a CSV file to import");
        return refused(&state, &staff, error, "/admin/members/").await;
    };
    match state.newsroom.import_members_csv(&staff.actor, &text, label.as_deref()).await {
        Ok(report) => render(&state, StatusCode::OK, "members-import.html", Some(&staff), "members", report).await,
        Err(e) => refused(&state, &staff, e, "/admin/members/").await,
    }
}

// ---- newsletters ------------------------------------------------------------------------------

pub async fn newsletters_page(State(state): State<AppState>, SignedIn(staff): SignedIn) -> Response {
    if !staff.actor.may(Permission::ManageMembers) {
        return forbidden(&state, &staff, "manage newsletters").await;
    }
    let (newsletters, counts) = match tokio::try_join!(
        state.newsroom.db().newsletters(true),
        state.newsroom.db().newsletter_subscriber_counts()
    ) {
        Ok(found) => found,
        Err(e) => return internal(e),
    };
    #[derive(Serialize)]
    struct Row {
        #[serde(flatten)]
        newsletter: masthead_core::Newsletter,
        subscribers: i64,
    }
    #[derive(Serialize)]
    struct Newsletters {
        newsletters: Vec<Row>,
    }
    let newsletters = newsletters
        .into_iter()
        .map(|n| Row { subscribers: counts.get(n.id.as_str()).copied().unwrap_or(0), newsletter: n })
        .collect();
    render(&state, StatusCode::OK, "newsletters.html", Some(&staff), "newsletters", Newsletters { newsletters }).await
}

#[derive(Deserialize)]
pub struct NewsletterForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    slug: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    sender_name: String,
    #[serde(default)]
    sender_email: String,
    #[serde(default)]
    sender_reply_to: String,
    #[serde(default)]
    host_name: String,
    #[serde(default)]
    archived: Option<String>,
    #[serde(default)]
    subscribe_on_signup: Option<String>,
    #[serde(default)]
    sort_order: Option<String>,
}

impl NewsletterForm {
    fn input(self) -> NewsletterInput {
        let some = |v: String| Some(v).filter(|v| !v.trim().is_empty());
        NewsletterInput {
            name: self.name,
            slug: some(self.slug),
            description: some(self.description),
            sender_name: some(self.sender_name),
            sender_email: some(self.sender_email),
            sender_reply_to: some(self.sender_reply_to),
            host_name: some(self.host_name),
            archived: self.archived.is_some(),
            subscribe_on_signup: self.subscribe_on_signup.is_some(),
            sort_order: self.sort_order.and_then(|s| s.trim().parse().ok()).unwrap_or(0),
        }
    }
}

pub async fn create_newsletter(
    State(state): State<AppState>,
    SignedIn(staff): SignedIn,
    Form(form): Form<NewsletterForm>,
) -> Response {
    match state.newsroom.save_newsletter(&staff.actor, None, &form.input()).await {
        Ok(_) => Redirect::to("/admin/newsletters/").into_response(),
        Err(e) => refused(&state, &staff, e, "/admin/newsletters/").await,
    }
}

pub async fn update_newsletter(
    State(state): State<AppState>,
    SignedIn(staff): SignedIn,
    Path(id): Path<String>,
    Form(form): Form<NewsletterForm>,
) -> Response {
    let Ok(id) = ObjectId::parse(&id) else { return not_found(&state, &staff).await };
    match state.newsroom.save_newsletter(&staff.actor, Some(&id), &form.input()).await {
        Ok(_) => Redirect::to("/admin/newsletters/").into_response(),
        Err(e) => refused(&state, &staff, e, "/admin/newsletters/").await,
    }
}

// ---- the suppression list ---------------------------------------------------------------------

pub async fn suppressions_page(State(state): State<AppState>, SignedIn(staff): SignedIn) -> Response {
    if !staff.actor.may(Permission::ManageMembers) {
        return forbidden(&state, &staff, "manage the suppression list").await;
    }
    #[derive(Serialize)]
    struct Suppressions {
        suppressions: Vec<masthead_storage::Suppression>,
    }
    match state.newsroom.db().suppressions().await {
        Ok(suppressions) => {
            let content = Suppressions { suppressions };
            render(&state, StatusCode::OK, "suppressions.html", Some(&staff), "suppressions", content).await
        }
        Err(e) => internal(e),
    }
}

#[derive(Deserialize)]
pub struct SuppressionForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    detail: String,
}

pub async fn add_suppression(
    State(state): State<AppState>,
    SignedIn(staff): SignedIn,
    Form(form): Form<SuppressionForm>,
) -> Response {
    if !staff.actor.may(Permission::ManageMembers) {
        return forbidden(&state, &staff, "manage the suppression list").await;
    }
    let detail = Some(form.detail.trim()).filter(|d| !d.is_empty()).map(str::to_owned);
    let detail = detail.unwrap_or_else(|| format!("added by {}", staff.user.name));
    match state.newsroom.suppress_address_as(&staff.actor, &form.email, &detail).await {
        Ok(()) => Redirect::to("/admin/suppressions/").into_response(),
        Err(e) => refused(&state, &staff, e, "/admin/suppressions/").await,
    }
}

pub async fn remove_suppression(
    State(state): State<AppState>,
    SignedIn(staff): SignedIn,
    Form(form): Form<SuppressionForm>,
) -> Response {
    if !staff.actor.may(Permission::ManageMembers) {
        return forbidden(&state, &staff, "manage the suppression list").await;
    }
    match state.newsroom.unsuppress_address_as(&staff.actor, &form.email).await {
        Ok(_) => Redirect::to("/admin/suppressions/").into_response(),
        Err(e) => refused(&state, &staff, e, "/admin/suppressions/").await,
    }
}

// ---- newsletter sends -------------------------------------------------------------------------

#[derive(Serialize)]
struct SendRow {
    #[serde(flatten)]
    email: masthead_storage::EmailRecord,
    progress: masthead_storage::EmailProgress,
}

pub async fn emails_page(State(state): State<AppState>, SignedIn(staff): SignedIn) -> Response {
    if !staff.actor.may(Permission::SendNewsletters) {
        return forbidden(&state, &staff, "see newsletter sends").await;
    }
    let emails = match state.newsroom.db().emails(100).await {
        Ok(emails) => emails,
        Err(e) => return internal(e),
    };
    let mut rows = Vec::with_capacity(emails.len());
    for email in emails {
        match state.newsroom.db().email_progress(&email.id).await {
            Ok(progress) => rows.push(SendRow { email, progress }),
            Err(e) => return internal(e),
        }
    }
    #[derive(Serialize)]
    struct Sends {
        sends: Vec<SendRow>,
        delivers: bool,
    }
    let content = Sends { sends: rows, delivers: state.newsroom.mailer.delivers() };
    render(&state, StatusCode::OK, "emails.html", Some(&staff), "emails", content).await
}

pub async fn email_page(State(state): State<AppState>, SignedIn(staff): SignedIn, Path(id): Path<String>) -> Response {
    if !staff.actor.may(Permission::SendNewsletters) {
        return forbidden(&state, &staff, "see newsletter sends").await;
    }
    let db = &state.newsroom.db();
    let Ok(Some(email)) = db.email(&id).await else { return not_found(&state, &staff).await };
    let (progress, failures) =
        match tokio::try_join!(db.email_progress(&email.id), db.failed_recipients(&email.id, 200)) {
            Ok(found) => found,
            Err(e) => return internal(e),
        };
    #[derive(Serialize)]
    struct Send {
        send: SendRow,
        failures: Vec<masthead_storage::FailedRecipient>,
    }
    let content = Send { send: SendRow { email, progress }, failures };
    render(&state, StatusCode::OK, "email.html", Some(&staff), "emails", content).await
}

/// `GET /admin/posts/{id}/email/`: the newsletter email of a story, as subscribers will see it.
pub async fn email_preview(
    State(state): State<AppState>,
    SignedIn(staff): SignedIn,
    Path(id): Path<String>,
    Query(query): Query<PreviewQuery>,
) -> Response {
    let Some((post, newsletter)) = post_and_newsletter(&state, &staff, &id, query.newsletter.as_deref()).await else {
        return not_found(&state, &staff).await;
    };
    if !staff.actor.may_edit(&post) {
        return forbidden(&state, &staff, "preview this story").await;
    }
    match state.newsroom.render_newsletter_email(&post, &newsletter).await {
        Ok((html, _)) => {
            let html = html.replace(masthead_render::email::UNSUBSCRIBE_PLACEHOLDER, "#unsubscribe");
            ([(header::CACHE_CONTROL, PRIVATE)], Html(html)).into_response()
        }
        Err(e) => refused(&state, &staff, e, "/admin/posts/").await,
    }
}

#[derive(Default, Deserialize)]
pub struct PreviewQuery {
    #[serde(default)]
    newsletter: Option<String>,
}

async fn post_and_newsletter(
    state: &AppState,
    _staff: &Staff,
    id: &str,
    newsletter: Option<&str>,
) -> Option<(masthead_core::Post, masthead_core::Newsletter)> {
    let id = ObjectId::parse(id).ok()?;
    let post = state.newsroom.db().post_by_id(&id).await.ok()??;
    let all = state.newsroom.db().newsletters(false).await.ok()?;
    let chosen = state.newsroom.db().post_newsletter(&post.id).await.ok().flatten().map(|(id, _)| id);
    let newsletter = all
        .iter()
        .find(|n| Some(n.slug.as_str()) == newsletter)
        .or_else(|| all.iter().find(|n| Some(&n.id) == chosen.as_ref()))
        .or_else(|| all.first())?
        .clone();
    Some((post, newsletter))
}

/// `POST /admin/posts/{id}/email/test/`: sends the newsletter email to the signed-in staff member.
pub async fn email_test(
    State(state): State<AppState>,
    SignedIn(staff): SignedIn,
    Path(id): Path<String>,
    Form(query): Form<PreviewQuery>,
) -> Response {
    if !staff.actor.may(Permission::SendNewsletters) {
        return forbidden(&state, &staff, "send newsletters").await;
    }
    let Some((post, newsletter)) = post_and_newsletter(&state, &staff, &id, query.newsletter.as_deref()).await else {
        return not_found(&state, &staff).await;
    };
    match state.newsroom.send_test_newsletter(&post, &newsletter, &staff.user.email).await {
        Ok(()) => {
            let text = format!("A test of “{}” is on its way to {}.", post.title, staff.user.email);
            let back = format!("/admin/posts/{}/", post.id);
            let link = Some(super::LinkView { url: &back, label: "Back to the story" });
            message(&state, StatusCode::OK, Some(&staff), "Test email sent", &text, link).await
        }
        Err(e) => refused(&state, &staff, e, "/admin/posts/").await,
    }
}
