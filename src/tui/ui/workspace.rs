//! The workspace editor (`W`): the selected destination's mapping, each category's enabled
//! flag, the consent model and the source plan's track entries (enabled, and whether the
//! selected destination is filtered out), with how the draft differs from the settings as read.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use super::Theme;
use crate::text::{printable, truncate};
use crate::tui::app::parts::Editor;

/// Wide enough for a category's name and the keys' line.
const WIDTH: u16 = 76;

/// The editor's lines.
pub fn lines(
    e: &Editor,
    original: &crate::workspace::Workspace,
    theme: Theme,
) -> Vec<Line<'static>> {
    let ws = &e.draft;
    let d = &ws.destinations[e.destination];
    let mut out = vec![
        Line::from(vec![
            Span::styled("Destination ", theme.dim()),
            Span::styled(format!("◀ {} ▶", printable(&d.name)), theme.bold()),
            Span::styled(
                format!(
                    "  {}/{} (← →) · {}",
                    e.destination + 1,
                    ws.destinations.len(),
                    d.kind.as_str()
                ),
                theme.dim(),
            ),
        ]),
        Line::styled(
            "  MAPPED  CATEGORY                                 ENABLED",
            theme.bold(),
        ),
    ];
    for (i, c) in ws.categories.iter().enumerate() {
        let mapped = d.categories.iter().any(|&m| usize::from(m) == i);
        let here = e.cursor == i;
        let text = format!(
            "{} [{}]     {:<40} {}",
            if here { "▸" } else { " " },
            if mapped { "x" } else { " " },
            truncate(&format!("{} {}", printable(&c.id), printable(&c.name)), 40),
            if c.enabled {
                "yes"
            } else {
                "no (not enforced)"
            }
        );
        let style = if here {
            theme.selected()
        } else {
            theme.plain()
        };
        out.push(Line::styled(text, style));
    }
    let here = e.cursor == ws.categories.len();
    out.push(Line::styled(
        format!(
            "{} consent model (device mode): {}",
            if here { "▸" } else { " " },
            ws.consent_model.as_str()
        ),
        if here {
            theme.selected()
        } else {
            theme.plain()
        },
    ));
    plan_rows(&mut out, e, theme);
    let changes = crate::analyses::diff::settings_diff(original, ws);
    out.push(Line::styled(
        "Changes from the settings as read:",
        theme.bold(),
    ));
    if changes.is_empty() {
        out.push(Line::styled("  none yet", theme.dim()));
    }
    for c in changes {
        out.push(Line::styled(
            format!("  {}", printable(&c.describe())),
            theme.accent(),
        ));
    }
    out.push(Line::styled(
        "↑↓ move · space map/filter · e enable · o model · Enter apply · Esc cancel",
        theme.dim(),
    ));
    out
}

/// The plan's track entries: enabled, and whether the selected destination is filtered out.
fn plan_rows(out: &mut Vec<Line<'static>>, e: &Editor, theme: Theme) {
    let ws = &e.draft;
    let d = &ws.destinations[e.destination];
    let entries = &ws.plan.track.entries;
    if !entries.is_empty() {
        out.push(Line::styled(
            format!(
                "  PLAN (track)                    ENABLED  {}",
                truncate(&printable(&d.name), 24)
            ),
            theme.bold(),
        ));
    }
    for (i, (name, entry)) in entries.iter().enumerate() {
        let here = e.cursor == ws.categories.len() + 1 + i;
        let filtered = entry.integration(&d.name) == Some(&serde_json::Value::Bool(false));
        let text = format!(
            "{} {:<31} {:<8} {}",
            if here { "▸" } else { " " },
            truncate(&printable(name), 31),
            if entry.enabled == Some(false) {
                "no"
            } else {
                "yes"
            },
            if filtered { "[x] filtered out" } else { "[ ]" }
        );
        out.push(Line::styled(
            text,
            if here {
                theme.selected()
            } else {
                theme.plain()
            },
        ));
    }
}

pub fn draw(
    frame: &mut Frame,
    area: Rect,
    e: &Editor,
    original: &crate::workspace::Workspace,
    theme: Theme,
) {
    let lines = lines(e, original, theme);
    let height =
        u16::try_from(lines.len()).map_or(u16::MAX, |n| n.saturating_add(super::BORDER_LINES));
    let popup = super::centered(area, WIDTH, height);
    frame.render_widget(Clear, popup);
    let block = Block::bordered()
        .title(Span::styled(" What if the workspace were… ", theme.bold()))
        .border_style(theme.border(true));
    frame.render_widget(Paragraph::new(lines).block(block), popup);
}
