//! The dashboard, the story list, the editor, image uploads.

use axum::Form;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Json, Redirect, Response};
use masthead_app::newsroom::authoring::{NewsletterRequest, StorySave};
use masthead_app::{AppError, PostBody, PostInput};
use masthead_core::{ObjectId, Permission, Post, PostStatus, PostType, StaffUser, Visibility};
use masthead_storage::{AdminPostFilter, AdminPostOrder, PageRequest};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::{PRIVATE, SignedIn, Staff, forbidden, not_found, render};
use crate::AppState;

const LIST_SIZE: u32 = 25;

#[derive(Serialize)]
struct PostRow {
    id: String,
    title: String,
    status: String,
    authors: String,
    when: String,
    updated: String,
}

pub(crate) fn local(state_tz: &jiff::tz::TimeZone, t: Option<OffsetDateTime>, format: &str) -> String {
    t.and_then(|t| jiff::Timestamp::from_second(t.unix_timestamp()).ok())
        .map(|ts| ts.to_zoned(state_tz.clone()).strftime(format).to_string())
        .unwrap_or_default()
}

fn row(tz: &jiff::tz::TimeZone, post: &Post) -> PostRow {
    PostRow {
        id: post.id.to_string(),
        title: post.title.clone(),
        status: post.status.as_str().to_owned(),
        authors: post.authors.iter().map(|a| a.name.as_str()).collect::<Vec<_>>().join(", "),
        when: local(tz, post.published_at, "%-d %b %Y, %H:%M"),
        updated: local(tz, Some(post.updated_at), "%-d %b %Y, %H:%M"),
    }
}

pub(crate) async fn timezone(state: &AppState) -> jiff::tz::TimeZone {
    state.newsroom.db().site_settings().await.map(|s| s.timezone.zone()).unwrap_or(jiff::tz::TimeZone::UTC)
}

pub(crate) fn internal(error: impl std::fmt::Display + crate::error::Outage) -> Response {
    if error.is_outage() {
        return crate::error::unavailable(&error);
    }
    tracing::error!(%error, "newsroom request failed");
    (StatusCode::INTERNAL_SERVER_ERROR, [(header::CACHE_CONTROL, PRIVATE)], "Something went wrong. Please try again.")
        .into_response()
}

/// Contributors and authors see their own stories; editors and above see everyone's.
fn own_only(staff: &Staff) -> Option<ObjectId> {
    (!staff.actor.may(Permission::EditAnyPost)).then(|| staff.user.id.clone())
}

/// The newsroom's home: what needs doing now. Drafts with who last changed them, the schedule
/// as a timeline, the latest published stories with their newsletter sends, new members, and
/// anything that failed (sends, webhooks, background jobs), each with a link to it.
pub async fn dashboard(State(state): State<AppState>, SignedIn(staff): SignedIn) -> Response {
    match home(&state, &staff).await {
        Ok(home) => render(&state, StatusCode::OK, "dashboard.html", Some(&staff), "dashboard", home).await,
        Err(error) => internal(error),
    }
}

#[derive(Serialize)]
struct HomeStory {
    #[serde(flatten)]
    row: PostRow,
    /// Drafts: who last changed it.
    edited_by: Option<String>,
    /// Published stories: the newsletter send, if any.
    send: Option<SendView>,
}

#[derive(Serialize)]
struct SendView {
    url: String,
    status: String,
    recipients: i32,
}

#[derive(Serialize)]
struct Failure {
    what: String,
    detail: String,
    when: String,
    url: Option<String>,
}

#[derive(Serialize)]
struct Home {
    drafts: Vec<HomeStory>,
    scheduled: Vec<HomeStory>,
    published: Vec<HomeStory>,
    /// Members who joined today and in the last seven days; for those who manage members.
    members: Option<(i64, i64)>,
    failures: Vec<Failure>,
}

/// How many of each kind of story the home page lists.
const HOME_STORIES: u32 = 6;
const HOME_SCHEDULE: u32 = 10;
const HOME_FAILURES: i64 = 5;

async fn home(state: &AppState, staff: &Staff) -> Result<Home, masthead_storage::StorageError> {
    let db = state.newsroom.db();
    let tz = timezone(state).await;
    let list = |status, order, limit| {
        let filter =
            AdminPostFilter { status: Some(status), only_by: own_only(staff), order, ..AdminPostFilter::default() };
        async move { db.admin_posts(&filter, PageRequest::new(1, limit)).await }
    };
    let (drafts, scheduled, published) = tokio::try_join!(
        list(PostStatus::Draft, AdminPostOrder::LastChanged, HOME_STORIES),
        list(PostStatus::Scheduled, AdminPostOrder::SoonestPublished, HOME_SCHEDULE),
        list(PostStatus::Published, AdminPostOrder::LatestPublished, HOME_STORIES),
    )?;
    let draft_ids: Vec<ObjectId> = drafts.items.iter().map(|p| p.id.clone()).collect();
    let editors = db.last_editors(&draft_ids).await?;
    let editor_ids: Vec<String> = editors.values().cloned().collect();
    let names: std::collections::HashMap<String, String> =
        db.users_by_ids(&editor_ids).await?.into_iter().map(|u| (u.id.to_string(), u.name)).collect();
    let story = |post: &Post| HomeStory { row: row(&tz, post), edited_by: None, send: None };
    let drafts = drafts
        .items
        .iter()
        .map(|post| {
            // Never changed since it was written: its first author wrote it last.
            let edited_by = editors
                .get(post.id.as_str())
                .and_then(|id| names.get(id).cloned())
                .or_else(|| post.authors.first().map(|a| a.name.clone()));
            HomeStory { edited_by, ..story(post) }
        })
        .collect();
    let sends = futures::future::try_join_all(published.items.iter().map(|post| db.email_for_post(&post.id))).await?;
    let published = published
        .items
        .iter()
        .zip(sends)
        .map(|(post, send)| HomeStory {
            send: send.map(|e| SendView {
                url: format!("/admin/emails/{}/", e.id),
                status: e.status,
                recipients: e.recipient_count,
            }),
            ..story(post)
        })
        .collect();
    let mut failures = Vec::new();
    if staff.actor.may(Permission::EditAnyPost) {
        for email in db.failed_emails(HOME_FAILURES).await? {
            failures.push(Failure {
                what: format!("Newsletter send: {}", email.subject),
                detail: email.error.unwrap_or_default(),
                when: local(&tz, Some(email.created_at), "%-d %b %Y, %H:%M"),
                url: Some(format!("/admin/emails/{}/", email.id)),
            });
        }
    }
    if staff.actor.may(Permission::ManageIntegrations) {
        for webhook in db.failing_webhooks().await?.into_iter().take(HOME_FAILURES as usize) {
            failures.push(Failure {
                what: format!("Webhook {} to {}", webhook.event, webhook.target_url),
                detail: webhook.last_triggered_error.unwrap_or_default(),
                when: local(&tz, webhook.last_triggered_at, "%-d %b %Y, %H:%M"),
                url: Some(format!("/admin/integrations/{}/", webhook.integration_id)),
            });
        }
    }
    if staff.actor.may(Permission::ManageSettings) {
        for job in db.failed_jobs(HOME_FAILURES).await? {
            let post = serde_json::from_str::<serde_json::Value>(&job.payload)
                .ok()
                .and_then(|p| p.get("post_id").and_then(|id| id.as_str()).map(str::to_owned));
            failures.push(Failure {
                what: format!("Background job: {}", job_label(&job.kind)),
                detail: job.last_error.unwrap_or_default(),
                when: local(&tz, Some(job.run_at), "%-d %b %Y, %H:%M"),
                url: post.map(|id| format!("/admin/posts/{id}/")),
            });
        }
    }
    let members = if staff.actor.may(Permission::ManageMembers) {
        let now = masthead_core::now();
        let today = jiff::Timestamp::from_second(now.unix_timestamp())
            .ok()
            .and_then(|ts| ts.to_zoned(tz.clone()).start_of_day().ok())
            .and_then(|start| OffsetDateTime::from_unix_timestamp(start.timestamp().as_second()).ok())
            .unwrap_or(now);
        let (today, week) =
            tokio::try_join!(db.members_joined_since(today), db.members_joined_since(now - time::Duration::days(7)),)?;
        Some((today, week))
    } else {
        None
    };
    Ok(Home { drafts, scheduled: scheduled.items.iter().map(story).collect(), published, members, failures })
}

/// What a background job does, in the newsroom's words.
fn job_label(kind: &str) -> &str {
    match kind {
        "publish_scheduled_post" => "publishing a scheduled story",
        "deliver_webhook" => "calling a webhook",
        "purge_cdn" => "telling the CDN what changed",
        "narrate_post" => "narrating a story",
        "paint_demo_photo" => "painting a demo photo",
        other => other,
    }
}

#[derive(Default, Deserialize, Serialize)]
pub struct ListQuery {
    #[serde(default)]
    status: String,
    #[serde(default)]
    author: String,
    #[serde(default)]
    tag: String,
    #[serde(default)]
    q: String,
    #[serde(default)]
    page: Option<u32>,
}

pub async fn list(
    State(state): State<AppState>,
    SignedIn(staff): SignedIn,
    Query(query): Query<ListQuery>,
) -> Response {
    let db = &state.newsroom.db();
    let (author, tag) = match (db.user_by_slug(&query.author).await, db.tag_by_slug(&query.tag).await) {
        (Ok(author), Ok(tag)) => (author, tag),
        (Err(e), _) | (_, Err(e)) => return internal(e),
    };
    let filter = AdminPostFilter {
        status: PostStatus::parse(&query.status),
        author: author.map(|a| a.id),
        tag: tag.map(|t| t.id),
        text: Some(query.q.clone()),
        only_by: own_only(&staff),
        order: AdminPostOrder::LastChanged,
    };
    let page = query.page.unwrap_or(1).max(1);
    // Words are searched in the index (title, text, tags, authors, drafts included); without it
    // (while it is rebuilt), in titles.
    let (searched, search_notice) = match staff_search(&state, &staff, &query, page).await {
        Ok(found) => (found, None),
        Err(notice) => (None, Some(notice)),
    };
    let listed = match searched {
        Some(list) => Ok(list),
        None => db.admin_posts(&filter, PageRequest::new(page, LIST_SIZE)).await,
    };
    // Guest contributors are authors too: the list filters by them as by staff.
    let (list, staff_list) = match (listed, db.authors().await) {
        (Ok(list), Ok(staff_list)) => (list, staff_list),
        (Err(e), _) | (_, Err(e)) => return internal(e),
    };
    let tz = timezone(&state).await;
    let link = |n: u32| {
        format!(
            "/admin/posts/?status={}&author={}&tag={}&q={}&page={n}",
            super::urlencode(&query.status),
            super::urlencode(&query.author),
            super::urlencode(&query.tag),
            super::urlencode(&query.q)
        )
    };
    #[derive(Serialize)]
    struct StaffOption {
        slug: String,
        name: String,
    }
    #[derive(Serialize)]
    struct Listing<'a> {
        posts: Vec<PostRow>,
        filter: &'a ListQuery,
        statuses: Vec<&'static str>,
        staff: Vec<StaffOption>,
        page: u32,
        pages: u32,
        total: u64,
        prev_url: Option<String>,
        next_url: Option<String>,
        search_notice: Option<String>,
    }
    let content = Listing {
        posts: list.items.iter().map(|p| row(&tz, p)).collect(),
        filter: &query,
        statuses: PostStatus::ALL.iter().map(|s| s.as_str()).collect(),
        staff: staff_list.into_iter().map(|s| StaffOption { slug: s.slug.to_string(), name: s.name }).collect(),
        page: list.page,
        pages: list.pages,
        total: list.total,
        prev_url: list.prev.map(link),
        next_url: list.next.map(link),
        search_notice,
    };
    render(&state, StatusCode::OK, "posts.html", Some(&staff), "posts", content).await
}

/// The stories matching the list's words, from the search index: `Ok(None)` when there are no
/// words, `Err` with what to tell the editor when the index cannot answer (the list then falls
/// back to matching titles).
async fn staff_search(
    state: &AppState,
    staff: &Staff,
    query: &ListQuery,
    page: u32,
) -> Result<Option<masthead_storage::Paginated<masthead_core::Post>>, String> {
    use masthead_core::search::{SearchRequest, Searcher};
    if query.q.trim().is_empty() {
        return Ok(None);
    }
    let request_page = PageRequest::new(page, LIST_SIZE);
    let mut request = SearchRequest::words(&query.q, LIST_SIZE as usize);
    request.offset = (page as usize - 1) * LIST_SIZE as usize;
    request.status = PostStatus::parse(&query.status);
    request.tag = Some(query.tag.clone()).filter(|t| !t.is_empty());
    request.author = Some(query.author.clone()).filter(|a| !a.is_empty());
    if own_only(staff).is_some() {
        if request.author.as_deref().is_some_and(|a| a != staff.user.slug.as_str()) {
            return Ok(Some(masthead_storage::Paginated::new(Vec::new(), request_page, 0)));
        }
        request.author = Some(staff.user.slug.as_str().to_owned());
    }
    let results = match state.newsroom.search(Searcher::Staff, request).await {
        Ok(results) => results,
        Err(masthead_app::SearchError::Query(error)) => return Err(error.to_string()),
        Err(error) => return Err(format!("{error} Meanwhile only titles are searched.")),
    };
    let ids: Vec<String> = results.hits.iter().map(|id| id.as_str().to_owned()).collect();
    let posts = state.newsroom.db().posts_by_ids(&ids).await.map_err(|e| e.to_string())?;
    Ok(Some(masthead_storage::Paginated::new(posts, request_page, results.total as u64)))
}

/// The editor's fields, as the form sends them and as the template shows them.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct EditorForm {
    action: String,
    /// The newsletter the story goes to when published (slug), and to whom.
    newsletter: String,
    email_segment: String,
    updated_at: String,
    title: String,
    markdown: String,
    /// The story as a Lexical document, from the rich-text editor. Empty when the page ran
    /// without JavaScript: the Markdown field is then the story.
    lexical: String,
    slug: String,
    custom_excerpt: String,
    tags: String,
    author_0: String,
    author_1: String,
    author_2: String,
    feature_image: String,
    feature_image_alt: String,
    feature_image_caption: String,
    feature_image_credit: String,
    published_at: String,
    visibility: String,
    /// The tiers of a story limited to tiers: one checkbox per tier offered.
    tier_0: String,
    tier_1: String,
    tier_2: String,
    tier_3: String,
    tier_4: String,
    tier_5: String,
    tier_6: String,
    tier_7: String,
    featured: Option<String>,
    meta_title: String,
    meta_description: String,
    canonical_url: String,
    og_title: String,
    og_description: String,
    og_image: String,
    twitter_title: String,
    twitter_description: String,
    twitter_image: String,
    /// Time of a correction or update note, in the site's time zone (empty: now).
    noted_at: String,
}

/// How many tiers the editor offers as checkboxes (`tier_0` to `tier_7`).
const EDITOR_TIERS: usize = 8;

impl EditorForm {
    /// The tiers ticked, in the order offered, each once.
    fn tier_ids(&self) -> Vec<ObjectId> {
        let ticked = [
            &self.tier_0,
            &self.tier_1,
            &self.tier_2,
            &self.tier_3,
            &self.tier_4,
            &self.tier_5,
            &self.tier_6,
            &self.tier_7,
        ];
        let mut ids: Vec<ObjectId> = Vec::new();
        for id in ticked.into_iter().filter_map(|v| ObjectId::parse(v.trim()).ok()) {
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        ids
    }
}

#[derive(Serialize)]
struct EditorPost {
    id: Option<String>,
    status: String,
    updated_at: String,
    title: String,
    markdown: String,
    /// What the rich-text editor opens: the story's Lexical document, or its Markdown or HTML
    /// as one card.
    document: String,
    slug: String,
    custom_excerpt: String,
    tags: String,
    author_ids: Vec<String>,
    feature_image: String,
    feature_image_alt: String,
    feature_image_caption: String,
    feature_image_credit: String,
    published_at_local: String,
    visibility: String,
    tier_ids: Vec<String>,
    featured: bool,
    meta_title: String,
    meta_description: String,
    canonical_url: String,
    og_title: String,
    og_description: String,
    og_image: String,
    twitter_title: String,
    twitter_description: String,
    twitter_image: String,
    preview_url: Option<String>,
    live_url: Option<String>,
}

impl EditorPost {
    fn from_post(post: &Post, tz: &jiff::tz::TimeZone) -> Self {
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        Self {
            id: Some(post.id.to_string()),
            status: post.status.as_str().to_owned(),
            updated_at: post.updated_at.format(&Rfc3339).unwrap_or_default(),
            title: post.title.clone(),
            markdown: post.markdown.clone().unwrap_or_else(|| post.html.clone()),
            document: match (&post.lexical, &post.markdown) {
                (Some(lexical), _) => lexical.clone(),
                (None, Some(markdown)) => masthead_render::lexical::markdown_document(markdown),
                (None, None) if post.html.trim().is_empty() => String::new(),
                (None, None) => masthead_render::lexical::html_document(&post.html),
            },
            slug: post.slug.to_string(),
            custom_excerpt: text(&post.custom_excerpt),
            tags: post.tags.iter().map(|t| t.name.as_str()).collect::<Vec<_>>().join(", "),
            author_ids: post.authors.iter().map(|a| a.id.to_string()).collect(),
            feature_image: text(&post.feature_image),
            feature_image_alt: text(&post.feature_image_alt),
            feature_image_caption: text(&post.feature_image_caption),
            feature_image_credit: text(&post.feature_image_credit),
            published_at_local: local(tz, post.published_at, "%Y-%m-%dT%H:%M"),
            visibility: post.visibility.as_str().to_owned(),
            tier_ids: post.tiers.iter().map(ToString::to_string).collect(),
            featured: post.featured,
            meta_title: text(&post.meta_title),
            meta_description: text(&post.meta_description),
            canonical_url: text(&post.canonical_url),
            og_title: text(&post.og_title),
            og_description: text(&post.og_description),
            og_image: text(&post.og_image),
            twitter_title: text(&post.twitter_title),
            twitter_description: text(&post.twitter_description),
            twitter_image: text(&post.twitter_image),
            preview_url: Some(format!("/p/{}/", post.uuid)),
            live_url: post.is_live().then(|| format!("/{}/", post.slug)),
        }
    }

    /// What the staff member typed, shown again after an error so nothing is lost.
    fn from_form(form: &EditorForm, existing: Option<&Post>) -> Self {
        Self {
            id: existing.map(|p| p.id.to_string()),
            status: existing.map(|p| p.status.as_str()).unwrap_or("draft").to_owned(),
            updated_at: form.updated_at.clone(),
            title: form.title.clone(),
            markdown: form.markdown.clone(),
            // A new story opens empty; a form sent without JavaScript opens as its Markdown.
            document: match (form.lexical.trim().is_empty(), form.markdown.trim().is_empty()) {
                (false, _) => form.lexical.clone(),
                (true, false) => masthead_render::lexical::markdown_document(&form.markdown),
                (true, true) => String::new(),
            },
            slug: form.slug.clone(),
            custom_excerpt: form.custom_excerpt.clone(),
            tags: form.tags.clone(),
            author_ids: vec![form.author_0.clone(), form.author_1.clone(), form.author_2.clone()],
            feature_image: form.feature_image.clone(),
            feature_image_alt: form.feature_image_alt.clone(),
            feature_image_caption: form.feature_image_caption.clone(),
            feature_image_credit: form.feature_image_credit.clone(),
            published_at_local: form.published_at.clone(),
            visibility: form.visibility.clone(),
            tier_ids: form.tier_ids().iter().map(ToString::to_string).collect(),
            featured: form.featured.is_some(),
            meta_title: form.meta_title.clone(),
            meta_description: form.meta_description.clone(),
            canonical_url: form.canonical_url.clone(),
            og_title: form.og_title.clone(),
            og_description: form.og_description.clone(),
            og_image: form.og_image.clone(),
            twitter_title: form.twitter_title.clone(),
            twitter_description: form.twitter_description.clone(),
            twitter_image: form.twitter_image.clone(),
            preview_url: existing.map(|p| format!("/p/{}/", p.uuid)),
            live_url: existing.filter(|p| p.is_live()).map(|p| format!("/{}/", p.slug)),
        }
    }
}

#[derive(Serialize)]
struct NoteRow {
    id: String,
    kind: String,
    body: String,
    when: String,
}

#[derive(Serialize)]
struct EditorView {
    post: EditorPost,
    notes: Vec<NoteRow>,
    may_note: bool,
    done: Option<&'static str>,
    staff: Vec<StaffOptionById>,
    timezone: String,
    may_publish: bool,
    may_delete: bool,
    error: Option<String>,
    conflict: Option<String>,
    /// Newsletters the story can be sent to, the current choice, and whether it was sent.
    newsletters: Vec<(String, String)>,
    newsletter: Option<String>,
    email_segment: String,
    email_id: Option<String>,
    may_send: bool,
    labels: Vec<(String, String)>,
    /// The story's audio version, once it exists as a story.
    narration: Option<masthead_app::narration::NarrationStatus>,
    may_narrate: bool,
    /// The tiers a story can be limited to: the active ones, and any the story already has.
    tiers: Vec<TierOption>,
}

#[derive(Serialize)]
struct TierOption {
    id: String,
    name: String,
}

#[derive(Serialize)]
struct StaffOptionById {
    id: String,
    name: String,
}

async fn editor(
    state: &AppState,
    staff: &Staff,
    status: StatusCode,
    post: EditorPost,
    existing: Option<&Post>,
    error: Option<String>,
    conflict: Option<String>,
) -> Response {
    editor_with(state, staff, status, post, existing, error, conflict, None).await
}

#[expect(clippy::too_many_arguments, reason = "the editor's full state; callers pass it positionally once")]
async fn editor_with(
    state: &AppState,
    staff: &Staff,
    status: StatusCode,
    post: EditorPost,
    existing: Option<&Post>,
    error: Option<String>,
    conflict: Option<String>,
    done: Option<&'static str>,
) -> Response {
    let settings = match state.newsroom.db().site_settings().await {
        Ok(settings) => settings,
        Err(e) => return internal(e),
    };
    // Staff and guest contributors (bylines without accounts) can be named as authors.
    let staff_list = match state.newsroom.db().authors().await {
        Ok(list) => {
            list.into_iter().filter(|s| s.status != masthead_core::StaffStatus::Suspended).collect::<Vec<StaffUser>>()
        }
        Err(e) => return internal(e),
    };
    let may_publish = match existing {
        Some(post) => staff.actor.may_publish(post),
        None => staff.actor.may(Permission::PublishOwn),
    };
    let may_delete = existing.is_some_and(|p| may_delete(staff, p));
    let tz = settings.timezone.zone();
    let notes = match existing {
        Some(post) => match state.newsroom.db().post_notes(&post.id).await {
            Ok(notes) => notes
                .into_iter()
                .map(|n| NoteRow {
                    when: local(&tz, Some(n.noted_at), "%-d %b %Y, %H:%M"),
                    id: n.id,
                    kind: n.kind,
                    body: n.body,
                })
                .collect(),
            Err(e) => return internal(e),
        },
        None => Vec::new(),
    };
    let db = &state.newsroom.db();
    let newsletters = match db.newsletters(false).await {
        Ok(all) => all.into_iter().map(|n| (n.slug.as_str().to_owned(), n.name)).collect(),
        Err(e) => return internal(e),
    };
    let (mut newsletter, mut email_segment, mut email_id) = (None, "all".to_owned(), None);
    if let Some(existing) = existing {
        if let Ok(Some((id, segment))) = db.post_newsletter(&existing.id).await
            && let Ok(Some(n)) = db.newsletter_by_id(&id).await
        {
            newsletter = Some(n.slug.as_str().to_owned());
            email_segment = segment.as_string();
        }
        email_id = db.email_for_post(&existing.id).await.ok().flatten().map(|e| e.id);
    }
    let labels = match db.labels().await {
        Ok(all) => all.into_iter().map(|l| (l.slug, l.name)).collect(),
        Err(e) => return internal(e),
    };
    let narration = match existing {
        Some(post) => match state.newsroom.narration_status(&post.id).await {
            Ok(status) => Some(status),
            Err(e) => return internal(e),
        },
        None => None,
    };
    let tiers = match db.tiers().await {
        Ok(all) => all
            .into_iter()
            .filter(|t| t.active || post.tier_ids.contains(&t.id.to_string()))
            .take(EDITOR_TIERS)
            .map(|t| TierOption { id: t.id.to_string(), name: t.name })
            .collect(),
        Err(e) => return internal(e),
    };
    let view = EditorView {
        may_narrate: existing.is_some_and(|p| staff.actor.may_edit(p)),
        narration,
        tiers,
        labels,
        newsletters,
        newsletter,
        email_segment,
        email_id,
        may_send: staff.actor.may(Permission::SendNewsletters),
        post,
        notes,
        may_note: staff.actor.may(Permission::EditAnyPost),
        done,
        staff: staff_list.into_iter().map(|s| StaffOptionById { id: s.id.to_string(), name: s.name }).collect(),
        timezone: settings.timezone.as_str().to_owned(),
        may_publish,
        may_delete,
        error,
        conflict,
    };
    let section = if existing.is_some() { "posts" } else { "new" };
    render(state, status, "editor.html", Some(staff), section, view).await
}

fn may_delete(staff: &Staff, post: &Post) -> bool {
    staff.actor.may_publish(post) || (post.status == PostStatus::Draft && staff.actor.may_edit(post))
}

pub async fn new_post(State(state): State<AppState>, SignedIn(staff): SignedIn) -> Response {
    let mut form =
        EditorForm { author_0: staff.user.id.to_string(), visibility: "public".into(), ..EditorForm::default() };
    form.updated_at.clear();
    editor(&state, &staff, StatusCode::OK, EditorPost::from_form(&form, None), None, None, None).await
}

async fn load(state: &AppState, id: &str) -> Result<Option<Post>, Response> {
    let Ok(id) = ObjectId::parse(id) else { return Ok(None) };
    state.newsroom.db().post_by_id(&id).await.map(|p| p.filter(|p| p.post_type == PostType::Post)).map_err(internal)
}

#[derive(Default, Deserialize)]
pub struct EditQuery {
    #[serde(default)]
    done: String,
}

pub async fn edit_post(
    State(state): State<AppState>,
    SignedIn(staff): SignedIn,
    Path(id): Path<String>,
    Query(query): Query<EditQuery>,
) -> Response {
    let post = match load(&state, &id).await {
        Ok(Some(post)) => post,
        Ok(None) => return not_found(&state, &staff).await,
        Err(response) => return response,
    };
    if !staff.actor.may_edit(&post) {
        return forbidden(&state, &staff, "edit this story").await;
    }
    let tz = timezone(&state).await;
    let done = match query.done.as_str() {
        "published" => Some("Published."),
        "scheduled" => Some("Scheduled."),
        "unpublished" => Some("Unpublished: the story is a draft again."),
        "saved" => Some("Saved."),
        "noted" => Some("The note is on the story."),
        "note-removed" => Some("The note was removed."),
        "restored" => Some("The earlier version is back; the one it replaced is in the history."),
        "narration-queued" => Some("The story will be narrated again shortly."),
        "narration-off" => Some("The story will not be narrated; its audio is removed."),
        "narration-on" => Some("The story will be narrated."),
        _ => None,
    };
    editor_with(&state, &staff, StatusCode::OK, EditorPost::from_post(&post, &tz), Some(&post), None, None, done).await
}

pub async fn create_post(
    State(state): State<AppState>,
    SignedIn(staff): SignedIn,
    Form(form): Form<EditorForm>,
) -> Response {
    save(&state, &staff, None, form).await
}

pub async fn update_post(
    State(state): State<AppState>,
    SignedIn(staff): SignedIn,
    Path(id): Path<String>,
    Form(form): Form<EditorForm>,
) -> Response {
    match load(&state, &id).await {
        Ok(Some(post)) => save(&state, &staff, Some(post), form).await,
        Ok(None) => not_found(&state, &staff).await,
        Err(response) => response,
    }
}

pub(crate) fn parse_local_time(value: &str, tz: &jiff::tz::TimeZone) -> Result<Option<OffsetDateTime>, AppError> {
    let value = value.trim();
    if value.is_empty() {
        return Ok(None);
    }
    let invalid =
        || AppError::invalid("published_at", "enter the publication time as date and time, e.g. 2026-11-30 09:00");
    let civil: jiff::civil::DateTime = value.parse().map_err(|_| invalid())?;
    let zoned = civil.to_zoned(tz.clone()).map_err(|_| invalid())?;
    OffsetDateTime::from_unix_timestamp(zoned.timestamp().as_second()).map(Some).map_err(|_| invalid())
}

fn optional(value: &str) -> Option<String> {
    let value = value.trim();
    (!value.is_empty()).then(|| value.to_owned())
}

/// Answers a refused save: the editor again with the message and everything typed, or JSON for
/// autosave.
async fn refuse(
    state: &AppState,
    staff: &Staff,
    autosave: bool,
    form: &EditorForm,
    existing: Option<&Post>,
    status: StatusCode,
    message: String,
) -> Response {
    if autosave {
        (status, [(header::CACHE_CONTROL, PRIVATE)], Json(serde_json::json!({ "error": message }))).into_response()
    } else {
        editor(state, staff, status, EditorPost::from_form(form, existing), existing, Some(message), None).await
    }
}

/// Creates or updates a story as the form asks (save, autosave, publish, schedule, unpublish,
/// email only). The form is read here; every rule (roles, collisions, the newsletter) is the
/// save use case's, shared with the Admin API.
async fn save(state: &AppState, staff: &Staff, existing: Option<Post>, form: EditorForm) -> Response {
    let action = if form.action.is_empty() { "save" } else { form.action.as_str() };
    let autosave = action == "autosave";
    let status = match (action, &existing) {
        ("publish", _) => PostStatus::Published,
        // Ghost's email-only posts: sent to a newsletter, never shown on the site.
        ("email_only", _) => PostStatus::Sent,
        ("schedule", _) => PostStatus::Scheduled,
        ("unpublish", _) => PostStatus::Draft,
        ("save" | "autosave", Some(post)) => post.status,
        ("save" | "autosave", None) => PostStatus::Draft,
        (other, _) => {
            return refuse(
                state,
                staff,
                autosave,
                &form,
                existing.as_ref(),
                StatusCode::BAD_REQUEST,
                format!("unknown action {other:?}"),
            )
            .await;
        }
    };
    let tz = timezone(state).await;
    // The version the staff member opened; an unreadable one cannot be proven current.
    let expected_updated_at = match &existing {
        Some(post) => match OffsetDateTime::parse(&form.updated_at, &Rfc3339) {
            Ok(at) => Some(at),
            Err(_) => return collision(state, staff, autosave, &form, post, post.updated_at, &tz).await,
        },
        None => None,
    };
    let mut published_at = match parse_local_time(&form.published_at, &tz) {
        Ok(at) => at,
        Err(error) => {
            return refuse(
                state,
                staff,
                autosave,
                &form,
                existing.as_ref(),
                StatusCode::UNPROCESSABLE_ENTITY,
                error.to_string(),
            )
            .await;
        }
    };
    if action == "publish" && published_at.is_some_and(|at| at > masthead_core::now()) {
        // "Publish" means now; a future time is what "Schedule" is for.
        published_at = None;
    }
    if action == "unpublish" {
        published_at = None;
    }
    let mut author_ids: Vec<ObjectId> = Vec::new();
    for value in [&form.author_0, &form.author_1, &form.author_2] {
        if let Ok(id) = ObjectId::parse(value.trim())
            && !author_ids.contains(&id)
        {
            author_ids.push(id);
        }
    }
    let input = PostInput {
        post_type: PostType::Post,
        title: form.title.clone(),
        slug: optional(&form.slug),
        body: if form.lexical.trim().is_empty() {
            PostBody::Markdown(form.markdown.replace("\r\n", "\n"))
        } else {
            PostBody::Lexical(form.lexical.clone())
        },
        feature_image: optional(&form.feature_image),
        feature_image_alt: optional(&form.feature_image_alt),
        feature_image_caption: optional(&form.feature_image_caption),
        feature_image_credit: optional(&form.feature_image_credit),
        custom_excerpt: optional(&form.custom_excerpt),
        status,
        published_at,
        visibility: Visibility::parse(&form.visibility).unwrap_or(Visibility::Public),
        featured: form.featured.is_some(),
        tags: form.tags.split(',').map(str::trim).filter(|t| !t.is_empty()).map(str::to_owned).collect(),
        author_ids,
        tiers: form.tier_ids(),
        meta_title: optional(&form.meta_title),
        meta_description: optional(&form.meta_description),
        canonical_url: optional(&form.canonical_url),
        og_image: optional(&form.og_image),
        og_title: optional(&form.og_title),
        og_description: optional(&form.og_description),
        twitter_image: optional(&form.twitter_image),
        twitter_title: optional(&form.twitter_title),
        twitter_description: optional(&form.twitter_description),
    };
    // The newsletter menu is shown to staff who may send; what it says when the form is sent is
    // where the story goes. Others do not see it, and their saves keep the earlier choice.
    let newsletter = if !staff.actor.may(Permission::SendNewsletters) {
        NewsletterRequest::Keep
    } else if form.newsletter.trim().is_empty() {
        NewsletterRequest::Nobody
    } else {
        NewsletterRequest::To { newsletter: form.newsletter.clone(), segment: form.email_segment.clone() }
    };
    let request = StorySave { existing: existing.as_ref(), expected_updated_at, input, newsletter, autosave };
    match state.newsroom.save_post_as(&staff.actor, request).await {
        Ok(post) if autosave => {
            let updated_at = post.updated_at.format(&Rfc3339).unwrap_or_default();
            ([(header::CACHE_CONTROL, PRIVATE)], Json(serde_json::json!({ "updated_at": updated_at, "id": post.id })))
                .into_response()
        }
        Ok(post) => {
            let notice = match action {
                "publish" => "published",
                "email_only" => "sent by email",
                "schedule" => "scheduled",
                "unpublish" => "unpublished",
                _ => "saved",
            };
            Redirect::to(&format!("/admin/posts/{}/?done={notice}", post.id)).into_response()
        }
        Err(AppError::EditCollision { saved_at }) => match &existing {
            Some(post) => collision(state, staff, autosave, &form, post, saved_at, &tz).await,
            None => internal("a new story collided with itself"),
        },
        Err(AppError::Forbidden(_)) if existing.as_ref().is_some_and(|p| !staff.actor.may_edit(p)) => {
            forbidden(state, staff, "edit this story").await
        }
        Err(AppError::Forbidden(message)) => {
            refuse(state, staff, autosave, &form, existing.as_ref(), StatusCode::FORBIDDEN, message).await
        }
        Err(AppError::Invalid { field, message }) => {
            refuse(
                state,
                staff,
                autosave,
                &form,
                existing.as_ref(),
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("{}: {message}", field.replace('_', " ")),
            )
            .await
        }
        Err(AppError::Conflict(message)) => {
            refuse(state, staff, autosave, &form, existing.as_ref(), StatusCode::CONFLICT, message).await
        }
        Err(error) => internal(error),
    }
}

/// Someone else saved the story since this staff member opened it: nothing was saved, and what
/// they typed is shown again with a way forward.
async fn collision(
    state: &AppState,
    staff: &Staff,
    autosave: bool,
    form: &EditorForm,
    post: &Post,
    saved_at: OffsetDateTime,
    tz: &jiff::tz::TimeZone,
) -> Response {
    let when = local(tz, Some(saved_at), "%H:%M:%S");
    let message = format!(
        "This story was changed by someone else at {when} since you opened it. Your version is below and has not \
         been saved: reload the story in another tab, then copy your changes across."
    );
    if autosave {
        return (StatusCode::CONFLICT, Json(serde_json::json!({ "error": message }))).into_response();
    }
    let view = EditorPost::from_form(form, Some(post));
    editor(state, staff, StatusCode::CONFLICT, view, Some(post), None, Some(message)).await
}

pub async fn confirm_delete(
    State(state): State<AppState>,
    SignedIn(staff): SignedIn,
    Path(id): Path<String>,
) -> Response {
    let post = match load(&state, &id).await {
        Ok(Some(post)) => post,
        Ok(None) => return not_found(&state, &staff).await,
        Err(response) => return response,
    };
    if !may_delete(&staff, &post) {
        return forbidden(&state, &staff, "delete this story").await;
    }
    #[derive(Serialize)]
    struct Confirm {
        post: EditorPost,
    }
    let tz = timezone(&state).await;
    render(
        &state,
        StatusCode::OK,
        "confirm-delete.html",
        Some(&staff),
        "posts",
        Confirm { post: EditorPost::from_post(&post, &tz) },
    )
    .await
}

pub async fn delete_post(State(state): State<AppState>, SignedIn(staff): SignedIn, Path(id): Path<String>) -> Response {
    let post = match load(&state, &id).await {
        Ok(Some(post)) => post,
        Ok(None) => return not_found(&state, &staff).await,
        Err(response) => return response,
    };
    match state.newsroom.delete_post_as(&staff.actor, &post.id).await {
        Ok(()) => Redirect::to("/admin/posts/?done=deleted").into_response(),
        Err(AppError::Forbidden(_)) => forbidden(&state, &staff, "delete this story").await,
        Err(AppError::NotFound(_)) => not_found(&state, &staff).await,
        Err(error) => internal(error),
    }
}

#[derive(Deserialize)]
pub struct RelatedQuery {
    #[serde(default)]
    q: String,
}

/// A published story as the editor's related-story card shows it (Ghost's bookmark metadata).
#[derive(Serialize)]
struct RelatedStory {
    title: String,
    url: String,
    excerpt: String,
    image: Option<String>,
    author: Option<String>,
    publisher: String,
    icon: Option<String>,
    published: String,
}

/// The site's published stories whose titles hold the words typed, latest first, for the
/// editor's related-story card. Any staff member may link to any published story.
pub async fn related_stories(
    State(state): State<AppState>,
    SignedIn(_staff): SignedIn,
    Query(query): Query<RelatedQuery>,
) -> Response {
    let filter = AdminPostFilter {
        status: Some(PostStatus::Published),
        author: None,
        tag: None,
        text: Some(query.q.trim().to_owned()).filter(|q| !q.is_empty()),
        only_by: None,
        order: AdminPostOrder::LatestPublished,
    };
    let db = state.newsroom.db();
    let (found, site) = match (db.admin_posts(&filter, PageRequest::new(1, 10)).await, db.site_settings().await) {
        (Ok(found), Ok(site)) => (found, site),
        (Err(e), _) | (_, Err(e)) => return internal(e),
    };
    let tz = timezone(&state).await;
    let absolute = |url: &str| if url.starts_with('/') { format!("{}{url}", state.site_url) } else { url.to_owned() };
    let stories: Vec<RelatedStory> = found
        .items
        .iter()
        .map(|post| RelatedStory {
            title: post.title.clone(),
            url: masthead_app::ghost::api_json::post_url(&state.site_url, post),
            // The card is shown to every reader of the story it sits in: a gated story's own
            // text is not theirs to read, only its custom excerpt, which is always public.
            excerpt: if post.is_gated() { post.custom_excerpt.clone().unwrap_or_default() } else { post.excerpt() },
            image: post.feature_image.as_deref().map(absolute),
            author: post.authors.first().map(|a| a.name.clone()),
            publisher: site.title.clone(),
            icon: site.icon.as_deref().map(absolute),
            published: local(&tz, post.published_at, "%-d %B %Y"),
        })
        .collect();
    ([(header::CACHE_CONTROL, PRIVATE)], Json(serde_json::json!({ "stories": stories }))).into_response()
}

#[derive(Deserialize)]
pub struct PreviewForm {
    #[serde(default)]
    markdown: String,
    /// A Lexical document: when given, it is what is rendered.
    #[serde(default)]
    lexical: String,
}

/// Markdown or a Lexical document rendered and sanitised exactly as it will be published, for
/// the live preview and the rich-text editor's conversion of a Markdown card.
pub async fn preview_markdown(SignedIn(_staff): SignedIn, Form(form): Form<PreviewForm>) -> Response {
    if !form.lexical.trim().is_empty() {
        return match masthead_render::lexical::Document::parse(&form.lexical) {
            Ok(document) => ([(header::CACHE_CONTROL, PRIVATE)], Html(document.render().html)).into_response(),
            Err(error) => (StatusCode::UNPROCESSABLE_ENTITY, error.to_string()).into_response(),
        };
    }
    // The members-only marker is a comment, invisible as it is: the preview shows where it is.
    let html = masthead_render::markdown_to_html(&form.markdown).replacen(
        masthead_core::MEMBERS_ONLY_MARKER,
        "<p class=\"members-only-divider\" role=\"separator\">Public preview above · members only below</p>",
        1,
    );
    ([(header::CACHE_CONTROL, PRIVATE)], Html(html)).into_response()
}

/// Image upload (`file` field): answers `{"url": ...}` or `{"error": ...}`.
pub async fn upload(State(state): State<AppState>, SignedIn(staff): SignedIn, mut multipart: Multipart) -> Response {
    let fail = |status: StatusCode, message: String| {
        (status, [(header::CACHE_CONTROL, PRIVATE)], Json(serde_json::json!({ "error": message }))).into_response()
    };
    let mut file = None;
    loop {
        match multipart.next_field().await {
            Ok(Some(field)) if field.name() == Some("file") => {
                let name = field.file_name().unwrap_or("image").to_owned();
                match field.bytes().await {
                    Ok(bytes) => file = Some((name, bytes)),
                    Err(e) => return fail(StatusCode::PAYLOAD_TOO_LARGE, format!("the upload could not be read: {e}")),
                }
            }
            Ok(Some(_)) => continue,
            Ok(None) => break,
            Err(e) => return fail(StatusCode::BAD_REQUEST, format!("the upload could not be read: {e}")),
        }
    }
    let Some((name, bytes)) = file else {
        return fail(StatusCode::BAD_REQUEST, "choose an image to upload".into());
    };
    match state.newsroom.store_image(&staff.actor, &name, bytes).await {
        Ok(url) => ([(header::CACHE_CONTROL, PRIVATE)], Json(serde_json::json!({ "url": url }))).into_response(),
        Err(AppError::Invalid { message, .. }) => fail(StatusCode::UNSUPPORTED_MEDIA_TYPE, message),
        Err(AppError::Forbidden(message)) => fail(StatusCode::FORBIDDEN, message),
        Err(error) => internal(error),
    }
}

/// `POST /admin/posts/{id}/presence/`: an open editor saying it is still there. Answers who
/// else has the story open, and how often to say so again.
pub async fn presence(State(state): State<AppState>, SignedIn(staff): SignedIn, Path(id): Path<String>) -> Response {
    let fail = |status: StatusCode, message: &str| {
        (status, [(header::CACHE_CONTROL, PRIVATE)], Json(serde_json::json!({ "error": message }))).into_response()
    };
    let Ok(id) = ObjectId::parse(&id) else { return fail(StatusCode::NOT_FOUND, "no such story") };
    match state.newsroom.editing(&staff.actor, &id).await {
        Ok(others) => {
            let others: Vec<_> = others.iter().map(|u| serde_json::json!({ "name": u.name })).collect();
            let every = masthead_app::newsroom::presence::PRESENCE_EVERY.whole_seconds();
            ([(header::CACHE_CONTROL, PRIVATE)], Json(serde_json::json!({ "others": others, "every_seconds": every })))
                .into_response()
        }
        Err(AppError::NotFound(_)) => fail(StatusCode::NOT_FOUND, "no such story"),
        Err(AppError::Forbidden(message)) => fail(StatusCode::FORBIDDEN, &message),
        Err(error) => internal(error),
    }
}

/// `POST /admin/posts/{id}/presence/leave/`: the editor was closed.
pub async fn presence_leave(
    State(state): State<AppState>,
    SignedIn(staff): SignedIn,
    Path(id): Path<String>,
) -> Response {
    let Ok(id) = ObjectId::parse(&id) else { return StatusCode::NOT_FOUND.into_response() };
    match state.newsroom.stopped_editing(&staff.actor, &id).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(error) => internal(error),
    }
}
