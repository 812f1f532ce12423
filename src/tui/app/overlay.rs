//! What covers the panes: the help, and a rule's text from docs/rules.md.

use super::{Action, App, Overlay, Store};
use crate::rules::choices::{RULES_DOC, section};

impl App {
    /// `r`: the rule the lesson teaches, in the tour; else the first choice the selected
    /// verdict rests on. Pressed again, it closes.
    pub(super) fn show_rule(&mut self, store: &Store) {
        if matches!(self.overlay, Some(Overlay::Rule { .. })) {
            self.overlay = None;
            return;
        }
        let anchor: Option<String> = match &self.tour {
            Some(t) => Some(t.lesson().rule.clone()),
            None => self
                .detail
                .as_ref()
                .and_then(|d| d.outcome.as_ref().ok())
                .and_then(|o| o.choices(store.workspace()).first().copied())
                .map(|c| c.anchor().to_owned()),
        };
        let Some(anchor) = anchor else {
            self.flash = Some(format!(
                "this verdict rests on no choice of ours; every rule is in {RULES_DOC}"
            ));
            return;
        };
        match section(&anchor) {
            Some(text) => self.overlay = Some(Overlay::Rule { text, offset: 0 }),
            None => self.flash = Some(format!("no section #{anchor} in {RULES_DOC}")),
        }
    }

    /// Keys while an overlay is up: Esc closes it; a rule's text scrolls.
    pub(super) fn in_overlay(&mut self, action: Action) {
        if action == Action::Back {
            self.overlay = None;
            return;
        }
        let screen = super::Rect::new(0, 0, self.width, self.height);
        if let Some(Overlay::Rule { offset, text }) = &mut self.overlay {
            let inner =
                ratatui::widgets::Block::bordered().inner(crate::tui::layout::rule_popup(screen));
            let rows = crate::tui::ui::rule::rows(text, inner.width).len();
            let last = u16::try_from(rows)
                .unwrap_or(u16::MAX)
                .saturating_sub(inner.height);
            let page = inner.height.max(1);
            *offset = match action {
                Action::Down => offset.saturating_add(1),
                Action::Up => offset.saturating_sub(1),
                Action::PageDown => offset.saturating_add(page),
                Action::PageUp => offset.saturating_sub(page),
                Action::Top => 0,
                Action::Bottom => last,
                _ => *offset,
            }
            .min(last);
        }
    }
}
