//! Command-line definitions.
// Doc comments here are the `--help` text, where backticks would show as they are.
#![allow(clippy::doc_markdown)]

pub mod commands;
mod output;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// The exit codes' text, once, for `EXIT_CODES` and the top-level help (`concat!` takes
/// literals only).
macro_rules! exit_codes {
    () => {
        "\
Exit status:
  0  done; for check, nothing failed
  1  check: an event is not ingested, or a capture's wire audit found an error (or, with
     --deny-warnings, a warning); lint: the workspace has an error (or, with
     --deny-warnings, a warning)
  2  the command could not run: bad arguments, or an input, settings, policy or config file
     that cannot be read or understood (the message names the file and line)
  3  check --policy: an event broke the policy (this wins over 1 when both happen)
  4  diff --fail-on: a route changed the way --fail-on names
  130, 143  interrupted (Ctrl-C, SIGTERM); route's output ends after a whole record"
    };
}

/// What every command's exit status means; also in `--help` and docs/commands.md, and stable.
pub const EXIT_CODES: &str = exit_codes!();

/// What a command's exit status says (`EXIT_CODES` words it). Here, beside its text, so that
/// the commands and the reports they render both read it from one place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Done = 0,
    Failed = 1,
    /// The command could not run; `main` gives this for every `Error`.
    Error = 2,
    PolicyBroken = 3,
    RoutesChanged = 4,
}

impl From<Exit> for std::process::ExitCode {
    fn from(e: Exit) -> Self {
        std::process::ExitCode::from(e as u8)
    }
}

/// The top-level help's last words: the exit codes, and where the rest is written.
const TOP_AFTER_HELP: &str = concat!(
    exit_codes!(),
    "\n\n\
Documentation (in the source tree): README.md, then docs/commands.md (every command, the NDJSON
contract), docs/tui.md (panes and keys), docs/listen.md, docs/ci.md, docs/rules.md (the rules
and their sources)."
);

#[derive(Parser, Debug)]
#[command(
    name = "consent-inspector",
    version,
    about = "Explains consent enforcement for Segment-style event streams: which destinations \
             receive each event, which are blocked, and which consent categories did the blocking.",
    after_help = TOP_AFTER_HELP
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub global: Global,
    /// Without a command: the live terminal UI (`watch`).
    #[command(flatten)]
    pub watch: WatchArgs,
}

/// Options every command takes, before or after its name.
#[derive(Args, Debug, Clone)]
pub struct Global {
    /// Colour: auto is on for a terminal unless NO_COLOR is set (CLICOLOR_FORCE turns it on
    /// for pipes too; NO_COLOR wins over it).
    #[arg(long, value_enum, global = true, value_name = "WHEN", default_value_t = ColorWhen::Auto)]
    pub color: ColorWhen,
    /// No progress bar; listen --headless: nothing printed per call.
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// The configuration file [default: $XDG_CONFIG_HOME/consent-inspector/config.toml, used
    /// when it exists].
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColorWhen {
    Auto,
    Always,
    Never,
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
    #[arg(long, value_name = "N", default_value_t = crate::tui::store::MAX_EVENTS as u64, value_parser = clap::value_parser!(u64).range(1..))]
    pub max_events: u64,
    /// Delivery Overview's counts (`reconcile --format json`'s output, or its `observed`):
    /// the Destinations pane shows what Segment counted beside each prediction.
    #[arg(long, value_name = "FILE")]
    pub observed: Option<PathBuf>,
    /// The JSON Lines file to follow; `-` reads stdin; nothing starts a demo.
    #[arg(value_name = "FILE")]
    pub file: Option<String>,
}

impl WatchArgs {
    /// Whether any of these options was given (so that they must not precede a command).
    pub fn given(&self) -> bool {
        self.file.is_some()
            || self.observed.is_some()
            || self.no_follow
            || self.local
            || self.settings.settings.is_some()
            || self.settings.consent_model.is_some()
            || self.settings.dialect.is_some()
            || self.settings.fetch_settings.is_some()
            || self.settings.tracking_plan.is_some()
            || self.max_events != crate::tui::store::MAX_EVENTS as u64
    }
}

#[derive(Args, Debug, Clone)]
pub struct SettingsArg {
    /// Workspace settings (our JSON or Segment's CDN settings). Default: consent-settings.json
    /// in the folder of the first INPUT.
    #[arg(long, value_name = "FILE", conflicts_with = "fetch_settings")]
    pub settings: Option<PathBuf>,
    /// Download the settings of the source with this write key from Segment's CDN (as
    /// analytics.js does), instead of reading a file; the last copy is cached, and used with
    /// a warning when the CDN cannot be reached.
    #[arg(long, value_name = "WRITE_KEY")]
    pub fetch_settings: Option<String>,
    /// With --fetch-settings: the CDN to download from.
    #[arg(long, value_name = "URL", requires = "fetch_settings",
          default_value = crate::workspace::fetch::SEGMENT_CDN)]
    pub cdn: String,
    /// The consent model of the browser's consent wrapper, over the settings'
    /// `consentModel`: opt-in (destinations filtered when the page loads; consent-tools'
    /// default) or opt-out (each event filtered). Decides device-mode verdicts.
    #[arg(long, value_name = "MODEL")]
    pub consent_model: Option<ModelArg>,
    /// Whose consent rules decide: segment or rudderstack. Default: settings in RudderStack's
    /// shape say rudderstack, Segment's CDN settings segment; with our own shape, traffic
    /// whose events carry RudderStack's context.consentManagement and none Segment's
    /// context.consent says rudderstack; else segment. Settings in the other vendor's shape
    /// are translated (docs/rules.md, "RudderStack").
    #[arg(long, value_enum, value_name = "VENDOR")]
    pub dialect: Option<DialectArg>,
    /// The source's tracking plan, as Segment's Public API lists its rules
    /// ({"data": {"rules": [...]}}): Protocols judge every call by it, under the settings'
    /// `protocols` block (Segment's defaults without one: nothing blocked, violations
    /// reported). Over the settings' own `protocols.trackingPlan`.
    #[arg(long, value_name = "FILE")]
    pub tracking_plan: Option<PathBuf>,
}

/// `--dialect`.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum DialectArg {
    Segment,
    Rudderstack,
}

impl From<DialectArg> for crate::workspace::dialect::Dialect {
    fn from(d: DialectArg) -> Self {
        match d {
            DialectArg::Segment => Self::Segment,
            DialectArg::Rudderstack => Self::RudderStack,
        }
    }
}

/// `--consent-model`.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModelArg {
    OptIn,
    OptOut,
}

impl From<ModelArg> for crate::workspace::ConsentModel {
    fn from(m: ModelArg) -> Self {
        match m {
            ModelArg::OptIn => Self::OptIn,
            ModelArg::OptOut => Self::OptOut,
        }
    }
}

impl SettingsArg {
    /// The workspace with `--consent-model` over what its settings say.
    pub fn apply(&self, mut ws: crate::workspace::Workspace) -> crate::workspace::Workspace {
        if let Some(m) = self.consent_model {
            ws.consent_model = m.into();
            ws.consent_model_from = crate::workspace::ModelSource::CommandLine;
        }
        ws
    }
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
        /// Side by side: decide every event by Segment's rules and by RudderStack's, on the
        /// same intent (the event's consent translated into each vendor's words), and show
        /// per destination where they disagree.
        #[arg(long, conflicts_with = "dialect")]
        compare: bool,
        /// With --compare: RudderStack's settings (its source or workspace config). Without
        /// it, --settings are translated to RudderStack's rules.
        #[arg(long, value_name = "FILE", requires = "compare")]
        rudderstack_settings: Option<PathBuf>,
        #[command(flatten)]
        sources: Sources,
    },
    /// Report validation findings grouped by code, for CI; exit 1 when any event is not
    /// ingested, 3 when one breaks the --policy.
    #[command(after_help = EXIT_CODES)]
    Check(CheckArgs),
    /// What would change: decide the same traffic under the settings (--settings) and under
    /// other ones (--against, --fetch-against or --against-consent-model), and report per
    /// destination the events and users newly delivered, newly blocked or blocked for another
    /// reason, with the settings changes behind them; exit 4 with --fail-on.
    #[command(after_help = EXIT_CODES)]
    Diff(DiffArgs),
    /// A guided tour of the routing rules in the terminal UI: a lesson per rule, each on a real
    /// event, with something to try (→ next, ← back, q leaves).
    Tour,
    /// Findings about the workspace settings themselves and, given inputs, about the settings
    /// against the traffic (categories never sent, ids that differ in case, unknown
    /// integrations keys...); exit 1 on errors.
    #[command(after_help = EXIT_CODES)]
    Lint(LintArgs),
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
    /// Read a source's whole workspace from Segment's Public API into a snapshot (our
    /// settings shape, each part said where it came from), which every command reads as
    /// --settings. The token comes from SEGMENT_PUBLIC_API_TOKEN or --token-file.
    Pull(PullArgs),
    /// Predictions beside reality: what the tool predicts Delivery Overview counts for a
    /// capture (per step, discard reason and destination) beside what Segment counted for the
    /// source over the same window (from the Public API, or a saved --observed file).
    Reconcile(ReconcileArgs),
    /// Print a shell completion script: `consent-inspector completions bash > ...`.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff), or with --dir write one page per command there.
    Man {
        /// Write consent-inspector.1 and consent-inspector-COMMAND.1 into this folder.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
    /// Show the configuration in effect: the config file's settings over the defaults.
    Config {
        /// Print the effective configuration as TOML (a valid config file).
        #[arg(long, required_unless_present = "path")]
        print: bool,
        /// Print the config file's path, and whether it exists.
        #[arg(long)]
        path: bool,
    },
    /// Explain in plain English what happens to the event(s) on one line (in a HAR capture,
    /// also what the page's request that starts there sent, against the consent in force).
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
pub struct CheckArgs {
    #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
    pub format: CheckFormat,
    /// Counts per code and the first three places of each, instead of every place.
    #[arg(long)]
    pub summary: bool,
    /// A TOML file of what must never happen (`never = [{ destination = "...", reason =
    /// "no_consent" }]`); each event that does it is an error, and the exit status is 3.
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// Also exit 1 when any event has a warning.
    #[arg(long)]
    pub deny_warnings: bool,
    #[command(flatten)]
    pub sources: Sources,
}

#[derive(Args, Debug)]
pub struct LintArgs {
    #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
    pub format: CheckFormat,
    /// Counts per code and the first three places of each, instead of every place.
    #[arg(long)]
    pub summary: bool,
    /// Also exit 1 on warnings.
    #[arg(long)]
    pub deny_warnings: bool,
    #[command(flatten)]
    pub settings: SettingsArg,
    /// Traffic to check the settings against (JSON Lines or HAR, gzip or not; `-` reads
    /// stdin); none: the settings alone.
    #[arg(value_name = "INPUT")]
    pub inputs: Vec<String>,
}

#[derive(Args, Debug)]
pub struct DiffArgs {
    #[arg(long, value_enum, default_value_t = DiffFormat::Table)]
    pub format: DiffFormat,
    /// The settings to compare with (our JSON or Segment's CDN settings).
    #[arg(long, value_name = "FILE", conflicts_with = "fetch_against")]
    pub against: Option<PathBuf>,
    /// Compare with the settings of the source with this write key, from Segment's CDN.
    #[arg(long, value_name = "WRITE_KEY")]
    pub fetch_against: Option<String>,
    /// The consent model on the compared side, over its settings' (without --against or
    /// --fetch-against: the same settings under this model).
    #[arg(long, value_name = "MODEL")]
    pub against_consent_model: Option<ModelArg>,
    /// The tracking plan on the compared side, over its settings' (without --against or
    /// --fetch-against: the same settings with this tracking plan).
    #[arg(long, value_name = "FILE")]
    pub against_tracking_plan: Option<PathBuf>,
    /// Exit 4 when a route would be newly delivered, newly blocked, or either.
    #[arg(long, value_enum, value_name = "WHAT")]
    pub fail_on: Option<FailOn>,
    /// Report formats (junit, sarif, github): the first three places of each change.
    #[arg(long)]
    pub summary: bool,
    /// Write to FILE instead of stdout (the html page, say).
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub sources: Sources,
}

/// Where the Public API is, and the token to read it with (`pull`, `reconcile`).
#[derive(Args, Debug, Clone)]
pub struct ApiArgs {
    /// A file holding the Public API token (else SEGMENT_PUBLIC_API_TOKEN); never on the
    /// command line, where other users and shell history would see it.
    #[arg(long, value_name = "FILE")]
    pub token_file: Option<PathBuf>,
    /// The workspace's region: us (api.segmentapis.com) or eu (eu1.api.segmentapis.com).
    #[arg(long, value_enum, default_value_t = Region::Us)]
    pub region: Region,
    /// The Public API's base URL, over --region (a proxy, a test server).
    #[arg(long, value_name = "URL")]
    pub api_url: Option<String>,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Region {
    Us,
    Eu,
}

#[derive(Args, Debug, Clone)]
pub struct PullArgs {
    /// The source, by name, slug or id [default: every source of the workspace].
    #[arg(long, value_name = "NAME|ID")]
    pub source: Option<String>,
    #[command(flatten)]
    pub api: ApiArgs,
    /// Where the source's CDN settings (its consent mapping) are downloaded from.
    #[arg(long, value_name = "URL", default_value = crate::workspace::fetch::SEGMENT_CDN)]
    pub cdn: String,
    /// Where to write: with --source, the snapshot file [default: consent-settings.json,
    /// which the other commands find beside a capture in this folder]; without, a folder
    /// with one SLUG.json per source [default: segment-workspace].
    #[arg(short, long, value_name = "PATH")]
    pub output: Option<PathBuf>,
}

#[derive(Args, Debug, Clone)]
pub struct ReconcileArgs {
    #[arg(long, value_enum, default_value_t = ReconcileFormat::Table)]
    pub format: ReconcileFormat,
    /// The window's start (RFC 3339, inclusive) [default: the capture's first event, to the
    /// minute].
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// The window's end (RFC 3339, exclusive) [default: the minute after the capture's last
    /// event].
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,
    /// Delivery Overview's counts from a file (what --format json wrote under `observed`)
    /// instead of the Public API.
    #[arg(long, value_name = "FILE")]
    pub observed: Option<PathBuf>,
    #[command(flatten)]
    pub api: ApiArgs,
    /// Write to FILE instead of stdout (the html page, say).
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// The settings must be a snapshot (`pull`): its source and destination ids are what
    /// Delivery Overview is asked about.
    #[command(flatten)]
    pub sources: Sources,
}

/// `reconcile --format`.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReconcileFormat {
    /// A row per step, reason and destination, then the findings, for people.
    Table,
    /// One JSON document: the rows, the findings and Delivery Overview's counts.
    Json,
    /// A page with a chart per row, predicted against observed.
    Html,
}

/// `diff --format`.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiffFormat {
    /// The settings changes and a row per destination, for people.
    Table,
    /// A line per event with a changed route: the record as `route` writes it under the
    /// compared settings, with `changes` (each changed route before and after).
    Ndjson,
    /// One JSON document: the settings changes and each destination's counts.
    Json,
    /// JUnit XML: a test case per kind of change, each changed route a failure where
    /// --fail-on names it.
    Junit,
    /// SARIF 2.1.0, a result per changed route.
    Sarif,
    /// GitHub Actions workflow commands.
    Github,
    /// One self-contained HTML page with charts and the table of changes (no network).
    Html,
}

/// `diff --fail-on`.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailOn {
    /// A route newly delivered: data would start flowing.
    Delivered,
    /// A route newly blocked: data would stop flowing.
    Blocked,
    /// Either, or the same verdict for another reason.
    Any,
}

/// `check`'s report formats.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckFormat {
    /// Findings grouped by code, for people.
    Text,
    /// One JSON document: totals, then each code with its places.
    Json,
    /// JUnit XML: a test case per code, each place a failure (Jenkins, GitLab, ...).
    Junit,
    /// SARIF 2.1.0, a result per place with its file and line (code-scanning views).
    Sarif,
    /// GitHub Actions workflow commands (`::error file=...,line=...::message`).
    Github,
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
    /// Also accept requests addressed to this host name (NAME, or NAME:PORT for that port
    /// only), as a container or a tunnel calls in; by default only localhost, 127.0.0.1,
    /// [::1] and, beyond loopback, the address reached are accepted.
    #[arg(long, value_name = "NAME")]
    pub allow_host: Vec<String>,
    /// Let pages from this origin (http://localhost:3000, say) read and reset the capture
    /// through /inspector; no other page may.
    #[arg(long, value_name = "URL")]
    pub allow_origin: Vec<String>,
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
    /// No terminal UI: serve until interrupted, printing one line per call (none with -q).
    #[arg(long)]
    pub headless: bool,
    /// Show times in this machine's time zone instead of UTC (the terminal UI).
    #[arg(long)]
    pub local: bool,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Ndjson,
    Table,
}
