//! Generated workloads for large runs (`kvsim run --workload SPEC`): a one-line spec of how many
//! operations, how fast, which mix of commands, over how many keys and how they are picked, at
//! which level. The operations come lazily, in time order, so a run of millions of them never
//! holds them all; the same seed gives the same operations on every platform.
//!
//! Spec: space- or comma-separated `name=value` fields, any order, every one optional:
//! `ops=100000 rate=1000 clients=16 keys=1000 dist=uniform mix=get:50/insert:50 level=QUORUM seed=1`
//! (`dist=zipf:S` for a Zipf law of exponent S; mix weights for get, insert, update, delete).

use crate::lex::parse_finite;
use crate::model::command::Level;
use crate::model::types::{NodeId, Time, MICROS_PER_S};
use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore, SeedableRng};
use rand_distr::{Distribution, Zipf};
use std::fmt;

/// Most operations a spec may ask for.
pub const MAX_OPERATIONS: u64 = 1_000_000_000;
/// Most distinct keys.
pub const MAX_KEYS: u64 = 100_000_000;

#[derive(Clone, Debug, PartialEq)]
pub struct WorkloadSpec {
    pub operations: u64,
    /// Operations per virtual second, spread evenly.
    pub rate: f64,
    /// Clients typing the operations in turn; client `c` types on node `c mod N`.
    pub clients: usize,
    pub keys: u64,
    pub distribution: KeyDistribution,
    /// Weights of get, insert, update and delete.
    pub mix: [u32; 4],
    pub level: Level,
    pub seed: u64,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum KeyDistribution {
    Uniform,
    /// Key `k` (from 0) is picked with probability proportional to `1 / (k + 1)^s`.
    Zipf(f64),
}

/// What is wrong with a spec, and how to write it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpecError(pub String);

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid workload: {}", self.0)
    }
}

const FUNCTIONS: [&str; 4] = ["get", "insert", "update", "delete"];

impl Default for WorkloadSpec {
    fn default() -> WorkloadSpec {
        WorkloadSpec {
            operations: 100_000,
            rate: 1_000.0,
            clients: 16,
            keys: 1_000,
            distribution: KeyDistribution::Uniform,
            mix: [50, 50, 0, 0],
            level: Level::Quorum,
            seed: 1,
        }
    }
}

impl WorkloadSpec {
    pub fn parse(text: &str) -> Result<WorkloadSpec, SpecError> {
        let mut spec = WorkloadSpec::default();
        for field in text.split([' ', ',', '\t', '\n']).filter(|f| !f.is_empty()) {
            let (name, value) = field
                .split_once('=')
                .ok_or_else(|| SpecError(format!("`{field}` is not name=value (e.g. ops=100000)")))?;
            match name {
                "ops" => spec.operations = number(name, value, 1, MAX_OPERATIONS)?,
                "rate" => {
                    spec.rate = parse_finite(value)
                        .filter(|r| *r >= 0.001 && *r <= 1e9)
                        .ok_or_else(|| SpecError(format!("rate={value}: give operations per second, 0.001 to 1e9")))?
                }
                "clients" => spec.clients = number(name, value, 1, 1_000_000)? as usize,
                "keys" => spec.keys = number(name, value, 1, MAX_KEYS)?,
                "dist" => spec.distribution = distribution(value)?,
                "mix" => spec.mix = mix(value)?,
                "level" => {
                    spec.level =
                        Level::parse(value).map_err(|_| SpecError(format!("level={value}: use ONE, QUORUM or ALL")))?
                }
                "seed" => spec.seed = number(name, value, 0, u64::MAX)?,
                _ => {
                    return Err(SpecError(format!(
                        "unknown field `{name}`: use ops, rate, clients, keys, dist, mix, level or seed"
                    )))
                }
            }
        }
        Ok(spec)
    }

    /// The operations on a cluster of `nodes`: `(time, node, command)` in time order.
    pub fn operations(&self, nodes: usize) -> Operations {
        let zipf = match self.distribution {
            KeyDistribution::Uniform => None,
            // Valid by construction: keys >= 1 and s > 0 (parse checks both).
            KeyDistribution::Zipf(s) => Zipf::new(self.keys as f64, s).ok(),
        };
        Operations {
            spec: self.clone(),
            nodes,
            next: 0,
            rng: ChaCha8Rng::seed_from_u64(self.seed),
            zipf,
            total_weight: self.mix.iter().sum(),
        }
    }
}

/// The spec with every field, in the order and form `parse` reads: the defaults shown.
impl fmt::Display for WorkloadSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let dist = match self.distribution {
            KeyDistribution::Uniform => "uniform".to_string(),
            KeyDistribution::Zipf(s) => format!("zipf:{s}"),
        };
        let mix: Vec<_> =
            FUNCTIONS.iter().zip(self.mix).filter(|(_, w)| *w > 0).map(|(name, w)| format!("{name}:{w}")).collect();
        write!(
            f,
            "ops={} rate={} clients={} keys={} dist={dist} mix={} level={} seed={}",
            self.operations,
            self.rate,
            self.clients,
            self.keys,
            mix.join("/"),
            self.level,
            self.seed
        )
    }
}

fn number(name: &str, value: &str, low: u64, high: u64) -> Result<u64, SpecError> {
    value
        .replace('_', "")
        .parse::<u64>()
        .ok()
        .filter(|n| (low..=high).contains(n))
        .ok_or_else(|| SpecError(format!("{name}={value}: give a whole number from {low} to {high}")))
}

fn distribution(value: &str) -> Result<KeyDistribution, SpecError> {
    match value.split_once(':') {
        None if value == "uniform" => Ok(KeyDistribution::Uniform),
        Some(("zipf", s)) => parse_finite(s)
            .filter(|s| *s > 0.0 && *s <= 10.0)
            .map(KeyDistribution::Zipf)
            .ok_or_else(|| SpecError(format!("dist={value}: a Zipf exponent is a number above 0, at most 10"))),
        _ => Err(SpecError(format!("dist={value}: use uniform or zipf:S (e.g. zipf:1.1)"))),
    }
}

fn mix(value: &str) -> Result<[u32; 4], SpecError> {
    let mut weights = [0; 4];
    for part in value.split('/') {
        let (function, weight) = part.split_once(':').unwrap_or((part, ""));
        let index = FUNCTIONS.iter().position(|f| *f == function).ok_or_else(|| {
            SpecError(format!(
                "mix={value}: `{function}` is not get, insert, update or delete (e.g. mix=get:80/insert:20)"
            ))
        })?;
        weights[index] =
            weight.parse::<u32>().ok().filter(|w| *w <= 1_000_000).ok_or_else(|| {
                SpecError(format!("mix={value}: give `{function}` a whole weight, e.g. {function}:50"))
            })?;
    }
    if weights.iter().all(|w| *w == 0) {
        return Err(SpecError(format!("mix={value}: at least one weight must be above 0")));
    }
    Ok(weights)
}

/// The operations of a spec, generated as they are taken. A clone goes on with the same
/// operations (the page's time-travel checkpoints copy it).
#[derive(Clone)]
pub struct Operations {
    spec: WorkloadSpec,
    nodes: usize,
    next: u64,
    rng: ChaCha8Rng,
    zipf: Option<Zipf<f64>>,
    total_weight: u32,
}

impl Operations {
    /// When the next operation is due, if any is left.
    pub fn next_time(&self) -> Option<Time> {
        (self.next < self.spec.operations).then(|| self.time_of(self.next))
    }

    /// Operations taken so far.
    pub fn taken(&self) -> u64 {
        self.next
    }

    /// Operations in all.
    pub fn total(&self) -> u64 {
        self.spec.operations
    }

    /// Hands `schedule` the operations due at or before `next_queued` (the due time of the next
    /// queued event), or the next operation when nothing is queued: `kvsim run`'s rule, so only
    /// the operations about to run are held, and every driver gives the same trace.
    pub fn schedule_due(
        &mut self,
        next_queued: Option<Time>,
        mut schedule: impl FnMut(Time, NodeId, &str) -> Result<(), String>,
    ) -> Result<(), String> {
        let horizon = next_queued.or(self.next_time());
        while let Some(at) = self.next_time().filter(|at| horizon.is_some_and(|h| *at <= h)) {
            let Some((_, node, command)) = self.next() else { break };
            schedule(at, node, &command).map_err(|e| format!("workload operation `{command}`: {e}"))?;
        }
        Ok(())
    }

    fn time_of(&self, i: u64) -> Time {
        (i as f64 * MICROS_PER_S as f64 / self.spec.rate) as Time
    }

    fn key(&mut self) -> u64 {
        match &self.zipf {
            // Zipf samples ranks 1..=keys.
            Some(zipf) => (zipf.sample(&mut self.rng) as u64).clamp(1, self.spec.keys) - 1,
            None => self.rng.next_u64() % self.spec.keys,
        }
    }
}

impl Iterator for Operations {
    type Item = (Time, NodeId, String);

    fn next(&mut self) -> Option<(Time, NodeId, String)> {
        let i = self.next;
        let at = self.next_time()?;
        self.next += 1;
        let node = (i % self.spec.clients as u64) as usize % self.nodes;
        let key = self.key();
        let mut pick = (self.rng.next_u64() % u64::from(self.total_weight)) as u32;
        let function = self
            .spec
            .mix
            .iter()
            .position(|&w| {
                let hit = pick < w;
                pick = pick.saturating_sub(w);
                hit
            })
            .unwrap_or(0);
        let level = self.spec.level;
        let command = match FUNCTIONS[function] {
            "get" => format!("get k{key} {level}"),
            "insert" => format!("insert k{key} v{i} {level}"),
            "update" => format!("update k{key} v{i} {level}"),
            _ => format!("delete k{key} {level}"),
        };
        Some((at, node, command))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spec_reads_every_field_and_defaults_the_rest() {
        let spec =
            WorkloadSpec::parse("ops=1_000 rate=50, keys=10 dist=zipf:1.2 mix=get:80/delete:20 level=ONE seed=9")
                .unwrap();
        assert_eq!(spec.operations, 1_000);
        assert_eq!((spec.rate, spec.keys, spec.clients), (50.0, 10, 16));
        assert_eq!(spec.distribution, KeyDistribution::Zipf(1.2));
        assert_eq!((spec.mix, spec.level, spec.seed), ([80, 0, 0, 20], Level::One, 9));
        assert_eq!(WorkloadSpec::parse("").unwrap(), WorkloadSpec::default());
    }

    #[test]
    fn bad_specs_say_what_is_wrong_and_how_to_write_it() {
        for (text, says) in [
            ("ops", "is not name=value"),
            ("ops=0", "ops=0: give a whole number from 1"),
            ("rate=-1", "operations per second"),
            ("dist=pareto", "use uniform or zipf:S"),
            ("dist=zipf:0", "above 0"),
            ("mix=get:1/read:2", "`read` is not get, insert, update or delete"),
            ("mix=get", "give `get` a whole weight"),
            ("mix=get:0", "at least one weight"),
            ("level=TWO", "use ONE, QUORUM or ALL"),
            ("colour=red", "unknown field `colour`"),
        ] {
            let error = WorkloadSpec::parse(text).unwrap_err().to_string();
            assert!(error.contains(says), "{text}: {error}");
        }
    }

    #[test]
    fn operations_are_spaced_by_the_rate_spread_over_clients_and_follow_the_mix() {
        let spec = WorkloadSpec::parse("ops=1000 rate=100 clients=3 keys=5 mix=get:1/delete:1 level=ALL").unwrap();
        let ops: Vec<_> = spec.operations(2).collect();
        assert_eq!(ops.len(), 1000);
        assert_eq!(
            ops[..4].iter().map(|o| (o.0, o.1)).collect::<Vec<_>>(),
            [(0, 0), (10_000, 1), (20_000, 0), (30_000, 0)]
        );
        assert!(ops.iter().all(|(_, _, c)| c.starts_with("get k") || c.starts_with("delete k")));
        assert!(ops.iter().all(|(_, _, c)| c.ends_with(" ALL")));
        let gets = ops.iter().filter(|o| o.2.starts_with("get")).count();
        assert!((400..600).contains(&gets), "about half are gets: {gets}");
        assert_eq!(ops, spec.operations(2).collect::<Vec<_>>(), "the same seed gives the same operations");
    }

    #[test]
    fn a_spec_prints_as_it_parses() {
        let default = WorkloadSpec::default().to_string();
        assert_eq!(
            default,
            "ops=100000 rate=1000 clients=16 keys=1000 dist=uniform mix=get:50/insert:50 level=QUORUM seed=1"
        );
        let spec = WorkloadSpec::parse("ops=7 rate=2.5 dist=zipf:1.1 mix=delete:3 level=ONE").unwrap();
        assert_eq!(WorkloadSpec::parse(&spec.to_string()).unwrap(), spec);
        assert_eq!(WorkloadSpec::parse(&default).unwrap(), WorkloadSpec::default());
    }

    #[test]
    fn zipf_favours_the_first_keys() {
        let spec = WorkloadSpec::parse("ops=10000 keys=100 dist=zipf:1.5 mix=get:1").unwrap();
        let first = spec.operations(4).filter(|o| o.2.starts_with("get k0 ")).count();
        let last = spec.operations(4).filter(|o| o.2.starts_with("get k99 ")).count();
        assert!(first > 2_000 && last < 50, "k0 {first} times, k99 {last} times");
    }
}
