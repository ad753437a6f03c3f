//! The audio of every sandbox recording: one second of a 440 Hz tone,
//! 8 kHz 16-bit mono PCM in a canonical RIFF/WAVE file, made in code so
//! that no binary file lives in the repository.

/// Samples per second.
pub(super) const SAMPLE_RATE: u32 = 8000;
/// Length of the recording.
pub(super) const SECONDS: u32 = 1;
const TONE_HZ: f64 = 440.0;
/// A quarter of full scale: audible, never clipping.
const AMPLITUDE: f64 = 8192.0;

/// The whole file: a 44-byte header, then the samples (little endian).
pub(super) fn recording() -> Vec<u8> {
    let samples = SAMPLE_RATE * SECONDS;
    let data_len = samples * 2;
    let mut out = Vec::with_capacity(44 + data_len as usize);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36 + data_len).to_le_bytes());
    out.extend_from_slice(b"WAVE");
    out.extend_from_slice(b"fmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes()); // PCM
    out.extend_from_slice(&1u16.to_le_bytes()); // mono
    out.extend_from_slice(&SAMPLE_RATE.to_le_bytes());
    out.extend_from_slice(&(SAMPLE_RATE * 2).to_le_bytes()); // bytes per second
    out.extend_from_slice(&2u16.to_le_bytes()); // bytes per frame
    out.extend_from_slice(&16u16.to_le_bytes()); // bits per sample
    out.extend_from_slice(b"data");
    out.extend_from_slice(&data_len.to_le_bytes());
    for n in 0..samples {
        let t = f64::from(n) / f64::from(SAMPLE_RATE);
        let sample = (AMPLITUDE * (2.0 * std::f64::consts::PI * TONE_HZ * t).sin()) as i16;
        out.extend_from_slice(&sample.to_le_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u32_at(b: &[u8], at: usize) -> u32 {
        u32::from_le_bytes(b[at..at + 4].try_into().unwrap())
    }

    fn u16_at(b: &[u8], at: usize) -> u16 {
        u16::from_le_bytes(b[at..at + 2].try_into().unwrap())
    }

    #[test]
    fn the_header_describes_the_samples() {
        let w = recording();
        assert_eq!(w.len(), 44 + 16_000);
        assert_eq!(&w[0..4], b"RIFF");
        assert_eq!(u32_at(&w, 4) as usize, w.len() - 8);
        assert_eq!(&w[8..16], b"WAVEfmt ");
        assert_eq!(u32_at(&w, 16), 16);
        assert_eq!((u16_at(&w, 20), u16_at(&w, 22)), (1, 1));
        assert_eq!((u32_at(&w, 24), u32_at(&w, 28)), (8000, 16_000));
        assert_eq!((u16_at(&w, 32), u16_at(&w, 34)), (2, 16));
        assert_eq!(&w[36..40], b"data");
        assert_eq!(u32_at(&w, 40) as usize, w.len() - 44);
        // A tone, not silence: the samples swing both ways.
        let samples: Vec<i16> = w[44..]
            .chunks(2)
            .map(|c| i16::from_le_bytes([c[0], c[1]]))
            .collect();
        assert!(samples.iter().any(|&s| s > 8000) && samples.iter().any(|&s| s < -8000));
    }
}
