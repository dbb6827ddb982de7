//! Narration: the durable job that gives every published story an audio version, with the real
//! espeak-ng engine.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use masthead_app::narration::Narrator;
use masthead_app::{AppError, Newsroom};
use masthead_core::{Actor, NarrationSettings, Post, PostStatus, Role, StaffUser};
use masthead_narration::{Engine, EngineError, Pcm, VoiceSettings};
use masthead_storage::NarrationRecord;
use masthead_test_utils::{PostBuilder, StaffBuilder, TestApp, dual_db_test};

const BODY: &str = "The council voted on Tuesday to rebuild the harbour bridge.\n\n\
    Work starts in March and should take two years, the mayor said.\n\n\
    ```\nlet code = \"never read aloud\";\n```";

fn espeak() -> Narrator {
    let engine = masthead_narration::EspeakEngine::detect().expect("espeak-ng is installed (test.sh installs it)");
    Narrator::new(Arc::new(engine))
}

/// An engine that cannot speak, for the failure path.
struct Broken;

impl Engine for Broken {
    fn name(&self) -> &'static str {
        "broken"
    }

    fn synthesize(&self, _text: &str, _voice: &VoiceSettings) -> Result<Pcm, EngineError> {
        Err(EngineError::Failed("the voice model crashed".into()))
    }
}

async fn narrate_all(newsroom: &Newsroom) -> usize {
    let mut ran = 0;
    while newsroom.run_next_narration("test").await.expect("narration job") {
        ran += 1;
    }
    ran
}

async fn narration(newsroom: &Newsroom, post: &Post) -> NarrationRecord {
    newsroom.db().narration(&post.id).await.expect("read").expect("a narration row")
}

async fn story(app: &TestApp, author: &StaffUser) -> Post {
    PostBuilder::published("Harbour bridge to be rebuilt").authors(&[author]).markdown(BODY).create(&app.newsroom).await
}

fn edited(post: &Post, author: &StaffUser, markdown: &str) -> masthead_app::PostInput {
    let mut input = PostBuilder::published(&post.title).authors(&[author]).markdown(markdown).input();
    input.slug = Some(post.slug.to_string());
    input
}

dual_db_test!(async fn a_published_story_is_narrated_into_a_stored_mp3_once(db) {
    let app = TestApp::new(&db).await.with_narrator(espeak());
    let anna = StaffBuilder::new("Anna Field").create(&db).await;
    let post = story(&app, &anna).await;
    let keys: Vec<_> = db.jobs().await.expect("jobs").into_iter().filter_map(|j| j.dedup_key).collect();
    assert!(keys.contains(&format!("narrate:{}", post.id)), "publishing queues the narration: {keys:?}");
    assert_eq!(app.newsroom.narration_status(&post.id).await.expect("status").status, "queued");

    assert_eq!(narrate_all(&app.newsroom).await, 1);
    let ready = narration(&app.newsroom, &post).await;
    assert_eq!(ready.status, "ready");
    let (key, duration_ms, bytes) = ready.audio().expect("audio");
    // Headline, byline and two sentences: some seconds of speech, not a minute.
    assert!((3_000..40_000).contains(&duration_ms), "a plausible duration: {duration_ms} ms");
    let mp3 = app.newsroom.media_file(key).await.expect("read").expect("the file is stored");
    assert_eq!(mp3.len() as i64, bytes);
    assert!(mp3.starts_with(b"ID3") || (mp3[0] == 0xFF && mp3[1] & 0xE0 == 0xE0), "an MP3 file");
    assert_eq!(ready.engine.as_deref(), Some("espeak"));

    // Saving the story without changing what is read aloud queues nothing.
    let mut retagged = edited(&post, &anna, BODY);
    retagged.tags = vec!["Transport".into()];
    app.newsroom.update_post(&post.id, retagged).await.expect("retag");
    assert_eq!(narrate_all(&app.newsroom).await, 0, "no narration job for a retagging");
    // A job for unchanged words (say, opting back in) keeps the audio it has.
    let admin = Actor { user_id: anna.id.clone(), role: Role::Administrator };
    app.newsroom.set_narration_opt_out(&admin, &post.id, false).await.expect("opt in");
    assert_eq!(narrate_all(&app.newsroom).await, 1);
    let again = narration(&app.newsroom, &post).await;
    assert_eq!((again.audio_key, again.narrated_at), (ready.audio_key.clone(), ready.narrated_at), "not narrated twice");
});

dual_db_test!(async fn a_material_update_renarrates_and_the_old_file_goes_only_afterwards(db) {
    let app = TestApp::new(&db).await.with_narrator(espeak());
    let anna = StaffBuilder::new("Anna Field").create(&db).await;
    let post = story(&app, &anna).await;
    narrate_all(&app.newsroom).await;
    let first = narration(&app.newsroom, &post).await;
    let first_key = first.audio_key.clone().expect("first audio");

    let longer = format!("{BODY}\n\nThe ferry will run every twenty minutes while the bridge is closed.");
    app.newsroom.update_post(&post.id, edited(&post, &anna, &longer)).await.expect("edit");
    // Until the new narration is complete, readers keep the old one.
    assert_eq!(narration(&app.newsroom, &post).await.audio_key.as_deref(), Some(first_key.as_str()));
    assert!(app.newsroom.media_file(&first_key).await.expect("read").is_some());

    assert_eq!(narrate_all(&app.newsroom).await, 1);
    let second = narration(&app.newsroom, &post).await;
    let second_key = second.audio_key.clone().expect("second audio");
    assert_ne!(first_key, second_key, "a new narration is a new file");
    assert!(second.duration_ms > first.duration_ms, "the longer story is longer to hear");
    assert!(app.newsroom.media_file(&second_key).await.expect("read").is_some());
    assert!(app.newsroom.media_file(&first_key).await.expect("read").is_none(), "the old file is deleted");
});

dual_db_test!(async fn an_opted_out_story_gets_no_audio(db) {
    let app = TestApp::new(&db).await.with_narrator(espeak());
    let anna = StaffBuilder::new("Anna Field").create(&db).await;
    let author = Actor { user_id: anna.id.clone(), role: Role::Author };
    let post = story(&app, &anna).await;
    app.newsroom.set_narration_opt_out(&author, &post.id, true).await.expect("opt out");
    assert_eq!(narrate_all(&app.newsroom).await, 0, "the queued narration is cancelled");
    assert!(app.newsroom.db().narration(&post.id).await.expect("read").is_none());
    assert_eq!(app.newsroom.narration_status(&post.id).await.expect("status").status, "opted_out");
    assert!(matches!(app.newsroom.regenerate_narration(&author, &post.id).await, Err(AppError::Invalid { .. })));

    // Narrated, then opted out: the audio goes.
    app.newsroom.set_narration_opt_out(&author, &post.id, false).await.expect("opt in");
    narrate_all(&app.newsroom).await;
    let key = narration(&app.newsroom, &post).await.audio_key.expect("audio");
    app.newsroom.set_narration_opt_out(&author, &post.id, true).await.expect("opt out");
    assert!(app.newsroom.db().narration(&post.id).await.expect("read").is_none());
    assert!(app.newsroom.media_file(&key).await.expect("read").is_none());
});

dual_db_test!(async fn a_failing_engine_is_reported_and_the_old_audio_kept(db) {
    let app = TestApp::new(&db).await.with_narrator(espeak());
    let anna = StaffBuilder::new("Anna Field").create(&db).await;
    let post = story(&app, &anna).await;
    narrate_all(&app.newsroom).await;
    let ready = narration(&app.newsroom, &post).await;

    let broken = app.newsroom.clone().with_narrator(Narrator::new(Arc::new(Broken)));
    broken.update_post(&post.id, edited(&post, &anna, "A new first paragraph.")).await.expect("edit");
    assert_eq!(narrate_all(&broken).await, 1);
    assert!(db.jobs().await.expect("jobs").is_empty(), "a failed narration is not retried without end");
    let failed = narration(&app.newsroom, &post).await;
    assert_eq!(failed.status, "failed");
    assert!(failed.reason.as_deref().is_some_and(|r| r.contains("the voice model crashed")), "{:?}", failed.reason);
    assert_eq!(failed.audio_key, ready.audio_key, "readers keep the previous audio");
    let key = failed.audio_key.expect("kept");
    assert!(app.newsroom.media_file(&key).await.expect("read").is_some());
    let status = app.newsroom.narration_status(&post.id).await.expect("status");
    assert_eq!(status.status, "failed");
    assert!(status.audio_url.is_some());
});

dual_db_test!(async fn without_an_engine_narration_fails_saying_how_to_fix_it(db) {
    let app = TestApp::new(&db).await;
    let anna = StaffBuilder::new("Anna Field").create(&db).await;
    let post = story(&app, &anna).await;
    assert_eq!(narrate_all(&app.newsroom).await, 1);
    let failed = narration(&app.newsroom, &post).await;
    assert_eq!(failed.status, "failed");
    assert!(failed.reason.as_deref().is_some_and(|r| r.contains("espeak-ng")), "{:?}", failed.reason);
    assert!(db.jobs().await.expect("jobs").is_empty());
});

dual_db_test!(async fn pages_drafts_and_disabled_narration_get_no_audio(db) {
    let app = TestApp::new(&db).await.with_narrator(espeak());
    let anna = StaffBuilder::new("Anna Field").create(&db).await;
    let admin = Actor { user_id: anna.id.clone(), role: Role::Administrator };
    let mut draft = PostBuilder::published("Not yet").authors(&[&anna]).input();
    draft.status = PostStatus::Draft;
    app.newsroom.create_post(draft).await.expect("draft");
    assert_eq!(narrate_all(&app.newsroom).await, 0, "drafts are not narrated");

    let off = NarrationSettings { enabled: false, ..NarrationSettings::default() };
    app.newsroom.save_narration_settings(&admin, &off).await.expect("settings");
    let post = story(&app, &anna).await;
    narrate_all(&app.newsroom).await;
    assert!(app.newsroom.db().narration(&post.id).await.expect("read").is_none());
});

dual_db_test!(async fn editors_regenerate_any_story_and_authors_their_own(db) {
    let app = TestApp::new(&db).await.with_narrator(espeak());
    let anna = StaffBuilder::new("Anna Field").create(&db).await;
    let boris = StaffBuilder::new("Boris Lane").create(&db).await;
    let post = story(&app, &anna).await;
    narrate_all(&app.newsroom).await;
    let before = narration(&app.newsroom, &post).await;

    let other = Actor { user_id: boris.id.clone(), role: Role::Author };
    assert!(matches!(app.newsroom.regenerate_narration(&other, &post.id).await, Err(AppError::Forbidden(_))));
    let editor = Actor { user_id: boris.id.clone(), role: Role::Editor };
    app.newsroom.regenerate_narration(&editor, &post.id).await.expect("editors may");
    let own = Actor { user_id: anna.id.clone(), role: Role::Author };
    app.newsroom.regenerate_narration(&own, &post.id).await.expect("authors may, their own");
    assert_eq!(narrate_all(&app.newsroom).await, 1, "one job however often it is asked for");
    let after = narration(&app.newsroom, &post).await;
    assert_eq!(after.status, "ready");
    // Regenerating narrates again even though the words are the same (the file is replaced
    // in place: the same words make the same key).
    assert!(after.updated_at >= before.updated_at);
});

dual_db_test!(async fn administrators_keep_the_lexicon_and_it_changes_what_is_said(db) {
    let app = TestApp::new(&db).await.with_narrator(espeak());
    let anna = StaffBuilder::new("Anna Field").create(&db).await;
    let admin = Actor { user_id: anna.id.clone(), role: Role::Administrator };
    let editor = Actor { user_id: anna.id.clone(), role: Role::Editor };
    let nr = &app.newsroom;
    assert!(matches!(nr.save_pronunciation(&editor, "Kyiv", "keev").await, Err(AppError::Forbidden(_))));
    assert!(matches!(nr.save_pronunciation(&admin, " ", "keev").await, Err(AppError::Invalid { field: "word", .. })));
    assert!(matches!(nr.save_pronunciation(&admin, "Kyiv", "").await, Err(AppError::Invalid { field: "spoken", .. })));
    let long = "w".repeat(101);
    assert!(matches!(nr.save_pronunciation(&admin, &long, "x").await, Err(AppError::Invalid { field: "word", .. })));
    nr.save_pronunciation(&admin, "Kyiv", "keev").await.expect("add");
    nr.save_pronunciation(&admin, "Kyiv", "kee-iv").await.expect("edit");
    assert!(matches!(nr.save_pronunciation(&admin, "KYIV", "x").await, Err(AppError::Invalid { field: "word", .. })));
    let lexicon = nr.db().pronunciations().await.expect("read");
    assert_eq!(lexicon.len(), 1);
    assert_eq!(lexicon[0].spoken, "kee-iv");

    // The lexicon is part of what is said: a story narrated before and after differs.
    let post = PostBuilder::published("Kyiv at night").authors(&[&anna]).markdown("Kyiv sleeps.").create(nr).await;
    narrate_all(nr).await;
    let with = narration(nr, &post).await.text_hash;
    let other = PostBuilder::published("Harbour news").authors(&[&anna]).markdown("The ferry runs.").create(nr).await;
    narrate_all(nr).await;
    let other_audio = narration(nr, &other).await;
    // Removing the entry narrates again the story that says the word, and only that one.
    nr.delete_pronunciation(&admin, "Kyiv").await.expect("delete");
    assert!(matches!(nr.delete_pronunciation(&admin, "Kyiv").await, Err(AppError::NotFound(_))));
    narrate_all(nr).await;
    assert_ne!(narration(nr, &post).await.text_hash, with);
    let other_after = narration(nr, &other).await;
    assert_eq!((other_after.audio_key, other_after.narrated_at), (other_audio.audio_key, other_audio.narrated_at));

    let bad = NarrationSettings { speed: 5.0, ..NarrationSettings::default() };
    assert!(matches!(nr.save_narration_settings(&admin, &bad).await, Err(AppError::Invalid { field: "speed", .. })));
    assert!(matches!(
        nr.save_narration_settings(&editor, &NarrationSettings::default()).await,
        Err(AppError::Forbidden(_))
    ));
    let custom = NarrationSettings { disclosure_label: "Read by a synthetic voice".into(), ..NarrationSettings::default() };
    nr.save_narration_settings(&admin, &custom).await.expect("save");
    assert_eq!(nr.db().narration_settings().await.expect("read"), custom);
});

/// espeak-ng, noting every sentence it is asked to say (shared between instances).
struct Recording {
    espeak: masthead_narration::EspeakEngine,
    said: Arc<Mutex<Vec<String>>>,
}

impl Engine for Recording {
    fn name(&self) -> &'static str {
        "espeak"
    }

    fn synthesize(&self, text: &str, voice: &VoiceSettings) -> Result<Pcm, EngineError> {
        self.said.lock().expect("lock").push(text.to_owned());
        self.espeak.synthesize(text, voice)
    }
}

fn recording(said: &Arc<Mutex<Vec<String>>>) -> Arc<dyn Engine> {
    let espeak = masthead_narration::EspeakEngine::detect().expect("espeak-ng is installed (test.sh installs it)");
    Arc::new(Recording { espeak, said: Arc::clone(said) })
}

/// Works `newsroom`'s narration queue as the worker `name` until it is empty.
async fn narrate_all_as(newsroom: &Newsroom, name: &str) -> usize {
    let mut ran = 0;
    while newsroom.run_next_narration(name).await.expect("narration job") {
        ran += 1;
    }
    ran
}

dual_db_test!(async fn while_the_voice_installs_stories_wait_in_the_queue_then_are_narrated_with_it(db) {
    let app = TestApp::new(&db).await.with_narrator(Narrator::installing("downloading hibari-tts 0.2.1 with pip"));
    let anna = StaffBuilder::new("Anna Field").create(&db).await;
    let post = story(&app, &anna).await;
    assert_eq!(narrate_all(&app.newsroom).await, 0, "nothing is narrated before the voice is there");
    let waiting = app.newsroom.narration_status(&post.id).await.expect("status");
    assert_eq!(waiting.status, "queued");
    assert_eq!(
        waiting.reason.as_deref(),
        Some("Waiting for the voice to be installed: downloading hibari-tts 0.2.1 with pip")
    );
    app.newsroom.narrator().installing_step("unpacking the voice model and G2P data");
    let reason = app.newsroom.narration_status(&post.id).await.expect("status").reason;
    assert!(reason.is_some_and(|r| r.ends_with("unpacking the voice model and G2P data")));

    let said = Arc::new(Mutex::new(Vec::new()));
    assert_eq!(app.newsroom.voice_installed(recording(&said)).await.expect("voice"), 1, "the live story is queued");
    assert_eq!(narrate_all(&app.newsroom).await, 1);
    let ready = narration(&app.newsroom, &post).await;
    assert_eq!(ready.status, "ready");
    assert!(said.lock().expect("lock").iter().any(|s| s.contains("Harbour bridge to be rebuilt")));
});

dual_db_test!(async fn a_voice_that_cannot_be_installed_fails_the_waiting_stories_saying_why(db) {
    let app = TestApp::new(&db).await.with_narrator(Narrator::installing("starting"));
    let anna = StaffBuilder::new("Anna Field").create(&db).await;
    let post = story(&app, &anna).await;
    let why = "The hibari voice could not be installed: could not download hibari_tts-0.2.1-py3-none-any.whl";
    app.newsroom.voice_not_installed(None, why);
    assert_eq!(narrate_all(&app.newsroom).await, 1);
    let failed = narration(&app.newsroom, &post).await;
    assert_eq!(failed.status, "failed");
    assert_eq!(failed.reason.as_deref(), Some(why));

    // With a fallback engine the waiting stories are narrated with it instead.
    let other = TestApp::new(&db).await.with_narrator(Narrator::installing("starting"));
    let second = PostBuilder::published("Ferry timetable changes").authors(&[&anna]).markdown(BODY).create(&other.newsroom).await;
    let said = Arc::new(Mutex::new(Vec::new()));
    other.newsroom.voice_not_installed(Some(recording(&said)), why);
    narrate_all(&other.newsroom).await;
    assert_eq!(narration(&other.newsroom, &second).await.status, "ready");
});

/// An engine that says when it has started, then waits to be let go: a narration to kill
/// half-way through.
struct Stalling {
    started: Mutex<std::sync::mpsc::Sender<()>>,
    release: Mutex<std::sync::mpsc::Receiver<()>>,
}

impl Engine for Stalling {
    fn name(&self) -> &'static str {
        "espeak"
    }

    fn synthesize(&self, _text: &str, _voice: &VoiceSettings) -> Result<Pcm, EngineError> {
        let _ = self.started.lock().expect("lock").send(());
        let _ = self.release.lock().expect("lock").recv_timeout(Duration::from_secs(60));
        Err(EngineError::Failed("let go".into()))
    }
}

dual_db_test!(async fn a_narration_killed_half_way_is_taken_over_once_its_lease_runs_out_and_leaves_one_file(db) {
    let media = tempfile::tempdir().expect("media dir");
    let store = masthead_media::MediaStore::local(media.path()).expect("media store");
    let app = TestApp::with_media(&db, store).await.with_narrator(espeak());
    let anna = StaffBuilder::new("Anna Field").create(&db).await;
    let post = story(&app, &anna).await;
    narrate_all(&app.newsroom).await;
    let first = narration(&app.newsroom, &post).await.audio_key.expect("first audio");

    // An edit queues a new narration; an instance starts it and dies half-way through.
    let longer = format!("{BODY}\n\nThe ferry will run every twenty minutes while the bridge is closed.");
    app.newsroom.update_post(&post.id, edited(&post, &anna, &longer)).await.expect("edit");
    let (started_tx, started_rx) = std::sync::mpsc::channel();
    let (release_tx, release_rx) = std::sync::mpsc::channel();
    let stalling = Stalling { started: Mutex::new(started_tx), release: Mutex::new(release_rx) };
    let doomed = app.newsroom.clone().with_narrator(Narrator::new(Arc::new(stalling)));
    let running = tokio::spawn(async move { doomed.run_next_narration("doomed").await });
    tokio::task::spawn_blocking(move || started_rx.recv_timeout(Duration::from_secs(30)))
        .await
        .expect("join")
        .expect("the doomed instance starts narrating");
    running.abort();
    assert!(running.await.is_err_and(|e| e.is_cancelled()), "killed before it could finish");

    // Readers keep the old audio; staff see the narration under way.
    let mid = narration(&app.newsroom, &post).await;
    assert_eq!((mid.status.as_str(), mid.audio_key.as_deref()), ("narrating", Some(first.as_str())));
    // While the dead worker's lease runs, no one else takes the job...
    let survivor = TestApp::another_instance(&db).await.with_narrator(espeak());
    assert!(!survivor.newsroom.run_next_narration("survivor").await.expect("claim"));
    // ...and once it has run out (the dead worker stopped renewing it), it is taken over.
    let key = format!("narrate:{}", post.id);
    let job = db.jobs().await.expect("jobs").into_iter().find(|j| j.dedup_key.as_deref() == Some(key.as_str()));
    let job = job.expect("the killed job is still queued");
    let lapsed = masthead_core::now() - time::Duration::seconds(1);
    assert!(db.extend_job_lease(&job.id, "doomed", lapsed).await.expect("lapse the lease"));
    assert_eq!(narrate_all(&app.newsroom).await, 1);
    release_tx.send(()).expect("let the dead narration's thread end");

    let done = narration(&app.newsroom, &post).await;
    assert_eq!(done.status, "ready");
    let second = done.audio_key.expect("new audio");
    assert_ne!(second, first);
    assert!(db.jobs().await.expect("jobs").is_empty(), "the job is done");
    // Only the finished file is left: no half-written or superseded audio.
    let folder = media.path().join("narrations").join(post.id.as_str());
    let mut files: Vec<String> = std::fs::read_dir(&folder)
        .expect("the story's audio folder")
        .map(|entry| format!("narrations/{}/{}", post.id, entry.expect("entry").file_name().to_string_lossy()))
        .collect();
    files.sort();
    assert_eq!(files, vec![second]);
});

// Two instances over one database, each with its own worker, and both told at once that the
// voice is installed (so both queue every story): every story is spoken exactly once.
dual_db_test!(async fn with_two_instances_each_story_is_narrated_once(db) {
    let first = TestApp::new(&db).await.with_narrator(Narrator::installing("starting"));
    let second = TestApp::another_instance(&db).await.with_narrator(Narrator::installing("starting"));
    let anna = StaffBuilder::new("Anna Field").create(&db).await;
    let words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot"];
    for word in words {
        PostBuilder::published(&format!("Convoy {word} reaches the port"))
            .authors(&[&anna])
            .markdown("The trucks were unloaded before dawn.")
            .create(&first.newsroom)
            .await;
    }
    let said = Arc::new(Mutex::new(Vec::new()));
    let (queued_first, queued_second) = tokio::join!(
        first.newsroom.voice_installed(recording(&said)),
        second.newsroom.voice_installed(recording(&said)),
    );
    assert_eq!((queued_first.expect("queue"), queued_second.expect("queue")), (6, 6));
    let (ran_first, ran_second) =
        tokio::join!(narrate_all_as(&first.newsroom, "first"), narrate_all_as(&second.newsroom, "second"));
    assert!(ran_first + ran_second >= words.len(), "{ran_first} + {ran_second} jobs");
    let said = said.lock().expect("lock").clone();
    for word in words {
        let times = said.iter().filter(|s| s.contains(&format!("Convoy {word}"))).count();
        assert_eq!(times, 1, "the {word} story was spoken {times} times: {said:?}");
    }
    for post in first.newsroom.db().narratable_post_ids().await.expect("posts") {
        let record = first.newsroom.db().narration(&post).await.expect("read").expect("narrated");
        assert_eq!(record.status, "ready");
    }
});

dual_db_test!(async fn a_new_speed_renarrates_every_story(db) {
    let app = TestApp::new(&db).await.with_narrator(espeak());
    let anna = StaffBuilder::new("Anna Field").create(&db).await;
    let admin = Actor { user_id: anna.id.clone(), role: Role::Administrator };
    let post = story(&app, &anna).await;
    narrate_all(&app.newsroom).await;
    let before = narration(&app.newsroom, &post).await;
    // The label is not part of the audio: changing it narrates nothing.
    let labelled = NarrationSettings { disclosure_label: "Read by a synthetic voice".into(), ..NarrationSettings::default() };
    app.newsroom.save_narration_settings(&admin, &labelled).await.expect("save");
    assert_eq!(narrate_all(&app.newsroom).await, 0);
    let faster = NarrationSettings { speed: 1.25, ..labelled };
    app.newsroom.save_narration_settings(&admin, &faster).await.expect("save");
    assert_eq!(narrate_all(&app.newsroom).await, 1);
    let after = narration(&app.newsroom, &post).await;
    assert_ne!(after.text_hash, before.text_hash);
    assert!(after.duration_ms < before.duration_ms, "faster is shorter: {:?} vs {:?}", after.duration_ms, before.duration_ms);
});
