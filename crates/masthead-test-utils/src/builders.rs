//! Fixtures built through the real use cases, so a test's data is shaped like production data.

use masthead_app::{Newsroom, PostBody, PostInput};
use masthead_core::{Post, PostStatus, PostType, Slug, StaffUser};
use time::OffsetDateTime;

pub struct StaffBuilder {
    name: String,
    bio: Option<String>,
}

impl StaffBuilder {
    pub fn new(name: &str) -> Self {
        Self { name: name.to_owned(), bio: None }
    }

    pub fn bio(mut self, bio: &str) -> Self {
        self.bio = Some(bio.to_owned());
        self
    }

    pub async fn create(self, newsroom: &Newsroom) -> StaffUser {
        let slug = Slug::from_title(&self.name).expect("name has letters");
        let email = format!("{slug}@news.example.org");
        let user = StaffUser { bio: self.bio, ..StaffUser::new(self.name, slug, email) };
        newsroom.db.insert_user(&user).await.expect("insert staff user");
        user
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
