//! The `:` and `/` prompts and the filters: what is typed, what it means, and the filter it
//! sets (keys `e` `w` `b` `d` `u` `c` write into the same filter).

use super::{
    Action, App, Command, FILTERABLE_DESTINATIONS, Filter, FilterKey, Prompt, PromptKind, Store,
    Term, printable, typed_path,
};

impl App {
    /// Lists the events `filter` passes, staying on the selected event where it still is.
    pub(super) fn set_filter(&mut self, store: &Store, filter: Filter) {
        let keep = self.selected_row(store);
        self.filter = filter;
        self.view.clear();
        self.scanned = 0;
        if self.filter.on_outcome() {
            self.filter_scan = Some(self.searcher.filter(self.filter.clone()));
        } else if self.filter_scan.take().is_some() {
            self.searcher.cancel_filter();
        }
        if !self.filter.is_all() && self.filter_scan.is_none() {
            self.view = (store.first()..store.end())
                .filter(|&i| self.passes(store, i))
                .collect();
        }
        self.scanned = store.end();
        // Stay on the same event where it is still listed, else on the nearest one after it.
        self.event_list.selected = match keep {
            Some(r) if self.filter.is_all() => r - self.first,
            Some(r) => self.view.partition_point(|&i| i < r),
            None => 0,
        };
    }

    /// Typing after `/` or `:`: characters, completion and history.
    pub(super) fn type_prompt(&mut self, store: &Store, action: Action) {
        let start = |kind| Prompt {
            kind,
            text: String::new(),
        };
        match action {
            Action::StartSearch if self.pane == super::Pane::Users => {
                let text = self.users_query.clone().unwrap_or_default();
                self.prompt = Some(Prompt {
                    kind: PromptKind::Users,
                    text,
                });
            }
            Action::StartSearch => self.prompt = Some(start(PromptKind::Search)),
            Action::StartCommand => {
                self.prompt = Some(start(PromptKind::Command));
                self.history_at = None;
            }
            Action::PromptInput(_) | Action::PromptBackspace => {
                let Some(p) = &mut self.prompt else { return };
                match action {
                    Action::PromptInput(c) => p.text.push(c),
                    _ => {
                        p.text.pop();
                    }
                }
                // The users list follows the search as it is typed.
                if p.kind == PromptKind::Users {
                    self.users_query = Some(p.text.clone()).filter(|t| !t.is_empty());
                    self.refresh_users(store);
                    self.user_list.selected = 0;
                }
            }
            Action::PromptCancel => {
                let cancelled = self.prompt.take().map(|p| p.kind);
                // Cancelling a users search shows every user again.
                if cancelled == Some(PromptKind::Users) {
                    self.users_query = None;
                    self.refresh_users(store);
                }
            }
            Action::PromptComplete => {
                let Some(p) = self
                    .prompt
                    .as_mut()
                    .filter(|p| p.kind == PromptKind::Command)
                else {
                    return;
                };
                let (text, candidates) = crate::tui::filter::complete(&p.text, store);
                p.text = text;
                if candidates.len() > 1 {
                    self.flash = Some(candidates.join("  "));
                }
            }
            Action::PromptHistory { older } => {
                let Some(p) = self
                    .prompt
                    .as_mut()
                    .filter(|p| p.kind == PromptKind::Command)
                else {
                    return;
                };
                let n = self.history.len();
                self.history_at = match (self.history_at, older) {
                    (None, true) if n > 0 => Some(n - 1),
                    (Some(i), true) => Some(i.saturating_sub(1)),
                    (Some(i), false) if i + 1 < n => Some(i + 1),
                    _ => None,
                };
                p.text = self
                    .history_at
                    .map_or_else(String::new, |i| self.history[i].clone());
            }
            _ => {}
        }
    }

    /// Enter after `/` searches; after `:` runs the command.
    pub(super) fn submit_prompt(&mut self, store: &Store) {
        let Some(p) = self.prompt.take() else {
            return;
        };
        match p.kind {
            PromptKind::Search => {
                self.search = if p.text.is_empty() {
                    self.searcher.cancel();
                    None
                } else {
                    Some(self.searcher.search(p.text))
                };
                self.search_jump = self.search.is_some();
            }
            PromptKind::Command => {
                if !p.text.trim().is_empty() && self.history.last() != Some(&p.text) {
                    self.history.push(p.text.clone());
                }
                self.run_command(store, &p.text);
            }
            PromptKind::Users => {
                self.users_query = Some(p.text).filter(|t| !t.is_empty());
                self.refresh_users(store);
                self.user_list.selected = 0;
                if self.users.is_empty() {
                    self.flash = Some("no user has that in an id or a trait".into());
                }
            }
            PromptKind::SaveSettings => self.save_settings(store, &p.text),
            PromptKind::Export => {
                let name = p.text.trim();
                if name.is_empty() {
                    self.flash = Some("no file named: nothing exported".into());
                    return;
                }
                let rows = self.listed_events(store);
                self.export = Some(self.searcher.export(rows, typed_path(name)));
            }
        }
    }

    /// What a `:` command asks for: a line, a messageId, or a filter.
    pub(super) fn run_command(&mut self, store: &Store, text: &str) {
        match crate::tui::filter::parse(text, store, &self.zone) {
            Ok(Command::Line(n)) => self.go_to_line(store, n),
            Ok(Command::MessageId(id)) => {
                // Found as a search for it, from the first event on.
                self.event_list.selected = 0;
                self.flash = Some(format!("looking for messageId {}", printable(&id)));
                self.search = Some(self.searcher.search(id));
                self.search_jump = true;
            }
            Ok(Command::Filter(f)) => {
                self.set_filter(store, f);
                self.follow = false;
            }
            Ok(Command::Clear) => self.set_filter(store, Filter::default()),
            Err(e) => self.flash = Some(e),
        }
    }

    /// Selects the first event on line `n`, or says why there is none in the list.
    pub(super) fn go_to_line(&mut self, store: &Store, n: u64) {
        let len = self.len(store);
        let on_line = |i: usize| store.row(i).is_some_and(|r| r.is_event() && r.line() == n);
        if let Some(p) = (0..len).find(|&p| on_line(self.row_at(p))) {
            self.event_list.selected = p;
            self.follow = false;
            // A line is an event: the next Enter opens it, whichever pane had the focus.
            self.pane = super::Pane::Events;
        } else if (store.first()..store.end()).any(on_line) {
            self.flash = Some(format!("line {n} is not in this filter (c clears it)"));
        } else {
            self.flash = Some(format!("no event on line {n}"));
        }
    }

    /// The filter a filter key asks for, written into the current one; None when there is
    /// nothing to filter by.
    pub(super) fn filter_for(&self, key: FilterKey, store: &Store) -> Option<Filter> {
        let mut f = self.filter.clone();
        match key {
            FilterKey::NotIngested => f.toggle(Term::NotIngested),
            FilterKey::Warnings => f.toggle(Term::Warnings),
            FilterKey::Wire => f.toggle(Term::Wire),
            FilterKey::Blocked => f.toggle(Term::Blocked),
            FilterKey::Clear => f = Filter::default(),
            FilterKey::NextDestination => {
                let n = store
                    .workspace()
                    .destinations
                    .len()
                    .min(FILTERABLE_DESTINATIONS);
                match f.destination() {
                    Some(d) if d + 1 < n => f.replace_same(Term::Destination {
                        index: d + 1,
                        delivered: false,
                    }),
                    Some(_) => f.terms.retain(|t| !matches!(t, Term::Destination { .. })),
                    None if n > 0 => f.replace_same(Term::Destination {
                        index: 0,
                        delivered: false,
                    }),
                    None => return None,
                }
            }
            FilterKey::SelectedUser => {
                let id = self
                    .selected_row(store)
                    .and_then(|r| store.row(r)?.identity())?;
                let term = Term::User(store.engine.profiles().root(id));
                if f.has(&term) {
                    f.toggle(term);
                } else {
                    f.replace_same(term);
                }
            }
        }
        Some(f)
    }
}
