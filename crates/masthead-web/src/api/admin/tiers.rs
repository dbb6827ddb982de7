//! Tiers (`/tiers/`): browse, read, add and edit, in Ghost's shape. Prices are in the currency's
//! smallest unit, as Ghost sends them; a tier is archived with `active: false`, never deleted.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use masthead_app::payments::TierInput;
use masthead_core::{Currency, Permission};
use masthead_storage::{PageRequest, Paginated};
use serde::Deserialize;
use serde_json::{Value, json};

use super::fields::Field;
use super::{AdminCaller, body, created, ok, require};
use crate::AppState;
use crate::api::{ApiError, BrowseParams, Query, browse_body};

/// A tier as clients send it.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct TierFields {
    name: Field<String>,
    slug: Field<String>,
    description: Field<String>,
    #[serde(rename = "type")]
    tier_type: Field<String>,
    active: Field<bool>,
    visibility: Field<String>,
    welcome_page_url: Field<String>,
    monthly_price: Field<i64>,
    yearly_price: Field<i64>,
    currency: Field<String>,
    trial_days: Field<i64>,
    benefits: Field<Vec<Value>>,
}

impl TierFields {
    /// Lays the fields given over `input` (an existing tier, or a new paid tier's defaults).
    fn apply(self, mut input: TierInput) -> Result<TierInput, ApiError> {
        if let Some(name) = self.name.value() {
            input.name = name;
        }
        if let Some(slug) = self.slug.update() {
            input.slug = slug;
        }
        if let Some(description) = self.description.update() {
            input.description = description;
        }
        if let Some(kind) = self.tier_type.value() {
            input.paid = match kind.as_str() {
                "paid" => true,
                "free" => false,
                other => {
                    return Err(ApiError::validation(format!(
                        "Validation failed for type: {other:?} is not free or paid."
                    ))
                    .with_property("type"));
                }
            };
        }
        if let Some(active) = self.active.value() {
            input.active = active;
        }
        if let Some(visibility) = self.visibility.value() {
            input.public = match visibility.as_str() {
                "public" => true,
                "none" => false,
                other => {
                    return Err(ApiError::validation(format!(
                        "Validation failed for visibility: {other:?} is not public or none."
                    ))
                    .with_property("visibility"));
                }
            };
        }
        if let Some(url) = self.welcome_page_url.update() {
            input.welcome_page_url = url;
        }
        if let Some(currency) = self.currency.update() {
            input.currency = currency;
        }
        let currency = input.currency.as_deref().and_then(Currency::parse);
        let typed = |minor: Option<i64>| match (&currency, minor) {
            (Some(c), Some(m)) if m > 0 => Some(c.typed(m)),
            (_, Some(m)) => Some(m.to_string()),
            _ => None,
        };
        if let Some(price) = self.monthly_price.update() {
            input.monthly_price = typed(price);
        }
        if let Some(price) = self.yearly_price.update() {
            input.yearly_price = typed(price);
        }
        if let Some(days) = self.trial_days.update() {
            input.trial_days = days.map(|d| d.to_string());
        }
        if let Some(benefits) = self.benefits.update() {
            // Ghost accepts benefits as names or as {"name": …} objects.
            input.benefits = benefits
                .unwrap_or_default()
                .iter()
                .filter_map(|b| b.as_str().or_else(|| b["name"].as_str()).map(str::to_owned))
                .collect();
        }
        Ok(input)
    }
}

pub async fn browse_tiers(
    State(state): State<AppState>,
    _caller: AdminCaller,
    headers: HeaderMap,
    query: Query,
) -> Response {
    let result = async {
        let params = BrowseParams::parse(&query, &["monthly_price", "yearly_price", "benefits"], &[])?;
        let items: Vec<Value> = state
            .newsroom
            .tiers()
            .await?
            .iter()
            .map(masthead_app::ghost::api_json::tier)
            .filter(|t| params.filter.as_ref().is_none_or(|f| masthead_app::ghost::api_json::matches_filter(f, t)))
            .collect();
        // Ghost lists every tier on one page, whatever the limit asked for.
        let total = items.len() as u64;
        let page = Paginated::new(Vec::<String>::new(), PageRequest::new(1, total.max(1) as u32), total);
        Ok(browse_body("tiers", items, &page))
    }
    .await;
    ok(&headers, result)
}

pub async fn read_tier(
    State(state): State<AppState>,
    _caller: AdminCaller,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let result = async {
        let tier = state.newsroom.tiers().await?.into_iter().find(|t| t.id.as_str() == id);
        let tier = tier.ok_or_else(|| ApiError::not_found("Tier"))?;
        Ok(json!({ "tiers": [masthead_app::ghost::api_json::tier(&tier)] }))
    }
    .await;
    ok(&headers, result)
}

pub async fn add_tier(State(state): State<AppState>, caller: AdminCaller, bytes: Bytes) -> Response {
    let result = async {
        require(&caller.actor, Permission::ManageSettings, "manage tiers")?;
        let fields: TierFields = body(&bytes, "tiers")?;
        let input = fields.apply(TierInput { paid: true, active: true, public: true, ..TierInput::default() })?;
        let tier = state.newsroom.create_tier_as(&caller.actor, input).await?;
        Ok(json!({ "tiers": [masthead_app::ghost::api_json::tier(&tier)] }))
    }
    .await;
    created(result)
}

pub async fn edit_tier(
    State(state): State<AppState>,
    caller: AdminCaller,
    headers: HeaderMap,
    Path(id): Path<String>,
    bytes: Bytes,
) -> Response {
    let result = async {
        require(&caller.actor, Permission::ManageSettings, "manage tiers")?;
        let existing = state.newsroom.tiers().await?.into_iter().find(|t| t.id.as_str() == id);
        let existing = existing.ok_or_else(|| ApiError::not_found("Tier"))?;
        let fields: TierFields = body(&bytes, "tiers")?;
        let input = fields.apply(TierInput::from_tier(&existing))?;
        let tier = state.newsroom.edit_tier_as(&caller.actor, existing.id.as_str(), input).await?;
        Ok(json!({ "tiers": [masthead_app::ghost::api_json::tier(&tier)] }))
    }
    .await;
    ok(&headers, result)
}
