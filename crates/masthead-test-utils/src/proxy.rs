//! A TCP forwarder a test can cut and restore: the app connects to its database through it, and
//! the test takes the database away (every forwarded connection closed, new ones refused) and
//! gives it back, without touching the database server that other tests use.

use std::net::SocketAddr;
use std::sync::Mutex;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::{JoinHandle, JoinSet};

pub struct TcpProxy {
    addr: SocketAddr,
    target: SocketAddr,
    running: Mutex<Option<(oneshot::Sender<()>, JoinHandle<()>)>>,
}

impl TcpProxy {
    /// Forwards a port of its own on 127.0.0.1 to `target`.
    pub async fn start(target: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind the proxy");
        let addr = listener.local_addr().expect("the proxy's address");
        let proxy = Self { addr, target, running: Mutex::new(None) };
        proxy.run(listener);
        proxy
    }

    /// Where to connect instead of the target.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Closes every forwarded connection and stops listening: connecting is refused until
    /// [`TcpProxy::restore`]. Returns once every connection is closed.
    pub async fn cut(&self) {
        let running = self.running.lock().expect("proxy state").take();
        if let Some((stop, task)) = running {
            let _ = stop.send(());
            task.await.expect("the proxy stops");
        }
    }

    /// Listens on the same port again and forwards new connections.
    pub async fn restore(&self) {
        let listener = TcpListener::bind(self.addr).await.expect("listen on the proxy's port again");
        self.run(listener);
    }

    fn run(&self, listener: TcpListener) {
        let (stop, stopped) = oneshot::channel();
        let task = tokio::spawn(forward(listener, self.target, stopped));
        *self.running.lock().expect("proxy state") = Some((stop, task));
    }
}

async fn forward(listener: TcpListener, target: SocketAddr, mut stop: oneshot::Receiver<()>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            _ = &mut stop => break,
            accepted = listener.accept() => {
                let Ok((mut inbound, _)) = accepted else { continue };
                connections.spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect(target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    drop(listener);
    // Aborting a connection's task drops both of its sockets: each side sees the other go.
    connections.shutdown().await;
}
