//! One way to scroll a list: the selected position and the first visible one, both kept in
//! the model, as ratatui's `TableState` keeps them, so drawing, paging and mouse clicks agree.
//! Unlike a `TableState`, the lists build only their visible rows, so a million events cost
//! one page to draw.

use std::ops::Range;

/// Rows one notch of the mouse wheel moves.
pub const WHEEL_ROWS: usize = 3;

/// How a key or the wheel moves the selection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Move {
    Up,
    Down,
    PageUp,
    PageDown,
    WheelUp,
    WheelDown,
    Top,
    Bottom,
}

impl Move {
    /// Whether the move goes towards the start (which pauses following the events).
    pub fn is_up(self) -> bool {
        matches!(self, Move::Up | Move::PageUp | Move::WheelUp | Move::Top)
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Scroll {
    pub selected: usize,
    /// The first visible position.
    pub offset: usize,
}

impl Scroll {
    /// Moves the selection within `len` rows shown `page` at a time.
    pub fn apply(&mut self, m: Move, len: usize, page: usize) {
        let last = len.saturating_sub(1);
        let sel = self.selected;
        self.selected = match m {
            Move::Up => sel.saturating_sub(1),
            Move::Down => (sel + 1).min(last),
            Move::WheelUp => sel.saturating_sub(WHEEL_ROWS),
            Move::WheelDown => (sel + WHEEL_ROWS).min(last),
            Move::PageUp => sel.saturating_sub(page),
            Move::PageDown => (sel + page).min(last),
            Move::Top => 0,
            Move::Bottom => last,
        };
        self.fit(len, page);
    }

    /// Keeps the selection within `len` rows and on the visible page.
    pub fn fit(&mut self, len: usize, page: usize) {
        let page = page.max(1);
        self.selected = self.selected.min(len.saturating_sub(1));
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + page {
            self.offset = self.selected + 1 - page;
        }
        self.offset = self.offset.min(len.saturating_sub(page));
    }

    /// Rows that left the top of the list: everything moves up by `n`.
    pub fn shift_up(&mut self, n: usize) {
        self.selected = self.selected.saturating_sub(n);
        self.offset = self.offset.saturating_sub(n);
    }

    /// The positions on the visible page.
    pub fn visible(&self, len: usize, page: usize) -> Range<usize> {
        self.offset.min(len)..len.min(self.offset + page)
    }

    /// The visible page as `visible` gives it, moved just enough to show the selection: for
    /// a view whose page is smaller than the one the moves were made for (the charts show
    /// fewer destinations than the Destinations pane).
    pub fn window(&self, len: usize, page: usize) -> Range<usize> {
        let page = page.max(1);
        let offset = if self.selected < self.offset {
            self.selected
        } else if self.selected >= self.offset + page {
            self.selected + 1 - page
        } else {
            self.offset
        };
        offset.min(len)..len.min(offset + page)
    }

    /// The position shown on `line` of the page (0 is the first row), if there is one.
    pub fn at_line(&self, line: usize, len: usize) -> Option<usize> {
        let pos = self.offset + line;
        (pos < len).then_some(pos)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_smaller_window_follows_the_selection() {
        let mut s = Scroll::default();
        for _ in 0..7 {
            s.apply(Move::Down, 10, 10);
        }
        assert_eq!(s.visible(10, 6), 0..6);
        assert_eq!(s.window(10, 6), 2..8);
        s.apply(Move::Top, 10, 10);
        assert_eq!(s.window(10, 6), 0..6);
    }

    #[test]
    fn moves_keep_the_selection_on_the_page() {
        let mut s = Scroll::default();
        s.apply(Move::Bottom, 100, 10);
        assert_eq!(
            s,
            Scroll {
                selected: 99,
                offset: 90
            }
        );
        s.apply(Move::PageUp, 100, 10);
        assert_eq!(
            s,
            Scroll {
                selected: 89,
                offset: 89
            }
        );
        s.apply(Move::WheelDown, 100, 10);
        assert_eq!((s.selected, s.visible(100, 10)), (92, 89..99));
        assert_eq!(s.at_line(3, 100), Some(92));
        assert_eq!(s.at_line(20, 95), None);
        s.shift_up(95);
        s.fit(5, 10);
        assert_eq!(
            s,
            Scroll {
                selected: 0,
                offset: 0
            }
        );
        s.apply(Move::Up, 0, 10);
        assert_eq!(s.visible(0, 10), 0..0);
    }
}
