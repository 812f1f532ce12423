//! Drawing: one file per screen region, each drawing from `&App` and `&Store` only.

pub mod charts;
mod destinations;
pub mod detail;
pub mod events;
mod help;
pub mod json;
mod lesson;
pub mod rule;
mod status;
mod users;
mod workspace;
mod wrap;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::widgets::Block;

use super::app::{App, Pane};
use super::store::Store;

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
        let (grid, _) = users::split(Block::bordered().inner(self.lower), 0);
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

/// Every colour the UI uses, by the name the config file gives it (`[colors]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Palette {
    pub error: Color,
    pub warning: Color,
    pub ok: Color,
    pub accent: Color,
    pub key: Color,
    pub string: Color,
    pub number: Color,
    pub paused_fg: Color,
    pub paused_bg: Color,
}

impl Palette {
    /// The terminal's own palette colours, as they read on a dark background.
    pub const DARK: Self = Self {
        error: Color::Red,
        warning: Color::Yellow,
        ok: Color::Green,
        accent: Color::Cyan,
        key: Color::Magenta,
        string: Color::Green,
        number: Color::Blue,
        paused_fg: Color::Black,
        paused_bg: Color::Yellow,
    };

    /// For a light background: yellow, cyan and bright green wash out on white, so those
    /// roles take darker colours from the 256-colour cube.
    pub const LIGHT: Self = Self {
        error: Color::Red,
        warning: Color::Indexed(136),
        ok: Color::Indexed(28),
        accent: Color::Blue,
        key: Color::Magenta,
        string: Color::Indexed(28),
        number: Color::Blue,
        paused_fg: Color::White,
        paused_bg: Color::Indexed(136),
    };

    /// Each colour's config name and a way to reach it, in the order `config --print` lists
    /// them.
    pub fn roles(&mut self) -> [(&'static str, &mut Color); 9] {
        [
            ("error", &mut self.error),
            ("warning", &mut self.warning),
            ("ok", &mut self.ok),
            ("accent", &mut self.accent),
            ("key", &mut self.key),
            ("string", &mut self.string),
            ("number", &mut self.number),
            ("paused_fg", &mut self.paused_fg),
            ("paused_bg", &mut self.paused_bg),
        ]
    }
}

/// Styles from a palette (the built-in dark or light one, or the config file's), or plain
/// modifiers when colour is off (`--color never`, `NO_COLOR`).
#[derive(Debug, Clone, Copy)]
pub struct Theme {
    pub color: bool,
    pub palette: Palette,
}

impl Theme {
    /// The built-in dark theme in colour.
    pub const DARK: Self = Self {
        color: true,
        palette: Palette::DARK,
    };

    /// Modifiers only.
    pub const MONOCHROME: Self = Self {
        color: false,
        palette: Palette::DARK,
    };

    fn fg(self, c: Color) -> Style {
        if self.color {
            Style::new().fg(c)
        } else {
            Style::new()
        }
    }
    pub fn error(self) -> Style {
        self.fg(self.palette.error).add_modifier(if self.color {
            Modifier::empty()
        } else {
            Modifier::BOLD
        })
    }
    pub fn warning(self) -> Style {
        self.fg(self.palette.warning)
    }
    pub fn ok(self) -> Style {
        self.fg(self.palette.ok)
    }
    pub fn accent(self) -> Style {
        self.fg(self.palette.accent)
    }
    pub fn dim(self) -> Style {
        Style::new().add_modifier(Modifier::DIM)
    }
    pub fn bold(self) -> Style {
        Style::new().add_modifier(Modifier::BOLD)
    }
    pub fn selected(self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED)
    }

    pub fn key(self) -> Style {
        self.fg(self.palette.key).add_modifier(Modifier::BOLD)
    }
    pub fn string(self) -> Style {
        self.fg(self.palette.string)
    }
    pub fn number(self) -> Style {
        self.fg(self.palette.number)
    }
    /// Text with no style of its own.
    pub fn plain(self) -> Style {
        Style::new()
    }
    /// A section heading in the detail pane.
    pub fn heading(self) -> Style {
        self.bold().add_modifier(Modifier::UNDERLINED)
    }
    /// `style`, marked as the chosen one (the active filter, the selected tab).
    pub fn chosen(self, style: Style) -> Style {
        style.add_modifier(Modifier::REVERSED)
    }
    /// A JSON key on a line that holds a finding's path.
    pub fn marked_key(self) -> Style {
        self.error().add_modifier(Modifier::BOLD)
    }
    pub fn following(self) -> Style {
        self.ok().add_modifier(Modifier::BOLD)
    }
    /// Paused: it must be impossible to miss.
    pub fn paused(self) -> Style {
        if self.color {
            Style::new()
                .fg(self.palette.paused_fg)
                .bg(self.palette.paused_bg)
                .add_modifier(Modifier::BOLD)
        } else {
            self.badge()
        }
    }
    /// A label set apart, like DEMO.
    pub fn badge(self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD)
    }
    pub fn border(self, focused: bool) -> Style {
        if focused {
            self.accent().add_modifier(Modifier::BOLD)
        } else {
            Style::new()
        }
    }
}

pub fn draw(frame: &mut Frame, app: &App, store: &Store, theme: Theme) {
    let a = areas(frame.area(), app.zoomed(), app.tour.is_some());
    if app.screen == super::app::View::Charts {
        charts::draw(frame, a.events.union(a.lower), app, store, theme);
    } else {
        panes(frame, &a, app, store, theme);
    }
    if !a.lesson.is_empty() {
        lesson::draw(frame, a.lesson, app, store, theme);
    }
    status::draw(frame, a.status, app, store, theme);
    if let Some(e) = &app.editor {
        workspace::draw(frame, frame.area(), e, &app.original_workspace(), theme);
    }
    // Overlays keep the status bar in view: it says what the screen is in.
    let above_status = Rect {
        height: frame.area().height.saturating_sub(a.status.height),
        ..frame.area()
    };
    match app.overlay {
        Some(super::app::Overlay::Help) => help::draw(frame, above_status, &app.keys, theme),
        Some(super::app::Overlay::Rule { text, offset }) => {
            rule::draw(frame, above_status, text, offset, &app.keys, theme);
        }
        None => {}
    }
}

/// The events and the pane below them.
fn panes(frame: &mut Frame, a: &Areas, app: &App, store: &Store, theme: Theme) {
    if !a.events.is_empty() {
        events::draw(frame, a.events, app, store, theme);
    }
    if !a.lower.is_empty() {
        match app.lower {
            Pane::Users => users::draw(frame, a.lower, app, store, theme),
            Pane::Destinations => destinations::draw(frame, a.lower, app, store, theme),
            _ => detail::draw(frame, a.lower, app, store, theme),
        }
    }
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
const TABS: [Pane; 3] = [Pane::Detail, Pane::Users, Pane::Destinations];

/// The tab strip in a lower pane's title: which panes there are, which is shown.
fn lower_title(app: &App, theme: Theme) -> ratatui::text::Line<'static> {
    use ratatui::text::{Line, Span};
    let mut spans = vec![Span::raw(" ")];
    for p in TABS {
        let style = if p == app.lower {
            theme.heading()
        } else {
            theme.dim()
        };
        spans.push(Span::styled(p.title(), style));
        spans.push(Span::raw(" "));
    }
    spans.push(Span::styled("(Tab) ", theme.dim()));
    Line::from(spans)
}

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
