//! The chart view (`v`): per destination, its routes as a bar split by reason and its
//! delivered events over time as a sparkline; with a workspace what-if, before and after.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};
use unicode_width::UnicodeWidthStr;

use super::Theme;
use crate::rules::verdict::{DECISIONS, Decision, REASONS};
use crate::text::{printable, truncate};
use crate::tui::app::action::Action;
use crate::tui::app::state::App;
use crate::tui::charts::{Chart, Charts};
use crate::tui::store::Store;

/// The destination's name column at most, the before/after column, and the counts.
use crate::tui::layout::{COUNTS, NAME, SIDE};

/// Each reason's glyph in the bars, delivered ones first (full blocks, shorter for the
/// reasons consent did not decide), then blocked ones (shades). Not ingested reaches no
/// destination and is counted apart.
const GLYPHS: [(&str, char); 22] = [
    ("consented", '█'),
    ("unmapped", '▇'),
    ("not_configured", '▉'),
    ("nothing_denied", '▌'),
    ("not_enforced", '▆'),
    ("no_consent", '▅'),
    ("consent_preference_event", '▄'),
    ("loaded_at_page_load", '▃'),
    ("unknown_step", '▔'),
    ("filtered_at_source", '▀'),
    ("not_consented", '▓'),
    ("consent_denied", '▚'),
    ("schema_integration_filter", '▞'),
    ("integrations_object", '▒'),
    ("destination_filter", '░'),
    ("no_mapping_matched", '╳'),
    ("unsupported_event_type", '▗'),
    ("not_loaded", '▖'),
    ("blocked_on_device", '▘'),
    ("suppressed", '▝'),
    ("destination_disabled", '─'),
    ("duplicate", '·'),
];

/// The glyphs by reason index.
fn glyphs() -> impl Iterator<Item = (usize, char)> {
    GLYPHS
        .into_iter()
        .filter_map(|(name, glyph)| Some((REASONS.iter().position(|r| *r == name)?, glyph)))
}

fn style_of(reason: usize, theme: Theme) -> Style {
    match REASONS[reason] {
        _ if Decision::delivers(reason) => theme.ok(),
        "duplicate" => theme.dim(),
        "not_consented" | "consent_denied" => theme.error(),
        _ => theme.warning(),
    }
}

/// A bar at `scale` routes a column (rounded), split by reason in `GLYPHS` order; each reason
/// present gets a column at least.
fn bar(c: &Chart, scale: u64, theme: Theme) -> Vec<Span<'static>> {
    let mut out = Vec::new();
    for (reason, glyph) in glyphs() {
        let n = c.by_reason[reason];
        if n == 0 {
            continue;
        }
        let cols = usize::try_from((n * 2 + scale).div_euclid(scale * 2))
            .unwrap_or(usize::MAX)
            .max(1);
        out.push(Span::styled(
            glyph.to_string().repeat(cols),
            style_of(reason, theme),
        ));
    }
    out
}

/// Delivered events per bucket, scaled to `max`: blank where none.
fn sparkline(values: &[u64], max: u64) -> String {
    const LEVELS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    values
        .iter()
        .map(|&v| {
            if v == 0 || max == 0 {
                ' '
            } else {
                LEVELS[((v * 8).div_ceil(max) as usize).clamp(1, 8) - 1]
            }
        })
        .collect()
}

/// Routes of one decision (`DECISIONS`' word; not ingested left out: it is no route of the
/// destination).
fn routes(c: &Chart, verb: &str) -> u64 {
    c.by_reason
        .iter()
        .enumerate()
        .skip(1)
        .filter(|(r, _)| Decision::verb_of(*r) == verb)
        .map(|(_, n)| n)
        .sum()
}

fn delivered(c: &Chart) -> u64 {
    routes(c, DECISIONS[0])
}

fn blocked(c: &Chart) -> u64 {
    routes(c, DECISIONS[1])
}

/// One line of a destination's figures: its name (or nothing, on the after line), the side,
/// counts, bar, and sparkline.
struct LineOf<'a> {
    name: String,
    side: &'static str,
    chart: &'a Chart,
    spark_max: u64,
}

/// A destination's line, or with a what-if its before and after lines; their sparklines on
/// one scale.
fn lines_of<'a>(name: String, a: &'a Chart, b: Option<&'a Chart>) -> Vec<LineOf<'a>> {
    let spark_max = a
        .delivered
        .iter()
        .chain(b.iter().flat_map(|b| &b.delivered))
        .copied()
        .max()
        .unwrap_or(0);
    let line = |name, side, chart| LineOf {
        name,
        side,
        chart,
        spark_max,
    };
    match b {
        Some(b) => vec![
            line(name, "before", b),
            line(String::new(), if a == b { "same" } else { "after" }, a),
        ],
        None => vec![line(name, "", a)],
    }
}

/// The columns' widths, and routes a bar's column stands for.
struct Widths {
    name: usize,
    side: usize,
    bar: usize,
    scale: u64,
}

/// One line of a destination: name, side, counts, bar, sparkline.
fn row(l: &LineOf<'_>, w: &Widths, theme: Theme) -> Line<'static> {
    let mut spans = vec![
        Span::raw(format!(
            "{:<name$} {:<side$}",
            truncate(&l.name, w.name),
            l.side,
            name = w.name,
            side = w.side
        )),
        Span::styled(format!("{:>7} ", delivered(l.chart)), theme.ok()),
        Span::styled(format!("{:>7} ", blocked(l.chart)), theme.error()),
    ];
    let bars = bar(l.chart, w.scale, theme);
    let used: usize = bars.iter().map(Span::width).sum();
    spans.extend(bars);
    spans.push(Span::raw(" ".repeat(w.bar.saturating_sub(used) + 1)));
    spans.push(Span::styled(
        sparkline(&l.chart.delivered, l.spark_max),
        theme.accent(),
    ));
    Line::from(spans)
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App, store: &Store, theme: Theme) {
    let title = Line::from(vec![
        Span::styled(" Charts ", theme.bold()),
        Span::styled(
            format!(
                "· routes per destination by reason · delivered over time · {} back ",
                app.keys.hint(Action::ToggleCharts)
            ),
            theme.dim(),
        ),
    ]);
    let block = Block::bordered()
        .title(title)
        .border_style(theme.border(true));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let Some((after, before)) = &app.charts else {
        return;
    };
    let ws = store.workspace();
    let sides = before.is_some();
    let spark = crate::tui::layout::buckets(app.width);
    let width = usize::from(inner.width);
    let name_w = ws
        .destinations
        .iter()
        .map(|d| printable(&d.name).width())
        .max()
        .unwrap_or(0)
        .clamp(11, NAME);
    let side_w = if sides { SIDE } else { 0 };
    let bar_w = width.saturating_sub(name_w + side_w + COUNTS + spark + 3);
    // One scale for every bar, so that their lengths compare.
    let all = || after.dest.iter().chain(before.iter().flat_map(|b| &b.dest));
    let most = all()
        .map(|c| c.by_reason.iter().skip(1).sum::<u64>())
        .max()
        .unwrap_or(0);
    let scale = most.div_ceil(bar_w.max(1) as u64).max(1);
    let widths = Widths {
        name: name_w,
        side: side_w,
        bar: bar_w,
        scale,
    };
    let mut lines = vec![Line::styled(
        format!(
            "{:<name_w$} {:<side_w$}{:>7} {:>7} {:<bar_w$} {}",
            "DESTINATION",
            if sides { "SIDE" } else { "" },
            "✓ DELIV",
            "✗ BLOCK",
            "BY REASON",
            "✓ OVER TIME",
        ),
        theme.bold(),
    )];
    let per = if sides { 2 } else { 1 };
    let mut bottom = Vec::new();
    super::wrap::wrap(legend(after, before.as_ref(), theme), width, &mut bottom);
    super::wrap::wrap(
        Line::styled(time_line(app, after), theme.dim()),
        width,
        &mut bottom,
    );
    // Rows below the header, above the legend and the time line; when not every destination
    // fits, one of them says which are shown and how to see the rest.
    let total = ws.destinations.len();
    let mut room = usize::from(inner.height).saturating_sub(1 + bottom.len());
    if room / per < total {
        room = room.saturating_sub(1);
    }
    let shown = app.dest_list.window(total, (room / per).max(1));
    if shown.len() < total {
        let more = format!(
            "destinations {}-{} of {total} (↑ ↓ scroll)",
            shown.start + 1,
            shown.end
        );
        bottom.insert(0, Line::styled(more, theme.dim()));
    }
    for d in shown {
        let name = printable(&ws.destinations[d].name).into_owned();
        let of = lines_of(name, &after.dest[d], before.as_ref().map(|b| &b.dest[d]));
        let selected = d == app.dest_list.selected;
        lines.extend(of.iter().map(|l| {
            let line = row(l, &widths, theme);
            if selected {
                line.style(theme.selected())
            } else {
                line
            }
        }));
    }
    while lines.len() < usize::from(inner.height).saturating_sub(bottom.len()) {
        lines.push(Line::raw(""));
    }
    lines.extend(bottom);
    frame.render_widget(Paragraph::new(lines), inner);
}

/// The glyph of each reason some bar shows.
fn legend(after: &Charts, before: Option<&Charts>, theme: Theme) -> Line<'static> {
    let present = |r: usize| {
        after
            .dest
            .iter()
            .chain(before.iter().flat_map(|b| &b.dest))
            .any(|c| c.by_reason[r] > 0)
    };
    let mut spans = vec![Span::styled("legend: ", theme.dim())];
    for (reason, glyph) in glyphs().filter(|(r, _)| present(*r)) {
        spans.push(Span::styled(glyph.to_string(), style_of(reason, theme)));
        // A no-break space: wrapping never parts a glyph from its reason.
        spans.push(Span::raw(format!("\u{a0}{}  ", REASONS[reason])));
    }
    Line::from(spans)
}

/// The span the sparklines cover, and what no bar counts.
fn time_line(app: &App, c: &Charts) -> String {
    let at = |s: u32| {
        jiff::Timestamp::from_second(946_684_800 + i64::from(s)).map_or_else(
            |_| "?".to_owned(),
            |t| {
                t.to_zoned_datetime(app.zone.clone())
                    .strftime("%Y-%m-%d %H:%M")
                    .to_string()
            },
        )
    };
    let span = match c.span {
        Some((from, to)) => format!(
            "over time: {} → {} {} (events in view, by their timestamps)",
            at(from),
            at(to),
            crate::tui::app::state::zone_label(&app.zone)
        ),
        None => "over time: no event in view has a timestamp".to_owned(),
    };
    let untimed = match c.untimed {
        0 => String::new(),
        n => format!(" · {n} without a time (in the bars only)"),
    };
    format!(
        "{span}{untimed} · {} not ingested (no route)",
        c.not_ingested
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sparkline_is_blank_where_nothing_was_delivered_and_full_at_the_most() {
        assert_eq!(sparkline(&[0, 1, 4, 8], 8), " ▁▄█");
        assert_eq!(sparkline(&[0, 0], 0), "  ");
    }

    #[test]
    fn every_reason_but_not_ingested_has_a_glyph_of_its_own() {
        let mut reasons: Vec<usize> = glyphs().map(|g| g.0).collect();
        reasons.sort_unstable();
        assert_eq!(reasons, (1..REASONS.len()).collect::<Vec<_>>());
        let mut glyphs: Vec<char> = GLYPHS.iter().map(|g| g.1).collect();
        glyphs.sort_unstable();
        glyphs.dedup();
        assert_eq!(glyphs.len(), GLYPHS.len());
    }
}
