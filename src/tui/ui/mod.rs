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
mod wire;
mod workspace;
mod wrap;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};

use super::app::action::{Overlay, Pane, View};
use super::app::state::App;
use super::layout::{Areas, TABS, areas};
pub use super::layout::{BORDER_LINES, HEADER_LINES, centered};
use super::store::Store;

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
    if app.screen == View::Charts {
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
        Some(Overlay::Help) => {
            help::draw(frame, above_status, &app.keys, theme);
        }
        Some(Overlay::Rule { text, offset }) => {
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
