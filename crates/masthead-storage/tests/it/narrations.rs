use masthead_core::{NarrationSettings, ObjectId};
use masthead_storage::FinishedNarration;
use masthead_test_utils::{PostBuilder, StaffBuilder, TestApp, dual_db_test};

fn finished<'a>(hash: &'a str, key: &'a str) -> FinishedNarration<'a> {
    FinishedNarration { hash, audio_key: key, duration_ms: 12_345, bytes: 1000, engine: "espeak", voice: "" }
}

dual_db_test!(async fn a_narration_swaps_files_only_when_it_is_still_the_latest(db) {
    let app = TestApp::new(&db).await;
    let anna = StaffBuilder::new("Anna Field").create(&db).await;
    let post = PostBuilder::published("Bridge").authors(&[&anna]).create(&app.newsroom).await;
    let id = &post.id;

    db.start_narration(id, "h1").await.expect("start");
    assert_eq!(db.finish_narration(id, &finished("h1", "narrations/a.mp3")).await.expect("finish"), Some(None));
    let ready = db.narration(id).await.expect("read").expect("row");
    assert_eq!((ready.status.as_str(), ready.audio_key.as_deref()), ("ready", Some("narrations/a.mp3")));
    assert_eq!(ready.audio(), Some(("narrations/a.mp3", 12_345, 1000)));

    // Two narrations overlap: the one started last wins, the other's file is the caller's to drop.
    db.start_narration(id, "h2").await.expect("start");
    db.start_narration(id, "h3").await.expect("start");
    assert_eq!(db.finish_narration(id, &finished("h2", "narrations/b.mp3")).await.expect("finish"), None);
    assert_eq!(
        db.finish_narration(id, &finished("h3", "narrations/c.mp3")).await.expect("finish"),
        Some(Some("narrations/a.mp3".into())),
        "the previous file is handed back for deletion"
    );

    // A failure keeps the ready audio.
    db.start_narration(id, "h4").await.expect("start");
    db.fail_narration(id, Some("h4"), "engine crashed").await.expect("fail");
    let failed = db.narration(id).await.expect("read").expect("row");
    assert_eq!((failed.status.as_str(), failed.reason.as_deref()), ("failed", Some("engine crashed")));
    assert_eq!(failed.audio_key.as_deref(), Some("narrations/c.mp3"));
    assert_eq!(db.narrated_posts(10).await.expect("list").len(), 1);

    db.set_narration_opt_out(id, true).await.expect("opt out");
    assert!(db.narration_opted_out(id).await.expect("read"));
    assert!(db.narrated_posts(10).await.expect("list").is_empty(), "opted-out stories are not listed");
    assert_eq!(db.delete_narration(id).await.expect("delete"), Some("narrations/c.mp3".into()));
    db.set_narration_opt_out(id, false).await.expect("opt in");
    assert!(!db.narration_opted_out(id).await.expect("read"));
    assert!(db.narration(&ObjectId::new()).await.expect("read").is_none());
});

dual_db_test!(async fn a_list_of_stories_reads_the_narrations_readers_may_hear_at_once(db) {
    let app = TestApp::new(&db).await;
    let anna = StaffBuilder::new("Anna Field").create(&db).await;
    let mut ids = Vec::new();
    for title in ["Bridge", "Ferry", "Harbour", "Lighthouse"] {
        ids.push(PostBuilder::published(title).authors(&[&anna]).create(&app.newsroom).await.id);
    }
    let [bridge, ferry, harbour, lighthouse] = &ids[..] else { unreachable!() };
    for (id, key) in [(bridge, "narrations/bridge.mp3"), (ferry, "narrations/ferry.mp3"), (harbour, "narrations/h.mp3")] {
        db.start_narration(id, "h1").await.expect("start");
        db.finish_narration(id, &finished("h1", key)).await.expect("finish");
    }
    db.set_narration_opt_out(harbour, true).await.expect("opt out");

    let heard = db.narrations_heard(&[bridge, ferry, harbour, lighthouse]).await.expect("read");
    let mut heard: Vec<(&str, Option<&str>)> =
        heard.iter().map(|n| (n.post_id.as_str(), n.audio_key.as_deref())).collect();
    heard.sort();
    let mut expected = vec![(bridge.as_str(), Some("narrations/bridge.mp3")), (ferry.as_str(), Some("narrations/ferry.mp3"))];
    expected.sort();
    assert_eq!(heard, expected, "each story's own audio; the opted-out one and the unnarrated one have none");
    assert!(db.narrations_heard(&[]).await.expect("nothing asked").is_empty());
});

dual_db_test!(async fn narration_settings_and_the_lexicon_are_stored(db) {
    assert_eq!(db.narration_settings().await.expect("defaults"), NarrationSettings::default());
    let settings = NarrationSettings { speed: 1.25, voice: "en-gb".into(), ..NarrationSettings::default() };
    db.save_narration_settings(&settings).await.expect("save");
    assert_eq!(db.narration_settings().await.expect("read"), settings);
    db.site_settings().await.expect("site settings still read with the narration key beside them");

    db.save_pronunciation("Kyiv", "keev").await.expect("save");
    db.save_pronunciation("Kyiv", "kee-iv").await.expect("replace");
    db.save_pronunciation("Aldovia", "al-DOH-vee-ah").await.expect("save");
    let words: Vec<(String, String)> =
        db.pronunciations().await.expect("read").into_iter().map(|p| (p.word, p.spoken)).collect();
    assert_eq!(words, [("Aldovia".into(), "al-DOH-vee-ah".into()), ("Kyiv".into(), "kee-iv".into())]);
    assert!(db.delete_pronunciation("Kyiv").await.expect("delete"));
    assert!(!db.delete_pronunciation("Kyiv").await.expect("delete"));
});
