//! Destinations: delivered and blocked counts, and the categories that blocked each most.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Cell, Row, Table};

use crate::text::printable;

use super::{Theme, lower_title};
use crate::tui::app::action::Pane;
use crate::tui::app::state::App;
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
    // Each row's cells as text first: the columns take the width their content needs.
    let texts = texts(app, store, shown.clone(), &short);
    // With Delivery Overview's counts loaded, Segment's deliveries beside the predicted.
    let delivered = if app.observed.is_some() {
        "DELIVERED (SEGMENT)"
    } else {
        "DELIVERED"
    };
    let heads = [
        "DESTINATION",
        "COL",
        "KIND",
        delivered,
        "BLOCKED",
        "BLOCKED MOST BY (Enter filters)",
    ];
    let (widths, name_width, why_width) =
        column_widths(&heads, &texts, area.width.saturating_sub(2));
    // The last heading's hint gives way on a narrow screen, never half of it.
    let last = [heads[5], "BLOCKED MOST BY"]
        .into_iter()
        .find(|h| h.chars().count() <= why_width)
        .map_or_else(
            || crate::text::truncate(heads[5], why_width).into_owned(),
            str::to_owned,
        );
    let mut heads = heads.map(str::to_owned);
    heads[5] = last;
    let header = Row::new(heads).style(theme.bold());
    let rows: Vec<Row> = texts
        .into_iter()
        .enumerate()
        .map(|(n, (cells, why, blocked))| {
            let [name, short, kind, delivered, blocked_n] = cells;
            let row = Row::new(vec![
                Cell::from(crate::text::truncate(&name, name_width).into_owned()),
                Cell::from(short).style(theme.dim()),
                Cell::from(kind),
                Cell::from(delivered).style(theme.ok()),
                Cell::from(blocked_n).style(if blocked { theme.error() } else { theme.dim() }),
                Cell::from(fit_reasons(&why, why_width)),
            ]);
            if shown.start + n == app.dest_list.selected {
                row.style(theme.selected())
            } else {
                row
            }
        })
        .collect();
    let table = Table::new(rows, widths).header(header).block(
        Block::bordered()
            .title(lower_title(app, theme))
            // The counts are events, as everywhere; those not ingested reach no destination.
            .title_bottom(Line::styled(
                footer(app, store, usize::from(area.width.saturating_sub(4))),
                theme.dim(),
            ))
            .border_style(theme.border(app.pane == Pane::Destinations)),
    );
    frame.render_widget(table, area);
}

/// What the counts are, where the verdicts' settings came from (a snapshot: its source and
/// when it was pulled), the consent model device-mode verdicts assume, and the window of
/// Delivery Overview's counts, in `room` columns: on a narrow screen the settings' name is
/// cut in its middle, then left out; that the counts are events stays longest.
fn footer(app: &App, store: &Store, room: usize) -> String {
    use unicode_width::UnicodeWidthStr;
    let ws = store.workspace();
    let mut counts = format!(
        "events per destination · {} not ingested · device mode {} ({})",
        store.counts.not_ingested,
        ws.consent_model.as_str(),
        ws.consent_model_from.short(),
    );
    if let Some(o) = &app.observed {
        counts.push_str(&format!(
            " · (SEGMENT): Delivery Overview, cloud mode, {} to {}",
            printable(&o.start),
            printable(&o.end)
        ));
    }
    let settings = match &ws.snapshot {
        Some(s) => printable(&format!(
            "{} ({}{})",
            ws.origin,
            s.describe(),
            s.age(jiff::Timestamp::now())
                .map(|a| format!(", {a} ago"))
                .unwrap_or_default()
        ))
        .into_owned(),
        None => printable(&ws.origin).into_owned(),
    };
    let with_settings = format!("{counts} · settings ");
    let text = match room.checked_sub(with_settings.width()) {
        Some(left) if left >= settings.width() => format!("{with_settings}{settings}"),
        Some(left) if left >= 12 => format!(
            "{with_settings}{}",
            crate::text::truncate_middle(&settings, left)
        ),
        _ => crate::text::truncate(&counts, room).into_owned(),
    };
    format!(" {text} ")
}

/// A row's cells, its reasons, and whether anything was blocked.
type Texts = ([String; 5], Vec<String>, bool);

/// The rows `shown` as text: name, short name, kind, counts (with how far a workspace what-if
/// moved them), and what blocked the destination most.
fn texts(app: &App, store: &Store, shown: std::ops::Range<usize>, short: &[String]) -> Vec<Texts> {
    let ws = store.workspace();
    let before = app.workspace_what_if.as_ref().map(|w| {
        w.before
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    });
    // With a workspace what-if, how far each count moved from the settings as read.
    let moved = |now: u64, was: Option<u64>| match was {
        Some(w) if w != now => format!("{now} ({:+})", i128::from(now) - i128::from(w)),
        _ => now.to_string(),
    };
    ws.destinations
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
            for (n, label) in [
                (s.at_source, "at source"),
                (s.plan_filtered, "plan filter"),
                (s.unsupported, "type"),
                (s.not_loaded, "not loaded"),
                (s.disabled, "disabled"),
                (s.suppressed, "suppressed"),
                (s.removed_by_integrations, "integrations"),
                (s.removed_by_filters, "filters"),
                (s.duplicates, "duplicate"),
                (s.uncertain, "? uncertain"),
            ] {
                if n > 0 {
                    why.push(format!("{label} ×{n}"));
                }
            }
            let mut delivered = moved(
                s.delivered,
                before.as_ref().and_then(|b| Some(b.dest.get(i)?.delivered)),
            );
            if let Some(o) = &app.observed {
                let seen = o
                    .destination(d.id.as_deref(), &d.name)
                    .map_or_else(|| "—".to_owned(), |o| o.delivered.to_string());
                delivered.push_str(&format!(" ({seen})"));
            }
            let cells = [
                printable(&d.name).into_owned(),
                short[i].clone(),
                d.kind.as_str().to_owned(),
                delivered,
                moved(
                    s.blocked,
                    before.as_ref().and_then(|b| Some(b.dest.get(i)?.blocked)),
                ),
            ];
            (cells, why, s.blocked > 0)
        })
        .collect()
}

/// Each column as wide as its content (header included), the reasons taking what is left.
/// Where the reasons would get fewer than 32 columns, the names give way first (down to 16,
/// cut with …). Returns the constraints and the names' and reasons' widths.
fn column_widths(heads: &[&str; 6], rows: &[Texts], room: u16) -> ([Constraint; 6], usize, usize) {
    use unicode_width::UnicodeWidthStr;
    let need: Vec<usize> = (0..5)
        .map(|c| {
            let widest = rows.iter().map(|r| r.0[c].width()).max().unwrap_or(0);
            widest.max(heads[c].width())
        })
        .collect();
    // Table's one column of spacing between columns.
    let fixed: usize = need[1..5].iter().sum::<usize>() + 5;
    let room = usize::from(room);
    let why_room = room.saturating_sub(fixed + need[0]);
    let name = if why_room < 32 {
        need[0].saturating_sub(32 - why_room).max(16.min(need[0]))
    } else {
        need[0]
    };
    let why = room.saturating_sub(fixed + name);
    let len = |w: usize| Constraint::Length(u16::try_from(w).unwrap_or(u16::MAX));
    (
        [
            len(name),
            len(need[1]),
            len(need[2]),
            len(need[3]),
            len(need[4]),
            Constraint::Fill(1),
        ],
        name,
        why,
    )
}

/// As many reasons as fit in `width`, and `+N more` for the rest.
fn fit_reasons(why: &[String], width: usize) -> String {
    use unicode_width::UnicodeWidthStr;
    let mut out = String::new();
    for (i, w) in why.iter().enumerate() {
        let sep = if out.is_empty() { "" } else { ", " };
        let more = why.len() - i - 1;
        let tail = if more > 0 {
            format!(", +{more} more").width()
        } else {
            0
        };
        if out.width() + sep.width() + w.width() + tail > width {
            let left = why.len() - i;
            let mark = format!("{sep}+{left} more");
            if out.width() + mark.width() <= width || out.is_empty() {
                out.push_str(&mark);
            }
            return out;
        }
        out.push_str(sep);
        out.push_str(w);
    }
    out
}
