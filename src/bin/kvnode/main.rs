//! `kvnode <index> --config config.json`: one server of the cluster as a real process, like the
//! original's `python mp3.py <index>`. The node is the crate's sans-IO state machine
//! (`kvplayground::node::Node`); this binary gives it a clock, timers, a terminal and TCP links
//! to its peers.
//!
//! Everything runs on one thread (a current-thread runtime and a `LocalSet`): the node's
//! messages share keys and values through `Rc`, as the core does.
//!
//! `kvnode bench` (src/bin/kvnode/bench.rs) measures a cluster of such nodes.
//!
//! Exit statuses: 0 after `quit`, 2 for a bad invocation (config, index, address) or an
//! unreadable store (`--data`), 1 if the store cannot be written.

#[cfg(not(target_arch = "wasm32"))]
mod app;
#[cfg(not(target_arch = "wasm32"))]
mod bench;
#[cfg(not(target_arch = "wasm32"))]
#[path = "../shared/proc_status.rs"]
mod proc_status;

// The node allocates a few small records per message (frames, decoded messages, replies): with
// glibc's malloc, allocation was about a fifth of a node's CPU time under `kvnode bench`.
#[cfg(not(target_arch = "wasm32"))]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `kvnode bench ...` is the load generator; anything else starts a node.
#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    let mut args = std::env::args_os().skip(1).peekable();
    if args.peek().is_some_and(|arg| arg == "bench") {
        return bench::main(args.skip(1));
    }
    app::main()
}

/// A node needs sockets. `cargo test --target wasm32-unknown-unknown` (the facade's browser
/// tests) builds every binary of the crate, so for wasm32 this one is empty.
#[cfg(target_arch = "wasm32")]
fn main() {}
