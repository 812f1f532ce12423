//! The only place the order of steps lives: validate, route, then check against and update
//! the user's profile. Every view reads `Outcome`s; none recomputes a rule.

pub mod intern;
pub mod pipeline;
pub mod profile;

use std::hash::BuildHasher;

use foldhash::HashMap;
use std::sync::Arc;

use crate::engine::profile::{IdentityId, ProfileWarning, Profiles};
use crate::read::event::Doc;
use crate::read::input::{Origin, Record};
use crate::rules::dialect::route;
use crate::rules::dialect::validate;
use crate::rules::finding::{Code, Finding, Severity};
use crate::rules::verdict::{Admission, Route};
use crate::workspace::Workspace;

/// Everything decided about one event.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub origin: Origin,
    /// The event, when the record is one.
    pub event: Option<Box<Doc>>,
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
    /// The messageId was seen this many hours earlier, beyond the deduplication window.
    LateDuplicate {
        hours: i64,
    },
    Profile(ProfileWarning),
}

impl Recalled {
    /// `user` names the profile in messages.
    pub fn finding(&self, ws: &Workspace, ev: &Doc, user: &str) -> Finding {
        let id = || crate::text::printable(ev.message_id().as_deref().unwrap_or("")).into_owned();
        match self {
            Recalled::DuplicateMessageId => Finding::new(
                Code::DuplicateMessageId,
                format!(
                    "messageId \"{}\" was already seen: Segment drops this event as a duplicate",
                    id()
                ),
                Some("messageId".into()),
            ),
            Recalled::LateDuplicate { hours } => Finding::new(
                Code::DuplicateMessageId,
                format!(
                    "messageId \"{}\" was seen {hours} hours earlier, beyond Segment's deduplication window ({:#}): Segment takes it again, and only warehouses drop it",
                    id(),
                    ws.dedupe_window
                ),
                Some("messageId".into()),
            ),
            Recalled::Profile(w) => w.finding(ws, ev, user),
        }
    }

    /// Whether it changes the event's routes (a viewer must decide them again).
    pub fn changes_routes(&self) -> bool {
        matches!(self, Self::DuplicateMessageId | Self::LateDuplicate { .. })
    }

    /// The admission it recalls.
    fn admission(recalled: &[Recalled]) -> Admission {
        recalled
            .iter()
            .find_map(|r| match r {
                Recalled::DuplicateMessageId => Some(Admission::Duplicate),
                Recalled::LateDuplicate { .. } => Some(Admission::LateDuplicate),
                Recalled::Profile(_) => None,
            })
            .unwrap_or(Admission::Ingested)
    }
}

impl Outcome {
    /// The choices (`rules::choices`) its verdicts rest on, in `Choice`'s order.
    pub fn choices(&self, ws: &Workspace) -> Vec<crate::rules::choices::Choice> {
        crate::rules::dialect::choices(
            ws,
            self.event(),
            &self.findings,
            &self.routes,
            self.ingested(),
        )
    }

    pub fn ingested(&self) -> bool {
        !self
            .findings
            .iter()
            .any(|f| f.severity() == Severity::Error)
    }

    /// Whether a finding is a warning, the ones the fold recalled included: they are all
    /// warnings, and an engine that keeps them unwritten (`Engine::recalled_unwritten`) has
    /// them in `recalled` only.
    pub fn has_warnings(&self) -> bool {
        !self.recalled.is_empty()
            || self
                .findings
                .iter()
                .any(|f| f.severity() == Severity::Warning)
    }

    pub fn event(&self) -> Option<&Doc> {
        self.event.as_deref()
    }

    pub fn delivered(&self) -> usize {
        self.routes
            .iter()
            .filter(|r| r.decision.delivered())
            .count()
    }

    /// Routes certainly blocked.
    pub fn blocked(&self) -> usize {
        self.routes
            .iter()
            .filter(|r| !r.decision.may_deliver())
            .count()
    }

    /// Routes a step the settings do not describe decides.
    pub fn uncertain(&self) -> usize {
        self.routes.len() - self.delivered() - self.blocked()
    }

    /// The first error's code: what Delivery Overview reports for an event it did not ingest.
    pub fn ingest_code(&self) -> Option<Code> {
        self.findings
            .iter()
            .find(|f| f.severity() == Severity::Error)
            .map(|f| f.code)
    }

    /// Keeps what history recalls of this event and writes it out after the other findings;
    /// `user` names the profile in messages. The one place recalled findings are written,
    /// whether first found (`Engine::fold`) or recalled again (`decide`).
    fn recall(&mut self, ws: &Workspace, recalled: Vec<Recalled>, user: &str) {
        if let Some(ev) = &self.event {
            let written = recalled.iter().map(|r| r.finding(ws, ev, user));
            self.findings.extend(written);
        }
        self.recalled = recalled;
    }

    /// The discard reason Delivery Overview shows for one of this event's routes.
    pub fn discard(&self, r: &Route) -> Option<&'static str> {
        crate::rules::dialect::discard(r, self.ingest_code().map(Code::as_str))
    }
}

/// Validation, then routing: the steps every view shares, in their order. `seen` is what
/// deduplication says of an ingested event.
fn judge(
    ws: &Workspace,
    record: &Record,
    seen: Admission,
) -> (Vec<Finding>, Admission, Vec<Route>) {
    let findings = validate(record, ws);
    let ingested = !findings.iter().any(|f| f.severity() == Severity::Error);
    let admission = match &record.json {
        Ok(_) if ingested => seen,
        _ => Admission::NotIngested,
    };
    let routes = route(ws, record.json.as_deref().ok(), admission);
    let mut findings = findings;
    findings.extend(after_withdrawal(ws, &routes));
    (findings, admission, routes)
}

/// `device_mode_after_withdrawal`: the destinations the browser sends this event only because
/// it loaded them with the page (opt-in), although the event's preferences no longer allow
/// them.
fn after_withdrawal(ws: &Workspace, routes: &[Route]) -> Option<Finding> {
    use crate::rules::verdict::Delivery;
    let names: Vec<String> = routes
        .iter()
        .filter(|r| r.decision.delivery() == Some(Delivery::LoadedAtPageLoad { withdrawn: true }))
        .map(|r| crate::text::printable(&ws.destinations[r.destination].name).into_owned())
        .collect();
    (!names.is_empty()).then(|| {
        Finding::new(
            Code::DeviceModeAfterWithdrawal,
            format!(
                "the browser loaded {} with the page ({} consent model) and keeps sending this event although its preferences no longer allow it: only the next page load stops it",
                names.join(", "),
                ws.consent_model.as_str()
            ),
            Some("context.consent.categoryPreferences".into()),
        )
    })
}

/// The outcome of a record seen again, given what `Engine::ingest` recalled of its history
/// the first time: how a viewer rebuilds an event without rerunning the stateful steps.
pub fn decide(
    ws: &Workspace,
    profiles: &Profiles,
    record: Record,
    recalled: Vec<Recalled>,
    identity: Option<IdentityId>,
) -> Outcome {
    let user = identity.map_or("", |id| profiles.label(id));
    decide_labelled(ws, record, recalled, identity, user)
}

/// `decide` away from the profiles (on another thread than the one that holds them): `user`
/// is how the recalled findings' messages name the event's user.
pub fn decide_labelled(
    ws: &Workspace,
    record: Record,
    recalled: Vec<Recalled>,
    identity: Option<IdentityId>,
    user: &str,
) -> Outcome {
    let (findings, _, routes) = judge(ws, &record, Recalled::admission(&recalled));
    let mut outcome = assemble(record, findings, routes);
    outcome.identity = identity;
    outcome.recall(ws, recalled, user);
    outcome
}

/// The outcome of a record judged alone: nothing recalled yet, no identity.
fn assemble(record: Record, findings: Vec<Finding>, routes: Vec<Route>) -> Outcome {
    Outcome {
        origin: record.origin,
        event: record.json.ok(),
        findings,
        routes,
        identity: None,
        recalled: Vec::new(),
    }
}

/// A record validated and routed on its own, before `Engine::fold` adds what depends on the
/// records before it.
pub struct Judged {
    outcome: Outcome,
    admission: Admission,
}

impl Judged {
    /// The outcome as judged alone; `Engine::fold` leaves it so unless it recalls something
    /// (`Outcome::recalled`), which is how the work that follows can start on any thread.
    pub fn outcome(&self) -> &Outcome {
        &self.outcome
    }
}

/// Validation and routing of one record as if its messageId were new: the work that needs no
/// other record, so any thread can do it.
pub fn judge_alone(ws: &Workspace, record: Record) -> Judged {
    let (findings, admission, routes) = judge(ws, &record, Admission::Ingested);
    let outcome = assemble(record, findings, routes);
    Judged { outcome, admission }
}

pub struct Engine {
    ws: Arc<Workspace>,
    profiles: Profiles,
    /// Whether ingested events update profiles (`without_profiles` turns it off).
    keep_profiles: bool,
    /// Whether a fold writes what it recalls out as findings (`recalled_unwritten` turns it
    /// off).
    write_recalled: bool,
    seen: SeenIds,
}

/// The messageIds of recent ingested events, as 8-byte hashes. The hasher's seed is random
/// per process, so crafted ids cannot aim at collisions. Two generations of at most `window`
/// ids each: memory stays bounded however long a stream is followed, and a duplicate is
/// found among at least the last `window` events.
struct SeenIds {
    /// Each id's hash, with when its event was taken (seconds; `UNKNOWN` without a time).
    current: HashMap<u64, i64>,
    previous: HashMap<u64, i64>,
    window: usize,
    /// Each generation's table is sized for the whole window when it starts
    /// (`Engine::dedup_reserved`).
    reserved: bool,
    hasher: foldhash::quality::RandomState,
}

/// An event with no time this tool can read.
const UNKNOWN: i64 = i64::MIN;

/// What deduplication found of a messageId.
enum Seen {
    New,
    /// Within the window: dropped.
    Duplicate,
    /// Beyond it, this many hours after: taken again.
    Late {
        hours: i64,
    },
}

impl SeenIds {
    /// What deduplication does with `id`, taken at `at` (seconds): a duplicate when it was
    /// seen within `window` seconds (or either time is unknown), a late one when further
    /// back (then it is taken again, and its time is the new one).
    fn check(&mut self, id: &str, at: i64, window: i64) -> Seen {
        let h = self.hasher.hash_one(id);
        let earlier = self
            .current
            .get(&h)
            .or_else(|| self.previous.get(&h))
            .copied();
        if let Some(then) = earlier {
            if then == UNKNOWN || at == UNKNOWN || at.abs_diff(then) <= window.unsigned_abs() {
                return Seen::Duplicate;
            }
        }
        self.current.insert(h, at);
        if self.current.len() >= self.window {
            self.previous = std::mem::take(&mut self.current);
            if self.reserved {
                self.current.reserve(self.window);
            }
        }
        match earlier {
            Some(then) => Seen::Late {
                hours: i64::try_from(at.abs_diff(then) / 3600).unwrap_or(i64::MAX),
            },
            None => Seen::New,
        }
    }
}

/// When Segment took `ev`, in seconds, as deduplication reads it: `receivedAt` (Segment's own
/// clock), else `timestamp`; `UNKNOWN` without either.
fn taken_at(ev: &Doc) -> i64 {
    use crate::read::event::Field;
    [Field::ReceivedAt, Field::Timestamp]
        .iter()
        .find_map(|f| {
            let raw = ev.get(*f)?;
            raw.as_str()?.parse::<jiff::Timestamp>().ok()
        })
        .map_or(UNKNOWN, jiff::Timestamp::as_second)
}

/// How many messageIds are kept for duplicate detection by default (per generation).
pub const DEDUP_WINDOW: usize = 4_000_000;

impl Engine {
    pub fn new(ws: Arc<Workspace>) -> Self {
        Self {
            ws,
            profiles: Profiles::default(),
            keep_profiles: true,
            write_recalled: true,
            seen: SeenIds {
                current: HashMap::default(),
                previous: HashMap::default(),
                window: DEDUP_WINDOW,
                reserved: false,
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

    /// Sizes the messageId table for the whole window up front (and each generation's when
    /// it starts), so that growing it never stalls a fold: the UI folds under the lock its
    /// screen waits for, and rehashing stalled it 27-43 ms at 460,000 and 920,000 events of a
    /// million. The table's size is taken at once (a hash and a time, 16 bytes, and a control
    /// byte per slot: 34 MB of addresses for a million, its pages touched as it fills).
    pub fn dedup_reserved(mut self) -> Self {
        self.seen.reserved = true;
        self.seen.current.reserve(self.seen.window);
        self
    }

    /// Folds duplicates only: no profile is kept, so outcomes carry no identity and no
    /// profile warning. For a side whose routes alone matter (`diff`'s settings before): routes
    /// never depend on profiles.
    pub fn without_profiles(mut self) -> Self {
        self.keep_profiles = false;
        self
    }

    /// Folds without writing recalled findings out: outcomes carry them in `recalled` only,
    /// for a viewer that keeps that small form and writes it out on demand (the UI's store),
    /// so that the words are not built for nearly every event of churning traffic to be
    /// thrown away.
    pub fn recalled_unwritten(mut self) -> Self {
        self.write_recalled = false;
        self
    }

    pub fn workspace(&self) -> &Arc<Workspace> {
        &self.ws
    }

    pub fn profiles(&self) -> &Profiles {
        &self.profiles
    }

    /// Decides one record and records what it changes: seen messageIds and profiles.
    pub fn ingest(&mut self, record: Record) -> Outcome {
        let judged = judge_alone(&self.ws, record);
        self.fold(judged)
    }

    /// The steps that depend on what came before, for a record judged on its own (on any
    /// thread): whether its messageId was seen, then its profile. Records must come in input
    /// order.
    pub fn fold(&mut self, judged: Judged) -> Outcome {
        let Judged {
            mut outcome,
            mut admission,
        } = judged;
        let Some(ev) = &outcome.event else {
            return outcome;
        };
        // Only a vendor that drops repeated messageIds (RudderStack's server does not by
        // default: docs/rules.md, "RudderStack").
        let mut late = None;
        if admission == Admission::Ingested
            && crate::rules::dialect::deduplicates(self.ws.dialect())
        {
            let window = self.ws.dedupe_window.as_secs();
            let seen = ev
                .message_id()
                .map(|id| self.seen.check(&id, taken_at(ev), window));
            match seen {
                Some(Seen::Duplicate) => admission = Admission::Duplicate,
                Some(Seen::Late { hours }) => {
                    admission = Admission::LateDuplicate;
                    late = Some(Recalled::LateDuplicate { hours });
                }
                Some(Seen::New) | None => {}
            }
            if admission != Admission::Ingested {
                outcome.routes = route(&self.ws, Some(ev), admission);
            }
        }
        let recalled = match admission {
            Admission::NotIngested => Vec::new(),
            // Segment drops it, so it tells the profile nothing.
            Admission::Duplicate => {
                outcome.identity = ev.identity().and_then(|id| self.profiles.lookup(&id));
                vec![Recalled::DuplicateMessageId]
            }
            Admission::Ingested | Admission::LateDuplicate if !self.keep_profiles => {
                late.into_iter().collect()
            }
            Admission::Ingested | Admission::LateDuplicate => {
                let (who, warnings) =
                    self.profiles
                        .observe(&self.ws, ev, &outcome.origin, &outcome.routes);
                outcome.identity = who;
                late.into_iter()
                    .chain(warnings.into_iter().map(Recalled::Profile))
                    .collect()
            }
        };
        if !self.write_recalled {
            outcome.recalled = recalled;
        } else if !recalled.is_empty() {
            let user = outcome.identity.map_or("", |id| self.profiles.label(id));
            outcome.recall(&self.ws, recalled, user);
        }
        outcome
    }
}

#[cfg(test)]
mod tests {
    use super::{Code, Severity};

    /// `Outcome::has_warnings` counts what the fold recalled without writing it out: each
    /// finding a `Recalled` becomes is a warning.
    #[test]
    fn every_recalled_finding_is_a_warning() {
        for code in [
            Code::DuplicateMessageId,
            Code::ConsentMissing,
            Code::ConsentChangedWithoutPreferenceEvent,
        ] {
            assert_eq!(code.severity(), Severity::Warning, "{code:?}");
        }
    }
}
