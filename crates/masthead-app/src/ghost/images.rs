//! A Ghost site's images, which its JSON export does not hold: they live in Ghost's
//! `content/images/` folder. After the JSON is imported, [`Newsroom::import_ghost_images`] reads
//! that folder (or a zip or tarball of Ghost's `content/` folder, as Ghost's backups and
//! migration tools make) and stores every image the site refers to in the media store under
//! the same path, so `/content/images/2024/03/a.jpg` and Ghost's resized
//! `/content/images/size/w600/2024/03/a.jpg` keep working. JPEG and PNG images are re-encoded
//! (dropping EXIF, as uploads are) with their sizes and WebP variants; GIF and WebP files are
//! kept as they are, so animations survive. Images the site refers to that the folder does not
//! hold are listed in the report.

use std::collections::BTreeSet;
use std::io::{Read, Seek};
use std::path::{Path, PathBuf};

use image::ImageFormat;
use masthead_media::UploadedImage;
use tokio::sync::mpsc;

use crate::{AppError, Newsroom};

/// Where a Ghost site's images are read from.
#[derive(Clone, Debug)]
pub enum ContentSource {
    /// Ghost's `content/` folder, its `content/images/` folder, or a folder holding `content/`.
    Folder(PathBuf),
    /// A zip, tar or tar.gz file of one of those folders.
    ArchiveFile(PathBuf),
    /// The same, in memory (an upload).
    Archive(Vec<u8>),
}

/// What [`Newsroom::import_ghost_images`] did.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct ImageReport {
    /// Images the site refers to (originals; sizes are made from them).
    pub referenced: usize,
    pub imported: usize,
    /// Already in the media store (an earlier import, or an upload): kept as they are.
    pub already_present: usize,
    /// Referred to, but not in the folder or archive: `/content/images/...` paths.
    pub missing: Vec<String>,
    /// In the folder but not stored, with the reason.
    pub refused: Vec<RefusedImage>,
}

#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct RefusedImage {
    pub path: String,
    pub reason: String,
}

/// The site's image paths under `/content/images/`, without Ghost's `size/wNNN/` and
/// `format/xxx/` prefixes: the originals the pages and APIs refer to.
pub fn referenced_images(text: &str) -> BTreeSet<String> {
    const MARK: &str = "/content/images/";
    let mut found = BTreeSet::new();
    let mut rest = text;
    while let Some(at) = rest.find(MARK) {
        rest = &rest[at + MARK.len()..];
        let end = rest.find(|c: char| c.is_whitespace() || "\"'()<>?#,\\".contains(c)).unwrap_or(rest.len());
        let decoded = percent_encoding::percent_decode_str(&rest[..end]).decode_utf8_lossy().into_owned();
        if let Some(original) = original_path(&decoded) {
            found.insert(original);
        }
    }
    found
}

/// `size/w600/format/webp/2024/03/a.jpg` -> `2024/03/a.jpg`; `None` for a path that is not a
/// plain relative file name.
fn original_path(path: &str) -> Option<String> {
    let mut parts: Vec<&str> = path.split('/').collect();
    if parts.first() == Some(&"size") && parts.get(1).is_some_and(|w| w.starts_with('w') || w.starts_with('h')) {
        parts.drain(..2);
        if parts.first() == Some(&"format") && parts.len() > 2 {
            parts.drain(..2);
        }
    }
    let plain = !parts.is_empty() && parts.iter().all(|p| !p.is_empty() && *p != "." && *p != "..");
    (plain && parts.last().is_some_and(|name| name.contains('.'))).then(|| parts.join("/"))
}

/// The path under `content/images/` of an archive entry or file, if it is one: entries are
/// taken from `…/content/images/<path>` or, in an archive of the `content/` folder itself,
/// `images/<path>`.
fn images_path(entry: &str) -> Option<&str> {
    let entry = entry.trim_start_matches("./");
    if let Some(at) = entry.find("content/images/") {
        return Some(&entry[at + "content/images/".len()..]);
    }
    entry.strip_prefix("images/")
}

/// How an image is stored: re-encoded with variants, or kept byte for byte.
fn prepare(path: &str, bytes: &[u8]) -> Result<Prepared, String> {
    let extension = Path::new(path).extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    let format = image::guess_format(bytes).map_err(|_| "not an image".to_owned())?;
    match (extension.as_str(), format) {
        ("jpg" | "jpeg", ImageFormat::Jpeg) | ("png", ImageFormat::Png) => {
            let upload = masthead_media::read_upload(bytes).map_err(|e| e.to_string())?;
            // The path (and so the type it is served as) stays what the site refers to.
            let format = if extension == "png" { ImageFormat::Png } else { ImageFormat::Jpeg };
            Ok(Prepared::Variants(UploadedImage { image: upload.image, format }))
        }
        ("gif", ImageFormat::Gif) | ("webp", ImageFormat::WebP) => {
            if bytes.len() > masthead_media::MAX_UPLOAD_BYTES {
                return Err(format!("larger than {} MB", masthead_media::MAX_UPLOAD_BYTES / 1024 / 1024));
            }
            Ok(Prepared::AsIs(bytes.to_vec()))
        }
        ("jpg" | "jpeg" | "png" | "gif" | "webp", other) => {
            Err(format!("the file is {}, not what its name says", other.extensions_str().first().unwrap_or(&"?")))
        }
        _ => Err("only JPEG, PNG, GIF and WebP images are served".to_owned()),
    }
}

enum Prepared {
    Variants(UploadedImage),
    AsIs(Vec<u8>),
}

/// Reads the wanted images out of `source` on the calling (blocking) thread, sending each one
/// found as `(path, bytes)`. Returns the paths it could not read, with the reason.
fn read_source(
    source: &ContentSource,
    wanted: &BTreeSet<String>,
    found: &mpsc::Sender<(String, Vec<u8>)>,
) -> Result<Vec<RefusedImage>, String> {
    let mut refused = Vec::new();
    let mut send = |path: &str, read: std::io::Result<Vec<u8>>| -> Result<(), String> {
        match read {
            Ok(bytes) => found.blocking_send((path.to_owned(), bytes)).map_err(|_| "the import stopped".to_owned()),
            Err(e) => {
                refused.push(RefusedImage { path: format!("/content/images/{path}"), reason: e.to_string() });
                Ok(())
            }
        }
    };
    match source {
        ContentSource::Folder(folder) => {
            let base = [folder.join("content/images"), folder.join("images"), folder.clone()]
                .into_iter()
                .find(|candidate| candidate.is_dir())
                .ok_or_else(|| format!("{} is not a folder", folder.display()))?;
            for path in wanted {
                let file = base.join(path);
                if file.is_file() {
                    send(path, std::fs::read(&file))?;
                }
            }
        }
        ContentSource::ArchiveFile(file) => {
            let open = || std::fs::File::open(file).map_err(|e| format!("{}: {e}", file.display()));
            let mut head = [0u8; 512];
            let read = open()?.read(&mut head).map_err(|e| format!("{}: {e}", file.display()))?;
            read_archive(&head[..read], open()?, wanted, &mut send)?;
        }
        ContentSource::Archive(bytes) => {
            read_archive(bytes, std::io::Cursor::new(bytes.as_slice()), wanted, &mut send)?;
        }
    }
    Ok(refused)
}

type Sink<'a> = dyn FnMut(&str, std::io::Result<Vec<u8>>) -> Result<(), String> + 'a;

/// A zip, a gzipped tar or a plain tar, told apart by its first bytes.
fn read_archive<R: Read + Seek>(
    head: &[u8],
    reader: R,
    wanted: &BTreeSet<String>,
    send: &mut Sink<'_>,
) -> Result<(), String> {
    if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
        let mut zip = zip::ZipArchive::new(reader).map_err(|e| format!("the zip file could not be read: {e}"))?;
        for index in 0..zip.len() {
            let mut entry = zip.by_index(index).map_err(|e| format!("the zip file could not be read: {e}"))?;
            let name = entry.name().to_owned();
            if let Some(path) = images_path(&name).filter(|p| wanted.contains(*p)) {
                let mut bytes = Vec::with_capacity(entry.size().min(64 << 20) as usize);
                let read = entry.read_to_end(&mut bytes).map(|_| bytes);
                send(path, read)?;
            }
        }
        Ok(())
    } else if head.starts_with(&[0x1f, 0x8b]) {
        read_tar(flate2::read::GzDecoder::new(reader), wanted, send)
    } else if head.get(257..262) == Some(b"ustar") {
        read_tar(reader, wanted, send)
    } else {
        Err("the file is not a zip, tar or tar.gz archive".to_owned())
    }
}

fn read_tar<R: Read>(reader: R, wanted: &BTreeSet<String>, send: &mut Sink<'_>) -> Result<(), String> {
    let mut archive = tar::Archive::new(reader);
    let unreadable = |e: std::io::Error| format!("the archive could not be read: {e}");
    for entry in archive.entries().map_err(unreadable)? {
        let mut entry = entry.map_err(unreadable)?;
        if entry.header().entry_type() != tar::EntryType::Regular {
            continue;
        }
        let name = entry.path().map_err(unreadable)?.to_string_lossy().into_owned();
        if let Some(path) = images_path(&name).filter(|p| wanted.contains(*p)) {
            let mut bytes = Vec::new();
            let read = entry.read_to_end(&mut bytes).map(|_| bytes);
            send(path, read)?;
        }
    }
    Ok(())
}

impl Newsroom {
    /// Brings in the images the site refers to (posts, pages, tags, staff, settings) from a
    /// Ghost `content/` folder or archive of it; run after the JSON import. Images already in
    /// the media store are kept, so running it again stores nothing twice. `progress(done,
    /// total)` follows the images the site refers to.
    pub async fn import_ghost_images(
        &self,
        source: ContentSource,
        progress: impl Fn(usize, usize) + Send + Sync,
    ) -> Result<ImageReport, AppError> {
        // The export writes every address on the site, site-relative ones included.
        let site = self.export_ghost("").await?;
        let referenced = referenced_images(&site.to_string());
        let mut report = ImageReport { referenced: referenced.len(), ..ImageReport::default() };
        let mut wanted = BTreeSet::new();
        for path in &referenced {
            if self.media.get(&format!("images/{path}")).await?.is_some() {
                report.already_present += 1;
            } else {
                wanted.insert(path.clone());
            }
        }
        let total = referenced.len();
        let mut done = report.already_present;
        progress(done, total);
        let (sender, mut receiver) = mpsc::channel(4);
        let reading = {
            let wanted = wanted.clone();
            tokio::task::spawn_blocking(move || read_source(&source, &wanted, &sender))
        };
        let mut stored = BTreeSet::new();
        while let Some((path, bytes)) = receiver.recv().await {
            let prepared = tokio::task::spawn_blocking({
                let path = path.clone();
                move || prepare(&path, &bytes)
            })
            .await
            .map_err(|e| AppError::Unavailable(format!("reading an image stopped: {e}")))?;
            match prepared {
                Ok(Prepared::Variants(image)) => {
                    self.media.save_upload(&path, image).await?;
                }
                Ok(Prepared::AsIs(bytes)) => self.media.put(&format!("images/{path}"), bytes).await?,
                Err(reason) => {
                    report.refused.push(RefusedImage { path: format!("/content/images/{path}"), reason });
                    stored.insert(path);
                    continue;
                }
            }
            report.imported += 1;
            stored.insert(path);
            done += 1;
            progress(done, total);
        }
        let unreadable = reading
            .await
            .map_err(|e| AppError::Unavailable(format!("reading the images stopped: {e}")))?
            .map_err(|e| AppError::invalid("content", e))?;
        for refused in unreadable {
            stored.insert(refused.path.trim_start_matches("/content/images/").to_owned());
            report.refused.push(refused);
        }
        report.missing = wanted
            .iter()
            .filter(|path| !stored.contains(*path))
            .map(|path| format!("/content/images/{path}"))
            .collect();
        tracing::info!(
            imported = report.imported,
            already_present = report.already_present,
            missing = report.missing.len(),
            refused = report.refused.len(),
            "imported the site's images"
        );
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_found_in_any_field_and_sizes_lead_to_their_original() {
        let text = r#"{"feature_image":"__GHOST_URL__/content/images/2024/03/hero.jpg","html":"<img src=\"__GHOST_URL__/content/images/size/w600/2024/03/a%20b.png\" srcset=\"__GHOST_URL__/content/images/size/w1000/format/webp/2024/03/a%20b.png 1000w, /content/images/2024/03/c.gif 2x\">","x":"https://elsewhere.example/content/images/../secret.jpg"}"#;
        let found: Vec<String> = referenced_images(text).into_iter().collect();
        assert_eq!(found, ["2024/03/a b.png", "2024/03/c.gif", "2024/03/hero.jpg"]);
    }

    #[test]
    fn archive_entries_are_read_from_content_images_or_images() {
        assert_eq!(images_path("content/images/2024/03/a.jpg"), Some("2024/03/a.jpg"));
        assert_eq!(images_path("./backup/content/images/2024/03/a.jpg"), Some("2024/03/a.jpg"));
        assert_eq!(images_path("images/2024/03/a.jpg"), Some("2024/03/a.jpg"));
        assert_eq!(images_path("content/data/export.json"), None);
    }

    #[test]
    fn a_file_whose_bytes_are_not_what_its_name_says_is_refused() {
        assert!(
            prepare("2024/03/a.jpg", b"GIF89a\x01\x00\x01\x00").is_err_and(|e| e.contains("not what its name says"))
        );
        assert!(prepare("2024/03/a.svg", b"<svg/>").is_err());
    }
}
