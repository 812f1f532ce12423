//! `x`: the events a filter lists written to a file, as JSON Lines (each event as written),
//! with a second file of their routing in `route`'s NDJSON. The scan worker does it a chunk
//! at a time, so the screen keeps moving while it runs.

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use crate::analyses::ndjson::Ndjson;
use crate::engine::profile::IdentityId;
use crate::engine::{Recalled, decide_labelled};

use super::store::{At, Shared, read_again};

/// Rows exported per pass; their lines are read without holding the store's lock.
const CHUNK: usize = 1024;

/// What an export wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    pub written: usize,
    /// Events whose lines could not be read again (their file was truncated or replaced, or
    /// they left the view).
    pub unreadable: usize,
    /// Events not written: a line over 1 MiB (never read whole), or a batch element that is
    /// not JSON.
    pub skipped: usize,
}

/// One export, as the model sees it: where it writes and how far it has got.
pub struct Export {
    pub events: PathBuf,
    pub routes: PathBuf,
    pub total: usize,
    done: AtomicUsize,
    result: Mutex<Option<Result<Summary, String>>>,
}

impl Export {
    /// Rows handled so far.
    pub fn done(&self) -> usize {
        self.done.load(Ordering::Relaxed)
    }

    /// How it ended, once it has.
    pub fn result(&self) -> Option<Result<Summary, String>> {
        self.result
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn finish(&self, r: Result<Summary, String>) {
        *self.result.lock().unwrap_or_else(PoisonError::into_inner) = Some(r);
    }

    /// Ends it before it began, saying why.
    pub fn fail(&self, why: String) {
        self.finish(Err(why));
    }
}

/// The routing file beside `events`: `bob.jsonl` → `bob.routes.ndjson`.
pub fn routes_path(events: &Path) -> PathBuf {
    let name = events
        .file_name()
        .map_or_else(|| "export".into(), |n| n.to_string_lossy().into_owned());
    let stem = [".jsonl", ".ndjson", ".json"]
        .iter()
        .find_map(|ext| name.strip_suffix(ext))
        .unwrap_or(&name);
    events.with_file_name(format!("{stem}.routes.ndjson"))
}

/// The path a person typed: `~/` is their home.
pub fn typed_path(text: &str) -> PathBuf {
    match (text.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => Path::new(&home).join(rest),
        _ => PathBuf::from(text),
    }
}

/// The worker's side of an export.
pub struct Job {
    pub export: Arc<Export>,
    rows: Vec<usize>,
    next: usize,
    files: Option<(BufWriter<File>, BufWriter<File>)>,
    ndjson: Option<Ndjson>,
    summary: Summary,
}

impl Job {
    /// An export of `rows` (store row numbers, in order) to `events` and its routing file.
    pub fn new(rows: Vec<usize>, events: PathBuf) -> Self {
        let export = Arc::new(Export {
            routes: routes_path(&events),
            events,
            total: rows.len(),
            done: AtomicUsize::new(0),
            result: Mutex::new(None),
        });
        Self {
            export,
            rows,
            next: 0,
            files: None,
            ndjson: None,
            summary: Summary::default(),
        }
    }

    /// Exports the next chunk; false once it has ended (see `Export::result`).
    pub fn step(&mut self, store: &Shared) -> bool {
        match self.write_chunk(store) {
            Ok(true) => true,
            Ok(false) => {
                self.export.finish(Ok(self.summary));
                false
            }
            Err(e) => {
                self.export.finish(Err(e));
                false
            }
        }
    }

    fn open(&mut self, store: &Shared) -> Result<(), String> {
        // Never over an existing file: a name typed by mistake must not cost anyone data.
        // Readable by this user only: an export holds the events' personal data.
        let create = |p: &Path| {
            let mut options = OpenOptions::new();
            options.write(true).create_new(true);
            crate::dirs::private(&mut options)
                .open(p)
                .map(BufWriter::new)
                .map_err(|e| format!("cannot write {}: {e}", p.display()))
        };
        let events = create(&self.export.events)?;
        let routes = create(&self.export.routes).inspect_err(|_| {
            let _ = std::fs::remove_file(&self.export.events);
        })?;
        self.files = Some((events, routes));
        let s = store.read().unwrap_or_else(PoisonError::into_inner);
        self.ndjson = Some(Ndjson::new(s.workspace()));
        Ok(())
    }

    /// Writes the next chunk; Ok(false) when everything is written.
    fn write_chunk(&mut self, store: &Shared) -> Result<bool, String> {
        if self.files.is_none() {
            self.open(store)?;
        }
        let end = (self.next + CHUNK).min(self.rows.len());
        let todo = gather(store, &self.rows[self.next..end]);
        let (Some((events, routes)), Some(ndjson)) = (&mut self.files, &mut self.ndjson) else {
            return Err("the export's files are not open".into());
        };
        let (generations, ws) = {
            let s = store.read().unwrap_or_else(PoisonError::into_inner);
            (s.generations.clone(), s.workspace().clone())
        };
        let failed = |e: std::io::Error| format!("writing the export failed: {e}");
        for t in todo {
            let Some(t) = t else {
                self.summary.unreadable += 1;
                continue;
            };
            let Ok((bytes, record)) = read_again(&generations, &t.file, t.at) else {
                self.summary.unreadable += 1;
                continue;
            };
            let Some(text) = record.text(&bytes) else {
                self.summary.skipped += 1;
                continue;
            };
            events.write_all(&text).map_err(failed)?;
            events.write_all(b"\n").map_err(failed)?;
            let o = decide_labelled(&ws, record, t.recalled, t.identity, &t.user);
            ndjson.write(routes, &o).map_err(failed)?;
            self.summary.written += 1;
        }
        self.next = end;
        self.export.done.store(end, Ordering::Relaxed);
        if end < self.rows.len() {
            return Ok(true);
        }
        events.flush().map_err(failed)?;
        routes.flush().map_err(failed)?;
        Ok(false)
    }
}

/// What a row's event needs to be written away from the store's lock.
struct Todo {
    at: At,
    file: Arc<str>,
    recalled: Vec<Recalled>,
    identity: Option<IdentityId>,
    user: String,
}

/// Each row's `Todo`, or None for a row that is gone or not an event.
fn gather(store: &Shared, rows: &[usize]) -> Vec<Option<Todo>> {
    let s = store.read().unwrap_or_else(PoisonError::into_inner);
    let mut file: Option<(u16, Arc<str>)> = None;
    rows.iter()
        .map(|&i| {
            let r = s.row(i).filter(|r| r.is_event())?;
            let label = match &file {
                Some((g, f)) if *g == r.generation => f.clone(),
                _ => {
                    let f: Arc<str> = Arc::from(s.file_label(r.generation).as_str());
                    file = Some((r.generation, f.clone()));
                    f
                }
            };
            let identity = r.identity();
            Some(Todo {
                at: r.at(),
                file: label,
                recalled: s.recalled(i).cloned().collect(),
                identity,
                user: identity
                    .map(|id| s.engine.profiles().label(id).to_owned())
                    .unwrap_or_default(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_routing_file_sits_beside_the_events() {
        assert_eq!(
            routes_path(Path::new("out/bob.jsonl")),
            Path::new("out/bob.routes.ndjson")
        );
        assert_eq!(
            routes_path(Path::new("bob")),
            Path::new("bob.routes.ndjson")
        );
        assert_eq!(
            routes_path(Path::new("a.json")),
            Path::new("a.routes.ndjson")
        );
    }
}
