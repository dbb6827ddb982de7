//! `masthead`: the whole platform in one binary.

mod allocator;
mod boot;
mod cli;
mod database_lock;

use clap::Parser;

fn main() -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let not_restarted = allocator::limit_arenas();
    let cli = cli::Cli::parse();
    boot::init_tracing();
    if let Some(error) = not_restarted {
        tracing::warn!(%error, "could not restart with glibc's arena limit; memory freed by one thread stays with it");
    }
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(boot::run(cli, started))
}
