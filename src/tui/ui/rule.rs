//! A rule's own words from docs/rules.md (built in), over the panes: what a lesson or a
//! verdict rests on, readable without leaving the terminal.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use super::Theme;
use super::wrap::wrap;
use crate::choices::{RULES_DOC, slug};
use crate::tui::app::Action;
use crate::tui::keymap::Keymap;

/// Wide enough for the document's paragraphs, narrow enough to read.
const WIDTH: u16 = 100;

/// The popup's rows for `text` at the popup's inner width, so scrolling can stop at the end.
pub fn rows(text: &str, width: u16) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    for l in text.lines() {
        wrap(Line::from(l.to_owned()), usize::from(width), &mut out);
    }
    out
}

/// Where the popup goes on a screen of `area`.
pub fn popup(area: Rect) -> Rect {
    super::centered(area, WIDTH, area.height.saturating_sub(2).max(3))
}

pub fn draw(frame: &mut Frame, area: Rect, text: &str, offset: u16, keys: &Keymap, theme: Theme) {
    let popup = popup(area);
    let inner = Block::bordered().inner(popup);
    let rows = rows(text, inner.width);
    let last = u16::try_from(rows.len())
        .unwrap_or(u16::MAX)
        .saturating_sub(inner.height);
    let heading = text.lines().next().unwrap_or("").trim_start_matches('#');
    let more = if offset < last { " ↓ more" } else { "" };
    let title = Line::from(vec![
        Span::styled(format!(" {RULES_DOC}#{} ", slug(heading)), theme.bold()),
        Span::styled(
            format!(
                "(↑↓ scroll{more} · {} or {} closes) ",
                keys.hint(Action::ShowRule),
                keys.hint(Action::Back)
            ),
            theme.dim(),
        ),
    ]);
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(rows)
            .block(Block::bordered().title(title))
            .scroll((offset.min(last), 0)),
        popup,
    );
}
