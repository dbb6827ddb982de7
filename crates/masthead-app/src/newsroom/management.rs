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

/// A tag's social cards, code injection and canonical URL, as Ghost keeps them: what an edit
/// sets them to (start from [`TagSocial::of`] to change only some).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TagSocial {
    pub og_image: Option<String>,
    pub og_title: Option<String>,
    pub og_description: Option<String>,
    pub twitter_image: Option<String>,
    pub twitter_title: Option<String>,
    pub twitter_description: Option<String>,
    pub codeinjection_head: Option<String>,
    pub codeinjection_foot: Option<String>,
    pub canonical_url: Option<String>,
}

impl TagSocial {
    /// The tag's fields as they are.
    pub fn of(tag: &Tag) -> Self {
        Self {
            og_image: tag.og_image.clone(),
            og_title: tag.og_title.clone(),
            og_description: tag.og_description.clone(),
            twitter_image: tag.twitter_image.clone(),
            twitter_title: tag.twitter_title.clone(),
            twitter_description: tag.twitter_description.clone(),
            codeinjection_head: tag.codeinjection_head.clone(),
            codeinjection_foot: tag.codeinjection_foot.clone(),
            canonical_url: tag.canonical_url.clone(),
        }
    }

    /// Trimmed, blanks cleared, and checked as Ghost checks them: titles up to 300 characters,
    /// descriptions up to 500, the canonical URL up to 2000; addresses a `/path` or `http(s)`.
    fn checked(self) -> Result<Self, AppError> {
        let text = |field: &'static str, value: Option<String>, max: Option<usize>| {
            let value = value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
            match (&value, max) {
                (Some(v), Some(max)) if v.chars().count() > max => {
                    Err(AppError::invalid(field, format!("{field} is at most {max} characters")))
                }
                _ => Ok(value),
            }
        };
        let link = |field: &'static str, value: Option<String>, max: Option<usize>| {
            let value = text(field, value, max)?;
            if let Some(url) = &value {
                masthead_core::check_link(url).map_err(|e| AppError::invalid(field, e.to_string()))?;
            }
            Ok::<_, AppError>(value)
        };
        Ok(Self {
            og_image: link("og_image", self.og_image, None)?,
            og_title: text("og_title", self.og_title, Some(300))?,
            og_description: text("og_description", self.og_description, Some(500))?,
            twitter_image: link("twitter_image", self.twitter_image, None)?,
            twitter_title: text("twitter_title", self.twitter_title, Some(300))?,
            twitter_description: text("twitter_description", self.twitter_description, Some(500))?,
            codeinjection_head: text("codeinjection_head", self.codeinjection_head, None)?,
            codeinjection_foot: text("codeinjection_foot", self.codeinjection_foot, None)?,
            canonical_url: link("canonical_url", self.canonical_url, Some(2000))?,
        })
    }
}

fn refuse(what: &str) -> AppError {
    AppError::Forbidden(format!("your role does not allow you to {what}"))
}

impl Newsroom {
    /// A member of staff; a guest contributor has no account to change.
    async fn staff_account(&self, id: &ObjectId) -> Result<StaffUser, AppError> {
        match self.db.user_by_id(id).await? {
            Some(user) if !user.is_guest() => Ok(user),
            _ => Err(AppError::NotFound("staff account")),
        }
    }

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
        let user = self.staff_account(target).await?;
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
        let user = self.staff_account(target).await?;
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
        self.edit_tag_fields(actor, id, name, description, None).await
    }

    /// [`Self::edit_tag`] that also sets the tag's social and SEO fields.
    pub async fn edit_tag_with_social(
        &self,
        actor: &Actor,
        id: &ObjectId,
        name: &str,
        description: &str,
        social: TagSocial,
    ) -> Result<Tag, AppError> {
        self.edit_tag_fields(actor, id, name, description, Some(social)).await
    }

    async fn edit_tag_fields(
        &self,
        actor: &Actor,
        id: &ObjectId,
        name: &str,
        description: &str,
        social: Option<TagSocial>,
    ) -> Result<Tag, AppError> {
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
        let social = match social {
            Some(social) => social.checked()?,
            None => TagSocial::of(&tag),
        };
        let before = tag.clone();
        let edited = Tag {
            name: name.to_owned(),
            slug,
            visibility: TagVisibility::for_name(name),
            description: (!description.is_empty()).then(|| description.to_owned()),
            og_image: social.og_image,
            og_title: social.og_title,
            og_description: social.og_description,
            twitter_image: social.twitter_image,
            twitter_title: social.twitter_title,
            twitter_description: social.twitter_description,
            codeinjection_head: social.codeinjection_head,
            codeinjection_foot: social.codeinjection_foot,
            canonical_url: social.canonical_url,
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
