//! Members (`/members/`): browse with filters, read, add, edit, delete. Staff rights: managing
//! members.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use masthead_app::members::admin::MemberInput;
use masthead_core::{Member, MemberStatus, Newsletter, ObjectId, Permission};
use masthead_storage::Resource;
use serde::Deserialize;
use serde_json::{Value, json};

use super::fields::{Field, Reference};
use super::{AdminCaller, body, created, deleted, list, ok, require, shape};
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

async fn member_value(state: &AppState, member: &Member) -> Result<Value, ApiError> {
    let newsletters = state.newsroom.db().newsletters(true).await?;
    let suppression = state.newsroom.db().suppression(&member.email).await?;
    Ok(output::member(member, &newsletters, suppression.as_ref().map(|s| s.reason.as_str())))
}

fn member_id(id: &str) -> Result<ObjectId, ApiError> {
    ObjectId::parse(id).map_err(|_| ApiError::not_found("Member"))
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
        let page = list(&state, Resource::Members, &params, params.filter.as_ref()).await?;
        let mut items = Vec::new();
        for id in &page.items {
            let id = ObjectId::parse(id).map_err(|_| ApiError::internal())?;
            if let Some(member) = state.newsroom.db().member_by_id(&id).await? {
                items.push(shape(&state, &params).select(member_value(&state, &member).await?));
            }
        }
        Ok(browse_body("members", items, &page))
    }
    .await;
    ok(&headers, result)
}

pub async fn read_member(
    State(state): State<AppState>,
    caller: AdminCaller,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let result = async {
        require(&caller.actor, Permission::ManageMembers, "read members")?;
        let member =
            state.newsroom.db().member_by_id(&member_id(&id)?).await?.ok_or_else(|| ApiError::not_found("Member"))?;
        Ok(json!({ "members": [member_value(&state, &member).await?] }))
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
        Ok(json!({ "members": [member_value(&state, &member).await?] }))
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
        Ok(json!({ "members": [member_value(&state, &member).await?] }))
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
