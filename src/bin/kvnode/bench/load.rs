//! The load: client connections (see `app/clients.rs` for the protocol), each keeping its
//! window of requests in flight, and what they measured.

use crate::app::clients::{self, Request, Response};
use crate::bench::Args;
use futures_util::{SinkExt, StreamExt};
use hdrhistogram::Histogram;
use kvplayground::model::command::Level;
use kvplayground::Config;
use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore, SeedableRng};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Duration;
use tokio::net::TcpStream;
use tokio::time::Instant;
use tokio_util::codec::{Framed, LengthDelimitedCodec};

/// How long a connection may wait for an answer before the bench gives up.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(10);

/// What every connection runs.
pub struct Workload {
    pub clients: usize,
    pub window: usize,
    pub level: Level,
    pub keys: u64,
    pub reads: u8,
    pub value_size: usize,
    pub seed: u64,
    pub warmup: Duration,
    pub measure: Duration,
}

impl Workload {
    pub fn new(args: &Args, nodes: usize) -> Workload {
        Workload {
            clients: args.clients.map_or(4 * nodes, |c| c as usize),
            window: args.window as usize,
            level: args.level,
            keys: args.keys,
            reads: args.reads,
            value_size: args.value_size.into(),
            seed: args.seed,
            warmup: Duration::from_secs_f64(args.warmup),
            measure: Duration::from_secs_f64(args.seconds),
        }
    }
}

/// What the connections measured: the requests sent during the measured period.
pub struct Measured {
    pub ops: u64,
    /// Every answer, warm-up and the answers after the end included.
    pub answered: u64,
    /// Failed results, by their text.
    pub errors: BTreeMap<String, u64>,
    /// Microseconds from sending a request to its answer.
    pub latency: Histogram<u64>,
    pub seconds: f64,
}

impl Measured {
    fn new(seconds: f64) -> Measured {
        let latency = Histogram::new_with_bounds(1, 3_600_000_000, 3).expect("valid histogram bounds");
        Measured { ops: 0, answered: 0, errors: BTreeMap::new(), latency, seconds }
    }

    fn add(&mut self, other: Measured) {
        self.ops += other.ops;
        self.answered += other.answered;
        for (error, count) in other.errors {
            *self.errors.entry(error).or_default() += count;
        }
        self.latency.add(other.latency).expect("histograms with the same bounds");
    }
}

/// Runs the workload on the cluster of `config`: connection `c` talks to node `c % nodes`.
pub async fn run(config: &Config, workload: &Workload) -> Result<Measured, String> {
    let start = Instant::now();
    let measure_from = start + workload.warmup;
    let end = measure_from + workload.measure;
    let connections = (0..workload.clients).map(|c| {
        let address = config.addresses[c % config.len()].as_str();
        async move {
            connection(address, c as u64, workload, measure_from, end)
                .await
                .map_err(|e| format!("connection {c} to {address}: {e}"))
        }
    });
    let mut total = Measured::new(workload.measure.as_secs_f64());
    for measured in futures_util::future::join_all(connections).await {
        total.add(measured?);
    }
    Ok(total)
}

/// One connection: requests until `end`, then waits for the answers still due.
async fn connection(
    address: &str,
    c: u64,
    w: &Workload,
    measure_from: Instant,
    end: Instant,
) -> Result<Measured, String> {
    let stream = TcpStream::connect(address).await.map_err(|e| format!("cannot connect ({e})"))?;
    stream.set_nodelay(true).ok();
    let mut framed = Framed::new(stream, LengthDelimitedCodec::new());
    framed.send(clients::hello()).await.map_err(|e| format!("cannot send the hello ({e})"))?;
    let mut lines = Lines::new(w, c);
    let mut measured = Measured::new(w.measure.as_secs_f64());
    // When each request was sent, and the key of each insert.
    let mut in_flight: HashMap<u64, (Instant, Option<u64>)> = HashMap::with_capacity(w.window);
    let mut next_id = 0u64;
    loop {
        let now = Instant::now();
        if now < end && in_flight.len() < w.window {
            while in_flight.len() < w.window {
                let (line, inserted) = lines.next();
                let request = Request { id: next_id, line };
                let frame = serde_json::to_vec(&request).expect("a request serializes");
                framed.feed(bytes::Bytes::from(frame)).await.map_err(|e| format!("cannot send ({e})"))?;
                in_flight.insert(next_id, (now, inserted));
                next_id += 1;
            }
            SinkExt::<bytes::Bytes>::flush(&mut framed).await.map_err(|e| format!("cannot send ({e})"))?;
        }
        if in_flight.is_empty() {
            return Ok(measured);
        }
        let frame = match tokio::time::timeout(ANSWER_TIMEOUT, framed.next()).await {
            Err(_) => return Err(format!("no answer within {ANSWER_TIMEOUT:?}")),
            Ok(None) => return Err("the node closed the connection".into()),
            Ok(Some(frame)) => frame.map_err(|e| format!("bad frame ({e})"))?,
        };
        let response: Response = serde_json::from_slice(&frame)
            .map_err(|e| format!("not an answer ({e}): {}", String::from_utf8_lossy(&frame)))?;
        let sent = response.id.and_then(|id| in_flight.remove(&id));
        let Some((sent, inserted)) = sent else {
            return Err(format!("an answer to no request sent: {}", response.text));
        };
        if let (true, Some(key)) = (response.ok, inserted) {
            lines.inserted.insert(key);
        }
        measured.answered += 1;
        if sent >= measure_from && sent < end {
            measured.ops += 1;
            measured.latency.saturating_record(sent.elapsed().as_micros() as u64);
            if !response.ok {
                *measured.errors.entry(without_prefix(&response.text).to_string()).or_default() += 1;
            }
        }
    }
}

/// A result's text without its `[time nN] ` prefix.
fn without_prefix(text: &str) -> &str {
    text.split_once("] ").map_or(text, |(_, rest)| rest)
}

/// The commands one connection sends, drawn from its own seeded generator. A write is an
/// update if this connection inserted the key (an update of a key no replica holds fails), an
/// insert otherwise; its requests all go through one node, whose links to the replicas keep
/// their order, so the update finds the key.
struct Lines {
    rng: ChaCha8Rng,
    keys: u64,
    reads: u64,
    level: Level,
    value: String,
    /// The keys this connection's inserts wrote.
    inserted: HashSet<u64>,
}

impl Lines {
    fn new(w: &Workload, connection: u64) -> Lines {
        let mut rng = ChaCha8Rng::seed_from_u64(w.seed ^ connection.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        const LETTERS: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
        let value = (0..w.value_size).map(|_| LETTERS[(rng.next_u32() as usize) % LETTERS.len()] as char).collect();
        Lines { rng, keys: w.keys, reads: w.reads.into(), level: w.level, value, inserted: HashSet::new() }
    }

    /// The next command, and its key if it is an insert.
    fn next(&mut self) -> (String, Option<u64>) {
        let key = self.rng.next_u64() % self.keys;
        let (level, value) = (self.level, &self.value);
        if self.rng.next_u64() % 100 < self.reads {
            (format!("get k{key} {level}"), None)
        } else if self.inserted.contains(&key) {
            (format!("update k{key} {value} {level}"), None)
        } else {
            (format!("insert k{key} {value} {level}"), Some(key))
        }
    }
}
