//! Users: each profile's consent per category as a grid; the selected one's ids and history.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Paragraph, Row, Table, Wrap};

use crate::profile::ConsentState;
use crate::text::printable;

use super::{Theme, lower_title};
use crate::tui::app::{App, Pane};
use crate::tui::store::Store;

fn cell(state: ConsentState, theme: Theme) -> Span<'static> {
    match state {
        ConsentState::Granted => Span::styled("✓", theme.ok()),
        ConsentState::Denied => Span::styled("✗", theme.error()),
        ConsentState::Conflict => Span::styled("≠", theme.warning()),
        ConsentState::NeverCollected => Span::styled("·", theme.dim()),
    }
}

/// Terminals at least this wide show the selected user's ids and history beside the grid;
/// narrower ones, below it.
const SIDE_BY_SIDE_WIDTH: u16 = 96;

/// The grid and the selected user's side panel, within the pane's border.
pub fn split(inner: Rect) -> (Rect, Rect) {
    if inner.width >= SIDE_BY_SIDE_WIDTH {
        let [g, _, s] = Layout::horizontal([
            Constraint::Percentage(55),
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

pub fn draw(frame: &mut Frame, area: Rect, app: &App, store: &Store, theme: Theme) {
    let block = Block::bordered()
        .title(lower_title(app, theme))
        .border_style(theme.border(app.pane == Pane::Users));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let (grid_area, side) = split(inner);
    let ws = store.workspace();
    let profiles = store.engine.profiles();
    let page = usize::from(grid_area.height.saturating_sub(super::HEADER_LINES));
    let shown = app.user_list.visible(app.users.len(), page);
    let rows: Vec<Row> = app
        .users
        .iter()
        .enumerate()
        .skip(shown.start)
        .take(shown.len())
        .map(|(i, &u)| {
            let p = profiles.profile(u);
            let mut cells = vec![Cell::from(printable(profiles.label(u)).into_owned())];
            for c in 0..ws.categories.len() {
                let s = p
                    .consent
                    .as_ref()
                    .map_or(ConsentState::NeverCollected, |v| v[c]);
                cells.push(Cell::from(cell(s, theme)));
            }
            cells.push(Cell::from(p.events.to_string()));
            let row = Row::new(cells);
            if i == app.user_list.selected {
                row.style(theme.selected())
            } else {
                row
            }
        })
        .collect();
    let mut header = vec![Cell::from(format!("USER ({})", app.users.len()))];
    header.extend(
        ws.categories
            .iter()
            .map(|c| Cell::from(printable(&c.id).into_owned())),
    );
    header.push(Cell::from("EVENTS"));
    let mut widths = vec![Constraint::Min(12)];
    widths.extend(
        ws.categories
            .iter()
            .map(|c| Constraint::Length(c.id.chars().count().max(1) as u16)),
    );
    widths.push(Constraint::Length(6));
    frame.render_widget(
        Table::new(rows, widths).header(Row::new(header).style(theme.bold())),
        grid_area,
    );

    let mut lines = Vec::new();
    if let Some(&u) = app.users.get(app.user_list.selected) {
        let p = profiles.profile(u);
        lines.push(Line::from(Span::styled(
            format!("{}", printable(profiles.label(u))),
            theme.bold(),
        )));
        let ids: Vec<String> = p
            .members
            .iter()
            .map(|m| printable(profiles.name(*m)).into_owned())
            .collect();
        lines.push(Line::from(format!("ids: {}", ids.join(", "))));
        lines.push(Line::from(Span::styled(
            "✓ true ✗ false ≠ conflict · never collected",
            theme.dim(),
        )));
        lines.push(Line::from(Span::styled(
            "History (Enter filters events to this user)",
            theme.bold(),
        )));
        if p.history.is_empty() {
            lines.push(Line::from(Span::styled(
                "no consent recorded yet",
                theme.dim(),
            )));
        }
        for h in p.history.iter().rev() {
            let states: Vec<Span> = h.consent.iter().map(|s| cell(*s, theme)).collect();
            let mut spans = vec![Span::raw(format!("line {:<5} ", h.line))];
            spans.extend(states);
            spans.push(Span::raw(format!(" {}", h.describe(ws))));
            lines.push(Line::from(spans));
        }
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), side);
}
