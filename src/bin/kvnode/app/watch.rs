//! `--watch ADDR`: pages watching the node over a WebSocket. Each watcher gets the node's hello
//! (its store at that moment), then its event lines in batches (text frames of lines separated
//! by "\n"); a text frame from a watcher is a command line, run as if typed on the node. A
//! watcher that falls more than [`MAX_QUEUED`] lines behind is disconnected ("too slow"): the
//! node never waits for a watcher.

use crate::app::driver::Event;
use futures_util::{SinkExt, StreamExt};
use kvplayground::NodeId;
use std::io::ErrorKind;
use std::net::SocketAddr;
use std::rc::Rc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc::{self, error::TrySendError, UnboundedSender};
use tokio::sync::oneshot;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::Message;

/// Lines a watcher may have queued before it is disconnected.
const MAX_QUEUED: usize = 10_000;
/// The most bytes of lines sent in one frame.
const MAX_BATCH: usize = 1 << 20;
/// How long a new connection may take to open the WebSocket, and a closing one to say goodbye.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(5);

/// A watcher as the node sees it: where its lines go.
pub struct Watcher {
    lines: mpsc::Sender<Rc<str>>,
    too_slow: Option<oneshot::Sender<()>>,
}

/// The node's watchers.
#[derive(Default)]
pub struct Watchers {
    list: Vec<Watcher>,
}

impl Watchers {
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// Adds a watcher; `hello` is its first frame.
    pub fn add(&mut self, watcher: Watcher, hello: String) {
        if watcher.lines.try_send(Rc::from(hello)).is_ok() {
            self.list.push(watcher);
        }
    }

    /// Queues a line for every watcher; those gone or too slow are dropped.
    pub fn push(&mut self, line: &Rc<str>) {
        self.list.retain_mut(|watcher| match watcher.lines.try_send(line.clone()) {
            Ok(()) => true,
            Err(TrySendError::Full(_)) => {
                if let Some(kick) = watcher.too_slow.take() {
                    kick.send(()).ok();
                }
                false
            }
            Err(TrySendError::Closed(_)) => false,
        });
    }
}

/// Listens on ADDR: `PORT` for 127.0.0.1:PORT, or `HOST:PORT`.
pub async fn bind(address: &str) -> Result<TcpListener, String> {
    let address =
        if address.bytes().all(|b| b.is_ascii_digit()) { format!("127.0.0.1:{address}") } else { address.into() };
    TcpListener::bind(&address).await.map_err(|e| match e.kind() {
        ErrorKind::AddrInUse => {
            format!("cannot watch on {address}: the address is in use (choose another --watch port)")
        }
        _ => format!("cannot watch on {address}: {e} (--watch takes PORT or HOST:PORT)"),
    })
}

/// Accepts watchers for as long as the node runs.
pub fn spawn_accept(listener: TcpListener, index: NodeId, events: UnboundedSender<Event>) {
    tokio::task::spawn_local(async move {
        loop {
            match listener.accept().await {
                Ok((stream, peer)) => {
                    tokio::task::spawn_local(serve(stream, peer, index, events.clone()));
                }
                Err(e) => {
                    eprintln!("n{index}: accepting a watcher failed: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
    });
}

async fn serve(stream: TcpStream, peer: SocketAddr, index: NodeId, events: UnboundedSender<Event>) {
    stream.set_nodelay(true).ok();
    let ws = match tokio::time::timeout(HANDSHAKE_TIMEOUT, tokio_tungstenite::accept_async(stream)).await {
        Ok(Ok(ws)) => ws,
        Ok(Err(e)) => return eprintln!("n{index}: {peer} is not a WebSocket watcher: {e}"),
        Err(_) => return eprintln!("n{index}: {peer} did not open a WebSocket within 5 s"),
    };
    let (tx, mut lines) = mpsc::channel(MAX_QUEUED);
    let (kick, mut kicked) = oneshot::channel();
    if events.send(Event::Watch(Watcher { lines: tx, too_slow: Some(kick) })).is_err() {
        return;
    }
    eprintln!("n{index}: watched by {peer}");
    let (mut sink, mut incoming) = ws.split();
    let mut first = true;
    loop {
        tokio::select! {
            biased;
            slow = &mut kicked => {
                if slow.is_ok() {
                    eprintln!("n{index}: disconnected the watcher {peer}: too slow");
                    let close = CloseFrame { code: CloseCode::Policy, reason: "too slow".into() };
                    tokio::time::timeout(HANDSHAKE_TIMEOUT, sink.send(Message::Close(Some(close)))).await.ok();
                }
                return;
            }
            line = lines.recv() => {
                let Some(line) = line else { return };
                let mut text = line.to_string();
                // The hello is a frame of its own; events go in batches.
                while !first && text.len() < MAX_BATCH {
                    let Ok(line) = lines.try_recv() else { break };
                    text.push('\n');
                    text.push_str(&line);
                }
                first = false;
                tokio::select! {
                    biased;
                    slow = &mut kicked => {
                        if slow.is_ok() {
                            eprintln!("n{index}: disconnected the watcher {peer}: too slow");
                        }
                        return;
                    }
                    sent = sink.send(Message::text(text)) => if sent.is_err() { return },
                }
            }
            frame = incoming.next() => match frame {
                Some(Ok(Message::Text(line))) => {
                    if events.send(Event::Line(line.to_string())).is_err() {
                        return;
                    }
                }
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => return,
                Some(Ok(_)) => {}
            },
        }
    }
}
