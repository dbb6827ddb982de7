//! Staff roles and what each may do: the one permission table every route consults.
//!
//! The roles are Ghost's. Contributors write drafts they cannot publish; authors publish their
//! own stories; editors run the newsroom (every story, tags, the live feed, picks, and the
//! authors and contributors on staff); administrators also run the site (settings, members,
//! integrations); the single owner is an administrator who can hand ownership on.

use crate::{ObjectId, Post, PostStatus};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Contributor,
    Author,
    Editor,
    Administrator,
    Owner,
}

impl Role {
    pub const ALL: [Role; 5] = [Role::Contributor, Role::Author, Role::Editor, Role::Administrator, Role::Owner];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Contributor => "contributor",
            Role::Author => "author",
            Role::Editor => "editor",
            Role::Administrator => "administrator",
            Role::Owner => "owner",
        }
    }

    /// Ghost's display names ("Administrator") and our stored names ("administrator") both parse.
    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str().eq_ignore_ascii_case(value.trim()))
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Contributor => "Contributor",
            Role::Author => "Author",
            Role::Editor => "Editor",
            Role::Administrator => "Administrator",
            Role::Owner => "Owner",
        }
    }

    pub fn may(self, permission: Permission) -> bool {
        PERMISSIONS.iter().any(|(p, roles)| *p == permission && roles.contains(&self))
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

/// Things staff can be allowed to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Permission {
    /// Sign in to the newsroom, see the dashboard, write drafts of one's own.
    WriteDrafts,
    /// Publish, schedule and unpublish one's own stories, and edit them once live.
    PublishOwn,
    /// Edit, publish and delete anyone's stories; attach corrections.
    EditAnyPost,
    /// Create tags while writing.
    CreateTags,
    /// Rename, describe and delete tags.
    ManageTags,
    /// The live news feed, editors' picks and membership goal campaigns.
    ManageNewsroom,
    /// Invite, suspend and change the role of contributors and authors; add, edit and delete
    /// guest contributors (bylines without accounts).
    ManageWriters,
    /// The same for editors and administrators.
    ManageAllStaff,
    /// Site settings, navigation, theme.
    ManageSettings,
    /// Members, newsletters, subscriptions, the suppression list.
    ManageMembers,
    /// Send a story to a newsletter's subscribers.
    SendNewsletters,
    /// API keys, webhooks, imports and exports.
    ManageIntegrations,
    /// Hand the owner role to another administrator.
    TransferOwnership,
}

use Role::{Administrator as Adm, Author as Aut, Contributor as Con, Editor as Edi, Owner as Own};

/// The permission table. A role not listed for a permission does not have it.
pub const PERMISSIONS: &[(Permission, &[Role])] = &[
    (Permission::WriteDrafts, &[Con, Aut, Edi, Adm, Own]),
    (Permission::PublishOwn, &[Aut, Edi, Adm, Own]),
    (Permission::EditAnyPost, &[Edi, Adm, Own]),
    (Permission::CreateTags, &[Aut, Edi, Adm, Own]),
    (Permission::ManageTags, &[Edi, Adm, Own]),
    (Permission::ManageNewsroom, &[Edi, Adm, Own]),
    (Permission::ManageWriters, &[Edi, Adm, Own]),
    (Permission::ManageAllStaff, &[Adm, Own]),
    (Permission::ManageSettings, &[Adm, Own]),
    (Permission::ManageMembers, &[Adm, Own]),
    (Permission::SendNewsletters, &[Edi, Adm, Own]),
    (Permission::ManageIntegrations, &[Adm, Own]),
    (Permission::TransferOwnership, &[Own]),
];

/// A signed-in member of staff, as the permission rules see them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor {
    pub user_id: ObjectId,
    pub role: Role,
}

impl Actor {
    pub fn may(&self, permission: Permission) -> bool {
        self.role.may(permission)
    }

    fn wrote(&self, post: &Post) -> bool {
        post.authors.iter().any(|a| a.id == self.user_id)
    }

    /// Contributors edit their own drafts only; authors their own stories, live or not; editors
    /// and above, every story.
    pub fn may_edit(&self, post: &Post) -> bool {
        if self.may(Permission::EditAnyPost) {
            return true;
        }
        if !self.wrote(post) {
            return false;
        }
        self.may(Permission::PublishOwn) || post.status == PostStatus::Draft
    }

    /// Publishing, scheduling, unpublishing and deleting a live story.
    pub fn may_publish(&self, post: &Post) -> bool {
        self.may(Permission::EditAnyPost) || (self.may(Permission::PublishOwn) && self.wrote(post))
    }

    /// Whether this actor may change another staff member's account (role, suspension).
    /// Nobody manages the owner but the owner; editors manage only writers.
    pub fn may_manage(&self, target: Role) -> bool {
        match target {
            Role::Owner => self.role == Role::Owner,
            Role::Administrator | Role::Editor => self.may(Permission::ManageAllStaff),
            Role::Author | Role::Contributor => self.may(Permission::ManageWriters),
        }
    }

    /// The roles this actor may give to someone they invite or promote.
    pub fn assignable_roles(&self) -> Vec<Role> {
        Role::ALL.into_iter().filter(|r| *r != Role::Owner && self.may_manage(*r)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Slug, StaffUser};

    fn post_by(author: &StaffUser, status: PostStatus) -> Post {
        let mut post = crate::content::tests_support::post("T");
        post.status = status;
        post.published_at = None;
        post.authors = vec![author.clone()];
        post
    }

    fn staff(name: &str) -> StaffUser {
        StaffUser::new(name, Slug::from_title(name).expect("slug"), format!("{name}@example.org"))
    }

    #[test]
    fn roles_parse_from_stored_and_display_names() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
            assert_eq!(Role::parse(role.label()), Some(role));
        }
        assert_eq!(Role::parse("super-admin"), None);
    }

    #[test]
    fn each_role_has_exactly_the_expected_permissions() {
        use Permission::*;
        let expected: [(Role, &[Permission]); 5] = [
            (Role::Contributor, &[WriteDrafts]),
            (Role::Author, &[WriteDrafts, PublishOwn, CreateTags]),
            (
                Role::Editor,
                &[
                    WriteDrafts,
                    PublishOwn,
                    EditAnyPost,
                    CreateTags,
                    ManageTags,
                    ManageNewsroom,
                    ManageWriters,
                    SendNewsletters,
                ],
            ),
            (
                Role::Administrator,
                &[
                    WriteDrafts,
                    PublishOwn,
                    EditAnyPost,
                    CreateTags,
                    ManageTags,
                    ManageNewsroom,
                    ManageWriters,
                    ManageAllStaff,
                    ManageSettings,
                    ManageMembers,
                    SendNewsletters,
                    ManageIntegrations,
                ],
            ),
            (
                Role::Owner,
                &[
                    WriteDrafts,
                    PublishOwn,
                    EditAnyPost,
                    CreateTags,
                    ManageTags,
                    ManageNewsroom,
                    ManageWriters,
                    ManageAllStaff,
                    ManageSettings,
                    ManageMembers,
                    SendNewsletters,
                    ManageIntegrations,
                    TransferOwnership,
                ],
            ),
        ];
        for (role, allowed) in expected {
            for (permission, _) in PERMISSIONS {
                assert_eq!(role.may(*permission), allowed.contains(permission), "{role} / {permission:?}");
            }
        }
    }

    #[test]
    fn story_rules_follow_ownership_and_status() {
        let (writer, other) = (staff("Writer"), staff("Other"));
        let actor = |role| Actor { user_id: writer.id.clone(), role };
        let own_draft = post_by(&writer, PostStatus::Draft);
        let own_live = post_by(&writer, PostStatus::Published);
        let others = post_by(&other, PostStatus::Draft);

        let contributor = actor(Role::Contributor);
        assert!(contributor.may_edit(&own_draft));
        assert!(!contributor.may_edit(&own_live), "a contributor cannot touch a live story");
        assert!(!contributor.may_publish(&own_draft));
        assert!(!contributor.may_edit(&others));

        let author = actor(Role::Author);
        assert!(author.may_edit(&own_live) && author.may_publish(&own_draft));
        assert!(!author.may_edit(&others) && !author.may_publish(&others));

        let editor = actor(Role::Editor);
        assert!(editor.may_edit(&others) && editor.may_publish(&others));
    }

    #[test]
    fn staff_management_is_bounded_by_role() {
        let actor = |role| Actor { user_id: ObjectId::new(), role };
        assert_eq!(actor(Role::Editor).assignable_roles(), [Role::Contributor, Role::Author]);
        assert_eq!(
            actor(Role::Administrator).assignable_roles(),
            [Role::Contributor, Role::Author, Role::Editor, Role::Administrator]
        );
        assert!(actor(Role::Author).assignable_roles().is_empty());
        assert!(!actor(Role::Administrator).may_manage(Role::Owner));
        assert!(actor(Role::Owner).may_manage(Role::Owner));
    }
}
