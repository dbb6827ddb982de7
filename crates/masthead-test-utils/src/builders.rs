//! Fixtures: staff, newsletters and members are written straight to the test's database (they
//! are rows a test needs, not what the test is about); posts are made through the real use case,
//! so their derived fields are shaped like production data.

use masthead_app::{Newsroom, PostBody, PostInput};
use masthead_core::{
    Member, MemberStatus, Newsletter, NewsletterStatus, ObjectId, Post, PostStatus, PostType, Slug, StaffStatus,
    StaffUser, Visibility,
};
use masthead_storage::Db;
use time::OffsetDateTime;

pub struct StaffBuilder {
    name: String,
    bio: Option<String>,
    location: Option<String>,
    status: StaffStatus,
}

impl StaffBuilder {
    pub fn new(name: &str) -> Self {
        Self { name: name.to_owned(), bio: None, location: None, status: StaffStatus::Active }
    }

    pub fn bio(mut self, bio: &str) -> Self {
        self.bio = Some(bio.to_owned());
        self
    }

    pub fn location(mut self, location: &str) -> Self {
        self.location = Some(location.to_owned());
        self
    }

    pub fn suspended(mut self) -> Self {
        self.status = StaffStatus::Suspended;
        self
    }

    /// Writes the account straight to the test's database (a fixture, not a use case).
    pub async fn create(self, db: &Db) -> StaffUser {
        let slug = Slug::from_title(&self.name).expect("name has letters");
        let email = format!("{slug}@news.example.org");
        let user = StaffUser {
            bio: self.bio,
            location: self.location,
            status: self.status,
            ..StaffUser::new(self.name, slug, email)
        };
        db.insert_user(&user).await.expect("insert staff user");
        user
    }
}

pub struct NewsletterBuilder {
    name: String,
    sort_order: i32,
    archived: bool,
}

impl NewsletterBuilder {
    pub fn new(name: &str) -> Self {
        Self { name: name.to_owned(), sort_order: 0, archived: false }
    }

    pub fn sort_order(mut self, sort_order: i32) -> Self {
        self.sort_order = sort_order;
        self
    }

    pub fn archived(mut self) -> Self {
        self.archived = true;
        self
    }

    pub async fn create(self, db: &Db) -> Newsletter {
        let now = masthead_core::now();
        let newsletter = Newsletter {
            id: ObjectId::new(),
            uuid: format!("uuid-{}", ObjectId::new()),
            slug: Slug::from_title(&self.name).expect("name has letters"),
            name: self.name,
            description: None,
            sender_name: None,
            sender_email: None,
            sender_reply_to: None,
            host_name: None,
            status: if self.archived { NewsletterStatus::Archived } else { NewsletterStatus::Active },
            subscribe_on_signup: true,
            sort_order: self.sort_order,
            created_at: now,
            updated_at: now,
        };
        db.save_newsletter(&newsletter).await.expect("save newsletter");
        newsletter
    }
}

pub struct MemberBuilder {
    new: masthead_storage::NewMember,
    newsletters: Vec<ObjectId>,
}

impl MemberBuilder {
    pub fn new(email: &str) -> Self {
        Self {
            new: masthead_storage::NewMember {
                email: email.to_owned(),
                name: None,
                note: None,
                status: MemberStatus::Free,
                labels: Vec::new(),
                consent_source: "test".into(),
                consent_ip: None,
                created_at: masthead_core::now(),
            },
            newsletters: Vec::new(),
        }
    }

    pub fn name(mut self, name: &str) -> Self {
        self.new.name = Some(name.to_owned());
        self
    }

    pub fn status(mut self, status: MemberStatus) -> Self {
        self.new.status = status;
        self
    }

    pub fn labels(mut self, labels: &[&str]) -> Self {
        self.new.labels = labels.iter().map(|l| (*l).to_owned()).collect();
        self
    }

    pub fn subscribed_to(mut self, newsletters: &[&Newsletter]) -> Self {
        self.newsletters = newsletters.iter().map(|n| n.id.clone()).collect();
        self
    }

    pub fn created_at(mut self, at: OffsetDateTime) -> Self {
        self.new.created_at = at;
        self
    }

    pub async fn create(self, db: &Db) -> Member {
        db.insert_member(&self.new, &self.newsletters).await.expect("insert member")
    }
}

pub struct PostBuilder {
    input: PostInput,
}

impl PostBuilder {
    fn new(post_type: PostType, title: &str, status: PostStatus) -> Self {
        let mut input = PostInput::new(
            post_type,
            title,
            PostBody::Markdown(format!("The story of {title}.\n\nA second paragraph.")),
            Vec::new(),
        );
        input.status = status;
        Self { input }
    }

    pub fn published(title: &str) -> Self {
        Self::new(PostType::Post, title, PostStatus::Published)
    }

    pub fn draft(title: &str) -> Self {
        Self::new(PostType::Post, title, PostStatus::Draft)
    }

    pub fn page(title: &str) -> Self {
        Self::new(PostType::Page, title, PostStatus::Published)
    }

    pub fn slug(mut self, slug: &str) -> Self {
        self.input.slug = Some(slug.to_owned());
        self
    }

    pub fn markdown(mut self, markdown: &str) -> Self {
        self.input.body = PostBody::Markdown(markdown.to_owned());
        self
    }

    pub fn html(mut self, html: &str) -> Self {
        self.input.body = PostBody::Html(html.to_owned());
        self
    }

    pub fn tags(mut self, tags: &[&str]) -> Self {
        self.input.tags = tags.iter().map(|t| (*t).to_owned()).collect();
        self
    }

    pub fn authors(mut self, authors: &[&StaffUser]) -> Self {
        self.input.author_ids = authors.iter().map(|a| a.id.clone()).collect();
        self
    }

    pub fn published_at(mut self, at: OffsetDateTime) -> Self {
        self.input.published_at = Some(at);
        self
    }

    pub fn visibility(mut self, visibility: Visibility) -> Self {
        self.input.visibility = visibility;
        self
    }

    /// Limits the post to these tiers (`visibility: tiers`).
    pub fn tiers(mut self, tiers: &[&masthead_core::Tier]) -> Self {
        self.input.visibility = Visibility::Tiers;
        self.input.tiers = tiers.iter().map(|t| t.id.clone()).collect();
        self
    }

    pub fn featured(mut self) -> Self {
        self.input.featured = true;
        self
    }

    pub fn excerpt(mut self, excerpt: &str) -> Self {
        self.input.custom_excerpt = Some(excerpt.to_owned());
        self
    }

    pub fn feature_image(mut self, url: &str, alt: &str, caption: &str, credit: &str) -> Self {
        self.input.feature_image = Some(url.to_owned());
        self.input.feature_image_alt = Some(alt.to_owned());
        self.input.feature_image_caption = Some(caption.to_owned());
        self.input.feature_image_credit = Some(credit.to_owned());
        self
    }

    pub fn input(self) -> PostInput {
        self.input
    }

    pub async fn create(self, newsroom: &Newsroom) -> Post {
        newsroom.create_post(self.input).await.expect("create post")
    }
}
