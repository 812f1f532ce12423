//! A rule's own words from docs/rules.md (built in), over the panes: what a lesson or a
//! verdict rests on, readable without leaving the terminal.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use super::Theme;
use super::wrap::wrap;
use crate::rules::choices::{RULES_DOC, slug};
use crate::tui::app::action::Action;
use crate::tui::keymap::Keymap;

/// The popup's rows for `text` at the popup's inner width, so scrolling can stop at the end.
pub fn rows(text: &str, width: u16) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    for l in paragraphs(text) {
        wrap(Line::from(l), usize::from(width), &mut out);
    }
    out
}

/// The document's lines with each paragraph or list item joined into one, so that it wraps
/// at the popup's width rather than at the file's (which left a word alone on a row). Blank
/// lines, headings, list items, table rows and code blocks keep their own lines.
fn paragraphs(text: &str) -> Vec<String> {
    let starts_block = |l: &str| {
        let t = l.trim_start();
        let numbered = t.split_once(". ").is_some_and(|(n, _)| {
            !n.is_empty() && n.len() <= 3 && n.starts_with(|c: char| c.is_ascii_digit())
        });
        t.is_empty() || t.starts_with(['#', '|', '-', '*', '>']) || t.starts_with("```") || numbered
    };
    let mut out: Vec<String> = Vec::new();
    let mut fenced = false;
    let mut open = false;
    for l in text.lines() {
        let t = l.trim_start();
        if t.starts_with("```") {
            fenced = !fenced;
            out.push(l.to_owned());
            open = false;
            continue;
        }
        if !fenced && open && !starts_block(l) {
            if let Some(last) = out.last_mut() {
                last.push(' ');
                last.push_str(t);
                continue;
            }
        }
        out.push(l.to_owned());
        // A heading or a table row is one line; prose and list items go on.
        open = !fenced && !t.is_empty() && !t.starts_with(['#', '|']);
    }
    out
}

pub fn draw(frame: &mut Frame, area: Rect, text: &str, offset: u16, keys: &Keymap, theme: Theme) {
    let popup = crate::tui::layout::rule_popup(area);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_paragraph_wraps_at_the_popup_not_at_the_file() {
        let text = "## 3. Routing\n\nFor an event and a destination,\nthe first rule wins.\n\n1. Not ingested:\n   `block`.\n2. A CPU event\n   goes everywhere.\n| a | b |\n| c | d |\n```\nkept\nas is\n```";
        assert_eq!(
            paragraphs(text),
            [
                "## 3. Routing",
                "",
                "For an event and a destination, the first rule wins.",
                "",
                "1. Not ingested: `block`.",
                "2. A CPU event goes everywhere.",
                "| a | b |",
                "| c | d |",
                "```",
                "kept",
                "as is",
                "```",
            ]
        );
    }
}
