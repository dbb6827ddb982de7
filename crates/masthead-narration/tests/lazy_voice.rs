//! The hibari voice as the server holds it: loaded on its first narration. A test binary of its
//! own, because ONNX Runtime allows one environment per process and `it` loads the voice up
//! front. Needs `MASTHEAD_VOICE_DIR` as the `it` hibari tests do (and fails without it in CI).

use std::path::PathBuf;

use masthead_narration::{Engine, EngineError, LazyHibariEngine, VoiceSettings};

const SENTENCE: &str = "Nearly three thousand soldiers had been sent, and thousands more were expected to follow.";

#[test]
fn the_voice_loads_on_first_use_and_a_missing_one_is_unavailable_not_a_crash() {
    let missing = LazyHibariEngine::new("/nonexistent/hibari-0.2.1");
    assert_eq!(missing.name(), "hibari");
    for _ in 0..2 {
        let refused = missing.synthesize(SENTENCE, &VoiceSettings::default());
        assert!(matches!(refused, Err(EngineError::Unavailable(_))), "{refused:?}");
    }

    let Some(dir) = std::env::var_os("MASTHEAD_VOICE_DIR").map(PathBuf::from) else {
        assert_ne!(std::env::var("CI").as_deref(), Ok("true"), "CI=true but MASTHEAD_VOICE_DIR is not set");
        eprintln!("note: MASTHEAD_VOICE_DIR is not set; the lazy voice test did not load the voice");
        return;
    };
    let voice = LazyHibariEngine::new(dir);
    let settings = VoiceSettings::default();
    let first = voice.synthesize(SENTENCE, &settings).expect("loads and speaks");
    assert!((3.0..=8.0).contains(&first.seconds()), "{:.2} s", first.seconds());
    assert_eq!(voice.synthesize(SENTENCE, &settings).expect("speaks again"), first, "loaded once, deterministic");
}
