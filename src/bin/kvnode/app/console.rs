//! The node's terminal: lines from stdin, results printed in the original's words (the same
//! text as `kvsim repl`, from `ClientResult::to_text`), and a prompt when stdin is a terminal.

use crate::app::driver::Event;
use kvplayground::{ClientResult, NodeId};
use std::io::{IsTerminal, Write};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::sync::mpsc::UnboundedSender;

pub const HELP: &str = "Commands: get KEY LEVEL | insert KEY VALUE LEVEL | update KEY VALUE LEVEL | delete KEY [LEVEL] | show-all | search KEY
Levels: ONE, QUORUM, ALL. Also: help, quit.";

pub struct Console {
    index: NodeId,
    interactive: bool,
}

impl Console {
    /// Starts reading stdin: each line, then `StdinClosed`, becomes an event.
    pub fn start(index: NodeId, events: UnboundedSender<Event>) -> Console {
        tokio::task::spawn_local(async move {
            let mut lines = BufReader::new(tokio::io::stdin()).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                if events.send(Event::Line(line)).is_err() {
                    return;
                }
            }
            events.send(Event::StdinClosed).ok();
        });
        Console { index, interactive: std::io::stdin().is_terminal() }
    }

    pub fn print_result(&self, result: &ClientResult) {
        self.print(&result.to_text());
    }

    pub fn print(&self, text: &str) {
        let mut stdout = std::io::stdout().lock();
        writeln!(stdout, "{text}").ok();
        stdout.flush().ok();
    }

    pub fn prompt(&self) {
        if self.interactive {
            let mut stdout = std::io::stdout().lock();
            write!(stdout, "n{}> ", self.index).ok();
            stdout.flush().ok();
        }
    }
}
