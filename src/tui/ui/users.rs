//! Users: each profile's consent per category as a grid; the selected one's ids and history.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Paragraph, Row, Table};

use crate::engine::profile::{ConsentState, IdentityId};
use crate::text::printable;
use unicode_width::UnicodeWidthStr;

use super::wrap::wrap;
use super::{Theme, lower_title};
use crate::tui::app::action::{Pane, UsersFocus};
use crate::tui::app::state::App;
use crate::tui::store::Store;

fn cell(state: ConsentState, theme: Theme) -> Span<'static> {
    match state {
        ConsentState::Granted => Span::styled("✓", theme.ok()),
        ConsentState::Denied => Span::styled("✗", theme.error()),
        ConsentState::Conflict => Span::styled("≠", theme.warning()),
        ConsentState::NeverCollected => Span::styled("·", theme.dim()),
    }
}

/// The user column's width: at least the header's, at most what keeps the grid beside the
/// timeline (longer ids are cut).
const USER_MIN: usize = 12;
const USER_MAX: usize = 32;
/// `EVENTS` and a count.
const EVENTS_WIDTH: usize = 6;

/// The pane's border, with the users search on the right when there is one.
fn block(app: &App, store: &Store, theme: Theme) -> Block<'static> {
    let block = Block::bordered()
        .title(lower_title(app, theme))
        .border_style(theme.border(app.pane == Pane::Users));
    let Some(q) = &app.users_query else {
        return block;
    };
    block.title_top(
        Line::from(Span::styled(
            format!(
                " \"{}\" in an id or trait: {} of {} users ",
                printable(q),
                app.users.len(),
                store.engine.profiles().len()
            ),
            theme.accent(),
        ))
        .right_aligned(),
    )
}

/// The user column's width: the widest label listed, within `USER_MIN..=USER_MAX`.
fn user_width(app: &App, store: &Store) -> usize {
    let profiles = store.engine.profiles();
    app.users
        .iter()
        .map(|&u| printable(profiles.label(u)).width())
        .try_fold(USER_MIN, |w, x| {
            let w = w.max(x);
            // Past the cap no label can widen the column: stop looking.
            if w >= USER_MAX { Err(USER_MAX) } else { Ok(w) }
        })
        .unwrap_or_else(|cap| cap)
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App, store: &Store, theme: Theme) {
    let block = block(app, store, theme);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let in_timeline = app.pane == Pane::Users && app.users_focus == UsersFocus::Timeline;
    let ws = store.workspace();
    let profiles = store.engine.profiles();
    let user_width = user_width(app, store);
    let grid_width = user_width
        + ws.categories
            .iter()
            .map(|c| c.id.width().max(1) + 1)
            .sum::<usize>()
        + 1
        + EVENTS_WIDTH;
    // Narrow, the timeline takes the whole pane while one chooses in it.
    let (grid_area, side) = if in_timeline && inner.width < crate::tui::layout::SIDE_BY_SIDE_WIDTH {
        (Rect::default(), inner)
    } else {
        crate::tui::layout::users_split(inner, u16::try_from(grid_width).unwrap_or(u16::MAX))
    };
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
    let mut widths = vec![Constraint::Min(
        u16::try_from(user_width).unwrap_or(u16::MAX),
    )];
    widths.extend(
        ws.categories
            .iter()
            .map(|c| Constraint::Length(c.id.chars().count().max(1) as u16)),
    );
    widths.push(Constraint::Length(EVENTS_WIDTH as u16));
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

/// `32[2]`: a line, and the element of its batch where it is one, as `profiles` writes it.
fn place(line: u64, index: Option<u32>) -> String {
    match index {
        Some(i) => format!("{line}[{i}]"),
        None => line.to_string(),
    }
}

/// Which destinations the user's newest event in view was blocked for, each with the event
/// where that began; and the ones it reached, in one line.
fn since(lines: &mut Vec<Line<'static>>, app: &App, store: &Store, u: IdentityId, theme: Theme) {
    let states = store.since(u);
    if states.is_empty() {
        return;
    }
    let ws = store.workspace();
    let name = |d: usize| printable(&ws.destinations[d].name).into_owned();
    let blocked: Vec<_> = states.iter().filter(|s| s.blocked).collect();
    if blocked.is_empty() {
        lines.push(Line::from(Span::styled(
            "blocked now: none (the newest event reached every destination)",
            theme.dim(),
        )));
    } else {
        lines.push(Line::from(Span::styled(
            "Blocked now, since the event where it changed",
            theme.bold(),
        )));
        // Destinations that changed at the same event share a line.
        let mut groups: Vec<(&crate::tui::store::Since, Vec<String>)> = Vec::new();
        for s in blocked {
            match groups
                .iter_mut()
                .find(|(g, _)| (g.at.line, g.at.index) == (s.at.line, s.at.index))
            {
                Some((_, names)) => names.push(name(s.destination)),
                None => groups.push((s, vec![name(s.destination)])),
            }
        }
        for (s, names) in groups {
            let at = s
                .time
                .map(|t| {
                    t.to_zoned_datetime(app.zone.clone())
                        .strftime(", %m-%d %H:%M:%S")
                        .to_string()
                })
                .unwrap_or_default();
            let earlier = if s.or_earlier { " or earlier" } else { "" };
            lines.push(Line::from(vec![
                Span::styled("✗ ", theme.error()),
                Span::raw(format!(
                    "since line {}{at}{earlier}: {}",
                    place(s.at.line, s.at.index),
                    names.join(", ")
                )),
            ]));
        }
    }
    let delivered: Vec<String> = states
        .iter()
        .filter(|s| !s.blocked)
        .map(|s| name(s.destination))
        .collect();
    if !delivered.is_empty() {
        lines.push(Line::from(vec![
            Span::styled("✓ ", theme.ok()),
            Span::styled(
                format!("delivered now: {}", delivered.join(", ")),
                theme.dim(),
            ),
        ]));
    }
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
    let traits: Vec<String> = store
        .traits_of(u)
        .iter()
        .map(|(k, v)| format!("{} {}", printable(k), printable(v)))
        .collect();
    if !traits.is_empty() {
        lines.push(Line::from(Span::styled(
            format!("traits: {}", traits.join(" · ")),
            theme.dim(),
        )));
    }
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
    since(&mut lines, app, store, u, theme);
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
        let place = place(h.line, h.index);
        let mut spans = vec![Span::raw(format!("{at:<14} line {place:<5} "))];
        spans.extend(h.consent().into_iter().map(|s| cell(s, theme)));
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
