//! What an S3 media store writes is checked through S3's own API (`S3Server::keys` and
//! `S3Server::object`), not through the store that wrote it.

use std::io::Cursor;
use std::sync::Arc;

use futures::stream::BoxStream;
use image::{DynamicImage, ImageFormat, RgbImage, RgbaImage};
use masthead_media::{MediaError, MediaStore, read_upload};
use masthead_test_utils::S3Server;
use object_store::path::Path;
use object_store::{
    CopyOptions, GetOptions, GetResult, ListResult, MultipartUpload, ObjectMeta, ObjectStore, PutMultipartOptions,
    PutOptions, PutPayload, PutResult,
};

fn encoded(image: &DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    image.write_to(&mut out, format).expect("encode");
    out.into_inner()
}

/// The keys of an image and its variants at every width, as S3 should list them.
fn keys_of(relative: &str) -> Vec<String> {
    let mut keys = vec![format!("images/{relative}")];
    for width in masthead_core::IMAGE_WIDTHS {
        keys.push(format!("images/size/w{width}/{relative}"));
        keys.push(format!("images/size/w{width}/format/webp/{relative}"));
    }
    keys.sort();
    keys
}

#[tokio::test]
async fn an_upload_is_stored_in_the_bucket_with_every_variant_and_read_back_as_s3_holds_it() {
    let Some(s3) = S3Server::start().await else { return };
    let store = s3.media_store();
    let photo = DynamicImage::ImageRgb8(RgbImage::from_fn(1600, 900, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 90])
    }));
    let upload = read_upload(&encoded(&photo, ImageFormat::Jpeg)).expect("a JPEG upload");
    let url = store.save_upload("2026/11/harbour.jpg", upload).await.expect("uploaded to S3");
    assert_eq!(url, "/content/images/2026/11/harbour.jpg");
    assert_eq!(s3.keys().await, keys_of("2026/11/harbour.jpg"));

    for key in keys_of("2026/11/harbour.jpg") {
        let held = s3.object(&key).await.unwrap_or_else(|| panic!("S3 holds {key}"));
        let read =
            store.get(&key).await.expect("read through the store").unwrap_or_else(|| panic!("the store reads {key}"));
        assert_eq!(read.as_ref(), held.as_slice(), "{key}: the store reads what S3 holds");
        let format = if key.contains("/format/webp/") { ImageFormat::WebP } else { ImageFormat::Jpeg };
        assert_eq!(image::guess_format(&held).ok(), Some(format), "{key}");
        let decoded = image::load_from_memory(&held).expect("decodes");
        let width = key
            .strip_prefix("images/size/w")
            .and_then(|rest| rest.split('/').next())
            .map_or(1600, |w| w.parse().expect("a width"));
        assert_eq!((decoded.width(), decoded.height()), (width, width * 9 / 16), "{key}");
    }

    // A transparent PNG stays PNG, variants included; a picture made here goes in as a JPEG.
    let clear = DynamicImage::ImageRgba8(RgbaImage::from_pixel(600, 300, image::Rgba([0, 90, 160, 100])));
    let upload = read_upload(&encoded(&clear, ImageFormat::Png)).expect("a PNG upload");
    store.save_upload("2026/11/logo.png", upload).await.expect("uploaded to S3");
    store.save_jpeg_with_variants("2026/11/scene.jpg", RgbImage::new(500, 250)).await.expect("saved to S3");
    let mut expected =
        [keys_of("2026/11/harbour.jpg"), keys_of("2026/11/logo.png"), keys_of("2026/11/scene.jpg")].concat();
    expected.sort();
    assert_eq!(s3.keys().await, expected);
    let png = s3.object("images/size/w480/2026/11/logo.png").await.expect("the PNG variant");
    assert_eq!(image::guess_format(&png).ok(), Some(ImageFormat::Png));
    assert!(image::load_from_memory(&png).expect("decodes").color().has_alpha());

    assert_eq!(store.get("images/2026/11/absent.jpg").await.expect("a missing key is no error"), None);
    assert_eq!(store.get("../images/2026/11/harbour.jpg").await.expect("refused quietly"), None);
}

#[tokio::test]
async fn two_instances_on_one_bucket_see_each_others_uploads() {
    let Some(s3) = S3Server::start().await else { return };
    let (first, second) = (s3.media_store(), s3.media_store());
    first
        .save_jpeg_with_variants("2026/11/from-first.jpg", RgbImage::from_pixel(800, 400, image::Rgb([200, 0, 0])))
        .await
        .expect("saved");
    second
        .save_jpeg_with_variants("2026/11/from-second.jpg", RgbImage::from_pixel(800, 400, image::Rgb([0, 200, 0])))
        .await
        .expect("saved");
    for key in ["images/2026/11/from-first.jpg", "images/size/w480/format/webp/2026/11/from-first.jpg"] {
        let held = s3.object(key).await.expect("in the bucket");
        assert_eq!(second.get(key).await.expect("read").as_deref(), Some(held.as_slice()), "{key}");
    }
    for key in ["images/2026/11/from-second.jpg", "images/size/w960/2026/11/from-second.jpg"] {
        let held = s3.object(key).await.expect("in the bucket");
        assert_eq!(first.get(key).await.expect("read").as_deref(), Some(held.as_slice()), "{key}");
    }
    // A store made after the uploads (an instance started later) sees them too.
    assert!(s3.media_store().get("images/2026/11/from-first.jpg").await.expect("read").is_some());
}

/// An S3 store whose writes of one key fail, as a provider's outage or a full quota would fail
/// part of an upload.
#[derive(Debug)]
struct FailingKey {
    inner: Arc<dyn ObjectStore>,
    fails: Path,
}

impl std::fmt::Display for FailingKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "FailingKey({})", self.inner)
    }
}

#[async_trait::async_trait]
impl ObjectStore for FailingKey {
    async fn put_opts(
        &self,
        location: &Path,
        payload: PutPayload,
        opts: PutOptions,
    ) -> object_store::Result<PutResult> {
        if *location == self.fails {
            return Err(object_store::Error::Generic {
                store: "FailingKey",
                source: "the provider refused the write".into(),
            });
        }
        self.inner.put_opts(location, payload, opts).await
    }

    async fn put_multipart_opts(
        &self,
        location: &Path,
        opts: PutMultipartOptions,
    ) -> object_store::Result<Box<dyn MultipartUpload>> {
        self.inner.put_multipart_opts(location, opts).await
    }

    async fn get_opts(&self, location: &Path, options: GetOptions) -> object_store::Result<GetResult> {
        self.inner.get_opts(location, options).await
    }

    fn delete_stream(
        &self,
        locations: BoxStream<'static, object_store::Result<Path>>,
    ) -> BoxStream<'static, object_store::Result<Path>> {
        self.inner.delete_stream(locations)
    }

    fn list(&self, prefix: Option<&Path>) -> BoxStream<'static, object_store::Result<ObjectMeta>> {
        self.inner.list(prefix)
    }

    async fn list_with_delimiter(&self, prefix: Option<&Path>) -> object_store::Result<ListResult> {
        self.inner.list_with_delimiter(prefix).await
    }

    async fn copy_opts(&self, from: &Path, to: &Path, options: CopyOptions) -> object_store::Result<()> {
        self.inner.copy_opts(from, to, options).await
    }
}

#[tokio::test]
async fn a_failed_upload_leaves_none_of_its_files_in_the_bucket() {
    let Some(s3) = S3Server::start().await else { return };
    let settings = s3.settings();
    let bucket = object_store::aws::AmazonS3Builder::new()
        .with_bucket_name(&settings.bucket)
        .with_endpoint(s3.endpoint())
        .with_allow_http(true)
        .with_region(settings.region.as_deref().expect("a region"))
        .with_access_key_id(settings.access_key_id.as_deref().expect("a key"))
        .with_secret_access_key(settings.secret_access_key.as_deref().expect("a secret"))
        .build()
        .expect("an S3 client");
    // The original is written last, after its six variants: make that write fail.
    let failing = FailingKey { inner: Arc::new(bucket), fails: Path::from("images/2026/11/lost.jpg") };
    let store = MediaStore::with_store(Arc::new(failing));
    store.save_jpeg_with_variants("2026/11/kept.jpg", RgbImage::new(600, 300)).await.expect("another upload works");
    let failed = store.save_jpeg_with_variants("2026/11/lost.jpg", RgbImage::new(600, 300)).await;
    assert!(matches!(failed, Err(MediaError::Store(_))), "{failed:?}");
    assert_eq!(s3.keys().await, keys_of("2026/11/kept.jpg"), "the failed upload's variants were deleted");
}

/// Explicit settings are the whole configuration: `AWS_*` variables in the environment (here a
/// proxy that refuses every connection) do not reach the store. The environment is set only in
/// a child process running this same test, so no other test sees it.
#[tokio::test]
async fn explicit_settings_ignore_aws_variables_in_the_environment() {
    const CHILD: &str = "MASTHEAD_TEST_ENV_CHILD";
    if std::env::var_os(CHILD).is_none() {
        let refused = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr");
        let name = "s3::explicit_settings_ignore_aws_variables_in_the_environment";
        let output = std::process::Command::new(std::env::current_exe().expect("this test binary"))
            .args([name, "--exact", "--nocapture"])
            .env(CHILD, "1")
            .env("AWS_PROXY_URL", format!("http://{refused}"))
            .env("AWS_SESSION_TOKEN", "a token from some other account")
            .output()
            .expect("run the test in a child process");
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(output.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
        assert!(stdout.contains("1 passed"), "the child ran the test: {stdout}");
        return;
    }
    let Some(s3) = S3Server::start().await else { return };
    let store = s3.media_store();
    store
        .save_jpeg_with_variants("2026/11/direct.jpg", RgbImage::new(100, 50))
        .await
        .expect("uploaded without the proxy");
    assert_eq!(s3.keys().await, keys_of("2026/11/direct.jpg"));
}
