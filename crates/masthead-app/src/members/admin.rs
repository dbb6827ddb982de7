//! Staff adding, editing and removing members by hand (the admin screens and the Admin API).

use masthead_core::{Actor, EmailAddress, Member, MemberStatus, ObjectId, Permission, SuppressionReason};
use masthead_storage::NewMember;

use crate::{AppError, Newsroom};

/// What staff may set on a member. `None` leaves a field as it is (on edit) or takes the
/// default (on add).
#[derive(Clone, Debug, Default)]
pub struct MemberInput {
    pub email: Option<String>,
    pub name: Option<Option<String>>,
    pub note: Option<Option<String>>,
    pub status: Option<MemberStatus>,
    /// Label names; unknown names create labels.
    pub labels: Option<Vec<String>>,
    /// Newsletter ids to receive; on add, `None` means the sign-up defaults.
    pub newsletters: Option<Vec<ObjectId>>,
}

fn trimmed(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

impl Newsroom {
    /// Adds a member on staff's word (`source` says who, for the consent record). A suppressed
    /// address is added but subscribed to nothing.
    pub async fn add_member_as(&self, actor: &Actor, input: MemberInput, source: &str) -> Result<Member, AppError> {
        if !actor.may(Permission::ManageMembers) {
            return Err(AppError::Forbidden("Your role does not allow you to manage members.".into()));
        }
        let email =
            input.email.as_deref().ok_or_else(|| AppError::invalid("email", "An email address is required."))?;
        let email = EmailAddress::parse(email).map_err(|e| AppError::invalid("email", e.to_string()))?;
        let subscriptions = match input.newsletters {
            Some(ids) => ids,
            None => {
                self.db.newsletters(false).await?.into_iter().filter(|n| n.subscribe_on_signup).map(|n| n.id).collect()
            }
        };
        let suppressed = self.db.suppression(email.as_str()).await?.is_some();
        let new = NewMember {
            email: email.to_string(),
            name: trimmed(input.name.flatten()),
            note: trimmed(input.note.flatten()),
            status: input.status.unwrap_or(MemberStatus::Free),
            labels: input.labels.unwrap_or_default(),
            consent_source: source.to_owned(),
            consent_ip: None,
            created_at: masthead_core::now(),
        };
        let subscriptions = if suppressed { Vec::new() } else { subscriptions };
        let member = self.db.insert_member(&new, &subscriptions).await?;
        self.membership_changed();
        self.member_changed(None, Some(&member)).await;
        Ok(member)
    }

    /// Changes what `input` names and leaves the rest.
    pub async fn edit_member_as(&self, actor: &Actor, id: &ObjectId, input: MemberInput) -> Result<Member, AppError> {
        if !actor.may(Permission::ManageMembers) {
            return Err(AppError::Forbidden("Your role does not allow you to manage members.".into()));
        }
        let member = self.db.member_by_id(id).await?.ok_or(AppError::NotFound("member"))?;
        let email = match input.email.as_deref() {
            Some(email) => {
                EmailAddress::parse(email).map_err(|e| AppError::invalid("email", e.to_string()))?.to_string()
            }
            None => member.email.clone(),
        };
        let name = match input.name {
            Some(name) => trimmed(name),
            None => member.name.clone(),
        };
        let note = match input.note {
            Some(note) => trimmed(note),
            None => member.note.clone(),
        };
        let status = input.status.unwrap_or(member.status);
        self.db.update_member(id, &email, name.as_deref(), note.as_deref(), status, input.labels.as_deref()).await?;
        if let Some(wanted) = input.newsletters {
            let all = self.db.newsletters(true).await?;
            let choices: Vec<(ObjectId, bool)> = all.iter().map(|n| (n.id.clone(), wanted.contains(&n.id))).collect();
            self.db.set_subscriptions(id, &choices, "admin").await?;
        }
        let updated = self.db.member_by_id(id).await?.ok_or(AppError::NotFound("member"))?;
        if updated.status != member.status {
            // Paid and complimentary members count towards paid-member goals.
            self.membership_changed();
        }
        self.member_changed(Some(&member), Some(&updated)).await;
        Ok(updated)
    }

    pub async fn delete_member_as(&self, actor: &Actor, id: &ObjectId) -> Result<(), AppError> {
        if !actor.may(Permission::ManageMembers) {
            return Err(AppError::Forbidden("Your role does not allow you to manage members.".into()));
        }
        let member = self.db.member_by_id(id).await?.ok_or(AppError::NotFound("member"))?;
        if !self.db.delete_member(id).await? {
            return Err(AppError::NotFound("member"));
        }
        self.membership_changed();
        self.member_changed(Some(&member), None).await;
        Ok(())
    }

    /// Puts an address on the suppression list by hand: nothing is mailed to it again until it
    /// is taken off.
    pub async fn suppress_address_as(&self, actor: &Actor, email: &str, detail: &str) -> Result<(), AppError> {
        if !actor.may(Permission::ManageMembers) {
            return Err(AppError::Forbidden("Your role does not allow you to manage the suppression list.".into()));
        }
        let email = EmailAddress::parse(email).map_err(|e| AppError::invalid("email", e.to_string()))?;
        let detail = detail.trim();
        self.db.suppress(email.as_str(), SuppressionReason::Manual, Some(detail).filter(|d| !d.is_empty())).await?;
        tracing::info!(%email, "address suppressed by staff");
        Ok(())
    }

    /// Takes an address off the suppression list; returns whether it was on it.
    pub async fn unsuppress_address_as(&self, actor: &Actor, email: &str) -> Result<bool, AppError> {
        if !actor.may(Permission::ManageMembers) {
            return Err(AppError::Forbidden("Your role does not allow you to manage the suppression list.".into()));
        }
        Ok(self.db.unsuppress(email.trim()).await?)
    }
}
