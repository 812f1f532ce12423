//! Where each region of the screen goes, at a size: used by drawing (`ui`) and by the model
//! (`app`: paging, the mouse) alike, so that neither asks the other.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::widgets::Block;

use super::app::action::Pane;

/// Lines a bordered block takes from its area: the top and the bottom border.
pub const BORDER_LINES: u16 = 2;
/// Lines a table's header takes.
pub const HEADER_LINES: u16 = 1;
/// Lines from the top of a bordered table to its first row: the border and the header.
pub const ROWS_START: u16 = 1 + HEADER_LINES;
/// The share of the screen's height the events take, and the least they take.
const EVENTS_PERCENT: u16 = 45;
const EVENTS_MIN_LINES: u16 = 6;
/// From this many columns the events show a column per destination (unless `m` says not).
pub const WIDE: u16 = 160;

/// Where each region goes; used by drawing and by the model (paging, mouse) alike.
pub struct Areas {
    pub events: Rect,
    pub lower: Rect,
    /// The tour's lesson, above the status bar (empty outside the tour).
    pub lesson: Rect,
    pub status: Rect,
}

/// The lesson panel's height: its border, the route, three lines of text, the source and the
/// invitation (or the result).
pub const LESSON_LINES: u16 = 10;

/// Rows of a bordered table with a header that fit in `area` (at least one).
fn table_rows(area: Rect) -> usize {
    usize::from(area.height.saturating_sub(BORDER_LINES + HEADER_LINES)).max(1)
}

impl Areas {
    /// Rows of events that fit: the pane less its border and header.
    pub fn events_page(&self) -> usize {
        table_rows(self.events)
    }

    /// Rows of the users' grid that fit in the lower pane.
    pub fn users_page(&self) -> usize {
        // Only the height matters here, and the grid's width does not change it.
        let (grid, _) = users_split(Block::bordered().inner(self.lower), 0);
        usize::from(grid.height.saturating_sub(HEADER_LINES)).max(1)
    }

    /// The lower pane inside its border: where the detail's text goes.
    pub fn lower_inner(&self) -> Rect {
        Block::bordered().inner(self.lower)
    }

    /// Rows of destinations that fit in the lower pane.
    pub fn destinations_page(&self) -> usize {
        table_rows(self.lower)
    }
}

/// The screen, top to bottom:
///
/// ```text
/// ┌ Events ───────────────────────────────┐  45% of the height, at least 6 lines
/// │ LINE TIME EVENT USER ROUTES           │
/// │ ...                                   │
/// └───────────────────────────────────────┘
/// ┌ Detail Users Destinations (Tab) ──────┐  the rest: the pane shown below the events
/// │ ...                                   │
/// └───────────────────────────────────────┘
///  status bar                                 1 line
/// ```
///
/// Zoomed, the focused pane takes both (the other gets no lines).
pub fn areas(r: Rect, zoomed: Option<Pane>, tour: bool) -> Areas {
    let lesson_h = if tour {
        LESSON_LINES.min(r.height.saturating_sub(8))
    } else {
        0
    };
    let [main, lesson, status] = Layout::vertical([
        Constraint::Min(1),
        Constraint::Length(lesson_h),
        Constraint::Length(1),
    ])
    .areas(r);
    let none = Rect::new(main.x, main.y, main.width, 0);
    match zoomed {
        Some(Pane::Events) => {
            return Areas {
                events: main,
                lower: none,
                lesson,
                status,
            };
        }
        Some(_) => {
            return Areas {
                events: none,
                lower: main,
                lesson,
                status,
            };
        }
        None => {}
    }
    let events_h = (main.height * EVENTS_PERCENT / 100)
        .max(EVENTS_MIN_LINES)
        .min(main.height);
    let [events, lower] =
        Layout::vertical([Constraint::Length(events_h), Constraint::Min(0)]).areas(main);
    Areas {
        events,
        lower,
        lesson,
        status,
    }
}

/// The chart view's columns for a destination's name, a side (before, after) and its counts.
pub const NAME: usize = 18;
pub const SIDE: usize = 7;
pub const COUNTS: usize = 15;

/// Columns the sparklines take at a screen `width`: the same whatever the names, so that
/// the model can bucket the events before drawing.
pub fn buckets(width: u16) -> usize {
    let inner = usize::from(width.saturating_sub(2));
    (inner.saturating_sub(NAME + SIDE + COUNTS + 4) * 2 / 5).max(8)
}

/// Terminals at least this wide show the selected user's ids and history beside the grid;
/// narrower ones, below it.
pub const SIDE_BY_SIDE_WIDTH: u16 = 96;
/// Columns the timeline keeps beside the grid.
const TIMELINE_MIN: u16 = 40;

/// The grid and the selected user's side panel, within the pane's border. Side by side, the
/// grid takes the width it needs (leaving the timeline at least `TIMELINE_MIN` columns) and
/// the timeline the rest, so zoomed it grows.
pub fn users_split(inner: Rect, grid_width: u16) -> (Rect, Rect) {
    if inner.width >= SIDE_BY_SIDE_WIDTH {
        let most = inner.width.saturating_sub(TIMELINE_MIN + 2);
        let [g, _, s] = Layout::horizontal([
            Constraint::Length(grid_width.min(most)),
            Constraint::Length(2),
            Constraint::Fill(1),
        ])
        .areas(inner);
        (g, s)
    } else {
        let below = (inner.height / 2).max(3);
        let [g, s] =
            Layout::vertical([Constraint::Fill(1), Constraint::Length(below)]).areas(inner);
        (g, s)
    }
}

/// The rules popup's width: wide enough for the document's paragraphs, narrow enough to read.
const RULE_WIDTH: u16 = 100;

/// Where the popup goes on a screen of `area`.
pub fn rule_popup(area: Rect) -> Rect {
    centered(area, RULE_WIDTH, area.height.saturating_sub(2).max(3))
}

/// A popup of `width` x `height` (each at most the screen's) in the middle of `area`.
pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let [v] = Layout::vertical([Constraint::Length(height.min(area.height))])
        .flex(ratatui::layout::Flex::Center)
        .areas(area);
    let [popup] = Layout::horizontal([Constraint::Length(width.min(area.width))])
        .flex(ratatui::layout::Flex::Center)
        .areas(v);
    popup
}

/// The lower panes in their tab strip, in order.
pub const TABS: [Pane; 3] = [Pane::Detail, Pane::Users, Pane::Destinations];

/// The tab at `column` of the lower pane's title row, as `lower_title` lays it out after the
/// border's corner.
pub fn tab_at(lower: Rect, column: u16) -> Option<Pane> {
    let mut x = lower.x + 2;
    for p in TABS {
        let end = x + p.title().len() as u16;
        if (x..end).contains(&column) {
            return Some(p);
        }
        x = end + 1;
    }
    None
}
