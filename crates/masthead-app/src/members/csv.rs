//! Members in and out as Ghost's member CSV, so a newsroom can move its readers from Ghost (or a
//! spreadsheet) to Masthead and back.
//!
//! The columns are Ghost's: `id, email, name, note, subscribed_to_emails, complimentary_plan,
//! stripe_customer_id, created_at, deleted_at, labels, tiers, gift_id`. An export writes all of them in
//! that order; an import needs only `email` and reads the others it knows, whatever their case
//! and order, ignoring the rest.
//!
//! Cells that a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, a tab or a
//! carriage return) are exported behind an apostrophe, the usual guard against formula
//! injection: readers choose their own names. The import takes that apostrophe off again, so an
//! export imports back unchanged.

use std::borrow::Cow;
use std::collections::HashMap;

use masthead_core::{Actor, EmailAddress, Member, MemberStatus, Newsletter, ObjectId, Permission, Tier};
use masthead_storage::{MemberFilter, NewMember, StorageError};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;

use crate::{AppError, Newsroom};

/// Ghost's member CSV columns, in Ghost's order (6.x ends with `gift_id`, always empty here).
pub const COLUMNS: [&str; 12] = [
    "id",
    "email",
    "name",
    "note",
    "subscribed_to_emails",
    "complimentary_plan",
    "stripe_customer_id",
    "created_at",
    "deleted_at",
    "labels",
    "tiers",
    "gift_id",
];

/// Valid rows imported together: the new members among them are created in one transaction.
pub const IMPORT_BATCH: usize = 500;

/// Ghost's limits on a member's name, note and label names (in characters).
const MAX_NAME: usize = 191;
const MAX_NOTE: usize = 2000;
const MAX_LABEL: usize = 191;

/// What an import did. Every row below the header is counted once: `imported + updated +
/// skipped` is the number of those rows (blank lines are not rows, though they count in the
/// row numbers of [`RowError`], as in a spreadsheet).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct ImportReport {
    /// New members created (including addresses on the suppression list, which are imported
    /// without newsletters).
    pub imported: usize,
    /// Rows for members who already existed.
    pub updated: usize,
    /// Rows that changed nothing: rows whose cells are all empty, and the rows in `errors`.
    pub skipped: usize,
    pub errors: Vec<RowError>,
}

/// How a file is imported beyond its own cells.
#[derive(Clone, Debug, Default)]
pub struct ImportOptions {
    /// Labels added to every member imported or updated (say, "Spring fair 2026").
    pub labels: Vec<String>,
    /// The file's own column names mapped to the ones the importer reads (`"E-mail address"` to
    /// `"email"`), as Ghost's importer takes them; unmapped columns keep their names.
    pub mapping: Vec<(String, String)>,
}

/// A row that was not imported, and why.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct RowError {
    /// The row as a spreadsheet numbers it: the header is row 1, the first member row 2.
    pub row: usize,
    /// The address as written in the row (or as far as it could be read).
    pub email: String,
    pub message: String,
}

/// One valid row.
#[derive(Debug)]
struct Entry {
    email: EmailAddress,
    name: Option<String>,
    note: Option<String>,
    /// `None` when the row does not say.
    subscribed: Option<bool>,
    comped: Option<bool>,
    created_at: Option<OffsetDateTime>,
    labels: Vec<String>,
    /// Names (or slugs) of the paid tiers the row lists.
    tiers: Vec<String>,
    stripe_customer_id: Option<String>,
}

enum Outcome {
    Imported,
    Updated,
}

impl ImportReport {
    fn count(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Imported => self.imported += 1,
            Outcome::Updated => self.updated += 1,
        }
    }
}

fn refuse(what: &str) -> AppError {
    AppError::Forbidden(format!("your role does not allow you to {what}"))
}

impl Newsroom {
    /// The members matching `filter` as Ghost's member CSV, oldest first.
    ///
    /// `subscribed_to_emails` is true for members who receive at least one newsletter,
    /// `complimentary_plan` true for comped members (and empty for others, as Ghost writes it); `labels` are the label names separated by
    /// commas; `created_at` is UTC with milliseconds (`2026-11-29T10:00:00.000Z`);
    /// `stripe_customer_id` is the member's Stripe customer and `tiers` the names of their paid
    /// tiers, separated by commas. Deleted members are not kept, so `deleted_at` is empty.
    pub async fn export_members_csv(&self, actor: &Actor, filter: &MemberFilter) -> Result<String, AppError> {
        if !actor.may(Permission::ManageMembers) {
            return Err(refuse("export members"));
        }
        let members = self.db.all_members(filter).await?;
        self.members_csv(&members).await
    }

    /// [`Newsroom::export_members_csv`] for the members an NQL filter matches (the newsroom's
    /// members list, whose filters are NQL), oldest first.
    pub async fn export_filtered_members_csv(
        &self,
        actor: &Actor,
        filter: Option<&masthead_core::nql::Filter>,
    ) -> Result<String, AppError> {
        if !actor.may(Permission::ManageMembers) {
            return Err(refuse("export members"));
        }
        let listing = masthead_storage::Listing {
            resource: masthead_storage::Resource::Members,
            scope: masthead_storage::Scope::Staff,
            filter,
            order: Some("created_at asc"),
            page: masthead_storage::PageRequest::new(1, 100),
            now: masthead_core::now(),
        };
        let ids = self.db.list_all_ids(&listing).await?;
        let mut by_id: HashMap<String, Member> =
            self.db.all_members(&MemberFilter::default()).await?.into_iter().map(|m| (m.id.to_string(), m)).collect();
        let members: Vec<Member> = ids.iter().filter_map(|id| by_id.remove(id)).collect();
        self.members_csv(&members).await
    }

    /// Members as Ghost's member CSV, with their Stripe customers and paid tiers.
    async fn members_csv(&self, members: &[Member]) -> Result<String, AppError> {
        let tiers = self.tiers().await?;
        let mut tiers_of: HashMap<String, Vec<String>> = HashMap::new();
        for (email, slug) in self.db.members_tiers_by_email().await? {
            if let Some(tier) = tiers.iter().find(|t| t.slug.as_str() == slug) {
                tiers_of.entry(email).or_default().push(tier.name.clone());
            }
        }
        let customers = self.db.stripe_customers_by_member().await?;
        let failed =
            |e: &dyn std::fmt::Display| AppError::invalid("file", format!("the export could not be written: {e}"));
        let mut writer = csv::Writer::from_writer(Vec::new());
        writer.write_record(COLUMNS).map_err(|e| failed(&e))?;
        for member in members {
            let customer = customers.get(member.id.as_str()).map_or("", String::as_str);
            let tiers = tiers_of.get(&member.email).map(|t| t.join(",")).unwrap_or_default();
            writer.write_record(export_row(member, customer, &tiers)).map_err(|e| failed(&e))?;
        }
        let bytes = writer.into_inner().map_err(|e| failed(&e))?;
        String::from_utf8(bytes).map_err(|e| failed(&e))
    }

    /// Imports Ghost's member CSV. Only the header's `email` column is required; `name`, `note`,
    /// `subscribed_to_emails` (or Ghost's older `subscribed`), `complimentary_plan`, `created_at`
    /// and `labels` are read when present, matched without regard to case; other columns are
    /// ignored. `extra_label`, when given, is added to every row imported or updated.
    ///
    /// Each row stands alone: rows with problems are reported in [`ImportReport::errors`] with
    /// their spreadsheet row number, and every other row is kept. A row is refused when its
    /// address is not valid or already appeared higher up in the file, when the name is longer
    /// than 191 characters (a note 2000, a label 191), when `created_at` is not RFC 3339 or a
    /// yes/no column is neither true nor false, or when it has more values than the header has
    /// columns (an unquoted comma). Empty rows are skipped.
    ///
    /// New addresses become members with consent source "import", created at `created_at` (or
    /// now), comped when `complimentary_plan` is true. When `subscribed_to_emails` is true,
    /// empty or absent they are subscribed to the active newsletters that new members get
    /// (`subscribe_on_signup`); when it is false, to none.
    ///
    /// Existing members keep their data where the row's cells are empty: a name or note given
    /// replaces theirs, labels are added (never removed), and a free member becomes comped when
    /// `complimentary_plan` is true (nothing is ever downgraded). Their newsletters change only
    /// when the row explicitly says `subscribed_to_emails` true: then they are added to the
    /// sign-up newsletters they are not on, except any they unsubscribed from, which an import
    /// never undoes. False does not unsubscribe anyone: the importer only adds what it was given.
    ///
    /// Addresses on the suppression list are never subscribed to anything. A suppressed address
    /// that is not a member yet is still imported (and counted in `imported`), without
    /// newsletters, so the newsroom keeps the reader's record while no mail goes out.
    ///
    /// A file that cannot be read at all (empty, no `email` column, a column named twice, the
    /// header unreadable) is refused as a whole with [`AppError::Invalid`] on `file` before
    /// anything is stored. A quote that is never closed swallows the rest of the file into one
    /// row: that row is reported (with the line the quote opens on) and the rows above it are
    /// imported. A database failure stops the import; the batches of rows before it stay imported
    /// (valid rows are stored a few hundred at a time, each new member whole or not at all).
    pub async fn import_members_csv(
        &self,
        actor: &Actor,
        csv_text: &str,
        extra_label: Option<&str>,
    ) -> Result<ImportReport, AppError> {
        let options =
            ImportOptions { labels: extra_label.into_iter().map(str::to_owned).collect(), ..Default::default() };
        self.import_members_csv_with(actor, csv_text, &options).await
    }

    /// [`Newsroom::import_members_csv`] adding every label in `options.labels` and reading the
    /// columns under the names `options.mapping` gives them.
    pub async fn import_members_csv_with(
        &self,
        actor: &Actor,
        csv_text: &str,
        options: &ImportOptions,
    ) -> Result<ImportReport, AppError> {
        if !actor.may(Permission::ManageMembers) {
            return Err(refuse("import members"));
        }
        let extra_labels: Vec<&str> = options.labels.iter().map(|l| l.trim()).filter(|l| !l.is_empty()).collect();
        if extra_labels.iter().any(|label| label.chars().count() > MAX_LABEL) {
            return Err(AppError::invalid("label", format!("a label has at most {MAX_LABEL} characters")));
        }
        let mut file = read_file(csv_text)?;
        if !options.mapping.is_empty() {
            file.header = file
                .header
                .iter()
                .map(|name| {
                    let wanted = name.trim();
                    options.mapping.iter().find(|(from, _)| from.trim() == wanted).map_or(name, |(_, to)| to.as_str())
                })
                .collect();
        }
        let columns = Columns::from_header(&file.header)?;
        let signup: Vec<Newsletter> =
            self.db.newsletters(false).await?.into_iter().filter(|n| n.subscribe_on_signup).collect();
        let tiers = self.tiers().await?;

        let mut report = ImportReport::default();
        let mut first_row_of: HashMap<EmailAddress, usize> = HashMap::new();
        let mut batch: Vec<(Entry, Vec<String>)> = Vec::with_capacity(IMPORT_BATCH);
        for row in &file.rows {
            let record = &row.record;
            if let Some(problem) = &row.problem {
                // As much of the address as can be read: up to the first line break.
                let email = Columns::cell(record, Some(columns.email)).unwrap_or("").lines().next().unwrap_or("");
                report.skipped += 1;
                report.errors.push(RowError { row: row.number, email: email.to_owned(), message: problem.clone() });
                continue;
            }
            if record.iter().all(|cell| cell.trim().is_empty()) {
                report.skipped += 1;
                continue;
            }
            let entry = match columns.entry(record, &extra_labels, row.number, &mut first_row_of) {
                Ok(entry) => entry,
                Err(error) => {
                    report.skipped += 1;
                    report.errors.push(error);
                    continue;
                }
            };
            let tier_ids = match tier_ids(&tiers, &entry.tiers) {
                Ok(ids) => ids,
                Err(message) => {
                    report.skipped += 1;
                    report.errors.push(RowError { row: row.number, email: entry.email.to_string(), message });
                    continue;
                }
            };
            batch.push((entry, tier_ids));
            if batch.len() == IMPORT_BATCH {
                let outcome = self.import_batch(std::mem::take(&mut batch), &signup, &tiers, &mut report).await;
                if outcome.is_err() && report.imported + report.updated > 0 {
                    // The batches before the failure stay imported: their members count.
                    self.membership_changed();
                }
                outcome?;
            }
        }
        let outcome = self.import_batch(batch, &signup, &tiers, &mut report).await;
        if outcome.is_err() && report.imported + report.updated > 0 {
            self.membership_changed();
        }
        outcome?;
        if report.imported + report.updated > 0 {
            if report.imported + report.updated >= 1000
                && let Err(error) = self.db.refresh_statistics().await
            {
                tracing::warn!(%error, "could not refresh the database's statistics after the import");
            }
            self.membership_changed();
        }
        tracing::info!(
            imported = report.imported,
            updated = report.updated,
            skipped = report.skipped,
            errors = report.errors.len(),
            "members imported from CSV"
        );
        Ok(report)
    }

    /// Imports a batch of valid rows (addresses distinct): the new members among them in one
    /// transaction, so that a crash leaves each of them whole or absent, then the rows of
    /// existing members one by one, then every row's tiers and Stripe customer. Counts each row
    /// in `report` once it is stored.
    async fn import_batch(
        &self,
        batch: Vec<(Entry, Vec<String>)>,
        signup: &[Newsletter],
        tiers: &[Tier],
        report: &mut ImportReport,
    ) -> Result<(), AppError> {
        if batch.is_empty() {
            return Ok(());
        }
        let emails: Vec<&str> = batch.iter().map(|(entry, _)| entry.email.as_str()).collect();
        let existing = self.db.member_emails_among(&emails).await?;
        let suppressed = self.db.suppressed_among(&emails).await?;
        let (known, new): (Vec<&Entry>, Vec<&Entry>) =
            batch.iter().map(|(entry, _)| entry).partition(|entry| existing.contains(entry.email.as_str()));
        let members: Vec<(NewMember, Vec<ObjectId>)> =
            new.iter().map(|entry| new_member(entry, signup, suppressed.contains(entry.email.as_str()))).collect();
        match self.db.insert_members(&members).await {
            Ok(created) => report.imported += created as usize,
            // Someone signed up with one of these addresses since they were looked up: the new
            // rows of this batch go one by one, each finding out whether it is new.
            Err(StorageError::Conflict { .. }) => {
                for entry in new {
                    report.count(self.import_entry(entry, signup).await?);
                }
            }
            Err(e) => return Err(e.into()),
        }
        for entry in known {
            report.count(self.import_entry(entry, signup).await?);
        }
        for (entry, tier_ids) in &batch {
            self.import_payment_links(entry, tier_ids, tiers).await?;
        }
        Ok(())
    }

    async fn import_entry(&self, entry: &Entry, signup: &[Newsletter]) -> Result<Outcome, AppError> {
        let email = entry.email.as_str();
        let suppressed = self.db.suppression(email).await?.is_some();
        if let Some(member) = self.db.member_by_email(email).await? {
            self.update_from_import(&member, entry, signup, suppressed).await?;
            return Ok(Outcome::Updated);
        }
        let (new, newsletters) = new_member(entry, signup, suppressed);
        match self.db.insert_member(&new, &newsletters).await {
            Ok(_) => Ok(Outcome::Imported),
            // Someone signed up with this address while the file was being imported.
            Err(StorageError::Conflict { .. }) => {
                let member = self.db.member_by_email(email).await?.ok_or(AppError::NotFound("member"))?;
                self.update_from_import(&member, entry, signup, suppressed).await?;
                Ok(Outcome::Updated)
            }
            Err(e) => Err(e.into()),
        }
    }

    /// A row's paid tiers and Stripe customer. Listed tiers give access at once: the member is
    /// put on them, complimentary unless already paying; a Stripe customer is linked, so that
    /// Stripe's next word on their subscription makes them a paying member.
    async fn import_payment_links(&self, entry: &Entry, tier_ids: &[String], tiers: &[Tier]) -> Result<(), AppError> {
        let comped = entry.comped == Some(true);
        if tier_ids.is_empty() && entry.stripe_customer_id.is_none() && !comped {
            return Ok(());
        }
        let member = self.db.member_by_email(entry.email.as_str()).await?.ok_or(AppError::NotFound("member"))?;
        if let Some(customer) = &entry.stripe_customer_id {
            self.db.link_stripe_customer(customer, member.id.as_str(), Some(&member.email)).await?;
        }
        // A complimentary membership is on a tier, as in Ghost: the one listed, else the
        // cheapest active paid tier (for a member on no tier yet).
        let mut tier_ids = tier_ids.to_vec();
        if tier_ids.is_empty()
            && comped
            && member.status == MemberStatus::Comped
            && self.db.member_tier_ids(member.id.as_str()).await?.is_empty()
            && let Some(default) = tiers.iter().find(|t| t.tier_type == masthead_core::TierType::Paid && t.active)
        {
            tier_ids.push(default.id.to_string());
        }
        if !tier_ids.is_empty() {
            if member.status == MemberStatus::Free {
                let labels: Option<&[String]> = None;
                self.db
                    .update_member(
                        &member.id,
                        &member.email,
                        member.name.as_deref(),
                        member.note.as_deref(),
                        MemberStatus::Comped,
                        labels,
                    )
                    .await?;
            }
            self.db.set_member_tiers(member.id.as_str(), &tier_ids).await?;
        }
        Ok(())
    }

    async fn update_from_import(
        &self,
        member: &Member,
        entry: &Entry,
        signup: &[Newsletter],
        suppressed: bool,
    ) -> Result<(), AppError> {
        let name = entry.name.as_deref().or(member.name.as_deref());
        let note = entry.note.as_deref().or(member.note.as_deref());
        let status = if entry.comped == Some(true) && member.status == MemberStatus::Free {
            MemberStatus::Comped
        } else {
            member.status
        };
        let mut labels: Vec<String> = member.labels.iter().map(|l| l.name.clone()).collect();
        let before = labels.len();
        for label in &entry.labels {
            if !labels.iter().any(|l| l.to_lowercase() == label.to_lowercase()) {
                labels.push(label.clone());
            }
        }
        let labels_added = labels.len() > before;
        if name != member.name.as_deref() || note != member.note.as_deref() || status != member.status || labels_added {
            self.db
                .update_member(&member.id, &member.email, name, note, status, labels_added.then_some(labels.as_slice()))
                .await?;
        }
        if entry.subscribed == Some(true) && !suppressed {
            let left = self.db.unsubscribed_newsletters(&member.id).await?;
            let choices: Vec<(ObjectId, bool)> = signup
                .iter()
                .filter(|n| {
                    let slug = n.slug.as_str();
                    !member.newsletters.iter().any(|s| s == slug) && !left.iter().any(|s| s == slug)
                })
                .map(|n| (n.id.clone(), true))
                .collect();
            if !choices.is_empty() {
                self.db.set_subscriptions(&member.id, &choices, "import").await?;
            }
        }
        Ok(())
    }
}

/// The member a row creates, and the newsletters it gets: the sign-up newsletters unless the
/// row says `subscribed_to_emails` false or the address is suppressed.
fn new_member(entry: &Entry, signup: &[Newsletter], suppressed: bool) -> (NewMember, Vec<ObjectId>) {
    let newsletters: Vec<ObjectId> = if suppressed || entry.subscribed == Some(false) {
        Vec::new()
    } else {
        signup.iter().map(|n| n.id.clone()).collect()
    };
    let new = NewMember {
        email: entry.email.as_str().to_owned(),
        name: entry.name.clone(),
        note: entry.note.clone(),
        status: if entry.comped == Some(true) { MemberStatus::Comped } else { MemberStatus::Free },
        labels: entry.labels.clone(),
        consent_source: "import".into(),
        consent_ip: None,
        created_at: entry.created_at.unwrap_or_else(masthead_core::now),
    };
    (new, newsletters)
}

// ---- export --------------------------------------------------------------------------------

/// The ids of the paid tiers a row names (by name or slug, in any case).
fn tier_ids(tiers: &[masthead_core::Tier], names: &[String]) -> Result<Vec<String>, String> {
    let mut ids: Vec<String> = Vec::new();
    for name in names {
        let wanted = name.to_lowercase();
        let tier = tiers.iter().find(|t| t.name.to_lowercase() == wanted || t.slug.as_str() == wanted);
        match tier {
            Some(t) if t.tier_type == masthead_core::TierType::Free => {}
            Some(t) => {
                if !ids.contains(&t.id.to_string()) {
                    ids.push(t.id.to_string());
                }
            }
            None => {
                return Err(format!(
                    "The tier {name:?} does not exist here. Add it first (or import the site's JSON export, which \
                     carries its tiers), then import this file again."
                ));
            }
        }
    }
    Ok(ids)
}

fn export_row(member: &Member, stripe_customer: &str, tiers: &str) -> [String; 12] {
    let created_at = member
        .created_at
        .to_offset(time::UtcOffset::UTC)
        .format(format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"))
        .unwrap_or_default();
    let labels = member.labels.iter().map(|l| l.name.as_str()).collect::<Vec<_>>().join(",");
    [
        member.id.to_string(),
        protect(&member.email).into_owned(),
        protect(member.name.as_deref().unwrap_or("")).into_owned(),
        protect(member.note.as_deref().unwrap_or("")).into_owned(),
        (!member.newsletters.is_empty()).to_string(),
        // As Ghost writes it: true, or nothing.
        if member.status == MemberStatus::Comped { "true".to_owned() } else { String::new() },
        stripe_customer.to_owned(),
        created_at,
        String::new(),
        protect(&labels).into_owned(),
        protect(tiers).into_owned(),
        String::new(),
    ]
}

/// First characters that make a spreadsheet treat a cell as a formula, and the apostrophe that
/// guards them (so that a value really starting with one survives the round trip).
const GUARDED: [char; 7] = ['=', '+', '-', '@', '\t', '\r', '\''];

/// A cell as exported: behind an apostrophe when a spreadsheet would run it as a formula.
fn protect(value: &str) -> Cow<'_, str> {
    if value.starts_with(GUARDED) { Cow::Owned(format!("'{value}")) } else { Cow::Borrowed(value) }
}

/// The inverse of [`protect`].
fn unprotect(value: &str) -> &str {
    match value.strip_prefix('\'') {
        Some(rest) if rest.starts_with(GUARDED) => rest,
        _ => value,
    }
}

// ---- reading the file ----------------------------------------------------------------------

/// A data row: its fields, and why it could not be read if it could not.
struct RawRow {
    number: usize,
    record: csv::StringRecord,
    problem: Option<String>,
}

struct RawFile {
    header: csv::StringRecord,
    rows: Vec<RawRow>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Scan {
    FieldStart,
    Unquoted,
    Quoted,
    QuoteInQuoted,
}

/// Reads `bytes`, which start at the beginning of a record, the way the csv crate does, and
/// returns how many rows end in them (line breaks outside quotes, `\r\n` counting once) and
/// whether they end inside a quoted value.
fn scan(bytes: &[u8]) -> (usize, bool) {
    let mut state = Scan::FieldStart;
    let mut breaks = 0;
    for (i, &byte) in bytes.iter().enumerate() {
        state = match (state, byte) {
            (Scan::Quoted, b'"') => Scan::QuoteInQuoted,
            (Scan::Quoted, _) => Scan::Quoted,
            (Scan::QuoteInQuoted, b'"') | (Scan::FieldStart, b'"') => Scan::Quoted,
            (_, b',') => Scan::FieldStart,
            (_, b'\n' | b'\r') => {
                if byte == b'\n' || bytes.get(i + 1) != Some(&b'\n') {
                    breaks += 1;
                }
                Scan::FieldStart
            }
            _ => Scan::Unquoted,
        };
    }
    (breaks, state == Scan::Quoted)
}

/// Splits the file into the header and the data rows, numbering rows as a spreadsheet does
/// (blank lines count; line breaks inside quoted values do not).
fn read_file(text: &str) -> Result<RawFile, AppError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let bytes = text.as_bytes();
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(bytes);
    // The start of the last record seen, and its row number.
    let (mut cursor, mut row) = (0usize, 1usize);
    // The csv crate places a record where it started reading it, before any blank lines it
    // skipped; move past those to where the record really starts, counting lines.
    let mut row_at = |byte: u64, line: u64| {
        let (mut byte, mut line) = (usize::try_from(byte).unwrap_or(usize::MAX).clamp(cursor, bytes.len()), line);
        while let Some(&b) = bytes.get(byte).filter(|b| matches!(b, b'\n' | b'\r')) {
            if b == b'\n' || bytes.get(byte + 1) != Some(&b'\n') {
                line += 1;
            }
            byte += 1;
        }
        row += scan(&bytes[cursor..byte]).0;
        cursor = byte;
        (row, byte, line)
    };
    let mut header: Option<csv::StringRecord> = None;
    let mut rows = Vec::new();
    // Where the last record starts, and on which line.
    let mut last: Option<(usize, u64)> = None;
    for result in reader.records() {
        match result {
            Ok(record) => {
                let (byte, line) = record.position().map_or((0, 1), |p| (p.byte(), p.line()));
                let (number, start, line) = row_at(byte, line);
                last = Some((start, line));
                if header.is_none() {
                    header = Some(record);
                } else {
                    rows.push(RawRow { number, record, problem: None });
                }
            }
            Err(error) => match error.position() {
                Some(position) if header.is_some() => {
                    let (number, _, line) = row_at(position.byte(), position.line());
                    let problem = Some(format!("Line {line} could not be read: {error}"));
                    rows.push(RawRow { number, record: csv::StringRecord::new(), problem });
                    last = None;
                }
                Some(position) => {
                    return Err(AppError::invalid(
                        "file",
                        format!("Line {} (the row naming the columns) could not be read: {error}", position.line()),
                    ));
                }
                None => return Err(AppError::invalid("file", format!("The file could not be read as CSV: {error}"))),
            },
        }
    }
    let Some(header) = header else {
        return Err(AppError::invalid(
            "file",
            "The file is empty. Its first row must name the columns (at least \"email\"), with a row for each member \
             below it.",
        ));
    };
    if let Some((start, line)) = last
        && scan(&bytes[start..]).1
    {
        let last_line = line as usize + text[start..].trim_end().matches('\n').count();
        let Some(broken) = rows.last_mut() else {
            return Err(AppError::invalid(
                "file",
                format!(
                    "Line {line}: a value starting with a double quote (\") is never closed, so the whole file was \
                     read as the row naming the columns. Close the quote and import the file again."
                ),
            ));
        };
        broken.problem = Some(format!(
            "A value starting with a double quote (\") on line {line} is never closed, so lines {line} to {last_line} \
             were read as this one row and none of them was imported. Close the quote (write \"\" for a quote inside \
             a value) and import the file again."
        ));
    }
    Ok(RawFile { header, rows })
}

// ---- columns and rows ----------------------------------------------------------------------

struct Columns {
    email: usize,
    name: Option<usize>,
    note: Option<usize>,
    subscribed: Option<usize>,
    comped: Option<usize>,
    created_at: Option<usize>,
    labels: Option<usize>,
    tiers: Option<usize>,
    stripe_customer_id: Option<usize>,
    count: usize,
}

impl Columns {
    fn from_header(header: &csv::StringRecord) -> Result<Self, AppError> {
        let names: Vec<String> = header.iter().map(|h| h.trim().to_lowercase()).collect();
        let find = |wanted: &[&str]| -> Result<Option<usize>, AppError> {
            let found: Vec<usize> =
                names.iter().enumerate().filter(|(_, n)| wanted.contains(&n.as_str())).map(|(i, _)| i).collect();
            match found.as_slice() {
                [] => Ok(None),
                [one] => Ok(Some(*one)),
                [first, second, ..] => Err(AppError::invalid(
                    "file",
                    format!(
                        "Columns {} and {} of the first row both give the {:?} column. Keep one of them.",
                        first + 1,
                        second + 1,
                        wanted[0]
                    ),
                )),
            }
        };
        let Some(email) = find(&["email"])? else {
            let shown: Vec<String> = header.iter().map(|h| format!("{:?}", h.trim())).collect();
            let mut message = format!(
                "The first row must name the columns, and one of them must be \"email\". This file's first row is: {}.",
                shown.join(", ")
            );
            if header.iter().any(|h| h.contains('@')) {
                message.push_str(
                    " It looks like a member: add a first row naming the columns, such as email,name,labels.",
                );
            }
            return Err(AppError::invalid("file", message));
        };
        Ok(Self {
            email,
            name: find(&["name"])?,
            note: find(&["note"])?,
            subscribed: find(&["subscribed_to_emails", "subscribed"])?,
            comped: find(&["complimentary_plan"])?,
            created_at: find(&["created_at"])?,
            labels: find(&["labels"])?,
            tiers: find(&["tiers"])?,
            stripe_customer_id: find(&["stripe_customer_id"])?,
            count: names.len(),
        })
    }

    /// A cell, trimmed and without its formula guard; `None` when the column is absent or the
    /// cell empty.
    fn cell(record: &csv::StringRecord, column: Option<usize>) -> Option<&str> {
        column.and_then(|c| record.get(c)).map(|v| unprotect(v.trim()).trim()).filter(|v| !v.is_empty())
    }

    fn yes_no(record: &csv::StringRecord, column: Option<usize>, name: &str) -> Result<Option<bool>, String> {
        let Some(value) = Self::cell(record, column) else { return Ok(None) };
        match value.to_lowercase().as_str() {
            "true" | "yes" | "1" => Ok(Some(true)),
            "false" | "no" | "0" => Ok(Some(false)),
            _ => Err(format!("{name} is {value:?}: write true or false.")),
        }
    }

    /// Checks one row. The first row with an address claims it: later rows with the same one
    /// are refused.
    fn entry(
        &self,
        record: &csv::StringRecord,
        extra_labels: &[&str],
        row: usize,
        first_row_of: &mut HashMap<EmailAddress, usize>,
    ) -> Result<Entry, RowError> {
        let raw = Self::cell(record, Some(self.email)).unwrap_or("");
        let email =
            EmailAddress::parse(raw).map_err(|e| RowError { row, email: raw.to_owned(), message: e.to_string() })?;
        let fail = |message: String| RowError { row, email: email.to_string(), message };
        if let Some(first) = first_row_of.get(&email) {
            return Err(fail(format!(
                "{email} is already in row {first}; only the first row for an address is imported."
            )));
        }
        first_row_of.insert(email.clone(), row);
        let surplus = record.iter().skip(self.count).filter(|v| !v.trim().is_empty()).count();
        if surplus > 0 {
            return Err(fail(format!(
                "This row has more values than the first row has columns ({}). A value with a comma in it must be in \
                 double quotes.",
                self.count
            )));
        }
        let name = Self::cell(record, self.name).map(str::to_owned);
        if let Some(name) = &name
            && name.chars().count() > MAX_NAME
        {
            return Err(fail(format!(
                "The name is too long: {} characters, at most {MAX_NAME}.",
                name.chars().count()
            )));
        }
        let note = Self::cell(record, self.note).map(str::to_owned);
        if let Some(note) = &note
            && note.chars().count() > MAX_NOTE
        {
            return Err(fail(format!(
                "The note is too long: {} characters, at most {MAX_NOTE}.",
                note.chars().count()
            )));
        }
        let subscribed = Self::yes_no(record, self.subscribed, "subscribed_to_emails").map_err(&fail)?;
        let comped = Self::yes_no(record, self.comped, "complimentary_plan").map_err(&fail)?;
        let created_at = match Self::cell(record, self.created_at) {
            None => None,
            Some(value) => Some(OffsetDateTime::parse(value, &Rfc3339).map_err(|_| {
                fail(format!("created_at {value:?} is not a date and time such as 2026-11-29T10:00:00.000Z."))
            })?),
        };
        let mut labels: Vec<String> = Vec::new();
        let given = Self::cell(record, self.labels).unwrap_or("");
        for label in given.split(',').map(str::trim).chain(extra_labels.iter().copied()).filter(|l| !l.is_empty()) {
            if label.chars().count() > MAX_LABEL {
                return Err(fail(format!("The label {label:?} is too long: at most {MAX_LABEL} characters.")));
            }
            if !labels.iter().any(|l| l.to_lowercase() == label.to_lowercase()) {
                labels.push(label.to_owned());
            }
        }
        let tiers = Self::cell(record, self.tiers)
            .unwrap_or("")
            .split(',')
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
            .collect();
        let stripe_customer_id = Self::cell(record, self.stripe_customer_id).map(str::to_owned);
        if let Some(customer) = &stripe_customer_id
            && !customer.starts_with("cus_")
        {
            return Err(fail(format!("stripe_customer_id {customer:?} is not a Stripe customer id (cus_...).")));
        }
        Ok(Entry { email, name, note, subscribed, comped, created_at, labels, tiers, stripe_customer_id })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_counted_as_a_spreadsheet_shows_them() {
        assert_eq!(scan(b"a,b\nc,d\n"), (2, false));
        assert_eq!(
            scan(b"a,\"two\nlines\"\r\nc\r\n\r\n"),
            (3, false),
            "the quoted break is not a row; CRLF counts once"
        );
        assert_eq!(scan(b"a,\"say \"\"hi\"\"\",b\n"), (1, false));
        assert_eq!(scan(b"a,b\"c,\"d\ne"), (0, true), "a quote inside a value is literal; one at the start opens");
        assert_eq!(scan(b"x\ry\n"), (2, false), "a lone carriage return ends a row");
    }

    #[test]
    fn row_numbers_count_blank_lines_but_not_quoted_breaks() {
        let file = read_file("\u{feff}email,note\na@example.org,\"one\ntwo\"\n\nb@example.org,\n").expect("reads");
        assert_eq!(file.header.get(0), Some("email"), "the byte order mark is dropped");
        let numbers: Vec<usize> = file.rows.iter().map(|r| r.number).collect();
        assert_eq!(numbers, [2, 4]);
    }

    #[test]
    fn an_unclosed_quote_is_reported_on_its_row() {
        let file = read_file("email,name\na@example.org,Ann\nb@example.org,\"Bob\nc@example.org,Cy\n").expect("reads");
        assert_eq!(file.rows.len(), 2);
        assert!(file.rows[0].problem.is_none());
        let broken = &file.rows[1];
        assert_eq!((broken.number, broken.record.get(0)), (3, Some("b@example.org")));
        let message = broken.problem.as_deref().expect("broken");
        assert!(message.contains("on line 3 is never closed, so lines 3 to 4"), "{message}");
        assert!(matches!(read_file("email,\"name\na@example.org"), Err(AppError::Invalid { field: "file", .. })));
    }

    #[test]
    fn formula_guards_round_trip() {
        for value in ["=SUM(A1)", "+1", "-x", "@me", "'=x", "'tis", "''", "plain", "", "'"] {
            assert_eq!(unprotect(&protect(value)), value, "{value:?}");
        }
        assert_eq!(protect("=1+1"), "'=1+1");
        assert_eq!(protect("'tis"), "''tis");
        assert_eq!(protect("Ann"), "Ann");
    }
}
