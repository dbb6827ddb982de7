//! MP3, because every browser's `<audio>` and every podcast app plays it. Mono at 64 kbps CBR
//! is plenty for one voice and keeps a 10-minute article under 5 MB.
//!
//! LAME is asked to write its Info tag (the first frame), which records the encoder's delay and
//! padding: players that honour it (browsers, most podcast apps) play exactly the samples that
//! went in. The duration returned is read back from the encoded frames and that tag, so it is
//! what those players will show, not what was meant to be encoded.

use std::num::NonZeroU32;

use mp3lame_encoder::{Bitrate, Builder, FlushGap, Mode, MonoPcm, Quality};

use crate::Pcm;

pub const BITRATE_KBPS: u32 = 64;
/// The sample rates MP3 has (MPEG-1, MPEG-2, MPEG-2.5). Others are resampled by LAME.
const MP3_RATES: [u32; 9] = [48_000, 44_100, 32_000, 24_000, 22_050, 16_000, 12_000, 11_025, 8_000];
/// LAME processes this many samples at a time; bigger calls only need bigger buffers.
const CHUNK: usize = 1152 * 16;

#[derive(Debug, Clone, PartialEq)]
pub struct Mp3 {
    pub bytes: Vec<u8>,
    pub seconds: f64,
}

#[derive(Debug, thiserror::Error)]
pub enum EncodeError {
    #[error("cannot encode audio at {0} Hz to MP3")]
    SampleRate(u32),
    #[error("there is no audio to encode")]
    Empty,
    #[error("the MP3 encoder failed: {0}")]
    Lame(String),
    #[error("the MP3 encoder wrote a stream that does not read back: {0}")]
    Unreadable(#[from] Mp3Error),
}

/// Encodes mono `pcm` at [`BITRATE_KBPS`].
pub fn encode_mp3(pcm: &Pcm) -> Result<Mp3, EncodeError> {
    if !(8_000..=48_000).contains(&pcm.sample_rate) {
        return Err(EncodeError::SampleRate(pcm.sample_rate));
    }
    if pcm.samples.is_empty() {
        return Err(EncodeError::Empty);
    }
    let lame = |e: &dyn std::fmt::Display| EncodeError::Lame(e.to_string());
    let mut builder = Builder::new().ok_or_else(|| EncodeError::Lame("LAME could not allocate".into()))?;
    builder.set_num_channels(1).map_err(|e| lame(&e))?;
    builder.set_sample_rate(pcm.sample_rate).map_err(|e| lame(&e))?;
    // Left to itself LAME may pick a lower rate for a low bitrate; keep the voice's own.
    let out_rate = if MP3_RATES.contains(&pcm.sample_rate) { NonZeroU32::new(pcm.sample_rate) } else { None };
    builder.set_output_sample_rate(out_rate).map_err(|e| lame(&e))?;
    builder.set_brate(Bitrate::Kbps64).map_err(|e| lame(&e))?;
    builder.set_mode(Mode::Mono).map_err(|e| lame(&e))?;
    builder.set_quality(Quality::Good).map_err(|e| lame(&e))?;
    builder.set_to_write_vbr_tag(true).map_err(|e| lame(&e))?;
    let mut encoder = builder.build().map_err(|e| lame(&e))?;

    let mut bytes = Vec::with_capacity(pcm.samples.len() / 3 + 8192);
    for chunk in pcm.samples.chunks(CHUNK) {
        bytes.reserve(mp3lame_encoder::max_required_buffer_size(chunk.len()));
        encoder.encode_to_vec(MonoPcm(chunk), &mut bytes).map_err(|e| lame(&e))?;
    }
    // 7,200 bytes is LAME's documented worst case for the last frames.
    bytes.reserve(7200);
    encoder.flush_to_vec::<FlushGap>(&mut bytes).map_err(|e| lame(&e))?;
    // The Info frame at the start was a placeholder; now that the stream is complete LAME can
    // fill in the frame count, delay and padding.
    let mut tag = Vec::with_capacity(encoder.lame_tag_size());
    if encoder.lame_tag_encode_to_vec(&mut tag).is_some() && tag.len() <= bytes.len() {
        bytes[..tag.len()].copy_from_slice(&tag);
    }
    let info = read_mp3(&bytes)?;
    Ok(Mp3 { bytes, seconds: info.seconds() })
}

/// What the frames of an MP3 stream say about it.
#[derive(Debug, Clone, PartialEq)]
pub struct Mp3Info {
    pub sample_rate: u32,
    pub channels: u8,
    /// Frames that carry audio (the Info frame is not counted).
    pub audio_frames: usize,
    pub samples_per_frame: u32,
    /// Each audio frame's bitrate, in kbit/s.
    pub bitrates_kbps: Vec<u32>,
    /// From LAME's Info tag: samples the encoder added at the start and the end.
    pub encoder_delay: Option<u32>,
    pub encoder_padding: Option<u32>,
}

impl Mp3Info {
    /// What a player that honours the Info tag plays; without a tag, every frame.
    pub fn seconds(&self) -> f64 {
        let total = self.audio_frames as u64 * u64::from(self.samples_per_frame);
        let trimmed =
            total.saturating_sub(u64::from(self.encoder_delay.unwrap_or(0) + self.encoder_padding.unwrap_or(0)));
        trimmed as f64 / f64::from(self.sample_rate)
    }

    /// The length of one frame, the resolution of any MP3 duration.
    pub fn frame_seconds(&self) -> f64 {
        f64::from(self.samples_per_frame) / f64::from(self.sample_rate)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Mp3Error {
    #[error("no MP3 frame at byte {0}")]
    NotAFrame(usize),
    #[error("the frame at byte {at} runs past the end ({len} bytes)")]
    Truncated { at: usize, len: usize },
    #[error("the frame at byte {0} is not Layer III")]
    NotLayer3(usize),
    #[error("the frame at byte {0} changes the sample rate or channels")]
    Inconsistent(usize),
    #[error("there are no audio frames")]
    NoFrames,
}

struct FrameHeader {
    sample_rate: u32,
    channels: u8,
    bitrate_kbps: u32,
    samples_per_frame: u32,
    length: usize,
    /// Bytes from the frame start to the end of the side information, where an Info tag sits.
    side_info_end: usize,
}

/// Reads MPEG audio frame headers end to end; an ID3v2 tag in front is skipped. Strict on
/// purpose: every byte must belong to a frame, so a damaged stream is caught.
pub fn read_mp3(bytes: &[u8]) -> Result<Mp3Info, Mp3Error> {
    let mut at = id3v2_len(bytes);
    let mut info: Option<Mp3Info> = None;
    while at < bytes.len() {
        // An ID3v1 tag may close the stream.
        if bytes.len() - at == 128 && bytes[at..].starts_with(b"TAG") {
            break;
        }
        let header = parse_header(bytes, at)?;
        if at + header.length > bytes.len() {
            return Err(Mp3Error::Truncated { at, len: header.length });
        }
        let frame = &bytes[at..at + header.length];
        match &mut info {
            None => {
                let mut first = Mp3Info {
                    sample_rate: header.sample_rate,
                    channels: header.channels,
                    audio_frames: 0,
                    samples_per_frame: header.samples_per_frame,
                    bitrates_kbps: Vec::new(),
                    encoder_delay: None,
                    encoder_padding: None,
                };
                match info_tag(frame, header.side_info_end) {
                    Some(InfoTag::Lame { delay, padding }) => {
                        first.encoder_delay = Some(delay);
                        first.encoder_padding = Some(padding);
                    }
                    Some(InfoTag::Plain) => {}
                    None => {
                        first.audio_frames = 1;
                        first.bitrates_kbps.push(header.bitrate_kbps);
                    }
                }
                info = Some(first);
            }
            Some(info) => {
                if info.sample_rate != header.sample_rate || info.channels != header.channels {
                    return Err(Mp3Error::Inconsistent(at));
                }
                info.audio_frames += 1;
                info.bitrates_kbps.push(header.bitrate_kbps);
            }
        }
        at += header.length;
    }
    match info {
        Some(info) if info.audio_frames > 0 => Ok(info),
        _ => Err(Mp3Error::NoFrames),
    }
}

fn id3v2_len(bytes: &[u8]) -> usize {
    if bytes.len() >= 10 && bytes.starts_with(b"ID3") {
        let size = bytes[6..10].iter().fold(0_usize, |n, b| (n << 7) | usize::from(b & 0x7f));
        let footer = if bytes[5] & 0x10 != 0 { 10 } else { 0 };
        return 10 + size + footer;
    }
    0
}

fn parse_header(bytes: &[u8], at: usize) -> Result<FrameHeader, Mp3Error> {
    let h = bytes.get(at..at + 4).ok_or(Mp3Error::NotAFrame(at))?;
    if h[0] != 0xff || h[1] & 0xe0 != 0xe0 {
        return Err(Mp3Error::NotAFrame(at));
    }
    // Version: 0 = MPEG-2.5, 2 = MPEG-2, 3 = MPEG-1 (1 is reserved).
    let version = (h[1] >> 3) & 0b11;
    let layer = (h[1] >> 1) & 0b11;
    if layer != 0b01 {
        return Err(Mp3Error::NotLayer3(at));
    }
    let bitrate_index = usize::from(h[2] >> 4);
    let rate_index = usize::from((h[2] >> 2) & 0b11);
    let padding = usize::from((h[2] >> 1) & 1);
    let channel_mode = h[3] >> 6;
    const MPEG1_KBPS: [u32; 15] = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320];
    const MPEG2_KBPS: [u32; 15] = [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160];
    const MPEG1_RATES: [u32; 3] = [44_100, 48_000, 32_000];
    if version == 1 || bitrate_index == 0 || bitrate_index == 15 || rate_index == 3 {
        // Reserved values, or "free format", which no encoder here writes.
        return Err(Mp3Error::NotAFrame(at));
    }
    let mpeg1 = version == 3;
    let bitrate_kbps = if mpeg1 { MPEG1_KBPS[bitrate_index] } else { MPEG2_KBPS[bitrate_index] };
    let divisor = match version {
        3 => 1,
        2 => 2,
        _ => 4,
    };
    let sample_rate = MPEG1_RATES[rate_index] / divisor;
    let samples_per_frame = if mpeg1 { 1152 } else { 576 };
    let length = (samples_per_frame as usize / 8 * bitrate_kbps as usize * 1000) / sample_rate as usize + padding;
    let channels = if channel_mode == 0b11 { 1 } else { 2 };
    let crc = if h[1] & 1 == 0 { 2 } else { 0 };
    let side_info = match (mpeg1, channels) {
        (true, 1) => 17,
        (true, _) => 32,
        (false, 1) => 9,
        (false, _) => 17,
    };
    Ok(FrameHeader {
        sample_rate,
        channels,
        bitrate_kbps,
        samples_per_frame,
        length,
        side_info_end: 4 + crc + side_info,
    })
}

/// What the first frame is when it carries no audio but a Xing/Info tag.
enum InfoTag {
    Plain,
    /// LAME's extension: samples added at the start and at the end.
    Lame {
        delay: u32,
        padding: u32,
    },
}

fn info_tag(frame: &[u8], at: usize) -> Option<InfoTag> {
    let id = frame.get(at..at + 4)?;
    if id != b"Xing" && id != b"Info" {
        return None;
    }
    let flags = u32::from_be_bytes(frame.get(at + 4..at + 8)?.try_into().ok()?);
    // Frame count, byte count, table of contents and quality, each present if flagged.
    let mut lame = at + 8;
    for (bit, size) in [(1, 4), (2, 4), (4, 100), (8, 4)] {
        if flags & bit != 0 {
            lame += size;
        }
    }
    let encoder = frame.get(lame..lame + 4);
    if encoder != Some(b"LAME".as_slice()) && encoder != Some(b"Lavf".as_slice()) {
        return Some(InfoTag::Plain);
    }
    // Encoder name (9), revision (1), lowpass (1), replay gain (8), flags (1), bitrate (1),
    // then 12 bits of delay and 12 bits of padding.
    let Some(d) = frame.get(lame + 21..lame + 24) else { return Some(InfoTag::Plain) };
    let delay = (u32::from(d[0]) << 4) | (u32::from(d[1]) >> 4);
    let padding = ((u32::from(d[1]) & 0x0f) << 8) | u32::from(d[2]);
    Some(InfoTag::Lame { delay, padding })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn speech_like(rate: u32, seconds: f64) -> Pcm {
        let n = (seconds * f64::from(rate)) as usize;
        let samples = (0..n)
            .map(|i| {
                let t = i as f32 / rate as f32;
                // A 150 Hz voice with a few harmonics, syllables every 200 ms.
                let envelope = (t * std::f32::consts::PI * 5.0).sin().abs();
                let voice: f32 = (1..6).map(|h| (t * 150.0 * h as f32 * std::f32::consts::TAU).sin() / h as f32).sum();
                voice * envelope * 0.3
            })
            .collect();
        Pcm { sample_rate: rate, samples }
    }

    #[test]
    fn encodes_22050_and_24000_to_mono_64k_frames_of_the_same_rate() {
        for rate in [22_050, 24_000] {
            let pcm = speech_like(rate, 3.0);
            let mp3 = encode_mp3(&pcm).expect("encodes");
            let info = read_mp3(&mp3.bytes).expect("reads back");
            assert_eq!(info.sample_rate, rate);
            assert_eq!(info.channels, 1);
            assert_eq!(info.samples_per_frame, 576);
            assert!(info.bitrates_kbps.iter().all(|&b| b == BITRATE_KBPS), "{:?}", info.bitrates_kbps);
            // The tag must be there: without it the duration would include LAME's delay.
            assert!(info.encoder_delay.is_some_and(|d| d > 0), "{info:?}");
            assert!(
                (mp3.seconds - pcm.seconds()).abs() <= info.frame_seconds(),
                "{} vs {}",
                mp3.seconds,
                pcm.seconds()
            );
            // 64 kbit/s for 3 s is 24 kB.
            let expected = 64_000.0 / 8.0 * pcm.seconds();
            assert!((mp3.bytes.len() as f64 - expected).abs() < expected * 0.05, "{} bytes", mp3.bytes.len());
        }
    }

    #[test]
    fn the_duration_is_exact_with_the_tag_and_within_delay_and_a_frame_without() {
        let pcm = speech_like(24_000, 2.345);
        let mp3 = encode_mp3(&pcm).expect("encodes");
        let info = read_mp3(&mp3.bytes).expect("reads back");
        // LAME records exactly what it added, so the gapless length is the input length.
        assert_eq!((mp3.seconds * 24_000.0).round() as usize, pcm.samples.len());
        let all_frames = info.audio_frames as f64 * info.frame_seconds();
        let delay = f64::from(info.encoder_delay.unwrap_or(0)) / 24_000.0;
        assert!(all_frames >= pcm.seconds() && all_frames <= pcm.seconds() + delay + info.frame_seconds() * 2.0);
    }

    #[test]
    fn other_rates_are_refused_or_encoded() {
        assert!(matches!(
            encode_mp3(&Pcm { sample_rate: 96_000, samples: vec![0.0; 10] }),
            Err(EncodeError::SampleRate(_))
        ));
        assert!(matches!(encode_mp3(&Pcm { sample_rate: 24_000, samples: vec![] }), Err(EncodeError::Empty)));
        let odd = encode_mp3(&speech_like(16_000, 1.0)).expect("16 kHz is an MP3 rate");
        assert_eq!(read_mp3(&odd.bytes).expect("reads").sample_rate, 16_000);
    }

    #[test]
    fn damaged_streams_are_caught() {
        let mp3 = encode_mp3(&speech_like(24_000, 1.0)).expect("encodes");
        let cut = &mp3.bytes[..mp3.bytes.len() - 10];
        assert!(matches!(read_mp3(cut), Err(Mp3Error::Truncated { .. })));
        let mut garbled = mp3.bytes.clone();
        let second = parse_header(&garbled, 0).expect("a first frame").length;
        garbled[second] = 0x00;
        assert!(matches!(read_mp3(&garbled), Err(Mp3Error::NotAFrame(_))));
        assert!(matches!(read_mp3(b"not an mp3"), Err(Mp3Error::NotAFrame(0))));
        assert!(matches!(read_mp3(b""), Err(Mp3Error::NoFrames)));
    }
}
