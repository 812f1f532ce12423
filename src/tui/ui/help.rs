//! The help overlay, drawn from the key map so it cannot drift from it.

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

use super::Theme;
use crate::tui::keymap::BINDINGS;

pub fn draw(frame: &mut Frame, area: Rect, theme: Theme) {
    let mut lines: Vec<Line> = BINDINGS
        .iter()
        .map(|b| {
            Line::from(vec![
                Span::styled(format!("{:>8}  ", b.label), theme.key()),
                Span::raw(b.help),
            ])
        })
        .collect();
    lines.push(Line::from(""));
    lines.push(Line::from(vec![
        Span::styled("  ● ", theme.ok()),
        Span::raw("ingested  "),
        Span::styled("▲ ", theme.warning()),
        Span::raw("warnings  "),
        Span::styled("✗ ", theme.error()),
        Span::raw("not ingested  ◆ search match"),
    ]));
    lines.push(Line::from("  Mouse: wheel scrolls, click selects."));
    let height = (lines.len() as u16 + 2).min(area.height);
    let [v] = Layout::vertical([Constraint::Length(height)])
        .flex(Flex::Center)
        .areas(area);
    let [popup] = Layout::horizontal([Constraint::Length(76.min(area.width))])
        .flex(Flex::Center)
        .areas(v);
    frame.render_widget(Clear, popup);
    let block = Block::bordered().title(Line::from(Span::styled(
        " Keys (Esc or ? closes) ",
        theme.bold(),
    )));
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        popup,
    );
}
