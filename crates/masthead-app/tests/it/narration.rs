//! Narration: the durable job that gives every published story an audio version, with the real
//! espeak-ng engine.

use std::sync::Arc;

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
    nr.delete_pronunciation(&admin, "Kyiv").await.expect("delete");
    assert!(matches!(nr.delete_pronunciation(&admin, "Kyiv").await, Err(AppError::NotFound(_))));
    nr.set_narration_opt_out(&admin, &post.id, false).await.expect("queue again");
    narrate_all(nr).await;
    assert_ne!(narration(nr, &post).await.text_hash, with);

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
