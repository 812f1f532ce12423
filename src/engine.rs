//! The only place the order of steps lives: validate, route, then check against and update
//! the user's profile. Every view reads `Outcome`s; none recomputes a rule.

use std::hash::BuildHasher;

use foldhash::HashSet;
use std::sync::Arc;

use crate::event::Doc;
use crate::input::{Origin, Record};
use crate::profile::{IdentityId, Profiles};
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
    /// Hashes of the messageIds of ingested events; 8 bytes each instead of the whole id.
    /// The hasher's seed is random per process, so crafted ids cannot aim at collisions.
    seen_message_ids: HashSet<u64>,
    id_hasher: foldhash::quality::RandomState,
}

impl Engine {
    pub fn new(ws: Arc<Workspace>) -> Self {
        Self {
            ws,
            profiles: Profiles::default(),
            seen_message_ids: HashSet::default(),
            id_hasher: foldhash::quality::RandomState::default(),
        }
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
        if let (true, Some(ev)) = (ingested, &event) {
            if let Some(id) = ev.message_id() {
                if !self
                    .seen_message_ids
                    .insert(self.id_hasher.hash_one(id.as_ref()))
                {
                    findings.push(Finding::new(
                        Code::DuplicateMessageId,
                        format!(
                            "messageId \"{}\" was already seen: Segment drops this event as a duplicate",
                            crate::text::printable(&id)
                        ),
                        Some("messageId".into()),
                    ));
                }
            }
            let (who, warnings) = self.profiles.observe(&self.ws, ev, &record.origin, &routes);
            identity = who;
            findings.extend(warnings);
        }
        Outcome {
            origin: record.origin,
            event,
            findings,
            routes,
            identity,
        }
    }
}
