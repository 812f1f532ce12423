//! Users: each profile's consent per category as a grid; the selected one's ids and history.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Paragraph, Row, Table};

use crate::profile::{ConsentState, IdentityId};
use crate::text::printable;

use super::wrap::wrap;
use super::{Theme, lower_title};
use crate::tui::app::{App, Pane, UsersFocus};
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
    let in_timeline = app.pane == Pane::Users && app.users_focus == UsersFocus::Timeline;
    // Narrow, the timeline takes the whole pane while one chooses in it.
    let (grid_area, side) = if in_timeline && inner.width < SIDE_BY_SIDE_WIDTH {
        (Rect::default(), inner)
    } else {
        split(inner)
    };
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
    if !grid_area.is_empty() {
        frame.render_widget(
            Table::new(rows, widths).header(Row::new(header).style(theme.bold())),
            grid_area,
        );
    }

    let (lines, chosen) = app
        .users
        .get(app.user_list.selected)
        .map_or_else(|| (Vec::new(), None), |&u| timeline(app, store, u, theme));
    // Wrapped here, so that the chosen change can be kept in view.
    let mut rows = Vec::with_capacity(lines.len());
    let mut chosen_end = 0;
    for (i, line) in lines.into_iter().enumerate() {
        wrap(line, usize::from(side.width), &mut rows);
        if Some(i) == chosen {
            chosen_end = rows.len();
        }
    }
    let offset = chosen_end.saturating_sub(usize::from(side.height));
    frame.render_widget(
        Paragraph::new(rows).scroll((u16::try_from(offset).unwrap_or(u16::MAX), 0)),
        side,
    );
}

/// `MM-DD HH:MM:SS` of a timestamp as written, in the zone the UI shows; None when it is no
/// time this tool reads.
fn when(app: &App, written: Option<&str>) -> Option<String> {
    let t: jiff::Timestamp = written?.parse().ok()?;
    Some(
        t.to_zoned_datetime(app.zone.clone())
            .strftime("%m-%d %H:%M:%S")
            .to_string(),
    )
}

/// The selected user's ids, when each category last changed, and every change, newest
/// first (→ selects one, Enter shows its event); and which line is the chosen change.
fn timeline(
    app: &App,
    store: &Store,
    u: IdentityId,
    theme: Theme,
) -> (Vec<Line<'static>>, Option<usize>) {
    let ws = store.workspace();
    let profiles = store.engine.profiles();
    let p = profiles.profile(u);
    let mut lines = vec![Line::from(Span::styled(
        printable(profiles.label(u)).into_owned(),
        theme.bold(),
    ))];
    let ids: Vec<String> = p
        .members
        .iter()
        .map(|m| printable(profiles.name(*m)).into_owned())
        .collect();
    lines.push(Line::from(format!("ids: {}", ids.join(", "))));
    // When each category last changed: the newest entry that set it.
    let last: Vec<String> = ws
        .categories
        .iter()
        .enumerate()
        .filter_map(|(c, cat)| {
            let h = p.history.iter().rev().find(|h| h.changed & (1 << c) != 0)?;
            let at = when(app, h.timestamp.as_deref()).unwrap_or_else(|| "?".into());
            Some(format!("{} {at}", printable(&cat.id)))
        })
        .collect();
    if !last.is_empty() {
        lines.push(Line::from(Span::styled(
            format!("last changed: {}", last.join(" · ")),
            theme.dim(),
        )));
    }
    lines.push(Line::from(Span::styled(
        "✓ true ✗ false ≠ conflict · never collected",
        theme.dim(),
    )));
    let focused = app.pane == Pane::Users && app.users_focus == UsersFocus::Timeline;
    let title = if focused {
        "Timeline (Enter shows the event, ← back)"
    } else {
        "Timeline (→ to choose a change; Enter filters events to this user)"
    };
    lines.push(Line::from(Span::styled(title, theme.bold())));
    if p.history.is_empty() {
        lines.push(Line::from(Span::styled(
            "no consent recorded yet",
            theme.dim(),
        )));
    }
    let mut chosen = None;
    for (i, h) in p.history.iter().rev().enumerate() {
        let at = when(app, h.timestamp.as_deref()).unwrap_or_else(|| "(no time)".into());
        // A batch's elements share a line: `32[2]`, as `profiles` writes it.
        let place = match h.index {
            Some(i) => format!("{}[{i}]", h.line),
            None => h.line.to_string(),
        };
        let mut spans = vec![Span::raw(format!("{at:<14} line {place:<5} "))];
        spans.extend(h.consent.iter().map(|s| cell(*s, theme)));
        spans.push(Span::raw(format!(" {}", h.describe(ws))));
        let line = Line::from(spans);
        lines.push(if focused && i == app.timeline.selected {
            chosen = Some(lines.len());
            line.style(theme.selected())
        } else {
            line
        });
    }
    if p.history_dropped > 0 {
        lines.push(Line::from(Span::styled(
            format!("and {} older changes not kept", p.history_dropped),
            theme.dim(),
        )));
    }
    (lines, chosen)
}
