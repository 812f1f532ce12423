//! Search of the raw JSON. Rows hold no JSON, so a worker thread reads each row's line again
//! and collects the matching rows: over every row, then over new rows as they arrive, until
//! the search is replaced. The worker lives as long as the UI and takes one search at a time.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::input::MAX_LINE_BYTES;

use super::event::Waker;
use super::store::Shared;

/// Row positions searched per pass; the lines are read without holding the store's lock.
const CHUNK: usize = 4096;
/// How long the worker waits for new rows once it has searched them all.
const IDLE: Duration = Duration::from_millis(200);

/// One search and what it has found so far.
pub struct Search {
    pub query: String,
    matches: Mutex<Vec<usize>>,
    /// Rows searched so far.
    scanned: AtomicU64,
}

impl Search {
    /// Matches so far, and whether every row up to `end` has been searched.
    pub fn count(&self, end: usize) -> (usize, bool) {
        let n = self
            .matches
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .len();
        (n, self.scanned.load(Ordering::Relaxed) as usize >= end)
    }

    pub fn contains(&self, row: usize) -> bool {
        self.matches
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .binary_search(&row)
            .is_ok()
    }

    /// The matching rows, in order.
    pub fn matches(&self) -> Vec<usize> {
        self.matches
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }
}

/// The handle the model keeps: it hands the worker each new search, or none to stop.
pub struct Worker {
    tx: Sender<Option<Arc<Search>>>,
}

impl Worker {
    /// Starts searching for `query` (case-insensitive) in place of any earlier search.
    pub fn search(&self, query: String) -> Arc<Search> {
        let search = Arc::new(Search {
            query,
            matches: Mutex::default(),
            scanned: AtomicU64::default(),
        });
        let _ = self.tx.send(Some(search.clone()));
        search
    }

    /// Stops the current search.
    pub fn cancel(&self) {
        let _ = self.tx.send(None);
    }
}

/// The worker's loop; it ends when the `Worker` is dropped. Started by `threads::start`.
pub fn worker(store: Shared, waker: Waker) -> (Worker, impl FnOnce() + Send + 'static) {
    let (tx, rx) = mpsc::channel();
    (Worker { tx }, move || work(&store, &waker, &rx))
}

fn work(store: &Shared, waker: &Waker, rx: &Receiver<Option<Arc<Search>>>) {
    let mut current: Option<Arc<Search>> = None;
    let mut next = 0usize;
    loop {
        // A new search replaces the current one; with nothing to do, wait for one.
        let wait = if current.is_some() {
            Duration::ZERO
        } else {
            Duration::MAX
        };
        match rx.recv_timeout(wait) {
            Ok(s) => {
                current = s;
                next = 0;
                continue;
            }
            Err(RecvTimeoutError::Disconnected) => return,
            Err(RecvTimeoutError::Timeout) => {}
        }
        let Some(search) = current.clone() else {
            continue;
        };
        if !scan(store, &search, &mut next) {
            // Caught up: wait for new rows, or a new search.
            match rx.recv_timeout(IDLE) {
                Ok(s) => {
                    current = s;
                    next = 0;
                }
                Err(RecvTimeoutError::Disconnected) => return,
                Err(RecvTimeoutError::Timeout) => {}
            }
            continue;
        }
        waker.wake();
    }
}

/// Searches the next chunk of rows from `next`; false when there were none to search.
fn scan(store: &Shared, search: &Search, next: &mut usize) -> bool {
    let (todo, generations, end): (Vec<(usize, u32, u64)>, _, _) = {
        let s = store
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *next = (*next).max(s.first());
        let end = s.end().min(*next + CHUNK);
        let todo = (*next..end)
            .filter_map(|i| s.row(i).map(|r| (i, u32::from(r.generation), r.offset)))
            .collect();
        (todo, s.generations.clone(), end)
    };
    if todo.is_empty() {
        return false;
    }
    let needle = search.query.to_ascii_lowercase().into_bytes();
    let finder = memchr::memmem::Finder::new(&needle);
    let mut found = Vec::new();
    let mut last_line = None;
    for (i, generation, offset) in &todo {
        // Elements of one batch share a line: read it once.
        let hit = match last_line {
            Some((g, o, h)) if g == *generation && o == *offset => h,
            _ => {
                let h = generations
                    .read_line(*generation, *offset, MAX_LINE_BYTES)
                    .is_ok_and(|mut l| {
                        l.make_ascii_lowercase();
                        finder.find(&l).is_some()
                    });
                last_line = Some((*generation, *offset, h));
                h
            }
        };
        if hit {
            found.push(*i);
        }
    }
    *next = end;
    search
        .matches
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .extend(found);
    search.scanned.store(*next as u64, Ordering::Relaxed);
    true
}
