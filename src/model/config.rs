//! The cluster config: the original project's `config.json` plus optional fields with defaults.

use crate::model::types::{NodeId, Time, MICROS_PER_MS, MICROS_PER_S};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Most nodes a config may declare.
pub const MAX_NODES: usize = 256;
/// Longest average delay accepted on a link, in seconds.
pub const MAX_DELAY_S: f64 = 3600.0;
/// Largest clock skew accepted, in milliseconds either way.
pub const MAX_SKEW_MS: f64 = 3_600_000.0;
/// Longest address accepted, in bytes.
pub const MAX_ADDRESS_BYTES: usize = 200;
/// Replication factor when the config does not set one (capped at N).
pub const DEFAULT_REPLICATION_FACTOR: usize = 3;
/// Tombstone grace period when the config does not set one, in seconds.
pub const DEFAULT_TOMBSTONE_GRACE_S: f64 = 300.0;
/// Floor of the default request timeout, in seconds.
pub const MIN_DEFAULT_TIMEOUT_S: f64 = 1.0;
/// Longest request timeout or grace period accepted, in seconds (one day).
pub const MAX_PERIOD_S: f64 = 86_400.0;
/// Shortest anti-entropy period accepted, in microseconds: shorter ones would flood the
/// network. A node raises a shorter one set at run time to it.
pub const MIN_ANTI_ENTROPY_PERIOD: Time = 10_000;
/// The same in seconds, as configs and fault lines give it.
pub const MIN_ANTI_ENTROPY_PERIOD_S: f64 = MIN_ANTI_ENTROPY_PERIOD as f64 / MICROS_PER_S as f64;

/// How a message's delay on a link is drawn from that link's average.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DelayDistribution {
    /// Uniform in `[0, 2 x avg]`, as the original did: messages can overtake each other.
    #[default]
    Uniform,
    /// Exactly the average: links behave like FIFO pipes.
    Constant,
    /// Exponential with the average as its mean: a long tail of slow messages.
    Exponential,
}

impl DelayDistribution {
    /// Default timeout as a multiple of the largest average delay: long enough that a request
    /// (one round trip) does not time out without a fault. Uniform and constant delays are at
    /// most 2 x avg per hop; an exponential round trip exceeds 40 x its mean with probability
    /// about 4e-16.
    fn timeout_factor(self) -> f64 {
        match self {
            DelayDistribution::Uniform | DelayDistribution::Constant => 8.0,
            DelayDistribution::Exponential => 40.0,
        }
    }
}

/// When a read answers its client, with respect to the read repair it starts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReadRepair {
    /// The original's: the read answers as soon as its level is reached and repairs afterwards,
    /// without waiting. Two QUORUM reads can then return new, then old.
    #[default]
    Async,
    /// Cassandra's: a read whose replies disagree first repairs the replies that were older (up
    /// to its level) and answers only when they acknowledged. QUORUM reads and writes are then
    /// linearizable per key, without faults and clock skew.
    Blocking,
}

impl ReadRepair {
    fn is_async(&self) -> bool {
        *self == ReadRepair::Async
    }
}

/// A cluster config. `addresses` and `avg_delays` are the original's fields, unchanged; the rest
/// are optional (docs/language.md lists them with defaults and limits).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// One address per node; node `i` is `addresses[i]`.
    pub addresses: Vec<String>,
    /// `avg_delays[i][j]`: average one-way delay in seconds from node `i` to node `j`.
    pub avg_delays: Vec<Vec<f64>>,
    /// Replicas per key; default `min(3, N)`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replication_factor: Option<usize>,
    /// Seconds a request waits for its level; default from the matrix (see `request_timeout`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_timeout_s: Option<f64>,
    #[serde(default)]
    pub delay_distribution: DelayDistribution,
    /// Seed of the network's random delays; `kvsim --seed` overrides it. Default 0.
    #[serde(default)]
    pub seed: u64,
    /// Per-node clock skew in milliseconds (positive = ahead); default all 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clock_skew_ms: Option<Vec<f64>>,
    /// Seconds a tombstone is kept before it is purged; default 300.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tombstone_grace_s: Option<f64>,
    /// Whether coordinators keep hints for replicas that did not acknowledge a write; default
    /// off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hinted_handoff: Option<bool>,
    /// Seconds between a node's anti-entropy rounds; default none (anti-entropy off).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub anti_entropy_period_s: Option<f64>,
    /// Whether a read waits for its repair before answering; default `async`, the original's.
    #[serde(default, skip_serializing_if = "ReadRepair::is_async")]
    pub read_repair: ReadRepair,
    /// Reproduces the course project's known faults, for comparison: an insert or update
    /// overwrites whatever is stored without comparing timestamps (so an update creates a missing
    /// key), and a delete removes the key without a tombstone. Read repair, hints and
    /// anti-entropy still keep the newest version, so a deleted key comes back. Default off.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub original_bugs: bool,
}

/// What a runner says when a config has `original_bugs` on, so nobody mistakes its results for
/// the store's.
pub const ORIGINAL_BUGS_NOTICE: &str = "original_bugs is on: replicas write as the course project did \
(inserts and updates overwrite newer versions, updates create missing keys, deletes leave no tombstone, \
so read repair brings deleted keys back)";

impl Config {
    /// Parses and validates a config file's text.
    pub fn from_json(text: &str) -> Result<Config, ConfigError> {
        if !text.trim_start().starts_with('{') {
            // serde would read a list as the fields in order; a config file is an object.
            serde_json::from_str::<serde::de::IgnoredAny>(text)
                .map_err(|e| ConfigError::new("config.json", e.to_string()))?;
            return Err(ConfigError::not_an_object());
        }
        let mut de = serde_json::Deserializer::from_str(text);
        let config = Config::read(&mut de)?;
        de.end().map_err(|e| ConfigError::new("config.json", e.to_string()))?;
        Ok(config)
    }

    /// Reads and validates a config from any serde source: JSON text natively, the browser's own
    /// parsed object in wasm. The path names the field of a mistyped value (`seed`,
    /// `avg_delays[1][2]`), like the validation errors do; errors about the document as a whole
    /// name the file.
    pub fn read<'de, D: serde::Deserializer<'de>>(de: D) -> Result<Config, ConfigError> {
        let config: Config = serde_path_to_error::deserialize(de).map_err(|e| {
            let path = e.path().to_string();
            let field = if path == "." || path == "?" { "config.json".to_string() } else { path };
            ConfigError::new(field, e.into_inner().to_string())
        })?;
        config.validate()?;
        Ok(config)
    }

    /// Number of nodes.
    pub fn len(&self) -> usize {
        self.addresses.len()
    }

    pub fn is_empty(&self) -> bool {
        self.addresses.is_empty()
    }

    pub fn replication_factor(&self) -> usize {
        self.replication_factor.unwrap_or(DEFAULT_REPLICATION_FACTOR.min(self.len()))
    }

    /// The request timeout in microseconds.
    pub fn request_timeout(&self) -> Time {
        let seconds = self.request_timeout_s.unwrap_or_else(|| {
            let largest = self.avg_delays.iter().flatten().copied().fold(0.0, f64::max);
            (largest * self.delay_distribution.timeout_factor()).max(MIN_DEFAULT_TIMEOUT_S)
        });
        seconds_to_micros(seconds)
    }

    pub fn tombstone_grace(&self) -> Time {
        seconds_to_micros(self.tombstone_grace_s.unwrap_or(DEFAULT_TOMBSTONE_GRACE_S))
    }

    pub fn hinted_handoff(&self) -> bool {
        self.hinted_handoff.unwrap_or(false)
    }

    /// The anti-entropy period in microseconds, or `None` when anti-entropy is off.
    pub fn anti_entropy_period(&self) -> Option<Time> {
        self.anti_entropy_period_s.map(seconds_to_micros)
    }

    /// The largest difference between two nodes' clocks (or a clock and virtual time), in
    /// microseconds.
    pub fn clock_skew_spread(&self) -> Time {
        let (low, high) = self.clock_skew_range();
        high.abs_diff(low)
    }

    /// The lowest and the highest clock skew, counting virtual time's own (0), in microseconds.
    pub fn clock_skew_range(&self) -> (i64, i64) {
        let skews = (0..self.len()).map(|node| self.clock_skew(node));
        skews.fold((0, 0), |(low, high), s| (low.min(s), high.max(s)))
    }

    /// Node `node`'s clock skew in microseconds.
    pub fn clock_skew(&self, node: NodeId) -> i64 {
        let ms = self.clock_skew_ms.as_ref().and_then(|s| s.get(node)).copied().unwrap_or(0.0);
        (ms * MICROS_PER_MS as f64).round() as i64
    }

    /// Average delay from `from` to `to`, in microseconds.
    pub fn avg_delay(&self, from: NodeId, to: NodeId) -> Time {
        seconds_to_micros(self.avg_delays[from][to])
    }

    /// Checks every rule a config must satisfy; the error names the field and position.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let n = self.len();
        if n == 0 {
            return Err(ConfigError::new("addresses", "the list is empty: give at least one node address"));
        }
        if n > MAX_NODES {
            return Err(ConfigError::new("addresses", format!("{n} nodes given; at most {MAX_NODES} are supported")));
        }
        for (i, address) in self.addresses.iter().enumerate() {
            let field = format!("addresses[{i}]");
            if address.trim().is_empty() {
                return Err(ConfigError::new(field, "the address is empty"));
            }
            if address.len() > MAX_ADDRESS_BYTES {
                return Err(ConfigError::new(field, format!("the address is longer than {MAX_ADDRESS_BYTES} bytes")));
            }
            if let Some(first) = self.addresses[..i].iter().position(|a| a == address) {
                return Err(ConfigError::new(
                    field,
                    format!("duplicate of addresses[{first}] ({address:?}); every node needs its own address"),
                ));
            }
        }
        if self.avg_delays.len() != n {
            return Err(ConfigError::new(
                "avg_delays",
                format!("has {} rows but there are {n} addresses; it must be {n} x {n}", self.avg_delays.len()),
            ));
        }
        for (i, row) in self.avg_delays.iter().enumerate() {
            if row.len() != n {
                return Err(ConfigError::new(
                    format!("avg_delays[{i}]"),
                    format!("has {} columns; the matrix must be {n} x {n}", row.len()),
                ));
            }
            for (j, &delay) in row.iter().enumerate() {
                if !(delay.is_finite() && (0.0..=MAX_DELAY_S).contains(&delay)) {
                    return Err(ConfigError::new(
                        format!("avg_delays[{i}][{j}]"),
                        format!("{delay} is not a delay: use a number of seconds from 0 to {MAX_DELAY_S}"),
                    ));
                }
            }
        }
        if let Some(rf) = self.replication_factor {
            if rf == 0 || rf > n {
                return Err(ConfigError::new(
                    "replication_factor",
                    format!("{rf} is out of range: it must be from 1 to the number of nodes ({n})"),
                ));
            }
        }
        if let Some(t) = self.request_timeout_s {
            check_period("request_timeout_s", t, false)?;
        }
        if let Some(g) = self.tombstone_grace_s {
            check_period("tombstone_grace_s", g, true)?;
        }
        if let Some(period) = self.anti_entropy_period_s {
            if !(period.is_finite() && (MIN_ANTI_ENTROPY_PERIOD_S..=MAX_PERIOD_S).contains(&period)) {
                return Err(ConfigError::new(
                    "anti_entropy_period_s",
                    format!(
                        "{period} is out of range: use seconds from {MIN_ANTI_ENTROPY_PERIOD_S} up to {MAX_PERIOD_S}"
                    ),
                ));
            }
        }
        if let Some(skews) = &self.clock_skew_ms {
            if skews.len() != n {
                return Err(ConfigError::new(
                    "clock_skew_ms",
                    format!("has {} entries; give one per node ({n})", skews.len()),
                ));
            }
            for (i, &skew) in skews.iter().enumerate() {
                if !(skew.is_finite() && skew.abs() <= MAX_SKEW_MS) {
                    return Err(ConfigError::new(
                        format!("clock_skew_ms[{i}]"),
                        format!("{skew} is not a skew: use milliseconds from -{MAX_SKEW_MS} to {MAX_SKEW_MS}"),
                    ));
                }
            }
        }
        Ok(())
    }
}

fn check_period(field: &str, seconds: f64, zero_ok: bool) -> Result<(), ConfigError> {
    let low_ok = if zero_ok { seconds >= 0.0 } else { seconds > 0.0 };
    if seconds.is_finite() && low_ok && seconds <= MAX_PERIOD_S {
        Ok(())
    } else {
        let low = if zero_ok { "from 0" } else { "above 0" };
        Err(ConfigError::new(field, format!("{seconds} is out of range: use seconds {low} up to {MAX_PERIOD_S}")))
    }
}

/// Seconds (validated finite, non-negative) to whole microseconds.
fn seconds_to_micros(seconds: f64) -> Time {
    (seconds * MICROS_PER_S as f64).round() as Time
}

/// A config that cannot be used: which field, and what is wrong with it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ConfigError {
    pub field: String,
    pub message: String,
}

impl ConfigError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        ConfigError { field: field.into(), message: message.into() }
    }

    /// The document is JSON but not an object.
    pub fn not_an_object() -> Self {
        ConfigError::new(
            "config.json",
            r#"not a JSON object: a config looks like {"addresses": [...], "avg_delays": [[...]]}"#,
        )
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid config: {}: {}", self.field, self.message)
    }
}

impl std::error::Error for ConfigError {}

#[cfg(test)]
mod tests {
    use super::*;

    const ORIGINAL: &str = r#"{"addresses": ["localhost:15000", "localhost:15001", "localhost:15002", "localhost:15003"],
        "avg_delays": [[0, 1, 2, 3], [1, 0, 1, 2], [2, 1, 0, 1], [3, 2, 1, 0]]}"#;

    #[test]
    fn loads_the_original_format_with_defaults() {
        let c = Config::from_json(ORIGINAL).unwrap();
        assert_eq!(c.len(), 4);
        assert_eq!(c.replication_factor(), 3);
        assert_eq!(c.delay_distribution, DelayDistribution::Uniform);
        assert_eq!(c.request_timeout(), 24 * MICROS_PER_S);
        assert_eq!(c.avg_delay(0, 3), 3 * MICROS_PER_S);
        assert_eq!(c.clock_skew(2), 0);
        assert_eq!(c.tombstone_grace(), 300 * MICROS_PER_S);
        assert!(!c.hinted_handoff());
        assert_eq!(c.anti_entropy_period(), None);
        assert_eq!(c.read_repair, ReadRepair::Async);
        assert_eq!(c.clock_skew_spread(), 0);
    }

    #[test]
    fn default_timeout_has_a_floor_and_rf_is_capped_by_n() {
        let c = Config::from_json(r#"{"addresses": ["a", "b"], "avg_delays": [[0, 0], [0, 0]]}"#).unwrap();
        assert_eq!(c.request_timeout(), MICROS_PER_S);
        assert_eq!(c.replication_factor(), 2);
    }

    #[test]
    fn optional_fields_are_read() {
        let c = Config::from_json(
            r#"{"addresses": ["a", "b"], "avg_delays": [[0, 0.5], [0.5, 0]], "replication_factor": 1,
                "request_timeout_s": 2.5, "delay_distribution": "exponential", "seed": 7,
                "clock_skew_ms": [0, -250], "tombstone_grace_s": 0, "hinted_handoff": true,
                "anti_entropy_period_s": 2.5, "read_repair": "blocking"}"#,
        )
        .unwrap();
        assert_eq!(c.replication_factor(), 1);
        assert_eq!(c.request_timeout(), 2_500_000);
        assert_eq!(c.delay_distribution, DelayDistribution::Exponential);
        assert_eq!(c.seed, 7);
        assert_eq!(c.clock_skew(1), -250_000);
        assert_eq!(c.tombstone_grace(), 0);
        assert!(c.hinted_handoff());
        assert_eq!(c.anti_entropy_period(), Some(2_500_000));
        assert_eq!(c.read_repair, ReadRepair::Blocking);
        assert_eq!(c.clock_skew_spread(), 250_000);
    }

    #[test]
    fn round_trips_through_json() {
        let c = Config::from_json(ORIGINAL).unwrap();
        let again = Config::from_json(&serde_json::to_string(&c).unwrap()).unwrap();
        assert_eq!(c, again);
    }

    #[test]
    fn rejects_bad_configs_naming_the_field() {
        let cases: &[(&str, &str)] = &[
            ("not json", "config.json"),
            (r#"{"addresses": [], "avg_delays": []}"#, "addresses"),
            (r#"{"addresses": ["a", " "], "avg_delays": [[0,0],[0,0]]}"#, "addresses[1]"),
            (r#"{"addresses": ["a", "a"], "avg_delays": [[0,0],[0,0]]}"#, "addresses[1]"),
            (r#"{"addresses": ["a", "b"], "avg_delays": [[0,0]]}"#, "avg_delays"),
            (r#"{"addresses": ["a", "b"], "avg_delays": [[0,0],[0]]}"#, "avg_delays[1]"),
            (r#"{"addresses": ["a", "b"], "avg_delays": [[0,0],[-1,0]]}"#, "avg_delays[1][0]"),
            (r#"{"addresses": ["a", "b"], "avg_delays": [[0,1e9],[0,0]]}"#, "avg_delays[0][1]"),
            (r#"{"addresses": ["a"], "avg_delays": [[0]], "replication_factor": 2}"#, "replication_factor"),
            (r#"{"addresses": ["a"], "avg_delays": [[0]], "replication_factor": 0}"#, "replication_factor"),
            (r#"{"addresses": ["a"], "avg_delays": [[0]], "request_timeout_s": 0}"#, "request_timeout_s"),
            (r#"{"addresses": ["a"], "avg_delays": [[0]], "clock_skew_ms": [1, 2]}"#, "clock_skew_ms"),
            (r#"{"addresses": ["a"], "avg_delays": [[0]], "colour": "red"}"#, "colour"),
            (r#"{"addresses": ["a"], "avg_delays": [[0, "x"]]}"#, "avg_delays[0][1]"),
            (r#"{"addresses": ["a"], "avg_delays": [[0]], "delay_distribution": "normal"}"#, "delay_distribution"),
            (r#"{"addresses": ["a"], "avg_delays": [[0]], "replication_factor": "1"}"#, "replication_factor"),
            (r#"{"addresses": ["a"], "avg_delays": [[0]], "seed": -1}"#, "seed"),
            (r#"{"addresses": ["a"], "avg_delays": [[0]], "hinted_handoff": 1}"#, "hinted_handoff"),
            (r#"{"addresses": ["a"], "avg_delays": [[0]], "anti_entropy_period_s": 0}"#, "anti_entropy_period_s"),
            (r#"{"addresses": ["a"], "avg_delays": [[0]], "read_repair": "sync"}"#, "read_repair"),
        ];
        for (text, field) in cases {
            let err = Config::from_json(text).unwrap_err();
            assert_eq!(&err.field, field, "{text} gave {err}");
        }
        let unknown = Config::from_json(r#"{"addresses": ["a"], "avg_delays": [[0]], "colour": 1}"#).unwrap_err();
        assert!(unknown.message.contains("unknown field `colour`"), "{unknown}");
    }

    #[test]
    fn rejects_too_many_nodes() {
        let n = MAX_NODES + 1;
        let c = Config {
            addresses: (0..n).map(|i| format!("n{i}")).collect(),
            avg_delays: vec![vec![0.0; n]; n],
            replication_factor: None,
            request_timeout_s: None,
            delay_distribution: DelayDistribution::Uniform,
            seed: 0,
            clock_skew_ms: None,
            tombstone_grace_s: None,
            hinted_handoff: None,
            anti_entropy_period_s: None,
            read_repair: ReadRepair::Async,
            original_bugs: false,
        };
        assert_eq!(c.validate().unwrap_err().field, "addresses");
    }

    #[test]
    fn delays_round_trip_to_the_last_bit() {
        // serde_json's default float parser may be off by one ulp; the page and kvsim must agree.
        let text = r#"{"addresses": ["a", "b"], "avg_delays": [[0, 4.4033399261098755e-305], [0.1, 0]]}"#;
        let config = Config::from_json(text).unwrap();
        assert_eq!(config.avg_delays[0][1], 4.4033399261098755e-305);
        assert_eq!(Config::from_json(&serde_json::to_string(&config).unwrap()).unwrap(), config);
    }
}
