//! The events list: one row per event, only the visible ones built.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Row, Table};

use crate::text::printable;

use super::Theme;
use crate::tui::app::{App, Pane};
use crate::tui::filter::Term;
use crate::tui::store::{Status, Store};

/// The pane's title: the event count, the single-key filters with how many events each
/// lists (marked when in force), and the whole filter when it is more than one of those.
fn title(app: &App, store: &Store, theme: Theme) -> Line<'static> {
    let c = store.counts;
    let mut title = vec![
        Span::styled(" Events ", theme.bold()),
        Span::raw(format!("{} ", c.events)),
        Span::styled("│ ", theme.dim()),
    ];
    let chips = [
        (
            "e",
            Term::NotIngested,
            "not ingested",
            c.not_ingested,
            theme.error(),
        ),
        (
            "w",
            Term::Warnings,
            "with warnings",
            c.warnings,
            theme.warning(),
        ),
        (
            "b",
            Term::Blocked,
            "blocked",
            c.blocked_events,
            theme.accent(),
        ),
    ];
    for (key, term, label, n, style) in &chips {
        let s = if app.filter.has(term) {
            theme.chosen(*style)
        } else {
            *style
        };
        title.push(Span::styled(format!("{key} {label} {n}"), s));
        title.push(Span::raw("  "));
    }
    let only_a_chip = app.filter.terms.len() == 1 && chips.iter().any(|c| app.filter.has(&c.1));
    if !app.filter.is_all() && !only_a_chip {
        title.push(Span::styled(
            format!(
                "filter: {} ({}{}) ",
                app.filter.describe(store),
                app.len(store),
                if app.filter_done(store) { "" } else { "…" }
            ),
            theme.chosen(theme.accent()),
        ));
    }
    Line::from(title)
}

/// A separator where the file was truncated or replaced: the rows above are the previous
/// file's, and line numbers restart below.
fn boundary(
    r: &crate::tui::store::Row,
    store: &Store,
    theme: Theme,
    selected: bool,
) -> Row<'static> {
    let text = format!("──── {} ────", printable(store.name(r.name)));
    let style = if selected {
        theme.accent().patch(theme.selected())
    } else {
        theme.accent()
    };
    Row::new(vec![
        Cell::from("────────"),
        Cell::from("────────"),
        Cell::from(text),
    ])
    .style(style)
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App, store: &Store, theme: Theme) {
    let focused = app.pane == Pane::Events;
    let block = Block::bordered()
        .title(title(app, store, theme))
        .border_style(theme.border(focused));
    let page = usize::from(
        area.height
            .saturating_sub(super::BORDER_LINES + super::HEADER_LINES),
    );
    let len = app.len(store);
    let mut last_date = None;
    let rows: Vec<Row> = app
        .event_list
        .visible(len, page)
        .map(|pos| {
            let idx = app.row_at(pos);
            let Some(r) = store.row(idx) else {
                return Row::new(Vec::<Cell>::new());
            };
            if !r.is_event() {
                return boundary(r, store, theme, pos == app.event_list.selected);
            }
            let line = match r.index() {
                Some(i) => format!("{}[{i}]", r.line()),
                None => r.line().to_string(),
            };
            // One zone for every row; the date where it changes from the row above.
            let time = r.time().map_or_else(String::new, |t| {
                let at = t.to_zoned_datetime(app.zone.clone());
                let date = at.date();
                let shown = if last_date == Some(date) {
                    at.strftime("%H:%M:%S").to_string()
                } else {
                    at.strftime("%m-%d %H:%M:%S").to_string()
                };
                last_date = Some(date);
                shown
            });
            let what = match (r.kind(), store.name(r.name)) {
                (Some(k), "") => k.as_str().to_owned(),
                (Some(k), n) => format!("{} {}", k.as_str(), printable(n)),
                (None, n) => printable(n).into_owned(),
            };
            let user = printable(store.name(r.user)).into_owned();
            let (mark, style) = match r.status {
                Status::Ok | Status::Boundary => ("●", theme.ok()),
                Status::Warnings => ("▲", theme.warning()),
                Status::NotIngested => ("✗", theme.error()),
            };
            let routes = if r.status == Status::NotIngested {
                "not ingested".to_owned()
            } else {
                format!("✓{} ✗{}", r.delivered, r.blocked)
            };
            let found = if app.is_match(idx) { "◆" } else { " " };
            let row_style = match r.status {
                Status::Ok | Status::Boundary => theme.plain(),
                Status::Warnings => theme.warning(),
                Status::NotIngested => theme.error(),
            };
            let mut row = Row::new(vec![
                Cell::from(format!("{found}{line}")),
                Cell::from(time),
                Cell::from(what),
                Cell::from(user),
                Cell::from(Span::styled(mark, style)),
                Cell::from(routes),
            ])
            .style(row_style);
            if pos == app.event_list.selected {
                row = row.style(row_style.patch(theme.selected()));
            }
            row
        })
        .collect();
    let zone = if app.zone == jiff::tz::TimeZone::UTC {
        "TIME UTC"
    } else {
        "TIME LOCAL"
    };
    let header = Row::new(["  LINE", zone, "EVENT", "USER", "", "ROUTES"]).style(theme.bold());
    let table = Table::new(
        rows,
        [
            Constraint::Length(8),
            Constraint::Length(14),
            Constraint::Fill(2),
            Constraint::Fill(1),
            Constraint::Length(1),
            Constraint::Length(12),
        ],
    )
    .header(header)
    .block(block);
    frame.render_widget(table, area);
}
