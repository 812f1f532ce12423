//! Drawing: one file per screen region, each drawing from `&App` and `&Store` only.

mod destinations;
mod detail;
mod events;
mod help;
pub mod json;
mod status;
mod users;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};

use super::app::{App, Pane};
use super::store::Store;

/// Where each region goes; used by drawing and by mouse handling alike.
pub struct Areas {
    pub events: Rect,
    pub lower: Rect,
    pub status: Rect,
}

impl Areas {
    /// Rows of events that fit: the pane less its border and header.
    pub fn events_body_height(&self) -> usize {
        self.events.height.saturating_sub(3) as usize
    }
}

pub fn areas(r: Rect) -> Areas {
    let [main, status] = Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(r);
    let events_h = (main.height * 45 / 100).max(6).min(main.height);
    let [events, lower] =
        Layout::vertical([Constraint::Length(events_h), Constraint::Min(0)]).areas(main);
    Areas {
        events,
        lower,
        status,
    }
}

/// The first row to show so that `selected` is on a page of `page` rows (lists whose scroll
/// position is not kept in the model).
pub fn first_visible(selected: usize, page: usize) -> usize {
    selected.saturating_sub(page.saturating_sub(1))
}

/// Styles, readable on dark and light terminals (the terminal's own palette colours), or plain
/// modifiers when `NO_COLOR` is set.
#[derive(Clone, Copy)]
pub struct Theme {
    pub color: bool,
}

impl Theme {
    fn fg(self, c: Color) -> Style {
        if self.color {
            Style::new().fg(c)
        } else {
            Style::new()
        }
    }
    pub fn error(self) -> Style {
        self.fg(Color::Red).add_modifier(if self.color {
            Modifier::empty()
        } else {
            Modifier::BOLD
        })
    }
    pub fn warning(self) -> Style {
        self.fg(Color::Yellow)
    }
    pub fn ok(self) -> Style {
        self.fg(Color::Green)
    }
    pub fn accent(self) -> Style {
        self.fg(Color::Cyan)
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
        self.fg(Color::Magenta).add_modifier(Modifier::BOLD)
    }
    pub fn string(self) -> Style {
        self.fg(Color::Green)
    }
    pub fn number(self) -> Style {
        self.fg(Color::Blue)
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
    let a = areas(frame.area());
    events::draw(frame, a.events, app, store, theme);
    match app.lower {
        Pane::Users => users::draw(frame, a.lower, app, store, theme),
        Pane::Destinations => destinations::draw(frame, a.lower, app, store, theme),
        _ => detail::draw(frame, a.lower, app, store, theme),
    }
    status::draw(frame, a.status, app, store, theme);
    if app.help {
        help::draw(frame, frame.area(), theme);
    }
}

/// The tab strip in a lower pane's title: which panes there are, which is shown.
fn lower_title(app: &App, theme: Theme) -> ratatui::text::Line<'static> {
    use ratatui::text::{Line, Span};
    let mut spans = vec![Span::raw(" ")];
    for p in [Pane::Detail, Pane::Users, Pane::Destinations] {
        let style = if p == app.lower {
            theme.bold().add_modifier(Modifier::UNDERLINED)
        } else {
            theme.dim()
        };
        spans.push(Span::styled(p.title(), style));
        spans.push(Span::raw(" "));
    }
    spans.push(Span::styled("(Tab) ", theme.dim()));
    Line::from(spans)
}
