//! The live terminal UI. It draws only what the library computes.

pub mod app;
pub mod demo;
mod keymap;
mod run;
mod search;
mod selected;
pub mod store;
#[cfg(test)]
mod tests;
pub mod ui;

use std::io;
use std::path::PathBuf;
use std::sync::Arc;

use crate::settings::Workspace;

/// What to show: a file, a gzip-compressed file, stdin, or the demo.
pub enum Source {
    File(PathBuf),
    /// Inflated into a temporary file that the UI follows while it grows.
    Gzip(PathBuf),
    Stdin,
    Demo,
}

/// Why the UI could not start or went wrong; `Display` is the one line the user sees.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(
        "the terminal UI needs a terminal on stdout; for pipes and scripts use `consent-inspector route`"
    )]
    NoTerminal,
    #[error("cannot handle signals: {0}")]
    Signals(io::Error),
    #[error("terminal error: {0}")]
    Terminal(io::Error),
    #[error("cannot make a temporary file for {what}: {source}")]
    TempFile {
        what: &'static str,
        source: io::Error,
    },
    #[error("{}: cannot read input: {source}", crate::text::printable(file))]
    Input { file: String, source: io::Error },
}

/// Copies `from` into a new temporary file on a thread of its own; the UI follows the file.
fn spool(
    what: &'static str,
    mut from: impl io::Read + Send + 'static,
) -> Result<tempfile::NamedTempFile, Error> {
    let temp_file = |source| Error::TempFile { what, source };
    let t = tempfile::NamedTempFile::new().map_err(temp_file)?;
    let mut out = t.reopen().map_err(temp_file)?;
    std::thread::spawn(move || {
        let _ = io::copy(&mut from, &mut out);
    });
    Ok(t)
}

pub fn start(
    source: Source,
    workspace: Option<Arc<Workspace>>,
    follow: bool,
    max_events: usize,
) -> Result<(), Error> {
    // Keep temporary files alive (and removed at the end) for stdin and the demo.
    let mut _temp = None;
    let spooled = matches!(source, Source::Stdin | Source::Gzip(_));
    let (path, label, demo) = match source {
        Source::File(p) => {
            let label = p.display().to_string();
            (p, label, false)
        }
        Source::Gzip(p) => {
            let file = std::fs::File::open(&p).map_err(|source| Error::Input {
                file: p.display().to_string(),
                source,
            })?;
            let inflated = flate2::read::MultiGzDecoder::new(io::BufReader::new(file));
            let t = spool("the inflated file", inflated)?;
            let label = format!("{} (gzip)", p.display());
            let p = t.path().to_path_buf();
            _temp = Some(t);
            (p, label, false)
        }
        Source::Stdin => {
            let t = spool("stdin", io::stdin())?;
            let p = t.path().to_path_buf();
            _temp = Some(t);
            (p, "<stdin>".to_owned(), false)
        }
        Source::Demo => {
            let temp_file = |source| Error::TempFile {
                what: "the demo",
                source,
            };
            let t = tempfile::Builder::new()
                .prefix("consent-inspector-demo-")
                .suffix(".jsonl")
                .tempfile()
                .map_err(temp_file)?;
            demo::spawn_writer(t.reopen().map_err(temp_file)?);
            let p = t.path().to_path_buf();
            let label = format!("demo stream ({})", p.display());
            _temp = Some(t);
            (p, label, true)
        }
    };
    let workspace = match workspace {
        Some(w) => w,
        None => demo::workspace(),
    };
    run::run(run::Options {
        path,
        label,
        workspace,
        // A spooled input grows while it is inflated or piped; the demo never ends.
        follow: follow || demo || spooled,
        demo,
        max_events,
    })
}
