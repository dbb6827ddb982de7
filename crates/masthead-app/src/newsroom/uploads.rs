//! Images staff upload (the editor's drag and drop, the Admin API's `/images/upload/`): recognised
//! by content, stripped of metadata, stored with their sizes.

use bytes::Bytes;
use masthead_core::{Actor, ObjectId, Permission, Slug};

use crate::{AppError, Newsroom};

impl Newsroom {
    /// Checks an uploaded image (type sniffed, metadata stripped) and stores it under
    /// `YYYY/MM/<name>-<unique>.<ext>`, returning its public URL. An unreadable file is refused
    /// as an invalid `file`, with the reason.
    pub async fn store_image(&self, actor: &Actor, file_name: &str, bytes: Bytes) -> Result<String, AppError> {
        if !actor.may(Permission::WriteDrafts) {
            return Err(AppError::Forbidden("Your role does not allow you to upload images.".into()));
        }
        let uploaded = tokio::task::spawn_blocking(move || masthead_media::read_upload(&bytes))
            .await
            .map_err(|e| AppError::Unavailable(format!("reading the upload stopped: {e}")))?
            .map_err(|e| AppError::invalid("file", e.to_string()))?;
        let stem = file_name.rsplit_once('.').map_or(file_name, |(stem, _)| stem);
        let stem = Slug::from_title(stem).map(|s| s.to_string()).unwrap_or_else(|| "image".into());
        let stem: String = stem.chars().take(60).collect();
        let now = masthead_core::now();
        let unique = &ObjectId::new().to_string()[18..];
        let relative = format!(
            "{}/{:02}/{}-{unique}.{}",
            now.year(),
            u8::from(now.month()),
            stem.trim_end_matches('-'),
            uploaded.extension()
        );
        Ok(self.media.save_upload(&relative, uploaded).await?)
    }

    /// A stored media file (`images/2026/11/a.jpg`), if there is one.
    pub async fn media_file(&self, key: &str) -> Result<Option<Bytes>, AppError> {
        Ok(self.media.get(key).await?)
    }
}
