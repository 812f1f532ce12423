//! The help overlay, drawn from the key map so it cannot drift from it.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use super::Theme;
use crate::tui::app::action::Action;
use crate::tui::keymap::Keymap;

/// The overlay's width: two columns of keys within an 80-column terminal.
const WIDTH: u16 = 78;
/// A key's label and its help, so that two of each fit inside the border with a column
/// between them and one before the border (help longer than that ends in …).
const LABEL: usize = 9;
const HELP: usize = 27;

pub fn draw(frame: &mut Frame, area: Rect, keys: &Keymap, theme: Theme) {
    // Two columns, so the whole key map fits at 80x24; opposites share a row.
    let rows: Vec<_> = keys.rows.iter().filter(|b| !b.label.is_empty()).collect();
    let half = rows.len().div_ceil(2);
    let entry = |i: usize| -> Vec<Span<'static>> {
        rows.get(i).map_or_else(Vec::new, |b| {
            vec![
                Span::styled(format!("{:>LABEL$} ", b.label), theme.key()),
                Span::raw(format!("{:<HELP$} ", crate::text::truncate(b.help, HELP))),
            ]
        })
    };
    let mut lines: Vec<Line> = (0..half)
        .map(|i| {
            let mut spans = entry(i);
            spans.extend(entry(i + half));
            Line::from(spans)
        })
        .collect();
    lines.push(Line::from(vec![
        Span::styled("  ● ", theme.ok()),
        Span::raw("ingested  "),
        Span::styled("▲ ", theme.warning()),
        Span::raw("warnings  "),
        Span::styled("✗ ", theme.error()),
        Span::raw("not ingested  ◆ match  "),
        Span::styled("Δ →✓ →✗ ", theme.accent()),
        Span::raw("what-if changed"),
    ]));
    lines.push(Line::from(
        "  ⇢ device mode: the browser sends it, not Segment  ↗ a vendor's own request",
    ));
    lines.push(Line::from(
        "  Mouse: wheel scrolls the pane under it; click selects, on a title focuses",
    ));
    lines.push(Line::from(format!(
        "  The rules, their sources and our choices: {}",
        crate::rules::choices::RULES_DOC
    )));
    // At 80x24 the key rows and the legend fill the 23 rows above the status bar exactly.
    let height = lines.len() as u16 + super::BORDER_LINES;
    let popup = super::centered(area, WIDTH, height);
    frame.render_widget(Clear, popup);
    let title = format!(
        " Keys ({} or {} closes) ",
        keys.hint(Action::Back),
        keys.hint(Action::ToggleHelp)
    );
    let block = Block::bordered().title(Line::from(Span::styled(title, theme.bold())));
    frame.render_widget(Paragraph::new(lines).block(block), popup);
}
