//! Everything the UI loop waits on arrives as one `UiEvent` on one channel: the terminal's
//! input, the store's changes, the search's progress and the signals that end the program.

use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;

use ratatui::crossterm::event::Event;

pub enum UiEvent {
    /// A key, a mouse action or a resize.
    Input(Event),
    /// The terminal could not be read.
    InputFailed(io::Error),
    /// The reader recorded rows or a follower notice in the store.
    DataChanged,
    /// The search found more matches or searched more rows.
    SearchProgress,
    /// SIGTERM, SIGHUP or SIGINT: end as `q` does, so the terminal is restored.
    Terminate,
    /// What fills the followed file (stdin, a gzip file) has ended, and how.
    SourceEnded(String),
}

/// Which change a `Waker` reports.
#[derive(Clone, Copy)]
pub enum Change {
    Data,
    Search,
}

/// Tells the loop that shared state changed. However often it is called, at most one message
/// is in flight: the loop calls `taken` when it handles it, before reading the state.
#[derive(Clone)]
pub struct Waker {
    tx: Option<Sender<UiEvent>>,
    pending: Arc<AtomicBool>,
    change: Change,
}

impl Waker {
    pub fn new(tx: Sender<UiEvent>, change: Change) -> Self {
        Self {
            tx: Some(tx),
            pending: Arc::default(),
            change,
        }
    }

    /// A waker nobody listens to, for a store or search used without the loop (tests, the
    /// benchmark).
    pub fn detached() -> Self {
        Self {
            tx: None,
            pending: Arc::default(),
            change: Change::Data,
        }
    }

    pub fn wake(&self) {
        let Some(tx) = &self.tx else { return };
        if !self.pending.swap(true, Ordering::AcqRel) {
            let _ = tx.send(match self.change {
                Change::Data => UiEvent::DataChanged,
                Change::Search => UiEvent::SearchProgress,
            });
        }
    }

    pub fn taken(&self) {
        self.pending.store(false, Ordering::Release);
    }
}
