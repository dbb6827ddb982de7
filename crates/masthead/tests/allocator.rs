//! The server runs with glibc's allocator limited to one arena per core (see
//! `src/allocator.rs`): the binary restarts itself with the limit, in the same process, unless
//! the operator set the allocator's tunables already.

#![cfg(all(target_os = "linux", target_env = "gnu"))]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_masthead");

struct Server {
    child: Child,
    _data: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts a server with `env` added, and waits until it serves.
fn serve(env: &[(&str, &str)]) -> Server {
    let data = tempfile::tempdir().expect("temp dir");
    let mut command = Command::new(BIN);
    command
        .args(["--no-demo", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(data.path())
        .env("MASTHEAD_LOG", "warn")
        .env("MASTHEAD_VOICE_INSTALL", "off")
        .env_remove("GLIBC_TUNABLES")
        .env_remove("MALLOC_ARENA_MAX")
        .env_remove("MASTHEAD_ALLOCATOR_SET")
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    for (name, value) in env {
        command.env(name, value);
    }
    let mut child = command.spawn().expect("start masthead");
    let stdout = child.stdout.take().expect("stdout");
    let server = Server { child, _data: data };
    let serving =
        BufReader::new(stdout).lines().take(20).any(|line| line.is_ok_and(|l| l.starts_with("Masthead is serving")));
    assert!(serving, "masthead did not start");
    server
}

/// The environment of the process the test started, as the kernel has it now.
fn environment(server: &Server) -> Vec<String> {
    let raw = std::fs::read(format!("/proc/{}/environ", server.child.id())).expect("read the environment");
    raw.split(|b| *b == 0).filter(|v| !v.is_empty()).map(|v| String::from_utf8_lossy(v).into_owned()).collect()
}

#[test]
fn the_server_runs_with_one_arena_per_core_in_the_process_that_was_started() {
    let server = serve(&[]);
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get()).max(2);
    // The process started is the one serving, and glibc read the limit as it (re)started.
    let env = environment(&server);
    assert!(env.contains(&format!("GLIBC_TUNABLES=glibc.malloc.arena_max={cores}")), "{env:?}");
    let command = std::fs::read(format!("/proc/{}/cmdline", server.child.id())).expect("read the command line");
    assert!(command.split(|b| *b == 0).any(|arg| arg == b"--no-demo"), "the arguments were kept");
}

#[test]
fn an_operators_own_tunables_are_left_as_they_are() {
    let server = serve(&[("GLIBC_TUNABLES", "glibc.malloc.trim_threshold=1048576")]);
    let env = environment(&server);
    assert!(env.contains(&"GLIBC_TUNABLES=glibc.malloc.trim_threshold=1048576".to_owned()), "{env:?}");
    assert!(!env.iter().any(|v| v.contains("arena_max")), "{env:?}");

    let server = serve(&[("MALLOC_ARENA_MAX", "8")]);
    let env = environment(&server);
    assert!(!env.iter().any(|v| v.starts_with("GLIBC_TUNABLES=")), "{env:?}");
}
