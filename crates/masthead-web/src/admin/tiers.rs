//! `/admin/tiers/`: the tiers readers join. Administrators add paid tiers, change their prices,
//! benefits and wording, and archive them; the free tier's wording can be changed too. A refused
//! form comes back with the message next to its field and everything typed kept.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use masthead_app::AppError;
use masthead_app::payments::TierInput;
use masthead_core::{Permission, Tier, TierType, TierVisibility};
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::admin::{SignedIn, Staff, forbidden, render};

/// One tier's form, as shown or as typed.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct TierForm {
    #[serde(default)]
    id: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    monthly_price: String,
    #[serde(default)]
    yearly_price: String,
    #[serde(default)]
    currency: String,
    #[serde(default)]
    trial_days: String,
    /// One per line.
    #[serde(default)]
    benefits: String,
    #[serde(default)]
    welcome_page_url: String,
    /// Checkboxes: present when ticked.
    #[serde(default)]
    active: Option<String>,
    #[serde(default)]
    public: Option<String>,
    #[serde(skip_deserializing)]
    free: bool,
    #[serde(skip_deserializing)]
    slug: String,
}

impl TierForm {
    fn of(tier: &Tier) -> Self {
        let input = TierInput::from_tier(tier);
        Self {
            id: tier.id.to_string(),
            name: input.name,
            description: input.description.unwrap_or_default(),
            monthly_price: input.monthly_price.unwrap_or_default(),
            yearly_price: input.yearly_price.unwrap_or_default(),
            currency: input.currency.map(|c| c.to_ascii_uppercase()).unwrap_or_default(),
            trial_days: input.trial_days.filter(|d| d != "0").unwrap_or_default(),
            benefits: input.benefits.join("\n"),
            welcome_page_url: input.welcome_page_url.unwrap_or_default(),
            active: tier.active.then(|| "on".into()),
            public: (tier.visibility == TierVisibility::Public).then(|| "on".into()),
            free: tier.tier_type == TierType::Free,
            slug: tier.slug.to_string(),
        }
    }

    fn input(&self, paid: bool) -> TierInput {
        let text = |v: &str| Some(v.trim().to_owned()).filter(|v| !v.is_empty());
        TierInput {
            name: self.name.clone(),
            slug: None,
            description: text(&self.description),
            paid,
            active: self.active.is_some(),
            public: self.public.is_some(),
            welcome_page_url: text(&self.welcome_page_url),
            monthly_price: text(&self.monthly_price),
            yearly_price: text(&self.yearly_price),
            currency: text(&self.currency),
            trial_days: text(&self.trial_days),
            benefits: self.benefits.lines().map(str::trim).filter(|b| !b.is_empty()).map(str::to_owned).collect(),
        }
    }
}

#[derive(Serialize)]
struct Screen {
    tiers: Vec<TierForm>,
    new: TierForm,
    /// The form the error belongs to (a tier's id, or `new`), the field and the message.
    error_for: String,
    error_field: String,
    error: Option<String>,
    payments_enabled: bool,
}

async fn show(
    state: &AppState,
    staff: &Staff,
    status: StatusCode,
    typed: Option<TierForm>,
    error: Option<(&str, String)>,
) -> Response {
    let tiers = match state.newsroom.tiers().await {
        Ok(tiers) => tiers,
        Err(e) => return crate::WebError::from(e).into_response(),
    };
    let mut forms: Vec<TierForm> = tiers.iter().map(TierForm::of).collect();
    let mut new = TierForm {
        currency: "USD".into(),
        active: Some("on".into()),
        public: Some("on".into()),
        ..TierForm::default()
    };
    let error_for =
        typed.as_ref().map(|t| if t.id.is_empty() { "new".to_owned() } else { t.id.clone() }).unwrap_or_default();
    if let Some(typed) = typed {
        match forms.iter_mut().find(|f| !typed.id.is_empty() && f.id == typed.id) {
            Some(form) => *form = TierForm { free: form.free, slug: form.slug.clone(), ..typed },
            None => new = typed,
        }
    }
    let (error_field, error) = match error {
        Some((field, message)) => (field.to_owned(), Some(message)),
        None => (String::new(), None),
    };
    let screen = Screen {
        tiers: forms,
        new,
        error_for,
        error_field,
        error,
        payments_enabled: state.newsroom.payments_enabled(),
    };
    render(state, status, "tiers.html", Some(staff), "tiers", screen).await
}

/// `GET /admin/tiers/`.
pub async fn tiers_page(State(state): State<AppState>, SignedIn(staff): SignedIn) -> Response {
    if !staff.actor.may(Permission::ManageSettings) {
        return forbidden(&state, &staff, "manage tiers").await;
    }
    show(&state, &staff, StatusCode::OK, None, None).await
}

async fn answer(state: &AppState, staff: &Staff, typed: TierForm, result: Result<Tier, AppError>) -> Response {
    match result {
        Ok(_) => Redirect::to("/admin/tiers/").into_response(),
        Err(AppError::Invalid { field, message }) => {
            show(state, staff, StatusCode::UNPROCESSABLE_ENTITY, Some(typed), Some((field, message))).await
        }
        Err(AppError::Conflict(_)) => {
            let message = "A tier with this name already exists: choose another name.".to_owned();
            show(state, staff, StatusCode::CONFLICT, Some(typed), Some(("name", message))).await
        }
        Err(AppError::Forbidden(_)) => forbidden(state, staff, "manage tiers").await,
        Err(AppError::NotFound(_)) => crate::admin::not_found(state, staff).await,
        Err(error) => crate::WebError::from(error).into_response(),
    }
}

/// `POST /admin/tiers/`: a new paid tier.
pub async fn add_tier(
    State(state): State<AppState>,
    SignedIn(staff): SignedIn,
    Form(form): Form<TierForm>,
) -> Response {
    let form = TierForm { id: String::new(), ..form };
    let result = state.newsroom.create_tier_as(&staff.actor, form.input(true)).await;
    answer(&state, &staff, form, result).await
}

/// `POST /admin/tiers/{id}/`: a tier changed (unticking "Offered" archives it).
pub async fn edit_tier(
    State(state): State<AppState>,
    SignedIn(staff): SignedIn,
    Path(id): Path<String>,
    Form(form): Form<TierForm>,
) -> Response {
    let form = TierForm { id: id.clone(), ..form };
    let paid = !matches!(state.newsroom.db().tier(&id).await, Ok(Some(t)) if t.tier_type == TierType::Free);
    let result = state.newsroom.edit_tier_as(&staff.actor, &id, form.input(paid)).await;
    answer(&state, &staff, form, result).await
}
