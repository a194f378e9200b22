//! Faults a script, a scenario or the page can inject: crashes and restarts, cut links and
//! partitions, lossy, duplicating and slow links, and clock skew; and the switches of the
//! cluster's repair mechanisms (hinted handoff, anti-entropy), which share the script syntax. A
//! fault parses from its script line (without the time) and prints back as the same canonical
//! line.

use crate::lex::{format_ms, parse_finite, parse_node, split_word, truncate};
use crate::model::config::{MAX_DELAY_S, MAX_PERIOD_S, MAX_SKEW_MS, MIN_ANTI_ENTROPY_PERIOD_S};
use crate::model::types::{NodeId, Time, MICROS_PER_MS};
use std::fmt;

/// The usage text shown with every fault error.
pub const FAULT_USAGE: &str = "faults: crash N | restart N keep|lose | cut LINK | hold LINK | partition A,B | C,D | \
heal [LINK] | \
loss LINK P | dup LINK P | delay LINK MS | jitter LINK MS | skew N MS | hints on|off | \
anti-entropy MS|off   (LINK: A-B both ways, A>B one way, * every link; P from 0 to 1)";

/// The words a fault line starts with.
pub const FAULT_NAMES: [&str; 13] = [
    "crash",
    "restart",
    "cut",
    "hold",
    "partition",
    "heal",
    "loss",
    "dup",
    "delay",
    "jitter",
    "skew",
    "hints",
    "anti-entropy",
];

/// The links a fault applies to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Links {
    /// `A-B`: both directions between two nodes.
    Both(NodeId, NodeId),
    /// `A>B`: from A to B only.
    OneWay(NodeId, NodeId),
    /// `*`: every link between two different nodes.
    Every,
}

impl Links {
    /// The directed links `(from, to)` meant, on a cluster of `nodes`.
    pub fn pairs(self, nodes: usize) -> Vec<(NodeId, NodeId)> {
        match self {
            Links::Both(a, b) => vec![(a, b), (b, a)],
            Links::OneWay(a, b) => vec![(a, b)],
            Links::Every => (0..nodes).flat_map(|a| (0..nodes).filter(move |&b| b != a).map(move |b| (a, b))).collect(),
        }
    }

    fn parse(text: &str, nodes: usize) -> Result<Links, String> {
        if text == "*" {
            return Ok(Links::Every);
        }
        let (split, one_way) = match (text.split_once('-'), text.split_once('>')) {
            (Some(pair), None) => (pair, false),
            (None, Some(pair)) => (pair, true),
            _ => {
                return Err(format!(
                    "`{}` is not a link: write A-B (both ways), A>B (one way) or *",
                    truncate(text, 40)
                ))
            }
        };
        let (a, b) = (parse_node(split.0, nodes)?, parse_node(split.1, nodes)?);
        if a == b {
            return Err(format!("`{text}` joins node {a} to itself: a link joins two different nodes"));
        }
        Ok(if one_way { Links::OneWay(a, b) } else { Links::Both(a, b) })
    }
}

impl fmt::Display for Links {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Links::Both(a, b) => write!(f, "{a}-{b}"),
            Links::OneWay(a, b) => write!(f, "{a}>{b}"),
            Links::Every => f.write_str("*"),
        }
    }
}

/// One fault. Times are microseconds; they print as milliseconds.
#[derive(Clone, Debug, PartialEq)]
pub enum Fault {
    /// The node stops: it neither sends nor receives, and its timers are discarded.
    Crash { node: NodeId },
    /// The node comes back with empty memory; its store survives only with `keep_store`.
    Restart { node: NodeId, keep_store: bool },
    /// Messages on these links are dropped until `heal`.
    Cut(Links),
    /// Messages between nodes of different groups are dropped until `heal`; every node is in
    /// exactly one group.
    Partition(Vec<Vec<NodeId>>),
    /// Messages on these links wait until the link is healed, then travel with a fresh delay.
    Hold(Links),
    /// These links (with no links: every link) are up again, cut or holding; held messages go.
    Heal(Option<Links>),
    /// Each message on these links is lost with this probability.
    Loss { links: Links, probability: f64 },
    /// Each message on these links is delivered twice with this probability.
    Duplicate { links: Links, probability: f64 },
    /// Every message on these links takes this much longer.
    Delay { links: Links, extra: Time },
    /// Every message on these links takes up to this much longer (uniform).
    Jitter { links: Links, max: Time },
    /// The node's clock becomes virtual time plus this skew.
    Skew { node: NodeId, skew: i64 },
    /// Hinted handoff on or off on every node (off drops the hints kept).
    Hints(bool),
    /// Anti-entropy on every node: a round every this many microseconds, or off.
    AntiEntropy(Option<Time>),
}

impl Fault {
    /// Parses a fault line such as `partition 0,1 | 2,3` on a cluster of `nodes`. The error
    /// names the problem and shows the usage.
    pub fn parse(line: &str, nodes: usize) -> Result<Fault, String> {
        parse_words(line, nodes)
            .map_err(|problem| format!("invalid fault `{}`: {problem}\n{FAULT_USAGE}", truncate(line.trim(), 60)))
    }

    /// Whether `word` starts a fault line rather than naming a node.
    pub fn is_fault_name(word: &str) -> bool {
        FAULT_NAMES.contains(&word)
    }

    /// The node the fault is about, if it is about one node.
    pub fn node(&self) -> Option<NodeId> {
        match self {
            Fault::Crash { node } | Fault::Restart { node, .. } | Fault::Skew { node, .. } => Some(*node),
            _ => None,
        }
    }
}

fn parse_words(line: &str, nodes: usize) -> Result<Fault, String> {
    let (name, rest) = split_word(line);
    if name == "partition" {
        return parse_partition(rest, nodes);
    }
    let args: Vec<&str> = rest.split_whitespace().collect();
    let expect = |count: usize, shape: &str| {
        if args.len() == count {
            Ok(())
        } else {
            Err(format!("`{name}` takes {count} argument(s), {} given: expected `{shape}`", args.len()))
        }
    };
    let fault = match name {
        "crash" => {
            expect(1, "crash N")?;
            Fault::Crash { node: parse_node(args[0], nodes)? }
        }
        "restart" => {
            expect(2, "restart N keep|lose")?;
            let keep_store = match args[1] {
                "keep" => true,
                "lose" => false,
                other => {
                    return Err(format!(
                        "`{}` is neither keep (the store survives) nor lose (it is wiped)",
                        truncate(other, 40)
                    ))
                }
            };
            Fault::Restart { node: parse_node(args[0], nodes)?, keep_store }
        }
        "cut" => {
            expect(1, "cut LINK")?;
            Fault::Cut(Links::parse(args[0], nodes)?)
        }
        "hold" => {
            expect(1, "hold LINK")?;
            Fault::Hold(Links::parse(args[0], nodes)?)
        }
        "heal" => match args[..] {
            [] => Fault::Heal(None),
            [link] => Fault::Heal(Some(Links::parse(link, nodes)?)),
            _ => return Err(format!("`heal` takes 0 or 1 argument(s), {} given: expected `heal [LINK]`", args.len())),
        },
        "loss" | "dup" => {
            expect(2, &format!("{name} LINK P"))?;
            let links = Links::parse(args[0], nodes)?;
            let probability = parse_probability(args[1])?;
            if name == "loss" {
                Fault::Loss { links, probability }
            } else {
                Fault::Duplicate { links, probability }
            }
        }
        "delay" | "jitter" => {
            expect(2, &format!("{name} LINK MS"))?;
            let links = Links::parse(args[0], nodes)?;
            let ms = parse_ms(args[1], 0.0, MAX_DELAY_S * 1000.0)?;
            let micros = (ms * MICROS_PER_MS as f64).round() as Time;
            if name == "delay" {
                Fault::Delay { links, extra: micros }
            } else {
                Fault::Jitter { links, max: micros }
            }
        }
        "skew" => {
            expect(2, "skew N MS")?;
            let node = parse_node(args[0], nodes)?;
            let ms = parse_ms(args[1], -MAX_SKEW_MS, MAX_SKEW_MS)?;
            Fault::Skew { node, skew: (ms * MICROS_PER_MS as f64).round() as i64 }
        }
        "hints" => {
            expect(1, "hints on|off")?;
            Fault::Hints(parse_switch(args[0])?)
        }
        "anti-entropy" => {
            expect(1, "anti-entropy MS|off")?;
            if args[0] == "off" {
                Fault::AntiEntropy(None)
            } else {
                let ms = parse_ms(args[0], MIN_ANTI_ENTROPY_PERIOD_S * 1000.0, MAX_PERIOD_S * 1000.0)?;
                Fault::AntiEntropy(Some((ms * MICROS_PER_MS as f64).round() as Time))
            }
        }
        other => return Err(format!("unknown fault `{}`", truncate(other, 40))),
    };
    Ok(fault)
}

/// `0,1 | 2,3`: every node in exactly one group, at least two groups.
fn parse_partition(rest: &str, nodes: usize) -> Result<Fault, String> {
    let mut groups = Vec::new();
    let mut group_of = vec![None; nodes];
    for (g, text) in rest.split('|').enumerate() {
        let mut group = Vec::new();
        for word in text.split(',').map(str::trim) {
            if word.is_empty() {
                return Err("a group is empty or has an empty entry: write groups like `0,1 | 2,3`".into());
            }
            let node = parse_node(word, nodes)?;
            if let Some(first) = group_of[node].replace(g) {
                return Err(format!(
                    "node {node} is listed twice (groups {} and {}): list every node once",
                    first + 1,
                    g + 1
                ));
            }
            group.push(node);
        }
        groups.push(group);
    }
    if groups.len() < 2 {
        return Err("a partition needs at least two groups separated by `|`".into());
    }
    if let Some(missing) = group_of.iter().position(Option::is_none) {
        return Err(format!("node {missing} is in no group: list every node in exactly one group"));
    }
    Ok(Fault::Partition(groups))
}

fn parse_switch(text: &str) -> Result<bool, String> {
    match text {
        "on" => Ok(true),
        "off" => Ok(false),
        other => Err(format!("`{}` is neither on nor off", truncate(other, 40))),
    }
}

fn parse_probability(text: &str) -> Result<f64, String> {
    parse_finite(text)
        .filter(|p| (0.0..=1.0).contains(p))
        .ok_or_else(|| format!("`{}` is not a probability: use a number from 0 to 1", truncate(text, 40)))
}

fn parse_ms(text: &str, min: f64, max: f64) -> Result<f64, String> {
    parse_finite(text)
        .filter(|ms| (min..=max).contains(ms))
        .ok_or_else(|| format!("`{}` is not a time: use milliseconds from {min} to {max}", truncate(text, 40)))
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fault::Crash { node } => write!(f, "crash {node}"),
            Fault::Restart { node, keep_store } => {
                write!(f, "restart {node} {}", if *keep_store { "keep" } else { "lose" })
            }
            Fault::Cut(links) => write!(f, "cut {links}"),
            Fault::Partition(groups) => {
                let groups: Vec<String> =
                    groups.iter().map(|g| g.iter().map(|n| n.to_string()).collect::<Vec<_>>().join(",")).collect();
                write!(f, "partition {}", groups.join(" | "))
            }
            Fault::Hold(links) => write!(f, "hold {links}"),
            Fault::Heal(None) => f.write_str("heal"),
            Fault::Heal(Some(links)) => write!(f, "heal {links}"),
            Fault::Loss { links, probability } => write!(f, "loss {links} {probability}"),
            Fault::Duplicate { links, probability } => write!(f, "dup {links} {probability}"),
            Fault::Delay { links, extra } => write!(f, "delay {links} {}", format_ms(*extra as i64)),
            Fault::Jitter { links, max } => write!(f, "jitter {links} {}", format_ms(*max as i64)),
            Fault::Skew { node, skew } => write!(f, "skew {node} {}", format_ms(*skew)),
            Fault::Hints(on) => write!(f, "hints {}", if *on { "on" } else { "off" }),
            Fault::AntiEntropy(Some(period)) => write!(f, "anti-entropy {}", format_ms(*period as i64)),
            Fault::AntiEntropy(None) => f.write_str("anti-entropy off"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_fault_prints_back_as_its_canonical_line() {
        let lines = [
            "crash 2",
            "restart 2 keep",
            "restart 0 lose",
            "cut 0-1",
            "cut 1>3",
            "cut *",
            "partition 0,1 | 2,3",
            "partition 3 | 0,2,1",
            "heal",
            "heal 0>2",
            "hold 0>2",
            "hold 1-3",
            "loss 0-2 0.3",
            "loss * 1",
            "dup 2>0 0.125",
            "delay 0-1 500",
            "jitter * 0.25",
            "skew 1 -500",
            "skew 3 1.5",
            "hints on",
            "hints off",
            "anti-entropy 2500",
            "anti-entropy 10",
            "anti-entropy off",
        ];
        for line in lines {
            let fault = Fault::parse(line, 4).unwrap_or_else(|e| panic!("{line}: {e}"));
            assert_eq!(fault.to_string(), line);
        }
        assert_eq!(Fault::parse("  partition n0 ,1|2 , 3 ", 4).unwrap().to_string(), "partition 0,1 | 2,3");
        assert_eq!(Fault::parse("cut n0-n1", 4).unwrap(), Fault::Cut(Links::Both(0, 1)));
    }

    #[test]
    fn malformed_faults_name_the_problem_and_show_the_usage() {
        let cases = [
            ("crash", "takes 1 argument(s), 0 given"),
            ("crash 9", "there is no node 9"),
            ("restart 1", "expected `restart N keep|lose`"),
            ("restart 1 maybe", "`maybe` is neither keep"),
            ("cut 0", "`0` is not a link"),
            ("cut 0-0", "joins node 0 to itself"),
            ("cut 0-1-2", "is not a node number"),
            ("partition 0,1", "at least two groups"),
            ("partition 0,1 | 2", "node 3 is in no group"),
            ("partition 0,1 | 1,2,3", "node 1 is listed twice"),
            ("partition 0,,1 | 2,3", "empty"),
            ("heal now", "`now` is not a link"),
            ("heal 0-1 2-3", "`heal` takes 0 or 1 argument(s), 2 given"),
            ("hold", "expected `hold LINK`"),
            ("loss 0-1 1.5", "`1.5` is not a probability"),
            ("loss 0-1 NaN", "not a probability"),
            ("dup 0-1", "expected `dup LINK P`"),
            ("delay 0-1 -5", "`-5` is not a time"),
            ("jitter 0-1 inf", "not a time"),
            ("skew 1 99999999999", "not a time"),
            ("hints", "expected `hints on|off`"),
            ("hints yes", "`yes` is neither on nor off"),
            ("anti-entropy 5", "`5` is not a time: use milliseconds from 10"),
            ("anti-entropy", "expected `anti-entropy MS|off`"),
        ];
        for (line, words) in cases {
            let e = Fault::parse(line, 4).expect_err(line);
            assert!(e.contains(words), "{line}: {e}");
            assert!(e.contains(FAULT_USAGE), "{line}: {e}");
        }
    }

    #[test]
    fn link_sets_expand_to_directed_pairs() {
        assert_eq!(Links::Both(0, 2).pairs(3), vec![(0, 2), (2, 0)]);
        assert_eq!(Links::OneWay(2, 0).pairs(3), vec![(2, 0)]);
        assert_eq!(Links::Every.pairs(3), vec![(0, 1), (0, 2), (1, 0), (1, 2), (2, 0), (2, 1)]);
    }
}
