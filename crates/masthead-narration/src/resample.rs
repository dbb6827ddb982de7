//! Sample-rate conversion for the rare article whose sentences come back at different rates.
//! A windowed-sinc interpolator: plain linear interpolation would fold the voice's upper
//! harmonics back down as audible aliasing when the rate goes down.

use crate::Pcm;

/// Zero crossings of the sinc kept on each side: enough for speech, cheap enough for minutes.
const HALF_TAPS: f64 = 16.0;

/// `pcm` at `rate`, the same length in seconds (to the nearest sample).
pub fn resample(pcm: &Pcm, rate: u32) -> Pcm {
    if pcm.sample_rate == rate || pcm.sample_rate == 0 || pcm.samples.is_empty() {
        return Pcm { sample_rate: if pcm.sample_rate == 0 { 0 } else { rate }, samples: pcm.samples.clone() };
    }
    let ratio = f64::from(rate) / f64::from(pcm.sample_rate);
    // Going down, the filter must cut at the new Nyquist frequency, not the old one.
    let cutoff = ratio.min(1.0);
    let reach = HALF_TAPS / cutoff;
    let out_len = (pcm.samples.len() as f64 * ratio).round() as usize;
    let last = pcm.samples.len() as isize - 1;
    let samples = (0..out_len)
        .map(|n| {
            let centre = n as f64 / ratio;
            let first = (centre - reach).ceil().max(0.0) as isize;
            let end = ((centre + reach).floor() as isize).min(last);
            let mut sum = 0.0_f64;
            for k in first..=end {
                let x = centre - k as f64;
                sum += f64::from(pcm.samples[k as usize]) * cutoff * sinc(cutoff * x) * blackman(x / reach);
            }
            sum as f32
        })
        .collect();
    Pcm { sample_rate: rate, samples }
}

fn sinc(x: f64) -> f64 {
    if x.abs() < 1e-9 {
        1.0
    } else {
        let px = std::f64::consts::PI * x;
        px.sin() / px
    }
}

/// A Blackman window over `-1..=1`.
fn blackman(x: f64) -> f64 {
    if x.abs() >= 1.0 {
        return 0.0;
    }
    let phase = std::f64::consts::PI * (x + 1.0);
    0.42 - 0.5 * phase.cos() + 0.08 * (2.0 * phase).cos()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sine(rate: u32, freq: f64, seconds: f64) -> Pcm {
        let n = (seconds * f64::from(rate)) as usize;
        Pcm {
            sample_rate: rate,
            samples: (0..n)
                .map(|i| (std::f64::consts::TAU * freq * i as f64 / f64::from(rate)).sin() as f32 * 0.5)
                .collect(),
        }
    }

    fn worst_interior_error(got: &Pcm, want: &Pcm) -> f32 {
        let edge = 64;
        got.samples[edge..got.samples.len() - edge]
            .iter()
            .zip(&want.samples[edge..])
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f32::max)
    }

    #[test]
    fn a_tone_survives_going_up_and_down() {
        for (from, to) in [(22_050, 24_000), (24_000, 22_050), (16_000, 24_000)] {
            let out = resample(&sine(from, 440.0, 0.5), to);
            assert_eq!(out.sample_rate, to);
            assert_eq!(out.samples.len(), (0.5 * f64::from(to)).round() as usize, "{from} -> {to}");
            let error = worst_interior_error(&out, &sine(to, 440.0, 0.5));
            assert!(error < 0.01, "{from} -> {to}: {error}");
        }
    }

    #[test]
    fn what_the_new_rate_cannot_carry_is_filtered_out_not_folded_down() {
        // 11.5 kHz exists at 24 kHz but not at 16 kHz (Nyquist 8 kHz).
        let out = resample(&sine(24_000, 11_500.0, 0.5), 16_000);
        let rms = (out.samples.iter().map(|s| s * s).sum::<f32>() / out.samples.len() as f32).sqrt();
        assert!(rms < 0.01, "aliasing left an RMS of {rms}");
    }

    #[test]
    fn the_same_rate_is_a_copy() {
        let pcm = sine(24_000, 300.0, 0.1);
        assert_eq!(resample(&pcm, 24_000), pcm);
    }
}
