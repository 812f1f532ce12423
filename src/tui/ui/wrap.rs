//! Wrapping that keeps a line's indent: a continuation starts under the line's text, a little
//! further in, so wrapped JSON and indented prose keep their shape (ratatui's own wrapping
//! starts continuations at the left edge).

use ratatui::style::Style;
use ratatui::text::{Line, Span};
use unicode_width::UnicodeWidthChar;

/// How much further in than the line's own indent a continuation starts.
const HANG: usize = 2;

/// Appends `line` to `out` as rows at most `width` cells wide, breaking after a space where
/// one is near enough, else anywhere. Returns how many rows it took.
pub fn wrap(line: Line<'static>, width: usize, out: &mut Vec<Line<'static>>) -> usize {
    let cells: Vec<(char, Style)> = line
        .spans
        .iter()
        .flat_map(|s| s.content.chars().map(move |c| (c, s.style)))
        .collect();
    let total: usize = cells.iter().map(|(c, _)| cell_width(*c)).sum();
    if width == 0 || total <= width {
        out.push(line);
        return 1;
    }
    let indent = cells
        .iter()
        .take_while(|(c, _)| *c == ' ' || *c == '▶')
        .count();
    // A continuation keeps at least half the width for text.
    let hang = (indent + HANG).min(width / 2);
    let mut rows = 0;
    let mut start = 0;
    while start < cells.len() {
        let lead = if rows == 0 { 0 } else { hang };
        let room = width - lead;
        let (end, next) = row_end(&cells, start, room);
        let mut spans = Vec::new();
        if lead > 0 {
            spans.push(Span::raw(" ".repeat(lead)));
        }
        spans.extend(runs(&cells[start..end]));
        out.push(Line::from(spans).style(line.style));
        rows += 1;
        start = next;
    }
    rows
}

fn cell_width(c: char) -> usize {
    c.width().unwrap_or(0)
}

/// Where the row starting at `start` ends (exclusive) and where the next one starts, for a
/// row `room` cells wide: after the last space that fits (the space is dropped), or at the
/// last character that fits when no space is in the second half of the row.
fn row_end(cells: &[(char, Style)], start: usize, room: usize) -> (usize, usize) {
    let mut used = 0;
    let mut end = start;
    while end < cells.len() {
        let w = cell_width(cells[end].0);
        if used + w > room {
            break;
        }
        used += w;
        end += 1;
    }
    if end == cells.len() {
        return (end, end);
    }
    // At least one character per row, even one wider than the row.
    if end == start {
        return (start + 1, start + 1);
    }
    if cells[end].0 == ' ' {
        return (end, end + 1);
    }
    let space = cells[start..end]
        .iter()
        .rposition(|(c, _)| *c == ' ')
        .map(|i| start + i);
    match space {
        Some(s) if s > start + (end - start) / 2 => (s, s + 1),
        _ => (end, end),
    }
}

/// Runs of the same style as spans.
fn runs(cells: &[(char, Style)]) -> Vec<Span<'static>> {
    let mut spans: Vec<Span<'static>> = Vec::new();
    let mut text = String::new();
    let mut style = None;
    for &(c, s) in cells {
        if style.is_some_and(|st| st != s) {
            spans.push(Span::styled(
                std::mem::take(&mut text),
                style.unwrap_or_default(),
            ));
        }
        style = Some(s);
        text.push(c);
    }
    if !text.is_empty() {
        spans.push(Span::styled(text, style.unwrap_or_default()));
    }
    spans
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(text: &str, width: usize) -> Vec<String> {
        let mut out = Vec::new();
        wrap(Line::from(text.to_owned()), width, &mut out);
        out.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn continuations_keep_the_indent_and_break_at_spaces() {
        assert_eq!(
            rows(
                "      Braze is blocked: it needs all of C0002 and C0004",
                30
            ),
            [
                "      Braze is blocked: it",
                "        needs all of C0002 and",
                "        C0004",
            ]
        );
    }

    #[test]
    fn long_words_break_anywhere_and_wide_characters_are_not_split() {
        assert_eq!(
            rows("    \"k\": \"aaaaaaaaaaaaaaaaaaaaaa\"", 16),
            ["    \"k\": \"aaaaaa", "      aaaaaaaaaa", "      aaaaaa\""]
        );
        let wide = rows("  日本語日本語", 7);
        assert!(
            wide.iter()
                .all(|r| unicode_width::UnicodeWidthStr::width(r.as_str()) <= 7),
            "{wide:?}"
        );
        assert_eq!(wide.concat().replace(' ', ""), "日本語日本語");
    }

    #[test]
    fn a_line_that_fits_is_untouched_and_styles_survive() {
        let mut out = Vec::new();
        let styled = Line::from(vec![
            Span::raw("  "),
            Span::styled("key", Style::new().bold()),
            Span::raw(": value value value"),
        ]);
        assert_eq!(wrap(styled.clone(), 80, &mut out), 1);
        assert_eq!(out[0], styled);
        out.clear();
        wrap(styled, 12, &mut out);
        assert_eq!(out[0].spans[1], Span::styled("key", Style::new().bold()));
    }
}
