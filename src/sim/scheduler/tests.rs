//! Unit tests of the scheduler: ordering, cancelled deadlines, holding and dropping links.
use super::*;
use crate::node::Node;

const CONFIG: &str = r#"{"addresses": ["a", "b", "c"], "avg_delays": [[0, 1, 1], [1, 0, 1], [1, 1, 0]],
    "delay_distribution": "constant"}"#;

/// Runs the scheduler with real nodes until nothing is left but periodic work (anti-entropy).
fn drive(s: &mut Scheduler, nodes: &mut [Node]) {
    let mut out = Vec::new();
    while !s.is_quiet() {
        let Some(task) = s.pop() else { break };
        let node = &mut nodes[task.node];
        let ran = task.run_on(node, &mut out);
        s.absorb(ran, &mut out);
    }
}

fn cluster() -> (Scheduler, Vec<Node>) {
    let config = Config::from_json(CONFIG).unwrap();
    (Scheduler::new(&config, 1, true), (0..3).map(|i| Node::new(i, &config)).collect())
}

#[test]
fn commands_run_in_time_order_then_scheduling_order() {
    let (mut s, mut nodes) = cluster();
    let late = s.schedule_command(2_000_000, 0, "show-all").unwrap();
    let first = s.schedule_command(0, 1, "show-all").unwrap();
    let second = s.schedule_command(0, 2, "show-all").unwrap();
    drive(&mut s, &mut nodes);
    let order: Vec<_> = s.results().iter().map(|r| r.request.unwrap()).collect();
    assert_eq!(order, vec![first, second, late]);
    assert_eq!(s.now(), 2_000_000);
}

#[test]
fn finished_requests_cancel_their_deadline_and_are_forgotten() {
    let (mut s, mut nodes) = cluster();
    s.schedule_command(0, 0, "insert k v ALL").unwrap();
    s.schedule_command(5_000_000, 0, "get k ALL").unwrap();
    drive(&mut s, &mut nodes);
    assert!(s.requests.is_empty(), "every request is forgotten once finished");
    // The run ends with the get's last reply (5 s + 2 hops), not at a deadline 8 s later.
    assert_eq!(s.now(), 7_000_000);
    assert!(s.trace().events().all(|e| e.kind != TraceKind::Timeout));
}

#[test]
fn held_messages_travel_when_the_link_comes_back_and_dropped_ones_never() {
    let (mut s, mut nodes) = cluster();
    s.set_link(0, 1, LinkState::Hold);
    s.set_link(0, 2, LinkState::Drop);
    s.schedule_command(0, 0, "insert k v ONE").unwrap();
    drive(&mut s, &mut nodes);
    let kinds = |kind| s.trace().events().filter(|e| e.kind == kind).count();
    assert_eq!((kinds(TraceKind::Hold), kinds(TraceKind::Drop)), (1, 1));
    assert!(nodes[1].store().get("k").is_none());
    s.set_link(0, 1, LinkState::Up);
    drive(&mut s, &mut nodes);
    assert!(nodes[1].store().get("k").is_some(), "the held write arrives after the link is up");
    assert!(nodes[2].store().get("k").is_none(), "the dropped write never arrives");
}

#[test]
fn a_bad_command_gets_an_error_result_and_the_next_event_runs() {
    let (mut s, mut nodes) = cluster();
    s.schedule_command(0, 0, "fetch k").unwrap();
    s.schedule_command(0, 1, "show-all").unwrap();
    assert!(s.schedule_command(0, 3, "show-all").unwrap_err().contains("no node 3"));
    drive(&mut s, &mut nodes);
    let ok: Vec<_> = s.results().iter().map(|r| r.outcome.is_ok()).collect();
    assert_eq!(ok, vec![false, true]);
}

#[test]
fn the_fault_state_is_reported_whole() {
    let (mut s, mut nodes) = cluster();
    for line in ["crash 2", "skew 1 -1500", "hints on", "anti-entropy 2000", "cut 0>1", "loss 1-2 0.5"] {
        s.schedule(TimedAction::parse(&format!("0 {line}"), 3).unwrap()).unwrap();
    }
    drive(&mut s, &mut nodes);
    let report = s.faults();
    assert_eq!(report.down, [2]);
    assert_eq!(report.clock_skew_us, [0, -1_500_000, 0]);
    assert!(report.hinted_handoff);
    assert_eq!(report.anti_entropy_period_us, Some(2_000_000));
    let links: Vec<_> = report.links.iter().map(|l| (l.from, l.to, l.state, l.loss)).collect();
    assert_eq!(links, [(0, 1, LinkState::Drop, 0.0), (1, 2, LinkState::Up, 0.5), (2, 1, LinkState::Up, 0.5)]);
    s.schedule(TimedAction::parse("0 restart 2 keep", 3).unwrap()).unwrap();
    s.schedule(TimedAction::parse("0 heal", 3).unwrap()).unwrap();
    drive(&mut s, &mut nodes);
    let report = s.faults();
    assert!(report.down.is_empty());
    assert_eq!(report.links.len(), 2, "heal restores links, not their loss");
}

#[test]
fn a_snapshot_leaves_the_deadlines_of_finished_requests_and_runs_on_the_same() {
    let (mut s, mut nodes) = cluster();
    for i in 0..20 {
        s.schedule_command(i * 1_000, (i % 3) as usize, &format!("insert k{i} v QUORUM")).unwrap();
    }
    s.schedule_command(3_000_000, 0, "get k1 ALL").unwrap();
    let mut out = Vec::new();
    // Until every insert finished, their deadlines still waiting.
    while s.results().len() < 20 {
        let task = s.pop().unwrap();
        let node = task.node;
        let ran = task.run_on(&mut nodes[node], &mut out);
        s.absorb(ran, &mut out);
    }
    let (mut copy, mut copy_nodes) = (s.snapshot(), nodes.clone());
    assert!(copy.queue.timers() < s.queue.timers(), "{} of {}", copy.queue.timers(), s.queue.timers());
    drive(&mut s, &mut nodes);
    drive(&mut copy, &mut copy_nodes);
    assert_eq!(copy.trace().to_json_lines(), s.trace().to_json_lines());
    assert_eq!((copy.processed(), copy.now()), (s.processed(), s.now()));
}

#[test]
fn an_action_given_live_goes_to_a_time_no_event_waits_for_and_runs_as_its_replay_does() {
    // Constant 1 s links: the insert's messages all arrive at exactly 1 s.
    let run_until = |s: &mut Scheduler, nodes: &mut [Node], end: Time| {
        let mut out = Vec::new();
        while s.next_due().is_some_and(|due| due <= end) {
            let task = s.pop().expect("an event is due");
            let node = &mut nodes[task.node];
            let ran = task.run_on(node, &mut out);
            s.absorb(ran, &mut out);
        }
    };
    let events = |s: &Scheduler| s.trace().events().collect::<Vec<_>>();
    // Live: the insert runs, then a get is given at `at` while its messages are on their way.
    let live = |at: Time| {
        let (mut s, mut nodes) = cluster();
        s.schedule_command(0, 0, "insert k v ALL").unwrap();
        run_until(&mut s, &mut nodes, 0);
        s.schedule_command(at, 1, "get k ONE").unwrap();
        drive(&mut s, &mut nodes);
        s
    };
    // Replayed (as kvsim and the page's time travel run a log): both scheduled up front.
    let replay = |at: Time| {
        let (mut s, mut nodes) = cluster();
        s.schedule_command(0, 0, "insert k v ALL").unwrap();
        s.schedule_command(at, 1, "get k ONE").unwrap();
        drive(&mut s, &mut nodes);
        s
    };
    let (mut s, mut nodes) = cluster();
    s.schedule_command(0, 0, "insert k v ALL").unwrap();
    run_until(&mut s, &mut nodes, 0);
    assert_eq!(s.free_time_from(500_000), 500_000, "nothing waits at 0.5 s");
    let free = s.free_time_from(1_000_000);
    assert!(free > 1_000_000, "the insert's messages wait at 1 s: {free}");
    assert_ne!(
        events(&live(1_000_000)),
        events(&replay(1_000_000)),
        "tied with them, the get runs after them live and before them replayed"
    );
    assert_eq!(events(&live(free)), events(&replay(free)), "at a free time, the same run");
}
