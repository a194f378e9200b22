//! The network as a value: per-link average delays, the delay distribution, a seeded RNG, and
//! the state of each link (up, holding or dropping messages).

use crate::config::{Config, DelayDistribution};
use crate::types::{NodeId, Time};
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

#[derive(Clone, Debug)]
pub struct Network {
    nodes: usize,
    /// `avg[from * nodes + to]`, in microseconds.
    avg: Vec<Time>,
    distribution: DelayDistribution,
    rng: ChaCha8Rng,
    links: Vec<LinkState>,
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

    /// Draws the delay of one message on the link `from -> to`, in microseconds.
    pub fn sample_delay(&mut self, from: NodeId, to: NodeId) -> Time {
        let avg = self.avg[from * self.nodes + to] as f64;
        let delay = match self.distribution {
            DelayDistribution::Constant => avg,
            DelayDistribution::Uniform => self.unit() * 2.0 * avg,
            // Inverse transform; libm keeps `ln` bit-identical on every platform.
            DelayDistribution::Exponential => -avg * libm::log(1.0 - self.unit()),
        };
        delay.round() as Time
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
}
