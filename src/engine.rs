//! The only place the order of steps lives: validate, route, then check against and update
//! the user's profile. Every view reads `Outcome`s; none recomputes a rule.

use std::hash::BuildHasher;

use foldhash::HashSet;
use std::sync::Arc;

use crate::event::Doc;
use crate::input::{Origin, Record};
use crate::profile::{IdentityId, ProfileWarning, Profiles};
use crate::route::{Route, route};
use crate::settings::Workspace;
use crate::validate::{Code, Finding, Severity, validate};

/// Everything decided about one event.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub origin: Origin,
    /// The event, when the record is one.
    pub event: Option<Doc>,
    pub findings: Vec<Finding>,
    /// One per destination, in settings order.
    pub routes: Vec<Route>,
    /// Whose event it is, for ingested events with an id.
    pub identity: Option<IdentityId>,
    /// The findings that depend on what came before, compactly, for viewers that keep them;
    /// `findings` holds them written out too.
    pub recalled: Vec<Recalled>,
}

/// A finding that depends on history (other events, the user's profile): it cannot be found
/// again from the event alone, so viewers keep this small form and write it out on demand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recalled {
    DuplicateMessageId,
    Profile(ProfileWarning),
}

impl Recalled {
    /// `user` names the profile in messages.
    pub fn finding(&self, ws: &Workspace, ev: &Doc, user: &str) -> Finding {
        match self {
            Recalled::DuplicateMessageId => duplicate(ev.message_id().as_deref().unwrap_or("")),
            Recalled::Profile(w) => w.finding(ws, ev, user),
        }
    }
}

fn duplicate(id: &str) -> Finding {
    Finding::new(
        Code::DuplicateMessageId,
        format!(
            "messageId \"{}\" was already seen: Segment drops this event as a duplicate",
            crate::text::printable(id)
        ),
        Some("messageId".into()),
    )
}

impl Outcome {
    pub fn ingested(&self) -> bool {
        !self
            .findings
            .iter()
            .any(|f| f.severity() == Severity::Error)
    }

    pub fn has_warnings(&self) -> bool {
        self.findings
            .iter()
            .any(|f| f.severity() == Severity::Warning)
    }

    pub fn event(&self) -> Option<&Doc> {
        self.event.as_ref()
    }

    pub fn delivered(&self) -> usize {
        self.routes
            .iter()
            .filter(|r| r.decision.delivered())
            .count()
    }

    pub fn blocked(&self) -> usize {
        self.routes.len() - self.delivered()
    }
}

pub struct Engine {
    ws: Arc<Workspace>,
    profiles: Profiles,
    seen: SeenIds,
}

/// The messageIds of recent ingested events, as 8-byte hashes. The hasher's seed is random
/// per process, so crafted ids cannot aim at collisions. Two generations of at most `window`
/// ids each: memory stays bounded however long a stream is followed, and a duplicate is
/// found among at least the last `window` events.
struct SeenIds {
    current: HashSet<u64>,
    previous: HashSet<u64>,
    window: usize,
    hasher: foldhash::quality::RandomState,
}

impl SeenIds {
    /// True when `id` was seen before.
    fn check(&mut self, id: &str) -> bool {
        let h = self.hasher.hash_one(id);
        if self.previous.contains(&h) || !self.current.insert(h) {
            return true;
        }
        if self.current.len() >= self.window {
            self.previous = std::mem::take(&mut self.current);
        }
        false
    }
}

/// How many messageIds are kept for duplicate detection by default (per generation).
pub const DEDUP_WINDOW: usize = 4_000_000;

impl Engine {
    pub fn new(ws: Arc<Workspace>) -> Self {
        Self {
            ws,
            profiles: Profiles::default(),
            seen: SeenIds {
                current: HashSet::default(),
                previous: HashSet::default(),
                window: DEDUP_WINDOW,
                hasher: foldhash::quality::RandomState::default(),
            },
        }
    }

    /// Keeps at least `window` recent messageIds for duplicate detection (and at most twice
    /// that), instead of `DEDUP_WINDOW`.
    pub fn with_dedup_window(mut self, window: usize) -> Self {
        self.seen.window = window.max(1);
        self
    }

    pub fn workspace(&self) -> &Arc<Workspace> {
        &self.ws
    }

    pub fn profiles(&self) -> &Profiles {
        &self.profiles
    }

    pub fn ingest(&mut self, record: Record) -> Outcome {
        let mut findings = validate(&record, &self.ws);
        let ingested = !findings.iter().any(|f| f.severity() == Severity::Error);
        let event = record.json.ok();
        let routes = route(&self.ws, event.as_ref(), ingested);
        let mut identity = None;
        let mut recalled = Vec::new();
        if let (true, Some(ev)) = (ingested, &event) {
            if let Some(id) = ev.message_id() {
                if self.seen.check(&id) {
                    recalled.push(Recalled::DuplicateMessageId);
                }
            }
            let (who, warnings) = self.profiles.observe(&self.ws, ev, &record.origin, &routes);
            identity = who;
            recalled.extend(warnings.into_iter().map(Recalled::Profile));
            if !recalled.is_empty() {
                let user = who.map_or("", |id| self.profiles.label(id));
                findings.extend(recalled.iter().map(|r| r.finding(&self.ws, ev, user)));
            }
        }
        Outcome {
            origin: record.origin,
            event,
            findings,
            routes,
            identity,
            recalled,
        }
    }
}
