//! Members (`/members/`): browse with filters, read, add, edit, delete. Staff rights: managing
//! members.

use axum::body::Bytes;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use masthead_app::members::admin::MemberInput;
use masthead_core::nql::{CompareOp, Filter};
use masthead_core::{Member, MemberStatus, Newsletter, ObjectId, Permission};
use masthead_storage::Resource;
use serde::Deserialize;
use serde_json::{Value, json};

use super::fields::{Field, Reference};
use super::{AdminCaller, CACHE_CONTROL, body, created, deleted, list, ok, require, shape};
use crate::AppState;
use crate::api::{ApiError, BrowseParams, Query, browse_body};
use masthead_app::ghost::api_json as output;

/// A member as clients send it.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct MemberFields {
    email: Field<String>,
    name: Field<String>,
    note: Field<String>,
    status: Field<String>,
    labels: Option<Vec<Reference>>,
    newsletters: Option<Vec<Reference>>,
}

impl MemberFields {
    fn into_input(self, all_newsletters: &[Newsletter]) -> Result<MemberInput, ApiError> {
        let status = match self.status.value() {
            Some(s) => Some(MemberStatus::parse(&s).ok_or_else(|| {
                ApiError::validation(format!("Validation failed for status: {s:?} is not free, paid or comped."))
                    .with_property("status")
            })?),
            None => None,
        };
        let labels =
            self.labels.map(|labels| labels.iter().filter_map(|l| l.name().or(l.slug()).map(str::to_owned)).collect());
        let newsletters = match self.newsletters {
            None => None,
            Some(wanted) => {
                let mut ids = Vec::new();
                for item in &wanted {
                    let found = all_newsletters.iter().find(|n| {
                        item.id() == Some(n.id.as_str())
                            || item.slug() == Some(n.slug.as_str())
                            || item.name() == Some(n.name.as_str())
                    });
                    let found = found.ok_or_else(|| {
                        ApiError::validation(format!(
                            "Validation failed for newsletters: no newsletter matches {item}."
                        ))
                        .with_property("newsletters")
                    })?;
                    ids.push(found.id.clone());
                }
                Some(ids)
            }
        };
        Ok(MemberInput {
            email: self.email.value(),
            name: self.name.update(),
            note: self.note.update(),
            status,
            labels,
            newsletters,
        })
    }
}

/// A member as Ghost's Admin API shows it; a read (`one`) also gives their tiers.
async fn member_value(state: &AppState, member: &Member, one: bool) -> Result<Value, ApiError> {
    let db = state.newsroom.db();
    let newsletters = db.newsletters(true).await?;
    let suppression = db.suppression(&member.email).await?;
    let mut value = output::member(member, &newsletters, suppression.as_ref().map(|s| s.reason.as_str()));
    let unsubscribe_url = state.newsroom.member_unsubscribe_url(&member.uuid).await?;
    let tiers = if one {
        let all = db.tiers().await?;
        let on = db.member_tiers(&member.id).await?;
        Some(
            on.into_iter()
                .filter_map(|m| all.iter().find(|t| t.id.as_str() == m.id).map(|t| (t.clone(), m.expiry_at)))
                .collect::<Vec<_>>(),
        )
    } else {
        None
    };
    output::member_details(&mut value, &unsubscribe_url, tiers.as_deref());
    Ok(value)
}

/// Ghost's 404 for a member: "cannot read member".
fn member_not_found() -> ApiError {
    let mut error = ApiError::not_found("Member");
    error.message = "Resource not found error, cannot read member.".into();
    error
}

fn member_id(id: &str) -> Result<ObjectId, ApiError> {
    ObjectId::parse(id).map_err(|_| member_not_found())
}

pub async fn browse_members(
    State(state): State<AppState>,
    caller: AdminCaller,
    headers: HeaderMap,
    query: Query,
) -> Response {
    let result = async {
        require(&caller.actor, Permission::ManageMembers, "browse members")?;
        let params = BrowseParams::parse(&query, &["newsletters", "labels", "email_recipients"], &[])?;
        let filter = with_search(params.filter.clone(), query.one("search")?);
        let page = list(&state, Resource::Members, &params, filter.as_ref()).await?;
        let mut items = Vec::new();
        for id in &page.items {
            let id = ObjectId::parse(id).map_err(|_| ApiError::internal())?;
            if let Some(member) = state.newsroom.db().member_by_id(&id).await? {
                items.push(shape(&state, &params).select(member_value(&state, &member, false).await?));
            }
        }
        Ok(browse_body("members", items, &page))
    }
    .await;
    ok(&headers, result)
}

/// Ghost's `search`: members whose name or email contains the text, within the filter.
fn with_search(filter: Option<Filter>, search: Option<&str>) -> Option<Filter> {
    let Some(text) = search.map(str::trim).filter(|s| !s.is_empty()) else {
        return filter;
    };
    let contains = |field: &str| Filter::Compare {
        field: field.to_owned(),
        op: CompareOp::Contains,
        value: masthead_core::nql::Value::Text(text.to_owned()),
    };
    let search = Filter::Or(vec![contains("name"), contains("email")]);
    Some(match filter {
        Some(filter) => Filter::And(vec![filter, search]),
        None => search,
    })
}

pub async fn read_member(
    State(state): State<AppState>,
    caller: AdminCaller,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let result = async {
        require(&caller.actor, Permission::ManageMembers, "read members")?;
        let member = state.newsroom.db().member_by_id(&member_id(&id)?).await?.ok_or_else(member_not_found)?;
        Ok(json!({ "members": [member_value(&state, &member, true).await?] }))
    }
    .await;
    ok(&headers, result)
}

pub async fn add_member(State(state): State<AppState>, caller: AdminCaller, bytes: Bytes) -> Response {
    let result = async {
        let fields: MemberFields = body(&bytes, "members")?;
        let input = fields.into_input(&state.newsroom.db().newsletters(true).await?)?;
        let source = match &caller.integration {
            Some(id) => format!("admin api (integration {id})"),
            None => "admin api".to_owned(),
        };
        let member = state.newsroom.add_member_as(&caller.actor, input, &source).await.map_err(|e| match e {
            masthead_app::AppError::Conflict(_) => {
                ApiError::validation("Member already exists. Attempting to add member with existing email address")
                    .with_property("email")
            }
            other => other.into(),
        })?;
        Ok(json!({ "members": [member_value(&state, &member, true).await?] }))
    }
    .await;
    created(result)
}

pub async fn edit_member(
    State(state): State<AppState>,
    caller: AdminCaller,
    headers: HeaderMap,
    Path(id): Path<String>,
    bytes: Bytes,
) -> Response {
    let result = async {
        let id = member_id(&id)?;
        let fields: MemberFields = body(&bytes, "members")?;
        let input = fields.into_input(&state.newsroom.db().newsletters(true).await?)?;
        let member = state.newsroom.edit_member_as(&caller.actor, &id, input).await?;
        Ok(json!({ "members": [member_value(&state, &member, true).await?] }))
    }
    .await;
    ok(&headers, result)
}

pub async fn delete_member(State(state): State<AppState>, caller: AdminCaller, Path(id): Path<String>) -> Response {
    let result = async {
        state.newsroom.delete_member_as(&caller.actor, &member_id(&id)?).await?;
        Ok(())
    }
    .await;
    deleted(result)
}

/// `GET /members/upload/`: the members a `filter` matches (all by default) as Ghost's member
/// CSV, as a download named as Ghost names it.
pub async fn export_members_csv(State(state): State<AppState>, caller: AdminCaller, query: Query) -> Response {
    let result = async {
        require(&caller.actor, Permission::ManageMembers, "export members")?;
        let params = BrowseParams::parse(&query, &[], &[])?;
        let csv = state.newsroom.export_filtered_members_csv(&caller.actor, params.filter.as_ref()).await?;
        let title = state.newsroom.db().site_settings().await?.title;
        let site = masthead_core::Slug::from_title(&title).map_or_else(|| "members".to_owned(), |s| s.to_string());
        Ok::<_, ApiError>((csv, format!("{site}.ghost.members.{}.csv", masthead_core::now().date())))
    }
    .await;
    match result {
        Ok((csv, file_name)) => {
            let mut response = (
                StatusCode::OK,
                [
                    (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                    // A proxy must not re-encode a download.
                    (header::CACHE_CONTROL, &format!("{CACHE_CONTROL}, no-transform")),
                    (header::VARY, "Accept-Version"),
                    (header::HeaderName::from_static(crate::api::CONTENT_VERSION), crate::api::API_VERSION),
                ],
                csv,
            )
                .into_response();
            if let Ok(value) = HeaderValue::from_str(&format!("Attachment; filename=\"{file_name}\"")) {
                response.headers_mut().insert(header::CONTENT_DISPOSITION, value);
            }
            response
        }
        Err(e) => e.into_response(),
    }
}

/// `POST /members/upload/`: imports Ghost's member CSV from the multipart field `membersfile`,
/// with Ghost's `labels[n]` (labels for every row) and `mapping[<column>]` (what a column of
/// the file holds) fields. Every member imported or updated also gets a label naming the import
/// ("Import 2026-12-06 05:37", in the site's time zone), as in Ghost. Answers Ghost's
/// `{meta: {originalImportSize, stats: {imported, invalid}, import_label}}` and, beside it, the
/// row-by-row report `masthead members import` prints (`report`: imported, updated, skipped and
/// each refused row with its number and reason).
pub async fn import_members_csv(
    State(state): State<AppState>,
    caller: AdminCaller,
    mut multipart: Multipart,
) -> Response {
    let result = async {
        require(&caller.actor, Permission::ManageMembers, "import members")?;
        let unreadable = |e: axum::extract::multipart::MultipartError| {
            ApiError::bad_request(format!("The upload could not be read: {e}"))
        };
        let mut file = None;
        let mut options = masthead_app::members::csv::ImportOptions::default();
        while let Some(field) = multipart.next_field().await.map_err(unreadable)? {
            let name = field.name().unwrap_or_default().to_owned();
            if name == "membersfile" {
                file = Some(field.bytes().await.map_err(unreadable)?);
            } else if name == "labels" || (name.starts_with("labels[") && name.ends_with(']')) {
                options.labels.push(field.text().await.map_err(unreadable)?);
            } else if let Some(column) = name.strip_prefix("mapping[").and_then(|n| n.strip_suffix(']')) {
                let to = field.text().await.map_err(unreadable)?;
                if !to.trim().is_empty() {
                    options.mapping.push((column.to_owned(), to.trim().to_owned()));
                }
            }
        }
        let file =
            file.ok_or_else(|| ApiError::validation("Please select a members CSV file.").with_property("membersfile"))?;
        let text = std::str::from_utf8(&file).map_err(|_| {
            ApiError::validation("The members CSV file must be UTF-8 text.").with_property("membersfile")
        })?;
        let tz = state.newsroom.site_timezone().await?;
        let local = jiff::Timestamp::now().to_zoned(tz);
        let import_label = format!("Import {}", local.strftime("%Y-%m-%d %H:%M"));
        options.labels.push(import_label.clone());
        let report = state.newsroom.import_members_csv_with(&caller.actor, text, &options).await?;
        let label = if report.imported + report.updated > 0 {
            let labels = state.newsroom.db().labels().await?;
            labels
                .into_iter()
                .find(|l| l.name == import_label)
                .map(|l| json!({ "id": l.id, "name": l.name, "slug": l.slug }))
        } else {
            None
        };
        let invalid: Vec<Value> = report
            .errors
            .iter()
            .map(|e| json!({ "email": e.email, "row": e.row, "error": e.message, "errors": [e.message] }))
            .collect();
        Ok(json!({
            "meta": {
                "originalImportSize": report.imported + report.updated + report.skipped,
                "stats": { "imported": report.imported + report.updated, "invalid": invalid },
                "import_label": label,
            },
            "report": report,
        }))
    }
    .await;
    created(result)
}
