//! Speak a text file with the hibari voice and report how fast it went.
//!
//! `cargo run -p masthead-narration --release --example narrate -- DATA_DIR TEXT_FILE OUT.wav`
//!
//! With `-` as OUT.wav it prints the phoneme chunks instead. Installs the voice into `DATA_DIR` first if it is not there.

use std::time::Instant;

use masthead_narration::{Engine, HibariEngine, VoiceSettings, install_voice};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [data_dir, text_file, out] = args.as_slice() else {
        return Err("usage: narrate DATA_DIR TEXT_FILE OUT.wav".into());
    };
    let voice = install_voice(data_dir.as_ref(), &|line| eprintln!("{line}"))?;
    let started = Instant::now();
    let engine = HibariEngine::load(voice.root())?;
    eprintln!("loaded in {:.2} s", started.elapsed().as_secs_f64());
    let text = std::fs::read_to_string(text_file)?;
    if out == "-" {
        // Phonemes only, one chunk a line: for comparing the G2P with another implementation.
        for chunk in engine.phonemize(&text)? {
            println!("{chunk}");
        }
        return Ok(());
    }
    // Warm up, as a long-running server would be.
    engine.synthesize("Warm up.", &VoiceSettings::default())?;
    let started = Instant::now();
    let pcm = engine.synthesize(&text, &VoiceSettings::default())?;
    let took = started.elapsed().as_secs_f64();
    eprintln!(
        "{} words: {:.2} s of audio in {:.2} s (real-time factor {:.4})",
        text.split_whitespace().count(),
        pcm.seconds(),
        took,
        took / pcm.seconds()
    );
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: pcm.sample_rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut writer = hound::WavWriter::create(out, spec)?;
    for s in &pcm.samples {
        writer.write_sample((s.clamp(-1.0, 1.0) * 32767.0) as i16)?;
    }
    writer.finalize()?;
    Ok(())
}
