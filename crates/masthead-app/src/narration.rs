//! Narration: every published story gets an audio version, read by the newsroom's voice.
//!
//! Publishing a story, or changing its headline, byline or body once it is live, queues a
//! `narrate_post` job in the same transaction as the save. The job works out the words to say
//! (the headline, a "By ..." line and the body, without captions, code or embeds), makes them
//! speakable with the newsroom's pronunciation lexicon, and hashes them with the voice and
//! speed: a story whose hash matches its ready audio is not narrated again. Otherwise the
//! engine speaks it sentence by sentence on a thread of its own at the lowest OS priority, one
//! narration at a time per instance, so serving pages is never slowed; the MP3 is stored under
//! a key named by the hash, the story's row is pointed at it in one update, and only then is the
//! previous file deleted. A job killed half-way leaves the old audio in place and runs again
//! when its lease runs out.

use std::sync::{Arc, RwLock};

use masthead_core::narration::Lexicon;
use masthead_core::{Actor, NarrationSettings, ObjectId, Permission, Post, PostStatus, PostType};
use masthead_narration::{Engine, EngineError, NarrationError, VoiceSettings};
use masthead_storage::{FinishedNarration, NarrationRecord};
use sha2::{Digest, Sha256};
use tokio::sync::Semaphore;

use crate::jobs::Job;
use crate::{AppError, ContentChange, Newsroom};

/// The longest word or phrase the lexicon takes.
pub const MAX_LEXICON_WORD_LEN: usize = 100;
/// The longest spoken form.
pub const MAX_LEXICON_SPOKEN_LEN: usize = 200;
/// Sentences longer than this are cut at clauses before an engine gets them: engines slur or
/// drift over very long inputs.
const MAX_CHUNK_CHARS: usize = 250;

/// The engine this instance narrates with, and the one-at-a-time rule. Clones share both, so
/// a voice that finishes installing in the background is used by every clone at once.
#[derive(Clone)]
pub struct Narrator {
    voice: Arc<RwLock<Voice>>,
    /// Narration uses at most one core per instance.
    one_at_a_time: Arc<Semaphore>,
}

/// Where this instance's voice stands.
#[derive(Clone)]
pub enum Voice {
    /// Narrations use this engine.
    Ready(Arc<dyn Engine>),
    /// A voice is being installed in the background; narrations wait in the queue for it. The
    /// text is the installer's latest step.
    Installing(String),
    /// No engine, and why, in words that say how to get one. Narrations fail with this.
    Unavailable(String),
}

impl Voice {
    /// The engine, if there is one.
    pub fn engine_ready(self) -> Option<Arc<dyn Engine>> {
        match self {
            Self::Ready(engine) => Some(engine),
            _ => None,
        }
    }
}

impl std::fmt::Debug for Narrator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.voice() {
            Voice::Ready(engine) => write!(f, "Narrator({})", engine.name()),
            Voice::Installing(step) => write!(f, "Narrator(installing: {step})"),
            Voice::Unavailable(why) => write!(f, "Narrator(unavailable: {why})"),
        }
    }
}

impl Default for Narrator {
    fn default() -> Self {
        Self::unavailable(
            "No narration engine is installed. Install a voice with `masthead voices install`, or install \
             espeak-ng (`apt-get install espeak-ng`), or configure a speech API, then restart.",
        )
    }
}

impl Narrator {
    pub fn new(engine: Arc<dyn Engine>) -> Self {
        Self::with(Voice::Ready(engine))
    }

    /// No engine: every narration fails with `reason` until an operator provides one.
    pub fn unavailable(reason: impl Into<String>) -> Self {
        Self::with(Voice::Unavailable(reason.into()))
    }

    /// A voice is being installed: narrations wait until [`Newsroom::voice_installed`] or
    /// [`Newsroom::voice_not_installed`] says how it went.
    pub fn installing(step: impl Into<String>) -> Self {
        Self::with(Voice::Installing(step.into()))
    }

    fn with(voice: Voice) -> Self {
        Self { voice: Arc::new(RwLock::new(voice)), one_at_a_time: Arc::new(Semaphore::new(1)) }
    }

    /// The voice as it stands now.
    pub fn voice(&self) -> Voice {
        self.voice.read().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }

    fn set(&self, voice: Voice) {
        *self.voice.write().unwrap_or_else(std::sync::PoisonError::into_inner) = voice;
    }

    /// Records the installer's latest step, shown to staff while narrations wait.
    pub fn installing_step(&self, step: impl Into<String>) {
        let mut voice = self.voice.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        if matches!(*voice, Voice::Installing(_)) {
            *voice = Voice::Installing(step.into());
        }
    }

    fn is_installing(&self) -> bool {
        matches!(*self.voice.read().unwrap_or_else(std::sync::PoisonError::into_inner), Voice::Installing(_))
    }
}

/// A story's narration as staff see it.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct NarrationStatus {
    /// `none`, `queued`, `narrating`, `ready`, `failed` or `opted_out`.
    pub status: &'static str,
    pub reason: Option<String>,
    /// The audio readers get now (kept through a failed or running re-narration).
    pub audio_url: Option<String>,
    pub duration_seconds: Option<f64>,
    pub engine: Option<String>,
}

/// The public address of a stored narration.
pub fn audio_url(key: &str) -> String {
    format!("/content/{key}")
}

/// The audio of a story readers may be offered: its URL, length in seconds and size.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct NarrationAudio {
    pub url: String,
    pub duration_seconds: f64,
    pub bytes: i64,
    pub content_type: &'static str,
}

impl NarrationAudio {
    pub fn from_record(record: &NarrationRecord) -> Option<Self> {
        let (key, duration_ms, bytes) = record.audio()?;
        Some(Self {
            url: audio_url(key),
            duration_seconds: duration_ms as f64 / 1000.0,
            bytes,
            content_type: "audio/mpeg",
        })
    }
}

/// What the engine is asked to say, and the hash that names it.
struct Script {
    paragraphs: Vec<Vec<String>>,
    hash: String,
}

fn script(post: &Post, lexicon: &Lexicon, engine: &str, voice: &VoiceSettings) -> Script {
    let paragraphs: Vec<Vec<String>> = spoken_paragraphs(post)
        .iter()
        .map(|paragraph| masthead_core::narration::spoken_sentences(paragraph, lexicon, MAX_CHUNK_CHARS))
        .map(|sentences| sentences.into_iter().filter(|s| !s.trim().is_empty()).collect::<Vec<_>>())
        .filter(|sentences| !sentences.is_empty())
        .collect();
    let mut hasher = Sha256::new();
    hasher.update(format!("{engine}\n{}\n{}\n", voice.voice, voice.speed));
    for paragraph in &paragraphs {
        for sentence in paragraph {
            hasher.update(sentence.as_bytes());
            hasher.update(b"\n");
        }
        hasher.update(b"\n");
    }
    let hash = hex::encode(&hasher.finalize()[..16]);
    Script { paragraphs, hash }
}

/// The paragraphs read aloud: the headline, the byline, the body without captions, code or
/// embeds.
fn spoken_paragraphs(post: &Post) -> Vec<String> {
    let authors: Vec<&str> = post.authors.iter().map(|a| a.name.as_str()).collect();
    masthead_render::narration::spoken_text(&post.title, &authors, &post.html)
}

/// Whether a story gets a narration when it is saved this way: it is a live post (not a page)
/// and it just went live, or what is read aloud (headline, byline, body) changed.
pub(crate) fn narration_due(existing: Option<&Post>, post: &Post) -> bool {
    if post.post_type != PostType::Post || post.status != PostStatus::Published {
        return false;
    }
    let Some(existing) = existing.filter(|e| e.status == PostStatus::Published) else { return true };
    existing.title != post.title
        || existing.html != post.html
        || existing.authors.iter().map(|a| &a.id).ne(post.authors.iter().map(|a| &a.id))
}

fn refuse(what: &str) -> AppError {
    AppError::Forbidden(format!("Your role does not allow you to {what}."))
}

impl Newsroom {
    /// The same newsroom narrating with `engine` (boot picks it; tests pass a real one).
    pub fn with_narrator(mut self, narrator: Narrator) -> Self {
        self.narrator = narrator;
        self
    }

    pub fn narrator(&self) -> &Narrator {
        &self.narrator
    }

    /// The voice finished installing in the background: stories are narrated with it from now
    /// on. Every live story is queued, newest first; a story whose audio this voice already made
    /// from the same words is skipped when its job runs. Returns how many were queued.
    pub async fn voice_installed(&self, engine: Arc<dyn Engine>) -> Result<usize, AppError> {
        tracing::info!(engine = engine.name(), "the voice is ready; narrating the stories that need it");
        self.narrator.set(Voice::Ready(engine));
        self.narrate_live_stories().await
    }

    /// The voice could not be installed (`why` says why and how to fix it): the waiting
    /// narrations go ahead with `fallback` if there is one, and otherwise fail saying `why`.
    pub fn voice_not_installed(&self, fallback: Option<Arc<dyn Engine>>, why: &str) {
        match fallback {
            Some(engine) => {
                tracing::warn!(engine = engine.name(), "{why}; narrating with {} instead", engine.name());
                self.narrator.set(Voice::Ready(engine));
            }
            None => {
                tracing::warn!("{why}");
                self.narrator.set(Voice::Unavailable(why.to_owned()));
            }
        }
        self.jobs.wake();
    }

    /// Queues a narration of every live story not opted out. Each job skips a story already
    /// narrated as it would be now (same words, voice and speed), so this is how a new voice, a
    /// new speed or a lexicon change reaches the stories it changes.
    async fn narrate_live_stories(&self) -> Result<usize, AppError> {
        if !self.db.narration_settings().await?.enabled {
            return Ok(0);
        }
        let ids = self.db.narratable_post_ids().await?;
        let now = masthead_core::now();
        // Newest first: each a millisecond after the one before, so the front page speaks first.
        let jobs: Vec<_> = ids
            .iter()
            .enumerate()
            .map(|(i, id)| {
                Job::NarratePost { post_id: id.clone(), force: false }.at(now + time::Duration::milliseconds(i as i64))
            })
            .collect();
        self.db.apply_job_changes(&jobs).await?;
        self.jobs.wake();
        Ok(ids.len())
    }

    /// Whether narration jobs should wait: the voice is still being installed.
    pub(crate) fn narration_waits_for_voice(&self) -> bool {
        self.narrator.is_installing()
    }

    /// The `narrate_post` job: narrates the story if it is live, narrated, not opted out and
    /// not already narrated as it reads now (`force` narrates it again anyway).
    pub(crate) async fn narrate_post(&self, post_id: &ObjectId, force: bool) -> Result<(), AppError> {
        let Some(post) = self.db.post_by_id(post_id).await? else { return Ok(()) };
        if post.post_type != PostType::Post || post.status != PostStatus::Published {
            return Ok(());
        }
        let settings = self.db.narration_settings().await?;
        if !settings.enabled {
            return Ok(());
        }
        if self.db.narration_opted_out(post_id).await? {
            return self.drop_narration(&post).await;
        }
        let engine = match self.narrator.voice() {
            Voice::Ready(engine) => engine,
            // Picked up by a caller that does not wait for the voice: try again later.
            Voice::Installing(step) => {
                return Err(AppError::Unavailable(format!("waiting for the voice to be installed ({step})")));
            }
            Voice::Unavailable(why) => {
                self.db.fail_narration(post_id, None, &why).await?;
                return Ok(());
            }
        };
        let voice = VoiceSettings { voice: settings.voice.clone(), speed: settings.speed };
        let lexicon = self.lexicon().await?;
        let script = script(&post, &lexicon, engine.name(), &voice);
        let existing = self.db.narration(post_id).await?;
        if !force
            && let Some(existing) = &existing
            && existing.audio_key.is_some()
            && existing.text_hash.as_deref() == Some(script.hash.as_str())
        {
            self.db.keep_narration(post_id).await?;
            return Ok(());
        }
        self.db.start_narration(post_id, &script.hash).await?;
        let started = std::time::Instant::now();
        let spoken = match self.synthesize(engine, script.paragraphs, voice.clone()).await {
            Ok(spoken) => spoken,
            Err(reason) => {
                tracing::warn!(post = %post.slug, %reason, "narration failed");
                self.db.fail_narration(post_id, Some(&script.hash), &reason).await?;
                return Ok(());
            }
        };
        let key = format!("narrations/{post_id}/{}.mp3", script.hash);
        let bytes = spoken.mp3.len() as i64;
        self.media.put(&key, spoken.mp3).await?;
        let done = FinishedNarration {
            hash: &script.hash,
            audio_key: &key,
            duration_ms: (spoken.seconds * 1000.0).round() as i64,
            bytes,
            engine: spoken.engine,
            voice: &voice.voice,
        };
        match self.db.finish_narration(post_id, &done).await? {
            Some(previous) => {
                if let Some(previous) = previous.filter(|p| *p != key) {
                    self.media.delete(&previous).await?;
                }
                tracing::info!(
                    post = %post.slug,
                    seconds = spoken.seconds,
                    took_ms = started.elapsed().as_millis() as u64,
                    "narrated"
                );
                self.announce_narration(&post);
            }
            // A newer narration of the story started meanwhile; it will replace the audio.
            None => self.media.delete(&key).await?,
        }
        Ok(())
    }

    /// Speaks the script on a thread of its own at the lowest priority, one narration at a time.
    async fn synthesize(
        &self,
        engine: Arc<dyn Engine>,
        paragraphs: Vec<Vec<String>>,
        voice: VoiceSettings,
    ) -> Result<Spoken, String> {
        let _permit = Arc::clone(&self.narrator.one_at_a_time)
            .acquire_owned()
            .await
            .map_err(|_| "narration is shutting down".to_owned())?;
        let (sender, receiver) = tokio::sync::oneshot::channel();
        // A thread of its own rather than the blocking pool: its lowered priority cannot be
        // raised again, and must not stay with a pool thread that later hashes a password.
        std::thread::Builder::new()
            .name("narration".into())
            .spawn(move || {
                if let Err(error) = thread_priority::set_current_thread_priority(thread_priority::ThreadPriority::Min) {
                    tracing::debug!(%error, "could not lower the narration thread's priority");
                }
                let outcome = masthead_narration::narrate(engine.as_ref(), &paragraphs, &voice)
                    .map(|n| Spoken { mp3: n.mp3, seconds: n.seconds, engine: n.engine })
                    .map_err(|e| describe_failure(&e));
                let _ = sender.send(outcome);
            })
            .map_err(|e| format!("could not start the narration thread: {e}"))?;
        receiver.await.map_err(|_| "the narration thread stopped".to_owned())?
    }

    async fn lexicon(&self) -> Result<Lexicon, AppError> {
        let mut entries = self.db.pronunciations().await?;
        // The lexicon matches ignoring case; should two spellings of a word be stored, the first wins.
        let mut seen = std::collections::HashSet::new();
        entries.retain(|p| seen.insert(p.word.to_lowercase()));
        Lexicon::parse(entries.into_iter().map(|p| (p.word, p.spoken)))
            .map_err(|e| AppError::invalid("pronunciations", e.to_string()))
    }

    /// Removes a story's audio (it was opted out).
    async fn drop_narration(&self, post: &Post) -> Result<(), AppError> {
        if let Some(key) = self.db.delete_narration(&post.id).await? {
            self.media.delete(&key).await?;
        }
        self.announce_narration(post);
        Ok(())
    }

    fn announce_narration(&self, post: &Post) {
        self.changes.publish(&ContentChange::Narration(post.id.clone()));
    }

    /// Where a newsletter sends readers to listen: the story's player. The email is written
    /// as the story goes out, usually before its audio is ready, so the link is to the page,
    /// where the audio plays once it is; stories that will not be narrated get none.
    pub(crate) async fn listen_url(&self, post: &Post, site_url: &str) -> Result<Option<String>, AppError> {
        if post.post_type != PostType::Post
            || post.status == PostStatus::Sent
            || !self.db.narration_settings().await?.enabled
            || self.db.narration_opted_out(&post.id).await?
        {
            return Ok(None);
        }
        let narrated = !matches!(self.narrator.voice(), Voice::Unavailable(_))
            || self.db.narration(&post.id).await?.is_some_and(|n| n.audio_key.is_some());
        Ok(narrated.then(|| format!("{site_url}/{}/#listen", post.slug)))
    }

    /// The story's narration as the editor shows it.
    pub async fn narration_status(&self, post_id: &ObjectId) -> Result<NarrationStatus, AppError> {
        let record = self.db.narration(post_id).await?;
        let audio = record.as_ref().and_then(NarrationAudio::from_record);
        let status = if self.db.narration_opted_out(post_id).await? {
            "opted_out"
        } else if self.db.narration_queued(post_id).await? && record.as_ref().is_none_or(|r| r.status != "narrating") {
            "queued"
        } else {
            match record.as_ref().map(|r| r.status.as_str()) {
                Some("narrating") => "narrating",
                Some("ready") => "ready",
                Some("failed") => "failed",
                _ => "none",
            }
        };
        let reason = match (status, self.narrator.voice()) {
            ("queued", Voice::Installing(step)) => Some(format!("Waiting for the voice to be installed: {step}")),
            _ => record.as_ref().filter(|r| r.status == "failed").and_then(|r| r.reason.clone()),
        };
        Ok(NarrationStatus {
            status,
            reason,
            audio_url: audio.as_ref().map(|a| a.url.clone()),
            duration_seconds: audio.map(|a| a.duration_seconds),
            engine: record.and_then(|r| r.engine),
        })
    }

    /// Narrates the story again now, even if its words have not changed (after a failure, or
    /// to hear a new voice at once). Editors may for any story, authors for their own.
    pub async fn regenerate_narration(&self, actor: &Actor, post_id: &ObjectId) -> Result<(), AppError> {
        let post = self.db.post_by_id(post_id).await?.ok_or(AppError::NotFound("post"))?;
        if !actor.may_edit(&post) {
            return Err(refuse("narrate this story"));
        }
        if post.status != PostStatus::Published || post.post_type != PostType::Post {
            return Err(AppError::invalid("narration", "only published stories are narrated"));
        }
        if self.db.narration_opted_out(post_id).await? {
            return Err(AppError::invalid("narration", "this story is opted out of narration"));
        }
        self.db.apply_job_changes(&[Job::NarratePost { post_id: post_id.clone(), force: true }.now()]).await?;
        self.jobs.wake();
        Ok(())
    }

    /// Opts a story out of narration (its audio is removed) or back in (it is narrated again).
    pub async fn set_narration_opt_out(
        &self,
        actor: &Actor,
        post_id: &ObjectId,
        opted_out: bool,
    ) -> Result<(), AppError> {
        let post = self.db.post_by_id(post_id).await?.ok_or(AppError::NotFound("post"))?;
        if !actor.may_edit(&post) {
            return Err(refuse("change this story's narration"));
        }
        self.db.set_narration_opt_out(post_id, opted_out).await?;
        let job = Job::NarratePost { post_id: post_id.clone(), force: false };
        if opted_out {
            self.db.apply_job_changes(&[job.cancel()]).await?;
            self.drop_narration(&post).await?;
        } else {
            if narration_due(None, &post) {
                self.db.apply_job_changes(&[job.now()]).await?;
                self.jobs.wake();
            }
            self.announce_narration(&post);
        }
        Ok(())
    }

    /// Saves how stories are narrated. Administrators only.
    pub async fn save_narration_settings(&self, actor: &Actor, settings: &NarrationSettings) -> Result<(), AppError> {
        if !actor.may(Permission::ManageSettings) {
            return Err(refuse("change narration settings"));
        }
        let label = settings.disclosure_label.trim();
        if label.is_empty() && settings.show_label {
            return Err(AppError::invalid("disclosure_label", "the label shown with the audio cannot be empty"));
        }
        if label.chars().count() > NarrationSettings::MAX_LABEL_LEN {
            return Err(AppError::invalid(
                "disclosure_label",
                format!("the label is at most {} characters", NarrationSettings::MAX_LABEL_LEN),
            ));
        }
        if !settings.speed.is_finite() || !NarrationSettings::SPEEDS.contains(&settings.speed) {
            return Err(AppError::invalid("speed", "the speed is between 0.5 and 2"));
        }
        if settings.voice.chars().count() > 100 || settings.voice.chars().any(char::is_control) {
            return Err(AppError::invalid("voice", "a voice name is at most 100 characters"));
        }
        let settings = NarrationSettings {
            disclosure_label: label.to_owned(),
            voice: settings.voice.trim().to_owned(),
            ..settings.clone()
        };
        let before = self.db.narration_settings().await?;
        self.db.save_narration_settings(&settings).await?;
        self.changes.publish(&ContentChange::Settings);
        // A new voice or speed, or narration turned back on, reaches every story.
        if settings.voice != before.voice || settings.speed != before.speed || (settings.enabled && !before.enabled) {
            self.narrate_live_stories().await?;
        }
        Ok(())
    }

    /// Adds or changes how a word is said. Administrators only. The stories that say the word
    /// are narrated again (the others' words did not change, so their jobs skip them).
    pub async fn save_pronunciation(&self, actor: &Actor, word: &str, spoken: &str) -> Result<(), AppError> {
        if !actor.may(Permission::ManageSettings) {
            return Err(refuse("edit the pronunciation lexicon"));
        }
        let (word, spoken) = (word.trim(), spoken.trim());
        if word.is_empty() {
            return Err(AppError::invalid("word", "give the word or phrase as it is written"));
        }
        if word.chars().count() > MAX_LEXICON_WORD_LEN {
            return Err(AppError::invalid("word", format!("a word is at most {MAX_LEXICON_WORD_LEN} characters")));
        }
        if spoken.is_empty() {
            return Err(AppError::invalid("spoken", "give the way the word is said"));
        }
        if spoken.chars().count() > MAX_LEXICON_SPOKEN_LEN {
            return Err(AppError::invalid(
                "spoken",
                format!("a spoken form is at most {MAX_LEXICON_SPOKEN_LEN} characters"),
            ));
        }
        if word.chars().chain(spoken.chars()).any(char::is_control) {
            return Err(AppError::invalid("word", "words cannot contain line breaks or control characters"));
        }
        // Words match ignoring case, so "NATO" and "Nato" are one entry.
        if let Some(other) = self
            .db
            .pronunciations()
            .await?
            .into_iter()
            .find(|p| p.word != word && p.word.to_lowercase() == word.to_lowercase())
        {
            return Err(AppError::invalid(
                "word",
                format!("{:?} is already in the lexicon; edit that entry instead", other.word),
            ));
        }
        self.db.save_pronunciation(word, spoken).await?;
        self.narrate_live_stories().await?;
        Ok(())
    }

    pub async fn delete_pronunciation(&self, actor: &Actor, word: &str) -> Result<(), AppError> {
        if !actor.may(Permission::ManageSettings) {
            return Err(refuse("edit the pronunciation lexicon"));
        }
        if !self.db.delete_pronunciation(word).await? {
            return Err(AppError::NotFound("pronunciation"));
        }
        self.narrate_live_stories().await?;
        Ok(())
    }
}

/// What the engine produced.
struct Spoken {
    mp3: Vec<u8>,
    seconds: f64,
    engine: &'static str,
}

/// A failed narration in words staff can act on. An unavailable engine says what to install.
fn describe_failure(error: &NarrationError) -> String {
    match error {
        NarrationError::Engine { source: EngineError::Unavailable(why), .. } => {
            format!("The voice engine is not available: {why}")
        }
        NarrationError::Empty => "The story has no text to read aloud.".to_owned(),
        other => format!("Narration failed: {other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audio_urls_live_under_content() {
        assert_eq!(audio_url("narrations/abc/123.mp3"), "/content/narrations/abc/123.mp3");
    }
}
