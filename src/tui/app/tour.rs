//! The guided tour: where the reader is, and whether what they did is what the lesson asked.

use super::{Action, App, Filter, Pane, Store, WhatIf};

impl App {
    /// In the tour, → and ← (the timeline actions, whatever keys they have) move between
    /// lessons; true when `action` did.
    pub(super) fn tour_step(&mut self, action: Action) -> bool {
        let Some(t) = &self.tour else { return false };
        if self.overlay.is_some() || self.prompt.is_some() {
            return false;
        }
        let at = t.progress.lesson;
        let to = match action {
            Action::IntoTimeline if at + 1 < t.lessons.len() => at + 1,
            Action::OutOfTimeline if at > 0 => at - 1,
            Action::IntoTimeline | Action::OutOfTimeline => return true,
            _ => return false,
        };
        // A lesson's vendor comparison ends with it: the next lesson is about Segment's rules.
        if self
            .workspace_what_if
            .as_ref()
            .is_some_and(|w| w.vendor.is_some())
        {
            self.drop_what_if();
        }
        let store_arc = self.store.clone();
        let store = store_arc
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        self.enter_lesson(&store, to);
        true
    }

    /// Selects the lesson's event, with the detail below it, no filter, and the what-if
    /// category the lesson asks about chosen.
    pub(super) fn enter_lesson(&mut self, store: &Store, at: usize) {
        let Some(t) = &mut self.tour else { return };
        t.progress = crate::tui::tour::Progress {
            lesson: at,
            done: false,
        };
        t.started = true;
        let (line, category) = (t.lines[at], t.categories[at]);
        self.set_filter(store, Filter::default());
        self.overlay = None;
        self.go_to_line(store, line);
        self.pane = Pane::Events;
        self.lower = Pane::Detail;
        self.what_if = WhatIf {
            category: category.unwrap_or(0),
            value: None,
        };
        let len = self.len(store);
        self.fit_lists(store, len);
        self.refresh_detail(store);
    }

    /// Whether the reader did what the lesson asked: the what-if it names, or its action.
    pub(super) fn tour_check(&mut self, action: Action) {
        let what_if = self.what_if;
        // `V` counts once the comparison is on (it needs an input it can read again).
        let compared = self
            .workspace_what_if
            .as_ref()
            .is_some_and(|w| w.vendor.is_some());
        let Some(t) = &mut self.tour else { return };
        let at = t.progress.lesson;
        let asked = &t.lessons[at].action;
        let done = match asked.trial() {
            Some(trial) => {
                what_if.value == Some(trial) && t.categories[at] == Some(what_if.category)
            }
            None => {
                asked.action() == Some(action) && (action != Action::CompareVendors || compared)
            }
        };
        if done {
            t.progress.done = true;
            // The result talks about a pane: it is shown below, one Tab away.
            if let Some(p) = t.lessons[at].show.as_deref().and_then(Pane::named) {
                self.lower = p;
            }
        }
    }
}
