//! `masthead-sse-load`: holds many live-feed streams (`/news/events`) open against a running
//! server, posts one feed item through the Admin API once every stream is open, and reports how
//! long the item took to reach each stream. For `bench/live-feed.sh`.
//!
//! Prints one JSON line: `{"clients":N,"connected":N,"received":N,"p50_ms":..,"p99_ms":..,
//! "max_ms":..,"connect_s":..}`.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::{Barrier, Semaphore, watch};

const USAGE: &str = "\
usage: masthead-sse-load --server HOST:PORT --clients N --admin-key ID:SECRET [--headline TEXT]

Opens N streams on http://HOST:PORT/news/events, posts one feed item through the Admin API when
all are open, and prints the delivery latency to every stream as JSON.";

struct Args {
    server: String,
    clients: usize,
    admin_key: String,
    headline: String,
}

fn parse_args() -> Result<Args, String> {
    let mut args = std::env::args().skip(1);
    let (mut server, mut clients, mut admin_key) = (None, None, None);
    let mut headline = format!("Benchmark update {}", std::process::id());
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--server" => server = Some(value()?),
            "--clients" => clients = Some(value()?.parse::<usize>().map_err(|e| format!("--clients: {e}"))?),
            "--admin-key" => admin_key = Some(value()?),
            "--headline" => headline = value()?,
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(Args {
        server: server.ok_or("--server is required")?,
        clients: clients.ok_or("--clients is required")?,
        admin_key: admin_key.ok_or("--admin-key is required")?,
        headline,
    })
}

/// One stream: connects, waits until every stream is open, then reads until the headline
/// arrives. The time it arrived, after the post started.
async fn stream(
    server: String,
    connecting: Arc<Semaphore>,
    open: Arc<Barrier>,
    mut posted: watch::Receiver<Option<Instant>>,
    headline: Arc<str>,
) -> Option<Duration> {
    let permit = connecting.acquire().await.ok()?;
    let connected = async {
        let mut socket = TcpStream::connect(&server).await.ok()?;
        let request = format!("GET /news/events HTTP/1.1\r\nHost: {server}\r\nAccept: text/event-stream\r\n\r\n");
        socket.write_all(request.as_bytes()).await.ok()?;
        let mut seen = Vec::with_capacity(1024);
        let mut buffer = [0u8; 4096];
        // The head and the first comment: the stream is open.
        while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = socket.read(&mut buffer).await.ok()?;
            if n == 0 {
                return None;
            }
            seen.extend_from_slice(&buffer[..n]);
        }
        seen.starts_with(b"HTTP/1.1 200").then_some(socket)
    }
    .await;
    drop(permit);
    open.wait().await;
    let mut socket = connected?;
    let mut seen = Vec::with_capacity(4096);
    let mut buffer = [0u8; 8192];
    loop {
        let n = socket.read(&mut buffer).await.ok()?;
        if n == 0 {
            return None;
        }
        seen.extend_from_slice(&buffer[..n]);
        if String::from_utf8_lossy(&seen).contains(&*headline) {
            let started = posted.wait_for(Option::is_some).await.ok()?.expect("set");
            return Some(started.elapsed());
        }
    }
}

async fn post_item(args: &Args) -> Result<(), String> {
    let token = masthead_app::integrations::sign_admin_token(&args.admin_key, masthead_core::now())
        .ok_or("the admin key is not ID:SECRET")?;
    let body =
        serde_json::json!({ "feed_items": [{ "headline": args.headline, "markdown": "Sent to every open page." }] });
    let response = reqwest::Client::new()
        .post(format!("http://{}/ghost/api/admin/feed_items/", args.server))
        .header("Authorization", format!("Ghost {token}"))
        .header("Content-Type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .map_err(|e| format!("posting the item: {e}"))?;
    if !response.status().is_success() {
        return Err(format!("posting the item: {}", response.status()));
    }
    Ok(())
}

fn percentile(sorted: &[Duration], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let index = ((sorted.len() as f64 * q).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[index].as_secs_f64() * 1000.0
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(error) => {
            if !error.is_empty() {
                eprintln!("masthead-sse-load: {error}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let connecting = Arc::new(Semaphore::new(256));
    let open = Arc::new(Barrier::new(args.clients + 1));
    let (posted_tx, posted) = watch::channel(None);
    let headline: Arc<str> = args.headline.clone().into();
    let started = Instant::now();
    let streams: Vec<_> = (0..args.clients)
        .map(|_| {
            tokio::spawn(stream(
                args.server.clone(),
                connecting.clone(),
                open.clone(),
                posted.clone(),
                headline.clone(),
            ))
        })
        .collect();
    open.wait().await;
    let connect_s = started.elapsed().as_secs_f64();
    // Let the server settle (the last streams' first bytes) before the item is posted.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let _ = posted_tx.send(Some(Instant::now()));
    if let Err(error) = post_item(&args).await {
        eprintln!("masthead-sse-load: {error}");
        return ExitCode::FAILURE;
    }
    let mut latencies = Vec::with_capacity(args.clients);
    let mut failed = 0;
    for stream in streams {
        match tokio::time::timeout(Duration::from_secs(30), stream).await {
            Ok(Ok(Some(latency))) => latencies.push(latency),
            _ => failed += 1,
        }
    }
    latencies.sort();
    println!(
        "{}",
        serde_json::json!({
            "clients": args.clients,
            "received": latencies.len(),
            "failed": failed,
            "p50_ms": (percentile(&latencies, 0.50) * 10.0).round() / 10.0,
            "p99_ms": (percentile(&latencies, 0.99) * 10.0).round() / 10.0,
            "max_ms": (percentile(&latencies, 1.0) * 10.0).round() / 10.0,
            "connect_s": (connect_s * 10.0).round() / 10.0,
        })
    );
    if failed > 0 { ExitCode::FAILURE } else { ExitCode::SUCCESS }
}
