//! One file per command. Each takes its clap arguments and returns the exit code or an
//! `Error`, whose `Display` is the one line the user sees; `main` maps errors to exit code 2.

mod check;
mod compare;
mod diff;
mod explain;
mod interrupt;
mod lint;
mod listen;
mod profiles;
mod progress;
mod pull;
mod reconcile;
mod route;
mod shell;
mod watch;

use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::config::Config;

use crate::read::input::Records;
use crate::text::printable;
use crate::workspace::dialect::Dialect;
use crate::workspace::{SettingsError, Shape, Workspace};

use crate::cli::{Cli, ColorWhen, Command, Global, Sources};
use crate::tui;

/// The settings file looked for beside the input when `--settings` is not given.
use crate::read::input::folder::SETTINGS_FILE;

/// Why a command could not do its job.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Settings(#[from] SettingsError),
    #[error(
        "no workspace settings: pass --settings FILE, put {SETTINGS_FILE} beside the input (looked for {}), or name one as settings in the config file",
        printable(looked)
    )]
    NoSettings { looked: String },
    #[error("{}: cannot read input: {source}", printable(file))]
    Input { file: String, source: io::Error },
    #[error("{}: cannot write: {source}", printable(file))]
    Output { file: String, source: io::Error },
    #[error(
        "{}: is a folder: the terminal UI follows one file (route, check, profiles, lint and diff read folders)",
        printable(file)
    )]
    Folder { file: String },
    #[error(
        "{}: is a folder: explain --line N takes one file (a line number is a line of one file); name the file inside it, as route writes it",
        printable(file)
    )]
    ExplainFolder { file: String },
    #[error(
        "{}: no event on line {line}{} (the last event is on line {last})",
        printable(file),
        if line < last { ": it is blank" } else { "" }
    )]
    NoEventOnLine { file: String, line: u64, last: u64 },
    /// Reading an input part way through (the error names the input) or writing the output.
    #[error("{0}")]
    Io(#[from] io::Error),
    /// A policy or config file.
    #[error(transparent)]
    Toml(#[from] crate::read::toml_file::TomlError),
    #[error(transparent)]
    Ui(#[from] tui::Error),
    #[error(transparent)]
    Listen(#[from] crate::listen::ListenError),
    #[error(transparent)]
    Fetch(#[from] crate::workspace::fetch::FetchError),
    #[error(transparent)]
    Pull(#[from] crate::workspace::public_api::pull::PullError),
    #[error(transparent)]
    Api(#[from] crate::workspace::public_api::ApiError),
    #[error("no Public API token: set SEGMENT_PUBLIC_API_TOKEN or pass --token-file FILE")]
    NoToken,
    /// `reconcile`: what it cannot work with.
    #[error("{0}")]
    Reconcile(String),
    #[error("{}: cannot read the token: {source}", printable(file))]
    TokenFile { file: String, source: io::Error },
}

pub use crate::cli::Exit;

/// The options every command shares, and the config file, resolved once.
pub struct Ctx {
    pub global: Global,
    pub config: Config,
    /// Files of the input folders that could not be read when their turn came: the run goes
    /// on without them, and `run` ends saying which.
    unread: crate::read::input::folder::Unread,
}

impl Ctx {
    /// Whether to colour what goes to a stream: `--color`, else `NO_COLOR` (which wins),
    /// `CLICOLOR_FORCE`, and whether the stream is a terminal.
    pub fn color(&self, stream: &impl IsTerminal) -> bool {
        color_for(self.global.color, stream.is_terminal())
    }

    /// What the terminal UI needs: the theme (coloured unless told not), keys and zone.
    fn look(&self, local: bool) -> (tui::ui::Theme, tui::keymap::Keymap, jiff::tz::TimeZone) {
        let zone = if local {
            jiff::tz::TimeZone::system()
        } else {
            self.config.zone.time_zone()
        };
        let theme = self.config.theme(self.color(&io::stdout()));
        (theme, self.config.keys.clone(), zone)
    }

    /// A progress bar for a whole-input command: on stderr, only when it is a terminal and
    /// not `-q`; `streams_to_stdout` commands also need stdout elsewhere, so that the bar does
    /// not tear the lines they print as they go.
    fn progress(&self, inputs: &[String], streams_to_stdout: bool) -> progress::Progress {
        let show = !self.global.quiet
            && io::stderr().is_terminal()
            && !(streams_to_stdout && io::stdout().is_terminal());
        // Stdin (no input, or `-`) and pipes have no size: a spinner and a byte count instead.
        // A folder counts its files, and the bar counts them too.
        let expanded = crate::read::input::folder::expand(inputs)
            .unwrap_or_default()
            .inputs;
        let total = if expanded.is_empty() {
            None
        } else {
            expanded
                .iter()
                .map(|(p, _)| {
                    let m = std::fs::metadata(p).ok()?;
                    (p != "-" && m.is_file()).then_some(m.len())
                })
                .sum()
        };
        let files = expanded.iter().filter(|(_, in_folder)| *in_folder).count();
        progress::Progress::start(show, total, files as u64)
    }
}

/// `--color`, then the environment, then whether the stream is a terminal.
fn color_for(when: ColorWhen, terminal: bool) -> bool {
    let env = |k: &str| std::env::var_os(k);
    let set = |k: &str| env(k).is_some_and(|v| !v.is_empty());
    match when {
        ColorWhen::Always => true,
        ColorWhen::Never => false,
        // no-color.org: any non-empty value turns colour off; bixense.com/clicolors:
        // CLICOLOR_FORCE other than 0 turns it on off a terminal, CLICOLOR=0 off on one.
        ColorWhen::Auto if set("NO_COLOR") => false,
        ColorWhen::Auto if set("CLICOLOR_FORCE") && env("CLICOLOR_FORCE") != Some("0".into()) => {
            true
        }
        ColorWhen::Auto => terminal && env("CLICOLOR") != Some("0".into()),
    }
}

/// The whole command: parses `args` (the program's name first), runs it, and maps errors to
/// exit statuses. The binary's `main` and the Python package's `consent-inspector` script
/// both call it, so that the two are one command; it returns rather than exiting, so that a
/// host process (Python) ends in its own way.
pub fn main<I, T>(args: I) -> Exit
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    use clap::Parser;
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => return usage(&e),
    };
    run(cli).unwrap_or_else(|e| {
        // Not eprintln!: it panics when stderr is gone (a terminal that hung up).
        let _ = writeln!(io::stderr(), "consent-inspector: {e}");
        Exit::Error
    })
}

/// clap's message (help and version on stdout, mistakes on stderr) and its status.
fn usage(e: &clap::Error) -> Exit {
    let _ = e.print();
    if e.exit_code() == 0 {
        Exit::Done
    } else {
        Exit::Error
    }
}

/// Runs the command the user asked for; without one, the terminal UI.
fn run(cli: Cli) -> Result<Exit, Error> {
    if cli.command.is_some() && cli.watch.given() {
        // The UI's options come before no command; clap's own conflict check would also
        // refuse the global options there, so this one is ours.
        use clap::CommandFactory;
        return Ok(usage(&Cli::command().error(
            clap::error::ErrorKind::ArgumentConflict,
            "the terminal UI's options (FILE, --settings, --no-follow, --local, \
             --max-events) go after the command's name, or with no command",
        )));
    }
    let command = cli.command.unwrap_or(Command::Watch(cli.watch));
    // These work whatever the config file says, so that a broken one can still be found.
    match command {
        Command::Completions { shell } => return shell::completions(shell),
        Command::Man { dir } => return shell::man(dir.as_deref()),
        Command::Config { print: false, .. } => return config_path(cli.global.config.as_deref()),
        _ => {}
    }
    let config = Config::load(cli.global.config.as_deref())?;
    let ctx = Ctx {
        global: cli.global,
        config,
        unread: crate::read::input::folder::Unread::default(),
    };
    let exit = dispatch(&ctx, command)?;
    // A file of a folder that vanished while it was read: what was read is out, and the run
    // says it is incomplete (2, unless it already failed for a reason of its own).
    let unread = ctx.unread.take();
    for file in &unread {
        let _ = writeln!(io::stderr(), "consent-inspector: {file}: not read");
    }
    Ok(if unread.is_empty() || exit != Exit::Done {
        exit
    } else {
        Exit::Error
    })
}

/// The command, with the context resolved.
fn dispatch(ctx: &Ctx, command: Command) -> Result<Exit, Error> {
    match command {
        Command::Watch(args) => watch::run(ctx, &args),
        Command::Route {
            format,
            compare: true,
            rudderstack_settings,
            sources,
        } => compare::run(ctx, format, rudderstack_settings.as_deref(), &sources),
        Command::Route {
            format, sources, ..
        } => route::run(ctx, format, sources),
        Command::Check(args) => check::run(ctx, args),
        Command::Diff(args) => diff::run(ctx, &args),
        Command::Lint(args) => lint::run(ctx, &args),
        Command::Tour => watch::tour(ctx),
        Command::Explain {
            settings,
            line,
            input,
        } => explain::run(ctx, settings, line, input),
        Command::Profiles { format, sources } => profiles::run(ctx, format, sources),
        Command::Listen(args) => listen::run(ctx, &args),
        Command::Pull(args) => pull::run(ctx, &args),
        Command::Reconcile(args) => reconcile::run(ctx, &args),
        Command::Config { .. } => {
            finish_output(
                io::stdout()
                    .lock()
                    .write_all(ctx.config.to_toml().as_bytes()),
            )?;
            Ok(Exit::Done)
        }
        Command::Completions { .. } | Command::Man { .. } => unreachable!("handled above"),
    }
}

/// `config --path`: where the config file is (or would be) read from.
fn config_path(explicit: Option<&Path>) -> Result<Exit, Error> {
    let path = explicit
        .map(Path::to_path_buf)
        .or_else(crate::config::default_path);
    let shown = |p: &Path| printable(&p.display().to_string()).into_owned();
    let line = match path {
        Some(p) if p.is_file() => shown(&p),
        Some(p) => format!("{} (not there: the defaults apply)", shown(&p)),
        None => "no $XDG_CONFIG_HOME or $HOME: the defaults apply".to_owned(),
    };
    finish_output(writeln!(io::stdout().lock(), "{line}"))?;
    Ok(Exit::Done)
}

/// Opens every input (stdin when there is none), then loads the settings, before any output:
/// an input that cannot be read is the first thing to say. `progress` counts the bytes read.
fn prepare(
    ctx: &Ctx,
    sources: Sources,
    progress: Option<&progress::Progress>,
    wire: Option<&crate::read::wire::Sink>,
) -> Result<(Arc<Workspace>, Vec<Records>), Error> {
    let inputs = if sources.inputs.is_empty() {
        vec!["-".into()]
    } else {
        sources.inputs
    };
    let records = open_all(ctx, &inputs, progress, wire)?;
    let ws = load_settings(ctx, &sources.settings, &inputs)?;
    Ok((ws, records))
}

/// The wire audit of every capture the sink received that has something to say.
fn audits(ws: &Workspace, sink: &crate::read::wire::Sink) -> Vec<crate::analyses::wire::Audit> {
    let timelines = std::mem::take(
        &mut *sink
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner),
    );
    timelines
        .iter()
        .map(|t| crate::analyses::wire::audit(ws, t))
        .filter(|a| !a.is_empty())
        .collect()
}

/// `--settings`, else consent-settings.json beside the first input (for stdin, in the
/// current folder), else the config file's `settings`.
/// `--consent-model` goes over the settings' own.
fn load_settings(
    ctx: &Ctx,
    settings: &crate::cli::SettingsArg,
    inputs: &[String],
) -> Result<Arc<Workspace>, Error> {
    let ws = load_raw(ctx, settings, inputs)?;
    let ws = in_dialect(ctx, ws, settings.dialect.map(Into::into), inputs);
    Ok(Arc::new(settings.apply(ws)))
}

/// The settings as their file (or the CDN) says, in their own vendor's shape.
fn load_raw(
    ctx: &Ctx,
    settings: &crate::cli::SettingsArg,
    inputs: &[String],
) -> Result<Workspace, Error> {
    let mut ws = match &settings.fetch_settings {
        Some(key) => fetch_settings(ctx, key, &settings.cdn)?.workspace,
        None => Workspace::load(&settings_path(ctx, settings.settings.as_deref(), inputs)?)?,
    };
    if let Some(plan) = &settings.tracking_plan {
        ws.set_tracking_plan(plan)?;
    }
    warn_settings(&ws);
    Ok(ws)
}

/// What the settings got wrong that the tool read past, on stderr.
pub(super) fn warn_settings(ws: &Workspace) {
    for w in &ws.warnings {
        let _ = writeln!(io::stderr(), "warning: {}", printable(w));
    }
}

/// `ws` under `dialect`'s rules, saying on stderr (unless `-q`) what a translation left
/// behind.
fn translated(ctx: &Ctx, ws: Workspace, dialect: Dialect) -> Workspace {
    let (ws, notes) = crate::rules::translate::workspace(ws, dialect);
    if !ctx.global.quiet {
        for n in notes {
            eprintln!("note: {n}");
        }
    }
    ws
}

/// The workspace under the dialect `--dialect` names, or the settings' shape, or the traffic
/// says (see `--dialect`); a run under other rules than the default's says so on stderr, with
/// what a translation left behind and what the rules do not read.
fn in_dialect(ctx: &Ctx, ws: Workspace, asked: Option<Dialect>, inputs: &[String]) -> Workspace {
    let sniffed = sniff(inputs).unwrap_or_default();
    let (dialect, why) = match (asked, ws.shape, sniffed.only()) {
        (Some(d), _, _) => (d, "--dialect".to_owned()),
        (None, Shape::Own, Some((d, n))) => (
            d,
            format!("detected: the first {n} events of the input carry its consent"),
        ),
        (None, Shape::Own, None) => (Dialect::default(), String::new()),
        (None, _, _) => (ws.dialect(), "the settings' shape".to_owned()),
    };
    if !ctx.global.quiet && dialect != Dialect::default() {
        eprintln!("dialect: {} ({why})", dialect.as_str());
        if let Some(note) = sniffed.unread(dialect) {
            eprintln!("note: {note}");
        }
    }
    translated(ctx, ws, dialect)
}

/// Which vendor's consent the first events of the first input file carry.
fn sniff(inputs: &[String]) -> Option<crate::rules::dialect::Sniffed> {
    const LOOK: usize = 200;
    let first = crate::read::input::folder::expand(inputs).ok()?;
    let path = first
        .inputs
        .first()
        .map(|(p, _)| p)
        .filter(|p| p.as_str() != "-")?;
    let mut records = Records::open(path).ok()?;
    let mut seen = Vec::new();
    while seen.len() < LOOK {
        let Some(Ok(chunk)) = records.next_chunk(LOOK, 1 << 20) else {
            break;
        };
        chunk.records(&mut seen);
    }
    seen.truncate(LOOK);
    Some(crate::rules::dialect::Sniffed::of(&seen))
}

/// `--fetch-settings`: the source's settings from the CDN, or the cached copy with a warning;
/// where they came from is said on stderr (unless `-q`), since no output format has room.
fn fetch_settings(
    ctx: &Ctx,
    key: &str,
    cdn: &str,
) -> Result<crate::workspace::fetch::Fetched, Error> {
    use crate::workspace::fetch;
    let dir = fetch::cache_dir().unwrap_or_else(|| std::env::temp_dir().join("consent-inspector"));
    let fetched = fetch::fetch(key, cdn, &dir)?;
    if let Some(w) = &fetched.warning {
        eprintln!("warning: {}", printable(w));
    }
    if !ctx.global.quiet {
        eprintln!("settings: {}", printable(&fetched.workspace.origin));
    }
    Ok(fetched)
}

/// Which settings file `load_settings` reads.
fn settings_path(ctx: &Ctx, explicit: Option<&Path>, inputs: &[String]) -> Result<PathBuf, Error> {
    Ok(if let Some(p) = explicit {
        p.to_path_buf()
    } else {
        let first = inputs.first().map_or("-", String::as_str);
        let dir = if first == "-" {
            PathBuf::from(".")
        } else if Path::new(first).is_dir() {
            // A folder of archives: the settings beside its files, at its top.
            PathBuf::from(first)
        } else {
            Path::new(first)
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_default()
        };
        let beside = dir.join(SETTINGS_FILE);
        match &ctx.config.settings {
            _ if beside.exists() => beside,
            Some(configured) => configured.clone(),
            None => {
                return Err(Error::NoSettings {
                    looked: beside.display().to_string(),
                });
            }
        }
    })
}

/// Opens every input, a folder as its files (each opened when its turn comes; the files named
/// are opened now, so that one that cannot be read is said before any output).
fn open_all(
    ctx: &Ctx,
    inputs: &[String],
    progress: Option<&progress::Progress>,
    wire: Option<&crate::read::wire::Sink>,
) -> Result<Vec<Records>, Error> {
    let expanded = crate::read::input::folder::expand(inputs)
        .map_err(|(file, source)| Error::Input { file, source })?;
    for s in &expanded.skipped {
        let _ = writeln!(
            io::stderr(),
            "note: {}: skipped: {}",
            printable(&s.path.display().to_string()),
            printable(&s.why)
        );
    }
    expanded
        .inputs
        .into_iter()
        .map(|(p, in_folder)| {
            if in_folder {
                return Ok(Records::deferred(
                    &p,
                    progress.map(|b| b.read.clone()),
                    progress.map(|b| b.files.clone()),
                    ctx.unread.clone(),
                    wire.cloned(),
                ));
            }
            let records =
                Records::open_counted(&p, progress.map(|b| b.read.clone()), wire).map_err(|source| {
                    Error::Input {
                        file: p.clone(),
                        source,
                    }
                })?;
            if let Some(why) = records.not_text() {
                eprintln!(
                    "note: {} does not look like JSON Lines ({why}): each of its lines is reported as invalid_json",
                    printable(&p)
                );
            }
            Ok(records)
        })
        .collect()
}

/// `-o FILE` (readable by this user only: reports name users), else stdout.
fn output_to(path: Option<&Path>) -> Result<Box<dyn Write>, Error> {
    Ok(match path {
        Some(path) => Box::new(io::BufWriter::new(
            crate::dirs::private(
                std::fs::OpenOptions::new()
                    .write(true)
                    .create(true)
                    .truncate(true),
            )
            .open(path)
            .map_err(|source| Error::Output {
                file: path.display().to_string(),
                source,
            })?,
        )),
        None => Box::new(io::BufWriter::with_capacity(1 << 16, io::stdout().lock())),
    })
}

/// A closed pipe (`| head`) ends output quietly; any other write error is the command's.
fn finish_output(result: io::Result<()>) -> Result<(), Error> {
    match result {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}
