//! From the network's per-frame spectrum to a waveform.
//!
//! The model predicts, for each 12.5 ms frame, a harmonic branch (applied to a pulse train built
//! from f0), a noise branch and a free-phase branch; one inverse STFT turns their sum into audio:
//!
//! `S = ex(lh)·e^{iπ·tanh(θ)}·STFT(pulses(f0)) + ex(ln)·Z + ex(lr)·e^{iφ}`
//!
//! Every constant here must match what the model was trained against (hibari 0.2.1's reference
//! DSP); changing one changes the voice.

use std::sync::Arc;

use realfft::num_complex::Complex32;
use realfft::{ComplexToReal, RealFftPlanner, RealToComplex};

pub const SAMPLE_RATE: u32 = 24_000;
pub const N_FFT: usize = 1200;
pub const HOP: usize = 300;
pub const BINS: usize = N_FFT / 2 + 1;

/// Below this f0 a sample counts as unvoiced and gets no pulses.
const VOICING_THRESHOLD_HZ: f32 = 40.0;
/// Harmonics stop here, well under Nyquist, so the pulse train does not alias.
const HIGHEST_HARMONIC_HZ: f32 = 11_000.0;
/// The network's log-magnitudes are clamped before `exp` so a stray output cannot blow up.
const LOG_MAGNITUDE_CEILING: f32 = 7.0;

/// The network's outputs for one chunk, batch dimension dropped. The three `[BINS, frames]`
/// tensors are row-major: bin `b`, frame `k` is at `b * frames + k`.
pub struct Frames<'a> {
    pub frames: usize,
    pub lh: &'a [f32],
    pub theta: &'a [f32],
    pub ln: &'a [f32],
    pub lr: &'a [f32],
    pub phi: &'a [f32],
    pub f0: &'a [f32],
}

/// Periodic Hann window: periodic (not symmetric) so that overlapping windows at hop n_fft/4 sum
/// to a constant, which the inverse STFT relies on.
pub fn hann(n: usize) -> Vec<f32> {
    (0..n)
        .map(|i| {
            let x = 2.0 * std::f64::consts::PI * i as f64 / n as f64;
            (0.5 - 0.5 * x.cos()) as f32
        })
        .collect()
}

/// Upsamples the per-frame f0 curve to one value per sample by linear interpolation between
/// frame centres (what `align_corners = false` means), repeating the end frames at the edges.
pub fn f0_per_sample(f0: &[f32]) -> Vec<f32> {
    let frames = f0.len();
    if frames == 0 {
        return Vec::new();
    }
    let padded: Vec<f32> =
        std::iter::once(f0[0]).chain(f0.iter().copied()).chain(std::iter::once(f0[frames - 1])).collect();
    let half = HOP / 2;
    let mut out = Vec::with_capacity(frames * HOP);
    for k in 0..frames {
        for j in 0..HOP {
            let u = (((j as f32 + 0.5) / HOP as f32) - 0.5).rem_euclid(1.0);
            let v = 1.0 - u;
            let value =
                if j < half { padded[k] * v + padded[k + 1] * u } else { padded[k + 1] * v + padded[k + 2] * u };
            out.push(value);
        }
    }
    out
}

/// A band-limited pulse train: at each sample, the sum of `cos(h·t)` over every harmonic `h·f`
/// below [`HIGHEST_HARMONIC_HZ`], computed in closed form (a Dirichlet kernel) rather than by
/// summing. Unvoiced samples are silent.
pub fn pulse_train(f: &[f32]) -> Vec<f32> {
    let mut running = 0.0f64;
    f.iter()
        .map(|&hz| {
            let voiced = hz > VOICING_THRESHOLD_HZ;
            let hz = hz.max(VOICING_THRESHOLD_HZ);
            running += f64::from(hz);
            let cycles = running / f64::from(SAMPLE_RATE);
            let t = ((cycles - cycles.floor()) * 2.0 * std::f64::consts::PI) as f32;
            if !voiced {
                return 0.0;
            }
            let h = (HIGHEST_HARMONIC_HZ / hz).floor() + 0.5;
            let s = 2.0 * (t * 0.5).sin();
            // At t ≈ 0 the ratio is 0/0; its limit is H.
            let e = if s.abs() <= 2e-3 { h } else { (h * t).sin() / s };
            e - 0.5
        })
        .collect()
}

/// Reusable FFT plans and windows for one voice.
pub struct Synthesizer {
    forward: Arc<dyn RealToComplex<f32>>,
    inverse: Arc<dyn ComplexToReal<f32>>,
    window: Vec<f32>,
    /// The window scaled so that a unit cosine peaks at magnitude 1 in the STFT; then `ex(lh)` is
    /// directly the harmonic's amplitude.
    analysis_window: Vec<f32>,
}

impl Default for Synthesizer {
    fn default() -> Self {
        Self::new()
    }
}

impl Synthesizer {
    pub fn new() -> Self {
        let mut planner = RealFftPlanner::<f32>::new();
        let window = hann(N_FFT);
        let scale = 1.0 / (N_FFT as f32 / 4.0);
        let analysis_window = window.iter().map(|w| w * scale).collect();
        Self {
            forward: planner.plan_fft_forward(N_FFT),
            inverse: planner.plan_fft_inverse(N_FFT),
            window,
            analysis_window,
        }
    }

    /// STFT with centred frames and reflect padding (as `torch.stft(center=True)`), keeping the
    /// first `frames` frames. Returns frame-major spectra: `frames` rows of [`BINS`] bins.
    pub fn stft(&self, signal: &[f32], frames: usize) -> Vec<Complex32> {
        let pad = N_FFT / 2;
        let padded = reflect_pad(signal, pad);
        let mut input = vec![0.0f32; N_FFT];
        let mut spectrum = self.forward.make_output_vec();
        let mut out = Vec::with_capacity(frames * BINS);
        for k in 0..frames {
            let start = k * HOP;
            for (i, slot) in input.iter_mut().enumerate() {
                *slot = padded.get(start + i).copied().unwrap_or(0.0) * self.analysis_window[i];
            }
            self.forward.process(&mut input, &mut spectrum).expect("buffer lengths come from the plan");
            out.extend_from_slice(&spectrum);
        }
        out
    }

    /// Inverse of [`Synthesizer::stft`] for frame-major spectra (as `torch.istft(center=True,
    /// length=frames·hop)`): windowed overlap-add, divided by the summed squared window.
    pub fn istft(&self, spectra: &[Complex32], frames: usize) -> Vec<f32> {
        let total = (frames + N_FFT / HOP - 1) * HOP;
        let mut out = vec![0.0f32; total];
        let mut norm = vec![0.0f32; total];
        let mut spectrum = self.inverse.make_input_vec();
        let mut frame = self.inverse.make_output_vec();
        let scale = 1.0 / N_FFT as f32;
        for k in 0..frames {
            spectrum.copy_from_slice(&spectra[k * BINS..(k + 1) * BINS]);
            // A real signal's DC and Nyquist bins are real; realfft refuses anything else.
            spectrum[0].im = 0.0;
            spectrum[BINS - 1].im = 0.0;
            self.inverse.process(&mut spectrum, &mut frame).expect("buffer lengths come from the plan");
            let start = k * HOP;
            for (i, (&x, &w)) in frame.iter().zip(&self.window).enumerate() {
                out[start + i] += x * scale * w;
                norm[start + i] += w * w;
            }
        }
        let half = N_FFT / 2;
        out.iter().zip(&norm).skip(half).take(frames * HOP).map(|(x, n)| x / n.max(1e-11)).collect()
    }

    /// The waveform for one chunk. `noise` supplies standard-normal draws; the caller owns it
    /// so a whole text can use one deterministic stream.
    pub fn synthesize(&self, model: &Frames<'_>, noise: &mut impl FnMut() -> f32) -> Vec<f32> {
        let frames = model.frames;
        let pulses = pulse_train(&f0_per_sample(model.f0));
        let mut spectra = self.stft(&pulses, frames);
        let ex = |x: f32| x.min(LOG_MAGNITUDE_CEILING).exp();
        // The noise is drawn bin-major (bin, then frame, real before imaginary), the order the
        // reference draws it in, so a given seed means the same noise here as there.
        let mut z = vec![Complex32::new(0.0, 0.0); BINS * frames];
        for slot in z.iter_mut() {
            let re = noise();
            let im = noise();
            *slot = Complex32::new(re, im);
        }
        for b in 0..BINS {
            for k in 0..frames {
                let at = b * frames + k;
                let harmonic = Complex32::from_polar(ex(model.lh[at]), std::f32::consts::PI * model.theta[at].tanh());
                let free = Complex32::from_polar(ex(model.lr[at]), model.phi[at]);
                let slot = &mut spectra[k * BINS + b];
                *slot = *slot * harmonic + z[at] * ex(model.ln[at]) + free;
            }
        }
        self.istft(&spectra, frames)
    }
}

/// Mirrors the signal at both ends without repeating the edge sample (numpy's "reflect").
fn reflect_pad(signal: &[f32], pad: usize) -> Vec<f32> {
    let n = signal.len();
    if n < 2 {
        let edge = signal.first().copied().unwrap_or(0.0);
        return vec![edge; n + 2 * pad];
    }
    let period = 2 * (n - 1);
    (0..n + 2 * pad)
        .map(|i| {
            let mut j = (i as isize - pad as isize).rem_euclid(period as isize) as usize;
            if j >= n {
                j = period - j;
            }
            signal[j]
        })
        .collect()
}

/// A small, fixed Gaussian source: SplitMix64 feeding Box–Muller. Written out rather than taken
/// from a crate so the same seed gives the same audio across dependency upgrades.
pub struct GaussianNoise {
    state: u64,
    spare: Option<f32>,
}

impl GaussianNoise {
    pub fn new(seed: u64) -> Self {
        Self { state: seed, spare: None }
    }

    fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in (0, 1], never 0, so the logarithm below is finite.
    fn uniform(&mut self) -> f64 {
        ((self.next_u64() >> 11) as f64 + 1.0) / (1u64 << 53) as f64
    }

    pub fn sample(&mut self) -> f32 {
        if let Some(spare) = self.spare.take() {
            return spare;
        }
        let radius = (-2.0 * self.uniform().ln()).sqrt();
        let angle = 2.0 * std::f64::consts::PI * self.uniform();
        self.spare = Some((radius * angle.sin()) as f32);
        (radius * angle.cos()) as f32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hann_is_periodic_and_overlaps_to_a_constant() {
        let w = hann(N_FFT);
        assert_eq!(w[0], 0.0);
        assert!((w[N_FFT / 2] - 1.0).abs() < 1e-6);
        // Periodic: w[n] == w[N - n], and no sample equals 0 at the far end.
        assert!((w[1] - w[N_FFT - 1]).abs() < 1e-6);
        assert!(w[N_FFT - 1] > 0.0);
        for i in 0..HOP {
            let sum: f32 = (0..4).map(|k| w[i + k * HOP]).sum();
            assert!((sum - 2.0).abs() < 1e-4, "Hann at hop n/4 sums to 2, got {sum}");
        }
    }

    #[test]
    fn pulse_train_is_the_sum_of_its_harmonics() {
        let f = vec![220.0f32; 2400];
        let pulses = pulse_train(&f);
        let harmonics = (HIGHEST_HARMONIC_HZ / 220.0).floor() as usize;
        let mut running = 0.0f64;
        for (i, &hz) in f.iter().enumerate() {
            running += f64::from(hz);
            let cycles = running / f64::from(SAMPLE_RATE);
            let t = (cycles - cycles.floor()) * 2.0 * std::f64::consts::PI;
            let expected: f64 = (1..=harmonics).map(|h| (h as f64 * t).cos()).sum();
            let got = f64::from(pulses[i]);
            assert!((got - expected).abs() < 0.05 * harmonics as f64 / 10.0 + 0.02, "sample {i}: {got} vs {expected}");
        }
    }

    #[test]
    fn unvoiced_samples_are_silent() {
        let pulses = pulse_train(&[0.0, 10.0, 39.9]);
        assert!(pulses.iter().all(|&p| p == 0.0));
    }

    #[test]
    fn f0_interpolation_holds_the_edges_and_meets_between_frames() {
        let f = f0_per_sample(&[100.0, 200.0]);
        assert_eq!(f.len(), 2 * HOP);
        assert!((f[0] - 100.0).abs() < 1e-4);
        assert!((f[2 * HOP - 1] - 200.0).abs() < 1e-4);
        // Halfway between the two frame centres.
        assert!((f[HOP] - 150.0).abs() < 1.0);
    }

    #[test]
    fn reflect_padding_mirrors_without_repeating_the_edge() {
        assert_eq!(reflect_pad(&[1.0, 2.0, 3.0, 4.0], 2), vec![3.0, 2.0, 1.0, 2.0, 3.0, 4.0, 3.0, 2.0]);
    }

    #[test]
    fn stft_then_istft_gives_back_the_signal() {
        let synth = Synthesizer::new();
        let frames = 40;
        let signal: Vec<f32> = (0..frames * HOP)
            .map(|i| {
                let t = i as f32 / SAMPLE_RATE as f32;
                0.5 * (2.0 * std::f32::consts::PI * 440.0 * t).sin()
                    + 0.2 * (2.0 * std::f32::consts::PI * 97.0 * t).cos()
            })
            .collect();
        let spectra = synth.stft(&signal, frames);
        // The analysis window carries a 1/(n_fft/4) scale that the synthesis side does not undo.
        let rescaled: Vec<Complex32> = spectra.iter().map(|c| c * (N_FFT as f32 / 4.0)).collect();
        let back = synth.istft(&rescaled, frames);
        assert_eq!(back.len(), signal.len());
        // The last frames are cut short by keeping only `frames` STFT frames; compare the body.
        let body = frames * HOP - N_FFT;
        let worst = signal[..body].iter().zip(&back[..body]).map(|(a, b)| (a - b).abs()).fold(0.0f32, f32::max);
        assert!(worst < 1e-3, "round trip error {worst}");
    }

    #[test]
    fn a_unit_cosine_peaks_at_magnitude_one() {
        let synth = Synthesizer::new();
        // 400 Hz falls exactly on bin 20 (24000 / 1200 = 20 Hz per bin).
        let signal: Vec<f32> =
            (0..20 * HOP).map(|i| (2.0 * std::f32::consts::PI * 400.0 * i as f32 / SAMPLE_RATE as f32).cos()).collect();
        let spectra = synth.stft(&signal, 20);
        let mag = spectra[10 * BINS + 20].norm();
        assert!((mag - 1.0).abs() < 1e-3, "magnitude {mag}");
    }

    #[test]
    fn noise_is_deterministic_and_standard_normal() {
        let mut a = GaussianNoise::new(7);
        let mut b = GaussianNoise::new(7);
        let xs: Vec<f32> = (0..20_000).map(|_| a.sample()).collect();
        let ys: Vec<f32> = (0..20_000).map(|_| b.sample()).collect();
        assert_eq!(xs, ys);
        let mean = xs.iter().map(|&x| f64::from(x)).sum::<f64>() / xs.len() as f64;
        let var = xs.iter().map(|&x| (f64::from(x) - mean).powi(2)).sum::<f64>() / xs.len() as f64;
        assert!(mean.abs() < 0.03, "mean {mean}");
        assert!((var - 1.0).abs() < 0.05, "variance {var}");
    }
}
