//! The index's files, read with positioned reads instead of being mapped into memory.
//!
//! tantivy maps its files by default. Every page of a mapped file that a search touches then
//! stays in the server's resident memory: those pages belong to the kernel's page cache, which
//! may drop them, but they are counted as the process's own, and at 100,000 stories a thousand
//! searches left about 75 MB of them. Read with `pread`, the same bytes still come from the page
//! cache, while the process holds only what tantivy keeps (term dictionaries, skip indexes, a
//! few decompressed blocks) and what a search is using.

use std::fs::File;
use std::io;
use std::ops::Range;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tantivy::HasLen;
use tantivy::directory::error::{DeleteError, LockError, OpenReadError, OpenWriteError};
use tantivy::directory::{
    Directory, DirectoryLock, FileHandle, Lock, MmapDirectory, OwnedBytes, WatchCallback, WatchHandle, WritePtr,
};

/// A directory of index files: reads by position, everything else (writing, locks, watching
/// `meta.json`) as tantivy's own directory does it.
#[derive(Clone, Debug)]
pub(crate) struct ReadDirectory {
    root: PathBuf,
    inner: MmapDirectory,
}

impl ReadDirectory {
    pub(crate) fn open(root: &Path) -> tantivy::Result<Self> {
        Ok(Self { root: root.to_owned(), inner: MmapDirectory::open(root)? })
    }
}

/// An open index file.
#[derive(Debug)]
struct ReadAt {
    file: File,
    len: usize,
}

impl FileHandle for ReadAt {
    fn read_bytes(&self, range: Range<usize>) -> io::Result<OwnedBytes> {
        if range.end > self.len || range.start > range.end {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("bytes {range:?} of an index file of {} bytes", self.len),
            ));
        }
        let mut buffer = vec![0; range.len()];
        self.file.read_exact_at(&mut buffer, range.start as u64)?;
        Ok(OwnedBytes::new(buffer))
    }
}

impl HasLen for ReadAt {
    fn len(&self) -> usize {
        self.len
    }
}

impl Directory for ReadDirectory {
    fn get_file_handle(&self, path: &Path) -> Result<Arc<dyn FileHandle>, OpenReadError> {
        let failed = |error: io::Error| match error.kind() {
            io::ErrorKind::NotFound => OpenReadError::FileDoesNotExist(path.to_owned()),
            _ => OpenReadError::wrap_io_error(error, path.to_owned()),
        };
        let file = File::open(self.root.join(path)).map_err(failed)?;
        let len = file.metadata().map_err(failed)?.len();
        let len = usize::try_from(len).map_err(|_| failed(io::Error::other("file too large")))?;
        Ok(Arc::new(ReadAt { file, len }))
    }

    fn delete(&self, path: &Path) -> Result<(), DeleteError> {
        self.inner.delete(path)
    }

    fn exists(&self, path: &Path) -> Result<bool, OpenReadError> {
        self.inner.exists(path)
    }

    fn open_write(&self, path: &Path) -> Result<WritePtr, OpenWriteError> {
        self.inner.open_write(path)
    }

    fn atomic_read(&self, path: &Path) -> Result<Vec<u8>, OpenReadError> {
        self.inner.atomic_read(path)
    }

    fn atomic_write(&self, path: &Path, data: &[u8]) -> io::Result<()> {
        self.inner.atomic_write(path, data)
    }

    fn sync_directory(&self) -> io::Result<()> {
        self.inner.sync_directory()
    }

    fn acquire_lock(&self, lock: &Lock) -> Result<DirectoryLock, LockError> {
        self.inner.acquire_lock(lock)
    }

    fn watch(&self, watch_callback: WatchCallback) -> tantivy::Result<WatchHandle> {
        self.inner.watch(watch_callback)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_any_range_of_a_file_and_refuses_one_past_its_end() {
        let dir = tempfile::tempdir().expect("temporary directory");
        std::fs::write(dir.path().join("f"), b"0123456789").expect("write");
        let directory = ReadDirectory::open(dir.path()).expect("open");
        let file = directory.get_file_handle(Path::new("f")).expect("handle");
        assert_eq!(file.len(), 10);
        assert_eq!(file.read_bytes(2..5).expect("read").as_slice(), b"234");
        assert_eq!(file.read_bytes(10..10).expect("an empty range").as_slice(), b"");
        assert!(file.read_bytes(8..11).is_err(), "past the end");
        assert!(matches!(directory.get_file_handle(Path::new("missing")), Err(OpenReadError::FileDoesNotExist(_))));
    }
}
