//! Client connections on the node's own port: after the hello `{"client_protocol": 1}`, each
//! frame is a request `{"id": 7, "line": "get 5 QUORUM"}` and the node answers it with one frame
//! `{"id": 7, "ok": true, "text": "[  1.234 n0] Get return: ..."}` (the first result of the
//! command, as the console would print it). Requests may be pipelined; answers come in the order
//! the requests finish. A frame that is not a request gets an error frame `{"id": null, "ok":
//! false, "text": ...}`, and the connection is dropped.

use crate::app::driver::Event;
use crate::app::wire;
use bytes::Bytes;
use futures_util::stream::SplitSink;
use futures_util::StreamExt;
use kvplayground::model::message::RequestId;
use kvplayground::ClientResult;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use tokio::net::TcpStream;
use tokio::sync::mpsc::{self, UnboundedReceiver, UnboundedSender};
use tokio_util::codec::{Framed, LengthDelimitedCodec};

type Connection = Framed<TcpStream, LengthDelimitedCodec>;

/// The version of the client protocol (separate from the peers' `wire::PROTOCOL`).
pub const CLIENT_PROTOCOL: u32 = 1;

/// The first frame of a client's connection.
#[derive(Serialize, Deserialize, Debug, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ClientHello {
    pub client_protocol: u32,
}

#[derive(Serialize, Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct Request {
    pub id: u64,
    pub line: String,
}

#[derive(Serialize, Deserialize, Debug)]
pub struct Response {
    /// The request's id; `None` when the frame was not a request.
    pub id: Option<u64>,
    pub ok: bool,
    pub text: String,
}

/// Where the answer to one client request goes.
#[derive(Debug)]
pub struct Responder {
    id: u64,
    to: UnboundedSender<Bytes>,
}

/// The client hello in `frame`: `None` if it is not one (it may be a peer's), an error if it is
/// one in another version.
pub fn read_hello(frame: &[u8]) -> Option<Result<(), String>> {
    let hello: ClientHello = serde_json::from_slice(frame).ok()?;
    Some(if hello.client_protocol == CLIENT_PROTOCOL {
        Ok(())
    } else {
        Err(format!("a client speaking protocol {}, this node speaks {CLIENT_PROTOCOL}", hello.client_protocol))
    })
}

/// The client hello, for error messages.
pub const HELLO_TEXT: &str = r#"{"client_protocol": 1}"#;

pub fn hello() -> Bytes {
    Bytes::from(serde_json::to_vec(&ClientHello { client_protocol: CLIENT_PROTOCOL }).expect("a hello serializes"))
}

/// Serves a client connection (its hello read) until it ends; `Err` says why it was dropped.
pub async fn serve(connection: Connection, events: &UnboundedSender<Event>) -> Result<(), String> {
    let (sink, mut frames) = connection.split();
    let (answers, queue) = mpsc::unbounded_channel();
    let writer = tokio::task::spawn_local(write(sink, queue));
    let result = async {
        while let Some(frame) = frames.next().await {
            let frame = frame.map_err(|e| format!("bad frame from a client ({e})"))?;
            let request: Request = match serde_json::from_slice(&frame) {
                Ok(request) => request,
                Err(e) => {
                    let error = format!("not a request ({e}): send {{\"id\": <number>, \"line\": \"<command>\"}}");
                    answers.send(encode(&Response { id: None, ok: false, text: error.clone() })).ok();
                    return Err(error);
                }
            };
            let client = Responder { id: request.id, to: answers.clone() };
            if events.send(Event::Request { line: request.line, client }).is_err() {
                return Ok(());
            }
        }
        Ok(())
    }
    .await;
    // The writer ends once every answer queued (the error frame included) is written.
    drop(answers);
    writer.await.ok();
    result
}

/// Writes the answers queued for one connection, those that finish together in one write.
async fn write(mut sink: SplitSink<Connection, Bytes>, mut queue: UnboundedReceiver<Bytes>) {
    while let Some(frame) = queue.recv().await {
        if wire::send_queued(&mut sink, frame, &mut queue).await.is_err() {
            return;
        }
    }
}

fn encode(response: &Response) -> Bytes {
    Bytes::from(serde_json::to_vec(response).expect("a response serializes"))
}

/// The client requests a node has open: where their answer goes, or `None` once answered.
#[derive(Default)]
pub struct Clients {
    open: HashMap<RequestId, Option<Responder>>,
}

impl Clients {
    pub fn open(&mut self, request: RequestId, client: Responder) {
        self.open.insert(request, Some(client));
    }

    /// Whether `result` is for a client's request (so not for the console); answers the
    /// request with it if it is the first. Later results (a get's read repair) are not sent.
    pub fn answer(&mut self, result: &ClientResult) -> bool {
        let Some(waiting) = result.request.and_then(|request| self.open.get_mut(&request)) else { return false };
        if let Some(client) = waiting.take() {
            let response = Response { id: Some(client.id), ok: result.outcome.is_ok(), text: result.to_text() };
            client.to.send(encode(&response)).ok();
        }
        true
    }

    /// Forgets `request`: it finished or timed out, and no more results come.
    pub fn close(&mut self, request: RequestId) {
        self.open.remove(&request);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_hellos_are_told_from_peer_hellos() {
        assert_eq!(read_hello(&hello()), Some(Ok(())));
        assert_eq!(read_hello(HELLO_TEXT.as_bytes()), Some(Ok(())));
        assert!(read_hello(br#"{"client_protocol": 2}"#).unwrap().unwrap_err().contains("protocol 2"));
        assert_eq!(read_hello(&crate::app::wire::hello(0)), None);
        assert_eq!(read_hello(b"garbage"), None);
    }
}
