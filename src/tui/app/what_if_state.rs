//! The what-if: which category `1`-`9` chose, and the value `t` tries next.

use super::{Action, App, Store, what_if};

impl App {
    /// `1`-`9`, `t` and `T`: which category the what-if changes and to what.
    pub(super) fn change_what_if(&mut self, store: &Store, action: Action) {
        match action {
            Action::WhatIfCategory(n) if usize::from(n) < store.workspace().categories.len() => {
                self.what_if.category = n;
            }
            Action::WhatIfCategory(n) => {
                self.flash = Some(format!("there is no category {}", n + 1));
            }
            Action::WhatIfCycle => {
                let own = self.held_value(store);
                self.what_if.value = Some(what_if::Trial::step(self.what_if.value, own));
            }
            _ => self.what_if.value = None,
        }
        self.refresh_detail(store);
        if self.what_if.value.is_some() && self.detail.as_ref().is_some_and(|d| d.trial.is_none()) {
            self.flash =
                Some("no what-if for this record: it is not an event Segment decides".into());
        }
    }
}
