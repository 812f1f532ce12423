//! Taking events out: `y` copies the selected event as written, `x` exports the listed ones.

use super::state::OSC52_COMFORTABLE;
use super::{App, Arc, Prompt, PromptKind, Store};

impl App {
    /// The store rows of the events listed now, in order.
    pub(super) fn listed_events(&self, store: &Store) -> Vec<usize> {
        (0..self.len(store))
            .map(|p| self.row_at(p))
            .filter(|&r| store.row(r).is_some_and(crate::tui::store::Row::is_event))
            .collect()
    }

    /// `x`: asks where to write the listed events, once the list is complete.
    pub(super) fn start_export(&mut self, store: &Store) {
        if !self.filter_done(store) {
            self.flash =
                Some("the filter is still being listed: export once its count is final".into());
        } else if self.export.is_some() {
            self.flash = Some("an export is running: wait for it to finish".into());
        } else if self.len(store) == 0 {
            self.flash = Some("no events listed: nothing to export".into());
        } else {
            self.prompt = Some(Prompt {
                kind: PromptKind::Export,
                text: String::new(),
            });
        }
    }

    /// `y`: the selected event, as written, for the terminal's clipboard.
    pub(super) fn copy(&mut self, store: &Store) {
        let Some(r) = self.selected_row(store).and_then(|i| store.row(i)) else {
            self.flash = Some("no event selected".into());
            return;
        };
        if !r.is_event() {
            self.flash = Some("a separator, not an event: nothing to copy".into());
            return;
        }
        let file: Arc<str> = Arc::from(store.file_label(r.generation).as_str());
        let text = crate::tui::store::read_again(&store.generations, &file, r.at()).and_then(
            |(bytes, record)| {
                record
                    .text(&bytes)
                    .map(std::borrow::Cow::into_owned)
                    .ok_or_else(|| "the line is over 1 MiB, or the element is not JSON".to_owned())
            },
        );
        match text {
            Ok(bytes) => {
                let n = bytes.len();
                // Terminals cap what OSC 52 may carry (often near 100 kB of base64).
                let note = if n > OSC52_COMFORTABLE {
                    "; a terminal may refuse this much"
                } else {
                    ""
                };
                self.flash = Some(format!(
                    "copied line {}'s event ({n} bytes) to the clipboard by OSC 52{note}",
                    r.line()
                ));
                self.clipboard = Some(bytes);
            }
            Err(e) => self.flash = Some(format!("nothing copied: {e}")),
        }
    }
}
