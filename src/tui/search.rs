//! Scans that need each event's line again, since rows hold no JSON: a search of the raw
//! JSON, and a filter whose terms ask about the routing decision (reason, category, code,
//! mode, or a destination past the ones rows keep). A worker thread reads the lines and
//! collects the matching rows, over every row, then over new rows as they arrive, until the
//! scan is replaced. It lives as long as the UI and runs one search and one filter at a time,
//! and the exports (`x`), which read each event's line again too.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use crate::engine::Recalled;
use crate::engine::profile::Profiles;
use crate::read::input::MAX_LINE_BYTES;

use super::event::Waker;
use super::export::{Export, Job};
use super::filter::Filter;
use super::store::{At, Shared, read_again};

/// Row positions scanned per pass; the lines are read without holding the store's lock.
const CHUNK: usize = 4096;
/// How long the worker waits for new rows once it has scanned them all.
const IDLE: Duration = Duration::from_millis(200);

/// What a scan looks for.
pub enum Query {
    /// Text in the raw JSON, case-insensitive.
    Text(String),
    /// Events that meet every term, the routing ones included.
    Filter(Filter),
}

/// One scan and what it has found so far.
pub struct Search {
    pub query: Query,
    matches: Mutex<Vec<usize>>,
    /// Rows scanned so far.
    scanned: AtomicU64,
}

impl Search {
    fn new(query: Query) -> Arc<Self> {
        Arc::new(Self {
            query,
            matches: Mutex::default(),
            scanned: AtomicU64::default(),
        })
    }

    /// The text searched for, for a search.
    pub fn text(&self) -> &str {
        match &self.query {
            Query::Text(t) => t,
            Query::Filter(_) => "",
        }
    }

    /// Matches so far, and whether every row up to `end` has been scanned.
    pub fn count(&self, end: usize) -> (usize, bool) {
        let n = self
            .matches
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len();
        (n, self.scanned.load(Ordering::Relaxed) as usize >= end)
    }

    pub fn contains(&self, row: usize) -> bool {
        self.matches
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .binary_search(&row)
            .is_ok()
    }

    /// The matching rows, in order.
    pub fn matches(&self) -> Vec<usize> {
        self.matches
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// Which of the worker's two scans a message is for.
#[derive(Clone, Copy)]
enum Slot {
    Search = 0,
    Filter = 1,
}

/// What the model asks of the worker.
enum Msg {
    /// A new scan for a slot, or none to stop its scan.
    Scan(Slot, Option<Arc<Search>>),
    /// An export, done after any before it (boxed: a job is far larger than a scan).
    Export(Box<Job>),
}

/// The handle the model keeps: it hands the worker each new scan, or none to stop one, and
/// each export.
pub struct Worker {
    tx: Sender<Msg>,
    /// The store scans read: a workspace what-if swaps it for one decided otherwise.
    store: Arc<std::sync::Mutex<Shared>>,
}

impl Worker {
    /// Scans and exports from now on read `store`; the model starts its scans again.
    pub fn set_store(&self, store: Shared) {
        *self.store.lock().unwrap_or_else(PoisonError::into_inner) = store;
    }

    /// Starts searching for `text` in place of any earlier search.
    pub fn search(&self, text: String) -> Arc<Search> {
        self.scan(Slot::Search, Query::Text(text))
    }

    /// Stops the current search.
    pub fn cancel(&self) {
        let _ = self.tx.send(Msg::Scan(Slot::Search, None));
    }

    /// Starts listing the events `filter` passes, in place of any earlier such scan.
    pub fn filter(&self, filter: Filter) -> Arc<Search> {
        self.scan(Slot::Filter, Query::Filter(filter))
    }

    /// Starts a scan in `slot`, replacing the one there.
    fn scan(&self, slot: Slot, query: Query) -> Arc<Search> {
        let scan = Search::new(query);
        let _ = self.tx.send(Msg::Scan(slot, Some(scan.clone())));
        scan
    }

    /// Stops the current filter scan.
    pub fn cancel_filter(&self) {
        let _ = self.tx.send(Msg::Scan(Slot::Filter, None));
    }

    /// Starts writing `rows` (store row numbers, in order) to `events` and its routing file.
    pub fn export(&self, rows: Vec<usize>, events: PathBuf) -> Arc<Export> {
        let job = Box::new(Job::new(rows, events));
        let export = job.export.clone();
        if let Err(mpsc::SendError(Msg::Export(job))) = self.tx.send(Msg::Export(job)) {
            job.export.fail("the export worker has stopped".into());
        }
        export
    }
}

/// The worker's loop; it ends when the `Worker` is dropped. Started by `threads::start`.
pub fn worker(store: Shared, waker: Waker) -> (Worker, impl FnOnce() + Send + 'static) {
    let (tx, rx) = mpsc::channel();
    let store = Arc::new(std::sync::Mutex::new(store));
    let current = store.clone();
    (Worker { tx, store }, move || work(&current, &waker, &rx))
}

fn work(current: &std::sync::Mutex<Shared>, waker: &Waker, rx: &Receiver<Msg>) {
    // Each slot's scan and the next row it looks at, and the exports waiting, oldest first.
    let mut slots: [Option<(Arc<Search>, usize)>; 2] = [None, None];
    let mut exports: VecDeque<Job> = VecDeque::new();
    let take =
        |msg, slots: &mut [Option<(Arc<Search>, usize)>; 2], exports: &mut VecDeque<Job>| match msg
        {
            Msg::Scan(slot, scan) => slots[slot as usize] = scan.map(|s| (s, 0)),
            Msg::Export(job) => exports.push_back(*job),
        };
    loop {
        // New scans replace old ones; with nothing to do, wait for one; caught up, wait a
        // little for new rows.
        let busy = slots.iter().any(Option::is_some) || !exports.is_empty();
        let mut wait = if busy { Duration::ZERO } else { Duration::MAX };
        loop {
            match rx.recv_timeout(wait) {
                Ok(msg) => take(msg, &mut slots, &mut exports),
                Err(RecvTimeoutError::Disconnected) => return,
                Err(RecvTimeoutError::Timeout) => break,
            }
            wait = Duration::ZERO;
        }
        let store = &current
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        let mut progressed = false;
        for (scan, next) in slots.iter_mut().flatten() {
            progressed |= scan_chunk(store, scan, next);
        }
        if let Some(job) = exports.front_mut() {
            if !job.step(store) {
                exports.pop_front();
            }
            progressed = true;
        }
        if progressed {
            waker.wake();
        } else if slots.iter().any(Option::is_some) {
            match rx.recv_timeout(IDLE) {
                Ok(msg) => take(msg, &mut slots, &mut exports),
                Err(RecvTimeoutError::Disconnected) => return,
                Err(RecvTimeoutError::Timeout) => {}
            }
        }
    }
}

/// One row to look at again, with what its line cannot say (the history-dependent findings).
struct Todo {
    idx: usize,
    at: At,
    recalled: Vec<Recalled>,
}

/// Scans the next chunk of rows from `next`; false when there were none to scan.
fn scan_chunk(store: &Shared, scan: &Search, next: &mut usize) -> bool {
    let (todo, generations, ws, end) = {
        let s = store.read().unwrap_or_else(PoisonError::into_inner);
        *next = (*next).max(s.first());
        let end = s.end().min(*next + CHUNK);
        let todo: Vec<Todo> = (*next..end)
            .filter_map(|i| {
                let r = s.row(i)?;
                let wanted = match &scan.query {
                    Query::Text(_) => r.is_event(),
                    // The terms the row answers are checked here, under the lock.
                    Query::Filter(f) => f.passes(&s, r),
                };
                wanted.then(|| Todo {
                    idx: i,
                    at: r.at(),
                    recalled: match scan.query {
                        Query::Filter(_) => s.recalled(i).cloned().collect(),
                        Query::Text(_) => Vec::new(),
                    },
                })
            })
            .collect();
        (todo, s.generations.clone(), s.workspace().clone(), end)
    };
    if end <= *next {
        return false;
    }
    let found = match &scan.query {
        Query::Text(text) => matching_text(&todo, &generations, text),
        Query::Filter(f) => matching_outcomes(&todo, &generations, &ws, f),
    };
    *next = end;
    scan.matches
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .extend(found);
    scan.scanned.store(*next as u64, Ordering::Relaxed);
    true
}

fn matching_text(
    todo: &[Todo],
    generations: &crate::read::tail::Generations,
    text: &str,
) -> Vec<usize> {
    let needle = text.to_ascii_lowercase().into_bytes();
    let finder = memchr::memmem::Finder::new(&needle);
    let mut found = Vec::new();
    let mut last_line = None;
    for t in todo {
        // Elements of one batch share a line: read it once.
        let (generation, offset) = (t.at.generation, t.at.offset);
        let hit = match last_line {
            Some((g, o, h)) if g == generation && o == offset => h,
            _ => {
                let h = generations
                    .read_line(generation, offset, MAX_LINE_BYTES)
                    .is_ok_and(|mut l| {
                        l.make_ascii_lowercase();
                        finder.find(&l).is_some()
                    });
                last_line = Some((generation, offset, h));
                h
            }
        };
        if hit {
            found.push(t.idx);
        }
    }
    found
}

/// The rows whose events, decided again from their lines, meet the filter's routing terms.
fn matching_outcomes(
    todo: &[Todo],
    generations: &crate::read::tail::Generations,
    ws: &crate::workspace::Workspace,
    filter: &Filter,
) -> Vec<usize> {
    // Profiles only name users in messages; the terms ask about codes and routes.
    let profiles = Profiles::default();
    let file: Arc<str> = Arc::from("");
    let mut found = Vec::new();
    for t in todo {
        let Ok((_, record)) = read_again(generations, &file, t.at) else {
            continue;
        };
        let o = crate::engine::decide(ws, &profiles, record, t.recalled.clone(), None);
        if filter.passes_outcome(&o) {
            found.push(t.idx);
        }
    }
    found
}
