//! Reading the WAV files engines hand back. Programs that stream WAV to a pipe or a socket
//! (espeak-ng's `--stdout`, OpenAI's `response_format=wav`) cannot seek back to write the
//! real lengths, so their headers claim a huge `data` chunk; the lengths are repaired from the
//! bytes actually received before `hound` reads them.

use std::io::Cursor;

use crate::Pcm;

/// Decodes a WAV file of any common sample format to mono `Pcm`, averaging the channels.
pub(crate) fn decode(bytes: &[u8]) -> Result<Pcm, String> {
    let repaired = repair_streamed_lengths(bytes);
    let reader = hound::WavReader::new(Cursor::new(&repaired[..])).map_err(|e| format!("not a WAV file: {e}"))?;
    let spec = reader.spec();
    if spec.channels == 0 || spec.sample_rate == 0 {
        return Err("the WAV file has no channels or no sample rate".into());
    }
    let interleaved: Vec<f32> = match spec.sample_format {
        hound::SampleFormat::Float => {
            reader.into_samples::<f32>().collect::<Result<_, _>>().map_err(|e| format!("a broken WAV file: {e}"))?
        }
        hound::SampleFormat::Int => {
            let scale = 1.0 / (1_i64 << (spec.bits_per_sample.clamp(1, 32) - 1)) as f32;
            reader
                .into_samples::<i32>()
                .map(|s| s.map(|s| s as f32 * scale))
                .collect::<Result<_, _>>()
                .map_err(|e| format!("a broken WAV file: {e}"))?
        }
    };
    let channels = usize::from(spec.channels);
    let samples = if channels == 1 {
        interleaved
    } else {
        interleaved.chunks_exact(channels).map(|frame| frame.iter().sum::<f32>() / channels as f32).collect()
    };
    Ok(Pcm { sample_rate: spec.sample_rate, samples })
}

/// Sets the RIFF and `data` lengths to what was received when they claim more, keeping whole
/// sample frames.
fn repair_streamed_lengths(bytes: &[u8]) -> Vec<u8> {
    let mut out = bytes.to_vec();
    if out.len() < 12 || &out[0..4] != b"RIFF" || &out[8..12] != b"WAVE" {
        return out;
    }
    let mut block_align = 1_usize;
    let mut at = 12;
    while at + 8 <= out.len() {
        let id = [out[at], out[at + 1], out[at + 2], out[at + 3]];
        let declared = u32::from_le_bytes([out[at + 4], out[at + 5], out[at + 6], out[at + 7]]) as usize;
        let body = at + 8;
        if &id == b"fmt " && body + 14 <= out.len() {
            block_align = usize::from(u16::from_le_bytes([out[body + 12], out[body + 13]])).max(1);
        }
        if &id == b"data" {
            let available = out.len() - body;
            if declared > available {
                let whole = available - available % block_align;
                out.truncate(body + whole);
                out[at + 4..at + 8].copy_from_slice(&(whole as u32).to_le_bytes());
            }
            break;
        }
        at = body + declared + declared % 2;
    }
    let riff = (out.len() - 8) as u32;
    out[4..8].copy_from_slice(&riff.to_le_bytes());
    out
}

/// Encodes mono 16-bit WAV, for stand-ins and tests that need to hand audio to something.
#[cfg(test)]
pub(crate) fn encode_i16(pcm: &Pcm) -> Vec<u8> {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: pcm.sample_rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut cursor = Cursor::new(Vec::new());
    let mut writer = hound::WavWriter::new(&mut cursor, spec).expect("a WAV writer over memory");
    for s in &pcm.samples {
        writer.write_sample((s.clamp(-1.0, 1.0) * 32767.0) as i16).expect("writing to memory");
    }
    writer.finalize().expect("finishing a WAV in memory");
    cursor.into_inner()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(rate: u32, n: usize) -> Pcm {
        Pcm { sample_rate: rate, samples: (0..n).map(|i| (i as f32 * 0.05).sin() * 0.5).collect() }
    }

    #[test]
    fn reads_back_what_was_written() {
        let pcm = tone(22_050, 1000);
        let back = decode(&encode_i16(&pcm)).expect("decodes");
        assert_eq!(back.sample_rate, 22_050);
        assert_eq!(back.samples.len(), 1000);
        let worst = pcm.samples.iter().zip(&back.samples).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max);
        assert!(worst < 1e-4, "16-bit round trip error {worst}");
    }

    #[test]
    fn a_streamed_header_that_claims_too_much_is_cut_to_what_arrived() {
        let mut bytes = encode_i16(&tone(24_000, 501));
        // What a pipe writer puts there: it cannot know the length.
        bytes[4..8].copy_from_slice(&0x7fff_f024_u32.to_le_bytes());
        bytes[40..44].copy_from_slice(&u32::MAX.to_le_bytes());
        // A half sample at the end, as a cut connection would leave.
        bytes.push(0x12);
        let back = decode(&bytes).expect("decodes");
        assert_eq!(back.samples.len(), 501);
    }

    #[test]
    fn stereo_is_averaged_to_mono() {
        let spec = hound::WavSpec {
            channels: 2,
            sample_rate: 8000,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let mut cursor = Cursor::new(Vec::new());
        let mut writer = hound::WavWriter::new(&mut cursor, spec).expect("writer");
        for _ in 0..10 {
            writer.write_sample(16384_i16).expect("write");
            writer.write_sample(0_i16).expect("write");
        }
        writer.finalize().expect("finalize");
        let back = decode(&cursor.into_inner()).expect("decodes");
        assert_eq!(back.samples.len(), 10);
        assert!((back.samples[0] - 0.25).abs() < 1e-3);
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(decode(b"<html>502 Bad Gateway</html>").is_err());
        assert!(decode(b"").is_err());
    }
}
