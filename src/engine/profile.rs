//! Per-user consent state, as Unify keeps it (RULES §5). Enforcement never reads it: the
//! profile is what the user last said, kept to catch integration bugs.

use std::collections::VecDeque;

use foldhash::HashMap;

use crate::engine::intern::Interner;
use crate::read::event::{Doc, Field, Kind, Members, Preferences};
use crate::read::input::Origin;
use crate::rules::finding::{Code, Finding};
use crate::rules::segment::consent::missing_categories;
use crate::rules::step::Stamped;
use crate::rules::verdict::{Delivery, Route};
use crate::text::printable;
use crate::workspace::Workspace;
use crate::workspace::identity::{ANONYMOUS_ID, USER_ID};

/// An identity (a userId, anonymousId or previousId) known to the profiles.
pub type IdentityId = u32;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConsentState {
    NeverCollected,
    Granted,
    Denied,
    /// Two merged profiles disagreed and no update has settled it since.
    Conflict,
}

impl ConsentState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NeverCollected => "never collected",
            Self::Granted => "true",
            Self::Denied => "false",
            Self::Conflict => "conflict",
        }
    }
}

/// What linked two profiles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Via {
    /// One event carried both ids (an anonymousId meeting a userId).
    Event,
    Alias,
    /// Both carried this value of an external id (`traits.email`, say).
    ExternalId {
        key: Box<str>,
    },
}

impl Via {
    /// `an alias`, `a shared email`.
    pub fn describe(&self) -> String {
        match self {
            Via::Event => "an event that carried both ids".to_owned(),
            Via::Alias => "an alias".to_owned(),
            Via::ExternalId { key } => format!("a shared {}", printable(key)),
        }
    }
}

/// What changed a profile's consent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// An event's preferences; `preference_event` says whether it was a CPU event.
    Update { preference_event: bool },
    /// RudderStack: the ids an event's `context.consentManagement` allows and denies.
    ConsentManagement,
    /// Another profile, named by one of its ids, was merged in.
    Merge { with: String, via: Via },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryEntry {
    /// Order of observation, across files.
    pub seq: u64,
    /// Where the event that made the change is: file, line and batch index.
    pub file: std::sync::Arc<str>,
    pub line: u64,
    pub index: Option<u32>,
    /// The event's own `timestamp` (else `originalTimestamp`, `sentAt`, `receivedAt`), as
    /// written.
    pub timestamp: Option<Box<str>>,
    pub change: Change,
    /// Consent per category after the change (`consent()` reads it), of `categories`.
    consent: Packed,
    categories: u8,
    /// The categories whose state this change set or changed, as bits.
    pub changed: u64,
}

impl HistoryEntry {
    fn new(
        seq: u64,
        ev: &Doc,
        origin: &Origin,
        change: Change,
        consent: &[ConsentState],
        before: Option<&[ConsentState]>,
    ) -> Self {
        let changed = consent
            .iter()
            .enumerate()
            .filter(|(i, s)| before.is_none_or(|b| b.get(*i) != Some(*s)))
            .fold(0u64, |m, (i, _)| m | 1 << i);
        let timestamp = Field::TIMESTAMPS
            .iter()
            .find_map(|f| ev.get(*f).and_then(|v| v.as_str().map(Box::from)));
        Self {
            seq,
            file: origin.file.clone(),
            line: origin.line,
            index: origin.index,
            timestamp,
            change,
            consent: Packed::pack(consent),
            categories: consent.len() as u8,
            changed,
        }
    }

    /// Consent per category after the change.
    pub fn consent(&self) -> Vec<ConsentState> {
        self.consent.unpack(usize::from(self.categories))
    }

    /// What happened, in words: `preference event: C0004 false`, `merged with u-carol-work
    /// by an alias: C0004 conflict`.
    pub fn describe(&self, ws: &Workspace) -> String {
        let what = match &self.change {
            Change::Update {
                preference_event: true,
            } => "preference event".to_owned(),
            Change::Update {
                preference_event: false,
            } => "stamped on an ordinary event".to_owned(),
            Change::ConsentManagement => "consentManagement on an event".to_owned(),
            Change::Merge { with, via } => {
                format!("merged with {} by {}", printable(with), via.describe())
            }
        };
        let parts: Vec<String> = ws
            .categories
            .iter()
            .zip(self.consent())
            .enumerate()
            .filter(|(i, _)| self.changed & (1 << i) != 0)
            .map(|(_, (c, s))| format!("{} {}", printable(&c.id), s.as_str()))
            .collect();
        if parts.is_empty() {
            what
        } else {
            format!("{what}: {}", parts.join(", "))
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Profile {
    /// Per category; None until any event carried preferences.
    pub consent: Option<Vec<ConsentState>>,
    /// The identities linked into this profile, first seen first.
    pub members: Vec<IdentityId>,
    /// The newest `HISTORY` changes, oldest first (a ring: dropping the oldest moves nothing).
    pub history: VecDeque<HistoryEntry>,
    /// Older changes no longer kept.
    pub history_dropped: u64,
    pub events: u64,
    /// When consent was last updated, in the order events were observed.
    updated: u64,
    /// The external id values on this profile: (index in `Workspace::external_ids`, value).
    externals: Vec<(usize, Box<str>)>,
    /// The newest `HISTORY` merges the Identity Resolution limits refused, oldest first.
    pub not_merged: VecDeque<NotMerged>,
}

/// A merge an event asked for that would have put more values of one identifier type on the
/// profile than its limit allows: the event's identifier was demoted instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotMerged {
    pub file: std::sync::Arc<str>,
    pub line: u64,
    pub index: Option<u32>,
    /// The other profile, named by one of its ids.
    pub with: String,
    pub via: Via,
    /// The identifier type over its limit (`user_id`), how many values the merge would have
    /// made, and the limit.
    pub kind: String,
    pub count: u32,
    pub limit: u32,
}

impl NotMerged {
    /// `not merged with u-bo by a shared email: it would hold 2 user_id values, over the limit
    /// of 1`.
    pub fn describe(&self) -> String {
        format!(
            "not merged with {} by {}: it would hold {} {} values, over the limit of {}",
            printable(&self.with),
            self.via.describe(),
            self.count,
            printable(&self.kind),
            self.limit
        )
    }
}

/// Consent changes kept per profile: enough to see what happened, bounded for endless streams.
pub const HISTORY: usize = 32;

impl Profile {
    /// Adds a change, dropping the oldest first when full, so the list never grows past
    /// `HISTORY` (nor its allocation past what that needs).
    fn push_history(&mut self, entry: HistoryEntry) {
        self.keep_newest(HISTORY - 1);
        self.history.push_back(entry);
    }

    fn keep_newest(&mut self, keep: usize) {
        if self.history.len() > keep {
            let extra = self.history.len() - keep;
            self.history.drain(..extra);
            self.history_dropped += extra as u64;
            self.history.shrink_to(HISTORY);
        }
    }

    /// The consent recorded just after the event at `line` (and batch `index`) of the file its
    /// latest changes came from: None when that is older than the history kept; `Some(None)`
    /// when no consent had been collected by then.
    pub fn consent_as_of(
        &self,
        line: u64,
        index: Option<u32>,
    ) -> Option<Option<Vec<ConsentState>>> {
        let at = (line, index.map_or(0, |i| i + 1));
        let key = |h: &HistoryEntry| (h.line, h.index.map_or(0, |i| i + 1));
        match self.history.iter().rposition(|h| key(h) <= at) {
            Some(i) => Some(Some(self.history[i].consent())),
            None if self.history_dropped == 0 => Some(None),
            None => None,
        }
    }

    /// Categories granted, as bits, as routing would read them.
    fn granted(&self) -> u64 {
        self.consent
            .iter()
            .flatten()
            .enumerate()
            .fold(0, |m, (i, s)| {
                if *s == ConsentState::Granted {
                    m | 1 << i
                } else {
                    m
                }
            })
    }
}

#[derive(Debug, Default)]
pub struct Profiles {
    /// Every id's text, numbered by its `IdentityId`.
    ids: Interner,
    is_user_id: Vec<bool>,
    parent: Vec<IdentityId>,
    /// Keyed by the root identity of each set.
    by_root: HashMap<IdentityId, Profile>,
    /// (index in `Workspace::external_ids`, value) -> the first identity that carried it.
    external: HashMap<(usize, Box<str>), IdentityId>,
    /// Events observed so far: orders consent updates for "the latest update wins".
    observed: u64,
}

impl Profiles {
    pub fn name(&self, id: IdentityId) -> &str {
        self.ids.get(id)
    }

    pub fn lookup(&self, name: &str) -> Option<IdentityId> {
        self.ids.lookup(name)
    }

    /// Whether `id` is one of these profiles' identities (a list made from another engine's,
    /// while a what-if reloads, may hold ids this one has not reached yet).
    pub fn knows(&self, id: IdentityId) -> bool {
        (id as usize) < self.parent.len()
    }

    /// The root identity of `id`'s profile.
    pub fn root(&self, mut id: IdentityId) -> IdentityId {
        while self.parent[id as usize] != id {
            id = self.parent[id as usize];
        }
        id
    }

    pub fn profile(&self, id: IdentityId) -> &Profile {
        &self.by_root[&self.root(id)]
    }

    /// Every profile, keyed by its root identity.
    pub fn iter(&self) -> impl Iterator<Item = (IdentityId, &Profile)> {
        self.by_root.iter().map(|(k, v)| (*k, v))
    }

    pub fn len(&self) -> usize {
        self.by_root.len()
    }

    /// Every profile's root, in order of first appearance (its earliest id).
    pub fn in_order(&self) -> Vec<IdentityId> {
        let mut roots: Vec<(IdentityId, IdentityId)> = self
            .by_root
            .iter()
            .map(|(root, p)| (p.members.iter().copied().min().unwrap_or(*root), *root))
            .collect();
        roots.sort_unstable();
        roots.into_iter().map(|(_, root)| root).collect()
    }

    /// Whether this id was ever seen as a userId.
    pub fn is_user_id(&self, id: IdentityId) -> bool {
        self.is_user_id[id as usize]
    }

    pub fn is_empty(&self) -> bool {
        self.by_root.is_empty()
    }

    /// What to call a profile: its first userId, else its first id.
    pub fn label(&self, id: IdentityId) -> &str {
        label_among(&self.ids, &self.is_user_id, &self.profile(id).members, id)
    }

    fn intern(&mut self, name: &str, user_id: bool) -> IdentityId {
        let (id, new) = self.ids.intern(name);
        if !new {
            self.is_user_id[id as usize] |= user_id;
            return id;
        }
        self.is_user_id.push(user_id);
        self.parent.push(id);
        self.by_root.insert(
            id,
            Profile {
                members: vec![id],
                ..Profile::default()
            },
        );
        id
    }

    /// How many values of identifier type `kind` the profile of `root` holds (`key` its
    /// index among the external ids, for those).
    fn values(&self, ws: &Workspace, root: IdentityId, kind: &str) -> u32 {
        let p = &self.by_root[&root];
        let n = match kind {
            USER_ID => p
                .members
                .iter()
                .filter(|m| self.is_user_id[**m as usize])
                .count(),
            ANONYMOUS_ID => p
                .members
                .iter()
                .filter(|m| !self.is_user_id[**m as usize])
                .count(),
            _ => match ws.external_ids.iter().position(|k| k == kind) {
                Some(i) => p.externals.iter().filter(|(k, _)| *k == i).count(),
                None => 0,
            },
        };
        u32::try_from(n).unwrap_or(u32::MAX)
    }

    /// The first identifier type whose limit merging the profiles of `ra` and `rb` would
    /// exceed, with the count it would reach and the limit.
    fn over_limit(
        &self,
        ws: &Workspace,
        ra: IdentityId,
        rb: IdentityId,
    ) -> Option<(String, u32, u32)> {
        let kinds = [USER_ID, ANONYMOUS_ID]
            .into_iter()
            .chain(ws.external_ids.iter().map(String::as_str));
        for kind in kinds {
            let count = self.values(ws, ra, kind) + self.values(ws, rb, kind);
            let limit = ws.identity.limit(kind);
            if count > limit {
                return Some((kind.to_owned(), count, limit));
            }
        }
        None
    }

    /// Links two identities into one profile, merging their consent, unless that would
    /// exceed an Identity Resolution limit: then the link is refused and written on the
    /// profile of `a`, the event's. Returns whether they are now one profile.
    fn link(
        &mut self,
        ws: &Workspace,
        a: IdentityId,
        b: IdentityId,
        ev: &Doc,
        origin: &Origin,
        via: Via,
    ) -> bool {
        let seq = self.observed;
        let (ra, rb) = (self.root(a), self.root(b));
        if ra == rb {
            return true;
        }
        if let Some((kind, count, limit)) = self.over_limit(ws, ra, rb) {
            let refused = NotMerged {
                file: origin.file.clone(),
                line: origin.line,
                index: origin.index,
                with: self.name(b).to_owned(),
                via,
                kind,
                count,
                limit,
            };
            let p = self.by_root.get_mut(&ra).expect("every root has a profile");
            if p.not_merged.len() == HISTORY {
                p.not_merged.pop_front();
            }
            p.not_merged.push_back(refused);
            return false;
        }
        // Keep the larger set's root, so chains stay short.
        let (keep, gone) = if self.by_root[&ra].members.len() >= self.by_root[&rb].members.len() {
            (ra, rb)
        } else {
            (rb, ra)
        };
        let identified = |root: IdentityId| {
            self.by_root[&root]
                .members
                .iter()
                .any(|m| self.is_user_id[*m as usize])
        };
        // Two profiles merge (RULES §5): two identified people, or any two sharing an
        // external id. Devices of one person simply take the latest update.
        let profile_merge =
            matches!(via, Via::ExternalId { .. }) || (identified(ra) && identified(rb));
        self.parent[gone as usize] = keep;
        let other = self
            .by_root
            .remove(&gone)
            .expect("every root has a profile");
        let with = self.name(if gone == rb { b } else { a }).to_owned();
        let kept = self
            .by_root
            .get_mut(&keep)
            .expect("every root has a profile");
        kept.members.extend(other.members);
        for e in other.externals {
            if !kept.externals.contains(&e) {
                kept.externals.push(e);
            }
        }
        kept.not_merged.extend(other.not_merged);
        while kept.not_merged.len() > HISTORY {
            kept.not_merged.pop_front();
        }
        kept.events += other.events;
        kept.history.extend(other.history);
        kept.history.make_contiguous().sort_by_key(|h| h.seq);
        kept.history_dropped += other.history_dropped;
        kept.keep_newest(HISTORY);
        let before = kept.consent.take();
        let merged = match (&before, other.consent) {
            (x, y) if profile_merge => merge_profiles(x.as_deref(), y.as_deref()),
            (Some(x), Some(y)) => Some(if kept.updated >= other.updated {
                x.clone()
            } else {
                y
            }),
            (x, y) => x.clone().or(y),
        };
        kept.updated = kept.updated.max(other.updated);
        if let Some(consent) = &merged {
            let entry = HistoryEntry::new(
                seq,
                ev,
                origin,
                Change::Merge { with, via },
                consent,
                before.as_deref(),
            );
            kept.push_history(entry);
        }
        kept.consent = merged;
        true
    }

    /// Records an ingested event (RULES §5, third version): its own ids (userId and
    /// anonymousId) are linked, its consent is checked against and stamped on their profile,
    /// and only then do the links it carries (an alias, a shared external id) merge profiles,
    /// so that its new consent conflicts with another profile's rather than overwriting it.
    /// Returns the event's identity and the profile warnings.
    pub fn observe(
        &mut self,
        ws: &Workspace,
        ev: &Doc,
        origin: &Origin,
        routes: &[Route],
    ) -> (Option<IdentityId>, Vec<ProfileWarning>) {
        self.observed += 1;
        let user = ev.user_id().map(|u| self.intern(&u, true));
        let anon = ev.anonymous_id().map(|a| self.intern(&a, false));
        // The event's own two ids: where joining them would exceed a limit, the one of lower
        // priority is demoted, and the event belongs to the other's profile.
        let me = match (user, anon) {
            (Some(u), Some(a)) => {
                if self.link(ws, u, a, ev, origin, Via::Event)
                    || ws.identity.rank(USER_ID) <= ws.identity.rank(ANONYMOUS_ID)
                {
                    u
                } else {
                    a
                }
            }
            (u, a) => match u.or(a) {
                Some(me) => me,
                None => return (None, Vec::new()),
            },
        };
        let warnings = self.stamp(ws, ev, origin, routes, me);
        // Then the links the event carries, the identifier of highest priority first: each is
        // made unless it would exceed a limit.
        let mut links: Vec<(IdentityId, Via, String)> = Vec::new();
        if let (Some(Kind::Alias), Some(_), Some(prev)) = (ev.kind(), user, ev.previous_id()) {
            let p = self.intern(&prev, false);
            let kind = if self.is_user_id[p as usize] {
                USER_ID
            } else {
                ANONYMOUS_ID
            };
            links.push((p, Via::Alias, kind.to_owned()));
        }
        for (i, key) in ws.external_ids.iter().enumerate() {
            let Some(value) = ev.trait_text(key) else {
                continue;
            };
            match self.external.get(&(i, Box::from(value.as_str()))) {
                Some(&other) => {
                    let via = Via::ExternalId {
                        key: key.as_str().into(),
                    };
                    links.push((other, via, key.clone()));
                }
                None => self.add_external(ws, me, i, value),
            }
        }
        links.sort_by_key(|(_, _, kind)| ws.identity.rank(kind));
        for (other, via, _) in links {
            let from = if matches!(via, Via::Alias) {
                user.unwrap_or(me)
            } else {
                me
            };
            self.link(ws, from, other, ev, origin, via);
        }
        (Some(me), warnings)
    }

    /// A value of external id `i` first seen, on the profile of `me`, within its limit (a
    /// value over it is demoted: it identifies no profile).
    fn add_external(&mut self, ws: &Workspace, me: IdentityId, i: usize, value: String) {
        let root = self.root(me);
        if self.values(ws, root, &ws.external_ids[i]) >= ws.identity.limit(&ws.external_ids[i]) {
            return;
        }
        let value: Box<str> = value.into();
        self.external.insert((i, value.clone()), me);
        self.by_root
            .get_mut(&root)
            .expect("every root has a profile")
            .externals
            .push((i, value));
    }

    /// Checks the event against the profile of `me` and takes its preferences there.
    fn stamp(
        &mut self,
        ws: &Workspace,
        ev: &Doc,
        origin: &Origin,
        routes: &[Route],
        me: IdentityId,
    ) -> Vec<ProfileWarning> {
        let root = self.root(me);
        let profile = self
            .by_root
            .get_mut(&root)
            .expect("every root has a profile");
        profile.events += 1;
        let mut warnings = Vec::new();
        // Consent stamped as lists of ids is taken as it comes, without the warnings that
        // preferences get (RudderStack has no Consent Preference Updated event, and no notion
        // of a missing stamp).
        match (crate::rules::dialect::chain(ws.dialect()).stamped)(ws, ev) {
            Stamped::Preferences => {}
            Stamped::Nothing => return warnings,
            Stamped::Ids(ids) => {
                let states = ids
                    .into_iter()
                    .map(|id| match id {
                        Some(true) => ConsentState::Granted,
                        Some(false) => ConsentState::Denied,
                        None => ConsentState::NeverCollected,
                    })
                    .collect();
                profile.take(states, self.observed, ev, origin, Change::ConsentManagement);
                return warnings;
            }
        }
        let cpu = ev.is_preference_event();
        match ev.preferences() {
            Preferences::Absent => {
                if !cpu && profile.consent.is_some() {
                    let granted = profile.granted();
                    let would_block: Box<[u16]> = routes
                        .iter()
                        .filter(|r| r.decision.delivery() == Some(Delivery::NoConsent))
                        .filter(|r| {
                            missing_categories(ws, r.destination, granted).is_ok_and(|m| m != 0)
                        })
                        .map(|r| r.destination as u16)
                        .collect();
                    // Only where the missing consent lets something through that the
                    // recorded consent would have blocked: else there is nothing to act on.
                    if !would_block.is_empty() {
                        warnings.push(ProfileWarning::ConsentMissing { would_block });
                    }
                }
            }
            Preferences::NotObject(_) => {}
            Preferences::Object(prefs) => {
                let stamped = stamped_consent(ws, &prefs);
                if let Some(recorded) = profile.consent.as_ref().filter(|r| !cpu && **r != stamped)
                {
                    warnings.push(ProfileWarning::ConsentChanged {
                        recorded: Packed::pack(recorded),
                    });
                }
                let change = Change::Update {
                    preference_event: cpu,
                };
                profile.take(stamped, self.observed, ev, origin, change);
            }
        }
        warnings
    }
}

impl Profile {
    /// Takes the consent an event stamped, recording the change in the history.
    fn take(
        &mut self,
        stamped: Vec<ConsentState>,
        observed: u64,
        ev: &Doc,
        origin: &Origin,
        change: Change,
    ) {
        if self.consent.as_ref() != Some(&stamped) {
            let entry = HistoryEntry::new(
                observed,
                ev,
                origin,
                change,
                &stamped,
                self.consent.as_deref(),
            );
            self.push_history(entry);
        }
        self.consent = Some(stamped);
        self.updated = observed;
    }
}

/// Consent per category in two bits each (a workspace has at most `MAX_CATEGORIES`, 64):
/// what a warning keeps of the consent it compared, without an allocation, since a viewer
/// keeps one for nearly every event of traffic whose consent keeps changing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Packed {
    low: u64,
    high: u64,
}

impl Packed {
    pub fn pack(states: &[ConsentState]) -> Self {
        debug_assert!(states.len() <= crate::workspace::MAX_CATEGORIES);
        states
            .iter()
            .enumerate()
            .fold(Self { low: 0, high: 0 }, |p, (i, s)| {
                let bits = match s {
                    ConsentState::NeverCollected => 0,
                    ConsentState::Granted => 1,
                    ConsentState::Denied => 2,
                    ConsentState::Conflict => 3,
                };
                Self {
                    low: p.low | (bits & 1) << i,
                    high: p.high | (bits >> 1) << i,
                }
            })
    }

    /// The first `len` categories' states.
    pub fn unpack(self, len: usize) -> Vec<ConsentState> {
        (0..len.min(crate::workspace::MAX_CATEGORIES))
            .map(|i| match (self.high >> i & 1, self.low >> i & 1) {
                (0, 0) => ConsentState::NeverCollected,
                (0, _) => ConsentState::Granted,
                (_, 0) => ConsentState::Denied,
                _ => ConsentState::Conflict,
            })
            .collect()
    }
}

/// A profile warning, kept small so that a viewer can keep one for each of many events;
/// `finding` writes it out in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProfileWarning {
    /// The event carries no consent; these destinations (indices) reach it although the
    /// recorded consent would have blocked them.
    ConsentMissing { would_block: Box<[u16]> },
    /// The event's stamped preferences differ from these recorded ones.
    ConsentChanged { recorded: Packed },
}

impl ProfileWarning {
    pub fn finding(&self, ws: &Workspace, ev: &Doc, user: &str) -> Finding {
        match self {
            ProfileWarning::ConsentMissing { would_block } => {
                consent_missing(ws, would_block, user)
            }
            ProfileWarning::ConsentChanged { recorded } => {
                let stamped = match ev.preferences() {
                    Preferences::Object(prefs) => stamped_consent(ws, &prefs),
                    _ => Vec::new(),
                };
                let recorded = recorded.unpack(ws.categories.len());
                changed_without_event(ws, &recorded, &stamped, user)
            }
        }
    }
}

/// The first userId among `members`, else the first id.
fn label_among<'a>(
    names: &'a Interner,
    is_user_id: &[bool],
    members: &[IdentityId],
    fallback: IdentityId,
) -> &'a str {
    let first = members
        .iter()
        .find(|m| is_user_id[**m as usize])
        .or(members.first())
        .copied()
        .unwrap_or(fallback);
    names.get(first)
}

/// A profile merge: "Segment assumes a value of `false` for all 'missing' and 'never
/// collected' categories during a Profile Merge", so each side is its recorded value or
/// false; equal values stay, different ones become a conflict. Without consent on either
/// side, the merged profile has none.
fn merge_profiles(
    a: Option<&[ConsentState]>,
    b: Option<&[ConsentState]>,
) -> Option<Vec<ConsentState>> {
    let len = a.or(b)?.len();
    let side = |s: Option<&[ConsentState]>, i: usize| match s.and_then(|s| s.get(i)) {
        None | Some(ConsentState::NeverCollected) => ConsentState::Denied,
        Some(x) => *x,
    };
    Some(
        (0..len)
            .map(|i| match (side(a, i), side(b, i)) {
                (x, y) if x == y => x,
                _ => ConsentState::Conflict,
            })
            .collect(),
    )
}

/// An event's preferences as a profile holds them: every configured category takes the
/// event's boolean; a missing or non-boolean one is false.
pub fn stamped_consent(ws: &Workspace, prefs: &Members<'_>) -> Vec<ConsentState> {
    let granted = crate::rules::segment::consent::granted_mask(ws, prefs);
    (0..ws.categories.len())
        .map(|c| {
            if granted & (1 << c) != 0 {
                ConsentState::Granted
            } else {
                ConsentState::Denied
            }
        })
        .collect()
}

// The two messages below are written for nearly every event of traffic whose consent keeps
// changing (`route` writes every warning), so they are built in one string each.

fn consent_missing(ws: &Workspace, would_block: &[u16], user: &str) -> Finding {
    let mut message = String::with_capacity(160);
    message.push_str("this event carries no consent, so it reaches ");
    for (i, d) in would_block.iter().enumerate() {
        if i > 0 {
            message.push_str(", ");
        }
        message.push_str(&printable(&ws.destinations[*d as usize].name));
    }
    message.push_str(" which ");
    message.push_str(&printable(user));
    message.push_str("'s recorded consent would have blocked");
    Finding::new(
        Code::ConsentMissing,
        message,
        Some("context.consent".into()),
    )
}

fn changed_without_event(
    ws: &Workspace,
    recorded: &[ConsentState],
    stamped: &[ConsentState],
    user: &str,
) -> Finding {
    let mut message = String::with_capacity(200);
    message.push_str("preferences differ from ");
    message.push_str(&printable(user));
    message.push_str("'s recorded consent (");
    let changes = ws
        .categories
        .iter()
        .zip(recorded.iter().zip(stamped))
        .filter(|(_, (r, s))| r != s);
    for (i, (c, (r, s))) in changes.enumerate() {
        if i > 0 {
            message.push_str(", ");
        }
        message.push_str(&printable(&c.id));
        message.push(' ');
        message.push_str(r.as_str());
        message.push_str(" → ");
        message.push_str(s.as_str());
    }
    message.push_str(") with no Segment Consent Preference Updated event first");
    Finding::new(
        Code::ConsentChangedWithoutPreferenceEvent,
        message,
        Some("context.consent.categoryPreferences".into()),
    )
}

#[cfg(test)]
mod tests {
    use super::ConsentState::*;
    use super::merge_profiles;

    proptest::proptest! {
        #[test]
        fn packed_consent_unpacks_as_it_was(states in proptest::collection::vec(0u8..4, 0..=64)) {
            let states: Vec<_> = states
                .iter()
                .map(|s| [NeverCollected, Granted, Denied, Conflict][usize::from(*s)])
                .collect();
            let packed = super::Packed::pack(&states);
            proptest::prop_assert_eq!(packed.unpack(states.len()), states);
        }
    }

    #[test]
    fn a_merge_takes_false_for_what_a_side_never_collected() {
        let merge = |a: Option<&[_]>, b: Option<&[_]>| merge_profiles(a, b);
        assert_eq!(
            merge(
                Some(&[Granted, Denied, Conflict]),
                Some(&[Granted, Granted, Denied])
            ),
            Some(vec![Granted, Conflict, Conflict])
        );
        assert_eq!(
            merge(Some(&[Granted, Denied]), None),
            Some(vec![Conflict, Denied])
        );
        assert_eq!(
            merge(None, Some(&[NeverCollected, Granted])),
            Some(vec![Denied, Conflict])
        );
        assert_eq!(merge(None, None), None);
    }
}
