//! The mouse, and moving within a pane: wheel, clicks on rows and titles, and list moves.

use super::{Action, App, Arrivals, Move, Pane, ROWS_START, Rect, Scroll, Store, UsersFocus};

/// The list move a key or wheel action makes.
pub(super) fn move_of(action: Action) -> Option<Move> {
    Some(match action {
        Action::Up => Move::Up,
        Action::Down => Move::Down,
        Action::PageUp => Move::PageUp,
        Action::PageDown => Move::PageDown,
        Action::Top => Move::Top,
        Action::Bottom => Move::Bottom,
        _ => return None,
    })
}

impl App {
    pub(super) fn mouse(&mut self, store: &Store, action: Action, len: usize) {
        match action {
            Action::Wheel { up, column, row } => {
                let m = if up { Move::WheelUp } else { Move::WheelDown };
                // The pane under the pointer scrolls; the focus stays where it is.
                if let Some(pane) = self.pane_at(column, row) {
                    self.move_in_pane(store, pane, m, len);
                }
            }
            Action::Click { column, row } => self.click(store, column, row, len),
            _ => {}
        }
    }

    /// The pane drawn at a place on the screen.
    pub(super) fn pane_at(&self, column: u16, row: u16) -> Option<Pane> {
        let a = self.areas();
        let pos = ratatui::layout::Position::new(column, row);
        if a.events.contains(pos) {
            Some(Pane::Events)
        } else if a.lower.contains(pos) {
            Some(self.lower)
        } else {
            None
        }
    }

    pub(super) fn move_in_pane(&mut self, store: &Store, pane: Pane, m: Move, len: usize) {
        let a = self.areas();
        match pane {
            Pane::Events => {
                self.event_list.apply(m, len, a.events_page());
                // Moving up pauses following; reaching the end (G, End) resumes it.
                if m.is_up() {
                    self.follow = false;
                } else if m == Move::Bottom {
                    self.follow = self.arrivals == Arrivals::Open;
                }
            }
            Pane::Detail => {
                let n = self.detail_rows(store).lines.len();
                let page = usize::from(a.lower_inner().height);
                self.detail_view.apply(m, n, page);
            }
            Pane::Users if self.users_focus == UsersFocus::Timeline => {
                let n = self.timeline_len(store);
                self.timeline.apply(m, n, a.users_page());
            }
            Pane::Users => {
                let before = self.user_list.selected;
                self.user_list.apply(m, self.users.len(), a.users_page());
                if self.user_list.selected != before {
                    self.timeline = Scroll::default();
                }
            }
            Pane::Destinations => {
                let n = store.workspace().destinations.len();
                self.dest_list.apply(m, n, a.destinations_page());
            }
        }
    }

    pub(super) fn click(&mut self, store: &Store, column: u16, row: u16, len: usize) {
        let a = self.areas();
        let pos = ratatui::layout::Position::new(column, row);
        let line_of = |area: Rect| row.checked_sub(area.y + ROWS_START).map(usize::from);
        // A click on a title focuses its pane (in the lower pane's, the tab under it).
        if a.lower.contains(pos) && row == a.lower.y {
            if let Some(p) = crate::tui::layout::tab_at(a.lower, column) {
                self.focus(p);
            }
            return;
        }
        if a.events.contains(pos) {
            self.pane = Pane::Events;
            if let Some(p) = line_of(a.events).and_then(|l| self.event_list.at_line(l, len)) {
                self.event_list.selected = p;
                self.follow = false;
            }
        } else if a.lower.contains(pos) {
            self.pane = self.lower;
            let line = line_of(a.lower);
            match self.lower {
                Pane::Users => {
                    let n = self.users.len();
                    if let Some(p) = line.and_then(|l| self.user_list.at_line(l, n)) {
                        self.user_list.selected = p;
                    }
                }
                Pane::Destinations => {
                    let n = store.workspace().destinations.len();
                    if let Some(p) = line.and_then(|l| self.dest_list.at_line(l, n)) {
                        self.dest_list.selected = p;
                    }
                }
                _ => {
                    let inner = a.lower_inner();
                    if let Some(l) = row.checked_sub(inner.y) {
                        let n = self.detail_rows(store).lines.len();
                        let at = self.detail_view.offset + usize::from(l);
                        if at < n {
                            self.detail_view.selected = at;
                        }
                    }
                }
            }
        }
    }
}
