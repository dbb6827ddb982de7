//! Membership goal campaigns (`/campaigns/`) on the Admin API, in Ghost's style: browse (every
//! campaign, open or not, newest first) and read, add, edit (only the fields sent change) and
//! delete. Editors and above; integrations act as administrators. Fields are those of the
//! Content API; `target` is a count, or for the amount metric an amount in the currency's
//! smallest unit (cents), as Stripe and Ghost keep amounts.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use masthead_app::ghost::api_json::ghost_time;
use masthead_app::newsroom::campaigns::{CampaignForm, CampaignInput, campaign_form, campaign_json};
use masthead_core::{Campaign, CampaignMetric, ObjectId, Permission};
use masthead_storage::{PageRequest, Paginated};
use serde_json::{Map, Value, json};

use super::{AdminCaller, body, created, deleted, ok, require};
use crate::AppState;
use crate::api::{ApiError, Query};

const RESOURCE: &str = "campaigns";

fn invalid(property: &str, message: String) -> ApiError {
    ApiError::validation(format!("Validation failed for {property}.")).with_context(message).with_property(property)
}

/// Writes the fields `object` sends onto `form` (the form of the campaign being edited, or an
/// empty one), in the form's own terms, so the one parser checks API and newsroom alike.
fn apply(form: &mut CampaignForm, object: &Map<String, Value>) -> Result<(), ApiError> {
    let text = |name: &str| -> Result<Option<String>, ApiError> {
        match object.get(name) {
            None => Ok(None),
            Some(Value::Null) => Ok(Some(String::new())),
            Some(Value::String(value)) => Ok(Some(value.clone())),
            Some(_) => Err(invalid(name, format!("{name} must be a string."))),
        }
    };
    let flag = |name: &str| -> Result<Option<bool>, ApiError> {
        match object.get(name) {
            None => Ok(None),
            Some(Value::Bool(value)) => Ok(Some(*value)),
            Some(_) => Err(invalid(name, format!("{name} must be true or false."))),
        }
    };
    let fields: [(&str, &mut String); 12] = [
        ("name", &mut form.name),
        ("metric", &mut form.metric),
        ("currency", &mut form.currency),
        ("counts_since", &mut form.counts_since),
        ("starts_at", &mut form.starts_at),
        ("ends_at", &mut form.ends_at),
        ("headline", &mut form.headline),
        ("body", &mut form.body),
        ("button_label", &mut form.button_label),
        ("button_url", &mut form.button_url),
        ("when_reached", &mut form.when_reached),
        ("thank_you", &mut form.thank_you),
    ];
    for (name, slot) in fields {
        if let Some(value) = text(name)? {
            *slot = value;
        }
    }
    for (name, slot) in [
        ("show_strip", &mut form.show_strip),
        ("show_in_article", &mut form.show_in_article),
        ("active", &mut form.active),
    ] {
        if let Some(value) = flag(name)? {
            *slot = value;
        }
    }
    match object.get("target") {
        None => {}
        Some(Value::Number(number)) => {
            let Some(value) = number.as_i64() else {
                return Err(invalid("target", "target must be a whole number.".into()));
            };
            form.target = if CampaignMetric::parse(&form.metric) == Some(CampaignMetric::Amount) {
                // The form takes amounts in the currency; the API in its smallest unit.
                format!("{}.{:02}", value / 100, (value % 100).abs())
            } else {
                value.to_string()
            };
        }
        Some(Value::String(value)) => form.target = value.clone(),
        Some(_) => return Err(invalid("target", "target must be a number.".into())),
    }
    Ok(())
}

async fn parse(state: &AppState, form: &CampaignForm) -> Result<CampaignInput, ApiError> {
    let tz = state.newsroom.site_timezone().await?;
    CampaignInput::parse(form, &tz).map_err(|errors| masthead_app::AppError::from(errors).into())
}

async fn by_id(state: &AppState, id: &str) -> Result<(ObjectId, Campaign), ApiError> {
    let not_found = || ApiError::not_found("Campaign");
    let id = ObjectId::parse(id).map_err(|_| not_found())?;
    let campaign = state.newsroom.db().campaign(&id).await?.ok_or_else(not_found)?;
    Ok((id, campaign))
}

fn one(campaign: &Campaign) -> Value {
    json!({ RESOURCE: [campaign_json(campaign)] })
}

fn page_request(query: &Query) -> Result<PageRequest, ApiError> {
    let number =
        |name: &str, default: u32, max: u32| -> Result<u32, ApiError> {
            match query.one(name)? {
                None => Ok(default),
                Some(raw) => raw.parse::<u32>().ok().filter(|n| (1..=max).contains(n)).ok_or_else(|| {
                    invalid(name, format!("{name} must be a whole number from 1 to {max}, not {raw:?}."))
                }),
            }
        };
    Ok(PageRequest::new(number("page", 1, u32::MAX)?, number("limit", 15, 100)?))
}

/// `GET /ghost/api/admin/campaigns/`: every campaign, newest first.
pub async fn browse(State(state): State<AppState>, caller: AdminCaller, headers: HeaderMap, query: Query) -> Response {
    let result = async {
        require(&caller.actor, Permission::ManageNewsroom, "manage campaigns")?;
        let request = page_request(&query)?;
        let all = state.newsroom.db().campaigns().await?;
        let start = usize::try_from(request.offset()).unwrap_or(usize::MAX).min(all.len());
        let items: Vec<Value> = all.iter().skip(start).take(request.limit as usize).map(campaign_json).collect();
        let page = Paginated::new(items, request, all.len() as u64);
        Ok(json!({
            RESOURCE: page.items,
            "meta": { "pagination": {
                "page": page.page, "limit": page.limit, "pages": page.pages,
                "total": page.total, "next": page.next, "prev": page.prev,
            }}
        }))
    }
    .await;
    ok(&headers, result)
}

/// `GET /ghost/api/admin/campaigns/{id}/`.
pub async fn read(
    State(state): State<AppState>,
    caller: AdminCaller,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let result = async {
        require(&caller.actor, Permission::ManageNewsroom, "manage campaigns")?;
        Ok(one(&by_id(&state, &id).await?.1))
    }
    .await;
    ok(&headers, result)
}

/// `POST /ghost/api/admin/campaigns/`: switched on and shown in both places unless told otherwise.
pub async fn add(State(state): State<AppState>, caller: AdminCaller, bytes: Bytes) -> Response {
    let result = async {
        let object: Map<String, Value> = body(&bytes, RESOURCE)?;
        let mut form =
            CampaignForm { show_strip: true, show_in_article: true, active: true, ..CampaignForm::default() };
        apply(&mut form, &object)?;
        let input = parse(&state, &form).await?;
        Ok(one(&state.newsroom.create_campaign(&caller.actor, input).await?))
    }
    .await;
    created(result)
}

/// `PUT /ghost/api/admin/campaigns/{id}/`: only the fields sent change.
pub async fn edit(
    State(state): State<AppState>,
    caller: AdminCaller,
    headers: HeaderMap,
    Path(id): Path<String>,
    bytes: Bytes,
) -> Response {
    let result = async {
        require(&caller.actor, Permission::ManageNewsroom, "manage campaigns")?;
        let (id, existing) = by_id(&state, &id).await?;
        let object: Map<String, Value> = body(&bytes, RESOURCE)?;
        let mut form = campaign_form(&existing, &jiff::tz::TimeZone::UTC);
        // Times as stored, so unsent ones stay exactly as they were.
        form.starts_at = ghost_time(existing.starts_at);
        form.ends_at = existing.ends_at.map(ghost_time).unwrap_or_default();
        form.counts_since = existing.counts_since.map(ghost_time).unwrap_or_default();
        apply(&mut form, &object)?;
        let input = parse(&state, &form).await?;
        Ok(one(&state.newsroom.edit_campaign(&caller.actor, &id, input).await?))
    }
    .await;
    ok(&headers, result)
}

/// `DELETE /ghost/api/admin/campaigns/{id}/`: 204; readers stop seeing it at once.
pub async fn delete(State(state): State<AppState>, caller: AdminCaller, Path(id): Path<String>) -> Response {
    let result = async {
        let id = ObjectId::parse(&id).map_err(|_| ApiError::not_found("Campaign"))?;
        state.newsroom.delete_campaign(&caller.actor, &id).await?;
        Ok(())
    }
    .await;
    deleted(result)
}
