//! Membership goal campaigns in the newsroom: the list, the form (new and edit) with a preview
//! of the strip and the article block as readers will see them, and deleting. Editors and
//! above only.
//!
//! The preview is rendered here with the site's own theme. A small script asks for it again as
//! the form is typed in (`POST /admin/campaigns/preview/`); without the script, the form's
//! "Preview" button shows it on the form page, keeping what was typed.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use masthead_app::AppError;
use masthead_app::newsroom::campaigns::{CampaignErrors, CampaignForm, CampaignInput, campaign_form};
use masthead_core::{Campaign, CampaignMetric, CampaignState, ObjectId, Permission, WhenReached};
use masthead_render::views::CampaignView;
use serde::{Deserialize, Serialize};

use super::posts::internal;
use super::{PRIVATE, SignedIn, Staff, forbidden, not_found, render};
use crate::AppState;

/// The form as the browser sends it: ticked boxes send "on", unticked ones nothing.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CampaignFields {
    name: String,
    metric: String,
    target: String,
    currency: String,
    counts_since: String,
    starts_at: String,
    ends_at: String,
    headline: String,
    body: String,
    button_label: String,
    button_url: String,
    show_strip: Option<String>,
    show_in_article: Option<String>,
    active: Option<String>,
    when_reached: String,
    thank_you: String,
    /// "preview" shows the preview instead of saving.
    action: String,
    /// The campaign being edited, for the preview's kept count (the script sends it).
    id: String,
}

impl CampaignFields {
    fn form(&self) -> CampaignForm {
        CampaignForm {
            name: self.name.clone(),
            metric: self.metric.clone(),
            target: self.target.clone(),
            currency: self.currency.clone(),
            counts_since: self.counts_since.clone(),
            starts_at: self.starts_at.clone(),
            ends_at: self.ends_at.clone(),
            headline: self.headline.clone(),
            body: self.body.clone(),
            button_label: self.button_label.clone(),
            button_url: self.button_url.clone(),
            show_strip: self.show_strip.is_some(),
            show_in_article: self.show_in_article.is_some(),
            active: self.active.is_some(),
            when_reached: self.when_reached.clone(),
            thank_you: self.thank_you.clone(),
        }
    }
}

#[derive(Serialize)]
struct MetricOption {
    value: &'static str,
    label: &'static str,
}

#[derive(Serialize)]
struct FieldError {
    field: &'static str,
    message: String,
}

#[derive(Serialize)]
struct FormPage {
    form: CampaignForm,
    /// Set when editing.
    editing: Option<String>,
    /// The kept count of the campaign being edited.
    current: Option<String>,
    errors: Vec<FieldError>,
    metrics: Vec<MetricOption>,
    /// The strip and block as readers would see them (server-rendered).
    preview: String,
    timezone: String,
}

#[derive(Serialize)]
struct CampaignRow {
    id: String,
    name: String,
    headline: String,
    progress: String,
    state: &'static str,
    places: String,
}

#[derive(Serialize)]
struct ListPage {
    campaigns: Vec<CampaignRow>,
}

fn state_label(state: CampaignState) -> &'static str {
    match state {
        CampaignState::Inactive => "Switched off",
        CampaignState::NotStarted => "Not started",
        CampaignState::Ended => "Ended",
        CampaignState::Open => "Running",
        CampaignState::Reached => "Goal reached",
    }
}

fn may_manage(staff: &Staff) -> bool {
    staff.actor.may(Permission::ManageNewsroom)
}

async fn refuse_role(state: &AppState, staff: &Staff) -> Response {
    forbidden(state, staff, "manage campaigns").await
}

/// `GET /admin/campaigns/`: every campaign, with its state and count.
pub async fn list(State(state): State<AppState>, SignedIn(staff): SignedIn) -> Response {
    if !may_manage(&staff) {
        return refuse_role(&state, &staff).await;
    }
    let campaigns = match state.newsroom.db().campaigns().await {
        Ok(campaigns) => campaigns,
        Err(error) => return internal(AppError::from(error)),
    };
    let now = masthead_core::now();
    let rows = campaigns
        .iter()
        .map(|c| CampaignRow {
            id: c.id.clone(),
            name: c.name.clone(),
            headline: c.headline.clone(),
            progress: c.progress_text(),
            state: state_label(c.state(now)),
            places: match (c.show_strip, c.show_in_article) {
                (true, true) => "Strip and after articles",
                (true, false) => "Strip",
                (false, true) => "After articles",
                (false, false) => "Nowhere",
            }
            .to_owned(),
        })
        .collect();
    render(&state, StatusCode::OK, "campaigns.html", Some(&staff), "campaigns", ListPage { campaigns: rows }).await
}

/// What a new campaign's form starts with.
fn new_form() -> CampaignForm {
    CampaignForm {
        metric: CampaignMetric::Members.as_str().to_owned(),
        button_label: "Become a member".into(),
        button_url: "/subscribe/".into(),
        show_strip: true,
        show_in_article: true,
        active: true,
        when_reached: WhenReached::Thank.as_str().to_owned(),
        ..CampaignForm::default()
    }
}

/// A campaign made from the form as typed, for the preview: what cannot be read yet is shown
/// with a stand-in (a target of 1 000, say) rather than no preview at all.
fn preview_campaign(form: &CampaignForm, tz: &jiff::tz::TimeZone, current: i64) -> Campaign {
    let now = masthead_core::now();
    let parsed = CampaignInput::parse(form, tz).ok();
    let metric = CampaignMetric::parse(&form.metric).unwrap_or(CampaignMetric::Members);
    let content = parsed.as_ref().map(CampaignInput::content);
    let target = content.map_or(1000, |c| c.target);
    let currency = content
        .and_then(|c| c.currency.clone())
        .or_else(|| Some(form.currency.trim().to_ascii_uppercase()).filter(|c| !c.is_empty()));
    let or = |value: &str, fallback: &str| {
        if value.trim().is_empty() { fallback.to_owned() } else { value.trim().to_owned() }
    };
    Campaign {
        id: "preview".into(),
        name: form.name.clone(),
        metric,
        counts_since: None,
        currency,
        target,
        starts_at: now,
        ends_at: None,
        headline: or(&form.headline, "Your headline"),
        body: form.body.clone(),
        button_label: or(&form.button_label, "Your button"),
        button_url: content.map_or_else(|| "#".to_owned(), |c| c.button_url.clone()),
        show_strip: true,
        show_in_article: true,
        active: true,
        when_reached: WhenReached::Thank,
        thank_you: form.thank_you.clone(),
        current,
        counted_at: None,
        created_at: now,
        updated_at: now,
    }
}

#[derive(Serialize)]
struct PreviewContext {
    strip: Option<CampaignView>,
    block: Option<CampaignView>,
}

/// The strip and block as the site's theme renders them.
fn preview_html(state: &AppState, form: &CampaignForm, tz: &jiff::tz::TimeZone, current: i64) -> String {
    let campaign = preview_campaign(form, tz, current);
    let view = CampaignView::new(&campaign);
    let context =
        PreviewContext { strip: form.show_strip.then(|| view.clone()), block: form.show_in_article.then_some(view) };
    state.theme.render("campaign-preview.html", &context).unwrap_or_else(|error| {
        tracing::error!(%error, "rendering a campaign preview failed");
        String::new()
    })
}

async fn form_page(
    state: &AppState,
    staff: &Staff,
    status: StatusCode,
    form: CampaignForm,
    editing: Option<&Campaign>,
    errors: CampaignErrors,
) -> Response {
    let tz = match state.newsroom.site_timezone().await {
        Ok(tz) => tz,
        Err(error) => return internal(error),
    };
    let timezone = match state.newsroom.db().site_settings().await {
        Ok(settings) => settings.timezone.as_str().to_owned(),
        Err(error) => return internal(AppError::from(error)),
    };
    let current = editing.map_or(0, |c| c.current);
    let content = FormPage {
        preview: preview_html(state, &form, &tz, current),
        form,
        editing: editing.map(|c| c.id.clone()),
        current: editing.map(Campaign::progress_text),
        errors: errors.0.into_iter().map(|(field, message)| FieldError { field, message }).collect(),
        metrics: CampaignMetric::ALL.iter().map(|m| MetricOption { value: m.as_str(), label: m.label() }).collect(),
        timezone,
    };
    render(state, status, "campaign.html", Some(staff), "campaigns", content).await
}

/// `GET /admin/campaigns/new/`.
pub async fn new_campaign(State(state): State<AppState>, SignedIn(staff): SignedIn) -> Response {
    if !may_manage(&staff) {
        return refuse_role(&state, &staff).await;
    }
    form_page(&state, &staff, StatusCode::OK, new_form(), None, CampaignErrors::default()).await
}

async fn load(state: &AppState, staff: &Staff, id: &str) -> Result<Campaign, Response> {
    let Ok(id) = ObjectId::parse(id) else { return Err(not_found(state, staff).await) };
    match state.newsroom.db().campaign(&id).await {
        Ok(Some(campaign)) => Ok(campaign),
        Ok(None) => Err(not_found(state, staff).await),
        Err(error) => Err(internal(AppError::from(error))),
    }
}

/// `GET /admin/campaigns/{id}/`.
pub async fn edit_campaign(
    State(state): State<AppState>,
    SignedIn(staff): SignedIn,
    Path(id): Path<String>,
) -> Response {
    if !may_manage(&staff) {
        return refuse_role(&state, &staff).await;
    }
    let campaign = match load(&state, &staff, &id).await {
        Ok(campaign) => campaign,
        Err(response) => return response,
    };
    let tz = match state.newsroom.site_timezone().await {
        Ok(tz) => tz,
        Err(error) => return internal(error),
    };
    let form = campaign_form(&campaign, &tz);
    form_page(&state, &staff, StatusCode::OK, form, Some(&campaign), CampaignErrors::default()).await
}

/// Saves the form (new when `existing` is `None`), or shows the preview when asked.
async fn save(state: &AppState, staff: &Staff, existing: Option<Campaign>, fields: CampaignFields) -> Response {
    if !may_manage(staff) {
        return refuse_role(state, staff).await;
    }
    let form = fields.form();
    let tz = match state.newsroom.site_timezone().await {
        Ok(tz) => tz,
        Err(error) => return internal(error),
    };
    if fields.action == "preview" {
        return form_page(state, staff, StatusCode::OK, form, existing.as_ref(), CampaignErrors::default()).await;
    }
    let input = match CampaignInput::parse(&form, &tz) {
        Ok(input) => input,
        Err(errors) => {
            return form_page(state, staff, StatusCode::UNPROCESSABLE_ENTITY, form, existing.as_ref(), errors).await;
        }
    };
    let saved = match &existing {
        Some(campaign) => match ObjectId::parse(&campaign.id) {
            Ok(id) => state.newsroom.edit_campaign(&staff.actor, &id, input).await,
            Err(_) => Err(AppError::NotFound("campaign")),
        },
        None => state.newsroom.create_campaign(&staff.actor, input).await,
    };
    match saved {
        Ok(_) => Redirect::to("/admin/campaigns/").into_response(),
        Err(AppError::Invalid { field, message }) => {
            let errors = CampaignErrors(vec![(field, message)]);
            form_page(state, staff, StatusCode::UNPROCESSABLE_ENTITY, form, existing.as_ref(), errors).await
        }
        Err(error) => super::manage::refused(state, staff, error, "/admin/campaigns/").await,
    }
}

/// `POST /admin/campaigns/`: creates a campaign (or previews the form).
pub async fn create_campaign(
    State(state): State<AppState>,
    SignedIn(staff): SignedIn,
    Form(fields): Form<CampaignFields>,
) -> Response {
    save(&state, &staff, None, fields).await
}

/// `POST /admin/campaigns/{id}/`: saves a campaign (or previews the form).
pub async fn update_campaign(
    State(state): State<AppState>,
    SignedIn(staff): SignedIn,
    Path(id): Path<String>,
    Form(fields): Form<CampaignFields>,
) -> Response {
    if !may_manage(&staff) {
        return refuse_role(&state, &staff).await;
    }
    match load(&state, &staff, &id).await {
        Ok(campaign) => save(&state, &staff, Some(campaign), fields).await,
        Err(response) => response,
    }
}

/// `POST /admin/campaigns/{id}/delete/`.
pub async fn delete_campaign(
    State(state): State<AppState>,
    SignedIn(staff): SignedIn,
    Path(id): Path<String>,
) -> Response {
    if !may_manage(&staff) {
        return refuse_role(&state, &staff).await;
    }
    let Ok(id) = ObjectId::parse(&id) else { return not_found(&state, &staff).await };
    match state.newsroom.delete_campaign(&staff.actor, &id).await {
        Ok(()) => Redirect::to("/admin/campaigns/").into_response(),
        Err(error) => super::manage::refused(&state, &staff, error, "/admin/campaigns/").await,
    }
}

/// `POST /admin/campaigns/preview/`: the preview alone, for the form's script.
pub async fn preview(
    State(state): State<AppState>,
    SignedIn(staff): SignedIn,
    Form(fields): Form<CampaignFields>,
) -> Response {
    if !may_manage(&staff) {
        return refuse_role(&state, &staff).await;
    }
    let tz = match state.newsroom.site_timezone().await {
        Ok(tz) => tz,
        Err(error) => return internal(error),
    };
    let current = match ObjectId::parse(&fields.id) {
        Ok(id) => match state.newsroom.db().campaign(&id).await {
            Ok(campaign) => campaign.map_or(0, |c| c.current),
            Err(error) => return internal(AppError::from(error)),
        },
        Err(_) => 0,
    };
    let html = preview_html(&state, &fields.form(), &tz, current);
    ([(header::CACHE_CONTROL, PRIVATE)], Html(html)).into_response()
}
