//! One file per command. Each takes its clap arguments and returns the exit code or an
//! `Error`, whose `Display` is the one line the user sees; `main` maps errors to exit code 2.

mod check;
mod explain;
mod listen;
mod profiles;
mod route;
mod watch;

use std::io::{self, IsTerminal};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use consent_inspector::input::Records;
use consent_inspector::settings::{SettingsError, Workspace};
use consent_inspector::text::printable;

use crate::cli::{Cli, Command, Sources};
use consent_inspector::tui;

/// The settings file looked for beside the input when `--settings` is not given.
const SETTINGS_FILE: &str = "consent-settings.json";

/// Why a command could not do its job.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Settings(#[from] SettingsError),
    #[error(
        "no workspace settings: pass --settings FILE, or put {SETTINGS_FILE} beside the input (looked for {})",
        printable(looked)
    )]
    NoSettings { looked: String },
    #[error("{}: cannot read input: {source}", printable(file))]
    Input { file: String, source: io::Error },
    #[error("{}: is a folder, not a file", printable(file))]
    Folder { file: String },
    #[error(
        "{}: no event on line {line}{} (the last event is on line {last})",
        printable(file),
        if line < last { ": it is blank" } else { "" }
    )]
    NoEventOnLine { file: String, line: u64, last: u64 },
    /// Reading an input part way through (the error names the input) or writing the output.
    #[error("{0}")]
    Io(#[from] io::Error),
    #[error(transparent)]
    Ui(#[from] tui::Error),
    #[error(transparent)]
    Listen(#[from] consent_inspector::listen::ListenError),
}

/// Runs the command the user asked for; without one, the terminal UI.
pub fn run(cli: Cli) -> Result<ExitCode, Error> {
    match cli.command.unwrap_or(Command::Watch(cli.watch)) {
        Command::Watch(args) => watch::run(&args),
        Command::Route { format, sources } => route::run(format, sources),
        Command::Check {
            deny_warnings,
            sources,
        } => check::run(deny_warnings, sources),
        Command::Explain {
            settings,
            line,
            input,
        } => explain::run(settings, line, input),
        Command::Profiles { format, sources } => profiles::run(format, sources),
        Command::Listen(args) => listen::run(&args),
    }
}

/// Colour for a table on stdout: only on a terminal, and never with `NO_COLOR`.
fn color_on_stdout() -> bool {
    io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

/// Opens every input (stdin when there is none), then loads the settings, before any output:
/// an input that cannot be read is the first thing to say.
fn prepare(sources: Sources) -> Result<(Arc<Workspace>, Vec<Records>), Error> {
    let inputs = if sources.inputs.is_empty() {
        vec!["-".into()]
    } else {
        sources.inputs
    };
    let records = open_all(&inputs)?;
    let ws = load_settings(sources.settings.settings.as_deref(), &inputs)?;
    Ok((ws, records))
}

/// `--settings`, else consent-settings.json beside the first input (for stdin, in the
/// current folder).
fn load_settings(explicit: Option<&Path>, inputs: &[String]) -> Result<Arc<Workspace>, Error> {
    let path = if let Some(p) = explicit {
        p.to_path_buf()
    } else {
        let first = inputs.first().map_or("-", String::as_str);
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
            return Err(Error::NoSettings {
                looked: beside.display().to_string(),
            });
        }
        beside
    };
    Ok(Arc::new(Workspace::load(&path)?))
}

fn open_all(inputs: &[String]) -> Result<Vec<Records>, Error> {
    inputs
        .iter()
        .map(|p| {
            Records::open(p).map_err(|source| Error::Input {
                file: p.clone(),
                source,
            })
        })
        .collect()
}

/// A closed pipe (`| head`) ends output quietly; any other write error is the command's.
fn finish_output(result: io::Result<()>) -> Result<(), Error> {
    match result {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}
