//! The events list: one row per event, only the visible ones built.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Row, Table};

use crate::text::{printable, truncate_middle};

use super::Theme;
use crate::tui::app::action::Pane;
use crate::tui::app::state::App;
use crate::tui::filter::Term;
use crate::tui::store::{FILTERABLE_DESTINATIONS, Status, Store};
use crate::workspace::Workspace;

/// A destination's column: its short name over ✓, ✗ or ·.
const DEST_WIDTH: u16 = 3;
/// What the other columns take: LINE, TIME, the mark, and the least EVENT and USER keep.
const LINE_WIDTH: u16 = 8;
const TIME_WIDTH: u16 = 14;
const ROUTES_WIDTH: u16 = 12;
const EVENT_MIN: u16 = 16;
const USER_MIN: u16 = 8;

/// How many destinations get a column in a table `inner` cells wide, and whether the summary
/// column is still needed for those that do not (or that rows do not record).
fn destination_columns(inner: u16, destinations: usize) -> (usize, bool) {
    let fixed = LINE_WIDTH + TIME_WIDTH + EVENT_MIN + USER_MIN + 1 + 4;
    let room = usize::from(inner.saturating_sub(fixed));
    let each = usize::from(DEST_WIDTH) + 1;
    let recorded = destinations.min(FILTERABLE_DESTINATIONS);
    if recorded == destinations && room / each >= destinations {
        return (destinations, false);
    }
    let room = room.saturating_sub(usize::from(ROUTES_WIDTH) + 1);
    ((room / each).min(recorded), true)
}

/// Each destination's name in at most three letters, different from the others': the
/// initials of a name of several words (`GA4`, `GAd`), else its first letters (`Bra`).
pub fn short_names(ws: &Workspace) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(ws.destinations.len());
    for (i, d) in ws.destinations.iter().enumerate() {
        let words: Vec<&str> = d
            .name
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|w| !w.is_empty())
            .collect();
        let short: String = match words.as_slice() {
            [] => String::new(),
            [one] => one.chars().take(3).collect(),
            many => {
                let mut s: String = many
                    .iter()
                    .filter_map(|w| w.chars().next())
                    .take(3)
                    .collect();
                // Two words: the last one's next letters too (`GAd`, `AS3`).
                let more = 3 - s.chars().count().min(3);
                s.extend(many[many.len() - 1].chars().skip(1).take(more));
                s
            }
        };
        let two: String = short.chars().take(2).collect();
        let numbered = (!two.is_empty()).then_some(2..=9).into_iter().flatten();
        let candidates = std::iter::once(short)
            .chain(numbered.map(|n| format!("{two}{n}")))
            .chain(std::iter::once((i + 1).to_string()));
        let mut chosen = (i + 1).to_string();
        for c in candidates {
            if !c.is_empty() && !out.contains(&c) {
                chosen = c;
                break;
            }
        }
        out.push(chosen);
    }
    out
}

/// ✓, ✗, ? (uncertain) or · for one destination of one row, centred under its short name; `→✓` or `→✗`
/// where a workspace what-if changed it from the row `before`.
fn destination_cell(
    r: &crate::tui::store::Row,
    before: Option<&crate::tui::store::Row>,
    d: usize,
    theme: Theme,
) -> Cell<'static> {
    let blocked = |r: &crate::tui::store::Row| r.blocked_set & (1 << d) != 0;
    let changed = before.is_some_and(|b| r.changes_from(b) != (0, 0) && blocked(b) != blocked(r));
    let (mark, style) = if r.status == Status::NotIngested {
        ("·", theme.dim())
    } else if changed {
        (if blocked(r) { "→✗" } else { "→✓" }, theme.accent())
    } else if blocked(r) {
        ("✗", theme.error())
    } else if r.uncertain_set & (1 << d) != 0 {
        ("?", theme.warning())
    } else {
        ("✓", theme.ok())
    };
    Cell::from(Line::from(Span::styled(mark, style)).centered())
}

/// The pane's title: the event count, the single-key filters with how many events each
/// lists (marked when in force), and the whole filter when it is more than one of those. In
/// `room` columns: the chips lose their words, then go, before the filter does; the filter's
/// words are cut last, and the fact that one is in force and its count never are.
fn title(app: &App, store: &Store, theme: Theme, room: usize) -> Line<'static> {
    let c = store.counts;
    let head = vec![
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
    let chip_spans = |words: bool| -> Vec<Span<'static>> {
        chips
            .iter()
            .flat_map(|(key, term, label, n, style)| {
                let s = if app.filter.has(term) {
                    theme.chosen(*style)
                } else {
                    *style
                };
                let text = if words {
                    format!("{key} {label} {n}")
                } else {
                    format!("{key} {n}")
                };
                [Span::styled(text, s), Span::raw("  ")]
            })
            .collect()
    };
    let only_a_chip = app.filter.terms.len() == 1 && chips.iter().any(|c| app.filter.has(&c.1));
    let filter = (!app.filter.is_all() && !only_a_chip).then(|| {
        let count = format!(
            " ({}{}) ",
            app.len(store),
            if app.filter_done(store) { "" } else { "…" }
        );
        (app.filter.describe(store), count)
    });
    let width = |spans: &[Span<'_>]| spans.iter().map(Span::width).sum::<usize>();
    let line = |chips: Vec<Span<'static>>, shown: Option<String>| {
        let mut all = head.clone();
        all.extend(chips);
        if let (Some(text), Some((_, count))) = (shown, &filter) {
            all.push(Span::styled(
                format!("filter: {text}{count}"),
                theme.chosen(theme.accent()),
            ));
        }
        all
    };
    let described = filter.as_ref().map(|(d, _)| d.clone());
    for chips in [chip_spans(true), chip_spans(false), Vec::new()] {
        let all = line(chips, described.clone());
        if width(&all) <= room {
            return Line::from(all);
        }
    }
    // Still too wide: the filter's words are cut at their end, its count kept.
    let Some((text, _)) = &filter else {
        return Line::from(line(Vec::new(), None));
    };
    let fixed = width(&line(Vec::new(), Some(String::new())));
    let keep = room.saturating_sub(fixed).max(1);
    Line::from(line(
        Vec::new(),
        Some(crate::text::truncate(text, keep).into_owned()),
    ))
}

/// A separator where the file was truncated or replaced: the rows above are the previous
/// file's, and line numbers restart below. Its text spans the table (`draw` writes it over the
/// row), so the time it names is never cut at a column's edge.
fn boundary(
    r: &crate::tui::store::Row,
    store: &Store,
    theme: Theme,
    selected: bool,
) -> Line<'static> {
    let text = format!(
        "──────── ──────── ──── {} ────",
        printable(store.name(r.name))
    );
    let style = if selected {
        theme.accent().patch(theme.selected())
    } else {
        theme.accent()
    };
    Line::from(text).style(style)
}

/// Which route columns the table has: one per destination for the first `per_destination`,
/// then the ✓/✗ summary where `summary`.
#[derive(Clone, Copy)]
struct RouteColumns {
    per_destination: usize,
    summary: bool,
}

/// The header and the column widths.
fn header(
    app: &App,
    store: &Store,
    cols: RouteColumns,
    theme: Theme,
) -> (Row<'static>, Vec<Constraint>) {
    let zone = format!(
        "TIME {}",
        crate::tui::app::state::zone_label(&app.zone).to_uppercase()
    );
    let mut header: Vec<Cell> = vec![
        Cell::from("  LINE"),
        Cell::from(zone),
        Cell::from("EVENT"),
        Cell::from("USER"),
        Cell::from(""),
    ];
    let mut widths = vec![
        Constraint::Length(LINE_WIDTH),
        Constraint::Length(TIME_WIDTH),
        Constraint::Fill(2),
        Constraint::Fill(1),
        Constraint::Length(1),
    ];
    if cols.per_destination > 0 {
        for s in short_names(store.workspace())
            .into_iter()
            .take(cols.per_destination)
        {
            header.push(Cell::from(Line::from(s).centered()));
            widths.push(Constraint::Length(DEST_WIDTH));
        }
    }
    if cols.summary {
        header.push(Cell::from("ROUTES"));
        widths.push(Constraint::Length(ROUTES_WIDTH));
    }
    (Row::new(header).style(theme.bold()), widths)
}

/// One event's row, marked where a workspace what-if changed it from the store as first read
/// (the second store). `last_date` is the date of the row above, so that the date shows only
/// where it changes.
#[expect(
    clippy::too_many_arguments,
    reason = "one row's inputs: the model, the stores, the row, and how it is laid out"
)]
fn event_row(
    app: &App,
    (store, before): (&Store, Option<&Store>),
    idx: usize,
    r: &crate::tui::store::Row,
    cols: RouteColumns,
    (event_width, user_width): (usize, usize),
    last_date: &mut Option<jiff::civil::Date>,
    theme: Theme,
) -> Row<'static> {
    let line = match r.index() {
        // A wire row's index is its place in the audit, not in a batch.
        Some(i) if !r.is_wire() => format!("{}[{i}]", r.line()),
        _ => r.line().to_string(),
    };
    // One zone for every row.
    let time = r.time().map_or_else(String::new, |t| {
        let at = t.to_zoned_datetime(app.zone.clone());
        let date = at.date();
        let shown = if *last_date == Some(date) {
            at.strftime("%H:%M:%S").to_string()
        } else {
            at.strftime("%m-%d %H:%M:%S").to_string()
        };
        *last_date = Some(date);
        shown
    });
    let what = match (r.kind(), store.name(r.name)) {
        (Some(k), "") => k.as_str().to_owned(),
        (Some(k), n) => format!("{} {}", k.as_str(), printable(n)),
        (None, n) => printable(n).into_owned(),
    };
    // Cut in the middle with …, as `route --format table` cuts them: the start and the end
    // of a name both tell events apart ("… Updated", "… Viewed").
    let what = truncate_middle(&what, event_width).into_owned();
    let user = truncate_middle(&printable(store.name(r.user)), user_width).into_owned();
    let (mark, style) = match r.status {
        Status::Ok | Status::Boundary => ("●", theme.ok()),
        Status::Warnings => ("▲", theme.warning()),
        Status::NotIngested => ("✗", theme.error()),
        // A request the page sent itself: marked as an error when the audit found one.
        Status::Wire if r.blocked > 0 => ("↗", theme.error()),
        Status::Wire => ("↗", theme.ok()),
    };
    let found = if app.is_match(idx) { "◆" } else { " " };
    let mut cells = vec![
        Cell::from(format!("{found}{line}")),
        Cell::from(time),
        Cell::from(what),
        Cell::from(user),
        Cell::from(Span::styled(mark, style)),
    ];
    let was = before.and_then(|b| b.row(idx));
    if r.is_wire() {
        // A vendor's own request has no routes: the wire column says what it is.
        cells.extend((0..cols.per_destination).map(|_| Cell::from("")));
        if cols.summary {
            cells.push(match r.blocked {
                0 => Cell::from("wire"),
                n => Cell::from(Span::styled(format!("wire ✗{n}"), theme.error())),
            });
        }
        return Row::new(cells).style(row_style(r, theme));
    }
    cells.extend((0..cols.per_destination).map(|d| destination_cell(r, was, d, theme)));
    if cols.summary {
        // Δ: a workspace what-if changed one of its routes.
        let changed = was.is_some_and(|b| r.changes_from(b) != (0, 0));
        // The uncertain count only where there is one: most rows have none.
        let counts = match r.uncertain_set.count_ones() {
            0 => format!("✓{} ✗{}", r.delivered, r.blocked),
            n => format!("✓{} ✗{} ?{n}", r.delivered, r.blocked),
        };
        cells.push(if r.status == Status::NotIngested {
            Cell::from("not ingested")
        } else if changed {
            Cell::from(Span::styled(format!("Δ{counts}"), theme.accent()))
        } else {
            Cell::from(counts)
        });
    }
    Row::new(cells).style(row_style(r, theme))
}

fn row_style(r: &crate::tui::store::Row, theme: Theme) -> ratatui::style::Style {
    match r.status {
        Status::Ok | Status::Boundary => theme.plain(),
        Status::Wire if r.blocked == 0 => theme.plain(),
        Status::Warnings => theme.warning(),
        Status::NotIngested | Status::Wire => theme.error(),
    }
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App, store: &Store, theme: Theme) {
    let focused = app.pane == Pane::Events;
    let block = Block::bordered()
        .title(title(
            app,
            store,
            theme,
            usize::from(area.width.saturating_sub(2)),
        ))
        .border_style(theme.border(focused));
    let page = usize::from(
        area.height
            .saturating_sub(super::BORDER_LINES + super::HEADER_LINES),
    );
    let len = app.len(store);
    let cols = if app.per_destination() {
        let n = store.workspace().destinations.len();
        let (per_destination, summary) = destination_columns(block.inner(area).width, n);
        RouteColumns {
            per_destination,
            summary,
        }
    } else {
        RouteColumns {
            per_destination: 0,
            summary: true,
        }
    };
    let (header, widths) = header(app, store, cols, theme);
    let inner = block.inner(area);
    // The widths the table gives the name columns, to cut what is longer visibly.
    let columns = ratatui::layout::Layout::horizontal(widths.clone())
        .spacing(1)
        .split(Rect::new(0, 0, inner.width, 1));
    let name_widths = (usize::from(columns[2].width), usize::from(columns[3].width));
    let mut last_date = None;
    let mut separators = Vec::new();
    let before = app.workspace_what_if.as_ref().map(|w| {
        w.before
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    });
    let rows: Vec<Row> = app
        .event_list
        .visible(len, page)
        .enumerate()
        .map(|(shown, pos)| {
            let idx = app.row_at(pos);
            let selected = pos == app.event_list.selected;
            match store.row(idx) {
                None => Row::new(Vec::<Cell>::new()),
                Some(r) if r.status == Status::Boundary => {
                    separators.push((shown, boundary(r, store, theme, selected)));
                    Row::new(Vec::<Cell>::new())
                }
                Some(r) => {
                    let row = event_row(
                        app,
                        (store, before.as_deref()),
                        idx,
                        r,
                        cols,
                        name_widths,
                        &mut last_date,
                        theme,
                    );
                    if selected {
                        let style = row_style(r, theme).patch(theme.selected());
                        row.style(style)
                    } else {
                        row
                    }
                }
            }
        })
        .collect();
    let table = Table::new(rows, widths).header(header).block(block);
    frame.render_widget(table, area);
    for (shown, line) in separators {
        let y = inner.y + super::HEADER_LINES + shown as u16;
        if y < inner.bottom() {
            let at = Rect::new(inner.x, y, inner.width, 1);
            let style = line.style;
            frame.render_widget(ratatui::widgets::Paragraph::new(line).style(style), at);
        }
    }
}
