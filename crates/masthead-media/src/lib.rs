//! Images: storing them with their resized variants, and painting the illustrative scenes the
//! demo newsroom uses as hero photos.
//!
//! Files live under `<data dir>/media/images/` and are served at `/content/images/`, with
//! variants at `/content/images/size/w{width}/...` (Ghost's layout, so imported URLs keep working).

mod scene;
mod store;
mod upload;

pub use scene::{Scene, paint_scene};
pub use store::{MediaError, MediaStore, S3Settings, jpeg_files};
pub use upload::{MAX_UPLOAD_BYTES, UploadError, UploadedImage, read_upload};
