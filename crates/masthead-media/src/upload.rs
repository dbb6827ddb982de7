//! Images uploaded by staff: recognised by their bytes (never their name), bounded in size and
//! pixels, turned upright by their EXIF orientation and re-encoded, which drops EXIF (camera
//! serial numbers, GPS positions) and anything hidden after the image data.

use std::io::Cursor;

use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};

/// Largest upload accepted.
pub const MAX_UPLOAD_BYTES: usize = 20 * 1024 * 1024;
/// Largest image accepted, in pixels (width times height).
pub const MAX_PIXELS: u64 = 50_000_000;
/// Longest side kept; larger photos are scaled down.
pub const MAX_SIDE: u32 = 2400;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum UploadError {
    #[error("the file is empty")]
    Empty,
    #[error("the file is larger than {} MB", MAX_UPLOAD_BYTES / 1024 / 1024)]
    TooLarge,
    #[error("only JPEG, PNG, WebP and GIF images can be uploaded (this file is not one of them)")]
    UnsupportedType,
    #[error("the image is larger than {} megapixels", MAX_PIXELS / 1_000_000)]
    TooManyPixels,
    #[error("the image could not be read: {0}")]
    Corrupt(String),
}

/// A decoded, upright image and the format to store it in.
pub struct UploadedImage {
    pub image: DynamicImage,
    pub format: ImageFormat,
}

impl UploadedImage {
    pub fn extension(&self) -> &'static str {
        if self.format == ImageFormat::Png { "png" } else { "jpg" }
    }
}

pub fn read_upload(bytes: &[u8]) -> Result<UploadedImage, UploadError> {
    if bytes.is_empty() {
        return Err(UploadError::Empty);
    }
    if bytes.len() > MAX_UPLOAD_BYTES {
        return Err(UploadError::TooLarge);
    }
    let format = image::guess_format(bytes).map_err(|_| UploadError::UnsupportedType)?;
    if !matches!(format, ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::WebP | ImageFormat::Gif) {
        return Err(UploadError::UnsupportedType);
    }
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = Limits::default();
    limits.max_alloc = Some(MAX_PIXELS * 4 + 64 * 1024 * 1024);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(|e| UploadError::Corrupt(e.to_string()))?;
    let (width, height) = decoder.dimensions();
    if u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(UploadError::TooManyPixels);
    }
    let orientation = decoder.orientation().map_err(|e| UploadError::Corrupt(e.to_string()))?;
    let mut image = DynamicImage::from_decoder(decoder).map_err(|e| UploadError::Corrupt(e.to_string()))?;
    image.apply_orientation(orientation);
    if image.width().max(image.height()) > MAX_SIDE {
        image = image.resize(MAX_SIDE, MAX_SIDE, image::imageops::FilterType::CatmullRom);
    }
    // Transparent PNGs stay PNG; everything else is stored as JPEG.
    let keep_png = format == ImageFormat::Png && image.color().has_alpha();
    Ok(UploadedImage { image, format: if keep_png { ImageFormat::Png } else { ImageFormat::Jpeg } })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(image: &DynamicImage, format: ImageFormat) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        image.write_to(&mut out, format).expect("encode");
        out.into_inner()
    }

    /// PNG's chunk checksum, so a test can forge a valid header.
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = 0xffff_ffffu32;
        for &byte in bytes {
            crc ^= u32::from(byte);
            for _ in 0..8 {
                crc = if crc & 1 == 1 { (crc >> 1) ^ 0xedb8_8320 } else { crc >> 1 };
            }
        }
        !crc
    }

    #[test]
    fn accepts_the_four_formats_by_content() {
        let rgb = DynamicImage::ImageRgb8(image::RgbImage::from_pixel(40, 20, image::Rgb([10, 20, 30])));
        for format in [ImageFormat::Jpeg, ImageFormat::Png, ImageFormat::Gif, ImageFormat::WebP] {
            let image = if format == ImageFormat::Gif { DynamicImage::ImageRgba8(rgb.to_rgba8()) } else { rgb.clone() };
            let uploaded = read_upload(&encode(&image, format)).unwrap_or_else(|e| panic!("{format:?}: {e}"));
            assert_eq!((uploaded.image.width(), uploaded.image.height()), (40, 20));
        }
    }

    #[test]
    fn refuses_what_is_not_a_raster_image() {
        assert_eq!(read_upload(b"").err(), Some(UploadError::Empty));
        let svg = br#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#;
        assert_eq!(read_upload(svg).err(), Some(UploadError::UnsupportedType));
        let broken_gif = b"GIF89a\x01\x00\x01\x00then nothing that decodes";
        assert!(matches!(read_upload(broken_gif), Err(UploadError::Corrupt(_))));
        let big = vec![0u8; MAX_UPLOAD_BYTES + 1];
        assert_eq!(read_upload(&big).err(), Some(UploadError::TooLarge));
    }

    #[test]
    fn refuses_images_with_too_many_pixels_before_decoding_them() {
        // A PNG header claiming 10000 x 10000 pixels.
        let image = DynamicImage::ImageLuma8(image::GrayImage::new(1, 1));
        let mut png = encode(&image, ImageFormat::Png);
        png[16..20].copy_from_slice(&10_000u32.to_be_bytes());
        png[20..24].copy_from_slice(&10_000u32.to_be_bytes());
        let crc = crc32(&png[12..29]);
        png[29..33].copy_from_slice(&crc.to_be_bytes());
        assert_eq!(read_upload(&png).err(), Some(UploadError::TooManyPixels));
    }

    #[test]
    fn transparent_pngs_stay_png_and_large_photos_are_scaled() {
        let clear = DynamicImage::ImageRgba8(image::RgbaImage::from_pixel(10, 10, image::Rgba([0, 0, 0, 0])));
        assert_eq!(read_upload(&encode(&clear, ImageFormat::Png)).expect("png").extension(), "png");
        let wide = DynamicImage::ImageRgb8(image::RgbImage::new(3000, 1000));
        let uploaded = read_upload(&encode(&wide, ImageFormat::Jpeg)).expect("jpeg");
        assert_eq!((uploaded.image.width(), uploaded.image.height(), uploaded.extension()), (2400, 800, "jpg"));
    }
}
