//! How many arenas glibc's allocator keeps.
//!
//! glibc gives each thread that allocates an arena of its own, up to eight per core, and keeps
//! what is freed in each for that arena's next allocations. A server's threads (the runtime's
//! workers, the blocking pool, one per SQLite connection, narration) each hold free memory of
//! their own that way: at 100,000 stories, ten arenas held 114 MB while the live heap at its
//! highest was 76 MB (BENCHMARKS.md). One arena per core keeps the threads from waiting on
//! each other's allocations and the free memory in fewer places.
//!
//! glibc reads the limit once, as the process starts, from `GLIBC_TUNABLES`, so it cannot be
//! set from inside: the binary sets it and starts itself again in the same process (`exec`,
//! same PID). An operator's own `GLIBC_TUNABLES` or `MALLOC_ARENA_MAX` is left as it is.

/// Set in the restarted process, so that it does not restart again.
const MARK: &str = "MASTHEAD_ALLOCATOR_SET";

/// Restarts the process with the arena limit when it is not set yet. Returns only when it
/// did not restart: the limit is already set, it is not glibc, or the `exec` failed (the
/// error, for the log).
pub fn limit_arenas() -> Option<std::io::Error> {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        use std::os::unix::process::CommandExt;

        if ["GLIBC_TUNABLES", "MALLOC_ARENA_MAX", MARK].iter().any(|name| std::env::var_os(name).is_some()) {
            return None;
        }
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get()).max(2);
        let exe = match std::env::current_exe() {
            Ok(exe) => exe,
            Err(error) => return Some(error),
        };
        let mut args = std::env::args_os();
        let mut command = std::process::Command::new(exe);
        if let Some(name) = args.next() {
            command.arg0(name);
        }
        let error =
            command.args(args).env("GLIBC_TUNABLES", format!("glibc.malloc.arena_max={cores}")).env(MARK, "1").exec();
        Some(error)
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    None
}
