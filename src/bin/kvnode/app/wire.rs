//! What travels on a connection: length-delimited frames of JSON. The first frame is a
//! [`Hello`]; every later one is an [`Envelope`]: a `Message` with its send time and the
//! sender's vector clock, for the nodes' traces.

use bytes::Bytes;
use futures_util::{Sink, SinkExt};
use kvplayground::model::message::Message;
use kvplayground::{NodeId, Time};
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc::UnboundedReceiver;
use tokio_util::codec::LengthDelimitedCodec;

/// The version of this wire format; a peer speaking another one is dropped. Version 2 wraps
/// messages in an [`Envelope`].
pub use kvplayground::sim::node_log::PROTOCOL;

/// Largest frame accepted: a message carries one key and value, or an anti-entropy batch.
const MAX_FRAME: usize = 16 * 1024 * 1024;

/// The first frame on every connection: who is calling, in which protocol.
#[derive(Serialize, Deserialize, Debug, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Hello {
    pub protocol: u32,
    pub from: NodeId,
}

pub fn codec() -> LengthDelimitedCodec {
    LengthDelimitedCodec::builder().max_frame_length(MAX_FRAME).new_codec()
}

pub fn hello(from: NodeId) -> Bytes {
    Bytes::from(serde_json::to_vec(&Hello { protocol: PROTOCOL, from }).expect("a hello serializes"))
}

/// Checks a connection's first frame: a hello in this protocol from a node of the cluster.
pub fn read_hello(frame: &[u8], nodes: usize) -> Result<NodeId, String> {
    let hello: Hello = serde_json::from_slice(frame).map_err(|e| format!("not a hello ({e})"))?;
    if hello.protocol != PROTOCOL {
        return Err(format!("speaks protocol {}, this node speaks {PROTOCOL}", hello.protocol));
    }
    if hello.from >= nodes {
        return Err(format!("says it is node {}, but nodes are numbered 0 to {}", hello.from, nodes - 1));
    }
    Ok(hello.from)
}

/// A message as it travels: `sent` is the sender's wall clock (µs) at the send, `clock` its
/// vector clock after the send.
#[derive(Serialize, Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct Envelope<C, M> {
    pub sent: Time,
    pub clock: C,
    pub msg: M,
}

/// A message as it arrives.
pub type Received = Envelope<Vec<u64>, Message>;

pub fn encode(msg: &Message, sent: Time, clock: &[u64]) -> Bytes {
    Bytes::from(serde_json::to_vec(&Envelope { sent, clock, msg }).expect("a message serializes"))
}

/// Reads a frame of a cluster of `nodes` nodes.
pub fn decode(frame: &[u8], nodes: usize) -> Result<Received, String> {
    let received: Received = serde_json::from_slice(frame).map_err(|e| format!("not a message ({e})"))?;
    if received.clock.len() != nodes {
        return Err(format!("a clock of {} entries for a cluster of {nodes} nodes", received.clock.len()));
    }
    Ok(received)
}

/// Writes `first` and every frame queued behind it, then flushes once: one system call for what
/// a step of the node queued for a connection, not one per frame.
pub async fn send_queued<S>(sink: &mut S, first: Bytes, queue: &mut UnboundedReceiver<Bytes>) -> std::io::Result<()>
where
    S: Sink<Bytes, Error = std::io::Error> + Unpin,
{
    sink.feed(first).await?;
    while let Ok(frame) = queue.try_recv() {
        sink.feed(frame).await?;
    }
    sink.flush().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hellos_are_checked() {
        assert_eq!(read_hello(&hello(2), 4), Ok(2));
        assert!(read_hello(&hello(4), 4).unwrap_err().contains("numbered 0 to 3"));
        assert!(read_hello(br#"{"protocol": 1, "from": 0}"#, 4).unwrap_err().contains("protocol 1"));
        assert!(read_hello(b"\x00garbage", 4).unwrap_err().starts_with("not a hello"));
    }

    #[test]
    fn messages_travel_with_their_send_time_and_clock() {
        let msg = Message::Read { req: 3, key: "5".into() };
        let received = decode(&encode(&msg, 17, &[1, 2]), 2).unwrap();
        assert_eq!((received.sent, received.clock), (17, vec![1, 2]));
        assert!(decode(&encode(&msg, 17, &[1, 2]), 3).unwrap_err().contains("a clock of 2 entries"));
        // A protocol-1 frame: a bare message.
        assert!(decode(&serde_json::to_vec(&msg).unwrap(), 2).unwrap_err().starts_with("not a message"));
    }
}
