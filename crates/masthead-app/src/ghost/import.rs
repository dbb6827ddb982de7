//! Importing a Ghost JSON export (`/ghost/api/admin/db/` or Settings → Labs → Export): staff,
//! tags, newsletters, posts and pages with their ordered authors and tags, and site settings.
//!
//! The rules, each chosen so that a newsroom can run the import again without fear:
//! - **Existing wins.** Posts match by (type, slug), tags and newsletters by slug, staff by
//!   email. A match is left exactly as it is and reported as already present: the newsroom may
//!   have edited it since, and an import that overwrote edits (or a staff member's role) would
//!   be worse than one that skips. Re-importing a file therefore creates nothing new.
//!   Settings are the exception: they always exist, so the file's values are applied.
//! - **Bad rows are reported, never fatal.** A row that cannot be read is skipped with its
//!   table, index, slug or email and the reason; every valid row is still imported. Only a file
//!   that is not JSON, or not a Ghost export at all, is refused as a whole.
//! - **No side effects.** Imported posts are written straight to storage: no newsletter is
//!   chosen or sent (Ghost already emailed them), and readers' caches hear one bulk change at
//!   the end rather than a "published" event per post. Scheduled posts get their durable
//!   publication job in the same transaction as the post, as if scheduled in the editor.
//! - **Staff start without access.** New accounts have no password and are suspended until an
//!   administrator reinstates them; they then choose a password through the reset link.

use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, Read, Seek};
use std::path::Path;

use masthead_core::{
    AuthorKind, EmailAddress, NavigationItem, Newsletter, NewsletterStatus, ObjectId, Post, PostStatus, PostType, Role,
    SiteSettings, Slug, StaffStatus, StaffUser, Tag, TagVisibility, Timezone, Visibility,
};
use masthead_render::lexical::Document;
use masthead_storage::{ImportedPost, JobChange, PostImportSource, StorageError};
use serde_json::{Map, Value};

use crate::ghost::body::{Rendered, mobiledoc_to_html};
use crate::ghost::format::{Row, resolve_placeholder};
use crate::ghost::scan::{PostAt, PostReader, RowSink, STREAMED_TABLES, ScanError, Scanned, scan};
use crate::jobs::Job;
use crate::newsroom::posts::{MAX_EXCERPT_LEN, MAX_TITLE_LEN, derived_text};
use crate::{AppError, ContentChange, Newsroom};

/// What an import did, table by table, with every row it skipped and everything it changed on
/// the way in.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct ImportReport {
    /// The Ghost version the file says it came from.
    pub ghost_version: Option<String>,
    /// Rows per table: `posts`, `tags`, `users`, `newsletters`, `settings`, `products`.
    pub tables: BTreeMap<String, TableCounts>,
    /// Rows (or parts of rows) imported with a change worth knowing about.
    pub warnings: Vec<ImportIssue>,
    /// Rows not imported: already present, or unreadable, with the reason.
    pub skipped: Vec<ImportIssue>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct TableCounts {
    pub created: usize,
    pub updated: usize,
    pub skipped: usize,
}

/// One row's note in the report.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ImportIssue {
    pub table: String,
    /// The row's position in its table, from 0; `None` for a note about the whole table.
    pub row: Option<usize>,
    /// The row's slug, email or settings key, when it has one.
    pub key: Option<String>,
    pub reason: String,
    /// The row matched something that already exists and was left alone: not a problem.
    pub already_present: bool,
}

impl ImportReport {
    pub fn counts(&self, table: &str) -> TableCounts {
        self.tables.get(table).copied().unwrap_or_default()
    }

    /// Skipped rows that were actually wrong (not merely present already).
    pub fn problems(&self) -> impl Iterator<Item = &ImportIssue> {
        self.skipped.iter().filter(|s| !s.already_present)
    }
}

impl std::fmt::Display for ImportIssue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.table)?;
        if let Some(row) = self.row {
            write!(f, " row {row}")?;
        }
        if let Some(key) = &self.key {
            write!(f, " ({key})")?;
        }
        write!(f, ": {}", self.reason)
    }
}

/// Why nothing could be imported.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("the file is not valid JSON (line {line}, column {column}): {message}")]
    InvalidJson { line: usize, column: usize, message: String },
    #[error("the file is not a Ghost export: {0}")]
    NotGhostExport(String),
    /// The file could not be read, or changed while it was being imported.
    #[error("the file could not be read: {0}")]
    Unreadable(String),
    /// The database failed part-way. What was imported stays; importing again is safe.
    #[error("the import stopped: {0}")]
    Stopped(#[from] AppError),
}

impl From<StorageError> for ImportError {
    fn from(error: StorageError) -> Self {
        Self::Stopped(error.into())
    }
}

/// Why one row was not imported.
enum RowFailure {
    Invalid(String),
    Fatal(ImportError),
}

impl From<String> for RowFailure {
    fn from(reason: String) -> Self {
        Self::Invalid(reason)
    }
}

impl From<&str> for RowFailure {
    fn from(reason: &str) -> Self {
        Self::Invalid(reason.to_owned())
    }
}

impl From<StorageError> for RowFailure {
    fn from(error: StorageError) -> Self {
        match error {
            // A uniqueness clash is about this row (say, a slug taken meanwhile), not the database.
            conflict @ StorageError::Conflict { .. } => Self::Invalid(conflict.to_string()),
            other => Self::Fatal(other.into()),
        }
    }
}

impl From<AppError> for RowFailure {
    fn from(error: AppError) -> Self {
        match error {
            AppError::Storage(storage) => storage.into(),
            other => Self::Invalid(other.to_string()),
        }
    }
}

enum Outcome {
    Created,
    Updated,
    /// Already there; the reason says what matched.
    Present(String),
}

type RowResult = Result<Outcome, RowFailure>;

/// The tables this importer reads; any other non-empty table is reported as not imported.
const READ_TABLES: [&str; 14] = [
    "posts",
    "posts_meta",
    "posts_tags",
    "posts_authors",
    "tags",
    "users",
    "roles",
    "roles_users",
    "newsletters",
    "settings",
    "products",
    "benefits",
    "products_benefits",
    "posts_products",
];

/// An export as the import reads it: see [`crate::ghost::scan`].
type ExportFile = Scanned<LinkRows>;

/// Ghost's default title for a post saved without one.
const UNTITLED: &str = "(Untitled)";

impl Newsroom {
    /// Imports a Ghost JSON export. Ghost's `__GHOST_URL__` placeholder becomes the site's root
    /// (`/`): links and images to the site itself are stored site-relative and made absolute
    /// when served. `progress(done, total)` is called after each row.
    pub async fn import_ghost(
        &self,
        json: &[u8],
        progress: impl Fn(u64, u64) + Send + Sync,
    ) -> Result<ImportReport, ImportError> {
        import_ghost(self, json, progress).await
    }

    /// [`Newsroom::import_ghost`] for an export file, read in bounded memory whatever its size:
    /// the file is read twice, once to check it and gather everything but the posts' bodies,
    /// then once more for the posts, one at a time.
    pub async fn import_ghost_file(
        &self,
        path: &Path,
        progress: impl Fn(u64, u64) + Send + Sync,
    ) -> Result<ImportReport, ImportError> {
        import_ghost_file(self, path, progress).await
    }
}

/// See [`Newsroom::import_ghost`].
pub async fn import_ghost(
    newsroom: &Newsroom,
    json: &[u8],
    progress: impl Fn(u64, u64) + Send + Sync,
) -> Result<ImportReport, ImportError> {
    let file = scan_export(json)?;
    import_scanned(newsroom, file, PostReader::new(std::io::Cursor::new(json)), &progress).await
}

/// See [`Newsroom::import_ghost_file`].
pub async fn import_ghost_file(
    newsroom: &Newsroom,
    path: &Path,
    progress: impl Fn(u64, u64) + Send + Sync,
) -> Result<ImportReport, ImportError> {
    fn open(path: &Path) -> Result<std::io::BufReader<std::fs::File>, ImportError> {
        let file = std::fs::File::open(path).map_err(|e| ImportError::Unreadable(e.to_string()))?;
        Ok(std::io::BufReader::with_capacity(1 << 16, file))
    }
    let owned = path.to_owned();
    let file = tokio::task::spawn_blocking(move || scan_export(open(&owned)?))
        .await
        .map_err(|e| ImportError::Unreadable(e.to_string()))??;
    import_scanned(newsroom, file, PostReader::new(open(path)?), &progress).await
}

/// Reads the whole file once: refuses it if it is not JSON or not a Ghost export.
fn scan_export(reader: impl Read) -> Result<ExportFile, ImportError> {
    scan(reader, |table| READ_TABLES.contains(&table)).map_err(|error| match error {
        ScanError::Json(e) if e.is_io() => ImportError::Unreadable(e.to_string()),
        ScanError::Json(e) => ImportError::InvalidJson { line: e.line(), column: e.column(), message: e.to_string() },
        ScanError::NotGhostExport(reason) => ImportError::NotGhostExport(reason),
    })
}

async fn import_scanned<R: BufRead + Seek>(
    newsroom: &Newsroom,
    mut file: ExportFile,
    mut posts: PostReader<R>,
    progress: &(dyn Fn(u64, u64) + Send + Sync),
) -> Result<ImportReport, ImportError> {
    let mut importer = Importer::new(newsroom, &file, progress);
    importer.run(&mut file, &mut posts).await?;
    Ok(importer.report)
}

struct Importer<'a> {
    newsroom: &'a Newsroom,
    report: ImportReport,
    progress: &'a (dyn Fn(u64, u64) + Send + Sync),
    done: u64,
    total: u64,
    /// File user id -> the account its posts are credited to.
    users: HashMap<String, StaffUser>,
    /// File tag id -> the tag its posts carry.
    tags: HashMap<String, Tag>,
    /// File tier (`products`) id -> the tier posts limited to it are for.
    tiers: HashMap<String, ObjectId>,
    owner_exists: bool,
    suspended: usize,
    scheduled: usize,
    changed: bool,
    /// Posts written so far, and how many more make the planner's statistics worth gathering
    /// again ([`Importer::write_posts`]).
    posts_written: usize,
    statistics_at: usize,
}

/// Posts written before the planner's statistics are first gathered during an import; then
/// again each time the count doubles.
const FIRST_STATISTICS_AT: usize = 1000;

/// A table's rows; a table that is not a list is reported and read as empty. The tables read
/// as a stream (`posts` and the post links) are never among the kept rows, but are reported
/// here too when they are not lists.
fn rows<'f>(file: &'f ExportFile, report: &mut ImportReport, table: &str) -> &'f [Value] {
    let kind = match file.tables.get(table) {
        None => file.not_lists.get(table).copied(),
        Some(Value::Null) => None,
        Some(Value::Array(rows)) => return rows,
        Some(other) => Some(crate::ghost::format::kind(other)),
    };
    if let Some(kind) = kind {
        report.skipped.push(ImportIssue {
            table: table.into(),
            row: None,
            key: None,
            reason: format!("the table is {kind}, not a list of rows; nothing in it was read"),
            already_present: false,
        });
    }
    &[]
}

/// Reads `slug` as a slug; an ill-formed one is rebuilt from its own text, then from `fallback`.
fn slug_from(given: Option<&str>, fallback: &str) -> Result<(Slug, Option<String>), String> {
    if let Some(given) = given {
        if let Ok(slug) = Slug::parse(given) {
            return Ok((slug, None));
        }
        // Ghost URL-encodes non-Latin slugs in some versions; decoding keeps the readable form.
        let decoded = percent_encoding::percent_decode_str(given).decode_utf8_lossy();
        if let Some(slug) = Slug::from_title(&decoded) {
            return Ok((
                slug.clone(),
                Some(format!("slug {given:?} is not a valid slug; imported as {:?}", slug.as_str())),
            ));
        }
    }
    Slug::from_title(fallback)
        .map(|slug| {
            let note = given.map(|g| format!("slug {g:?} is not a valid slug; imported as {:?}", slug.as_str()));
            (slug, note)
        })
        .ok_or_else(|| match given {
            Some(g) => format!("slug {g:?} is not a valid slug and none can be made from {fallback:?}"),
            None => format!("there is no slug and none can be made from {fallback:?}"),
        })
}

/// A Ghost role name as one of ours, with a note when it is not a straight match.
fn role_from_ghost(name: Option<&str>) -> (Role, Option<String>) {
    match name {
        None => (Role::Contributor, Some("the file gives no role; imported as a contributor".into())),
        Some(name) => match Role::parse(name) {
            Some(role) => (role, None),
            None if name.eq_ignore_ascii_case("super editor") => {
                (Role::Editor, Some("Ghost's Super Editor role is imported as Editor".into()))
            }
            None => (Role::Contributor, Some(format!("role {name:?} is not one of ours; imported as a contributor"))),
        },
    }
}

impl<'a> Importer<'a> {
    fn new(newsroom: &'a Newsroom, file: &ExportFile, progress: &'a (dyn Fn(u64, u64) + Send + Sync)) -> Self {
        let mut report = ImportReport { ghost_version: file.version.clone(), ..ImportReport::default() };
        if file.ignored_databases > 0 {
            report.warnings.push(ImportIssue {
                table: "db".into(),
                row: None,
                key: None,
                reason: format!(
                    "the file holds {} more databases after the first; only the first was read",
                    file.ignored_databases
                ),
                already_present: false,
            });
        }
        let total = ["users", "tags", "newsletters", "settings", "products"]
            .iter()
            .map(|t| file.tables.get(*t).and_then(Value::as_array).map_or(0, Vec::len) as u64)
            .sum::<u64>()
            + file.posts.len() as u64;
        Self {
            newsroom,
            report,
            progress,
            done: 0,
            total,
            users: HashMap::new(),
            tags: HashMap::new(),
            tiers: HashMap::new(),
            owner_exists: false,
            suspended: 0,
            scheduled: 0,
            changed: false,
            posts_written: 0,
            statistics_at: FIRST_STATISTICS_AT,
        }
    }

    async fn run<R: BufRead + Seek>(
        &mut self,
        file: &mut ExportFile,
        posts: &mut PostReader<R>,
    ) -> Result<(), ImportError> {
        (self.progress)(0, self.total);
        self.owner_exists = self.newsroom.db.owner().await?.is_some();
        let roles = self.user_roles(file);
        let users = rows(file, &mut self.report, "users");
        for (index, value) in users.iter().enumerate() {
            let result = self.import_user(index, value, &roles).await;
            self.record("users", index, value.get("email"), result)?;
        }
        if self.suspended > 0 {
            self.note_table(
                "users",
                format!(
                    "{} new staff accounts were created suspended, with no password: an administrator reinstates \
                     each one, who then chooses a password through \"Forgot your password?\"",
                    self.suspended
                ),
            );
        }
        for (index, value) in rows(file, &mut self.report, "tags").iter().enumerate() {
            let result = self.import_tag(index, value).await;
            self.record("tags", index, value.get("slug"), result)?;
        }
        for (index, value) in rows(file, &mut self.report, "newsletters").iter().enumerate() {
            let result = self.import_newsletter(index, value).await;
            self.record("newsletters", index, value.get("slug"), result)?;
        }
        // Tiers come before posts: a post limited to tiers names them.
        let benefits = self.tier_benefits(file);
        for (index, value) in rows(file, &mut self.report, "products").iter().enumerate() {
            let result = self.import_tier(value, &benefits).await;
            self.record("products", index, value.get("slug"), result)?;
        }
        let links = self.post_links(file);
        // Reports a `posts` that is not a list; its rows are read one at a time below.
        rows(file, &mut self.report, "posts");
        let mut batch = PostBatch::default();
        for (index, at) in std::mem::take(&mut file.posts).into_iter().enumerate() {
            let value = match at {
                PostAt::Object { start, end } => {
                    posts.read(start, end).map_err(|e| ImportError::Unreadable(e.to_string()))?
                }
                PostAt::Other(kind) => {
                    let result = Err(RowFailure::Invalid(format!("the row is {kind}, not an object")));
                    self.queue_post(&mut batch, index, None, result).await?;
                    continue;
                }
            };
            let step = self.import_post(&value, &links, &batch).await;
            self.queue_post(&mut batch, index, value.get("slug").cloned(), step).await?;
        }
        self.write_posts(&mut batch).await?;
        let settings = rows(file, &mut self.report, "settings");
        self.import_settings(settings).await?;
        let other_tables: Vec<(String, usize)> = file
            .other_tables
            .iter()
            .filter(|(_, count)| **count > 0)
            .map(|(name, count)| (name.clone(), *count))
            .collect();
        for (table, count) in other_tables {
            self.note_table(&table, format!("{count} rows not imported: Masthead has no equivalent of this table"));
        }
        if self.changed {
            // Thousands of stories may have arrived: the query planner needs to know.
            if let Err(error) = self.newsroom.db.refresh_statistics().await {
                tracing::warn!(%error, "could not refresh the database's statistics after the import");
            }
            self.newsroom.changes.publish(&ContentChange::Everything);
        }
        if self.scheduled > 0 {
            self.newsroom.jobs.wake();
        }
        Ok(())
    }

    fn note_table(&mut self, table: &str, reason: String) {
        self.report.warnings.push(ImportIssue {
            table: table.into(),
            row: None,
            key: None,
            reason,
            already_present: false,
        });
    }

    fn warn(&mut self, table: &str, row: usize, key: Option<&str>, reason: String) {
        self.report.warnings.push(ImportIssue {
            table: table.into(),
            row: Some(row),
            key: key.map(str::to_owned),
            reason,
            already_present: false,
        });
    }

    /// Counts a row's outcome, reports it, and moves the progress bar. Only a database failure
    /// stops the import.
    fn record(&mut self, table: &str, index: usize, key: Option<&Value>, result: RowResult) -> Result<(), ImportError> {
        let key = key.and_then(Value::as_str).map(str::to_owned);
        let counts = self.report.tables.entry(table.to_owned()).or_default();
        match result {
            Ok(Outcome::Created) => counts.created += 1,
            Ok(Outcome::Updated) => counts.updated += 1,
            Ok(Outcome::Present(reason)) => {
                counts.skipped += 1;
                self.report.skipped.push(ImportIssue {
                    table: table.into(),
                    row: Some(index),
                    key,
                    reason,
                    already_present: true,
                });
            }
            Err(RowFailure::Invalid(reason)) => {
                counts.skipped += 1;
                self.report.skipped.push(ImportIssue {
                    table: table.into(),
                    row: Some(index),
                    key,
                    reason,
                    already_present: false,
                });
            }
            Err(RowFailure::Fatal(error)) => return Err(error),
        }
        self.done += 1;
        (self.progress)(self.done, self.total);
        Ok(())
    }

    /// File user id -> Ghost role name, from `roles` and `roles_users`.
    /// Each tier's benefit names in order, from `benefits` and `products_benefits`.
    fn tier_benefits(&mut self, file: &ExportFile) -> HashMap<String, Vec<String>> {
        let names: HashMap<&str, &str> = rows(file, &mut self.report, "benefits")
            .iter()
            .filter_map(|b| Some((b.get("id")?.as_str()?, b.get("name")?.as_str()?)))
            .collect();
        let mut links: Vec<(&str, i64, &str)> = rows(file, &mut self.report, "products_benefits")
            .iter()
            .filter_map(|l| {
                let order = l.get("sort_order").and_then(Value::as_i64).unwrap_or(0);
                Some((l.get("product_id")?.as_str()?, order, names.get(l.get("benefit_id")?.as_str()?).copied()?))
            })
            .collect();
        links.sort();
        let mut benefits: HashMap<String, Vec<String>> = HashMap::new();
        for (tier, _, name) in links {
            benefits.entry(tier.to_owned()).or_default().push(name.to_owned());
        }
        benefits
    }

    /// A Ghost tier (`products` row). The free tier's wording updates ours (a site has one free
    /// tier); a paid tier whose slug the site has is kept as it is; any other is added.
    async fn import_tier(&mut self, value: &Value, benefits: &HashMap<String, Vec<String>>) -> RowResult {
        let row = Row::of(value)?;
        let name = row.trimmed("name")?.ok_or("field \"name\" is missing or empty")?;
        let paid = match row.trimmed("type")?.as_deref() {
            Some("free") => false,
            Some("paid") | None => true,
            Some(other) => return Err(format!("field \"type\": {other:?} is not free or paid").into()),
        };
        let visibility = row.trimmed("visibility")?;
        let currency = row.trimmed("currency")?.map(|c| c.to_ascii_lowercase());
        let typed = |minor: Option<i64>| match (currency.as_deref().and_then(masthead_core::Currency::parse), minor) {
            (Some(c), Some(m)) if m > 0 => Some(c.typed(m)),
            _ => None,
        };
        let own_id = row.trimmed("id")?.unwrap_or_default();
        let input = crate::payments::TierInput {
            name,
            slug: row.trimmed("slug")?,
            description: row.trimmed("description")?,
            paid,
            active: row.flag("active")?.unwrap_or(true),
            public: visibility.as_deref() != Some("none"),
            welcome_page_url: row.trimmed("welcome_page_url")?.map(|u| self.resolve(&u)),
            monthly_price: typed(row.number("monthly_price")?),
            yearly_price: typed(row.number("yearly_price")?),
            currency,
            trial_days: row.number("trial_days")?.map(|d| d.to_string()),
            benefits: benefits.get(&own_id).cloned().unwrap_or_default(),
        };
        let existing = if paid {
            let slug = input.slug.clone().or_else(|| Slug::from_title(&input.name).map(|s| s.as_str().to_owned()));
            if let Some(slug) = slug
                && let Some(present) = self.newsroom.db.tier_by_slug(&slug).await?
            {
                self.tiers.insert(own_id, present.id);
                return Ok(Outcome::Present(
                    "already present: a tier with this slug exists and is kept as it is".into(),
                ));
            }
            None
        } else {
            Some(self.newsroom.ensure_free_tier().await?)
        };
        let outcome = match existing {
            Some(tier) => {
                let mut input = input;
                if !paid {
                    // The free tier keeps its slug (readers' links name it).
                    input.slug = Some(tier.slug.as_str().to_owned());
                }
                let tier = self.newsroom.put_tier(Some(&tier), input).await?;
                self.tiers.insert(own_id, tier.id);
                Outcome::Updated
            }
            None => {
                let tier = self.newsroom.put_tier(None, input).await?;
                self.tiers.insert(own_id, tier.id);
                Outcome::Created
            }
        };
        self.changed = true;
        Ok(outcome)
    }

    fn user_roles(&mut self, file: &ExportFile) -> HashMap<String, String> {
        let mut names = HashMap::new();
        for value in rows(file, &mut self.report, "roles") {
            if let Ok(row) = Row::of(value)
                && let (Ok(Some(id)), Ok(Some(name))) = (row.text("id"), row.trimmed("name"))
            {
                names.insert(id, name);
            }
        }
        let mut roles = HashMap::new();
        for (index, value) in rows(file, &mut self.report, "roles_users").iter().enumerate() {
            let link = Row::of(value).and_then(|row| Ok((row.text("user_id")?, row.text("role_id")?)));
            match link {
                Ok((Some(user), Some(role))) => match names.get(&role) {
                    Some(name) => {
                        roles.entry(user).or_insert_with(|| name.clone());
                    }
                    None => self.warn("roles_users", index, None, format!("role {role:?} is not in the roles table")),
                },
                Ok(_) => self.warn("roles_users", index, None, "the row needs a user_id and a role_id".into()),
                Err(reason) => self.warn("roles_users", index, None, reason),
            }
        }
        roles
    }

    async fn import_user(&mut self, index: usize, value: &Value, roles: &HashMap<String, String>) -> RowResult {
        let row = Row::of(value)?;
        let file_id = row.text("id")?;
        let email = row.trimmed("email")?.ok_or("field \"email\" is missing: staff are matched by email")?;
        let email = crate::newsroom::staff::normalise_email(&email)
            .map_err(|_| format!("{email:?} is not an email address"))?;
        // A guest contributor as our export writes one: no account, matched by slug.
        let guest = email.ends_with(&format!("@{}", crate::ghost::export::GUEST_EMAIL_DOMAIN));
        if guest
            && let Some(slug) = row.trimmed("slug")?
            && let Some(existing) = self.newsroom.db.user_by_slug(&slug).await?.filter(StaffUser::is_guest)
        {
            if let Some(file_id) = file_id {
                self.users.insert(file_id, existing);
            }
            return Ok(Outcome::Present("already present: a guest contributor with this slug is kept as it is".into()));
        }
        if !guest && let Some(existing) = self.newsroom.db.user_by_email(&email).await? {
            if let Some(file_id) = file_id {
                self.users.insert(file_id, existing.clone());
            }
            return Ok(Outcome::Present(format!(
                "already present: a staff account with this email exists and is kept as it is (role {}, status {})",
                existing.role.label().to_lowercase(),
                existing.status
            )));
        }
        let local_part = email.split('@').next().unwrap_or(&email).to_owned();
        let name = row.trimmed("name")?.unwrap_or(local_part);
        let (base_slug, slug_note) = slug_from(row.trimmed("slug")?.as_deref(), &name)?;
        let mut notes: Vec<String> = slug_note.into_iter().collect();
        let mut slug = base_slug.clone();
        for n in 2..1000 {
            if self.newsroom.db.user_by_slug(slug.as_str()).await?.is_none() {
                break;
            }
            slug = Slug::parse(&format!("{base_slug}-{n}")).map_err(|e| e.to_string())?;
        }
        if slug != base_slug {
            notes.push(format!(
                "slug {:?} is taken by another account; imported as {:?}",
                base_slug.as_str(),
                slug.as_str()
            ));
        }
        let (mut role, role_note) = role_from_ghost(file_id.as_ref().and_then(|id| roles.get(id)).map(String::as_str));
        if !guest {
            notes.extend(role_note);
        }
        // A site has one owner: the file's owner joins as an administrator where one exists.
        if role == Role::Owner && self.owner_exists {
            role = Role::Administrator;
            notes.push("the file's owner becomes an administrator: this site already has an owner".into());
        }
        // With no owner yet, a suspended owner could never be reinstated (only an owner or an
        // administrator can do that): the owner is invited instead, and regains access through
        // the password reset link.
        let status = if guest {
            // No account to suspend: a guest cannot sign in.
            role = Role::Contributor;
            StaffStatus::Active
        } else if role == Role::Owner {
            notes.push("becomes this site's owner, invited (no password): request a password reset to sign in".into());
            StaffStatus::Invited
        } else {
            StaffStatus::Suspended
        };
        let now = masthead_core::now();
        let id = self
            .free_id(file_id.as_deref(), |db, id| async move { db.user_by_id(&id).await.map(|u| u.is_some()) })
            .await?;
        let mut url =
            |field: &str| -> Result<Option<String>, String> { Ok(link_field(row.trimmed(field)?, field, &mut notes)) };
        let (profile_image, cover_image, website) = (url("profile_image")?, url("cover_image")?, url("website")?);
        let twitter = social_field(row.trimmed("twitter")?, "twitter", &mut notes);
        let facebook = social_field(row.trimmed("facebook")?, "facebook", &mut notes);
        let user = StaffUser {
            id,
            name,
            slug,
            email: if guest { String::new() } else { email.clone() },
            role,
            kind: if guest { AuthorKind::Guest } else { AuthorKind::Staff },
            status,
            bio: row.trimmed("bio")?,
            profile_image,
            cover_image,
            website,
            location: row.trimmed("location")?,
            twitter,
            facebook,
            meta_title: row.trimmed("meta_title")?,
            meta_description: row.trimmed("meta_description")?,
            created_at: row.time("created_at")?.unwrap_or(now),
            updated_at: row.time("updated_at")?.unwrap_or(now),
        };
        self.newsroom.db.insert_user(&user).await?;
        match (guest, role) {
            (true, _) => {}
            (false, Role::Owner) => self.owner_exists = true,
            (false, _) => self.suspended += 1,
        }
        let key = email;
        if let Some(file_id) = file_id {
            self.users.insert(file_id, user);
        }
        for note in notes {
            self.warn("users", index, Some(&key), note);
        }
        self.changed = true;
        Ok(Outcome::Created)
    }

    /// The file's id when it is a valid id nobody here uses yet (Ghost ids are ours too);
    /// otherwise a new one.
    async fn free_id<F, Fut>(&self, file_id: Option<&str>, taken: F) -> Result<ObjectId, StorageError>
    where
        F: Fn(masthead_storage::Db, ObjectId) -> Fut,
        Fut: std::future::Future<Output = Result<bool, StorageError>>,
    {
        if let Some(id) = file_id.and_then(|id| ObjectId::parse(id).ok())
            && !taken(self.newsroom.db.clone(), id.clone()).await?
        {
            return Ok(id);
        }
        Ok(ObjectId::new())
    }

    fn resolve(&self, text: &str) -> String {
        resolve_placeholder(text)
    }

    async fn import_tag(&mut self, index: usize, value: &Value) -> RowResult {
        let row = Row::of(value)?;
        let file_id = row.text("id")?;
        let name = row.trimmed("name")?.ok_or("field \"name\" is missing or empty")?;
        let (slug, slug_note) = slug_from(row.trimmed("slug")?.as_deref(), &name)?;
        if let Some(existing) = self.newsroom.db.tag_by_slug(slug.as_str()).await? {
            if let Some(file_id) = file_id {
                self.tags.insert(file_id, existing);
            }
            return Ok(Outcome::Present("already present: a tag with this slug exists and is kept as it is".into()));
        }
        let visibility = match row.trimmed("visibility")?.as_deref() {
            None => TagVisibility::for_name(&name),
            Some(v) => TagVisibility::parse(v)
                .ok_or_else(|| format!("field \"visibility\": {v:?} is not public or internal"))?,
        };
        // `#name` tags are internal whatever the row says: themes must never show them.
        let visibility = if name.starts_with('#') { TagVisibility::Internal } else { visibility };
        let mut notes: Vec<String> = slug_note.into_iter().collect();
        let accent_color = match row.trimmed("accent_color")? {
            Some(colour) => match SiteSettings::parse_accent_color(&colour) {
                Some(colour) => Some(colour),
                None => {
                    notes.push(format!("accent colour {colour:?} is not #rgb or #rrggbb; left out"));
                    None
                }
            },
            None => None,
        };
        let feature_image = link_field(row.trimmed("feature_image")?, "feature_image", &mut notes);
        let og_image = link_field(row.trimmed("og_image")?, "og_image", &mut notes);
        let twitter_image = link_field(row.trimmed("twitter_image")?, "twitter_image", &mut notes);
        let canonical_url = link_field(row.trimmed("canonical_url")?, "canonical_url", &mut notes);
        // Code injection is kept as written, with links under the placeholder made site-relative.
        let code =
            |field: &str| -> Result<Option<String>, String> { Ok(row.trimmed(field)?.map(|text| self.resolve(&text))) };
        let now = masthead_core::now();
        let id = self
            .free_id(file_id.as_deref(), |db, id| async move { db.tag_by_id(&id).await.map(|t| t.is_some()) })
            .await?;
        let tag = Tag {
            id,
            name,
            slug,
            description: row.trimmed("description")?,
            feature_image,
            visibility,
            meta_title: row.trimmed("meta_title")?,
            meta_description: row.trimmed("meta_description")?,
            accent_color,
            og_image,
            og_title: row.trimmed("og_title")?,
            og_description: row.trimmed("og_description")?,
            twitter_image,
            twitter_title: row.trimmed("twitter_title")?,
            twitter_description: row.trimmed("twitter_description")?,
            codeinjection_head: code("codeinjection_head")?,
            codeinjection_foot: code("codeinjection_foot")?,
            canonical_url,
            created_at: row.time("created_at")?.unwrap_or(now),
            updated_at: row.time("updated_at")?.unwrap_or(now),
        };
        self.newsroom.db.insert_tag(&tag).await?;
        for note in notes {
            self.warn("tags", index, Some(tag.slug.as_str()), note);
        }
        if let Some(file_id) = file_id {
            self.tags.insert(file_id, tag);
        }
        self.changed = true;
        Ok(Outcome::Created)
    }

    async fn import_newsletter(&mut self, index: usize, value: &Value) -> RowResult {
        let row = Row::of(value)?;
        let name = row.trimmed("name")?.ok_or("field \"name\" is missing or empty")?;
        let (slug, slug_note) = slug_from(row.trimmed("slug")?.as_deref(), &name)?;
        if self.newsroom.db.newsletter_by_slug(slug.as_str()).await?.is_some() {
            return Ok(Outcome::Present(
                "already present: a newsletter with this slug exists and is kept as it is".into(),
            ));
        }
        let status = match row.trimmed("status")?.as_deref() {
            None => NewsletterStatus::Active,
            Some(s) => NewsletterStatus::parse(s)
                .ok_or_else(|| format!("field \"status\": {s:?} is not active or archived"))?,
        };
        let mut notes: Vec<String> = slug_note.into_iter().collect();
        let sender_email = match row.trimmed("sender_email")? {
            Some(address) => match EmailAddress::parse(&address) {
                Ok(address) => Some(address.to_string()),
                Err(e) => {
                    notes.push(format!("sender email {address:?} left out: {e}"));
                    None
                }
            },
            None => None,
        };
        // Ghost stores `newsletter` (reply to the sender) or `support` (the site's support
        // address) here, or an address.
        let sender_reply_to = match row.trimmed("sender_reply_to")?.as_deref() {
            None | Some("newsletter") => None,
            Some("support") => {
                notes.push("replies went to Ghost's support address; they now go to the sender".into());
                None
            }
            Some(address) => match EmailAddress::parse(address) {
                Ok(address) => Some(address.to_string()),
                Err(e) => {
                    notes.push(format!("reply-to {address:?} left out: {e}"));
                    None
                }
            },
        };
        let now = masthead_core::now();
        let file_id = row.text("id")?;
        let id = self
            .free_id(file_id.as_deref(), |db, id| async move { db.newsletter_by_id(&id).await.map(|n| n.is_some()) })
            .await?;
        let newsletter = Newsletter {
            id,
            uuid: row.trimmed("uuid")?.unwrap_or_else(|| uuid::Uuid::new_v4().to_string()),
            name,
            slug,
            description: row.trimmed("description")?,
            sender_name: row.trimmed("sender_name")?,
            sender_email,
            sender_reply_to,
            host_name: None,
            status,
            subscribe_on_signup: row.flag("subscribe_on_signup")?.unwrap_or(true),
            sort_order: i32::try_from(row.number("sort_order")?.unwrap_or(0))
                .map_err(|_| "field \"sort_order\" is out of range")?,
            created_at: row.time("created_at")?.unwrap_or(now),
            updated_at: row.time("updated_at")?.unwrap_or(now),
        };
        if let Err(StorageError::Conflict { .. }) = self.newsroom.db.save_newsletter(&newsletter).await {
            // Newsletter uuids are unique too: a clash means the file's uuid is in use here.
            let fresh = Newsletter { uuid: uuid::Uuid::new_v4().to_string(), ..newsletter.clone() };
            self.newsroom.db.save_newsletter(&fresh).await?;
        }
        for note in notes {
            self.warn("newsletters", index, Some(newsletter.slug.as_str()), note);
        }
        self.changed = true;
        Ok(Outcome::Created)
    }

    /// posts_meta rows and ordered tag and author links, by the file's post id, as gathered
    /// while the file was read; their notes join the report here, table by table.
    fn post_links(&mut self, file: &mut ExportFile) -> PostLinks {
        let LinkRows { mut links, warnings } = std::mem::take(&mut file.sink);
        for (table, warnings) in STREAMED_TABLES.iter().zip(warnings) {
            rows(file, &mut self.report, table);
            self.report.warnings.extend(warnings);
        }
        for list in links.tags.values_mut().chain(links.authors.values_mut()).chain(links.tiers.values_mut()) {
            // Rows without sort_order keep their order in the file, after the ordered ones.
            list.sort_by_key(|l| (l.order, l.index));
        }
        links
    }

    /// Reads one post row and checks it against the site and the batch not yet written: a post
    /// to insert, or why not.
    async fn import_post(
        &mut self,
        value: &Value,
        links: &PostLinks,
        batch: &PostBatch,
    ) -> Result<PostStep, RowFailure> {
        let row = Row::of(value)?;
        let file_id = row.text("id")?;
        let post_type = match row.trimmed("type")?.as_deref() {
            None => PostType::Post,
            Some(t) => PostType::parse(t).ok_or_else(|| format!("field \"type\": {t:?} is not post or page"))?,
        };
        let mut notes: Vec<String> = Vec::new();
        let title = match row.trimmed("title")? {
            Some(title) if title.chars().count() > MAX_TITLE_LEN => {
                return Err(format!("the title is longer than {MAX_TITLE_LEN} characters").into());
            }
            Some(title) => title,
            None => {
                notes.push(format!("no title; imported as {UNTITLED:?}"));
                UNTITLED.to_owned()
            }
        };
        let (slug, slug_note) = slug_from(row.trimmed("slug")?.as_deref(), &title)?;
        notes.extend(slug_note);
        if batch.slugs.contains(&(post_type, slug.as_str().to_owned()))
            || self.newsroom.db.post_by_slug(post_type, slug.as_str()).await?.is_some()
        {
            return Ok(PostStep::Done(Outcome::Present(format!(
                "already present: a {post_type} with this slug exists and is kept as it is"
            ))));
        }
        let mut status = match row.trimmed("status")?.as_deref() {
            None => PostStatus::Draft,
            Some(s) => PostStatus::parse(s)
                .ok_or_else(|| format!("field \"status\": {s:?} is not published, draft, scheduled or sent"))?,
        };
        let visibility = match row.trimmed("visibility")?.as_deref() {
            None => Visibility::Public,
            Some(v) => Visibility::parse(v)
                .ok_or_else(|| format!("field \"visibility\": {v:?} is not public, members, paid or tiers"))?,
        };
        let now = masthead_core::now();
        let created_at = row.time("created_at")?.unwrap_or(now);
        let updated_at = row.time("updated_at")?.unwrap_or(created_at);
        let mut published_at = row.time("published_at")?;
        match status {
            PostStatus::Scheduled => match published_at {
                Some(at) if at > now => {}
                Some(at) => {
                    notes.push(format!(
                        "was scheduled for {}, which has passed; imported as a draft so nothing goes live unreviewed",
                        crate::ghost::format::format_time(at)
                    ));
                    status = PostStatus::Draft;
                }
                None => {
                    notes.push("scheduled without a publication time; imported as a draft".into());
                    status = PostStatus::Draft;
                }
            },
            PostStatus::Published | PostStatus::Sent if published_at.is_none() => {
                notes.push("no publication time; the creation time is used".into());
                published_at = Some(created_at);
            }
            _ => {}
        }
        if status == PostStatus::Scheduled && row.trimmed("newsletter_id")?.is_some() {
            notes.push(
                "was to be emailed to a newsletter when published; choose the newsletter again in the editor".into(),
            );
        }
        let (format, source, rendered, lexical) = self.body(&row)?;
        notes.extend(rendered.warnings);
        let html = masthead_render::sanitize_html(&self.resolve(&rendered.html));
        let meta = file_id.as_ref().and_then(|id| links.meta.get(id));
        let meta = meta.map(Row);
        // Ghost 1–3 kept the SEO fields on the post row itself; posts_meta wins where both exist.
        let seo = |field: &str| -> Result<Option<String>, String> {
            match meta.map(|m| m.trimmed(field)).transpose()?.flatten() {
                Some(value) => Ok(Some(value)),
                None => row.trimmed(field),
            }
        };
        let feature_image = link_field(row.trimmed("feature_image")?, "feature_image", &mut notes);
        let og_image = link_field(seo("og_image")?, "og_image", &mut notes);
        let twitter_image = link_field(seo("twitter_image")?, "twitter_image", &mut notes);
        let canonical_url = link_field(row.trimmed("canonical_url")?, "canonical_url", &mut notes);
        let (plaintext, reading_time) = derived_text(&html, feature_image.is_some());
        let caption = match seo("feature_image_caption")? {
            Some(caption) => {
                // Ghost's captions are HTML; ours are text shown as written.
                let text = masthead_render::html_to_plaintext(&masthead_render::sanitize_html(&caption));
                if caption.contains('<') {
                    notes.push("the feature image caption was HTML; its text was kept".into());
                }
                Some(text).filter(|t| !t.is_empty())
            }
            None => None,
        };
        let custom_excerpt = match row.trimmed("custom_excerpt")? {
            Some(excerpt) if excerpt.chars().count() > MAX_EXCERPT_LEN => {
                notes.push(format!("the custom excerpt was cut to {MAX_EXCERPT_LEN} characters"));
                Some(masthead_core::text::truncate_words(&excerpt, MAX_EXCERPT_LEN))
            }
            excerpt => excerpt,
        };
        let mut dropped = Vec::new();
        for field in ["codeinjection_head", "codeinjection_foot", "custom_template"] {
            if row.trimmed(field)?.is_some() {
                dropped.push(field);
            }
        }
        for field in ["email_subject", "frontmatter"] {
            if meta.map(|m| m.trimmed(field)).transpose()?.flatten().is_some() {
                dropped.push(field);
            }
        }
        if !dropped.is_empty() {
            notes.push(format!("not kept, Masthead has no field for them: {}", dropped.join(", ")));
        }
        let authors = self.post_authors(&row, file_id.as_deref(), links, &mut notes).await?;
        let mut tags: Vec<Tag> = Vec::new();
        for link in file_id.as_ref().and_then(|id| links.tags.get(id)).into_iter().flatten() {
            match self.tags.get(&link.target) {
                Some(tag) if !tags.iter().any(|t| t.id == tag.id) => tags.push(tag.clone()),
                Some(_) => {}
                None => notes.push(format!(
                    "tag {:?} (posts_tags row {}) is not among the imported tags; left out",
                    link.target, link.index
                )),
            }
        }
        let mut tiers: Vec<ObjectId> = Vec::new();
        if visibility == Visibility::Tiers {
            for link in file_id.as_ref().and_then(|id| links.tiers.get(id)).into_iter().flatten() {
                match self.tiers.get(&link.target) {
                    Some(tier) if !tiers.contains(tier) => tiers.push(tier.clone()),
                    Some(_) => {}
                    None => notes.push(format!(
                        "tier {:?} (posts_products row {}) is not among the imported tiers; left out",
                        link.target, link.index
                    )),
                }
            }
            if tiers.is_empty() {
                notes.push(
                    "limited to tiers, none of which came along: readable by staff only until tiers are chosen".into(),
                );
            }
        }
        let unbatched_id = file_id.as_deref().filter(|id| !batch.ids.contains(*id));
        let id =
            self.free_id(unbatched_id, |db, id| async move { db.post_by_id(&id).await.map(|p| p.is_some()) }).await?;
        let uuid = match row.trimmed("uuid")? {
            Some(uuid) if !batch.uuids.contains(&uuid) && self.newsroom.db.post_by_uuid(&uuid).await?.is_none() => uuid,
            _ => uuid::Uuid::new_v4().to_string(),
        };
        let post = Post {
            id,
            uuid,
            post_type,
            title,
            slug,
            markdown: None,
            lexical,
            html,
            plaintext,
            feature_image,
            feature_image_alt: seo("feature_image_alt")?,
            feature_image_caption: caption,
            feature_image_credit: None,
            custom_excerpt,
            status,
            visibility,
            featured: row.flag("featured")?.unwrap_or(false),
            reading_time,
            meta_title: seo("meta_title")?,
            meta_description: seo("meta_description")?,
            og_image,
            og_title: seo("og_title")?,
            og_description: seo("og_description")?,
            twitter_image,
            twitter_title: seo("twitter_title")?,
            twitter_description: seo("twitter_description")?,
            canonical_url,
            published_at,
            created_at,
            updated_at,
            content_updated_at: None,
            authors,
            tags,
            tiers,
        };
        let jobs: Vec<JobChange> = match (post.status, post.published_at) {
            (PostStatus::Scheduled, Some(at)) => vec![Job::PublishScheduledPost { post_id: post.id.clone() }.at(at)],
            _ => Vec::new(),
        };
        let source = PostImportSource { format: format.to_owned(), source, imported_at: now };
        Ok(PostStep::Insert(Box::new(PendingPost { imported: ImportedPost { post, source, jobs }, notes })))
    }

    /// Queues one post row's result, writing the batch when it is full.
    async fn queue_post(
        &mut self,
        batch: &mut PostBatch,
        index: usize,
        key: Option<Value>,
        step: Result<PostStep, RowFailure>,
    ) -> Result<(), ImportError> {
        if let Ok(PostStep::Insert(pending)) = &step {
            let post = &pending.imported.post;
            batch.slugs.insert((post.post_type, post.slug.as_str().to_owned()));
            batch.ids.insert(post.id.as_str().to_owned());
            batch.uuids.insert(post.uuid.clone());
            // What the batch holds in memory until it is written: the document counts too.
            let document = post.lexical.as_ref().map_or(0, String::len);
            batch.bytes += post.html.len() + post.plaintext.len() + document + pending.imported.source.source.len();
            batch.inserts += 1;
        }
        // A database failure stops the import once the rows before it are written.
        let fatal = matches!(step, Err(RowFailure::Fatal(_)));
        batch.rows.push((index, key, step));
        if fatal || batch.inserts >= POST_BATCH_ROWS || batch.bytes >= POST_BATCH_BYTES {
            self.write_posts(batch).await?;
        }
        Ok(())
    }

    /// Writes the queued posts in one transaction, then reports every queued row in file
    /// order. When the batch fails, its posts are written one by one, so that only the post at
    /// fault is skipped.
    async fn write_posts(&mut self, batch: &mut PostBatch) -> Result<(), ImportError> {
        let rows = std::mem::take(&mut batch.rows);
        *batch = PostBatch::default();
        let inserts: Vec<&ImportedPost> = rows
            .iter()
            .filter_map(|(_, _, step)| match step {
                Ok(PostStep::Insert(pending)) => Some(&pending.imported),
                _ => None,
            })
            .collect();
        let together = self.newsroom.db.insert_imported_posts(&inserts).await.is_ok();
        drop(inserts);
        let mut stored = 0;
        for (index, key, step) in rows {
            let result = match step {
                Ok(PostStep::Done(outcome)) => Ok(outcome),
                Err(failure) => Err(failure),
                Ok(PostStep::Insert(pending)) => {
                    let PendingPost { imported, notes } = *pending;
                    let written =
                        if together { Ok(()) } else { self.newsroom.db.insert_imported_posts(&[&imported]).await };
                    match written {
                        Ok(()) => {
                            stored += 1;
                            if !imported.jobs.is_empty() {
                                self.scheduled += 1;
                            }
                            for note in notes {
                                self.warn("posts", index, Some(imported.post.slug.as_str()), note);
                            }
                            self.changed = true;
                            Ok(Outcome::Created)
                        }
                        Err(error) => Err(RowFailure::from(error)),
                    }
                }
            };
            self.record("posts", index, key.as_ref(), result)?;
        }
        // A lookup planned while the table was nearly empty keeps its plan on each connection
        // until the statistics change; where autovacuum does not gather them in time, each
        // post's slug lookup walked every post already written (an import that slowed as it
        // grew). Gathering them as the table doubles costs a few seconds in all.
        self.posts_written += stored;
        if self.posts_written >= self.statistics_at {
            self.statistics_at = self.posts_written * 2;
            if let Err(error) = self.newsroom.db.refresh_statistics().await {
                tracing::warn!(%error, "could not refresh the database's statistics during the import");
            }
        }
        Ok(())
    }

    /// The post's body as unsanitised HTML, with its format and original text, and its Lexical
    /// document when it has one (kept, so the rich-text editor opens the story as Ghost's did).
    /// Ghost's own HTML is used when the export has it; otherwise the document is rendered here.
    fn body(&self, row: &Row<'_>) -> Result<(&'static str, String, Rendered, Option<String>), String> {
        // Lexical and Mobiledoc are JSON documents stored as strings; a few tools write objects.
        let document = |field: &str| -> Result<Option<String>, String> {
            match row.raw(field) {
                None => Ok(None),
                Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(v @ Value::Object(_)) => Ok(Some(v.to_string())),
                Some(other) => Err(format!(
                    "field \"{field}\": expected a JSON document, got {}",
                    crate::ghost::format::kind(other)
                )),
            }
        };
        // Addresses behind Ghost's placeholder are this site's: resolved before rendering, so
        // the site's own images get their responsive sizes.
        let original = document("lexical")?;
        let lexical = original.as_deref().map(|source| self.resolve(source));
        if let Some(html) = row.text("html")?.filter(|h| !h.trim().is_empty()) {
            let mut warnings = Vec::new();
            let kept = lexical.filter(|source| match Document::parse(source) {
                Ok(_) => true,
                Err(e) => {
                    warnings.push(format!("its Lexical document was left out ({e}); the editor opens its HTML"));
                    false
                }
            });
            return Ok(("html", html.clone(), Rendered { html, warnings }, kept));
        }
        if let (Some(source), Some(original)) = (lexical, original) {
            let rendered = Document::parse(&source).map_err(|e| e.to_string())?.render();
            let rendered = Rendered { html: rendered.html, warnings: rendered.warnings };
            return Ok(("lexical", original, rendered, Some(source)));
        }
        if let Some(mobiledoc) = document("mobiledoc")? {
            let rendered = mobiledoc_to_html(&mobiledoc)?;
            return Ok(("mobiledoc", mobiledoc, rendered, None));
        }
        let rendered = Rendered { html: String::new(), warnings: vec!["the post has no body".into()] };
        Ok(("html", String::new(), rendered, None))
    }

    /// The post's authors in byline order. A post without a readable author is credited to the
    /// site's owner (or first administrator) rather than lost.
    async fn post_authors(
        &self,
        row: &Row<'_>,
        file_id: Option<&str>,
        links: &PostLinks,
        notes: &mut Vec<String>,
    ) -> Result<Vec<StaffUser>, RowFailure> {
        let mut authors: Vec<StaffUser> = Vec::new();
        let mut wanted: Vec<(String, Option<usize>)> = file_id
            .and_then(|id| links.authors.get(id))
            .into_iter()
            .flatten()
            .map(|l| (l.target.clone(), Some(l.index)))
            .collect();
        // Ghost before 1.22 had one author per post, in `author_id`.
        if wanted.is_empty()
            && let Some(author) = row.text("author_id")?
        {
            wanted.push((author, None));
        }
        for (author, link_index) in wanted {
            match self.users.get(&author) {
                Some(user) if !authors.iter().any(|a| a.id == user.id) => authors.push(user.clone()),
                Some(_) => {}
                None => notes.push(match link_index {
                    Some(i) => {
                        format!("author {author:?} (posts_authors row {i}) is not among the imported staff; left out")
                    }
                    None => format!("author {author:?} is not among the imported staff; left out"),
                }),
            }
        }
        if authors.is_empty() {
            let staff = self.newsroom.db.staff().await?;
            let fallback = staff
                .iter()
                .find(|u| u.role == Role::Owner)
                .or_else(|| staff.iter().find(|u| u.role == Role::Administrator))
                .cloned()
                .ok_or("the post has no author in the file and this site has no owner or administrator to credit")?;
            notes.push(format!("no author in the file; credited to {}", fallback.name));
            authors.push(fallback);
        }
        Ok(authors)
    }

    async fn import_settings(&mut self, rows: &[Value]) -> Result<(), ImportError> {
        let mut settings = self.newsroom.db.site_settings().await?;
        let before = settings.clone();
        let mut unknown: Vec<String> = Vec::new();
        let mut has_locale = false;
        let mut pending: Vec<(usize, String, Value)> = Vec::new();
        for (index, value) in rows.iter().enumerate() {
            let read =
                Row::of(value).and_then(|row| Ok((row.text("key")?, row.raw("value").cloned().unwrap_or(Value::Null))));
            match read {
                Ok((Some(key), value)) => {
                    has_locale |= key == "locale";
                    pending.push((index, key, value));
                }
                Ok((None, _)) => {
                    let result = Err(RowFailure::Invalid("the row has no key".into()));
                    self.record("settings", index, None, result)?;
                }
                Err(reason) => self.record("settings", index, None, Err(RowFailure::Invalid(reason)))?,
            }
        }
        for (index, key, value) in pending {
            // Ghost before 4.x called the language `lang`.
            let field = if key == "lang" && !has_locale { "locale" } else { key.as_str() };
            let mut notes = Vec::new();
            let applied = self.apply_setting(&mut settings, field, &value, &mut notes);
            let result = match applied {
                Ok(true) => {
                    let unchanged = serde_json::to_value(&settings).ok().and_then(|v| v.get(field).cloned())
                        == serde_json::to_value(&before).ok().and_then(|v| v.get(field).cloned());
                    if unchanged {
                        Ok(Outcome::Present("already present: the setting has this value already".into()))
                    } else {
                        Ok(Outcome::Updated)
                    }
                }
                Ok(false) => {
                    unknown.push(key.clone());
                    // Not a row we import: it does not move the counts, only the progress bar.
                    self.done += 1;
                    (self.progress)(self.done, self.total);
                    continue;
                }
                Err(reason) => Err(RowFailure::Invalid(reason)),
            };
            for note in notes {
                self.warn("settings", index, Some(&key), note);
            }
            self.record("settings", index, Some(&Value::String(key)), result)?;
        }
        if settings != before {
            self.newsroom.db.save_site_settings(&settings).await?;
            self.newsroom.changes.publish(&ContentChange::Settings);
        }
        if !unknown.is_empty() {
            self.note_table(
                "settings",
                format!(
                    "{} settings have no Masthead equivalent and were not imported: {}",
                    unknown.len(),
                    unknown.join(", ")
                ),
            );
        }
        Ok(())
    }

    /// Applies one Ghost setting. `Ok(false)` for keys Masthead does not have. A refused address
    /// refuses the setting; a refused navigation link leaves out that link, with a note.
    fn apply_setting(
        &self,
        settings: &mut SiteSettings,
        key: &str,
        value: &Value,
        notes: &mut Vec<String>,
    ) -> Result<bool, String> {
        let text = match value {
            Value::Null => None,
            Value::String(s) => Some(s.trim().to_owned()).filter(|s| !s.is_empty()),
            other => Some(other.to_string()),
        };
        let url = |t: &Option<String>| -> Result<Option<String>, String> {
            let Some(url) = t.as_ref().map(|u| self.resolve(u)) else { return Ok(None) };
            masthead_core::check_link(&url).map_err(|e| format!("{e}; the setting was left as it was"))?;
            Ok(Some(url))
        };
        match key {
            "title" => settings.title = text.ok_or("the site title cannot be empty")?,
            "description" => settings.description = text.unwrap_or_default(),
            "logo" => settings.logo = url(&text)?,
            "icon" => settings.icon = url(&text)?,
            "cover_image" => settings.cover_image = url(&text)?,
            "accent_color" => {
                let colour = text.ok_or("the accent colour cannot be empty")?;
                settings.accent_color = SiteSettings::parse_accent_color(&colour)
                    .ok_or_else(|| format!("{colour:?} is not a colour like #b3261e"))?;
            }
            "timezone" => {
                let zone = text.ok_or("the time zone cannot be empty")?;
                settings.timezone = Timezone::parse(&zone).map_err(|e| e.to_string())?;
            }
            "locale" => settings.locale = text.ok_or("the language cannot be empty")?,
            "navigation" | "secondary_navigation" => {
                let items: Vec<NavigationItem> = match &text {
                    None => Vec::new(),
                    Some(json) => {
                        serde_json::from_str(json).map_err(|e| format!("not a list of {{label, url}}: {e}"))?
                    }
                };
                let mut kept = Vec::new();
                for item in items {
                    let url = self.resolve(item.url.trim());
                    match masthead_core::check_link(&url) {
                        Ok(()) => kept.push(NavigationItem { label: item.label, url }),
                        Err(e) => notes.push(format!("link {:?} left out: {e}", item.label)),
                    }
                }
                let items = kept;
                if key == "navigation" {
                    settings.navigation = items;
                } else {
                    settings.secondary_navigation = items;
                }
            }
            "twitter" | "facebook" => {
                if let Some(handle) = &text {
                    check_social(handle).map_err(|reason| format!("{reason}; the setting was left as it was"))?;
                }
                if key == "twitter" {
                    settings.twitter = text;
                } else {
                    settings.facebook = text;
                }
            }
            "meta_title" => settings.meta_title = text,
            "meta_description" => settings.meta_description = text,
            "og_image" => settings.og_image = url(&text)?,
            "og_title" => settings.og_title = text,
            "og_description" => settings.og_description = text,
            "twitter_image" => settings.twitter_image = url(&text)?,
            "twitter_title" => settings.twitter_title = text,
            "twitter_description" => settings.twitter_description = text,
            "blocked_email_domains" => {
                settings.blocked_email_domains = match &text {
                    None => Vec::new(),
                    Some(json) => serde_json::from_str(json).map_err(|e| format!("not a list of domains: {e}"))?,
                };
            }
            _ => return Ok(false),
        }
        Ok(true)
    }
}

/// A URL field of a row, with Ghost's `__GHOST_URL__` resolved. An address a page must not show
/// (`javascript:`, `data:`, ...) is left out, with a note for the report.
fn link_field(value: Option<String>, field: &str, notes: &mut Vec<String>) -> Option<String> {
    let url = resolve_placeholder(&value?);
    match masthead_core::check_link(&url) {
        Ok(()) => Some(url),
        Err(e) => {
            notes.push(format!("field \"{field}\": {e}; left out"));
            None
        }
    }
}

/// A social account field: a handle (`@desk`, `pages/desk`) or an `http(s)` address. Anything
/// else is left out, with a note.
fn social_field(value: Option<String>, field: &str, notes: &mut Vec<String>) -> Option<String> {
    let value = value?;
    match check_social(&value) {
        Ok(()) => Some(value),
        Err(reason) => {
            notes.push(format!("field \"{field}\": {reason}; left out"));
            None
        }
    }
}

fn check_social(value: &str) -> Result<(), String> {
    let handle =
        !value.contains(':') && !value.chars().any(|c| c.is_whitespace() || c.is_control() || "<>\"'`".contains(c));
    if handle || masthead_core::check_link(value).is_ok() {
        return Ok(());
    }
    let shown: String = value.chars().take(120).collect();
    Err(format!("{shown:?} is not a handle or an http(s) address"))
}

/// Posts are written this many at a time (or fewer, once their text reaches
/// [`POST_BATCH_BYTES`]), each batch in one transaction.
const POST_BATCH_ROWS: usize = 200;
const POST_BATCH_BYTES: usize = 16 << 20;

/// Post rows read but not yet written or reported, in file order, with what identifies the
/// posts to insert (a later row of the file must not take them).
#[derive(Default)]
struct PostBatch {
    rows: Vec<(usize, Option<Value>, Result<PostStep, RowFailure>)>,
    slugs: std::collections::HashSet<(PostType, String)>,
    ids: std::collections::HashSet<String>,
    uuids: std::collections::HashSet<String>,
    inserts: usize,
    bytes: usize,
}

enum PostStep {
    Done(Outcome),
    Insert(Box<PendingPost>),
}

struct PendingPost {
    imported: ImportedPost,
    /// Notes for the report once the post is written.
    notes: Vec<String>,
}

/// The rows of the post link tables, gathered as the file is read (see [`STREAMED_TABLES`]),
/// with the notes about them for each table in that order.
#[derive(Default)]
struct LinkRows {
    links: PostLinks,
    warnings: [Vec<ImportIssue>; STREAMED_TABLES.len()],
}

impl RowSink for LinkRows {
    fn row(&mut self, table: &str, index: usize, value: Value) {
        let Some(slot) = STREAMED_TABLES.iter().position(|t| *t == table) else { return };
        let warn = |reason: String| ImportIssue {
            table: table.into(),
            row: Some(index),
            key: None,
            reason,
            already_present: false,
        };
        if table == "posts_meta" {
            match Row::of(&value).and_then(|row| row.text("post_id")) {
                Ok(Some(post)) => {
                    if let Value::Object(mut object) = value {
                        // Absent and null read the same; dropping nulls keeps large files small.
                        object.retain(|_, v| !v.is_null());
                        self.links.meta.insert(post, object);
                    }
                }
                Ok(None) => self.warnings[slot].push(warn("the row has no post_id; left out".into())),
                Err(reason) => self.warnings[slot].push(warn(reason)),
            }
            return;
        }
        let (target, map) = match table {
            "posts_tags" => ("tag_id", &mut self.links.tags),
            "posts_authors" => ("author_id", &mut self.links.authors),
            _ => ("product_id", &mut self.links.tiers),
        };
        let link =
            Row::of(&value).and_then(|row| Ok((row.text("post_id")?, row.text(target)?, row.number("sort_order")?)));
        match link {
            Ok((Some(post), Some(target_id), order)) => {
                map.entry(post).or_default().push(Link { order: order.unwrap_or(i64::MAX), index, target: target_id })
            }
            Ok(_) => self.warnings[slot].push(warn(format!("the row needs a post_id and a {target}; left out"))),
            Err(reason) => self.warnings[slot].push(warn(reason)),
        }
    }
}

#[derive(Default)]
struct PostLinks {
    meta: HashMap<String, Map<String, Value>>,
    tags: HashMap<String, Vec<Link>>,
    authors: HashMap<String, Vec<Link>>,
    /// Ghost's `posts_products`: the tiers of posts limited to tiers.
    tiers: HashMap<String, Vec<Link>>,
}

struct Link {
    order: i64,
    /// The link row's position in its table, for messages and as the tie-break.
    index: usize,
    target: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_kept_repaired_or_derived() {
        assert_eq!(
            slug_from(Some("night-shift"), "x").map(|(s, n)| (s.to_string(), n)),
            Ok(("night-shift".into(), None))
        );
        let (slug, note) = slug_from(Some("%D0%BA%D0%B8%D1%97%D0%B2"), "x").expect("decoded");
        assert_eq!(slug.as_str(), "київ");
        assert!(note.is_some());
        assert_eq!(slug_from(None, "Power Cut").map(|(s, _)| s.to_string()), Ok("power-cut".into()));
        assert!(slug_from(Some("!!!"), "???").is_err());
    }

    #[test]
    fn ghost_roles_map_to_ours() {
        assert_eq!(role_from_ghost(Some("Administrator")).0, Role::Administrator);
        assert_eq!(role_from_ghost(Some("Super Editor")).0, Role::Editor);
        assert_eq!(role_from_ghost(Some("Admin Integration")).0, Role::Contributor);
        assert_eq!(role_from_ghost(None).0, Role::Contributor);
    }

    #[test]
    fn issues_read_as_one_line() {
        let issue = ImportIssue {
            table: "posts".into(),
            row: Some(3),
            key: Some("night-shift".into()),
            reason: "field \"status\": \"bogus\" is not published, draft, scheduled or sent".into(),
            already_present: false,
        };
        assert_eq!(
            issue.to_string(),
            "posts row 3 (night-shift): field \"status\": \"bogus\" is not published, draft, scheduled or sent"
        );
    }
}
