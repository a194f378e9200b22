//! The node's links to its peers: one outgoing connection per peer, retried with backoff while
//! the peer is down. Each message waits its own delay, drawn from the config's matrix as the
//! simulation draws it, before it is written; a message for a peer with no connection is
//! dropped, as a network would (the driver asks [`Outbound::is_connected`] first, so it can
//! trace the drop).

use crate::app::wire;
use bytes::Bytes;
use futures_util::SinkExt;
use kvplayground::model::message::Message;
use kvplayground::sim::network::Network;
use kvplayground::{Config, NodeId, Time};
use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;
use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;
use tokio::sync::mpsc::{self, UnboundedReceiver, UnboundedSender};
use tokio_util::codec::FramedWrite;

const FIRST_BACKOFF: Duration = Duration::from_millis(50);
const MAX_BACKOFF: Duration = Duration::from_secs(1);

pub struct Outbound {
    index: NodeId,
    /// The writer of each peer's connection (`None` for this node itself).
    peers: Vec<Option<UnboundedSender<Bytes>>>,
    /// Whether each peer's connection is up (set by its writer).
    connected: Vec<Rc<Cell<bool>>>,
    /// `None` with `--no-delay`.
    network: Option<Network>,
}

impl Outbound {
    /// Starts a writer for every peer.
    pub fn start(config: &Config, index: NodeId, no_delay: bool, seed: u64) -> Outbound {
        let connected: Vec<Rc<Cell<bool>>> = (0..config.len()).map(|_| Rc::default()).collect();
        let peers = (0..config.len())
            .map(|peer| {
                (peer != index).then(|| {
                    let (tx, rx) = mpsc::unbounded_channel();
                    let link =
                        Link { index, peer, address: config.addresses[peer].clone(), up: connected[peer].clone() };
                    tokio::task::spawn_local(write(link, rx));
                    tx
                })
            })
            .collect();
        let network = (!no_delay).then(|| Network::new(config, seed));
        Outbound { index, peers, connected, network }
    }

    pub fn is_connected(&self, to: NodeId) -> bool {
        self.connected.get(to).is_some_and(|up| up.get())
    }

    /// How long the next message to `to` waits, drawn from the delay matrix (0 with
    /// `--no-delay`).
    pub fn sample_delay(&mut self, to: NodeId) -> Time {
        self.network.as_mut().map_or(0, |network| network.sample_delay(self.index, to))
    }

    /// Sends `msg`, sent at `sent` with the clock `clock`, to peer `to` after `delay`, without
    /// waiting for it.
    pub fn send(&mut self, to: NodeId, msg: &Message, delay: Time, sent: Time, clock: &[u64]) {
        let Some(Some(link)) = self.peers.get(to) else { return };
        let frame = wire::encode(msg, sent, clock);
        if delay == 0 {
            link.send(frame).ok();
        } else {
            let link = link.clone();
            tokio::task::spawn_local(async move {
                tokio::time::sleep(Duration::from_micros(delay)).await;
                link.send(frame).ok();
            });
        }
    }
}

/// A connection to a peer, as its writer keeps it.
struct Link {
    index: NodeId,
    peer: NodeId,
    address: String,
    /// Whether the connection is up.
    up: Rc<Cell<bool>>,
}

/// Keeps a connection to `peer` open and writes the frames sent to it; frames that arrive while
/// there is no connection are dropped.
async fn write(link: Link, mut frames: UnboundedReceiver<Bytes>) {
    let Link { index, peer, address, up } = link;
    let mut backoff = FIRST_BACKOFF;
    loop {
        up.set(false);
        while frames.try_recv().is_ok() {}
        let stream = match TcpStream::connect(&address).await {
            Ok(stream) => stream,
            Err(_) => {
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(MAX_BACKOFF);
                continue;
            }
        };
        backoff = FIRST_BACKOFF;
        stream.set_nodelay(true).ok();
        let (mut read_half, write_half) = stream.into_split();
        let mut sink = FramedWrite::new(write_half, wire::codec());
        if sink.send(wire::hello(index)).await.is_err() {
            continue;
        }
        up.set(true);
        eprintln!("n{index}: connected to n{peer} at {address}");
        let mut buf = [0u8; 64];
        loop {
            tokio::select! {
                frame = frames.recv() => {
                    let Some(frame) = frame else { return };
                    if wire::send_queued(&mut sink, frame, &mut frames).await.is_err() {
                        break;
                    }
                }
                // The peer never writes on this connection: a read ends only when it closes.
                read = read_half.read(&mut buf) => {
                    if matches!(read, Ok(0) | Err(_)) {
                        break;
                    }
                }
            }
        }
        eprintln!("n{index}: lost the connection to n{peer}");
    }
}
