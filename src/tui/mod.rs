//! The live terminal UI. It draws only what the library computes.

pub mod app;
pub mod demo;
pub mod event;
mod keymap;
mod run;
mod scroll;
mod search;
mod selected;
pub mod store;
#[cfg(test)]
mod tests;
mod threads;
pub mod ui;

use std::io;
use std::path::PathBuf;
use std::sync::Arc;

use crate::settings::Workspace;

use threads::Feed;
pub use threads::standalone_searcher;

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

/// A temporary file for `what` to be written to, and a second handle to write it with.
fn temp_file(
    what: &'static str,
    builder: &tempfile::Builder<'_, '_>,
) -> Result<(tempfile::NamedTempFile, std::fs::File), Error> {
    let temp_file = |source| Error::TempFile { what, source };
    let t = builder.tempfile().map_err(temp_file)?;
    let to = t.reopen().map_err(temp_file)?;
    Ok((t, to))
}

pub fn start(
    source: Source,
    workspace: Option<Arc<Workspace>>,
    follow: bool,
    max_events: usize,
) -> Result<(), Error> {
    // Keep temporary files alive (and removed at the end) for stdin, gzip and the demo.
    let plain = tempfile::Builder::new();
    let (temp, label, feed) = match source {
        Source::File(p) => {
            let label = p.display().to_string();
            return run_on(p, label, Feed::None, workspace, follow, max_events);
        }
        Source::Gzip(p) => {
            let file = std::fs::File::open(&p).map_err(|source| Error::Input {
                file: p.display().to_string(),
                source,
            })?;
            let (t, to) = temp_file("the inflated file", &plain)?;
            let from = Box::new(flate2::read::MultiGzDecoder::new(io::BufReader::new(file)));
            (
                t,
                format!("{} (gzip)", p.display()),
                Feed::Copy { from, to },
            )
        }
        Source::Stdin => {
            let (t, to) = temp_file("stdin", &plain)?;
            let from = Box::new(io::stdin());
            (t, "<stdin>".to_owned(), Feed::Copy { from, to })
        }
        Source::Demo => {
            let mut named = tempfile::Builder::new();
            named.prefix("consent-inspector-demo-").suffix(".jsonl");
            let (t, to) = temp_file("the demo", &named)?;
            let label = format!("demo stream ({})", t.path().display());
            (t, label, Feed::Demo { to })
        }
    };
    // A copied input grows while it is inflated or piped; the demo never ends.
    run_on(
        temp.path().to_path_buf(),
        label,
        feed,
        workspace,
        true,
        max_events,
    )
}

fn run_on(
    path: PathBuf,
    label: String,
    feed: Feed,
    workspace: Option<Arc<Workspace>>,
    follow: bool,
    max_events: usize,
) -> Result<(), Error> {
    let demo = matches!(feed, Feed::Demo { .. });
    let workspace = match workspace {
        Some(w) => w,
        None => demo::workspace(),
    };
    run::run(run::Options {
        path,
        label,
        workspace,
        follow,
        demo,
        max_events,
        feed,
    })
}
