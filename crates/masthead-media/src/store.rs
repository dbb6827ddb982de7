use std::io::BufWriter;
use std::path::{Component, Path, PathBuf};

use image::codecs::jpeg::JpegEncoder;
use image::{RgbImage, imageops};

#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    #[error("unsafe media path {0:?}")]
    UnsafePath(String),
    #[error("could not write {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("could not encode image: {0}")]
    Encode(#[from] image::ImageError),
}

/// Media kept in a local directory.
#[derive(Clone, Debug)]
pub struct MediaStore {
    root: PathBuf,
}

const JPEG_QUALITY: u8 = 82;

impl MediaStore {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// The directory served at `/content/images/`.
    pub fn images_dir(&self) -> PathBuf {
        self.root.join("images")
    }

    /// Saves `image` as a JPEG at `relative` (e.g. `2026/11/slug.jpg`) with a variant for every
    /// width in [`masthead_core::IMAGE_WIDTHS`] narrower than the original, and returns the
    /// public URL path of the original.
    pub fn save_jpeg_with_variants(&self, relative: &str, image: &RgbImage) -> Result<String, MediaError> {
        let relative = safe_relative(relative)?;
        self.write_jpeg(&self.images_dir().join(&relative), image)?;
        for width in masthead_core::IMAGE_WIDTHS {
            let path = self.images_dir().join(format!("size/w{width}")).join(&relative);
            let webp = self.images_dir().join(format!("size/w{width}/format/webp")).join(&relative);
            if width >= image.width() {
                self.write_jpeg(&path, image)?;
                write_atomically(&webp, &encode_webp(&image::DynamicImage::ImageRgb8(image.clone())))?;
                continue;
            }
            let height = (u64::from(image.height()) * u64::from(width) / u64::from(image.width())).max(1) as u32;
            let resized = imageops::resize(image, width, height, imageops::FilterType::CatmullRom);
            self.write_jpeg(&path, &resized)?;
            write_atomically(&webp, &encode_webp(&image::DynamicImage::ImageRgb8(resized)))?;
        }
        Ok(format!("/content/images/{}", relative.to_string_lossy().replace('\\', "/")))
    }

    /// Saves an uploaded image (JPEG, or PNG when it is transparent) under `relative` with its
    /// resized variants, and returns the public URL path of the original.
    pub fn save_upload(&self, relative: &str, upload: &crate::UploadedImage) -> Result<String, MediaError> {
        if upload.format != image::ImageFormat::Png {
            return self.save_jpeg_with_variants(relative, &upload.image.to_rgb8());
        }
        let relative = safe_relative(relative)?;
        let write = |path: PathBuf, image: &image::DynamicImage| -> Result<(), MediaError> {
            let io = |source| MediaError::Io { path: path.clone(), source };
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(io)?;
            }
            let partial = path.with_extension("partial");
            image.save_with_format(&partial, image::ImageFormat::Png)?;
            std::fs::rename(&partial, &path).map_err(io)
        };
        write(self.images_dir().join(&relative), &upload.image)?;
        for width in masthead_core::IMAGE_WIDTHS {
            let variant = if width >= upload.image.width() {
                upload.image.clone()
            } else {
                upload.image.resize(width, u32::MAX, imageops::FilterType::CatmullRom)
            };
            write(self.images_dir().join(format!("size/w{width}")).join(&relative), &variant)?;
            let webp = self.images_dir().join(format!("size/w{width}/format/webp")).join(&relative);
            write_atomically(&webp, &encode_webp(&variant))?;
        }
        Ok(format!("/content/images/{}", relative.to_string_lossy().replace('\\', "/")))
    }

    fn write_jpeg(&self, path: &Path, image: &RgbImage) -> Result<(), MediaError> {
        let io = |source| MediaError::Io { path: path.to_owned(), source };
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(io)?;
        }
        // Write beside the target and rename, so a reader never sees half a file.
        let partial = path.with_extension("partial");
        let file = std::fs::File::create(&partial).map_err(io)?;
        let mut writer = BufWriter::new(file);
        JpegEncoder::new_with_quality(&mut writer, JPEG_QUALITY).encode_image(image)?;
        writer.into_inner().map_err(|e| io(e.into_error()))?.sync_all().map_err(io)?;
        std::fs::rename(&partial, path).map_err(io)
    }
}

/// WebP quality for variants: visually close to the JPEGs at about two thirds of their size.
const WEBP_QUALITY: f32 = 78.0;

/// A lossy WebP of `image` (with its transparency, if it has any).
fn encode_webp(image: &image::DynamicImage) -> Vec<u8> {
    if image.color().has_alpha() {
        let rgba = image.to_rgba8();
        webp::Encoder::from_rgba(rgba.as_raw(), rgba.width(), rgba.height()).encode(WEBP_QUALITY).to_vec()
    } else {
        let rgb = image.to_rgb8();
        webp::Encoder::from_rgb(rgb.as_raw(), rgb.width(), rgb.height()).encode(WEBP_QUALITY).to_vec()
    }
}

/// Writes beside the target and renames, so a reader never sees half a file.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), MediaError> {
    let io = |source| MediaError::Io { path: path.to_owned(), source };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(io)?;
    }
    let partial = path.with_extension("partial");
    std::fs::write(&partial, bytes).map_err(io)?;
    std::fs::rename(&partial, path).map_err(io)
}

/// Accepts only plain relative paths (no `..`, no root), so a name can never escape the store.
fn safe_relative(relative: &str) -> Result<PathBuf, MediaError> {
    let path = Path::new(relative);
    let plain = !relative.is_empty() && path.components().all(|c| matches!(c, Component::Normal(_)));
    if plain { Ok(path.to_owned()) } else { Err(MediaError::UnsafePath(relative.to_owned())) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saves_original_and_variants() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = MediaStore::new(dir.path());
        let image = RgbImage::from_pixel(1600, 900, image::Rgb([10, 20, 30]));
        let url = store.save_jpeg_with_variants("2026/11/test.jpg", &image).expect("saved");
        assert_eq!(url, "/content/images/2026/11/test.jpg");
        let variant = image::open(dir.path().join("images/size/w480/2026/11/test.jpg")).expect("variant");
        assert_eq!((variant.width(), variant.height()), (480, 270));
        let webp =
            std::fs::read(dir.path().join("images/size/w480/format/webp/2026/11/test.jpg")).expect("webp variant");
        assert_eq!(image::guess_format(&webp).ok(), Some(image::ImageFormat::WebP));
        let decoded = image::load_from_memory(&webp).expect("decodes");
        assert_eq!((decoded.width(), decoded.height()), (480, 270));
        assert!(dir.path().join("images/2026/11/test.jpg").exists());
    }

    #[test]
    fn refuses_paths_that_escape() {
        let store = MediaStore::new("/tmp/never");
        let image = RgbImage::new(2, 2);
        assert!(matches!(store.save_jpeg_with_variants("../etc/x.jpg", &image), Err(MediaError::UnsafePath(_))));
        assert!(matches!(store.save_jpeg_with_variants("/abs.jpg", &image), Err(MediaError::UnsafePath(_))));
    }
}
