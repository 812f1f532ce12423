/// mimalloc: events are parsed on one thread and freed on another, which the system
/// allocator handles slowly; mimalloc keeps per-thread heaps that free remotely cheaply.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod cli;
mod commands;
mod output;

use std::io::{self, Write};
use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    consent_inspector::allocator::keep_freed_memory_a_while();
    commands::run(cli::Cli::parse()).unwrap_or_else(|e| {
        // Not eprintln!: it panics when stderr is gone (a terminal that hung up).
        let _ = writeln!(io::stderr(), "consent-inspector: {e}");
        commands::Exit::Error.into()
    })
}
