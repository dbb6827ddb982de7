//! `masthead-smtp-sink`: the test SMTP sink as a standalone process, for browser tests and
//! benchmarks. It prints `masthead-smtp-sink listening on smtp://HOST:PORT` once it accepts
//! connections, then the running total every second while messages arrive, until killed.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use masthead_test_utils::smtp::{JSONL_LOG, SinkOptions, SmtpSink};

const USAGE: &str = "\
usage: masthead-smtp-sink --listen ADDR [--dir DIR [--jsonl-only]]

Receives mail over plain SMTP until killed.

  --listen ADDR   address to listen on, e.g. 127.0.0.1:2525 (port 0 picks a free one)
  --dir DIR       write each message to DIR as <seq>.eml (8 digits, written atomically) and append
                  {\"seq\":N,\"rcpt_to\":[...],\"message_id\":\"...\",\"subject\":\"...\"} to DIR/received.jsonl;
                  files from an earlier run are removed first
  --jsonl-only    with --dir, write only received.jsonl (no .eml files)
  -h, --help      show this help";

struct Args {
    listen: SocketAddr,
    dir: Option<PathBuf>,
    jsonl_only: bool,
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
    let (mut listen, mut dir, mut jsonl_only) = (None, None, false);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--listen" => {
                let value = args.next().ok_or("--listen needs an address")?;
                listen = Some(value.parse().map_err(|_| format!("--listen: {value:?} is not an IP address and port"))?);
            }
            "--dir" => dir = Some(PathBuf::from(args.next().ok_or("--dir needs a directory")?)),
            "--jsonl-only" => jsonl_only = true,
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    let listen = listen.ok_or("--listen is required")?;
    if jsonl_only && dir.is_none() {
        return Err("--jsonl-only needs --dir".to_string());
    }
    Ok(Args { listen, dir, jsonl_only })
}

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|arg| arg == "-h" || arg == "--help") {
        println!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    let args = match parse_args(args.into_iter()) {
        Ok(args) => args,
        Err(problem) => {
            eprintln!("masthead-smtp-sink: {problem}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };

    let options = SinkOptions { keep_messages: false, log_dir: args.dir.clone(), write_eml: !args.jsonl_only };
    let sink = match SmtpSink::start_with(args.listen, options).await {
        Ok(sink) => sink,
        Err(error) => {
            eprintln!("masthead-smtp-sink: cannot listen on {}: {error}", args.listen);
            return ExitCode::FAILURE;
        }
    };
    match &args.dir {
        Some(dir) if args.jsonl_only => say(format!(
            "masthead-smtp-sink listening on {} (logging to {})",
            sink.url(),
            dir.join(JSONL_LOG).display()
        )),
        Some(dir) => say(format!("masthead-smtp-sink listening on {} (writing to {})", sink.url(), dir.display())),
        None => say(format!("masthead-smtp-sink listening on {}", sink.url())),
    }

    let report = async {
        let mut ticks = tokio::time::interval(Duration::from_secs(1));
        let mut reported = 0;
        loop {
            ticks.tick().await;
            let count = sink.count();
            if count != reported {
                say(format!("received {count} messages"));
                reported = count;
            }
        }
    };
    tokio::select! {
        _ = report => {}
        _ = shutdown_signal() => say(format!("stopping after {} messages", sink.count())),
    }
    ExitCode::SUCCESS
}

/// Prints a line to stdout; a reader that went away must not stop the sink, so errors are ignored.
fn say(line: String) {
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "{line}").and_then(|()| stdout.flush());
}

/// Ctrl-C, or SIGTERM on Unix (what `kill` and most test runners send).
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("install the SIGTERM handler");
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = tokio::signal::ctrl_c().await;
}
