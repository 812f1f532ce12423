//! Command-line definitions.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Parser, Debug)]
#[command(
    name = "consent-inspector",
    version,
    args_conflicts_with_subcommands = true,
    about = "Explains consent enforcement for Segment-style event streams: which destinations \
             receive each event, which are blocked, and which consent categories did the blocking."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Without a command: the live terminal UI (`watch`).
    #[command(flatten)]
    pub watch: WatchArgs,
}

#[derive(Args, Debug, Clone)]
pub struct WatchArgs {
    #[command(flatten)]
    pub settings: SettingsArg,
    /// Read the file once and stay on it, instead of following what is appended.
    #[arg(long)]
    pub no_follow: bool,
    /// Show times in this machine's time zone instead of UTC.
    #[arg(long)]
    pub local: bool,
    /// Keep the newest N events in view; older ones leave it (counts and users still cover
    /// every event seen). Bounds memory when following a busy stream for hours.
    #[arg(long, value_name = "N", default_value_t = consent_inspector::tui::store::MAX_EVENTS as u64, value_parser = clap::value_parser!(u64).range(1..))]
    pub max_events: u64,
    /// The JSON Lines file to follow; `-` reads stdin; nothing starts a demo.
    #[arg(value_name = "FILE")]
    pub file: Option<String>,
}

#[derive(Args, Debug, Clone)]
pub struct SettingsArg {
    /// Workspace settings (our JSON or Segment's CDN settings). Default: consent-settings.json
    /// in the folder of the first INPUT.
    #[arg(long, value_name = "FILE")]
    pub settings: Option<PathBuf>,
}

/// The settings and the inputs a headless command reads.
#[derive(Args, Debug, Clone)]
pub struct Sources {
    #[command(flatten)]
    pub settings: SettingsArg,
    /// JSON Lines or HAR files, gzip-compressed or not; `-` or nothing reads stdin.
    #[arg(value_name = "INPUT")]
    pub inputs: Vec<String>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// The live terminal UI: follow FILE and show routing as it happens (the default).
    Watch(WatchArgs),
    /// Print the routing decision for every event, as NDJSON or a table.
    Route {
        #[arg(long, value_enum, default_value_t = Format::Ndjson)]
        format: Format,
        #[command(flatten)]
        sources: Sources,
    },
    /// Report validation findings grouped by code; exit 1 when any event is not ingested.
    Check {
        /// Also exit 1 when any event has a warning.
        #[arg(long)]
        deny_warnings: bool,
        #[command(flatten)]
        sources: Sources,
    },
    /// Every user's profile after reading all inputs: linked ids, consent per category
    /// (true, false, "conflict", or null when never collected) and when it changed.
    Profiles {
        #[arg(long, value_enum, default_value_t = Format::Ndjson)]
        format: Format,
        #[command(flatten)]
        sources: Sources,
    },
    /// A Segment-compatible tracking endpoint on this machine: point an app, a page or a test
    /// suite at it and watch the consent decisions live; every accepted call is appended to
    /// the capture file.
    Listen(ListenArgs),
    /// Explain in plain English what happens to the event(s) on one line.
    Explain {
        #[command(flatten)]
        settings: SettingsArg,
        /// 1-based line number.
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
        line: u64,
        #[arg(value_name = "INPUT")]
        input: String,
    },
}

#[derive(Args, Debug)]
pub struct ListenArgs {
    #[command(flatten)]
    pub settings: SettingsArg,
    /// The port; 0 takes any free one (the first line printed says which).
    #[arg(long, default_value_t = 8787)]
    pub port: u16,
    /// The address to listen on; anything but loopback is reachable from other machines.
    #[arg(long, value_name = "ADDRESS", default_value = "127.0.0.1")]
    pub bind: std::net::IpAddr,
    /// The capture file every accepted call is appended to [default: capture-DATE-TIME.jsonl
    /// in this folder].
    #[arg(long, value_name = "FILE")]
    pub out: Option<String>,
    /// Accept only calls with this write key (Basic auth user name, or writeKey in the body);
    /// others get 401.
    #[arg(long, value_name = "KEY")]
    pub write_key: Option<String>,
    /// Also relay each accepted call, unchanged, to this upstream (Segment's is
    /// `https://api.segment.io`); the local answer never waits for it.
    #[arg(long, value_name = "URL")]
    pub forward: Option<String>,
    /// With --forward: how many calls may wait for the upstream; more are dropped and counted.
    #[arg(long, value_name = "N", default_value_t = 1000, requires = "forward",
          value_parser = clap::value_parser!(u32).range(1..))]
    pub forward_queue: u32,
    /// No terminal UI: serve until interrupted, printing one line per call.
    #[arg(long)]
    pub headless: bool,
    /// With --headless: print nothing per call.
    #[arg(short, long, requires = "headless")]
    pub quiet: bool,
    /// Show times in this machine's time zone instead of UTC (the terminal UI).
    #[arg(long)]
    pub local: bool,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Ndjson,
    Table,
}
