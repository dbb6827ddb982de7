//! One server per SQLite database.
//!
//! Each server keeps state of its own beside the database (the page cache, the change bus that
//! refreshes it, the mail senders' leases, which a starting server on SQLite takes all back).
//! Two servers on one SQLite file would each serve their own stale view and take each other's
//! work, so `serve` holds an exclusive advisory lock on a file next to the database
//! (`masthead.db.lock` beside `masthead.db`) for as long as it runs, and a second one stops at
//! once, naming the database and who holds it. The operating system releases the lock when the
//! process ends, however it ends; the file itself stays, empty of meaning.
//!
//! Commands that change what pages show, or the schema under a running server, need the
//! database to themselves too: `migrate`, `demo` and `import ghost`. The others are made to run
//! beside a server and take no lock: SQLite serialises their writes with the server's (they
//! wait for its write lock), and what they write is read from the database on every request
//! (accounts, links, members, integrations, newsletter sends) or is only read (`email status`,
//! `export ghost`). PostgreSQL deployments run several servers on purpose and take no lock.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;

/// Held while the process uses the database alone; dropping it releases the lock.
#[derive(Debug)]
pub struct DatabaseLock {
    _file: File,
}

/// Takes the lock of the SQLite database `database_url` names for `command` (`serve`, `migrate`,
/// ...), or fails with a message naming the database and the process holding it. Other
/// databases need no lock: `Ok(None)`.
pub fn lock_database(database_url: &str, command: &str) -> anyhow::Result<Option<DatabaseLock>> {
    let Some(database) = masthead_storage::sqlite_file(database_url) else { return Ok(None) };
    let path = lock_path(&database)?;
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .with_context(|| format!("opening the lock file {}", path.display()))?;
    match file.try_lock() {
        Ok(()) => {
            // Who holds it, for the message a refused process prints.
            file.set_len(0).and_then(|()| writeln!(file, "{} {command}", std::process::id())).ok();
            Ok(Some(DatabaseLock { _file: file }))
        }
        Err(TryLockError::WouldBlock) => Err(anyhow::anyhow!(refusal(&database, &path, command))),
        Err(TryLockError::Error(e)) => Err(anyhow::Error::new(e).context(format!("locking {}", path.display()))),
    }
}

/// `masthead.db.lock` beside `masthead.db`. The database's directory is resolved (and the file,
/// when it exists: it may be a link), so every spelling of one database finds one lock.
fn lock_path(database: &Path) -> anyhow::Result<PathBuf> {
    let resolved = match database.canonicalize() {
        Ok(file) => file,
        Err(_) => {
            let name = database.file_name().with_context(|| format!("{} names no file", database.display()))?;
            let parent = database.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
            let parent =
                parent.canonicalize().with_context(|| format!("finding the directory of {}", database.display()))?;
            parent.join(name)
        }
    };
    let mut name = resolved.file_name().unwrap_or_default().to_owned();
    name.push(".lock");
    Ok(resolved.with_file_name(name))
}

/// What a process refused the lock says, with the holder's process id and command when the lock
/// file tells them.
fn refusal(database: &Path, lock: &Path, command: &str) -> String {
    let holder = std::fs::read_to_string(lock).unwrap_or_default();
    let (pid, held_for) = holder.trim().split_once(' ').unwrap_or(("", ""));
    let who = if pid.is_empty() {
        "another masthead process".to_owned()
    } else {
        format!("another masthead process (pid {pid})")
    };
    let doing = match held_for {
        "" | "serve" => "is serving".to_owned(),
        other => format!("is running `masthead {other}` on"),
    };
    let advice = if command == "serve" {
        "One SQLite database is served by one process; to run several instances, use PostgreSQL \
         (MASTHEAD_DATABASE_URL=postgres://...)."
            .to_owned()
    } else {
        format!("`masthead {command}` needs the database to itself: stop that process first.")
    };
    format!("{who} {doing} the SQLite database {} (it holds the lock {}). {advice}", database.display(), lock.display())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_on_one_database_is_refused_with_the_holder_named() {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("masthead.db").display());
        let held = lock_database(&url, "serve").expect("lock").expect("SQLite needs a lock");
        let error = lock_database(&url, "serve").expect_err("a second server is refused").to_string();
        assert!(error.contains(&format!("(pid {}) is serving the SQLite database", std::process::id())), "{error}");
        assert!(error.contains("masthead.db.lock") && error.contains("use PostgreSQL"), "{error}");
        // Another spelling of the same file finds the same lock.
        let other = format!("sqlite:{}/./masthead.db?mode=rwc", dir.path().display());
        let error = lock_database(&other, "migrate").expect_err("refused").to_string();
        assert!(error.contains("`masthead migrate` needs the database to itself"), "{error}");
        drop(held);
        assert!(lock_database(&url, "migrate").expect("free again").is_some());
        assert!(lock_database("postgres://db.internal/news", "serve").expect("no lock").is_none());
    }
}
