//! `kvsim repl`: the original's four terminals in one. Virtual time follows the wall clock
//! (scaled by `--speed`), so results arrive as the delays from the matrix pass.

use kvplayground::lex::{parse_node, split_word};
use kvplayground::sim::action::{Action as ScriptAction, TimedAction};
use kvplayground::sim::fault::{Fault, FAULT_USAGE};
use kvplayground::{Config, Simulation, Time};
use std::io::{self, BufRead, IsTerminal, Write};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

const HELP: &str = "Type `<node> <command>` (e.g. `0 insert 5 hello ALL`), or `use N` and then plain commands.
Commands: get KEY LEVEL | insert KEY VALUE LEVEL | update KEY VALUE LEVEL | delete KEY [LEVEL] | show-all | search KEY
Faults apply at once, e.g. `crash 2`, `restart 2 keep`, `partition 0,1 | 2,3`, `heal` (every fault: docs/language.md).
Also: `wait` runs until every request has finished, `help`, `quit`.";

/// Longest pause between two checks of the clock, so results print promptly.
const TICK: Duration = Duration::from_millis(20);

pub fn repl(config: &Config, seed: u64, speed: f64) -> Result<(), String> {
    if !(speed.is_finite() && speed > 0.0) {
        return Err(format!("--speed {speed} must be a positive number of virtual seconds per second"));
    }
    let mut sim = Simulation::new(config, seed);
    let interactive = io::stdin().is_terminal();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in io::stdin().lock().lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    println!(
        "kvsim repl: {} nodes ({}), seed {seed}, speed {speed}x. Type `help` for help.",
        config.len(),
        config.addresses.join(", ")
    );
    let mut current = 0;
    // Virtual time runs from `base_virtual` at wall time `base_wall`.
    let (mut base_wall, mut base_virtual) = (Instant::now(), 0 as Time);
    prompt(interactive, current);
    loop {
        let target = base_virtual + (base_wall.elapsed().as_secs_f64() * speed * 1e6) as Time;
        sim.run_until(target);
        print_results(&mut sim);
        match rx.recv_timeout(TICK) {
            Ok(line) => {
                match handle_line(&mut sim, config, &mut current, line.trim()) {
                    Action::Continue => {}
                    Action::Wait => {
                        sim.run_until_quiet();
                        print_results(&mut sim);
                        (base_wall, base_virtual) = (Instant::now(), sim.now());
                    }
                    Action::Quit => break,
                }
                prompt(interactive, current);
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => break,
        }
    }
    // End of input: let every request finish so no result is lost.
    sim.run_until_quiet();
    print_results(&mut sim);
    Ok(())
}

enum Action {
    Continue,
    Wait,
    Quit,
}

fn handle_line(sim: &mut Simulation, config: &Config, current: &mut usize, line: &str) -> Action {
    let (first, rest) = split_word(line);
    match first {
        "" => {}
        "help" => println!("{HELP}"),
        "quit" | "exit" => return Action::Quit,
        "wait" => return Action::Wait,
        "use" => match parse_node(rest, config.len()) {
            Ok(node) => *current = node,
            Err(e) => println!("{e}"),
        },
        "faults" => println!("{FAULT_USAGE}"),
        _ if Fault::is_fault_name(first) => match Fault::parse(line, config.len()) {
            Ok(fault) => {
                let action = TimedAction { at: sim.now(), action: ScriptAction::Fault(fault) };
                if let Err(e) = sim.schedule_action(action) {
                    println!("{e}");
                }
            }
            Err(e) => println!("{e}"),
        },
        _ if first.chars().all(|c| c.is_ascii_digit())
            || (first.starts_with('n') && first[1..].chars().all(|c| c.is_ascii_digit()) && first.len() > 1) =>
        {
            match parse_node(first, config.len()) {
                Ok(node) => submit(sim, node, rest),
                Err(e) => println!("{e}"),
            }
        }
        _ => submit(sim, *current, line),
    }
    Action::Continue
}

fn submit(sim: &mut Simulation, node: usize, command: &str) {
    if let Err(e) = sim.submit(node, command) {
        println!("{e}");
    }
}

fn print_results(sim: &mut Simulation) {
    for result in sim.take_results() {
        println!("{}", result.to_text());
    }
    io::stdout().flush().ok();
}

fn prompt(interactive: bool, node: usize) {
    if interactive {
        print!("n{node}> ");
        io::stdout().flush().ok();
    }
}
