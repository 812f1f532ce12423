//! The small states the model holds beside its lists: the what-if, the tour, and the
//! workspace what-if with its editor. Plain data with what they compute of themselves; how
//! actions change them is in the files named for them.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::analyses::what_if;
use crate::tui::event::Waker;
use crate::tui::fair_lock::FairLock;
use crate::tui::store::{Shared, Store, spawn_reader};
use crate::workspace::Workspace;

/// A what-if: the category it changes and, once `t` is pressed, the value tried in place of
/// each selected event's own.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct WhatIf {
    pub category: crate::workspace::CatIdx,
    pub value: Option<what_if::Trial>,
}

/// The tour's lessons and where the reader is in them.
pub struct TourState {
    pub lessons: Arc<Vec<crate::tui::tour::Lesson>>,
    /// Each lesson's event line.
    pub lines: Vec<u64>,
    /// Each lesson's what-if category, as an index of the workspace.
    pub(super) categories: Vec<Option<crate::workspace::CatIdx>>,
    pub progress: crate::tui::tour::Progress,
    /// Whether the first lesson has been entered (once the events are read).
    pub(super) started: bool,
}

impl TourState {
    pub fn new(tour: &crate::tui::tour::Tour) -> Self {
        let categories = tour
            .lessons
            .iter()
            .map(|l| {
                l.action
                    .category
                    .as_deref()
                    .and_then(|c| tour.workspace.lookup(c))
            })
            .collect();
        Self {
            lessons: Arc::new(tour.lessons.clone()),
            lines: tour.lines.clone(),
            categories,
            progress: crate::tui::tour::Progress::default(),
            started: false,
        }
    }

    pub fn lesson(&self) -> &crate::tui::tour::Lesson {
        &self.lessons[self.progress.lesson]
    }

    /// Whether the first lesson has been entered: its events are read.
    pub fn started(&self) -> bool {
        self.started
    }
}

/// How the UI reads its input, so that it can read it again under other settings.
#[derive(Clone)]
pub struct Reload {
    pub path: PathBuf,
    pub follow: bool,
    pub waker: Waker,
    /// What the status bar calls the input, and a row's place its file.
    pub label: String,
    pub file: String,
    pub har: Vec<crate::read::input::har::Call>,
    /// A HAR capture's requests: each store audits them under its own workspace.
    pub wire: Option<Arc<crate::read::wire::Timeline>>,
    pub demo: bool,
    pub max_events: usize,
    /// `Launch::capture`.
    pub capture: bool,
}

impl Reload {
    /// An empty store for `ws`, set up as the input asks.
    pub fn store(&self, ws: Arc<Workspace>) -> Store {
        let wire = self
            .wire
            .as_ref()
            .map(|t| crate::tui::store::WireRows::new(&ws, t.clone()));
        let mut store = Store::new(ws, self.label.clone(), self.demo, self.max_events);
        store.reset_on_truncate = self.capture;
        store.file.clone_from(&self.file);
        store.har.clone_from(&self.har);
        store.wire = wire;
        store
    }

    /// A store for `ws` that a reader of its own fills from the first line (each record in
    /// `translate`'s words, when given), and the flag that stops that reader.
    pub fn start(
        &self,
        ws: Arc<Workspace>,
        translate: Option<crate::workspace::dialect::Dialect>,
    ) -> (Shared, Arc<AtomicBool>) {
        let mut first = self.store(ws);
        first.translate = translate;
        let store = Arc::new(FairLock::new(first));
        let stop = Arc::new(AtomicBool::new(false));
        spawn_reader(
            self.path.clone(),
            self.follow,
            store.clone(),
            self.waker.clone(),
            stop.clone(),
        );
        (store, stop)
    }
}

/// The settings being edited, before Enter applies them.
pub struct Editor {
    pub draft: Workspace,
    /// The destination whose mapping the categories' boxes show.
    pub destination: usize,
    /// The row under the cursor: a category, or (one past the last) the consent model.
    pub cursor: usize,
}

/// A what-if in force: the store decided under the edited settings is `App::store`.
pub struct WorkspaceWhatIf {
    /// The store under the settings the UI started with.
    pub before: Shared,
    /// How the edited settings differ, a line each.
    pub changes: Vec<String>,
    /// Stops the reader of the edited store when this what-if ends.
    pub(super) stop: Arc<AtomicBool>,
    pub tally: Tally,
    /// A vendor comparison (`V`): the other vendor's rules, on the event in its words.
    pub vendor: Option<crate::workspace::dialect::Dialect>,
}

impl Drop for WorkspaceWhatIf {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// What the what-if changed, over the events both sides have read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// The event number compared up to (exclusive).
    pub compared: usize,
    /// Events with a changed route, and routes newly delivered and newly blocked.
    pub events: u64,
    pub delivered: u64,
    pub blocked: u64,
}

impl WorkspaceWhatIf {
    /// Counts the changes among the events both stores now hold.
    pub fn tally_up(&mut self, after: &Store) {
        let before = self
            .before
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let end = before.end().min(after.end());
        let from = self.tally.compared.max(before.first()).max(after.first());
        for n in from..end {
            if let (Some(b), Some(a)) = (before.row(n), after.row(n)) {
                let (delivered, blocked) = a.changes_from(b);
                self.tally.delivered += u64::from(delivered);
                self.tally.blocked += u64::from(blocked);
                self.tally.events += u64::from(delivered + blocked > 0);
            }
        }
        self.tally.compared = self.tally.compared.max(end);
    }
}
