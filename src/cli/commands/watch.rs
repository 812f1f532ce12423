//! `watch` (the default): the live terminal UI on a file, a gzip file, stdin or the demo.

use std::path::{Path, PathBuf};

use super::{Ctx, Error, Exit, load_settings};
use crate::cli::WatchArgs;
use crate::tui;

pub fn run(ctx: &Ctx, args: &WatchArgs) -> Result<Exit, Error> {
    let (source, workspace) = match args.file.as_deref() {
        None => {
            let given = args.settings.settings.is_some() || args.settings.fetch_settings.is_some();
            let ws = if given {
                Some(load_settings(ctx, &args.settings, &[])?)
            } else {
                None
            };
            (tui::Source::Demo, ws)
        }
        Some(file) => {
            let source = source_of(file)?;
            let ws = match load_settings(ctx, &args.settings, &[file.to_owned()]) {
                // A file that is not there yet is waited for, but only with settings to read
                // it by; without them its absence is the first thing to say.
                Err(e @ Error::NoSettings { .. }) => match std::fs::metadata(file) {
                    Err(source) if file != "-" => {
                        return Err(Error::Input {
                            file: file.to_owned(),
                            source,
                        });
                    }
                    _ => return Err(e),
                },
                other => other?,
            };
            (source, Some(ws))
        }
    };
    let (theme, keys, zone) = ctx.look(args.local);
    let observed = match &args.observed {
        Some(path) => Some(std::sync::Arc::new(super::reconcile::read_observed(path)?)),
        None => None,
    };
    let launch = tui::Launch {
        banner: None,
        capture: false,
        observed,
        follow: !args.no_follow,
        max_events: usize::try_from(args.max_events).unwrap_or(usize::MAX),
        zone,
        theme,
        keys,
    };
    tui::start(source, workspace, &launch)?;
    Ok(Exit::Done)
}

/// `tour`: the lessons, in the terminal UI.
pub fn tour(ctx: &Ctx) -> Result<Exit, Error> {
    let (theme, keys, zone) = ctx.look(false);
    tui::start_tour(&tui::Launch {
        banner: None,
        capture: false,
        observed: None,
        follow: false,
        max_events: tui::store::MAX_EVENTS,
        zone,
        theme,
        keys,
    })?;
    Ok(Exit::Done)
}

fn source_of(file: &str) -> Result<tui::Source, Error> {
    if file == "-" {
        return Ok(tui::Source::Stdin);
    }
    let path = Path::new(file);
    if path.is_dir() {
        return Err(Error::Folder {
            file: file.to_owned(),
        });
    }
    Ok(if starts_with_gzip(path) {
        tui::Source::Gzip(PathBuf::from(file))
    } else {
        tui::Source::File(PathBuf::from(file))
    })
}

/// Whether a file begins with a gzip header (a missing file does not).
fn starts_with_gzip(path: &Path) -> bool {
    let mut start = [0u8; 4];
    std::fs::File::open(path)
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut start))
        .is_ok_and(|()| crate::read::input::is_gzip(&start))
}
