//! The live terminal UI. It draws only what the library computes.

pub mod app;
pub mod charts;
pub mod demo;
pub mod event;
mod export;
pub mod fair_lock;
pub mod filter;
pub mod keymap;
pub mod layout;
mod run;
mod scroll;
mod search;
mod segmented;
mod selected;
pub mod store;
#[cfg(test)]
mod tests;
mod threads;
pub mod tour;
pub mod ui;

use std::io;
use std::path::PathBuf;
use std::sync::Arc;

use crate::read::input::har::Call;
use crate::workspace::Workspace;

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
    #[error(transparent)]
    Tour(tour::TourError),
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

/// What the UI follows: the user's own file, or a temporary one that a HAR capture was turned
/// into, or that stdin, a gzip file or the demo fills.
struct Prepared {
    path: PathBuf,
    /// What the status bar calls the input.
    label: String,
    /// What a row's place names as its file: the user's file, not the temporary one.
    file: String,
    /// A HAR capture's calls, by line.
    har: Vec<Call>,
    /// A HAR capture's requests, for the wire audit.
    wire: Option<Arc<crate::read::wire::Timeline>>,
    feed: Feed,
    /// Kept alive while the UI runs, and removed at the end.
    _temp: Option<tempfile::NamedTempFile>,
    /// Whether following applies: not to a capture turned into lines; always to what grows.
    follow: Option<bool>,
}

/// A HAR capture turned into lines: the file, its calls, and its requests' timeline.
type HarLines = (
    tempfile::NamedTempFile,
    Vec<Call>,
    Arc<crate::read::wire::Timeline>,
);

/// A HAR capture's Segment calls as JSON Lines in a temporary file, at the capture's own line
/// numbers, with where each call came from, and its requests' timeline; None when `from` is
/// not a HAR capture.
fn har_as_lines(what: &str, mut from: impl io::BufRead) -> Result<Option<HarLines>, Error> {
    let input = |source| Error::Input {
        file: what.to_owned(),
        source,
    };
    if !crate::read::input::har::looks_like_har(from.fill_buf().map_err(input)?) {
        return Ok(None);
    }
    let text =
        crate::read::limits::read_at_most(from, crate::read::limits::HAR_BYTES, "a HAR capture")
            .map_err(input)?;
    let Some((lines, calls, timeline)) =
        crate::read::input::har::to_json_lines(&Arc::from(what), &text)
    else {
        return Ok(None);
    };
    let (t, mut to) = temp_file("the capture's events", &tempfile::Builder::new())?;
    io::Write::write_all(&mut to, &lines).map_err(|source| Error::TempFile {
        what: "the capture's events",
        source,
    })?;
    Ok(Some((t, calls, Arc::new(timeline))))
}

fn prepare(source: Source) -> Result<Prepared, Error> {
    let plain = tempfile::Builder::new();
    let open = |p: &PathBuf| {
        std::fs::File::open(p).map_err(|source| Error::Input {
            file: p.display().to_string(),
            source,
        })
    };
    let copied = |t: tempfile::NamedTempFile, label: String, file: String, feed: Feed| Prepared {
        path: t.path().to_path_buf(),
        label,
        file,
        har: Vec::new(),
        wire: None,
        feed,
        _temp: Some(t),
        // A copied input grows while it is inflated or piped; the demo never ends.
        follow: Some(true),
    };
    let capture =
        |t: tempfile::NamedTempFile,
         label: String,
         file: String,
         (har, wire): (Vec<Call>, Arc<crate::read::wire::Timeline>)| Prepared {
            path: t.path().to_path_buf(),
            label,
            file,
            har,
            wire: Some(wire),
            feed: Feed::None,
            _temp: Some(t),
            follow: Some(false),
        };
    Ok(match source {
        Source::File(p) => {
            let shown = p.display().to_string();
            // A missing file is waited for; only an existing one can be a capture.
            let har = match std::fs::File::open(&p) {
                Ok(f) => har_as_lines(&shown, io::BufReader::new(f))?,
                Err(_) => None,
            };
            match har {
                Some((t, calls, wire)) => {
                    let label = format!("{shown} (HAR, {} Segment calls)", calls.len());
                    capture(t, label, shown, (calls, wire))
                }
                None => Prepared {
                    path: p,
                    label: shown.clone(),
                    file: shown,
                    har: Vec::new(),
                    wire: None,
                    feed: Feed::None,
                    _temp: None,
                    follow: None,
                },
            }
        }
        Source::Gzip(p) => {
            let shown = p.display().to_string();
            let mut inflated = io::BufReader::new(flate2::read::MultiGzDecoder::new(
                io::BufReader::new(open(&p)?),
            ));
            if let Some((t, calls, wire)) = har_as_lines(&shown, &mut inflated)? {
                let label = format!("{shown} (gzip, HAR, {} Segment calls)", calls.len());
                capture(t, label, shown, (calls, wire))
            } else {
                let (t, to) = temp_file("the inflated file", &plain)?;
                let from = Box::new(inflated);
                let feed = Feed::Copy {
                    what: "the gzip data",
                    from,
                    to,
                };
                copied(t, format!("{shown} (gzip)"), shown, feed)
            }
        }
        Source::Stdin => {
            let (t, to) = temp_file("stdin", &plain)?;
            let from = Box::new(io::stdin());
            let feed = Feed::Copy {
                what: "stdin",
                from,
                to,
            };
            copied(t, "<stdin>".to_owned(), "<stdin>".to_owned(), feed)
        }
        Source::Demo => {
            let mut named = tempfile::Builder::new();
            named.prefix("consent-inspector-demo-").suffix(".jsonl");
            let (t, to) = temp_file("the demo", &named)?;
            let label = format!("demo stream ({})", t.path().display());
            copied(t, label.clone(), label, Feed::Demo { to })
        }
    })
}

/// How the user asked the UI to run.
/// A line for the status bar from whatever else runs beside the UI (`listen`'s server),
/// asked for at each frame.
pub type Banner = Arc<dyn Fn() -> String + Send + Sync>;

pub struct Launch {
    /// What else runs beside the UI, for the status bar.
    pub banner: Option<Banner>,
    /// The file is `listen`'s own capture, emptied only by `POST /inspector/reset`: when it
    /// is, the view starts afresh instead of keeping the old rows above a separator.
    pub capture: bool,
    /// Delivery Overview's counts, shown beside the predictions (`--observed`).
    pub observed: Option<Arc<crate::workspace::public_api::overview::Observed>>,
    /// Follow what is appended (unless the source cannot grow).
    pub follow: bool,
    /// Events kept in view.
    pub max_events: usize,
    /// The time zone times are shown in.
    pub zone: jiff::tz::TimeZone,
    /// Colours, or modifiers alone (`--color never`, `NO_COLOR`).
    pub theme: ui::Theme,
    pub keys: keymap::Keymap,
}

pub fn start(
    source: Source,
    workspace: Option<Arc<Workspace>>,
    launch: &Launch,
) -> Result<(), Error> {
    let p = prepare(source)?;
    let demo = matches!(p.feed, Feed::Demo { .. });
    let workspace = workspace.unwrap_or_else(demo::workspace);
    let follow = p.follow.unwrap_or(launch.follow);
    run_prepared(p, workspace, follow, demo, launch, None)
}

/// `consent-inspector tour`: the lessons' events in a temporary file, read once, with the
/// lesson panel over them.
pub fn start_tour(launch: &Launch) -> Result<(), Error> {
    let t = tour::Tour::load().map_err(Error::Tour)?;
    let mut named = tempfile::Builder::new();
    named.prefix("consent-inspector-tour-").suffix(".jsonl");
    let (file, mut to) = temp_file("the tour", &named)?;
    io::Write::write_all(&mut to, t.text.as_bytes()).map_err(|source| Error::TempFile {
        what: "the tour",
        source,
    })?;
    let p = Prepared {
        path: file.path().to_path_buf(),
        label: "the tour".to_owned(),
        file: "the tour".to_owned(),
        har: Vec::new(),
        wire: None,
        feed: Feed::None,
        _temp: Some(file),
        follow: Some(false),
    };
    let state = app::TourState::new(&t);
    run_prepared(p, t.workspace, false, false, launch, Some(state))
}

fn run_prepared(
    p: Prepared,
    workspace: Arc<Workspace>,
    follow: bool,
    demo: bool,
    launch: &Launch,
    tour: Option<app::TourState>,
) -> Result<(), Error> {
    run::run(run::Options {
        path: p.path.clone(),
        label: p.label.clone(),
        file: p.file.clone(),
        har: p.har.clone(),
        wire: p.wire.clone(),
        workspace,
        follow,
        demo,
        max_events: launch.max_events,
        feed: p.feed,
        zone: launch.zone.clone(),
        banner: launch.banner.clone(),
        capture: launch.capture,
        observed: launch.observed.clone(),
        theme: launch.theme,
        keys: launch.keys.clone(),
        tour,
    })
}
