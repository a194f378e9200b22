//! The node's links to its peers: one outgoing connection per peer, retried with backoff while
//! the peer is down. Each message waits its own delay, drawn from the config's matrix as the
//! simulation draws it, before it is written; a message for a peer with no connection is
//! dropped, as a network would.

use crate::app::wire;
use bytes::Bytes;
use futures_util::SinkExt;
use kvplayground::model::message::Message;
use kvplayground::sim::network::Network;
use kvplayground::{Config, NodeId};
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
    /// `None` with `--no-delay`.
    network: Option<Network>,
}

impl Outbound {
    /// Starts a writer for every peer.
    pub fn start(config: &Config, index: NodeId, no_delay: bool, seed: u64) -> Outbound {
        let peers = (0..config.len())
            .map(|peer| {
                (peer != index).then(|| {
                    let (tx, rx) = mpsc::unbounded_channel();
                    tokio::task::spawn_local(write(index, peer, config.addresses[peer].clone(), rx));
                    tx
                })
            })
            .collect();
        let network = (!no_delay).then(|| Network::new(config, seed));
        Outbound { index, peers, network }
    }

    /// Sends `msg` to peer `to` after its delay, without waiting for it.
    pub fn send(&mut self, to: NodeId, msg: &Message) {
        let Some(Some(link)) = self.peers.get(to) else { return };
        let frame = wire::encode(msg);
        let delay = self.network.as_mut().map_or(0, |network| network.sample_delay(self.index, to));
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

/// Keeps a connection to `peer` open and writes the frames sent to it; frames that arrive while
/// there is no connection are dropped.
async fn write(index: NodeId, peer: NodeId, address: String, mut frames: UnboundedReceiver<Bytes>) {
    let mut backoff = FIRST_BACKOFF;
    loop {
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
