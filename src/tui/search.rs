//! Search of the raw JSON: a thread of its own reads each row's line again (rows hold no
//! JSON) and collects the matching rows, over every row, then over new rows as they arrive,
//! until the search is replaced.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use crate::input::MAX_LINE_BYTES;

use super::store::Shared;

/// A search of the raw JSON, run on a thread of its own over every row, then over new rows
/// as they arrive, until it is replaced.
pub struct Search {
    pub query: String,
    pub matches: Arc<Mutex<Vec<usize>>>,
    /// Rows searched so far.
    pub scanned: Arc<AtomicU64>,
    cancel: Arc<AtomicBool>,
}

impl Drop for Search {
    fn drop(&mut self) {
        self.cancel.store(true, Ordering::Relaxed);
    }
}

impl Search {
    /// Starts searching every row, then each new row, for `query` (case-insensitive).
    pub fn start(store: &Shared, dirty: &Arc<AtomicBool>, query: String) -> Search {
        let search = Search {
            query: query.clone(),
            matches: Arc::default(),
            scanned: Arc::default(),
            cancel: Arc::default(),
        };
        let (matches, scanned, cancel) = (
            search.matches.clone(),
            search.scanned.clone(),
            search.cancel.clone(),
        );
        let (store, dirty) = (store.clone(), dirty.clone());
        let needle = query.to_ascii_lowercase().into_bytes();
        thread::spawn(move || {
            let finder = memchr::memmem::Finder::new(&needle);
            let mut next = 0usize;
            while !cancel.load(Ordering::Relaxed) {
                // Take a few thousand row positions at a time; read the lines without the lock.
                let (todo, generations, end): (Vec<(usize, u32, u64)>, _, _) = {
                    let s = store.read().unwrap_or_else(|e| e.into_inner());
                    next = next.max(s.first());
                    let end = s.end().min(next + 4096);
                    let todo = (next..end)
                        .filter_map(|i| s.row(i).map(|r| (i, u32::from(r.generation), r.offset)))
                        .collect();
                    (todo, s.generations.clone(), end)
                };
                if todo.is_empty() {
                    thread::sleep(Duration::from_millis(200));
                    continue;
                }
                let mut found = Vec::new();
                let mut last_line = None;
                for (i, generation, offset) in &todo {
                    // Elements of one batch share a line: read it once.
                    let hit = match last_line {
                        Some((g, o, h)) if g == *generation && o == *offset => h,
                        _ => {
                            let h = generations
                                .read_line(*generation, *offset, MAX_LINE_BYTES)
                                .map(|mut l| {
                                    l.make_ascii_lowercase();
                                    finder.find(&l).is_some()
                                })
                                .unwrap_or(false);
                            last_line = Some((*generation, *offset, h));
                            h
                        }
                    };
                    if hit {
                        found.push(*i);
                    }
                }
                next = end;
                matches
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .extend(found);
                scanned.store(next as u64, Ordering::Relaxed);
                dirty.store(true, Ordering::Release);
            }
        });
        search
    }

    /// Matches so far, and whether every row up to `end` has been searched.
    pub fn count(&self, end: usize) -> (usize, bool) {
        let n = self.matches.lock().unwrap_or_else(|e| e.into_inner()).len();
        (n, self.scanned.load(Ordering::Relaxed) as usize >= end)
    }

    pub fn contains(&self, row: usize) -> bool {
        self.matches
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .binary_search(&row)
            .is_ok()
    }
}
