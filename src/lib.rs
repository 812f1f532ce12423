//! consent-inspector's domain: reading captured Segment events, validating them, keeping each
//! user's consent, and deciding with reasons which destinations receive each event. The domain
//! modules hold no terminal code, so every view shows the same decisions; the terminal front
//! end, `tui`, draws only what they decide and is left out without the `tui` feature.
//!
//! The folders are the flow, one way, each using only those above it in this list:
//! `read` (bytes to records and events), `workspace` (the settings: destinations, categories,
//! whose rules), `rules` (each vendor's chain of steps, side by side), `engine` (the order of
//! steps over a stream, and the state it keeps: profiles, duplicates), `analyses` (what is
//! said about outcomes: explain, what-if, diff, compare, lint, policy, the NDJSON contract),
//! and the front ends: `cli`, `tui`, `listen`, `python`.

pub mod allocator;
pub mod dirs;
pub mod text;

pub mod read;

pub mod workspace;

pub mod rules;

pub mod engine;

pub mod analyses;

/// The command line (`consent-inspector`): its clap definitions, one module per command, and
/// the headless renderers; the binary and the Python package's script both run it.
#[cfg(feature = "cli")]
pub mod cli;
#[cfg(feature = "tui")]
pub mod config;
#[cfg(feature = "listen")]
pub mod listen;
#[cfg(feature = "python")]
pub mod python;
#[cfg(feature = "tui")]
pub mod tui;
