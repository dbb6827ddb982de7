//! Slow and idle clients cannot hold the server: the real binary, with short timeouts so that
//! the test is quick, against a thousand clients that send their request one byte at a time.

use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const BIN: &str = env!("CARGO_BIN_EXE_masthead");
const SLOW_CLIENTS: usize = 1000;
/// Every slow client must have been cut off within this, counted from when it connected.
const CLOSED_WITHIN: Duration = Duration::from_secs(30);

struct Server {
    child: Child,
    port: u16,
    /// Kept open: the server logs warnings to standard output.
    stdout: Option<BufReader<ChildStdout>>,
    _data: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(extra: &[&str]) -> Server {
    let data = tempfile::tempdir().expect("temp dir");
    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
    let child = Command::new(BIN)
        .args(["--no-demo", "--listen", &format!("127.0.0.1:{port}"), "--data-dir"])
        .arg(data.path())
        .args(extra)
        .env("MASTHEAD_LOG", "warn")
        .env("MASTHEAD_VOICE_INSTALL", "off")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start masthead");
    // Owned by `Server` from here, so that it is stopped however the test ends.
    let mut server = Server { child, port, stdout: None, _data: data };
    let mut stdout = BufReader::new(server.child.stdout.take().expect("stdout"));
    for _ in 0..20 {
        let mut line = String::new();
        stdout.read_line(&mut line).expect("read a line");
        if line.starts_with("Masthead is serving") {
            server.stdout = Some(stdout);
            return server;
        }
    }
    panic!("masthead did not start");
}

/// `GET /` on a new connection; the status line of the answer.
async fn get_home(port: u16) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).await.expect("connect");
    stream.write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").await.expect("write");
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.expect("read");
    String::from_utf8_lossy(&response).lines().next().unwrap_or_default().to_owned()
}

/// Connects and sends a request head one byte every 300 ms, never finishing it; returns how
/// long after connecting the server closed the connection (`None`: not within the bound).
async fn trickle(port: u16, connected: tokio::sync::mpsc::Sender<()>) -> Option<Duration> {
    let stream = TcpStream::connect(("127.0.0.1", port)).await.expect("connect");
    let started = Instant::now();
    let (mut reader, mut writer) = stream.into_split();
    let _ = connected.send(()).await;
    // A valid head that never ends: the request line, then header after header.
    let head = b"GET / HTTP/1.1\r\nHost: localhost\r\n".iter().chain(b"X-Slow: 1\r\n".iter().cycle());
    let dribble = async move {
        for byte in head {
            if writer.write_all(&[*byte]).await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
        // The server stopped taking bytes; wait for the reader to see the close.
        std::future::pending::<()>().await;
    };
    let closed = async move {
        let mut buf = [0u8; 1024];
        // Whatever the server says before closing (a 408, say), the connection ends.
        while let Ok(n) = reader.read(&mut buf).await {
            if n == 0 {
                break;
            }
        }
    };
    tokio::select! {
        () = closed => Some(started.elapsed()),
        () = dribble => None,
        () = tokio::time::sleep(CLOSED_WITHIN) => None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_slow_clients_neither_block_readers_nor_stay_connected() {
    let server = start(&["--header-read-timeout", "5"]);
    assert!(get_home(server.port).await.starts_with("HTTP/1.1 200"), "the home page answers");

    let (connected, mut connections) = tokio::sync::mpsc::channel(SLOW_CLIENTS);
    let mut slow = tokio::task::JoinSet::new();
    for _ in 0..SLOW_CLIENTS {
        slow.spawn(trickle(server.port, connected.clone()));
    }
    for _ in 0..SLOW_CLIENTS {
        connections.recv().await.expect("a slow client connected");
    }

    // With a thousand clients dribbling, a reader still gets the page (a generous bound, not a
    // benchmark).
    let home = tokio::time::timeout(Duration::from_secs(1), get_home(server.port)).await;
    assert!(home.as_ref().is_ok_and(|status| status.starts_with("HTTP/1.1 200")), "{home:?}");

    let mut closed_after = Vec::new();
    while let Some(closed) = slow.join_next().await {
        closed_after.push(closed.expect("slow client task"));
    }
    let still_open = closed_after.iter().filter(|c| c.is_none()).count();
    assert_eq!(still_open, 0, "{still_open} of {SLOW_CLIENTS} slow clients were not cut off within {CLOSED_WITHIN:?}");
    let slowest = closed_after.iter().flatten().max().expect("closed");
    assert!(*slowest < CLOSED_WITHIN, "{slowest:?}");
}

#[tokio::test]
async fn stalled_bodies_and_idle_connections_are_closed() {
    let server = start(&["--request-body-timeout", "2", "--idle-timeout", "2", "--header-read-timeout", "2"]);

    // A body that stops halfway gets an answer, and the connection ends, instead of hanging.
    let mut stalled = TcpStream::connect(("127.0.0.1", server.port)).await.expect("connect");
    let head = "POST /subscribe/ HTTP/1.1\r\nHost: localhost\r\nSec-Fetch-Site: same-origin\r\n\
                Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nemail=a";
    stalled.write_all(head.as_bytes()).await.expect("write");
    let mut answer = Vec::new();
    let ended = tokio::time::timeout(CLOSED_WITHIN, stalled.read_to_end(&mut answer)).await;
    assert!(ended.is_ok(), "the stalled upload was not cut off");
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 4"), "{answer}");

    // A kept-alive connection that asks nothing more is closed after the idle timeout.
    let mut idle = TcpStream::connect(("127.0.0.1", server.port)).await.expect("connect");
    idle.write_all(b"GET /robots.txt HTTP/1.1\r\nHost: localhost\r\n\r\n").await.expect("write");
    let mut buf = vec![0u8; 64 * 1024];
    let n = idle.read(&mut buf).await.expect("read");
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
    let rest = tokio::time::timeout(CLOSED_WITHIN, async {
        loop {
            match idle.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
        }
    })
    .await;
    assert!(rest.is_ok(), "the idle connection was not closed");
}

#[tokio::test]
async fn connections_beyond_the_cap_wait_for_a_free_slot() {
    let server = start(&["--max-connections", "5"]);
    let mut silent = Vec::new();
    for _ in 0..5 {
        silent.push(TcpStream::connect(("127.0.0.1", server.port)).await.expect("connect"));
    }
    // The sixth connection is not served while five are open...
    let waiting = tokio::spawn(get_home(server.port));
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(!waiting.is_finished(), "a sixth connection was served");
    // ...and is once one of them goes.
    drop(silent.pop());
    let home = tokio::time::timeout(CLOSED_WITHIN, waiting).await.expect("served").expect("task");
    assert!(home.starts_with("HTTP/1.1 200"), "{home}");
}
