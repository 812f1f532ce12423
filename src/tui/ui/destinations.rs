//! Destinations: delivered and blocked counts, and the categories that blocked each most.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Cell, Row, Table};

use crate::text::printable;

use super::{Theme, lower_title};
use crate::tui::app::{App, Pane};
use crate::tui::store::Store;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, store: &Store, theme: Theme) {
    let ws = store.workspace();
    let page = usize::from(
        area.height
            .saturating_sub(super::BORDER_LINES + super::HEADER_LINES),
    );
    // The short names head the events' per-destination columns (m).
    let short = super::events::short_names(ws);
    let shown = app.dest_list.visible(ws.destinations.len(), page);
    let rows: Vec<Row> = ws
        .destinations
        .iter()
        .enumerate()
        .skip(shown.start)
        .take(shown.len())
        .map(|(i, d)| {
            let s = &store.dest[i];
            let mut top: Vec<(usize, u64)> = s
                .blocked_by
                .iter()
                .copied()
                .enumerate()
                .filter(|(_, n)| *n > 0)
                .collect();
            top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            let mut why: Vec<String> = top
                .iter()
                .take(3)
                .map(|(c, n)| format!("{} ×{n}", printable(&ws.categories[*c].id)))
                .collect();
            if s.removed_by_integrations > 0 {
                why.push(format!("integrations ×{}", s.removed_by_integrations));
            }
            if s.removed_by_filters > 0 {
                why.push(format!("filters ×{}", s.removed_by_filters));
            }
            if s.duplicates > 0 {
                why.push(format!("duplicate ×{}", s.duplicates));
            }
            let row = Row::new(vec![
                Cell::from(printable(&d.name).into_owned()),
                Cell::from(short[i].clone()).style(theme.dim()),
                Cell::from(d.kind.as_str()),
                Cell::from(s.delivered.to_string()).style(theme.ok()),
                Cell::from(s.blocked.to_string()).style(if s.blocked > 0 {
                    theme.error()
                } else {
                    theme.dim()
                }),
                Cell::from(why.join(", ")),
            ]);
            if i == app.dest_list.selected {
                row.style(theme.selected())
            } else {
                row
            }
        })
        .collect();
    let header = Row::new([
        "DESTINATION",
        "COL",
        "KIND",
        "DELIVERED",
        "BLOCKED",
        "BLOCKED MOST BY (Enter filters)",
    ])
    .style(theme.bold());
    let table = Table::new(
        rows,
        [
            Constraint::Fill(2),
            Constraint::Length(3),
            Constraint::Length(12),
            Constraint::Length(9),
            Constraint::Length(7),
            Constraint::Fill(3),
        ],
    )
    .header(header)
    .block(
        Block::bordered()
            .title(lower_title(app, theme))
            // The counts are events, as everywhere; those not ingested reach no destination.
            .title_bottom(Line::styled(
                // Where the verdicts' settings came from, and the consent model device-mode
                // verdicts assume (a file, or the CDN and when it was fetched).
                format!(
                    " events per destination · {} not ingested · device mode {} ({}) · settings {} ",
                    store.counts.not_ingested,
                    store.workspace().consent_model.as_str(),
                    store.workspace().consent_model_from.short(),
                    crate::text::printable(&store.workspace().origin)
                ),
                theme.dim(),
            ))
            .border_style(theme.border(app.pane == Pane::Destinations)),
    );
    frame.render_widget(table, area);
}
