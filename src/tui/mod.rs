//! The live terminal UI. It draws only what the library computes.

pub(crate) mod app;
pub(crate) mod demo;
mod detail;
mod keymap;
mod run;
pub(crate) mod store;
#[cfg(test)]
mod tests;
pub(crate) mod ui;

use std::io;
use std::path::PathBuf;
use std::sync::Arc;

use consent_inspector::settings::Workspace;

/// What to show: a file, a gzip-compressed file, stdin, or the demo.
pub enum Source {
    File(PathBuf),
    /// Inflated into a temporary file that the UI follows while it grows.
    Gzip(PathBuf),
    Stdin,
    Demo,
}

/// Copies `from` into a new temporary file on a thread of its own; the UI follows the file.
fn spool(
    what: &str,
    mut from: impl io::Read + Send + 'static,
) -> Result<tempfile::NamedTempFile, String> {
    let t = tempfile::NamedTempFile::new()
        .map_err(|e| format!("cannot make a temporary file for {what}: {e}"))?;
    let mut out = t.reopen().map_err(|e| e.to_string())?;
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
) -> Result<(), String> {
    // Keep temporary files alive (and removed at the end) for stdin and the demo.
    let mut _temp = None;
    let spooled = matches!(source, Source::Stdin | Source::Gzip(_));
    let (path, label, demo) = match source {
        Source::File(p) => {
            let label = p.display().to_string();
            (p, label, false)
        }
        Source::Gzip(p) => {
            let file = std::fs::File::open(&p)
                .map_err(|e| format!("{}: cannot read input: {e}", p.display()))?;
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
            let t = tempfile::Builder::new()
                .prefix("consent-inspector-demo-")
                .suffix(".jsonl")
                .tempfile()
                .map_err(|e| format!("cannot make a temporary file for the demo: {e}"))?;
            demo::spawn_writer(t.reopen().map_err(|e| e.to_string())?);
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
