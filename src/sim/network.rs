//! The network as a value: per-link average delays, the delay distribution, a seeded RNG, the
//! state of each link (up, holding or dropping messages) and its injected conditions (loss,
//! duplication, extra delay, jitter).

use crate::model::config::{Config, DelayDistribution};
use crate::model::types::{NodeId, Time};
use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore, SeedableRng};
use serde::{Deserialize, Serialize};

/// What a link does with the messages sent on it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LinkState {
    /// Messages travel with a sampled delay.
    #[default]
    Up,
    /// Messages wait on the link until it is set up again, then travel with a fresh delay.
    Hold,
    /// Messages are lost.
    Drop,
}

/// Faults injected on one link; all zero on a healthy link.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct LinkConditions {
    /// Probability that a message is lost when sent.
    pub loss: f64,
    /// Probability that a message is delivered twice (each copy with its own delay).
    pub duplicate: f64,
    /// Added to every message's delay, in microseconds.
    pub extra_delay: Time,
    /// Up to this much is added to every message's delay (uniform), in microseconds.
    pub jitter: Time,
}

#[derive(Clone, Debug)]
pub struct Network {
    nodes: usize,
    /// `avg[from * nodes + to]`, in microseconds.
    avg: Vec<Time>,
    distribution: DelayDistribution,
    rng: ChaCha8Rng,
    links: Vec<LinkState>,
    conditions: Vec<LinkConditions>,
    /// Whether any link has conditions: when none has, sending draws exactly what it did before
    /// faults existed, and costs no more.
    any_conditions: bool,
}

impl Network {
    pub fn new(config: &Config, seed: u64) -> Network {
        let nodes = config.len();
        let avg = (0..nodes * nodes).map(|i| config.avg_delay(i / nodes, i % nodes)).collect();
        Network {
            nodes,
            avg,
            distribution: config.delay_distribution,
            rng: ChaCha8Rng::seed_from_u64(seed),
            links: vec![LinkState::Up; nodes * nodes],
            conditions: vec![LinkConditions::default(); nodes * nodes],
            any_conditions: false,
        }
    }

    pub fn nodes(&self) -> usize {
        self.nodes
    }

    pub fn link(&self, from: NodeId, to: NodeId) -> LinkState {
        self.links[from * self.nodes + to]
    }

    pub fn set_link(&mut self, from: NodeId, to: NodeId, state: LinkState) {
        self.links[from * self.nodes + to] = state;
    }

    pub fn conditions(&self, from: NodeId, to: NodeId) -> LinkConditions {
        self.conditions[from * self.nodes + to]
    }

    /// Changes the conditions of each link `(from, to)` of `links`.
    pub fn update_conditions(&mut self, links: &[(NodeId, NodeId)], change: impl Fn(&mut LinkConditions)) {
        for &(from, to) in links {
            change(&mut self.conditions[from * self.nodes + to]);
        }
        self.any_conditions = self.conditions.iter().any(|c| *c != LinkConditions::default());
    }

    /// Draws whether a message sent on `from -> to` is lost (no draw on a link without loss,
    /// and no lookup at all while no link has conditions: the common, hot case).
    pub fn is_lost(&mut self, from: NodeId, to: NodeId) -> bool {
        self.any_conditions && self.chance(self.conditions(from, to).loss)
    }

    /// Draws whether a message sent on `from -> to` is duplicated.
    pub fn is_duplicated(&mut self, from: NodeId, to: NodeId) -> bool {
        self.any_conditions && self.chance(self.conditions(from, to).duplicate)
    }

    /// Draws the delay of one message on the link `from -> to`, in microseconds: the delay drawn
    /// from the link's average, plus its extra delay and jitter.
    pub fn sample_delay(&mut self, from: NodeId, to: NodeId) -> Time {
        let base = self.sample_base_delay(from, to);
        if !self.any_conditions {
            return base;
        }
        let LinkConditions { extra_delay, jitter, .. } = self.conditions(from, to);
        let jitter = if jitter > 0 { (self.unit() * (jitter + 1) as f64) as Time } else { 0 };
        base + extra_delay + jitter
    }

    /// True with probability `p`; draws from the RNG only when `p` is strictly between 0 and 1.
    fn chance(&mut self, p: f64) -> bool {
        p >= 1.0 || (p > 0.0 && self.unit() < p)
    }

    fn sample_base_delay(&mut self, from: NodeId, to: NodeId) -> Time {
        let avg = self.avg[from * self.nodes + to] as f64;
        let delay = match self.distribution {
            DelayDistribution::Constant => avg,
            DelayDistribution::Uniform => self.unit() * 2.0 * avg,
            // Inverse transform; libm keeps `ln` bit-identical on every platform.
            DelayDistribution::Exponential => -avg * libm::log(1.0 - self.unit()),
        };
        // Round half up: `delay` is never negative, and unlike `f64::round` this needs no libm
        // call (baseline x86-64 and wasm have no round-half-away instruction).
        (delay + 0.5) as Time
    }

    /// A uniform sample in [0, 1) from the top 53 bits of the RNG (every f64 step equally likely).
    fn unit(&mut self) -> f64 {
        (self.rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(distribution: &str) -> Config {
        Config::from_json(&format!(
            r#"{{"addresses": ["a", "b"], "avg_delays": [[0, 1], [0.5, 0]], "delay_distribution": "{distribution}"}}"#
        ))
        .unwrap()
    }

    #[test]
    fn uniform_delays_stay_within_twice_the_average_and_average_out() {
        let mut net = Network::new(&config("uniform"), 1);
        let samples: Vec<_> = (0..20_000).map(|_| net.sample_delay(0, 1)).collect();
        assert!(samples.iter().all(|&d| d <= 2_000_000));
        let mean = samples.iter().sum::<u64>() as f64 / samples.len() as f64;
        assert!((mean - 1e6).abs() < 2e4, "mean {mean}");
        assert_eq!(net.sample_delay(0, 0), 0);
    }

    #[test]
    fn constant_and_exponential_delays() {
        let mut net = Network::new(&config("constant"), 1);
        assert_eq!(net.sample_delay(1, 0), 500_000);
        let mut net = Network::new(&config("exponential"), 1);
        let samples: Vec<_> = (0..20_000).map(|_| net.sample_delay(1, 0)).collect();
        let mean = samples.iter().sum::<u64>() as f64 / samples.len() as f64;
        assert!((mean - 5e5).abs() < 2e4, "mean {mean}");
        assert!(samples.iter().any(|&d| d > 1_500_000), "exponential has a tail");
    }

    #[test]
    fn same_seed_same_delays() {
        let mut a = Network::new(&config("uniform"), 42);
        let mut b = Network::new(&config("uniform"), 42);
        let mut c = Network::new(&config("uniform"), 43);
        let (sa, sb, sc): (Vec<_>, Vec<_>, Vec<_>) = (
            (0..50).map(|_| a.sample_delay(0, 1)).collect(),
            (0..50).map(|_| b.sample_delay(0, 1)).collect(),
            (0..50).map(|_| c.sample_delay(0, 1)).collect(),
        );
        assert_eq!(sa, sb);
        assert_ne!(sa, sc);
    }

    #[test]
    fn links_start_up_and_can_be_changed_one_way() {
        let mut net = Network::new(&config("uniform"), 0);
        assert_eq!(net.link(0, 1), LinkState::Up);
        net.set_link(0, 1, LinkState::Drop);
        assert_eq!(net.link(0, 1), LinkState::Drop);
        assert_eq!(net.link(1, 0), LinkState::Up);
    }

    #[test]
    fn conditions_add_delay_and_jitter_and_draw_loss() {
        let mut net = Network::new(&config("constant"), 3);
        net.update_conditions(&[(0, 1)], |c| {
            c.extra_delay = 250_000;
            c.jitter = 100;
        });
        let samples: Vec<_> = (0..2_000).map(|_| net.sample_delay(0, 1)).collect();
        assert!(samples.iter().all(|d| (1_250_000..=1_250_100).contains(d)));
        assert!(samples.contains(&1_250_000) && samples.contains(&1_250_100), "jitter covers [0, J]");
        assert_eq!(net.sample_delay(1, 0), 500_000, "the other direction is untouched");

        net.update_conditions(&[(1, 0)], |c| c.loss = 1.0);
        assert!(net.is_lost(1, 0) && !net.is_lost(0, 1));
        net.update_conditions(&[(0, 1)], |c| c.loss = 0.25);
        let lost = (0..20_000).filter(|_| net.is_lost(0, 1)).count();
        assert!((4_500..5_500).contains(&lost), "{lost} of 20000 lost at p = 0.25");
        net.update_conditions(&[(0, 1), (1, 0)], |c| *c = LinkConditions::default());
        assert!(!net.any_conditions, "clearing every link goes back to the fast path");
    }
}
