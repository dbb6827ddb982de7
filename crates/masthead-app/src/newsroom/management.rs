//! Running the newsroom: staff (invite, role, suspension), tags and site settings, each
//! bounded by the acting staff member's role.

use masthead_core::{
    Actor, ObjectId, Permission, Role, SiteSettings, Slug, StaffStatus, StaffUser, Tag, TagVisibility,
};
use time::Duration;

use crate::newsroom::staff::SecretToken;
use crate::{AppError, ContentChange, Newsroom};

/// How long an invitation link works.
pub const INVITE_LIFETIME: Duration = Duration::days(7);

fn refuse(what: &str) -> AppError {
    AppError::Forbidden(format!("your role does not allow you to {what}"))
}

impl Newsroom {
    /// Creates an invited account and mails a link to choose a password (with no SMTP, the
    /// invitation is kept without its link: `masthead user reset` makes one).
    pub async fn invite_staff(
        &self,
        actor: &Actor,
        name: &str,
        email: &str,
        role: Role,
        site_url: &str,
    ) -> Result<StaffUser, AppError> {
        if role == Role::Owner || !actor.may_manage(role) {
            return Err(refuse(&format!("invite {}s", role.label().to_lowercase())));
        }
        let user = self.add_staff(name, email, role, None).await?;
        let secret = SecretToken::generate();
        let expires = masthead_core::now() + INVITE_LIFETIME;
        self.db.create_staff_token(&secret.hash, "password_reset", Some(&user.id), expires).await?;
        let site = self.db.site_settings().await?.title;
        let link = format!("{site_url}/admin/reset/{}/", secret.token);
        let body = format!(
            "Hello {},\n\nYou are invited to the newsroom of {site} as {}. Choose your password within seven days:\n\n{link}\n",
            user.name,
            role.label().to_lowercase()
        );
        let subject = format!("Your invitation to {site}");
        self.send_credential_mail(&user.email, &subject, &body, &link, &secret.hash, expires).await?;
        self.log_staff_link(&user.email, "staff invitation");
        Ok(user)
    }

    pub async fn change_role(&self, actor: &Actor, target: &ObjectId, role: Role) -> Result<StaffUser, AppError> {
        let user = self.db.user_by_id(target).await?.ok_or(AppError::NotFound("staff account"))?;
        if role == Role::Owner || user.role == Role::Owner {
            return Err(AppError::invalid("role", "the owner role is handed on by the owner, not assigned"));
        }
        if !actor.may_manage(user.role) || !actor.may_manage(role) {
            return Err(refuse(&format!(
                "make a {} into a {}",
                user.role.label().to_lowercase(),
                role.label().to_lowercase()
            )));
        }
        self.db.set_user_role(&user.id, role).await?;
        self.changes.publish(&ContentChange::Author(user.id.clone()));
        Ok(StaffUser { role, ..user })
    }

    /// Suspends (signing out every session) or reinstates an account.
    pub async fn set_suspended(&self, actor: &Actor, target: &ObjectId, suspended: bool) -> Result<(), AppError> {
        let user = self.db.user_by_id(target).await?.ok_or(AppError::NotFound("staff account"))?;
        if user.id == actor.user_id {
            return Err(AppError::invalid("status", "you cannot suspend yourself"));
        }
        if !actor.may_manage(user.role) {
            return Err(refuse(&format!("suspend a {}", user.role.label().to_lowercase())));
        }
        let status = match (suspended, self.db.password_hash(&user.id).await?) {
            (true, _) => StaffStatus::Suspended,
            (false, Some(_)) => StaffStatus::Active,
            (false, None) => StaffStatus::Invited,
        };
        self.db.set_user_status(&user.id, status).await?;
        if suspended {
            self.db.delete_sessions_of(&user.id).await?;
        }
        Ok(())
    }

    /// Renames or describes a tag. Internal tags (`#name`) stay internal.
    pub async fn edit_tag(&self, actor: &Actor, id: &ObjectId, name: &str, description: &str) -> Result<Tag, AppError> {
        if !actor.may(Permission::ManageTags) {
            return Err(refuse("edit tags"));
        }
        let tag = self.db.tag_by_id(id).await?.ok_or(AppError::NotFound("tag"))?;
        let name = name.trim();
        if name.is_empty() {
            return Err(AppError::invalid("name", "a tag needs a name"));
        }
        let slug =
            Slug::from_title(name).ok_or_else(|| AppError::invalid("name", "a tag name needs letters or digits"))?;
        let description = description.trim();
        if description.chars().count() > 500 {
            return Err(AppError::invalid("description", "a description is at most 500 characters"));
        }
        let before = tag.clone();
        let edited = Tag {
            name: name.to_owned(),
            slug,
            visibility: TagVisibility::for_name(name),
            description: (!description.is_empty()).then(|| description.to_owned()),
            updated_at: masthead_core::now(),
            ..tag
        };
        self.db.update_tag(&edited).await?;
        // The tag's URL may have changed: every page linking to it is refreshed.
        self.changes.publish(&ContentChange::Everything);
        self.tag_changed(Some(&before), Some(&edited)).await;
        Ok(edited)
    }

    pub async fn delete_tag(&self, actor: &Actor, id: &ObjectId) -> Result<(), AppError> {
        if !actor.may(Permission::ManageTags) {
            return Err(refuse("delete tags"));
        }
        let tag = self.db.tag_by_id(id).await?.ok_or(AppError::NotFound("tag"))?;
        if !self.db.delete_tag(id).await? {
            return Err(AppError::NotFound("tag"));
        }
        self.changes.publish(&ContentChange::Everything);
        self.tag_changed(Some(&tag), None).await;
        Ok(())
    }

    pub async fn save_settings(&self, actor: &Actor, settings: &SiteSettings) -> Result<(), AppError> {
        if !actor.may(Permission::ManageSettings) {
            return Err(refuse("change site settings"));
        }
        if settings.title.trim().is_empty() {
            return Err(AppError::invalid("title", "the site needs a title"));
        }
        if SiteSettings::parse_accent_color(&settings.accent_color).is_none() {
            return Err(AppError::invalid("accent_color", "use a colour like #b3261e"));
        }
        self.db.save_site_settings(settings).await?;
        self.changes.publish(&ContentChange::Settings);
        self.fire_webhooks("site.changed", "", serde_json::json!({}), serde_json::json!({})).await;
        Ok(())
    }
}
