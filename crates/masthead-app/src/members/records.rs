//! Staff looking after one member: labels, complimentary memberships and the member's history.

use masthead_core::{Actor, MemberStatus, ObjectId, Permission};

use crate::{AppError, Newsroom};

fn may_manage(actor: &Actor) -> Result<(), AppError> {
    if actor.may(Permission::ManageMembers) {
        Ok(())
    } else {
        Err(AppError::Forbidden("Your role does not allow you to manage members.".into()))
    }
}

/// Longest label name accepted (Ghost's column width).
const MAX_LABEL: usize = 191;

impl Newsroom {
    /// Appends an event to a member's history (for events that are not written together with
    /// another change; those are recorded in the change's own transaction).
    pub async fn record_member_event(
        &self,
        member_id: &ObjectId,
        kind: &str,
        detail: &serde_json::Value,
    ) -> Result<(), AppError> {
        Ok(self.db.record_member_event(member_id, kind, detail).await?)
    }

    /// Gives a member a complimentary membership of a paid tier. `by` names who gave it.
    pub async fn grant_comp_as(&self, actor: &Actor, member_id: &ObjectId, tier_id: &str) -> Result<(), AppError> {
        may_manage(actor)?;
        let member = self.db.member_by_id(member_id).await?.ok_or(AppError::NotFound("member"))?;
        let tier_id = tier_id.trim();
        if tier_id.is_empty() {
            return Err(AppError::invalid("tier", "Choose the paid tier the complimentary membership gives."));
        }
        let tier = self
            .db
            .tier_choice(tier_id)
            .await?
            .filter(|t| t.kind == "paid" && t.active)
            .ok_or_else(|| AppError::invalid("tier", "Choose one of the active paid tiers."))?;
        if member.status == MemberStatus::Paid {
            return Err(AppError::invalid(
                "tier",
                "This member pays for a subscription; a complimentary membership is for members who do not.",
            ));
        }
        let by = self.db.user_by_id(&actor.user_id).await?.map(|u| u.name).unwrap_or_else(|| "staff".into());
        self.db.grant_comp(member_id, &tier, &by).await?;
        let after = self.db.member_by_id(member_id).await?;
        self.member_changed(Some(&member), after.as_ref()).await;
        self.membership_changed();
        Ok(())
    }

    /// Ends a member's complimentary membership: they are a free member again.
    pub async fn remove_comp_as(&self, actor: &Actor, member_id: &ObjectId) -> Result<(), AppError> {
        may_manage(actor)?;
        let member = self.db.member_by_id(member_id).await?.ok_or(AppError::NotFound("member"))?;
        let by = self.db.user_by_id(&actor.user_id).await?.map(|u| u.name).unwrap_or_else(|| "staff".into());
        if !self.db.remove_comp(member_id, &by).await? {
            return Err(AppError::invalid("status", "This member has no complimentary membership to remove."));
        }
        let after = self.db.member_by_id(member_id).await?;
        self.member_changed(Some(&member), after.as_ref()).await;
        self.membership_changed();
        Ok(())
    }

    /// Puts a label (new or existing, by name) on a member.
    pub async fn add_member_label_as(&self, actor: &Actor, member_id: &ObjectId, name: &str) -> Result<(), AppError> {
        may_manage(actor)?;
        let member = self.db.member_by_id(member_id).await?.ok_or(AppError::NotFound("member"))?;
        let name = name.trim();
        if name.is_empty() {
            return Err(AppError::invalid("label", "Type the name of the label to add."));
        }
        if name.chars().count() > MAX_LABEL {
            return Err(AppError::invalid("label", format!("A label name is at most {MAX_LABEL} characters.")));
        }
        self.db.add_member_label(member_id, name).await?;
        let after = self.db.member_by_id(member_id).await?;
        self.member_changed(Some(&member), after.as_ref()).await;
        Ok(())
    }

    /// Takes a label off a member.
    pub async fn remove_member_label_as(
        &self,
        actor: &Actor,
        member_id: &ObjectId,
        label_id: &str,
    ) -> Result<(), AppError> {
        may_manage(actor)?;
        let member = self.db.member_by_id(member_id).await?.ok_or(AppError::NotFound("member"))?;
        if !self.db.remove_member_label(member_id, label_id).await? {
            return Err(AppError::NotFound("label"));
        }
        let after = self.db.member_by_id(member_id).await?;
        self.member_changed(Some(&member), after.as_ref()).await;
        Ok(())
    }
}
