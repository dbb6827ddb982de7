//! Loudness: every article should play at the same level whichever voice read it (hibari's
//! raw output has an RMS of about 0.047, espeak's about 0.08, a vendor's anything), and nothing
//! may clip once encoded.
//!
//! Measurement is ITU-R BS.1770 / EBU R128 integrated loudness through the `ebur128` crate.
//! A mono narration is measured as *dual mono*, as heard from two speakers or earbuds, which
//! is how it is played; this is what the spoken-word target of −16 LUFS (podcast platforms,
//! AES TD1008) refers to, so a mono file measured plainly reads about 3 LU lower.
//!
//! Raising a quiet voice by 10 dB or more pushes its peaks past full scale, so the gain is
//! followed by a look-ahead peak limiter: it turns the gain down smoothly just before each
//! peak that would cross the ceiling and lets it recover afterwards, which keeps consonants
//! from clicking the way hard clipping would.

use std::collections::VecDeque;
use std::convert::Infallible;

use ebur128::{Channel, EbuR128, Mode};

use crate::Pcm;

/// Spoken word on podcast platforms and in AES TD1008.
pub const SPOKEN_WORD_LUFS: f64 = -16.0;
/// Leaves headroom for the peaks MP3 encoding adds between samples.
pub const PEAK_CEILING_DBFS: f64 = -1.0;

const LOOKAHEAD_SECONDS: f64 = 0.005;
const RELEASE_SECONDS: f64 = 0.080;
/// Limiting lowers loudness a little; the gain is raised again at most this many times.
const PASSES: usize = 4;
/// Close enough: well inside what a listener hears (1 LU) and what the tests allow.
const TOLERANCE_LU: f64 = 0.1;
/// However much the limiter eats, the gain is not raised further than this above the first
/// estimate: beyond it the limiter would be flattening speech rather than catching peaks.
const MAX_EXTRA_GAIN_DB: f64 = 6.0;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LoudnessTarget {
    pub integrated_lufs: f64,
    pub peak_ceiling_dbfs: f64,
}

impl Default for LoudnessTarget {
    fn default() -> Self {
        Self { integrated_lufs: SPOKEN_WORD_LUFS, peak_ceiling_dbfs: PEAK_CEILING_DBFS }
    }
}

/// What normalisation did, for the job's log.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Normalized {
    pub before_lufs: f64,
    pub after_lufs: f64,
    /// The gain before limiting.
    pub gain_db: f64,
    /// Whether the limiter had to act.
    pub limited: bool,
    pub peak_dbfs: f64,
}

#[derive(Debug, thiserror::Error)]
pub enum LoudnessError {
    /// Nothing above the absolute gate (−70 LUFS) for a 400 ms block: silence, or too short.
    #[error("the audio is silent or shorter than 0.4 s, so its loudness cannot be measured")]
    Unmeasurable,
    #[error("measuring loudness: {0}")]
    Meter(String),
}

/// Integrated loudness in LUFS, the mono signal counted as dual mono.
pub fn integrated_loudness(pcm: &Pcm) -> Result<f64, LoudnessError> {
    loudness_of(&pcm.samples, pcm.sample_rate)
}

fn loudness_of(samples: &[f32], sample_rate: u32) -> Result<f64, LoudnessError> {
    let mut meter = Meter::new(sample_rate)?;
    meter.add(samples)?;
    meter.loudness()
}

/// The largest absolute sample, in dBFS (−∞ for silence).
pub fn sample_peak_dbfs(samples: &[f32]) -> f64 {
    to_db(f64::from(samples.iter().fold(0.0_f32, |peak, s| peak.max(s.abs()))))
}

/// Brings `pcm` to `target` loudness with no sample above the ceiling.
///
/// Only the audio itself is held: each pass runs the gain and the limiter through it block by
/// block, measuring as it goes, and the pass that lands is run once more to write the result
/// in place. A story's audio is minutes of samples, and each copy of it is megabytes.
pub fn normalize(pcm: &mut Pcm, target: LoudnessTarget) -> Result<Normalized, LoudnessError> {
    let before = integrated_loudness(pcm)?;
    let limiter = Limiter::new(from_db(target.peak_ceiling_dbfs) as f32, pcm.sample_rate);
    let first_gain_db = target.integrated_lufs - before;
    let mut gain_db = first_gain_db;
    let mut kept = None;
    for _ in 0..PASSES {
        let mut meter = Meter::new(pcm.sample_rate)?;
        let limited = limiter.run(&mut pcm.samples, from_db(gain_db) as f32, &mut |block| meter.add(block))?;
        let after = meter.loudness()?;
        kept = Some((gain_db, after, limited));
        let miss = target.integrated_lufs - after;
        if miss.abs() <= TOLERANCE_LU || !limited {
            break;
        }
        gain_db = (gain_db + miss).min(first_gain_db + MAX_EXTRA_GAIN_DB);
    }
    let (gain_db, after, limited) = kept.ok_or(LoudnessError::Unmeasurable)?;
    limiter.apply(&mut pcm.samples, from_db(gain_db) as f32);
    Ok(Normalized {
        before_lufs: before,
        after_lufs: after,
        gain_db,
        limited,
        peak_dbfs: sample_peak_dbfs(&pcm.samples),
    })
}

/// An integrated loudness meter fed block by block.
struct Meter(EbuR128);

impl Meter {
    fn new(sample_rate: u32) -> Result<Self, LoudnessError> {
        let mut meter = EbuR128::new(1, sample_rate, Mode::I).map_err(meter_error)?;
        meter.set_channel(0, Channel::DualMono).map_err(meter_error)?;
        Ok(Self(meter))
    }

    fn add(&mut self, samples: &[f32]) -> Result<(), LoudnessError> {
        self.0.add_frames_f32(samples).map_err(meter_error)
    }

    fn loudness(&self) -> Result<f64, LoudnessError> {
        let lufs = self.0.loudness_global().map_err(meter_error)?;
        if lufs.is_finite() { Ok(lufs) } else { Err(LoudnessError::Unmeasurable) }
    }
}

fn meter_error(e: ebur128::Error) -> LoudnessError {
    LoudnessError::Meter(e.to_string())
}

/// How many finished samples the limiter hands on at a time.
const BLOCK: usize = 4096;

/// A look-ahead peak limiter that works through the audio in one pass, holding no more than its
/// look-ahead window: each sample's gain is the least any sample in the next `lookahead` needs,
/// recovered slowly after a peak and smoothed over the look-ahead.
#[derive(Debug, Clone, Copy)]
struct Limiter {
    ceiling: f32,
    lookahead: usize,
    /// How far the gain comes back towards 1 per sample after a peak.
    recovery: f32,
}

impl Limiter {
    fn new(ceiling: f32, sample_rate: u32) -> Self {
        let rate = f64::from(sample_rate.max(1));
        Self {
            ceiling,
            lookahead: ((LOOKAHEAD_SECONDS * rate).round() as usize).max(1),
            recovery: 1.0 - (-1.0 / (RELEASE_SECONDS * rate)).exp() as f32,
        }
    }

    /// The gain a sample needs on its own.
    fn needed(&self, s: f32) -> f32 {
        if s.abs() > self.ceiling { self.ceiling / s.abs() } else { 1.0 }
    }

    /// Replaces `samples` with themselves times `gain`, limited. Returns whether the limiter
    /// had to act.
    fn apply(&self, samples: &mut [f32], gain: f32) -> bool {
        let Ok(limited) = self.process::<Infallible>(samples, gain, true, &mut |_| Ok(()));
        limited
    }

    /// Hands `samples` times `gain`, limited, to `sink` block by block, in order, leaving
    /// `samples` as they are. Returns whether the limiter had to act.
    fn run<E>(&self, samples: &mut [f32], gain: f32, sink: &mut dyn FnMut(&[f32]) -> Result<(), E>) -> Result<bool, E> {
        self.process(samples, gain, false, sink)
    }

    fn process<E>(
        &self,
        samples: &mut [f32],
        gain: f32,
        write_back: bool,
        sink: &mut dyn FnMut(&[f32]) -> Result<(), E>,
    ) -> Result<bool, E> {
        let limited = samples.iter().any(|s| self.needed(s * gain) < 1.0);
        let mut block = Vec::with_capacity(BLOCK.min(samples.len()));
        let mut flush = |block: &mut Vec<f32>, end: usize, samples: &mut [f32]| {
            sink(block)?;
            if write_back {
                samples[end - block.len()..end].copy_from_slice(block);
            }
            block.clear();
            Ok(())
        };
        if !limited {
            // Nothing reaches the ceiling: the limiter would leave every sample as it is.
            for at in (0..samples.len()).step_by(BLOCK) {
                let end = (at + BLOCK).min(samples.len());
                block.extend(samples[at..end].iter().map(|s| s * gain));
                flush(&mut block, end, samples)?;
            }
            return Ok(false);
        }
        let lookahead = self.lookahead;
        // The samples in the look-ahead window that need the least gain, as (index, need),
        // their needs rising from the front.
        let mut window: VecDeque<(usize, f32)> = VecDeque::with_capacity(lookahead + 1);
        // The last `lookahead + 1` recovered gains, for the smoothing average.
        let mut recent: VecDeque<f32> = VecDeque::with_capacity(lookahead + 2);
        let mut held = 1.0_f32;
        let mut sum = 0.0_f64;
        // Sample `k` enters the look-ahead; sample `k - lookahead` leaves it, finished. A
        // sample is only written once every sample that looks ahead to it has been read.
        for k in 0..samples.len() + lookahead {
            if let Some(s) = samples.get(k) {
                let need = self.needed(s * gain);
                while window.back().is_some_and(|&(_, n)| n >= need) {
                    window.pop_back();
                }
                window.push_back((k, need));
            }
            let Some(i) = k.checked_sub(lookahead) else { continue };
            while window.front().is_some_and(|&(j, _)| j < i) {
                window.pop_front();
            }
            // The least gain needed anywhere in the next `lookahead` samples, so the gain is
            // already down when a peak arrives; recovering slowly after it, never above what is
            // needed.
            let ahead = window.front().map_or(1.0, |&(_, n)| n);
            held = (held + (1.0 - held) * self.recovery).min(ahead);
            // Smoothing over the look-ahead turns each step into a ramp. Every value averaged
            // at a peak is at or below that peak's need (the peak lies in each one's
            // look-ahead), so the average is too.
            sum += f64::from(held);
            recent.push_back(held);
            if recent.len() > lookahead + 1 {
                sum -= f64::from(recent.pop_front().unwrap_or(0.0));
            }
            let x = samples[i] * gain;
            // Rounding in the running sum must not let a sample poke through.
            let smoothed = ((sum / recent.len() as f64) as f32).min(self.needed(x));
            block.push((x * smoothed).clamp(-self.ceiling, self.ceiling));
            if block.len() == BLOCK || i + 1 == samples.len() {
                flush(&mut block, i + 1, samples)?;
            }
        }
        Ok(true)
    }
}

fn to_db(amplitude: f64) -> f64 {
    20.0 * amplitude.log10()
}

fn from_db(db: f64) -> f64 {
    10_f64.powf(db / 20.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    const RATE: u32 = 24_000;

    fn sine(freq: f32, amplitude: f32, seconds: f32) -> Pcm {
        let n = (seconds * RATE as f32) as usize;
        let step = std::f32::consts::TAU * freq / RATE as f32;
        Pcm { sample_rate: RATE, samples: (0..n).map(|i| (i as f32 * step).sin() * amplitude).collect() }
    }

    #[test]
    fn a_full_scale_1khz_sine_measures_as_bs1770_says() {
        // BS.1770: a 997 Hz sine at full scale in one channel is −3.01 LUFS; as dual mono,
        // both channels, 0.
        let lufs = integrated_loudness(&sine(997.0, 1.0, 3.0)).expect("measurable");
        assert!(lufs.abs() < 0.1, "{lufs}");
        let lufs = integrated_loudness(&sine(997.0, from_db(-20.0) as f32, 3.0)).expect("measurable");
        assert!((lufs + 20.0).abs() < 0.1, "{lufs}");
    }

    #[test]
    fn silence_cannot_be_measured() {
        let silent = Pcm { sample_rate: RATE, samples: vec![0.0; RATE as usize * 2] };
        assert!(matches!(integrated_loudness(&silent), Err(LoudnessError::Unmeasurable)));
        let mut silent = silent;
        assert!(normalize(&mut silent, LoudnessTarget::default()).is_err());
    }

    #[test]
    fn a_quiet_tone_is_raised_to_the_target_without_limiting() {
        let mut pcm = sine(440.0, 0.02, 3.0);
        let result = normalize(&mut pcm, LoudnessTarget::default()).expect("normalises");
        assert!(!result.limited);
        let lufs = integrated_loudness(&pcm).expect("measurable");
        assert!((lufs - SPOKEN_WORD_LUFS).abs() < 0.2, "{lufs}");
        assert!((result.after_lufs - lufs).abs() < 1e-9);
    }

    #[test]
    fn peaks_are_held_under_the_ceiling_and_loudness_still_lands() {
        // Quiet like hibari, with clicks 20 dB above the body that a plain gain would clip.
        let mut pcm = sine(220.0, 0.05, 4.0);
        for i in (0..pcm.samples.len()).step_by(RATE as usize / 7) {
            pcm.samples[i] = 0.5;
            pcm.samples[i + 1] = -0.45;
        }
        let result = normalize(&mut pcm, LoudnessTarget::default()).expect("normalises");
        assert!(result.limited);
        let ceiling = from_db(PEAK_CEILING_DBFS) as f32;
        let peak = pcm.samples.iter().fold(0.0_f32, |p, s| p.max(s.abs()));
        assert!(peak <= ceiling, "peak {peak} over the ceiling {ceiling}");
        let lufs = integrated_loudness(&pcm).expect("measurable");
        assert!((lufs - SPOKEN_WORD_LUFS).abs() <= 1.0, "{lufs}");
    }

    #[test]
    fn a_peak_just_past_a_block_is_anticipated_across_the_boundary() {
        let clean = sine(300.0, 0.3, 1.0).samples;
        let mut samples = clean.clone();
        // The limiter hands on its work a block at a time; the peak's ramp starts in the block
        // before it.
        samples[BLOCK + 2] = 2.0;
        let limiter = Limiter::new(0.9, RATE);
        let mut measured = Vec::new();
        let Ok(limited) = limiter.run::<Infallible>(&mut samples.clone(), 1.0, &mut |block| {
            measured.extend_from_slice(block);
            Ok(())
        });
        assert!(limited);
        assert!(limiter.apply(&mut samples, 1.0));
        // What a measuring pass hears is what is written.
        assert_eq!(measured, samples);
        assert!(samples.iter().all(|s| s.abs() <= 0.9));
        let before_peak = BLOCK - 10..BLOCK;
        assert!(
            before_peak.clone().any(|i| samples[i].abs() < clean[i].abs() - 1e-4),
            "the gain was not already down in the block before the peak"
        );
        assert!(samples[..BLOCK - limiter.lookahead - 1] == clean[..BLOCK - limiter.lookahead - 1]);
    }

    #[test]
    fn the_limiter_leaves_quiet_passages_alone() {
        let mut samples: Vec<f32> = sine(300.0, 0.3, 1.0).samples;
        let quiet_before = samples[..RATE as usize / 2].to_vec();
        let at = RATE as usize * 3 / 4;
        samples[at] = 2.0;
        assert!(Limiter::new(0.9, RATE).apply(&mut samples, 1.0));
        assert!(samples.iter().all(|s| s.abs() <= 0.9));
        // Half a second before the click the gain is untouched.
        assert_eq!(&samples[..RATE as usize / 2], &quiet_before[..]);
        // And it comes back afterwards.
        let tail = &samples[samples.len() - 100..];
        let tail_before = &sine(300.0, 0.3, 1.0).samples[samples.len() - 100..];
        let worst = tail.iter().zip(tail_before).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max);
        assert!(worst < 0.02, "{worst}");
    }
}
