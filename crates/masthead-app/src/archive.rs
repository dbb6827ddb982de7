//! A generated archive: years of stories for measuring a newsroom that has published for a
//! decade (`masthead demo --posts N`). The same `posts` and `seed` always give the same
//! headlines, bodies, tags, authors, statuses and dates (relative to the day it runs), so runs on
//! different machines and databases measure the same site.
//!
//! Sizes follow a working newsroom: bodies of 300 to 2,000 words with subheadings, one to five
//! tags from 300 (a few sections carry most stories), one to three authors from 80, photos
//! referenced from the demo's stories, ten years of publication dates, and a share of pages,
//! drafts, scheduled stories and members-only stories.

use masthead_core::{ObjectId, Post, PostStatus, PostType, Role, Slug, StaffStatus, StaffUser, Tag, Visibility};
use masthead_storage::{PageRequest, PostList};
use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use time::{Duration, OffsetDateTime};

use crate::jobs::Job;
use crate::{AppError, ContentChange, Newsroom};

/// Tags and authors an archive draws from.
pub const TAGS: usize = 300;
pub const AUTHORS: usize = 80;
/// How far back the archive reaches.
const YEARS: i64 = 10;
/// Posts written per transaction.
const BATCH: usize = 1_000;

/// What [`generate`] made.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ArchiveReport {
    pub posts: usize,
    pub pages: usize,
    pub drafts: usize,
    pub scheduled: usize,
    pub tags: usize,
    pub authors: usize,
    /// Set when the archive was already there (its first story exists): nothing was written.
    pub already_present: bool,
}

/// A number generator whose sequence is fixed by its seed, on every platform and version.
struct Dice(ChaCha8Rng);

impl Dice {
    fn new(seed: u64) -> Self {
        Self(ChaCha8Rng::seed_from_u64(seed))
    }

    /// A number in `0..n`.
    fn below(&mut self, n: usize) -> usize {
        (self.0.next_u64() % n as u64) as usize
    }

    /// A number in `low..=high`.
    fn between(&mut self, low: usize, high: usize) -> usize {
        low + self.below(high - low + 1)
    }

    fn pick<'a>(&mut self, words: &[&'a str]) -> &'a str {
        words[self.below(words.len())]
    }

    /// Mostly small numbers: the index of a popular tag comes up far more often than a rare one.
    fn skewed(&mut self, n: usize) -> usize {
        let a = self.below(n);
        let b = self.below(n);
        let c = self.below(n);
        a.min(b).min(c)
    }
}

const NOUNS: &[&str] = &[
    "ministry",
    "council",
    "front",
    "border",
    "harbour",
    "railway",
    "bridge",
    "village",
    "district",
    "river",
    "valley",
    "winter",
    "grain",
    "convoy",
    "hospital",
    "school",
    "power",
    "grid",
    "water",
    "supply",
    "ceasefire",
    "talks",
    "parliament",
    "budget",
    "court",
    "prosecutor",
    "volunteers",
    "drones",
    "shelling",
    "evacuation",
    "refugees",
    "families",
    "teachers",
    "doctors",
    "engineers",
    "farmers",
    "soldiers",
    "mayor",
    "governor",
    "envoy",
    "minister",
    "market",
    "prices",
    "currency",
    "exports",
    "pipeline",
    "port",
    "airport",
    "checkpoint",
    "trenches",
    "artillery",
    "reserves",
    "aid",
    "donors",
    "sanctions",
    "treaty",
    "election",
    "vote",
    "coalition",
    "opposition",
    "press",
    "newsroom",
    "archive",
    "investigation",
    "contract",
    "tender",
    "audit",
    "report",
    "inquiry",
    "witnesses",
    "testimony",
    "region",
    "province",
    "capital",
    "streets",
    "shelters",
    "generators",
    "fuel",
    "medicine",
    "bread",
    "harvest",
    "fields",
    "mines",
    "sappers",
    "rebuilding",
    "homes",
    "roofs",
    "windows",
    "heating",
    "season",
];
const VERBS: &[&str] = &[
    "announced",
    "rejected",
    "approved",
    "delayed",
    "restored",
    "repaired",
    "closed",
    "reopened",
    "reached",
    "left",
    "crossed",
    "defended",
    "shelled",
    "evacuated",
    "rebuilt",
    "promised",
    "warned",
    "confirmed",
    "denied",
    "signed",
    "questioned",
    "reported",
    "counted",
    "raised",
    "cut",
    "doubled",
    "lost",
    "found",
    "returned",
    "carried",
    "delivered",
    "blocked",
    "opened",
    "described",
    "recorded",
    "measured",
    "estimated",
    "published",
    "recalled",
];
const ADJECTIVES: &[&str] = &[
    "northern",
    "southern",
    "eastern",
    "western",
    "local",
    "regional",
    "national",
    "temporary",
    "new",
    "old",
    "damaged",
    "empty",
    "crowded",
    "quiet",
    "heavy",
    "light",
    "urgent",
    "slow",
    "early",
    "late",
    "first",
    "last",
    "second",
    "small",
    "large",
    "public",
    "private",
    "military",
    "civilian",
    "independent",
    "official",
    "secret",
];
const LINKS: &[&str] = &[
    "in", "near", "across", "after", "before", "during", "despite", "under", "over", "around", "beyond", "without",
    "through", "along", "behind",
];
const PLACES: &[&str] = &[
    "Korvet",
    "Veln",
    "Ostrava",
    "Mirny",
    "Halden",
    "Tarsk",
    "Lowmarsh",
    "Brenno",
    "Saltcliff",
    "Iskor",
    "Dunvale",
    "Pellar",
    "Greyford",
    "Ormund",
    "Kestrel",
    "Varro",
];
const GIVEN_NAMES: &[&str] = &[
    "Anna", "Boris", "Clara", "Daniel", "Elena", "Filip", "Greta", "Hugo", "Irina", "Jonas", "Katya", "Lev", "Marta",
    "Niko", "Olga", "Pavel", "Rosa", "Sasha", "Tomas", "Ula",
];
const FAMILY_NAMES: &[&str] =
    &["Andersen", "Brandt", "Corell", "Dahl", "Eskor", "Falk", "Gorin", "Holm", "Ivers", "Jansen", "Kral", "Lind"];

/// Seeds the tags, the authors and `posts` stories and pages (with drafts and scheduled
/// stories among them) into the newsroom, `BATCH` posts a transaction, calling `progress` with
/// the number written so far after each batch. Does nothing when the archive's first story is
/// already there, so running it twice keeps one archive.
pub async fn generate(
    newsroom: &Newsroom,
    posts: usize,
    seed: u64,
    mut progress: impl FnMut(usize),
) -> Result<ArchiveReport, AppError> {
    let db = &newsroom.db;
    let now = masthead_core::now();
    let mut report = ArchiveReport::default();
    if posts == 0 {
        return Ok(report);
    }
    let mut plan = Dice::new(seed);
    let first = draft_post(&mut Dice::new(seed), 0, posts, now, &[], &[], &[]).map_err(invalid)?;
    if db.post_by_slug(first.post_type, first.slug.as_str()).await?.is_some() {
        report.already_present = true;
        return Ok(report);
    }

    let mut dice = Dice::new(seed ^ 0x7461_6773);
    let mut tags = Vec::with_capacity(TAGS);
    for i in 0..TAGS {
        let name = format!("{} {}", capitalise(dice.pick(ADJECTIVES)), dice.pick(NOUNS));
        let slug = Slug::parse(&format!("{}-{i}", Slug::from_title(&name).map(|s| s.to_string()).unwrap_or_default()))
            .map_err(invalid)?;
        let tag = match db.tag_by_slug(slug.as_str()).await? {
            Some(tag) => tag,
            None => {
                let tag = archive_tag(name, slug);
                db.insert_tag(&tag).await?;
                report.tags += 1;
                tag
            }
        };
        tags.push(tag);
    }
    let mut authors = Vec::with_capacity(AUTHORS);
    for i in 0..AUTHORS {
        let name = format!("{} {}", dice.pick(GIVEN_NAMES), dice.pick(FAMILY_NAMES));
        let slug = Slug::parse(&format!("{}-{i}", Slug::from_title(&name).map(|s| s.to_string()).unwrap_or_default()))
            .map_err(invalid)?;
        let user = match db.user_by_slug(slug.as_str()).await? {
            Some(user) => user,
            None => {
                let email = format!("{}@archive.example", slug.as_str().replace('-', "."));
                let user = StaffUser {
                    role: Role::Author,
                    status: StaffStatus::Invited,
                    bio: Some(format!("Reports on the {} for the newsroom.", dice.pick(NOUNS))),
                    location: Some(dice.pick(PLACES).to_owned()),
                    ..StaffUser::new(name, slug, email)
                };
                db.insert_user(&user).await?;
                report.authors += 1;
                user
            }
        };
        authors.push(user);
    }
    // Photos: those of the stories already there (the demo's), shared across the archive.
    let photos: Vec<String> = db
        .published_posts(PostList::All, PageRequest::new(1, 100))
        .await?
        .items
        .into_iter()
        .filter_map(|p| p.feature_image)
        .collect();

    let mut batch = Vec::with_capacity(BATCH);
    let mut jobs = Vec::new();
    for index in 0..posts {
        let post = draft_post(&mut plan, index, posts, now, &tags, &authors, &photos).map_err(invalid)?;
        match (post.post_type, post.status) {
            (PostType::Page, _) => report.pages += 1,
            (_, PostStatus::Draft) => report.drafts += 1,
            (_, PostStatus::Scheduled) => {
                report.scheduled += 1;
                if let Some(at) = post.published_at {
                    jobs.push(Job::PublishScheduledPost { post_id: post.id.clone() }.at(at));
                }
            }
            _ => report.posts += 1,
        }
        batch.push(post);
        if batch.len() == BATCH || index + 1 == posts {
            db.insert_new_posts(&batch, &jobs).await?;
            batch.clear();
            jobs.clear();
            progress(index + 1);
        }
    }
    db.refresh_statistics().await?;
    if report.scheduled > 0 {
        newsroom.jobs.wake();
    }
    newsroom.changes.publish(&ContentChange::Everything);
    Ok(report)
}

fn invalid(error: impl std::fmt::Display) -> AppError {
    AppError::invalid("archive", error.to_string())
}

fn archive_tag(name: String, slug: Slug) -> Tag {
    Tag { description: Some(format!("Stories about {}.", name.to_lowercase())), ..Tag::new(name, slug) }
}

fn capitalise(word: &str) -> String {
    let mut chars = word.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// One sentence of news prose, with its word count.
fn sentence(dice: &mut Dice, out: &mut String) -> usize {
    let mut words = 0;
    let clauses = dice.between(1, 3);
    for clause in 0..clauses {
        if clause > 0 {
            out.push_str(if dice.below(2) == 0 { ", and " } else { " as " });
        }
        let opening = if clause == 0 { "The" } else { "the" };
        out.push_str(opening);
        out.push(' ');
        out.push_str(dice.pick(ADJECTIVES));
        out.push(' ');
        out.push_str(dice.pick(NOUNS));
        out.push(' ');
        out.push_str(dice.pick(VERBS));
        out.push_str(" the ");
        out.push_str(dice.pick(NOUNS));
        out.push(' ');
        out.push_str(dice.pick(LINKS));
        out.push(' ');
        out.push_str(dice.pick(PLACES));
        words += 8;
        if dice.below(3) == 0 {
            out.push_str(" on ");
            out.push_str(&dice.between(2, 28).to_string());
            out.push_str(" occasions");
            words += 3;
        }
    }
    out.push('.');
    words + clauses.saturating_sub(1)
}

/// A body of about `target` words: paragraphs of two to six sentences, a subheading every few
/// paragraphs. Returns the Markdown, the HTML and the plain text of the same words.
fn body(dice: &mut Dice, target: usize) -> (String, String, String, usize) {
    let (mut markdown, mut html, mut plaintext) = (String::new(), String::new(), String::new());
    let mut words = 0;
    let mut paragraphs = 0;
    while words < target {
        if paragraphs > 0 && paragraphs % 4 == 0 {
            let heading = format!("{} {} {}", capitalise(dice.pick(ADJECTIVES)), dice.pick(NOUNS), dice.pick(VERBS));
            markdown.push_str(&format!("## {heading}\n\n"));
            html.push_str(&format!("<h2>{heading}</h2>"));
            plaintext.push_str(&format!("\n{heading}\n\n"));
            words += 3;
        }
        let mut paragraph = String::new();
        for s in 0..dice.between(2, 6) {
            if s > 0 {
                paragraph.push(' ');
            }
            words += sentence(dice, &mut paragraph);
        }
        markdown.push_str(&paragraph);
        markdown.push_str("\n\n");
        html.push_str("<p>");
        html.push_str(&paragraph);
        html.push_str("</p>");
        plaintext.push_str(&paragraph);
        plaintext.push_str("\n\n");
        paragraphs += 1;
    }
    (markdown, html, plaintext.trim_end().to_owned(), words)
}

/// The `index`th of `total` archive posts. Dates run from ten years ago (index 0) to now, so
/// the archive reads oldest first in the order it is written.
fn draft_post(
    dice: &mut Dice,
    index: usize,
    total: usize,
    now: OffsetDateTime,
    tags: &[Tag],
    authors: &[StaffUser],
    photos: &[String],
) -> Result<Post, masthead_core::slug::InvalidSlug> {
    let roll = dice.below(1000);
    let (post_type, status) = match roll {
        0..20 => (PostType::Page, PostStatus::Published),
        20..50 => (PostType::Post, PostStatus::Draft),
        50..60 => (PostType::Post, PostStatus::Scheduled),
        _ => (PostType::Post, PostStatus::Published),
    };
    let span = Duration::days(365 * YEARS);
    let age = span * (1.0 - (index as f64 + 1.0) / total as f64) + Duration::minutes(dice.below(600) as i64);
    let published_at = match status {
        PostStatus::Draft => None,
        PostStatus::Scheduled => Some(now + Duration::hours(1 + dice.below(24 * 30) as i64)),
        _ => Some(now - age),
    };
    let written = now - age - Duration::hours(dice.between(1, 48) as i64);

    let title = format!(
        "{} {} {} {} {} {}",
        capitalise(dice.pick(ADJECTIVES)),
        dice.pick(NOUNS),
        dice.pick(VERBS),
        dice.pick(LINKS),
        dice.pick(PLACES),
        dice.pick(NOUNS),
    );
    let slug = Slug::parse(&format!("story-{index}"))
        .map(|fallback| Slug::from_title(&format!("{title} {index}")).unwrap_or(fallback))?;
    let target = dice.between(300, 2_000);
    let (markdown, html, plaintext, words) = body(dice, target);
    let excerpt = plaintext.split_inclusive(". ").next().unwrap_or_default().trim().to_owned();

    let mut chosen_tags: Vec<Tag> = Vec::new();
    for _ in 0..dice.between(1, 5) {
        if tags.is_empty() {
            break;
        }
        let tag = &tags[dice.skewed(tags.len())];
        if !chosen_tags.iter().any(|t| t.id == tag.id) {
            chosen_tags.push(tag.clone());
        }
    }
    let mut chosen_authors: Vec<StaffUser> = Vec::new();
    for _ in 0..dice.between(1, 3) {
        if authors.is_empty() {
            break;
        }
        let author = &authors[dice.skewed(authors.len())];
        if !chosen_authors.iter().any(|a| a.id == author.id) {
            chosen_authors.push(author.clone());
        }
    }
    let photo = (!photos.is_empty() && dice.below(10) < 8).then(|| photos[dice.below(photos.len())].clone());
    let visibility = match dice.below(100) {
        0..5 => Visibility::Members,
        5..7 => Visibility::Paid,
        _ => Visibility::Public,
    };
    let featured = post_type == PostType::Post && dice.below(50) == 0;

    Ok(Post {
        id: ObjectId::new(),
        uuid: uuid::Uuid::new_v4().to_string(),
        post_type,
        title,
        slug,
        markdown: Some(markdown),
        lexical: None,
        html,
        plaintext,
        feature_image_alt: photo.as_ref().map(|_| "A street in the city after the night's shelling".to_owned()),
        feature_image_caption: photo.as_ref().map(|_| "The morning after.".to_owned()),
        feature_image_credit: photo.as_ref().map(|_| "Newsroom photo".to_owned()),
        feature_image: photo,
        custom_excerpt: Some(excerpt),
        status,
        visibility,
        featured,
        reading_time: masthead_core::reading_time::reading_time_minutes(words, 0),
        meta_title: None,
        meta_description: None,
        og_image: None,
        og_title: None,
        og_description: None,
        twitter_image: None,
        twitter_title: None,
        twitter_description: None,
        canonical_url: None,
        published_at,
        created_at: written,
        updated_at: published_at.unwrap_or(written).max(written),
        content_updated_at: published_at,
        authors: chosen_authors,
        tags: chosen_tags,
        tiers: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_writes_the_same_story() {
        let now = masthead_core::now();
        let a = draft_post(&mut Dice::new(7), 3, 10, now, &[], &[], &[]).expect("a story");
        let b = draft_post(&mut Dice::new(7), 3, 10, now, &[], &[], &[]).expect("a story");
        let c = draft_post(&mut Dice::new(8), 3, 10, now, &[], &[], &[]).expect("a story");
        assert_eq!((&a.title, &a.html, a.published_at), (&b.title, &b.html, b.published_at));
        assert_ne!(a.html, c.html, "another seed, another story");
    }

    #[test]
    fn bodies_have_the_words_they_claim() {
        let mut dice = Dice::new(1);
        for target in [300, 1_000, 2_000] {
            let (markdown, html, plaintext, words) = body(&mut dice, target);
            let counted = masthead_core::reading_time::ghost_word_count(&plaintext);
            assert_eq!(counted, words, "the count used for reading time is the text's");
            assert!((target..target + 200).contains(&words), "{words} words for {target}");
            assert!(html.starts_with("<p>") && markdown.contains("\n\n"));
        }
    }
}
