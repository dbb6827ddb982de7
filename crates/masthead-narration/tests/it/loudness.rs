use masthead_narration::loudness::{
    LoudnessTarget, PEAK_CEILING_DBFS, SPOKEN_WORD_LUFS, integrated_loudness, normalize,
};
use masthead_narration::{Engine, VoiceSettings};

use crate::{SENTENCE, espeak, peak};

#[test]
fn speech_lands_within_one_lu_of_the_target_at_any_starting_level() {
    let Some(engine) = espeak() else { return };
    let spoken = engine.synthesize(SENTENCE, &VoiceSettings::default()).expect("speaks");
    let ceiling = 10_f32.powf(PEAK_CEILING_DBFS as f32 / 20.0);
    // As espeak says it, as quiet as hibari, and hot enough to clip.
    for scale in [1.0, 0.12, 1.3] {
        let mut pcm = spoken.clone();
        pcm.samples.iter_mut().for_each(|s| *s *= scale);
        let result = normalize(&mut pcm, LoudnessTarget::default()).expect("normalises");
        let lufs = integrated_loudness(&pcm).expect("measurable");
        assert!((lufs - SPOKEN_WORD_LUFS).abs() <= 1.0, "scale {scale}: {lufs:.2} LUFS ({result:?})");
        assert!(peak(&pcm) <= ceiling, "scale {scale}: peak {} ({result:?})", peak(&pcm));
    }
}
