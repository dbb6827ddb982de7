use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use image::codecs::jpeg::JpegEncoder;
use image::{DynamicImage, ImageFormat, RgbImage, imageops};
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path as StorePath;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};

#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    #[error("unsafe media path {0:?}")]
    UnsafePath(String),
    #[error("could not prepare {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("could not encode image: {0}")]
    Encode(#[from] image::ImageError),
    #[error("media storage: {0}")]
    Store(#[from] object_store::Error),
    #[error("image processing stopped: {0}")]
    Task(String),
}

/// Where media is kept: a local directory (the default) or any S3-compatible bucket, through
/// one `object_store` API. Keys are `images/2026/11/name.jpg`, variants
/// `images/size/w960/2026/11/name.jpg` and `images/size/w960/format/webp/2026/11/name.jpg`.
#[derive(Clone)]
pub struct MediaStore {
    store: Arc<dyn ObjectStore>,
}

impl std::fmt::Debug for MediaStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "MediaStore({})", self.store)
    }
}

/// Settings of an S3-compatible bucket.
///
/// Without explicit credentials, everything not set here comes from the usual `AWS_*`
/// environment variables (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`,
/// `AWS_REGION`, ...), as `masthead serve --s3-bucket` uses them. With both `access_key_id` and
/// `secret_access_key` given, the environment is not read at all: these settings are the whole
/// configuration, so two stores in one process (tests running in parallel) cannot pick up each
/// other's variables or a stray session token.
///
/// Objects are addressed path-style (`<endpoint>/<bucket>/<key>`), which S3-compatible providers
/// accept, unless `AWS_VIRTUAL_HOSTED_STYLE_REQUEST=true` asks for the bucket in the host name
/// (the endpoint then names the bucket). An `http://` endpoint (a server on the same network) is
/// allowed.
#[derive(Clone, Debug, Default)]
pub struct S3Settings {
    pub bucket: String,
    /// For providers other than AWS (e.g. `https://<account>.r2.cloudflarestorage.com`).
    pub endpoint: Option<String>,
    pub region: Option<String>,
    /// Given explicitly (tests, or a config file later) instead of through the environment.
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
}

const JPEG_QUALITY: u8 = 82;

impl MediaStore {
    /// Media in a directory on this machine (created if missing).
    pub fn local(root: impl Into<PathBuf>) -> Result<Self, MediaError> {
        let root = root.into();
        std::fs::create_dir_all(&root).map_err(|source| MediaError::Io { path: root.clone(), source })?;
        Ok(Self { store: Arc::new(LocalFileSystem::new_with_prefix(&root)?) })
    }

    /// Media in an S3-compatible bucket (see [`S3Settings`] for where settings come from).
    pub fn s3(settings: &S3Settings) -> Result<Self, MediaError> {
        let mut builder = match (&settings.access_key_id, &settings.secret_access_key) {
            (Some(key), Some(secret)) => AmazonS3Builder::new().with_access_key_id(key).with_secret_access_key(secret),
            _ => AmazonS3Builder::from_env(),
        };
        builder = builder.with_bucket_name(&settings.bucket);
        if let Some(endpoint) = &settings.endpoint {
            builder = builder.with_endpoint(endpoint).with_allow_http(endpoint.starts_with("http://"));
        }
        if let Some(region) = &settings.region {
            builder = builder.with_region(region);
        }
        Ok(Self { store: Arc::new(builder.build()?) })
    }

    /// Any `object_store` backend (tests use an in-memory one).
    pub fn with_store(store: Arc<dyn ObjectStore>) -> Self {
        Self { store }
    }

    pub async fn put(&self, key: &str, bytes: Vec<u8>) -> Result<(), MediaError> {
        let key = safe_key(key)?;
        self.store.put(&key, PutPayload::from(bytes)).await?;
        Ok(())
    }

    /// The object at `key`, or `None` when there is none.
    pub async fn get(&self, key: &str) -> Result<Option<Bytes>, MediaError> {
        let Ok(key) = safe_key(key) else { return Ok(None) };
        match self.store.get(&key).await {
            Ok(result) => Ok(Some(result.bytes().await?)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(error) => Err(error.into()),
        }
    }

    /// Removes the object at `key`; one that is already gone is not an error.
    pub async fn delete(&self, key: &str) -> Result<(), MediaError> {
        let key = safe_key(key)?;
        match self.store.delete(&key).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(error) => Err(error.into()),
        }
    }

    /// Stores `image` as a JPEG at `relative` (e.g. `2026/11/slug.jpg`) with JPEG and WebP
    /// variants for every width in [`masthead_core::IMAGE_WIDTHS`], and returns the public URL
    /// path of the original.
    pub async fn save_jpeg_with_variants(&self, relative: &str, image: RgbImage) -> Result<String, MediaError> {
        let relative = relative.to_owned();
        let files = tokio::task::spawn_blocking(move || jpeg_files(&relative, &image).map(|files| (relative, files)))
            .await
            .map_err(|e| MediaError::Task(e.to_string()))?;
        let (relative, files) = files?;
        self.put_all(files).await?;
        Ok(format!("/content/images/{relative}"))
    }

    /// Stores an uploaded image (JPEG, or PNG when transparent) with its variants.
    pub async fn save_upload(&self, relative: &str, upload: crate::UploadedImage) -> Result<String, MediaError> {
        let relative = relative.to_owned();
        let files =
            tokio::task::spawn_blocking(move || upload_files(&relative, &upload).map(|files| (relative, files)))
                .await
                .map_err(|e| MediaError::Task(e.to_string()))?;
        let (relative, files) = files?;
        self.put_all(files).await?;
        Ok(format!("/content/images/{relative}"))
    }

    async fn put_all(&self, files: Vec<(String, Vec<u8>)>) -> Result<(), MediaError> {
        // Variants first, the original last: once the original's URL exists, so do its sizes.
        let mut written = Vec::with_capacity(files.len());
        for (key, bytes) in files.into_iter().rev() {
            if let Err(error) = self.put(&key, bytes).await {
                // The upload failed and its URL is never handed out, so the variants already
                // written would stay in the bucket with nothing pointing at them.
                self.delete_quietly(&written).await;
                return Err(error);
            }
            written.push(key);
        }
        Ok(())
    }

    /// Deletes what a failed upload left behind; a key that cannot be deleted is logged, since
    /// the upload's own error is the one to report.
    async fn delete_quietly(&self, keys: &[String]) {
        for key in keys {
            let deleted = match safe_key(key) {
                Ok(path) => self.store.delete(&path).await.map_err(MediaError::from),
                Err(error) => Err(error),
            };
            if let Err(error) = deleted {
                tracing::warn!(%key, %error, "could not delete a file of a failed upload");
            }
        }
    }
}

fn jpeg_bytes(image: &RgbImage) -> Result<Vec<u8>, MediaError> {
    let mut out = Vec::with_capacity(image.len() / 8);
    JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY).encode_image(image)?;
    Ok(out)
}

fn png_bytes(image: &DynamicImage) -> Result<Vec<u8>, MediaError> {
    let mut out = std::io::Cursor::new(Vec::new());
    image.write_to(&mut out, ImageFormat::Png)?;
    Ok(out.into_inner())
}

/// The original and every variant of a JPEG, as (key, bytes), original first.
pub fn jpeg_files(relative: &str, image: &RgbImage) -> Result<Vec<(String, Vec<u8>)>, MediaError> {
    let relative = safe_relative(relative)?;
    let mut files = vec![(format!("images/{relative}"), jpeg_bytes(image)?)];
    for width in masthead_core::IMAGE_WIDTHS {
        let variant = if width >= image.width() {
            image.clone()
        } else {
            let height = (u64::from(image.height()) * u64::from(width) / u64::from(image.width())).max(1) as u32;
            imageops::resize(image, width, height, imageops::FilterType::CatmullRom)
        };
        files.push((format!("images/size/w{width}/{relative}"), jpeg_bytes(&variant)?));
        files.push((
            format!("images/size/w{width}/format/webp/{relative}"),
            encode_webp(&DynamicImage::ImageRgb8(variant)),
        ));
    }
    Ok(files)
}

fn upload_files(relative: &str, upload: &crate::UploadedImage) -> Result<Vec<(String, Vec<u8>)>, MediaError> {
    if upload.format != ImageFormat::Png {
        return jpeg_files(relative, &upload.image.to_rgb8());
    }
    let relative = safe_relative(relative)?;
    let mut files = vec![(format!("images/{relative}"), png_bytes(&upload.image)?)];
    for width in masthead_core::IMAGE_WIDTHS {
        let variant = if width >= upload.image.width() {
            upload.image.clone()
        } else {
            upload.image.resize(width, u32::MAX, imageops::FilterType::CatmullRom)
        };
        files.push((format!("images/size/w{width}/{relative}"), png_bytes(&variant)?));
        files.push((format!("images/size/w{width}/format/webp/{relative}"), encode_webp(&variant)));
    }
    Ok(files)
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

/// Accepts only plain relative paths (no `..`, no root), so a name can never escape the store.
fn safe_relative(relative: &str) -> Result<String, MediaError> {
    let path = Path::new(relative);
    let plain = !relative.is_empty() && path.components().all(|c| matches!(c, Component::Normal(_)));
    if plain && !relative.contains('\\') {
        Ok(relative.to_owned())
    } else {
        Err(MediaError::UnsafePath(relative.to_owned()))
    }
}

fn safe_key(key: &str) -> Result<StorePath, MediaError> {
    let key = safe_relative(key)?;
    StorePath::parse(&key).map_err(|_| MediaError::UnsafePath(key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn saves_original_and_variants() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = MediaStore::local(dir.path()).expect("store");
        let image = RgbImage::from_pixel(1600, 900, image::Rgb([10, 20, 30]));
        let url = store.save_jpeg_with_variants("2026/11/test.jpg", image).await.expect("saved");
        assert_eq!(url, "/content/images/2026/11/test.jpg");
        let variant = image::open(dir.path().join("images/size/w480/2026/11/test.jpg")).expect("variant on disk");
        assert_eq!((variant.width(), variant.height()), (480, 270));
        let webp =
            store.get("images/size/w480/format/webp/2026/11/test.jpg").await.expect("read").expect("webp variant");
        assert_eq!(image::guess_format(&webp).ok(), Some(image::ImageFormat::WebP));
        let decoded = image::load_from_memory(&webp).expect("decodes");
        assert_eq!((decoded.width(), decoded.height()), (480, 270));
        assert!(store.get("images/2026/11/test.jpg").await.expect("read").is_some());
        assert_eq!(store.get("images/2026/11/absent.jpg").await.expect("read"), None);
    }

    #[tokio::test]
    async fn refuses_paths_that_escape() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = MediaStore::local(dir.path()).expect("store");
        let image = RgbImage::new(2, 2);
        assert!(matches!(
            store.save_jpeg_with_variants("../etc/x.jpg", image.clone()).await,
            Err(MediaError::UnsafePath(_))
        ));
        assert!(matches!(store.save_jpeg_with_variants("/abs.jpg", image).await, Err(MediaError::UnsafePath(_))));
        assert_eq!(store.get("../../etc/passwd").await.expect("refused quietly"), None);
    }
}
