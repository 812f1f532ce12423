//! The model of the terminal UI. It changes only through `update(Action)`; drawing reads it.

use std::sync::Arc;

use crate::engine::profile::IdentityId;

use ratatui::layout::Rect;

use super::charts::Charts;
use super::export::typed_path;
use super::filter::{Command, Filter, Term};
use super::scroll::{Move, Scroll};
use super::search::Worker;
use super::selected;
use super::store::{FILTERABLE_DESTINATIONS, Shared, Store};
use crate::analyses::what_if;
use crate::text::printable;
use crate::tui::layout::ROWS_START;

pub mod action;
mod overlay;
pub mod parts;
mod pointer;
mod take_out;
use pointer::move_of;
mod prompt;
pub mod state;
mod tour;
mod what_if_state;
mod workspace;

pub use action::{
    Action, Arrivals, Columns, EditKey, FilterKey, Overlay, Pane, Prompt, PromptKind, UsersFocus,
    View, Zoom,
};
pub use parts::{Editor, Reload, Tally, TourState, WhatIf, WorkspaceWhatIf};
pub use state::{App, zone_label};

impl App {
    pub fn new(store: Shared, searcher: Worker, follow: bool, width: u16, height: u16) -> Self {
        Self {
            store,
            searcher,
            pane: Pane::Events,
            lower: Pane::Detail,
            filter: Filter::default(),
            view: Vec::new(),
            first: 0,
            scanned: 0,
            event_list: Scroll::default(),
            follow,
            arrivals: if follow {
                Arrivals::Open
            } else {
                Arrivals::ReadOnce
            },
            width,
            height,
            columns: Columns::Auto,
            zoom: Zoom::Off,
            detail: None,
            detail_view: Scroll::default(),
            what_if: WhatIf::default(),
            users: Vec::new(),
            users_query: None,
            users_listed: (usize::MAX, 0),
            user_list: Scroll::default(),
            tab_first: Pane::Detail,
            users_focus: UsersFocus::Grid,
            timeline: Scroll::default(),
            dest_list: Scroll::default(),
            prompt: None,
            history: Vec::new(),
            history_at: None,
            search: None,
            filter_scan: None,
            search_jump: false,
            overlay: None,
            quit: false,
            flash: None,
            zone: jiff::tz::TimeZone::UTC,
            export: None,
            clipboard: None,
            banner: None,
            keys: super::keymap::Keymap::default(),
            tour: None,
            observed: None,
            reload: None,
            editor: None,
            workspace_what_if: None,
            reselect: None,
            screen: View::Panes,
            charts: None,
            charts_of: (0, 0, 0),
        }
    }

    fn passes(&self, store: &Store, idx: usize) -> bool {
        store
            .row(idx)
            .is_some_and(|row| self.filter.passes(store, row))
    }

    /// Takes in what the reader added since last time. Call before drawing.
    pub fn sync(&mut self) {
        let store = self.store.clone();
        let store = store
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // Events that left the view move everything up.
        let gone = store.first().saturating_sub(self.first);
        if gone > 0 {
            self.first = store.first();
            let dropped = if self.filter.is_all() {
                gone
            } else {
                let n = self.view.partition_point(|&i| i < store.first());
                self.view.drain(..n);
                n
            };
            self.event_list.shift_up(dropped);
        }
        if let Some(scan) = &self.filter_scan {
            // Terms about the routing decision: the worker lists the events, in order.
            self.view = scan.matches();
            self.view.retain(|&i| i >= store.first());
        } else if !self.filter.is_all() {
            for idx in self.scanned.max(store.first())..store.end() {
                if self.passes(&store, idx) {
                    self.view.push(idx);
                }
            }
        }
        self.scanned = store.end();
        // A search also follows new traits, which arrive with new events.
        let now = (
            store.engine.profiles().len(),
            if self.users_query.is_some() {
                store.end()
            } else {
                0
            },
        );
        if now != self.users_listed {
            self.refresh_users(&store);
        }
        let len = self.len(&store);
        if self.follow && len > 0 {
            self.event_list.selected = len - 1;
        }
        if let Some(n) = self.reselect.filter(|&n| n < store.end()) {
            self.event_list.selected = if self.filter.is_all() {
                n.saturating_sub(self.first)
            } else {
                self.view.partition_point(|&i| i < n)
            };
            self.reselect = None;
        }
        if let Some(w) = &mut self.workspace_what_if {
            w.tally_up(&store);
        }
        if self.screen == View::Charts {
            self.refresh_charts(&store);
        }
        if self.search_jump {
            self.jump_to_first_match(&store, len);
        }
        self.fit_lists(&store, len);
        self.refresh_detail(&store);
        if self.tour.as_ref().is_some_and(|t| !t.started) && store.caught_up {
            self.enter_lesson(&store, 0);
        }
    }

    /// Keys in the chart view: Esc leaves it, the moves choose a destination (for `W`).
    fn in_charts(&mut self, store: &Store, action: Action) {
        if action == Action::Back {
            self.screen = View::Panes;
        } else if let Some(m) = move_of(action) {
            let n = store.workspace().destinations.len();
            self.dest_list.apply(m, n, self.areas().destinations_page());
        }
    }

    /// The chart view's figures, computed again when either side has read more or the
    /// width changed.
    fn refresh_charts(&mut self, store: &Store) {
        let buckets = crate::tui::layout::buckets(self.width);
        let before = self.workspace_what_if.as_ref().map(|w| {
            w.before
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
        });
        let key = (
            store.end(),
            before.as_ref().map_or(0, |b| b.end() + 1),
            buckets,
        );
        if self.charts.is_some() && key == self.charts_of {
            return;
        }
        // Both sides over the same span, so that their sparklines line up.
        let span = super::charts::span(store);
        let after = Charts::of(store, span, buckets);
        let before = before.map(|b| Charts::of(&b, span, buckets));
        self.charts = Some((after, before));
        self.charts_of = key;
    }

    /// Selects the first match at or after the selection (after wrapping, before it) once
    /// the search has found one, or says there is none once it has searched every row.
    fn jump_to_first_match(&mut self, store: &Store, len: usize) {
        let Some(search) = &self.search else {
            self.search_jump = false;
            return;
        };
        let matches = search.matches();
        let (_, done) = search.count(store.end());
        let is_match = |p: usize| matches.binary_search(&self.row_at(p)).is_ok();
        let from = self.event_list.selected.min(len);
        let found = (from..len)
            .find(|&p| is_match(p))
            .or_else(|| done.then(|| (0..from).find(|&p| is_match(p))).flatten());
        match found {
            Some(p) => {
                self.event_list.selected = p;
                self.follow = false;
                self.search_jump = false;
            }
            None if done => {
                self.flash = Some("no matches".into());
                self.search_jump = false;
            }
            None => {}
        }
    }

    /// The Users pane follows the selected event: its user is the one selected there (unless
    /// one is choosing in that pane).
    fn follow_user(&mut self, store: &Store) {
        if self.pane == Pane::Users {
            return;
        }
        let Some(id) = self
            .selected_row(store)
            .and_then(|r| store.row(r)?.identity())
        else {
            return;
        };
        let p = store.engine.profiles();
        let root = p.root(id);
        if let Some(i) = self
            .users
            .iter()
            .position(|&u| p.knows(u) && p.root(u) == root)
        {
            if i != self.user_list.selected {
                self.user_list.selected = i;
                self.timeline = Scroll::default();
            }
        }
    }

    pub(super) fn refresh_users(&mut self, store: &Store) {
        let p = store.engine.profiles();
        let query = self.users_query.as_deref().map(str::to_lowercase);
        let found = |id: IdentityId| {
            let Some(q) = &query else { return true };
            let has = |s: &str| s.to_lowercase().contains(q.as_str());
            p.profile(id).members.iter().any(|m| has(p.name(*m)))
                || store.traits_of(id).iter().any(|(_, v)| has(v))
        };
        let mut users: Vec<IdentityId> =
            p.iter().map(|(id, _)| id).filter(|&id| found(id)).collect();
        users.sort_by(|a, b| p.label(*a).cmp(p.label(*b)));
        self.users_listed = (
            p.len(),
            if self.users_query.is_some() {
                store.end()
            } else {
                0
            },
        );
        self.users = users;
    }

    fn refresh_detail(&mut self, store: &Store) {
        let want = self.selected_row(store);
        if self.detail.as_ref().map(|d| d.row) != want {
            self.detail = want.map(|r| {
                let mut d = selected::load(store, r);
                d.before = self.workspace_what_if.as_ref().and_then(|w| {
                    let before = w
                        .before
                        .read()
                        .unwrap_or_else(std::sync::PoisonError::into_inner);
                    selected::outcome(&before, r)
                });
                d
            });
            self.detail_view = Scroll::default();
            self.follow_user(store);
        }
        if let Some(d) = &mut self.detail {
            let what = self.what_if.value.map(|v| (self.what_if.category, v));
            if d.trial.as_ref().map(|t| (t.category, t.value)) != what {
                d.try_preference(store, what);
            }
        }
    }

    /// The detail as drawn at the current size.
    pub fn detail_rows(&self, store: &Store) -> super::ui::detail::Rows {
        let width = self.areas().lower_inner().width;
        super::ui::detail::rows(self, store, super::ui::Theme::MONOCHROME, width)
    }

    /// Enter or space in the detail: fold or open the object, array or long string under
    /// the cursor.
    fn toggle_fold(&mut self, store: &Store) {
        let fold = self
            .detail_rows(store)
            .folds
            .into_iter()
            .nth(self.detail_view.selected)
            .flatten();
        match (fold, &mut self.detail) {
            (Some(path), Some(d)) => {
                if !d.toggled.remove(&path) {
                    d.toggled.insert(path);
                }
            }
            _ => {
                self.flash = Some(
                    "Enter and space fold an object or array, or open a long string, in the JSON"
                        .into(),
                );
            }
        }
    }

    /// Keeps every list's selection within its rows and on its visible page.
    fn fit_lists(&mut self, store: &Store, len: usize) {
        let a = self.areas();
        self.event_list.fit(len, a.events_page());
        self.user_list.fit(self.users.len(), a.users_page());
        self.dest_list
            .fit(store.workspace().destinations.len(), a.destinations_page());
        if self.detail_view.selected > 0 {
            // Folding, a what-if or a new width can make the detail shorter.
            let n = self.detail_rows(store).lines.len();
            self.detail_view.fit(n, usize::from(a.lower_inner().height));
        }
    }

    pub fn update(&mut self, action: Action) {
        if self.tour_step(action) {
            return;
        }
        self.handle(action);
        self.tour_check(action);
    }

    fn handle(&mut self, action: Action) {
        self.flash = None;
        // A finished export's message has been on screen since it finished.
        if self.export.as_ref().is_some_and(|e| e.result().is_some()) {
            self.export = None;
        }
        let store_arc = self.store.clone();
        let store = store_arc
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let len = self.len(&store);
        match action {
            Action::Quit => self.quit = true,
            Action::ToggleHelp => {
                self.overlay = match self.overlay {
                    Some(Overlay::Help) => None,
                    _ => Some(Overlay::Help),
                };
            }
            Action::ShowRule => self.show_rule(&store),
            Action::Resize { width, height } => (self.width, self.height) = (width, height),
            Action::Edit(key) => self.edit(key),
            _ if self.editor.is_some() => {}
            _ if self.overlay.is_some() => self.in_overlay(action),
            Action::EditWorkspace => self.open_editor(&store),
            Action::DropWorkspaceWhatIf => self.drop_what_if(),
            Action::SaveWorkspaceWhatIf => self.start_save(),
            Action::CompareVendors => self.compare_vendors(),
            Action::ToggleCharts => self.screen = self.screen.toggled(),
            _ if self.screen == View::Charts => self.in_charts(&store, action),
            Action::Copy => self.copy(&store),
            Action::StartExport => self.start_export(&store),
            Action::StartSearch
            | Action::StartCommand
            | Action::PromptInput(_)
            | Action::PromptBackspace
            | Action::PromptCancel
            | Action::PromptComplete
            | Action::PromptHistory { .. } => self.type_prompt(&store, action),
            Action::PromptSubmit => self.submit_prompt(&store),
            Action::NextMatch | Action::PrevMatch => {
                self.jump_to_match(&store, action == Action::NextMatch);
            }
            Action::NextProblem | Action::PrevProblem => {
                let forward = action == Action::NextProblem;
                let found = self.find(len, forward, |pos| {
                    store
                        .row(self.row_at(pos))
                        .is_some_and(super::store::Row::is_problem)
                });
                self.go(found, "no more problems");
            }
            Action::Filter(key) => match self.filter_for(key, &store) {
                Some(f) => {
                    self.set_filter(&store, f);
                    self.follow = false;
                }
                None => self.flash = Some("nothing to filter by".into()),
            },
            Action::NextPane | Action::PrevPane | Action::ToggleColumns | Action::ToggleZoom => {
                self.arrange(action);
            }
            Action::Back => {
                if self.search.is_some() && self.pane == Pane::Events {
                    self.searcher.cancel();
                    self.search = None;
                } else if self.users_query.is_some() && self.pane == Pane::Users {
                    self.users_query = None;
                    self.refresh_users(&store);
                } else {
                    self.pane = Pane::Events;
                }
            }
            Action::Open => self.open(&store),
            Action::ToggleFold if self.pane == Pane::Detail => self.toggle_fold(&store),
            Action::ToggleFold => {
                self.flash = Some("space folds the JSON in the detail (Enter opens it)".into());
            }
            Action::IntoTimeline if self.pane == Pane::Users && self.timeline_len(&store) > 0 => {
                self.users_focus = UsersFocus::Timeline;
            }
            Action::OutOfTimeline => self.users_focus = UsersFocus::Grid,
            Action::IntoTimeline => {}
            Action::ToggleFollow => self.toggle_follow(len),
            Action::WhatIfCategory(_) | Action::WhatIfCycle | Action::WhatIfReset => {
                self.change_what_if(&store, action);
            }
            Action::Up
            | Action::Down
            | Action::PageUp
            | Action::PageDown
            | Action::Top
            | Action::Bottom => {
                if let Some(m) = move_of(action) {
                    self.move_in_pane(&store, self.pane, m, len);
                }
            }
            Action::Wheel { .. } | Action::Click { .. } => self.mouse(&store, action, len),
        }
        let len = self.len(&store);
        self.fit_lists(&store, len);
        self.refresh_detail(&store);
    }

    /// Which pane has the focus, what fills the screen, and how the events show routes.
    fn arrange(&mut self, action: Action) {
        match action {
            Action::ToggleColumns => {
                self.columns = if self.per_destination() {
                    Columns::Summary
                } else {
                    Columns::PerDestination
                };
            }
            Action::ToggleZoom => {
                self.zoom = match self.zoom {
                    Zoom::Off => Zoom::Focused,
                    Zoom::Focused => Zoom::Off,
                };
            }
            _ => {
                // Tab from the events goes into the pane shown below them, whichever it is,
                // then on through the others: one press reaches what is on screen.
                // The cycle is fixed when it leaves the events, so it visits each pane once.
                if self.pane == Pane::Events {
                    self.tab_first = self.lower;
                }
                let mut order = vec![Pane::Events, self.tab_first];
                order.extend(Pane::ORDER[1..].iter().filter(|p| **p != self.tab_first));
                let i = order.iter().position(|p| *p == self.pane).unwrap_or(0);
                let n = order.len();
                let next = if action == Action::NextPane {
                    (i + 1) % n
                } else {
                    (i + n - 1) % n
                };
                self.focus(order[next]);
            }
        }
    }

    /// `f`: follow the newest event, or pause; or say why nothing more can arrive.
    fn toggle_follow(&mut self, len: usize) {
        if let Arrivals::Open = self.arrivals {
            self.follow = !self.follow;
            if self.follow {
                self.event_list.selected = len.saturating_sub(1);
            }
        } else {
            self.flash = Some(match &self.arrivals {
                Arrivals::Ended(why) => format!("{why}: nothing more will arrive"),
                _ => "read once: to follow, start without --no-follow".into(),
            });
        }
    }

    /// What fills the followed file (stdin, a gzip file) has ended; `why` says how. What it
    /// wrote is still read to its end.
    pub fn source_ended(&mut self, why: String) {
        self.follow = false;
        self.arrivals = Arrivals::Ended(why);
    }

    /// Enter: the detail of the selected event, or the events of the chosen user or
    /// destination, written into the current filter.
    fn open(&mut self, store: &Store) {
        let term = match self.pane {
            Pane::Events => return self.focus(Pane::Detail),
            Pane::Detail => return self.toggle_fold(store),
            Pane::Users if self.users_focus == UsersFocus::Timeline => {
                return self.open_timeline_entry(store);
            }
            Pane::Users => self
                .users
                .get(self.user_list.selected)
                .map(|&u| Term::User(store.engine.profiles().root(u))),
            Pane::Destinations => {
                let d = self.dest_list.selected;
                let n = store.workspace().destinations.len();
                (d < n.min(FILTERABLE_DESTINATIONS)).then_some(Term::Destination {
                    index: d,
                    delivered: false,
                })
            }
        };
        if let Some(t) = term {
            let mut f = self.filter.clone();
            f.replace_same(t);
            self.set_filter(store, f);
            self.follow = false;
            self.pane = Pane::Events;
        }
    }

    /// Entries in the selected user's timeline.
    fn timeline_len(&self, store: &Store) -> usize {
        self.users
            .get(self.user_list.selected)
            .map_or(0, |&u| store.engine.profiles().profile(u).history.len())
    }

    /// Enter on a timeline entry: the event that made the change, in the Events pane (the
    /// filter is cleared when it hides that event).
    fn open_timeline_entry(&mut self, store: &Store) {
        let Some(&u) = self.users.get(self.user_list.selected) else {
            return;
        };
        let history = &store.engine.profiles().profile(u).history;
        let Some(entry) = history.iter().rev().nth(self.timeline.selected) else {
            return;
        };
        let line = entry.line;
        let listed = |app: &Self| {
            (0..app.len(store)).any(|p| {
                store
                    .row(app.row_at(p))
                    .is_some_and(|r| r.is_event() && r.line() == line)
            })
        };
        if !listed(self) {
            self.set_filter(store, Filter::default());
            self.flash = Some(format!("filter cleared to show line {line}"));
        }
        self.go_to_line(store, line);
        self.pane = Pane::Events;
    }

    fn focus(&mut self, pane: Pane) {
        self.pane = pane;
        if pane != Pane::Events {
            self.lower = pane;
        }
    }

    /// The next (or previous) view position after the selection that satisfies `pred`.
    fn find(&self, len: usize, forward: bool, pred: impl Fn(usize) -> bool) -> Option<usize> {
        if forward {
            (self.event_list.selected + 1..len).find(|&p| pred(p))
        } else {
            (0..self.event_list.selected.min(len))
                .rev()
                .find(|&p| pred(p))
        }
    }

    fn go(&mut self, found: Option<usize>, none: &str) {
        match found {
            Some(p) => {
                self.event_list.selected = p;
                self.follow = false;
            }
            None => self.flash = Some(none.into()),
        }
    }

    fn jump_to_match(&mut self, store: &Store, forward: bool) {
        let Some(search) = &self.search else {
            self.flash = Some("no search: press / to search".into());
            return;
        };
        let matches = search.matches();
        let len = self.len(store);
        let found = self.find(len, forward, |p| {
            matches.binary_search(&self.row_at(p)).is_ok()
        });
        self.go(found, "no more matches");
    }
}
