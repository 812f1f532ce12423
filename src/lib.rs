//! consent-inspector's domain: reading captured Segment events, validating them, keeping each
//! user's consent, and deciding with reasons which destinations receive each event. The domain
//! modules hold no terminal code, so every view shows the same decisions; the terminal front
//! end, `tui`, draws only what they decide and is left out without the `tui` feature.

pub mod allocator;
pub mod choices;
/// The command line (`consent-inspector`): its clap definitions, one module per command, and
/// the headless renderers; the binary and the Python package's script both run it.
#[cfg(feature = "cli")]
pub mod cli;
#[cfg(feature = "cli")]
pub mod commands;
#[cfg(feature = "tui")]
pub mod compare;
#[cfg(feature = "tui")]
pub mod config;
pub mod dialect;
pub mod diff;
pub mod dirs;
pub mod endpoint;
pub mod engine;
pub mod event;
pub mod explain;
pub mod filter;
pub mod fql;
pub mod input;
pub mod intern;
pub mod limits;
pub mod lint;
#[cfg(feature = "listen")]
pub mod listen;
pub mod locate;
pub mod ndjson;
#[cfg(feature = "cli")]
mod output;
pub mod pipeline;
pub mod policy;
pub mod profile;
#[cfg(feature = "python")]
pub mod python;
pub mod route;
pub mod rudder;
pub mod settings;
pub mod tail;
pub mod text;
pub mod toml_file;
pub mod trigger;
#[cfg(feature = "tui")]
pub mod tui;
pub mod validate;
pub mod vocab;
pub mod what_if;
