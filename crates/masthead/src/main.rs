//! `masthead`: the whole platform in one binary.

mod boot;
mod cli;
mod database_lock;

use clap::Parser;

fn main() -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let cli = cli::Cli::parse();
    boot::init_tracing();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(boot::run(cli, started))
}
