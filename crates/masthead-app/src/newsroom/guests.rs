//! Guest contributors: op-ed writers, stringers and partner outlets who get a byline, an author
//! page and a place in the Content API, but no account. They have no email address, password
//! or role, so they take no staff seat and no sign-in path reaches them. Editors and above
//! manage them, as they manage writers.

use masthead_core::{Actor, ObjectId, Permission, Slug, StaffUser};
use masthead_storage::{GuestDeletion, GuestProfile};

use crate::{AppError, ContentChange, Newsroom};

/// Ghost's limits for the same fields of a staff user.
const MAX_NAME: usize = 191;
const MAX_BIO: usize = 200;
const MAX_LOCATION: usize = 150;
const MAX_URL: usize = 2000;

/// A guest contributor's profile as typed into the form (or sent by a client): every field is
/// trimmed and checked by [`Newsroom::add_guest`] and [`Newsroom::edit_guest`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GuestInput {
    pub name: String,
    /// Blank: made from the name (on an edit, the current one is kept).
    pub slug: String,
    pub bio: String,
    /// A `/path` (an upload) or an http(s) address.
    pub profile_image: String,
    pub website: String,
    pub location: String,
    /// `@handle`, `handle` or an x.com / twitter.com address; stored as Ghost does, `@handle`.
    pub twitter: String,
    /// A page name or a facebook.com address; stored as Ghost does, the page name.
    pub facebook: String,
}

fn refuse(what: &str) -> AppError {
    AppError::Forbidden(format!("your role does not allow you to {what}"))
}

fn optional(value: &str) -> Option<String> {
    let value = value.trim();
    (!value.is_empty()).then(|| value.to_owned())
}

fn at_most(field: &'static str, value: Option<String>, max: usize) -> Result<Option<String>, AppError> {
    match value {
        Some(v) if v.chars().count() > max => {
            Err(AppError::invalid(field, format!("{field} is at most {max} characters")))
        }
        other => Ok(other),
    }
}

/// An http(s) address (a website has no meaning as a path of this site).
fn web_address(field: &'static str, value: &str) -> Result<Option<String>, AppError> {
    let Some(url) = at_most(field, optional(value), MAX_URL)? else { return Ok(None) };
    if url.starts_with('/') || masthead_core::check_link(&url).is_err() {
        return Err(AppError::invalid(field, format!("{url:?} is not an http(s) address such as https://example.org")));
    }
    Ok(Some(url))
}

/// `@handle` from a handle, `@handle` or an x.com / twitter.com profile address.
pub fn normalise_twitter(value: &str) -> Result<Option<String>, AppError> {
    let Some(value) = optional(value) else { return Ok(None) };
    let lower = value.to_ascii_lowercase();
    let handle = ["https://", "http://"]
        .iter()
        .find_map(|scheme| lower.strip_prefix(scheme).map(|_| &value[scheme.len()..]))
        .map(|rest| {
            let rest = rest.strip_prefix("www.").unwrap_or(rest);
            let lower = rest.to_ascii_lowercase();
            ["x.com/", "twitter.com/"]
                .iter()
                .find_map(|host| lower.starts_with(host).then(|| &rest[host.len()..]))
                .map(|path| path.split(['/', '?', '#']).next().unwrap_or_default())
        });
    let handle = match handle {
        Some(Some(handle)) => handle,
        Some(None) => {
            return Err(AppError::invalid("twitter", format!("{value:?} is not an x.com or twitter.com address")));
        }
        None => value.strip_prefix('@').unwrap_or(&value),
    };
    if handle.is_empty() || handle.len() > 15 || !handle.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(AppError::invalid(
            "twitter",
            format!("{value:?} is not an X handle (up to 15 letters, digits or _, such as @example)"),
        ));
    }
    Ok(Some(format!("@{handle}")))
}

/// A page name from a page name or a facebook.com address.
pub fn normalise_facebook(value: &str) -> Result<Option<String>, AppError> {
    let Some(value) = optional(value) else { return Ok(None) };
    let lower = value.to_ascii_lowercase();
    let page =
        ["https://", "http://"].iter().find_map(|scheme| lower.strip_prefix(scheme).map(|_| &value[scheme.len()..]));
    let page = match page {
        Some(rest) => {
            let rest = rest.strip_prefix("www.").or_else(|| rest.strip_prefix("m.")).unwrap_or(rest);
            match rest.to_ascii_lowercase().strip_prefix("facebook.com/") {
                Some(_) => {
                    rest["facebook.com/".len()..].split(['?', '#']).next().unwrap_or_default().trim_end_matches('/')
                }
                None => {
                    return Err(AppError::invalid("facebook", format!("{value:?} is not a facebook.com address")));
                }
            }
        }
        None => value.trim_start_matches('/').trim_end_matches('/'),
    };
    if page.is_empty()
        || page.len() > 100
        || !page.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '/'))
    {
        return Err(AppError::invalid("facebook", format!("{value:?} is not a Facebook page name or address")));
    }
    Ok(Some(page.to_owned()))
}

impl GuestInput {
    /// The checked profile; `slug` is `None` when the field was left blank.
    fn checked(&self) -> Result<(GuestProfileFields, Option<Slug>), AppError> {
        let name = self.name.trim();
        if name.is_empty() {
            return Err(AppError::invalid("name", "a guest contributor needs a name"));
        }
        if name.chars().count() > MAX_NAME {
            return Err(AppError::invalid("name", format!("name is at most {MAX_NAME} characters")));
        }
        let slug = match optional(&self.slug) {
            Some(slug) => {
                Some(Slug::parse(&slug.to_lowercase()).map_err(|e| AppError::invalid("slug", e.to_string()))?)
            }
            None => None,
        };
        let profile_image = at_most("profile_image", optional(&self.profile_image), MAX_URL)?;
        if let Some(url) = &profile_image {
            masthead_core::check_link(url).map_err(|e| AppError::invalid("profile_image", e.to_string()))?;
        }
        Ok((
            GuestProfileFields {
                name: name.to_owned(),
                bio: at_most("bio", optional(&self.bio), MAX_BIO)?,
                profile_image,
                website: web_address("website", &self.website)?,
                location: at_most("location", optional(&self.location), MAX_LOCATION)?,
                twitter: normalise_twitter(&self.twitter)?,
                facebook: normalise_facebook(&self.facebook)?,
            },
            slug,
        ))
    }
}

struct GuestProfileFields {
    name: String,
    bio: Option<String>,
    profile_image: Option<String>,
    website: Option<String>,
    location: Option<String>,
    twitter: Option<String>,
    facebook: Option<String>,
}

impl GuestProfileFields {
    fn with_slug(self, slug: Slug) -> GuestProfile {
        GuestProfile {
            name: self.name,
            slug,
            bio: self.bio,
            profile_image: self.profile_image,
            website: self.website,
            location: self.location,
            twitter: self.twitter,
            facebook: self.facebook,
        }
    }
}

/// A slug taken by another author is the slug field's problem, said so it can be fixed.
fn slug_taken(error: AppError, slug: &Slug) -> AppError {
    match error {
        AppError::Conflict(_) => {
            AppError::invalid("slug", format!("another author already has the slug {:?}", slug.as_str()))
        }
        other => other,
    }
}

impl Newsroom {
    /// Adds a guest contributor: an author profile with no account.
    pub async fn add_guest(&self, actor: &Actor, input: &GuestInput) -> Result<StaffUser, AppError> {
        if !actor.may(Permission::ManageWriters) {
            return Err(refuse("add guest contributors"));
        }
        let (fields, slug) = input.checked()?;
        let slug = match slug {
            Some(slug) => slug,
            None => self.free_author_slug(&fields.name).await?,
        };
        let profile = fields.with_slug(slug.clone());
        let guest = StaffUser {
            bio: profile.bio,
            profile_image: profile.profile_image,
            website: profile.website,
            location: profile.location,
            twitter: profile.twitter,
            facebook: profile.facebook,
            ..StaffUser::guest(profile.name, profile.slug)
        };
        self.db.insert_user(&guest).await.map_err(|e| slug_taken(e.into(), &slug))?;
        self.changes.publish(&ContentChange::Author(guest.id.clone()));
        Ok(guest)
    }

    /// Changes a guest contributor's profile. Their stories' bylines follow (a new slug moves
    /// the author page; every page naming them is refreshed).
    pub async fn edit_guest(&self, actor: &Actor, id: &ObjectId, input: &GuestInput) -> Result<StaffUser, AppError> {
        if !actor.may(Permission::ManageWriters) {
            return Err(refuse("edit guest contributors"));
        }
        let current = self.guest(id).await?;
        let (fields, slug) = input.checked()?;
        let slug = slug.unwrap_or_else(|| current.slug.clone());
        let profile = fields.with_slug(slug.clone());
        if !self.db.update_guest(id, &profile).await.map_err(|e| slug_taken(e.into(), &slug))? {
            return Err(AppError::NotFound("guest contributor"));
        }
        // Bylines on every story of theirs, listings and feeds change.
        self.changes.publish(&ContentChange::Everything);
        self.guest(id).await
    }

    /// Deletes a guest contributor who is no story's author. One with stories is kept: taking
    /// them away would change published bylines (or leave a story with none) without anyone
    /// deciding who wrote it; their stories' authors are changed first, in the editor.
    pub async fn delete_guest(&self, actor: &Actor, id: &ObjectId) -> Result<(), AppError> {
        if !actor.may(Permission::ManageWriters) {
            return Err(refuse("delete guest contributors"));
        }
        match self.db.delete_guest(id).await? {
            GuestDeletion::Deleted => {
                self.changes.publish(&ContentChange::Author(id.clone()));
                Ok(())
            }
            GuestDeletion::NotFound => Err(AppError::NotFound("guest contributor")),
            GuestDeletion::HasStories(count) => Err(AppError::Conflict(format!(
                "{count} {} still {} this byline; give {} another author first, then delete the guest contributor",
                if count == 1 { "story" } else { "stories" },
                if count == 1 { "carries" } else { "carry" },
                if count == 1 { "it" } else { "them" },
            ))),
        }
    }

    async fn guest(&self, id: &ObjectId) -> Result<StaffUser, AppError> {
        match self.db.user_by_id(id).await? {
            Some(user) if user.is_guest() => Ok(user),
            _ => Err(AppError::NotFound("guest contributor")),
        }
    }

    /// The name's slug, or the first of `slug-2`, `slug-3`... no author has.
    async fn free_author_slug(&self, name: &str) -> Result<Slug, AppError> {
        let base = Slug::from_title(name).ok_or_else(|| AppError::invalid("name", "a name needs letters or digits"))?;
        let mut slug = base.clone();
        for n in 2..1000 {
            if self.db.user_by_slug(slug.as_str()).await?.is_none() {
                return Ok(slug);
            }
            slug = Slug::parse(&format!("{base}-{n}")).map_err(|e| AppError::invalid("name", e.to_string()))?;
        }
        Err(AppError::invalid("slug", "choose a slug: every variant of this name is taken"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twitter_handles_are_stored_as_ghost_stores_them() {
        for (typed, stored) in [
            ("@anna_k", "@anna_k"),
            ("anna_k", "@anna_k"),
            ("https://x.com/anna_k", "@anna_k"),
            ("https://twitter.com/anna_k/", "@anna_k"),
            ("http://www.twitter.com/anna_k?lang=en", "@anna_k"),
        ] {
            assert_eq!(normalise_twitter(typed).ok().flatten().as_deref(), Some(stored), "{typed}");
        }
        assert_eq!(normalise_twitter("  ").ok(), Some(None));
        for bad in ["anna k", "@", "https://example.org/anna", "averyveryverylonghandle", "<script>"] {
            assert!(normalise_twitter(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn facebook_pages_are_stored_as_ghost_stores_them() {
        for (typed, stored) in [
            ("anna.k", "anna.k"),
            ("https://www.facebook.com/anna.k/", "anna.k"),
            ("https://facebook.com/pages/anna-k?ref=x", "pages/anna-k"),
        ] {
            assert_eq!(normalise_facebook(typed).ok().flatten().as_deref(), Some(stored), "{typed}");
        }
        for bad in ["https://example.org/anna", "anna k", "\"><b>"] {
            assert!(normalise_facebook(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn profiles_are_checked_field_by_field() {
        let ok = GuestInput { name: " Ana Op-Ed ".into(), ..GuestInput::default() };
        let (fields, slug) = ok.checked().expect("a name is enough");
        assert_eq!((fields.name.as_str(), slug), ("Ana Op-Ed", None));
        let field_of = |input: GuestInput| match input.checked() {
            Err(AppError::Invalid { field, .. }) => field,
            other => panic!("expected a refusal, got {:?}", other.map(|(f, _)| f.name)),
        };
        assert_eq!(field_of(GuestInput::default()), "name");
        assert_eq!(field_of(GuestInput { slug: "not a slug!".into(), ..ok.clone() }), "slug");
        assert_eq!(field_of(GuestInput { bio: "x".repeat(201), ..ok.clone() }), "bio");
        assert_eq!(field_of(GuestInput { website: "/about/".into(), ..ok.clone() }), "website");
        assert_eq!(field_of(GuestInput { website: "javascript:alert(1)".into(), ..ok.clone() }), "website");
        assert_eq!(field_of(GuestInput { profile_image: "javascript:x".into(), ..ok.clone() }), "profile_image");
        assert_eq!(field_of(GuestInput { location: "x".repeat(151), ..ok.clone() }), "location");
    }
}
