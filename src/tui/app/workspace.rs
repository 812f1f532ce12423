//! The workspace what-if (`W`): the settings edited in a draft, every event decided again under
//! them by a reader of its own, and the store as first read kept beside it, to compare with
//! and to drop back to.

use std::sync::Arc;

use super::action::EditKey;
use super::parts::{Editor, Tally, WorkspaceWhatIf};
use super::{App, Prompt, PromptKind, Store, typed_path};
use crate::tui::store::Shared;
use crate::workspace::ConsentModel;

impl App {
    /// `W`: the editor, on the destination selected in the Destinations pane or the charts.
    pub(super) fn open_editor(&mut self, store: &Store) {
        if self.reload.is_none() {
            self.flash = Some("a what-if needs an input it can read again".into());
            return;
        }
        let draft = (**store.workspace()).clone();
        if draft.destinations.is_empty() {
            self.flash = Some("the workspace has no destination to change".into());
            return;
        }
        self.editor = Some(Editor {
            destination: self.dest_list.selected.min(draft.destinations.len() - 1),
            draft,
            cursor: 0,
        });
    }

    /// A key while the editor is up. Its rows: the categories, the consent model, then the
    /// plan's track entries.
    pub(super) fn edit(&mut self, key: EditKey) {
        let Some(e) = &mut self.editor else { return };
        let categories = e.draft.categories.len();
        let rows = categories + 1 + e.draft.plan.track.entries.len();
        let dests = e.draft.destinations.len();
        let category = u8::try_from(e.cursor)
            .ok()
            .filter(|&c| usize::from(c) < categories);
        let entry = e.cursor.checked_sub(categories + 1);
        match key {
            EditKey::Up => e.cursor = (e.cursor + rows - 1) % rows,
            EditKey::Down => e.cursor = (e.cursor + 1) % rows,
            EditKey::PreviousDestination => e.destination = (e.destination + dests - 1) % dests,
            EditKey::NextDestination => e.destination = (e.destination + 1) % dests,
            EditKey::ToggleMapping => match (category, entry) {
                (Some(c), _) => {
                    let mapped = e.draft.destinations[e.destination].categories.contains(&c);
                    e.draft.set_mapped(e.destination, c, !mapped);
                }
                (None, Some(i)) => {
                    let name = &e.draft.destinations[e.destination].name;
                    let off = e.draft.plan.track.entries[i].1.integration(name)
                        == Some(&serde_json::Value::Bool(false));
                    e.draft.set_plan_filter(i, e.destination, !off);
                }
                (None, None) => {
                    self.flash =
                        Some("space maps a category or filters a plan entry: move to one".into());
                }
            },
            EditKey::ToggleEnabled => match (category, entry) {
                (Some(c), _) => {
                    let enabled = e.draft.category(c).enabled;
                    e.draft.set_enabled(c, !enabled);
                }
                (None, Some(i)) => {
                    let enabled = e.draft.plan.track.entries[i].1.enabled != Some(false);
                    e.draft.set_plan_enabled(i, !enabled);
                }
                (None, None) => {
                    self.flash = Some("e enables a category or a plan entry: move to one".into());
                }
            },
            EditKey::SwitchModel => {
                let next = match e.draft.consent_model {
                    ConsentModel::OptIn => ConsentModel::OptOut,
                    ConsentModel::OptOut => ConsentModel::OptIn,
                };
                e.draft.set_consent_model(next);
                e.cursor = categories;
            }
            EditKey::Apply => self.apply_draft(),
            EditKey::Cancel => self.editor = None,
        }
    }

    /// Enter in the editor: every event decided again under the draft (the original settings,
    /// when the draft has come back to them).
    fn apply_draft(&mut self) {
        let (Some(e), Some(reload)) = (self.editor.take(), self.reload.clone()) else {
            return;
        };
        let original = self.original_workspace();
        let changes: Vec<String> = crate::analyses::diff::settings_diff(&original, &e.draft)
            .iter()
            .map(crate::analyses::diff::SettingChange::describe)
            .collect();
        if changes.is_empty() {
            if self.workspace_what_if.is_some() {
                self.drop_what_if();
            } else {
                self.flash = Some("no change to the settings: nothing to try".into());
            }
            return;
        }
        let (after, stop) = reload.start(Arc::new(e.draft), None);
        let before = match self.workspace_what_if.take() {
            Some(w) => w.before.clone(),
            None => self.store.clone(),
        };
        self.workspace_what_if = Some(WorkspaceWhatIf {
            before,
            changes,
            stop,
            tally: Tally::default(),
            vendor: None,
        });
        self.swap_store(&after);
    }

    /// `V`: every event decided again by the other vendor's rules, on the same intent (the
    /// settings and each event's consent translated, as `route --compare` does), shown as a
    /// what-if: what changes is where the two vendors disagree.
    pub(super) fn compare_vendors(&mut self) {
        let Some(reload) = self.reload.clone() else {
            self.flash = Some("a comparison needs an input it can read again".into());
            return;
        };
        if self
            .workspace_what_if
            .as_ref()
            .is_some_and(|w| w.vendor.is_none())
        {
            self.flash = Some("drop the workspace what-if first (X)".into());
            return;
        }
        if self.workspace_what_if.is_some() {
            self.drop_what_if();
            return;
        }
        let original = self.original_workspace();
        let other = original.dialect().other();
        let (translated, notes) = crate::rules::translate::workspace((*original).clone(), other);
        let mut changes = vec![format!(
            "{}'s rules, the settings and consent translated (V again: back to {}'s)",
            other.vendor(),
            original.dialect().vendor()
        )];
        changes.extend(notes);
        let (after, stop) = reload.start(Arc::new(translated), Some(other));
        self.workspace_what_if = Some(WorkspaceWhatIf {
            before: self.store.clone(),
            changes,
            stop,
            tally: Tally::default(),
            vendor: Some(other),
        });
        self.swap_store(&after);
    }

    /// `X`: back to the settings the UI started with.
    pub(super) fn drop_what_if(&mut self) {
        let Some(w) = self.workspace_what_if.take() else {
            self.flash = Some("no workspace what-if to drop (W starts one)".into());
            return;
        };
        self.swap_store(&w.before);
        self.flash = Some("what-if dropped: the settings as they were".into());
    }

    /// `S`: asks where to save the edited settings.
    pub(super) fn start_save(&mut self) {
        match &self.workspace_what_if {
            None => {
                self.flash = Some("no workspace what-if to save (W starts one)".into());
                return;
            }
            Some(w) if w.vendor.is_some() => {
                self.flash = Some(
                    "a vendor comparison changes no settings: nothing to save (route --compare prints it)"
                        .into(),
                );
                return;
            }
            Some(_) => {}
        }
        self.prompt = Some(Prompt {
            kind: PromptKind::SaveSettings,
            text: "what-if-settings.json".into(),
        });
    }

    /// Writes the edited settings to `name`, in our own shape, and says how to diff with them.
    pub(super) fn save_settings(&mut self, store: &Store, name: &str) {
        let name = name.trim();
        if name.is_empty() {
            self.flash = Some("no file named: nothing saved".into());
            return;
        }
        let path = typed_path(name);
        let mut text = serde_json::to_vec_pretty(&store.workspace().to_own_json())
            .unwrap_or_else(|_| b"{}".to_vec());
        text.push(b'\n');
        self.flash = Some(match std::fs::write(&path, text) {
            Ok(()) => format!(
                "saved {}: diff --settings {} --against {} shows the same",
                crate::text::printable(&path.display().to_string()),
                crate::text::printable(&self.original_workspace().origin),
                crate::text::printable(&path.display().to_string()),
            ),
            Err(e) => format!(
                "cannot write {}: {e}",
                crate::text::printable(&path.display().to_string())
            ),
        });
    }

    /// Shows `store` in place of the current one: rows, counts, profiles, searches and the
    /// filter follow it; the selection stays on the same event once it is read.
    fn swap_store(&mut self, store: &Shared) {
        let current = self.store.clone();
        let current = current
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        self.reselect = self.selected_row(&current).filter(|_| !self.follow);
        drop(current);
        self.store = store.clone();
        self.searcher.set_store(store.clone());
        self.first = 0;
        self.view.clear();
        self.scanned = 0;
        self.users_listed = (usize::MAX, 0);
        self.detail = None;
        self.charts = None;
        let new = store
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let filter = self.filter.clone();
        self.set_filter(&new, filter);
        if let Some(s) = self.search.take() {
            self.search = Some(self.searcher.search(s.text().to_owned()));
        }
    }
}
