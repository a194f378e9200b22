//! The node's listening socket: incoming connections from peers and clients, each told apart and
//! checked by its hello; peers' messages are handed to the driver, clients are served by
//! `clients`. A connection that speaks another protocol or sends
//! garbage is dropped with a line on stderr; the node keeps running.

use crate::app::driver::Event;
use crate::app::{clients, wire};
use futures_util::StreamExt;
use kvplayground::NodeId;
use std::io::ErrorKind;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc::UnboundedSender;
use tokio_util::codec::Framed;

/// How long a new connection may take to say hello.
const HELLO_TIMEOUT: Duration = Duration::from_secs(5);

pub async fn bind(address: &str, index: NodeId) -> Result<TcpListener, String> {
    TcpListener::bind(address).await.map_err(|e| match e.kind() {
        ErrorKind::AddrInUse => {
            format!("cannot listen on {address}: the address is in use (is node {index} already running?)")
        }
        _ => format!("cannot listen on {address}: {e}"),
    })
}

/// Accepts connections for as long as the node runs.
pub fn spawn_accept(listener: TcpListener, index: NodeId, nodes: usize, events: UnboundedSender<Event>) {
    tokio::task::spawn_local(async move {
        loop {
            match listener.accept().await {
                Ok((stream, peer)) => {
                    tokio::task::spawn_local(serve(stream, peer, index, nodes, events.clone()));
                }
                Err(e) => {
                    eprintln!("n{index}: accepting a connection failed: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
    });
}

async fn serve(stream: TcpStream, peer: SocketAddr, index: NodeId, nodes: usize, events: UnboundedSender<Event>) {
    if let Err(reason) = read(stream, nodes, &events).await {
        eprintln!("n{index}: dropped the connection from {peer}: {reason}");
    }
}

/// Reads one connection until it ends; `Err` says why it was dropped.
async fn read(stream: TcpStream, nodes: usize, events: &UnboundedSender<Event>) -> Result<(), String> {
    stream.set_nodelay(true).ok();
    // Framed, not only read: a client's connection carries its answers back.
    let mut frames = Framed::new(stream, wire::codec());
    let first = match tokio::time::timeout(HELLO_TIMEOUT, frames.next()).await {
        Err(_) => return Err("no hello within 5 s".into()),
        Ok(None) => return Ok(()),
        Ok(Some(frame)) => frame.map_err(|e| format!("bad frame ({e})"))?,
    };
    if let Some(hello) = clients::read_hello(&first) {
        hello?;
        return clients::serve(frames, events).await;
    }
    let from = wire::read_hello(&first, nodes).map_err(|e| match e.starts_with("not a hello") {
        true => format!("{e}; a client's hello is {}", clients::HELLO_TEXT),
        false => e,
    })?;
    while let Some(frame) = frames.next().await {
        let frame = frame.map_err(|e| format!("bad frame from n{from} ({e})"))?;
        let wire::Envelope { sent, clock, msg } =
            wire::decode(&frame, nodes).map_err(|e| format!("n{from} sent {e}"))?;
        if events.send(Event::Deliver { from, msg, sent, clock }).is_err() {
            return Ok(());
        }
    }
    Ok(())
}
