/// mimalloc: events are parsed on one thread and freed on another, which the system
/// allocator handles slowly; mimalloc keeps per-thread heaps that free remotely cheaply.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod cli;
mod output;
mod tui;

use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;
use consent_inspector::engine::Engine;
use consent_inspector::input::Records;
use consent_inspector::settings::Workspace;
use consent_inspector::text::printable;

use cli::{Cli, Command, Format};

/// The settings file looked for beside the input when `--settings` is not given.
const SETTINGS_FILE: &str = "consent-settings.json";

/// A failure that ends the command: one line for the user, exit code 2.
struct Fatal(String);

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(Fatal(msg)) => {
            // Not eprintln!: it panics when stderr is gone (a terminal that hung up).
            let _ = writeln!(io::stderr(), "consent-inspector: {msg}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode, Fatal> {
    let command = cli.command.unwrap_or(Command::Watch(cli.watch));
    match command {
        Command::Watch(args) => {
            let (source, workspace) = match args.file.as_deref() {
                None => {
                    let ws = match &args.settings.settings {
                        Some(p) => Some(
                            Workspace::load(p)
                                .map(Arc::new)
                                .map_err(|e| Fatal(e.to_string()))?,
                        ),
                        None => None,
                    };
                    (tui::Source::Demo, ws)
                }
                Some(file) => {
                    let ws = load_settings(args.settings.settings.as_deref(), &[file.to_owned()])?;
                    let source = if file == "-" {
                        tui::Source::Stdin
                    } else {
                        if Path::new(file).is_dir() {
                            return Err(Fatal(format!(
                                "{}: is a folder, not a file",
                                printable(file)
                            )));
                        }
                        if starts_with_gzip(Path::new(file)) {
                            tui::Source::Gzip(PathBuf::from(file))
                        } else {
                            tui::Source::File(PathBuf::from(file))
                        }
                    };
                    (source, Some(ws))
                }
            };
            let max_events = usize::try_from(args.max_events).unwrap_or(usize::MAX);
            tui::start(source, workspace, !args.no_follow, max_events).map_err(Fatal)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Route { format, sources } => {
            let (ws, sources) = prepare(sources)?;
            let stdout = io::stdout();
            let color = format == Format::Table
                && stdout.is_terminal()
                && std::env::var_os("NO_COLOR").is_none();
            let mut out = io::BufWriter::with_capacity(1 << 16, stdout.lock());
            let mut view: Box<dyn output::View> = match format {
                Format::Ndjson => Box::new(output::ndjson::Ndjson::new(&ws)),
                Format::Table => Box::new(output::table::Table::new(&ws, color)),
            };
            let mut engine = Engine::new(ws.clone());
            let result = (|| -> io::Result<()> {
                view.start(&mut out)?;
                for_each_outcome(&mut engine, sources, |engine, o| {
                    view.outcome(&mut out, engine, &o)
                })?;
                view.finish(&mut out)?;
                out.flush()
            })();
            finish_output(result)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Check {
            deny_warnings,
            sources,
        } => {
            let (ws, sources) = prepare(sources)?;
            let mut engine = Engine::new(ws);
            let mut report = output::report::Report::default();
            for_each_outcome(&mut engine, sources, |_, o| {
                report.add(&o);
                Ok(())
            })
            .map_err(|e| Fatal(e.to_string()))?;
            let color = io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
            let mut out = io::stdout().lock();
            let failed = report.failed(deny_warnings);
            finish_output(report.write(&mut out, deny_warnings, color))?;
            Ok(if failed {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            })
        }
        Command::Profiles { format, sources } => {
            let (ws, sources) = prepare(sources)?;
            let mut engine = Engine::new(ws.clone());
            for_each_outcome(&mut engine, sources, |_, _| Ok(()))
                .map_err(|e| Fatal(e.to_string()))?;
            let stdout = io::stdout();
            let color = format == Format::Table
                && stdout.is_terminal()
                && std::env::var_os("NO_COLOR").is_none();
            let mut out = io::BufWriter::new(stdout.lock());
            let profiles = engine.profiles();
            let result = match format {
                Format::Ndjson => output::profiles::write_ndjson(&mut out, &ws, profiles),
                Format::Table => {
                    output::profiles::write_table(&mut out, &ws, profiles, output::Paint(color))
                }
            };
            finish_output(result.and_then(|()| out.flush()))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Explain {
            settings,
            line,
            input,
        } => {
            let (ws, sources) = prepare(cli::Sources {
                settings,
                inputs: vec![input.clone()],
            })?;
            let mut engine = Engine::new(ws);
            let mut lines = Vec::new();
            let mut last_line = 0;
            let stop = for_each_outcome_until(&mut engine, sources, |engine, o| {
                last_line = o.origin.line;
                if o.origin.line > line {
                    return Ok(true);
                }
                if o.origin.line == line {
                    if !lines.is_empty() {
                        lines.push(String::new());
                    }
                    lines.extend(consent_inspector::explain::explain(
                        engine.workspace(),
                        engine.profiles(),
                        &o,
                    ));
                }
                Ok(false)
            });
            stop.map_err(|e| Fatal(e.to_string()))?;
            if lines.is_empty() {
                return Err(Fatal(format!(
                    "{}: no event on line {line} (the last event is on line {last_line})",
                    printable(&input)
                )));
            }
            let mut out = io::stdout().lock();
            finish_output(lines.iter().try_for_each(|l| writeln!(out, "{l}")))?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Whether a file begins with gzip's magic bytes (a missing file does not).
fn starts_with_gzip(path: &Path) -> bool {
    let mut start = [0u8; 4];
    std::fs::File::open(path)
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut start))
        .is_ok_and(|()| consent_inspector::input::is_gzip(&start))
}

/// Loads the settings and opens every input (stdin when there is none), before any output.
fn prepare(sources: cli::Sources) -> Result<(Arc<Workspace>, Vec<Records>), Fatal> {
    let inputs = if sources.inputs.is_empty() {
        vec!["-".into()]
    } else {
        sources.inputs
    };
    let ws = load_settings(sources.settings.settings.as_deref(), &inputs)?;
    Ok((ws, open_all(&inputs)?))
}

/// `--settings`, else consent-settings.json beside the first input (for stdin, in the
/// current folder).
fn load_settings(explicit: Option<&Path>, inputs: &[String]) -> Result<Arc<Workspace>, Fatal> {
    let path = match explicit {
        Some(p) => p.to_path_buf(),
        None => {
            let first = inputs.first().map(String::as_str).unwrap_or("-");
            let dir = if first == "-" {
                PathBuf::from(".")
            } else {
                Path::new(first)
                    .parent()
                    .map(Path::to_path_buf)
                    .unwrap_or_default()
            };
            let beside = dir.join(SETTINGS_FILE);
            if !beside.exists() {
                return Err(Fatal(format!(
                    "no workspace settings: pass --settings FILE, or put {SETTINGS_FILE} beside the input (looked for {})",
                    printable(&beside.display().to_string())
                )));
            }
            beside
        }
    };
    Workspace::load(&path)
        .map(Arc::new)
        .map_err(|e| Fatal(e.to_string()))
}

fn open_all(inputs: &[String]) -> Result<Vec<Records>, Fatal> {
    inputs
        .iter()
        .map(|p| {
            Records::open(p).map_err(|e| Fatal(format!("{}: cannot read input: {e}", printable(p))))
        })
        .collect()
}

fn for_each_outcome(
    engine: &mut Engine,
    sources: Vec<Records>,
    mut f: impl FnMut(&Engine, consent_inspector::engine::Outcome) -> io::Result<()>,
) -> io::Result<()> {
    for_each_outcome_until(engine, sources, |e, o| f(e, o).map(|()| false))
}

/// Feeds every record of every source to the engine in order, until `f` says stop.
fn for_each_outcome_until(
    engine: &mut Engine,
    sources: Vec<Records>,
    mut f: impl FnMut(&Engine, consent_inspector::engine::Outcome) -> io::Result<bool>,
) -> io::Result<()> {
    for record in consent_inspector::input::read_ahead(sources) {
        let outcome = engine.ingest(record?);
        if f(engine, outcome)? {
            return Ok(());
        }
    }
    Ok(())
}

/// A closed pipe (`| head`) ends output quietly; any other write error is fatal.
fn finish_output(result: io::Result<()>) -> Result<(), Fatal> {
    match result {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Fatal(e.to_string())),
        Ok(()) => Ok(()),
    }
}
