//! The accept loop. `axum::serve` gives hyper no timer, so a client that sends its request
//! headers slowly (or nothing at all) holds a connection, and a task, forever. Here every
//! connection is served by hyper with a timer:
//! - the protocol is detected (HTTP/1 or HTTP/2 by its preface) within the header deadline;
//! - HTTP/1 must deliver each request's headers within the header deadline, which also closes
//!   keep-alive connections idle for that long;
//! - HTTP/2 connections are pinged and closed when the client stops answering;
//! - the body deadline is applied where bodies are read (`http::post_graphql`).
//!
//! Each request carries the client's address as axum's `ConnectInfo<SocketAddr>`. Graceful
//! shutdown stops accepting (the listener is closed, so new connections are refused), lets
//! in-flight requests finish (bounded by [`Deadlines::drain`], `SHARAKA_SHUTDOWN_TIMEOUT_MS`),
//! closes idle keep-alive connections, then returns.

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};
use tower::ServiceExt as _;

/// What a connection task holds: the shutdown signal to watch, and a token whose drop tells the
/// server the connection is done.
struct Watcher {
    shutdown: watch::Receiver<bool>,
    _alive: mpsc::Sender<()>,
}

impl Watcher {
    async fn stopping(&mut self) {
        // An error means the server is gone: stop too.
        let _ = self.shutdown.wait_for(|stop| *stop).await;
    }
}

/// The HTTP/2 connection preface.
const H2_PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// Deadlines for one connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadlines {
    /// Request headers (and the protocol preface) must arrive within this.
    pub header: Duration,
    /// In-flight requests are given this long to finish on shutdown.
    pub drain: Option<Duration>,
}

/// Which protocol a connection speaks, from its first bytes.
async fn detect_h2(stream: &TcpStream) -> std::io::Result<bool> {
    let mut buf = [0u8; 24];
    loop {
        let n = stream.peek(&mut buf).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        if buf[..n] != H2_PREFACE[..n] {
            return Ok(false);
        }
        if n == H2_PREFACE.len() {
            return Ok(true);
        }
        // A partial preface: wait for the rest (peek would return at once).
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

async fn serve_connection(
    stream: TcpStream,
    remote: SocketAddr,
    router: Router,
    deadlines: Deadlines,
    watcher: Watcher,
) {
    let mut watcher = watcher;
    let h2 = tokio::select! {
        detected = tokio::time::timeout(deadlines.header, detect_h2(&stream)) => match detected {
            Ok(Ok(h2)) => h2,
            // Nothing (or not enough) within the deadline, or the client left.
            _ => return,
        },
        // A connection that has sent nothing yet has no request in flight: shutdown closes it
        // instead of waiting for its header deadline.
        () = watcher.stopping() => return,
    };
    let service = router.map_request(move |mut request: axum::http::Request<Incoming>| {
        request.extensions_mut().insert(ConnectInfo(remote));
        request
    });
    let service = TowerToHyperService::new(service);
    let io = TokioIo::new(stream);
    let result = if h2 {
        let mut builder = hyper::server::conn::http2::Builder::new(TokioExecutor::new());
        builder
            .timer(TokioTimer::new())
            .keep_alive_interval(Some(deadlines.header))
            .keep_alive_timeout(deadlines.header)
            .max_concurrent_streams(64);
        let connection = builder.serve_connection(io, service);
        let mut connection = std::pin::pin!(connection);
        tokio::select! {
            result = connection.as_mut() => result,
            () = watcher.stopping() => {
                connection.as_mut().graceful_shutdown();
                connection.await
            }
        }
    } else {
        let mut builder = hyper::server::conn::http1::Builder::new();
        builder
            .timer(TokioTimer::new())
            .header_read_timeout(deadlines.header)
            .max_headers(100);
        let connection = builder.serve_connection(io, service).with_upgrades();
        let mut connection = std::pin::pin!(connection);
        tokio::select! {
            result = connection.as_mut() => result,
            () = watcher.stopping() => {
                connection.as_mut().graceful_shutdown();
                connection.await
            }
        }
    };
    if let Err(error) = result {
        tracing::debug!(%error, %remote, "connection ended with an error");
    }
}

/// Serves `router` on `listener` until `shutdown` completes, then drains.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    deadlines: Deadlines,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let (stop, shutdown_signal) = watch::channel(false);
    let (alive, mut all_done) = mpsc::channel::<()>(1);
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, remote) = match accepted {
                    Ok(accepted) => accepted,
                    Err(error) => {
                        // Out of file descriptors and the like: wait instead of spinning.
                        tracing::warn!(%error, "accept failed");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                tokio::spawn(serve_connection(
                    stream,
                    remote,
                    router.clone(),
                    deadlines,
                    Watcher { shutdown: shutdown_signal.clone(), _alive: alive.clone() },
                ));
            }
            () = &mut shutdown => break,
        }
    }
    drop(listener);
    drop(alive);
    let _ = stop.send(true);
    // `recv` returns `None` once every connection task has dropped its token.
    let drained = all_done.recv();
    match deadlines.drain {
        Some(drain) => {
            if tokio::time::timeout(drain, drained).await.is_err() {
                tracing::warn!("in-flight requests did not finish in time; closing");
            }
        }
        None => {
            drained.await;
        }
    }
    Ok(())
}
