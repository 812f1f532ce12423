//! What the reader thread builds and the UI reads: one compact row per event (offsets and a few
//! fields, never the event's JSON), the engine with its profiles, and running counts.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;

use crate::engine::intern::Interner;
use crate::engine::profile::IdentityId;
use crate::engine::{Engine, Judged, Outcome, Recalled, judge_alone};
use crate::read::event::{Doc, Field, Kind};
use crate::read::input::{Line, LinePos, MAX_LINE_BYTES, Origin, Record, records_from_line};
use crate::read::tail::{FollowOptions, Generations, Notice, TailEvent, follow};
use crate::rules::verdict::{Block, Decision};
use crate::text::truncate;
use crate::workspace::Workspace;

use super::event::Waker;
use super::fair_lock::FairLock;
use super::segmented::Segmented;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Status {
    Ok,
    Warnings,
    NotIngested,
    /// Not an event: where the file was truncated or replaced, and line numbers restart.
    Boundary,
    /// Not an event: a HAR capture's vendor request, or a wire finding not on one
    /// (`Row::index` is its place in `WireRows::items`).
    Wire,
}

/// One event in 56 bytes. Everything else is read again from the file when needed.
#[derive(Debug, Clone)]
pub struct Row {
    /// Byte offset of the line in the file.
    pub offset: u64,
    /// Bit per destination (the first `FILTERABLE_DESTINATIONS`) an ingested event was blocked
    /// for.
    pub blocked_set: u64,
    /// Likewise, the destinations whose route is uncertain.
    pub uncertain_set: u64,
    /// 1-based line (saturating at 4,294,967,295).
    line: u32,
    index: u32,
    time: u32,
    /// Interned event (or page/screen) name; 0 is none. Names and users share one table.
    pub name: u32,
    /// Interned userId (else anonymousId) as written, shown even for events not ingested.
    pub user: u32,
    identity: u32,
    pub delivered: u16,
    pub blocked: u16,
    pub generation: u16,
    kind: u8,
    pub status: Status,
}

const NONE: u32 = u32::MAX;

/// A trait's key and its latest string value.
type Trait = (Box<str>, Box<str>);

/// Trait keys kept per identity, and characters per value: enough to find a user by an
/// email or a name, bounded for endless streams.
const TRAITS_KEPT: usize = 16;
const TRAIT_CHARS: usize = 200;

/// Destinations a row records as blocked, one bit each in `Row::blocked_set`: the
/// per-destination filter covers these first ones.
pub const FILTERABLE_DESTINATIONS: usize = u64::BITS as usize;

impl Row {
    pub fn is_problem(&self) -> bool {
        matches!(self.status, Status::Warnings | Status::NotIngested)
    }

    pub fn is_event(&self) -> bool {
        !matches!(self.status, Status::Boundary | Status::Wire)
    }

    /// A vendor request or a wire finding of a HAR capture.
    pub fn is_wire(&self) -> bool {
        self.status == Status::Wire
    }

    /// Routes of this event newly delivered and newly blocked compared with `before`, the
    /// same event decided under other settings (nothing when they are not the same event).
    /// Per destination where rows record it, else by the counts.
    pub fn changes_from(&self, before: &Row) -> (u32, u32) {
        let same = self.offset == before.offset && self.index == before.index;
        if !same || !self.is_event() || self.status == Status::NotIngested {
            return (0, 0);
        }
        if self.delivered + self.blocked <= FILTERABLE_DESTINATIONS as u16 {
            let now = self.blocked_set;
            let was = before.blocked_set;
            ((was & !now).count_ones(), (now & !was).count_ones())
        } else {
            let more = u32::from(self.delivered.saturating_sub(before.delivered));
            let fewer = u32::from(before.delivered.saturating_sub(self.delivered));
            (more, fewer)
        }
    }

    /// Seconds since 2000 of the event's time (see `time`), for bucketing.
    pub fn seconds(&self) -> Option<u32> {
        (self.time != NONE).then_some(self.time)
    }

    pub fn line(&self) -> u64 {
        u64::from(self.line)
    }

    /// Position within a batch.
    pub fn index(&self) -> Option<u32> {
        (self.index != NONE).then_some(self.index)
    }

    /// The event's time (its timestamp, else originalTimestamp, sentAt, receivedAt), to the
    /// second.
    pub fn time(&self) -> Option<jiff::Timestamp> {
        (self.time != NONE)
            .then(|| jiff::Timestamp::from_second(EPOCH_2000 + i64::from(self.time)).ok())
            .flatten()
    }

    pub fn identity(&self) -> Option<IdentityId> {
        (self.identity != NONE).then_some(self.identity)
    }

    pub fn kind(&self) -> Option<Kind> {
        Kind::ALL
            .get(usize::from(self.kind).checked_sub(1)?)
            .copied()
    }
}

/// A destination's state for one user, and the event where it began (`Store::since`).
#[derive(Debug, Clone, Copy)]
pub struct Since {
    pub destination: usize,
    pub blocked: bool,
    pub at: At,
    pub time: Option<jiff::Timestamp>,
    /// The user's oldest event in view already had this state, and older ones have left the
    /// view.
    pub or_earlier: bool,
}

/// Where a row's event is, to read it again away from the store's lock.
#[derive(Debug, Clone, Copy)]
pub struct At {
    pub generation: u32,
    pub offset: u64,
    pub line: u64,
    pub index: Option<u32>,
}

impl Row {
    pub fn at(&self) -> At {
        At {
            generation: u32::from(self.generation),
            offset: self.offset,
            line: self.line(),
            index: self.index(),
        }
    }
}

/// Reads a row's line again and finds its record there: the line's bytes and the record.
pub fn read_again(
    generations: &Generations,
    file: &Arc<str>,
    at: At,
) -> Result<(Vec<u8>, Record), String> {
    let bytes = generations
        .read_line(at.generation, at.offset, MAX_LINE_BYTES + 1)
        .map_err(|e| format!("cannot read line {} again: {e}", at.line))?;
    let line = if bytes.len() > MAX_LINE_BYTES {
        // Measured whole, as `route` and `check` measure it; never read into memory.
        let bytes = generations
            .line_len(at.generation, at.offset)
            .map_err(|e| format!("cannot read line {} again: {e}", at.line))?;
        Line::TooLong { bytes }
    } else {
        Line::Text(&bytes)
    };
    let pos = LinePos {
        number: at.line,
        offset: at.offset,
    };
    let mut records = Vec::new();
    records_from_line(file, pos, line, &mut records);
    let record = records
        .into_iter()
        .find(|r| r.origin.index == at.index)
        .ok_or_else(|| format!("line {} changed since it was read", at.line))?;
    Ok((bytes, record))
}

#[derive(Debug, Clone, Default)]
pub struct DestStats {
    pub delivered: u64,
    pub blocked: u64,
    /// Per category index: how often it blocked this destination.
    pub blocked_by: Vec<u64>,
    pub removed_by_integrations: u64,
    pub removed_by_filters: u64,
    pub duplicates: u64,
    /// Dropped by the source's controls, before any destination.
    pub at_source: u64,
    /// Turned off by a schema integration filter of the source's plan.
    pub plan_filtered: u64,
    /// Events of a type the destination does not take.
    pub unsupported: u64,
    /// Events a device-only destination missed: the browser had not loaded it.
    pub not_loaded: u64,
    /// Every event while the destination is switched off in the workspace.
    pub disabled: u64,
    /// Events of users the workspace suppresses.
    pub suppressed: u64,
    /// Routes a step the settings do not describe decides.
    pub uncertain: u64,
    /// Routes by reason (`route::REASONS`), for the charts.
    pub by_reason: [u64; crate::rules::verdict::REASONS.len()],
}

impl DestStats {
    /// Counts one route; whether it blocked the destination.
    fn count(&mut self, r: &crate::rules::verdict::Route) -> bool {
        self.by_reason[r.decision.reason_index()] += 1;
        let b = match &r.decision {
            Decision::Deliver(_) => {
                self.delivered += 1;
                return false;
            }
            Decision::Uncertain(_) => {
                self.uncertain += 1;
                return false;
            }
            // Not ingested is no decision about this destination: counted once, per event.
            Decision::Block(Block::NotIngested) => return false,
            Decision::Block(b) => b,
        };
        self.blocked += 1;
        match b {
            Block::NotConsented { .. } | Block::ConsentDenied { .. } => {
                for c in r.decision.blocking_categories() {
                    self.blocked_by[c as usize] += 1;
                }
            }
            Block::IntegrationsObject { .. } | Block::Integrations(_) => {
                self.removed_by_integrations += 1;
            }
            Block::DestinationFilter { .. } | Block::NoMappingMatched { .. } => {
                self.removed_by_filters += 1;
            }
            Block::Duplicate => self.duplicates += 1,
            // A mobile library's drop before Segment is a source-level drop too.
            Block::FilteredAtSource { .. } | Block::BlockedOnDevice { .. } => self.at_source += 1,
            Block::SchemaIntegrationFilter { .. } => self.plan_filtered += 1,
            Block::UnsupportedEventType { .. } => self.unsupported += 1,
            Block::NotLoaded { .. } => self.not_loaded += 1,
            Block::Disabled => self.disabled += 1,
            Block::Suppressed => self.suppressed += 1,
            Block::NotIngested => {}
        }
        true
    }

    /// One per destination of the workspace, all counts zero.
    fn none_yet(ws: &Workspace) -> Vec<Self> {
        ws.destinations
            .iter()
            .map(|_| Self {
                blocked_by: vec![0; ws.categories.len()],
                ..Self::default()
            })
            .collect()
    }
}

#[derive(Debug, Clone, Copy, Default)]
pub struct Counts {
    pub events: u64,
    pub not_ingested: u64,
    pub warnings: u64,
    pub blocked_routes: u64,
    /// Routes a step the settings do not describe decides.
    pub uncertain_routes: u64,
    /// Events with at least one blocked destination.
    pub blocked_events: u64,
    /// A HAR capture's vendor requests listed, and the wire findings among the rows.
    pub wire_requests: u64,
    pub wire_findings: u64,
}

/// A HAR capture's wire audit under the store's workspace, and how far its rows are listed.
pub struct WireRows {
    pub audit: crate::analyses::wire::Audit,
    pub timeline: Arc<crate::read::wire::Timeline>,
    /// Requests and page findings in capture order, with their HAR entry.
    pub items: Vec<(usize, crate::analyses::wire::Item)>,
    /// The first item not listed yet.
    next: usize,
}

impl WireRows {
    pub fn new(ws: &Workspace, timeline: Arc<crate::read::wire::Timeline>) -> Self {
        let audit = crate::analyses::wire::audit(ws, &timeline);
        let items = audit.items();
        Self {
            audit,
            timeline,
            items,
            next: 0,
        }
    }

    /// The item a wire row stands for.
    pub fn item(&self, row: &Row) -> Option<crate::analyses::wire::Item> {
        let i = usize::try_from(row.index()?).ok()?;
        self.items.get(i).map(|(_, item)| *item)
    }
}

/// How many events the UI keeps by default; older ones leave the view (counts and profiles
/// still cover them).
pub const MAX_EVENTS: usize = 1_000_000;

pub struct Store {
    pub engine: Engine,
    /// The newest events, at most `max_events`; `first` is the number of the oldest.
    rows: Segmented<Row>,
    first: usize,
    pub max_events: usize,
    /// Names and users; 0 is the empty string, which stands for none.
    names: Interner,
    /// Findings that depend on history, by event number: they cannot be found again from
    /// the line. In event order.
    recalled: Segmented<(usize, Recalled)>,
    pub dest: Vec<DestStats>,
    pub counts: Counts,
    pub notice: Option<String>,
    pub caught_up: bool,
    pub generations: Generations,
    /// What is being read, for the status bar.
    pub source: String,
    /// What a row's place names as its file (`source` may say more: "(HAR, 6 Segment calls)").
    pub file: String,
    /// A HAR capture's calls, by line (empty for other inputs).
    pub har: Vec<crate::read::input::har::Call>,
    pub demo: bool,
    /// The generation of the file the newest rows come from.
    latest_generation: u16,
    /// Boundary rows so far: where the file was truncated or replaced.
    boundaries: u32,
    /// The file is `listen`'s capture: truncated, it was reset, and the view starts afresh.
    pub reset_on_truncate: bool,
    /// Each record is decided in this vendor's words (`rudder::translate`): the store of a
    /// vendor comparison.
    pub translate: Option<crate::workspace::dialect::Dialect>,
    /// Per identity, the latest string value of each trait its events carried (at most
    /// `TRAITS_KEPT` keys), for finding a user by an email or a name.
    traits: foldhash::HashMap<IdentityId, Vec<Trait>>,
    /// A HAR capture's vendor requests and wire findings, listed among its events.
    pub wire: Option<WireRows>,
}

impl Store {
    pub fn new(ws: Arc<Workspace>, source: String, demo: bool, max_events: usize) -> Self {
        let dest = DestStats::none_yet(&ws);
        Self {
            engine: engine(ws, max_events.max(1)),
            rows: Segmented::default(),
            first: 0,
            max_events: max_events.max(1),
            names: {
                let mut n = Interner::default();
                n.intern("");
                n
            },
            recalled: Segmented::default(),
            dest,
            counts: Counts::default(),
            notice: None,
            caught_up: false,
            generations: Generations::default(),
            file: source.clone(),
            har: Vec::new(),
            source,
            demo,
            latest_generation: 0,
            boundaries: 0,
            reset_on_truncate: false,
            translate: None,
            traits: foldhash::HashMap::default(),
            wire: None,
        }
    }

    /// Forgets every event read so far, as a reset of `listen`'s capture asks: the rows leave
    /// the view (as evicted ones do, so event numbers stay unique), and counts, per-destination
    /// figures and profiles start from nothing.
    fn start_afresh(&mut self) {
        self.first += self.rows.len();
        self.rows.clear();
        self.recalled.clear();
        let ws = self.engine.workspace().clone();
        self.dest = DestStats::none_yet(&ws);
        self.engine = engine(ws, self.max_events);
        self.counts = Counts::default();
        self.traits.clear();
    }

    /// Keeps the event's string traits for its identity: the latest value of each key.
    fn remember_traits(&mut self, id: IdentityId, ev: &Doc) {
        ev.trait_texts(|k, v| {
            let kept = self.traits.entry(id).or_default();
            let value = truncate(v, TRAIT_CHARS);
            match kept.iter().position(|(key, _)| &**key == k) {
                Some(i) if *kept[i].1 == *value => {}
                Some(i) => kept[i].1 = value.into(),
                None if kept.len() < TRAITS_KEPT => kept.push((k.into(), value.into())),
                None => {}
            }
        });
    }

    /// The traits kept for any identity of `user`'s profile, with their keys.
    pub fn traits_of(&self, user: IdentityId) -> Vec<(&str, &str)> {
        let profiles = self.engine.profiles();
        profiles
            .profile(user)
            .members
            .iter()
            .filter_map(|m| self.traits.get(m))
            .flatten()
            .map(|(k, v)| (&**k, &**v))
            .collect()
    }

    pub fn workspace(&self) -> &Arc<Workspace> {
        self.engine.workspace()
    }

    /// The event numbered `n` (0 is the first ever read), while it is kept.
    pub fn row(&self, n: usize) -> Option<&Row> {
        self.rows.get(n.checked_sub(self.first)?)
    }

    /// For one profile (any identity of it), each destination's state after its newest
    /// ingested event in view, and the event where that state began. Only the first
    /// `FILTERABLE_DESTINATIONS` are recorded per row.
    pub fn since(&self, user: IdentityId) -> Vec<Since> {
        let profiles = self.engine.profiles();
        let root = profiles.root(user);
        let n = self
            .workspace()
            .destinations
            .len()
            .min(FILTERABLE_DESTINATIONS);
        let mut out: Vec<Since> = Vec::new();
        let mut seen_first = false;
        for row in self.rows.iter() {
            if row.status == Status::NotIngested || !row.is_event() {
                continue;
            }
            if row.identity().is_none_or(|id| profiles.root(id) != root) {
                continue;
            }
            if !seen_first {
                // Older rows of this user may have left the view: the first state seen may have
                // begun earlier.
                out = (0..n)
                    .map(|d| Since {
                        destination: d,
                        blocked: row.blocked_set & (1 << d) != 0,
                        at: row.at(),
                        time: row.time(),
                        or_earlier: self.first > 0,
                    })
                    .collect();
                seen_first = true;
                continue;
            }
            for s in &mut out {
                let blocked = row.blocked_set & (1 << s.destination) != 0;
                if blocked != s.blocked {
                    *s = Since {
                        destination: s.destination,
                        blocked,
                        at: row.at(),
                        time: row.time(),
                        or_earlier: false,
                    };
                }
            }
        }
        out
    }

    /// The number of the oldest event kept.
    pub fn first(&self) -> usize {
        self.first
    }

    /// One past the number of the newest event.
    pub fn end(&self) -> usize {
        self.first + self.rows.len()
    }

    /// Events kept.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Events that left the view to keep memory bounded.
    pub fn evicted(&self) -> usize {
        self.first
    }

    /// The history-dependent findings of event `n`.
    pub fn recalled(&self, n: usize) -> impl Iterator<Item = &Recalled> {
        let from = self.recalled.partition_point(|(i, _)| *i < n);
        self.recalled
            .iter_from(from)
            .take_while(move |(i, _)| *i == n)
            .map(|(_, r)| r)
    }

    pub fn name(&self, id: u32) -> &str {
        self.names.get(id)
    }

    fn intern(&mut self, name: &str) -> u32 {
        self.names.intern(name).0
    }

    /// A row that marks where the file was truncated, rotated or came back: the rows above
    /// are the previous file's.
    fn push_boundary(&mut self, what: &str) {
        let text = format!("{what} ({} UTC)", clock_now());
        let name = self.intern(&text);
        self.boundaries += 1;
        self.push_row(Row {
            offset: 0,
            blocked_set: 0,
            uncertain_set: 0,
            line: 0,
            index: NONE,
            time: NONE,
            name,
            user: 0,
            identity: NONE,
            delivered: 0,
            blocked: 0,
            generation: self.latest_generation,
            kind: 0,
            status: Status::Boundary,
        });
    }

    /// Keeps a row, and drops the oldest beyond `max_events`.
    fn push_row(&mut self, row: Row) {
        self.rows.push_back(row);
        if self.rows.len() > self.max_events {
            self.rows.pop_front();
            self.first += 1;
            while self.recalled.front().is_some_and(|(i, _)| *i < self.first) {
                self.recalled.pop_front();
            }
        }
    }

    /// The HAR call a row at `line` came from, when the input is a HAR capture.
    pub fn har_call(&self, line: u64) -> Option<&crate::read::input::har::Call> {
        let i = self.har.binary_search_by_key(&line, |c| c.line).ok()?;
        self.har.get(i)
    }

    /// What to call the file a row was read from: the previous file's rows say so.
    pub fn file_label(&self, generation: u16) -> String {
        if generation == self.latest_generation || self.boundaries == 0 {
            self.file.clone()
        } else {
            format!("{} (previous file)", self.file)
        }
    }

    /// Lists the wire items that went out before HAR entry `entry` (every one left, for
    /// None: the capture is read).
    fn push_wire(&mut self, before: Option<usize>) {
        use crate::analyses::wire::{Item, Verdict};
        loop {
            let Some(wire) = &self.wire else { return };
            let Some(&(entry, item)) = wire.items.get(wire.next) else {
                return;
            };
            if before.is_some_and(|b| entry >= b) {
                return;
            }
            let at = wire.next;
            let (line, time, name, verdict, findings) = match item {
                Item::Request(i) => {
                    let r = &wire.audit.requests[i];
                    let name = r.destination.map_or(r.vendor.clone(), |d| {
                        self.workspace().destinations[d].name.clone()
                    });
                    let verdict = match r.verdict {
                        Verdict::WithConsent => "with consent",
                        Verdict::BeforeConsent => "BEFORE CONSENT",
                        Verdict::AfterWithdrawal => "AFTER WITHDRAWAL",
                        Verdict::WithoutConsent => "WITHOUT CONSENT",
                        Verdict::NotInWorkspace => "not in workspace",
                    };
                    let label = format!("{name} {}", crate::analyses::wire::short_url(&r.url));
                    (r.line, r.time, label, verdict.to_owned(), r.codes.len())
                }
                Item::Finding(i) => {
                    let f = &wire.audit.findings[i];
                    (
                        f.line,
                        f.time,
                        f.code.as_str().to_owned(),
                        "finding".to_owned(),
                        1,
                    )
                }
            };
            if let Some(w) = &mut self.wire {
                w.next += 1;
            }
            self.counts.wire_requests += u64::from(matches!(item, Item::Request(_)));
            self.counts.wire_findings += findings as u64;
            let name = self.intern(&name);
            let user = self.intern(&verdict);
            self.push_row(Row {
                offset: 0,
                blocked_set: 0,
                uncertain_set: 0,
                line: u32::try_from(line).unwrap_or(u32::MAX - 1),
                index: u32::try_from(at).unwrap_or(NONE),
                time: time
                    .and_then(|t| u32::try_from(t.as_second() - EPOCH_2000).ok())
                    .unwrap_or(NONE),
                name,
                user,
                identity: NONE,
                delivered: 0,
                blocked: u16::try_from(findings).unwrap_or(u16::MAX),
                generation: self.latest_generation,
                kind: 0,
                status: Status::Wire,
            });
        }
    }

    /// Adds one outcome as a row and counts it.
    pub fn push(&mut self, generation: u32, o: Outcome) {
        if self.wire.is_some() {
            let entry = self.har_call(o.origin.line).map(|c| c.entry);
            self.push_wire(entry.or(Some(0)));
        }
        let ev = o.event();
        let label = ev.and_then(Doc::label);
        // Without a valid type, the row shows the type as written, marked, beside any name.
        let label = match ev {
            Some(e) if e.kind().is_none() => {
                let written = e.get(Field::Type).map_or_else(
                    || "no type".to_owned(),
                    |t| format!("type {}", crate::rules::finding::shown(&t)),
                );
                Some(std::borrow::Cow::Owned(match label {
                    Some(n) => format!("⟨{written}⟩ {n}"),
                    None => format!("⟨{written}⟩"),
                }))
            }
            _ => label,
        };
        let name = label.map_or(0, |n| self.intern(&n));
        let user = ev.and_then(Doc::identity).map_or(0, |u| self.intern(&u));
        let time = ev.and_then(|e| {
            Field::TIMESTAMPS.iter().find_map(|f| {
                e.get(*f)
                    .and_then(|v| v.as_str().and_then(seconds_since_2000))
            })
        });
        let kind = ev.and_then(Doc::kind);
        let status = if !o.ingested() {
            Status::NotIngested
        } else if o.has_warnings() {
            Status::Warnings
        } else {
            Status::Ok
        };
        let (mut blocked_set, mut uncertain_set) = (0u64, 0u64);
        for r in &o.routes {
            let blocked = self.dest[r.destination].count(r);
            if r.destination < FILTERABLE_DESTINATIONS {
                if blocked {
                    blocked_set |= 1 << r.destination;
                } else if matches!(r.decision, Decision::Uncertain(_)) {
                    uncertain_set |= 1 << r.destination;
                }
            }
        }
        if let (Some(id), Some(e)) = (o.identity, ev) {
            self.remember_traits(id, e);
        }
        let (delivered, blocked) = (o.delivered(), o.blocked());
        self.counts.events += 1;
        self.counts.blocked_routes += blocked as u64;
        self.counts.uncertain_routes += o.uncertain() as u64;
        match status {
            Status::NotIngested => self.counts.not_ingested += 1,
            Status::Warnings => self.counts.warnings += 1,
            Status::Ok | Status::Boundary | Status::Wire => {}
        }
        if status != Status::NotIngested && blocked > 0 {
            self.counts.blocked_events += 1;
        }
        let n = self.end();
        self.recalled.extend(o.recalled.into_iter().map(|r| (n, r)));
        let generation = u16::try_from(generation).unwrap_or(u16::MAX);
        self.latest_generation = generation;
        let Origin {
            line,
            index,
            offset,
            ..
        } = o.origin;
        self.push_row(Row {
            offset,
            blocked_set,
            uncertain_set,
            line: u32::try_from(line).unwrap_or(u32::MAX - 1),
            index: index.unwrap_or(NONE),
            time: time.unwrap_or(NONE),
            name,
            user,
            identity: o.identity.unwrap_or(NONE),
            delivered: delivered as u16,
            blocked: blocked as u16,
            generation,
            kind: kind.map_or(0, |k| {
                Kind::ALL.iter().position(|x| *x == k).unwrap_or(0) as u8 + 1
            }),
            status,
        });
    }
}

/// The wall clock, `HH:MM:SS` in UTC.
fn clock_now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    format!(
        "{:02}:{:02}:{:02}",
        secs / 3600 % 24,
        secs / 60 % 60,
        secs % 60
    )
}

/// Rows keep times as seconds since 2000-01-01T00:00:00Z, so that 32 bits reach 2136.
const EPOCH_2000: i64 = 946_684_800;

/// An RFC 3339 timestamp, with its offset applied, as seconds since 2000 (UTC).
fn seconds_since_2000(ts: &str) -> Option<u32> {
    let t: jiff::Timestamp = ts.parse().ok()?;
    u32::try_from(t.as_second() - EPOCH_2000)
        .ok()
        .filter(|s| *s != NONE)
}

/// The store's engine: duplicates looked for among the last `max_events`, its table sized up
/// front, what it recalls kept in the small form the store keeps.
fn engine(ws: Arc<Workspace>, max_events: usize) -> Engine {
    Engine::new(ws)
        .with_dedup_window(max_events)
        .dedup_reserved()
        .recalled_unwritten()
}

pub type Shared = Arc<FairLock<Store>>;

/// Reads `path` on a thread of its own and feeds the store; wakes the UI after each change.
/// Returns the recording thread, which ends when reading does.
pub fn spawn_reader(
    path: PathBuf,
    follow_on: bool,
    store: Shared,
    waker: Waker,
    stop: Arc<AtomicBool>,
) -> thread::JoinHandle<()> {
    /// What the workers hand the recording thread, in file order.
    enum Step {
        Judged(Vec<(u32, Judged)>),
        Notice(Notice),
    }
    let (generations, ws, translate) = {
        let s = store
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        (
            s.generations.clone(),
            s.engine.workspace().clone(),
            s.translate,
        )
    };
    let file: Arc<str> = Arc::from(path.display().to_string());
    // The commands' pipeline: one thread reads, the workers parse, validate and route, and
    // this thread folds each batch into the store in file order under a short lock.
    thread::spawn(move || {
        let read = |send: &mut dyn FnMut(TailEvent) -> bool| {
            // Small batches keep little in flight and the lock short.
            let opts = FollowOptions {
                follow: follow_on,
                batch: 1024,
                ..FollowOptions::default()
            };
            follow(&path, opts, &generations, &stop, |event| {
                send(event) && !stop.load(Ordering::Relaxed)
            });
        };
        let work = || {
            let (ws, file) = (ws.clone(), file.clone());
            let mut records = Vec::new();
            move |event: TailEvent| match event {
                TailEvent::Lines(lines) => {
                    let mut judged = Vec::with_capacity(lines.len());
                    for l in &lines {
                        records_from_line(&file, l.pos, l.as_line(), &mut records);
                        let alone = records.drain(..).map(|r| match translate {
                            Some(d) => judge_alone(&ws, crate::rules::translate::record_for(d, r)),
                            None => judge_alone(&ws, r),
                        });
                        judged.extend(alone.map(|j| (l.generation, j)));
                    }
                    Step::Judged(judged)
                }
                TailEvent::Notice(n) => Step::Notice(n),
            }
        };
        let record = |step: Step| {
            let mut s = store
                .write()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            match step {
                Step::Judged(judged) => {
                    for (generation, j) in judged {
                        let o = s.engine.fold(j);
                        s.push(generation, o);
                    }
                }
                Step::Notice(Notice::CaughtUp) => {
                    s.push_wire(None);
                    s.caught_up = true;
                }
                Step::Notice(Notice::Truncated) if s.reset_on_truncate => {
                    s.start_afresh();
                    let said = "capture reset by /inspector/reset: starting afresh";
                    s.push_boundary(said);
                    s.notice = Some(said.to_owned());
                }
                Step::Notice(n) => {
                    // Where line numbers restart, the list shows it.
                    if matches!(n, Notice::Truncated | Notice::Rotated | Notice::Reappeared) {
                        s.push_boundary(&n.to_string());
                    }
                    s.notice = Some(n.to_string());
                }
            }
            drop(s);
            waker.wake();
            Ok(false)
        };
        // Nothing in it fails: reading problems arrive as notices.
        let _ = crate::engine::pipeline::ordered(read, work, record);
    })
}
