//! The model's state: what the screen shows, read by drawing (`ui`) and changed only by
//! `update` (the rest of `app`). What drawing asks of it is here; what changes it is not.

use std::sync::Arc;

use ratatui::layout::Rect;

use super::action::{Arrivals, Columns, Overlay, Pane, Prompt, UsersFocus, View, Zoom};
use super::parts::{Editor, Reload, TourState, WhatIf, WorkspaceWhatIf};
use crate::analyses::what_if;
use crate::engine::profile::IdentityId;
use crate::tui::charts::Charts;
use crate::tui::export::Export;
use crate::tui::filter::Filter;
use crate::tui::layout::Areas;
use crate::tui::scroll::Scroll;
use crate::tui::search::{Search, Worker};
use crate::tui::selected::Detail;
use crate::tui::store::{Shared, Store};
use crate::workspace::Workspace;

/// Bytes that fit in an OSC 52 sequence of about 100 kB, which most terminals take.
pub(super) const OSC52_COMFORTABLE: usize = 74_000;

pub struct App {
    pub store: Shared,
    /// The search worker, handed each new search.
    pub(super) searcher: Worker,
    pub pane: Pane,
    /// The pane shown below the events: the last of Detail, Users, Destinations focused.
    pub lower: Pane,
    pub filter: Filter,
    /// Numbers of the events that pass the filter (unused when it lists every event).
    pub(super) view: Vec<usize>,
    /// The number of the oldest event kept, when last synced: events older than that left
    /// the view to bound memory.
    pub(super) first: usize,
    /// Rows already looked at for `view`.
    pub(super) scanned: usize,
    /// The selected and first visible positions in the view.
    pub event_list: Scroll,
    /// The selection stays on the newest event as events arrive.
    pub follow: bool,
    /// Whether anything new can arrive.
    pub arrivals: Arrivals,
    pub width: u16,
    pub height: u16,
    pub columns: Columns,
    pub zoom: Zoom,
    pub detail: Option<Detail>,
    /// The detail's cursor row (where Enter folds) and its first visible row.
    pub detail_view: Scroll,
    /// The what-if tried on every event selected, until `T`.
    pub what_if: WhatIf,
    /// The users listed: every profile, or those the users search finds.
    pub users: Vec<IdentityId>,
    /// What `/` in the Users pane looks for in any id or trait value, case-insensitive.
    pub users_query: Option<String>,
    /// Profiles and events when `users` was last listed.
    pub(super) users_listed: (usize, usize),
    pub user_list: Scroll,
    /// The lower pane Tab went to first from the events, which fixes the order until it
    /// comes back to them.
    pub(super) tab_first: Pane,
    /// In the Users pane: the grid of users, or the selected user's timeline.
    pub users_focus: UsersFocus,
    /// The selected entry of the timeline, newest first.
    pub timeline: Scroll,
    pub dest_list: Scroll,
    /// What is being typed after `/` or `:`.
    pub prompt: Option<Prompt>,
    /// Commands run from `:`, oldest first, and where ↑ and ↓ stand among them.
    pub(super) history: Vec<String>,
    pub(super) history_at: Option<usize>,
    pub search: Option<Arc<Search>>,
    /// The scan listing the events of a filter with terms about the routing decision.
    pub(super) filter_scan: Option<Arc<Search>>,
    /// A search just started: select its first match at or after the selection once found.
    pub(super) search_jump: bool,
    pub overlay: Option<Overlay>,
    pub quit: bool,
    /// A short message for the status bar, such as "no more matches".
    pub flash: Option<String>,
    /// The time zone times are shown in: UTC unless `--local` or the config file says.
    pub zone: jiff::tz::TimeZone,
    /// The running (or just finished) export.
    pub export: Option<Arc<Export>>,
    /// Bytes for the terminal's clipboard, which the loop sends (OSC 52) and takes away.
    pub clipboard: Option<Vec<u8>>,
    /// What else runs beside the UI says this, in the status bar.
    pub banner: Option<crate::tui::Banner>,
    /// The keys in effect (the config file's over the defaults).
    pub keys: crate::tui::keymap::Keymap,
    /// The guided tour, when this is `consent-inspector tour`.
    pub tour: Option<TourState>,
    /// Delivery Overview's counts (`--observed`): the Destinations pane shows them beside the
    /// predictions.
    pub observed: Option<Arc<crate::workspace::public_api::overview::Observed>>,
    /// How to read the input again, for a workspace what-if (None: it cannot be).
    pub reload: Option<Reload>,
    /// The workspace editor (`W`), while it is up.
    pub editor: Option<Editor>,
    /// The workspace what-if in force: `store` is decided under its settings.
    pub workspace_what_if: Option<WorkspaceWhatIf>,
    /// The event to select again once the store that replaced the last one has read it.
    pub(super) reselect: Option<usize>,
    /// The panes, or the chart view (`v`) in their place.
    pub screen: View,
    /// Its figures, after and (with a what-if) before, as of the last sync.
    pub charts: Option<(Charts, Option<Charts>)>,
    /// What the figures were computed from: both stores' ends and the buckets.
    pub(super) charts_of: (usize, usize, usize),
}

/// A short name for the zone times are shown in: UTC, or the last part of its IANA name
/// (`Paris` for Europe/Paris; this machine's zone too, so that `--local` says which), else
/// its abbreviation now (`CET`), else its offset now.
pub fn zone_label(zone: &jiff::tz::TimeZone) -> String {
    if *zone == jiff::tz::TimeZone::UTC {
        return "UTC".to_owned();
    }
    if let Some(name) = zone.iana_name().and_then(|n| n.rsplit('/').next()) {
        return name.replace('_', " ");
    }
    let info = zone.to_offset_info(jiff::Timestamp::now());
    match info.abbreviation() {
        "" => info.offset().to_string(),
        a => a.to_owned(),
    }
}

impl App {
    /// Number of rows in the view.
    pub fn len(&self, store: &Store) -> usize {
        if self.filter.is_all() {
            store.len()
        } else {
            self.view.len()
        }
    }

    /// The event number at a view position.
    pub fn row_at(&self, pos: usize) -> usize {
        if self.filter.is_all() {
            self.first + pos
        } else {
            self.view[pos]
        }
    }

    pub fn selected_row(&self, store: &Store) -> Option<usize> {
        let selected = self.event_list.selected;
        (selected < self.len(store)).then(|| self.row_at(selected))
    }

    /// The selected event's place among the matches (1-based), and how many there are.
    pub fn match_position(&self, store: &Store) -> Option<(usize, usize)> {
        let search = self.search.as_ref()?;
        let matches = search.matches();
        let row = self.selected_row(store)?;
        let i = matches.binary_search(&row).ok()?;
        Some((i + 1, matches.len()))
    }

    /// Where each region is on the screen, as drawing lays it out.
    pub fn areas(&self) -> Areas {
        crate::tui::layout::areas(
            Rect::new(0, 0, self.width, self.height),
            self.zoomed(),
            self.tour.is_some(),
        )
    }

    /// The pane that fills the screen, if one does.
    pub fn zoomed(&self) -> Option<Pane> {
        (self.zoom == Zoom::Focused).then_some(self.pane)
    }

    /// Whether the events show a column per destination.
    pub fn per_destination(&self) -> bool {
        match self.columns {
            Columns::Auto => self.width >= crate::tui::layout::WIDE,
            Columns::Summary => false,
            Columns::PerDestination => true,
        }
    }

    /// Rows of the events table that fit, for paging and scrolling.
    pub fn page(&self) -> usize {
        self.areas().events_page()
    }

    /// Whether the filter's list is complete (a scan of the routing may still be running).
    pub fn filter_done(&self, store: &Store) -> bool {
        self.filter_scan
            .as_ref()
            .is_none_or(|s| s.count(store.end()).1)
    }

    /// Number of matches of the current search, and whether it has caught up with the rows.
    pub fn match_count(&self, store: &Store) -> Option<(usize, bool)> {
        self.search.as_ref().map(|s| s.count(store.end()))
    }

    pub fn is_match(&self, row: usize) -> bool {
        self.search.as_ref().is_some_and(|s| s.contains(row))
    }

    /// The settings the UI started with.
    pub fn original_workspace(&self) -> Arc<Workspace> {
        let store = self
            .workspace_what_if
            .as_ref()
            .map_or(&self.store, |w| &w.before);
        store
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .workspace()
            .clone()
    }

    /// The value the selected event holds for the what-if's category (see `Trial::held`).
    pub fn held_value(&self, store: &Store) -> Option<what_if::Trial> {
        let ws = store.workspace();
        let id = &ws.category(self.what_if.category).id;
        let o = self.detail.as_ref()?.outcome.as_ref().ok()?;
        what_if::held(o, id, ws.dialect())
    }
}
