/// mimalloc: events are parsed on one thread and freed on another, which the system
/// allocator handles slowly; mimalloc keeps per-thread heaps that free remotely cheaply.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::process::ExitCode;

fn main() -> ExitCode {
    consent_inspector::allocator::keep_freed_memory_a_while();
    consent_inspector::cli::commands::main(std::env::args_os()).into()
}
