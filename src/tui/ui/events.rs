//! The events list: one row per event, only the visible ones built.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Row, Table};

use crate::text::printable;

use super::Theme;
use crate::tui::app::{App, Filter, Pane};
use crate::tui::store::{Status, Store};

pub fn filter_label(f: Filter, store: &Store) -> String {
    match f {
        Filter::All => "all events".into(),
        Filter::NotIngested => "not ingested".into(),
        Filter::Warnings => "with warnings".into(),
        Filter::Blocked => "blocked for any destination".into(),
        Filter::Destination(d) => format!(
            "blocked for {}",
            printable(&store.workspace().destinations[d].name)
        ),
        Filter::User(u) => format!("user {}", printable(store.engine.profiles().label(u))),
    }
}

/// The pane's title: the event count and each filter with how many events it lists.
fn title(app: &App, store: &Store, theme: Theme) -> Line<'static> {
    let mut title = vec![
        Span::styled(" Events ", theme.bold()),
        Span::raw(format!("{} ", store.counts.events)),
        Span::styled("│ ", theme.dim()),
    ];
    for (key, f, style) in [
        ("e", Filter::NotIngested, theme.error()),
        ("w", Filter::Warnings, theme.warning()),
        ("b", Filter::Blocked, theme.accent()),
    ] {
        let label = format!(
            "{key} {} {}",
            filter_label(f, store).replace(" for any destination", ""),
            app.count(store, f)
        );
        let s = if app.filter == f {
            theme.chosen(style)
        } else {
            style
        };
        title.push(Span::styled(label, s));
        title.push(Span::raw("  "));
    }
    if !matches!(
        app.filter,
        Filter::All | Filter::NotIngested | Filter::Warnings | Filter::Blocked
    ) {
        title.push(Span::styled(
            format!(
                "filter: {} ({}) ",
                filter_label(app.filter, store),
                app.len(store)
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
