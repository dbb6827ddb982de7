//! A Ghost site's images, which its JSON export does not carry, brought in from Ghost's
//! `content/` folder or an archive of it (the fixture recorded from a real Ghost 6.65).

use std::io::Write;
use std::path::{Path, PathBuf};

use masthead_app::ghost::images::{ContentSource, ImageReport};
use masthead_media::MediaStore;
use masthead_test_utils::{TestApp, dual_db_test};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../clients/ghost-diff/fixture").join(name)
}

/// A site with the fixture's JSON imported, keeping its media in a folder the test can look in.
async fn imported_site(db: &masthead_test_utils::TestDb) -> (TestApp, tempfile::TempDir) {
    let media = tempfile::tempdir().expect("media dir");
    let app = TestApp::with_media(db, MediaStore::local(media.path()).expect("store")).await;
    let export = std::fs::read(fixture("ghost-export.json")).expect("the export");
    app.newsroom.import_ghost(&export, |_, _| {}).await.expect("the JSON imports");
    (app, media)
}

/// The fixture's `content/` folder, unpacked.
fn unpacked() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("dir");
    let archive = std::fs::File::open(fixture("content-images.tar.gz")).expect("the archive");
    tar::Archive::new(flate2::read::GzDecoder::new(archive)).unpack(dir.path()).expect("unpack");
    dir
}

dual_db_test!(async fn every_image_the_site_refers_to_comes_in_from_ghosts_content_archive(db) {
    let (app, media) = imported_site(&db).await;
    let seen = std::sync::Mutex::new(Vec::new());
    let report = app
        .newsroom
        .import_ghost_images(ContentSource::ArchiveFile(fixture("content-images.tar.gz")), |done, total| {
            seen.lock().expect("lock").push((done, total));
        })
        .await
        .expect("the images import");
    assert_eq!(report.referenced, 8, "feature images, body images, portraits and the logo: {report:?}");
    assert_eq!(report, ImageReport { referenced: 8, imported: 8, ..ImageReport::default() });
    assert_eq!(seen.lock().expect("lock").last(), Some(&(8, 8)), "progress reaches the end");
    // Kept at Ghost's path, with sizes and WebP variants made for it.
    let images = media.path().join("images");
    for path in ["2026/12/city-hall.jpg", "size/w960/2026/12/city-hall.jpg", "size/w480/format/webp/2026/12/city-hall.jpg"] {
        assert!(images.join(path).is_file(), "{path} is stored");
    }
    let png = std::fs::read(images.join("2026/12/lantern-mark.png")).expect("the logo");
    assert!(png.starts_with(b"\x89PNG"), "a PNG stays a PNG under its own name");

    // Again: everything is already there.
    let again = app
        .newsroom
        .import_ghost_images(ContentSource::ArchiveFile(fixture("content-images.tar.gz")), |_, _| {})
        .await
        .expect("again");
    assert_eq!(again, ImageReport { referenced: 8, already_present: 8, ..ImageReport::default() });
});

dual_db_test!(async fn images_missing_from_the_folder_are_listed_and_unreadable_ones_refused(db) {
    let (app, _media) = imported_site(&db).await;
    let content = unpacked();
    let images = content.path().join("content/images/2026/12");
    std::fs::remove_file(images.join("river-crossing.jpg")).expect("remove one");
    std::fs::write(images.join("portrait-b.jpg"), b"not a photo at all").expect("spoil one");
    let report = app
        .newsroom
        .import_ghost_images(ContentSource::Folder(content.path().join("content")), |_, _| {})
        .await
        .expect("the images import");
    assert_eq!((report.referenced, report.imported), (8, 6));
    assert_eq!(report.missing, ["/content/images/2026/12/river-crossing.jpg"]);
    assert_eq!(report.refused.len(), 1);
    assert_eq!(report.refused[0].path, "/content/images/2026/12/portrait-b.jpg");
    assert_eq!(report.refused[0].reason, "not an image");
});

dual_db_test!(async fn a_zip_of_ghosts_content_folder_is_read_too_and_anything_else_is_refused(db) {
    let (app, media) = imported_site(&db).await;
    let content = unpacked();
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let photo = std::fs::read(content.path().join("content/images/2026/12/night-shift.jpg")).expect("photo");
    zip.start_file("backup/content/images/2026/12/night-shift.jpg", zip::write::SimpleFileOptions::default())
        .expect("entry");
    zip.write_all(&photo).expect("write");
    let zipped = zip.finish().expect("zip").into_inner();
    let report =
        app.newsroom.import_ghost_images(ContentSource::Archive(zipped), |_, _| {}).await.expect("the zip imports");
    assert_eq!((report.imported, report.missing.len()), (1, 7));
    assert!(media.path().join("images/2026/12/night-shift.jpg").is_file());

    let refused = app.newsroom.import_ghost_images(ContentSource::Archive(b"hello".to_vec()), |_, _| {}).await;
    let error = refused.expect_err("not an archive").to_string();
    assert!(error.contains("not a zip, tar or tar.gz archive"), "{error}");
});
