//! `pull`: a source's workspace from Segment's Public API, written as a snapshot; offline, the
//! last pull's copy from the cache, with a warning (as `--fetch-settings` does).

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{Ctx, Error, Exit};
use crate::cli::{ApiArgs, PullArgs, Region};
use crate::text::printable;
use crate::workspace::fetch;
use crate::workspace::public_api::pull::{Pulled, pull, write};
use crate::workspace::public_api::{Api, EU, US};

/// Where `pull` writes by default: one source's snapshot, as settings the other commands
/// find beside a capture in this folder; or every source's, in a folder.
const ONE: &str = crate::read::input::folder::SETTINGS_FILE;
const EVERY: &str = "segment-workspace";

/// The longest token file read: a token is a few dozen bytes.
const TOKEN_BYTES: u64 = 64 * 1024;

/// What the cache keeps of one pull.
#[derive(Serialize, Deserialize)]
struct Cached {
    api: String,
    snapshots: Vec<(String, Value)>,
}

pub fn run(ctx: &Ctx, args: &PullArgs) -> Result<Exit, Error> {
    let mut api = client(ctx, &args.api)?;
    let out = args
        .output
        .clone()
        .unwrap_or_else(|| PathBuf::from(if args.source.is_some() { ONE } else { EVERY }));
    let cache = cache_file(api.base(), args.source.as_deref());
    let cache_dir =
        fetch::cache_dir().unwrap_or_else(|| std::env::temp_dir().join("consent-inspector"));
    let mut cdn = |key: &str| fetch::fetch(key, &args.cdn, &cache_dir).map_err(|e| e.to_string());
    let pulled = pull(&mut api, args.source.as_deref(), &mut cdn);
    done(&mut api);
    let snapshots: Vec<(String, Value)> = match pulled {
        Ok(pulled) => {
            let snapshots: Vec<(String, Value)> = pulled
                .iter()
                .map(|p| (p.slug.clone(), p.json.clone()))
                .collect();
            if let Some(cache) = &cache {
                // A copy that cannot be kept costs only the next offline run; say nothing.
                let _ = fetch::store_private(
                    cache,
                    &Cached {
                        api: api.base().to_owned(),
                        snapshots: snapshots.clone(),
                    },
                );
            }
            if !ctx.global.quiet {
                for p in &pulled {
                    eprintln!("{}", summary(p));
                }
            }
            snapshots
        }
        Err(crate::workspace::public_api::pull::PullError::Api(e)) if e.offline() => {
            let Some(cached) = cache.as_deref().and_then(read_cache) else {
                return Err(e.into());
            };
            eprintln!(
                "warning: {}: using the snapshot of the last pull, cached at {}",
                e,
                cache
                    .as_deref()
                    .map(Path::display)
                    .map(|d| d.to_string())
                    .unwrap_or_default()
            );
            cached.snapshots
        }
        Err(e) => return Err(e.into()),
    };
    let one = args.source.is_some();
    for (slug, json) in &snapshots {
        let path = if one {
            out.clone()
        } else {
            out.join(format!("{}.json", file_stem(slug)))
        };
        write(&path, json).map_err(|source| Error::Output {
            file: path.display().to_string(),
            source,
        })?;
        if !ctx.global.quiet {
            eprintln!("wrote {}", printable(&path.display().to_string()));
        }
    }
    Ok(Exit::Done)
}

/// A slug as a file name: what is not a letter, digit, `-` or `_` becomes `_`.
fn file_stem(slug: &str) -> String {
    slug.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// `pulled source web (Web): 9 destinations (1 disabled), 4 filters, 3 mappings, 12 tracking
/// plan rules, 2 suppressed users, 41 calls; not read: ...`.
fn summary(p: &Pulled) -> String {
    let ws = &p.workspace;
    let disabled = ws.destinations.iter().filter(|d| !d.enabled).count();
    let filters: usize = ws.destinations.iter().map(|d| d.filters.len()).sum();
    let mappings: usize = ws
        .destinations
        .iter()
        .filter_map(|d| d.mappings.as_ref())
        .map(Vec::len)
        .sum();
    let rules = ws
        .protocols
        .as_ref()
        .and_then(|p| p.plan.as_ref())
        .map_or(0, |plan| plan.rules.len());
    let n = |k: usize, noun: &str| crate::cli::output::report::counted(k as u64, noun);
    let mut line = format!(
        "pulled source {}: {} ({disabled} disabled), {}, {}, {}, {}",
        printable(&p.slug),
        n(ws.destinations.len(), "destination"),
        n(filters, "filter"),
        n(mappings, "cloud mapping"),
        n(rules, "tracking plan rule"),
        n(ws.suppressed.len(), "suppressed user")
    );
    if let Some(s) = &ws.snapshot {
        for g in &s.gaps {
            line.push_str(&format!("\nwarning: not in the snapshot: {}", printable(g)));
        }
    }
    line
}

/// The cache file of a pull of `source` (None: every source) from `api`.
fn cache_file(api: &str, source: Option<&str>) -> Option<PathBuf> {
    let dir = crate::dirs::ours("XDG_CACHE_HOME", ".cache")?.join("snapshots");
    Some(fetch::cache_file(&dir, api, source.unwrap_or("*")))
}

fn read_cache(path: &Path) -> Option<Cached> {
    let text = crate::read::limits::read_file_at_most(
        path,
        crate::read::limits::SETTINGS_BYTES * 4,
        "the copy",
    )
    .ok()?;
    serde_json::from_slice(&text).ok()
}

/// A Public API client for `args`, its calls shown on a spinner (stderr, a terminal, no -q).
pub fn client(ctx: &Ctx, args: &ApiArgs) -> Result<Api, Error> {
    let token = token(args)?;
    let base = args.api_url.clone().unwrap_or_else(|| {
        match args.region {
            Region::Us => US,
            Region::Eu => EU,
        }
        .to_owned()
    });
    let mut api = Api::new(&base, &token)?;
    if !ctx.global.quiet && std::io::stderr().is_terminal() {
        let bar = Spinner(indicatif::ProgressBar::new_spinner());
        bar.0.enable_steady_tick(Duration::from_millis(100));
        let mut n = 0u32;
        api.on_progress(move |what| {
            n += 1;
            bar.0
                .set_message(format!("{n} calls · {}", printable(what)));
        });
    }
    Ok(api)
}

/// The calls' spinner, which leaves no line behind once its client is done with it.
struct Spinner(indicatif::ProgressBar);

impl Drop for Spinner {
    fn drop(&mut self) {
        self.0.finish_and_clear();
    }
}

/// Ends the calls' spinner before anything else is said.
pub fn done(api: &mut Api) {
    api.on_progress(|_| {});
}

/// The token: `--token-file`'s first line, else `SEGMENT_PUBLIC_API_TOKEN`.
fn token(args: &ApiArgs) -> Result<String, Error> {
    let token = match &args.token_file {
        Some(file) => {
            let text = crate::read::limits::read_file_at_most(file, TOKEN_BYTES, "the token file")
                .map_err(|source| Error::TokenFile {
                    file: file.display().to_string(),
                    source,
                })?;
            String::from_utf8_lossy(&text)
                .lines()
                .next()
                .unwrap_or_default()
                .trim()
                .to_owned()
        }
        None => std::env::var("SEGMENT_PUBLIC_API_TOKEN")
            .unwrap_or_default()
            .trim()
            .to_owned(),
    };
    if token.is_empty() {
        return Err(Error::NoToken);
    }
    Ok(token)
}
