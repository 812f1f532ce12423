//! What would change: the same traffic decided under two workspaces. `SettingsDiff` says how
//! the settings differ; `Diff` takes each event's two outcomes, matches routes by destination
//! name, and counts per destination the events and users newly delivered, newly blocked,
//! routed for another reason, or unchanged, with each change linked to the settings changes
//! that can explain it.

use std::collections::BTreeMap;
use std::hash::BuildHasher;

use foldhash::HashSet;

use crate::engine::Outcome;
use crate::rules::verdict::{Block, Decision, Mode, REASONS, Route};
use crate::workspace::{Destination, Workspace};

/// The reason a route has on the side where its destination does not exist.
pub const ABSENT: &str = "absent";

/// How one destination's route differs between the two sides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ChangeKind {
    /// Blocked (or absent) before, delivered after.
    NewlyDelivered,
    /// Delivered before, blocked (or absent) after.
    NewlyBlocked,
    /// The same verdict for another reason, or blocked by other categories.
    ReasonChanged,
}

impl ChangeKind {
    pub const ALL: [Self; 3] = [
        Self::NewlyDelivered,
        Self::NewlyBlocked,
        Self::ReasonChanged,
    ];

    /// The wire word.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NewlyDelivered => "newly_delivered",
            Self::NewlyBlocked => "newly_blocked",
            Self::ReasonChanged => "reason_changed",
        }
    }

    pub fn about(self) -> &'static str {
        match self {
            Self::NewlyDelivered => "The destination would receive the event, and did not before.",
            Self::NewlyBlocked => "The destination would no longer receive the event.",
            Self::ReasonChanged => "The same verdict, for another reason or other categories.",
        }
    }
}

/// A destination present on either side: its index in each workspace.
#[derive(Debug, Clone)]
pub struct Pair {
    pub name: String,
    pub old: Option<usize>,
    pub new: Option<usize>,
}

/// One changed route of an event.
#[derive(Debug, Clone)]
pub struct Change<'a> {
    /// Index in `Diff::pairs`.
    pub pair: usize,
    pub kind: ChangeKind,
    pub before: Option<&'a Route>,
    pub after: Option<&'a Route>,
}

impl Change<'_> {
    /// `not_consented`, or `absent` where the destination does not exist.
    pub fn before_reason(&self) -> &'static str {
        self.before.map_or(ABSENT, |r| r.decision.reason())
    }

    pub fn after_reason(&self) -> &'static str {
        self.after.map_or(ABSENT, |r| r.decision.reason())
    }
}

/// How a category's or destination's settings changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SettingChange {
    CategoryAdded {
        id: String,
    },
    CategoryRemoved {
        id: String,
    },
    CategoryEnabled {
        id: String,
        enabled: bool,
    },
    CategoryRenamed {
        id: String,
        from: String,
        to: String,
    },
    DestinationAdded {
        name: String,
    },
    DestinationRemoved {
        name: String,
    },
    DestinationRemapped {
        name: String,
        from: Vec<String>,
        to: Vec<String>,
    },
    DestinationKind {
        name: String,
        from: &'static str,
        to: &'static str,
    },
    DestinationFilters {
        name: String,
        from: usize,
        to: usize,
    },
    DestinationMappings {
        name: String,
    },
    /// The event types the settings say it takes (`methods`; `None`: the catalog's).
    DestinationMethods {
        name: String,
        from: Option<String>,
        to: Option<String>,
    },
    /// How it is connected or reached: its `components`, its browser plugin, its insert
    /// function (`what`), each side in words.
    DestinationConnection {
        name: String,
        what: &'static str,
        from: String,
        to: String,
    },
    ConsentModel {
        from: &'static str,
        to: &'static str,
    },
    /// An entry of the source's `plan` (`track["Order Completed"]`), as JSON on each side
    /// (`absent` where there is none).
    PlanEntry {
        entry: String,
        /// The track event it is for, where it is one (not `__default`).
        event: Option<String>,
        from: String,
        to: String,
    },
    /// A Protocols setting (`track.allowUnplannedEvents`).
    ProtocolsSetting {
        setting: &'static str,
        from: String,
        to: String,
    },
    /// A user suppressed, or no longer suppressed (`added` false).
    Suppression {
        user: String,
        added: bool,
    },
    /// A tracking plan rule added, removed or changed (`TRACK "Signed Up" v1`).
    TrackingPlanRule {
        rule: String,
        /// The call type it judges (`track`), None for the common schema.
        call: Option<&'static str>,
        /// The track event it is for, where it is a TRACK rule.
        event: Option<String>,
        change: &'static str,
    },
}

impl SettingChange {
    /// What changed, in a line.
    pub fn describe(&self) -> String {
        let list = |ids: &[String]| {
            if ids.is_empty() {
                "no category".to_owned()
            } else {
                ids.join(", ")
            }
        };
        match self {
            Self::CategoryAdded { id } => format!("category {id} added"),
            Self::CategoryRemoved { id } => format!("category {id} removed"),
            Self::CategoryEnabled { id, enabled: true } => format!("category {id} enabled"),
            Self::CategoryEnabled { id, enabled: false } => format!("category {id} disabled"),
            Self::CategoryRenamed { id, from, to } => {
                format!("category {id} renamed from \"{from}\" to \"{to}\"")
            }
            Self::DestinationAdded { name } => format!("destination {name} added"),
            Self::DestinationRemoved { name } => format!("destination {name} removed"),
            Self::DestinationRemapped { name, from, to } => {
                format!("{name} remapped: {} → {}", list(from), list(to))
            }
            Self::DestinationKind { name, from, to } => format!("{name}: kind {from} → {to}"),
            Self::DestinationFilters { name, from, to } => {
                format!("{name}: destination filters changed ({from} → {to})")
            }
            Self::DestinationMappings { name } => format!("{name}: Actions mappings changed"),
            Self::DestinationMethods { name, from, to } => {
                let said = |m: &Option<String>| m.clone().unwrap_or_else(|| "the catalog's".into());
                format!("{name}: event types {} → {}", said(from), said(to))
            }
            Self::DestinationConnection {
                name,
                what,
                from,
                to,
            } => format!("{name}: {what} {from} → {to}"),
            Self::ConsentModel { from, to } => format!("consent model {from} → {to}"),
            Self::PlanEntry {
                entry, from, to, ..
            } => format!("plan.{entry}: {from} → {to}"),
            Self::ProtocolsSetting { setting, from, to } => {
                format!("protocols.{setting}: {from} → {to}")
            }
            Self::TrackingPlanRule { rule, change, .. } => {
                format!("tracking plan rule {rule} {change}")
            }
            Self::Suppression { user, added: true } => format!("user {user} suppressed"),
            Self::Suppression { user, added: false } => {
                format!("user {user} no longer suppressed")
            }
        }
    }

    /// The wire word for what kind of change this is.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::CategoryAdded { .. } => "category_added",
            Self::CategoryRemoved { .. } => "category_removed",
            Self::CategoryEnabled { .. } => "category_enabled",
            Self::CategoryRenamed { .. } => "category_renamed",
            Self::DestinationAdded { .. } => "destination_added",
            Self::DestinationRemoved { .. } => "destination_removed",
            Self::DestinationRemapped { .. } => "destination_remapped",
            Self::DestinationKind { .. } => "destination_kind",
            Self::DestinationFilters { .. } => "destination_filters",
            Self::DestinationMappings { .. } => "destination_mappings",
            Self::DestinationMethods { .. } => "destination_methods",
            Self::DestinationConnection { .. } => "destination_connection",
            Self::ConsentModel { .. } => "consent_model",
            Self::PlanEntry { .. } => "plan_entry",
            Self::ProtocolsSetting { .. } => "protocols_setting",
            Self::TrackingPlanRule { .. } => "tracking_plan_rule",
            Self::Suppression { .. } => "suppression",
        }
    }

    /// Whether this change can explain a changed route of destination `name` (mapped to
    /// `categories` on either side, `device` when either route is in device mode) for an
    /// event named `event`, `source` when either route was decided at the source stage.
    fn explains(&self, name: &str, categories: &[&str], device: bool, route: &Moved<'_>) -> bool {
        match self {
            Self::CategoryAdded { id }
            | Self::CategoryRemoved { id }
            | Self::CategoryEnabled { id, .. } => categories.contains(&id.as_str()),
            Self::CategoryRenamed { .. } => false,
            Self::DestinationAdded { name: n }
            | Self::DestinationRemoved { name: n }
            | Self::DestinationRemapped { name: n, .. }
            | Self::DestinationKind { name: n, .. }
            | Self::DestinationFilters { name: n, .. }
            | Self::DestinationMappings { name: n }
            | Self::DestinationMethods { name: n, .. }
            | Self::DestinationConnection { name: n, .. } => n == name,
            Self::ConsentModel { .. } => device,
            Self::PlanEntry { event, .. } => {
                route.source && (event.is_none() || event.as_deref() == route.event)
            }
            Self::TrackingPlanRule { call, event, .. } => {
                route.source
                    && (call.is_none() || *call == route.call)
                    && (event.is_none() || event.as_deref() == route.event)
            }
            Self::ProtocolsSetting { .. } => route.source,
            Self::Suppression { .. } => route.suppressed,
        }
    }
}

/// What changed in how destination `d` (now `n`) is connected or reached.
fn connection_changes(d: &Destination, n: &Destination, out: &mut Vec<SettingChange>) {
    let components = |c: Option<crate::workspace::Components>| {
        c.map_or_else(|| "the catalog's".to_owned(), |c| c.words().join(", "))
    };
    let plugin = |p: Option<&crate::workspace::Plugin>| {
        p.map_or_else(
            || "none".to_owned(),
            |p| format!("{} ({} subscriptions)", p.name, p.subscriptions.len()),
        )
    };
    let function = |f: Option<&String>| f.cloned().unwrap_or_else(|| "none".to_owned());
    let on = |e: bool| if e { "enabled" } else { "disabled" }.to_owned();
    let actions = |a: Option<bool>| match a {
        None => "the catalog's word".to_owned(),
        Some(true) => "Actions".to_owned(),
        Some(false) => "classic".to_owned(),
    };
    for (what, changed, from, to) in [
        (
            "switch",
            d.enabled != n.enabled,
            on(d.enabled),
            on(n.enabled),
        ),
        (
            "framework",
            d.actions != n.actions,
            actions(d.actions),
            actions(n.actions),
        ),
        (
            "components",
            d.components != n.components,
            components(d.components),
            components(n.components),
        ),
        (
            "browser plugin",
            d.plugin != n.plugin,
            plugin(d.plugin.as_ref()),
            plugin(n.plugin.as_ref()),
        ),
        (
            "insert function",
            d.insert_function != n.insert_function,
            function(d.insert_function.as_ref()),
            function(n.insert_function.as_ref()),
        ),
    ] {
        if changed {
            out.push(SettingChange::DestinationConnection {
                name: d.name.clone(),
                what,
                from,
                to,
            });
        }
    }
}

/// What a changed route's event and reasons say, for the source's changes.
struct Moved<'a> {
    /// The event's type.
    call: Option<&'static str>,
    /// The track event's name.
    event: Option<&'a str>,
    /// Whether the source stage decided either side.
    source: bool,
    /// Whether either side's route was suppressed.
    suppressed: bool,
}

/// The category ids a destination is mapped to, in its order.
fn mapped(ws: &Workspace, d: &Destination) -> Vec<String> {
    d.categories
        .iter()
        .map(|&c| ws.categories[usize::from(c)].id.clone())
        .collect()
}

/// How `new` differs from `old`, categories first, then destinations in `old`'s order and the
/// new ones after, then the consent model.
pub fn settings_diff(old: &Workspace, new: &Workspace) -> Vec<SettingChange> {
    let mut out = Vec::new();
    for c in &old.categories {
        match new.categories.iter().find(|n| n.id == c.id) {
            None => out.push(SettingChange::CategoryRemoved { id: c.id.clone() }),
            Some(n) => {
                if n.enabled != c.enabled {
                    out.push(SettingChange::CategoryEnabled {
                        id: c.id.clone(),
                        enabled: n.enabled,
                    });
                }
                if n.name != c.name {
                    out.push(SettingChange::CategoryRenamed {
                        id: c.id.clone(),
                        from: c.name.clone(),
                        to: n.name.clone(),
                    });
                }
            }
        }
    }
    for n in &new.categories {
        if !old.categories.iter().any(|c| c.id == n.id) {
            out.push(SettingChange::CategoryAdded { id: n.id.clone() });
        }
    }
    for d in &old.destinations {
        let Some(n) = new.destinations.iter().find(|n| n.name == d.name) else {
            out.push(SettingChange::DestinationRemoved {
                name: d.name.clone(),
            });
            continue;
        };
        let (from, to) = (mapped(old, d), mapped(new, n));
        if from != to {
            out.push(SettingChange::DestinationRemapped {
                name: d.name.clone(),
                from,
                to,
            });
        }
        if d.kind != n.kind {
            out.push(SettingChange::DestinationKind {
                name: d.name.clone(),
                from: d.kind.as_str(),
                to: n.kind.as_str(),
            });
        }
        if d.filters != n.filters {
            out.push(SettingChange::DestinationFilters {
                name: d.name.clone(),
                from: d.filters.len(),
                to: n.filters.len(),
            });
        }
        if d.mappings != n.mappings {
            out.push(SettingChange::DestinationMappings {
                name: d.name.clone(),
            });
        }
        if d.methods != n.methods {
            let text = |m: &Option<Vec<crate::read::event::Kind>>| {
                m.as_ref()
                    .map(|v| v.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(", "))
            };
            out.push(SettingChange::DestinationMethods {
                name: d.name.clone(),
                from: text(&d.methods),
                to: text(&n.methods),
            });
        }
        connection_changes(d, n, &mut out);
    }
    for n in &new.destinations {
        if !old.destinations.iter().any(|d| d.name == n.name) {
            out.push(SettingChange::DestinationAdded {
                name: n.name.clone(),
            });
        }
    }
    if old.consent_model != new.consent_model {
        out.push(SettingChange::ConsentModel {
            from: old.consent_model.as_str(),
            to: new.consent_model.as_str(),
        });
    }
    source_diff(old, new, &mut out);
    suppression_diff(old, new, &mut out);
    out
}

/// Which users are suppressed on one side only.
fn suppression_diff(old: &Workspace, new: &Workspace, out: &mut Vec<SettingChange>) {
    let mut users: Vec<(&String, bool)> = old
        .suppressed
        .difference(&new.suppressed)
        .map(|u| (u, false))
        .chain(
            new.suppressed
                .difference(&old.suppressed)
                .map(|u| (u, true)),
        )
        .collect();
    users.sort();
    out.extend(
        users
            .into_iter()
            .map(|(user, added)| SettingChange::Suppression {
                user: user.clone(),
                added,
            }),
    );
}

/// How the source's controls differ: its plan's entries, its Protocols settings, its
/// tracking plan's rules.
fn source_diff(old: &Workspace, new: &Workspace, out: &mut Vec<SettingChange>) {
    let (a, b) = (old.plan.to_json(), new.plan.to_json());
    for section in ["track", "identify", "group"] {
        let (sa, sb) = (&a[section], &b[section]);
        let mut keys: Vec<&String> = sa
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, _)| k)
            .collect();
        for k in sb.as_object().into_iter().flatten().map(|(k, _)| k) {
            if !keys.contains(&k) {
                keys.push(k);
            }
        }
        for k in keys {
            let (x, y) = (sa.get(k), sb.get(k));
            if x != y {
                let text = |v: Option<&serde_json::Value>| {
                    v.map_or("absent".to_owned(), ToString::to_string)
                };
                out.push(SettingChange::PlanEntry {
                    entry: format!("{section}[{}]", serde_json::Value::from(k.as_str())),
                    event: (section == "track" && k != "__default").then(|| k.clone()),
                    from: text(x),
                    to: text(y),
                });
            }
        }
    }
    let settings = |w: &Workspace| w.protocols.as_ref().map(|p| p.settings.flat());
    let defaults = crate::workspace::protocols::SchemaSettings::default().flat();
    let (fa, fb) = (
        settings(old).unwrap_or_else(|| defaults.clone()),
        settings(new).unwrap_or(defaults),
    );
    for ((setting, from), (_, to)) in fa.into_iter().zip(fb) {
        if from != to {
            out.push(SettingChange::ProtocolsSetting { setting, from, to });
        }
    }
    let rules = |w: &Workspace| {
        w.protocols
            .as_ref()
            .and_then(|p| p.plan.clone())
            .map(|p| {
                p.rules
                    .iter()
                    .map(|r| (r.label(), r.kind, r.key.clone(), r.schema.clone()))
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
    };
    let (ra, rb) = (rules(old), rules(new));
    let call = |kind| {
        use crate::workspace::protocols::RuleKind as K;
        match kind {
            K::Track => Some("track"),
            K::Identify => Some("identify"),
            K::Group => Some("group"),
            K::Page => Some("page"),
            K::Screen => Some("screen"),
            K::Common => None,
        }
    };
    let event = |kind, key: &Option<String>| {
        (kind == crate::workspace::protocols::RuleKind::Track)
            .then(|| key.clone())
            .flatten()
    };
    for (label, kind, key, schema) in &ra {
        let change = match rb.iter().find(|r| &r.0 == label) {
            None => "removed",
            Some(r) if &r.3 != schema => "changed",
            Some(_) => continue,
        };
        out.push(SettingChange::TrackingPlanRule {
            rule: label.clone(),
            call: call(*kind),
            event: event(*kind, key),
            change,
        });
    }
    for (label, kind, key, _) in &rb {
        if !ra.iter().any(|r| &r.0 == label) {
            out.push(SettingChange::TrackingPlanRule {
                rule: label.clone(),
                call: call(*kind),
                event: event(*kind, key),
                change: "added",
            });
        }
    }
}

/// Events and distinct users of one kind of change.
#[derive(Debug, Clone, Default)]
pub struct Count {
    pub events: u64,
    /// Distinct users by their event's userId (else anonymousId), hashed.
    users: HashSet<u64>,
    /// The first `SAMPLE_USERS` of them, as written.
    pub sample: Vec<String>,
}

/// Users named per count, so that a person sees who, not only how many.
pub const SAMPLE_USERS: usize = 5;

impl Count {
    pub fn users(&self) -> usize {
        self.users.len()
    }

    fn add(&mut self, user: Option<(u64, &str)>) {
        self.events += 1;
        if let Some((h, name)) = user {
            if self.users.insert(h) && self.sample.len() < SAMPLE_USERS {
                self.sample.push(name.to_owned());
            }
        }
    }
}

/// One destination's totals.
#[derive(Debug, Clone, Default)]
pub struct Totals {
    pub newly_delivered: Count,
    pub newly_blocked: Count,
    pub reason_changed: Count,
    pub unchanged: u64,
    /// Routes on each side by reason, in `route::REASONS`' order.
    pub before: [u64; REASONS.len()],
    pub after: [u64; REASONS.len()],
    /// (kind, reason before, reason after) -> routes.
    pub transitions: BTreeMap<(ChangeKind, &'static str, &'static str), u64>,
}

impl Totals {
    /// A side's routes by reason, those with any.
    pub fn by_reason(side: &[u64; REASONS.len()]) -> BTreeMap<&'static str, u64> {
        REASONS
            .iter()
            .zip(side)
            .filter(|(_, n)| **n > 0)
            .map(|(r, n)| (*r, *n))
            .collect()
    }

    pub fn count(&self, kind: ChangeKind) -> &Count {
        match kind {
            ChangeKind::NewlyDelivered => &self.newly_delivered,
            ChangeKind::NewlyBlocked => &self.newly_blocked,
            ChangeKind::ReasonChanged => &self.reason_changed,
        }
    }

    fn count_mut(&mut self, kind: ChangeKind) -> &mut Count {
        match kind {
            ChangeKind::NewlyDelivered => &mut self.newly_delivered,
            ChangeKind::NewlyBlocked => &mut self.newly_blocked,
            ChangeKind::ReasonChanged => &mut self.reason_changed,
        }
    }

    pub fn changed(&self) -> u64 {
        ChangeKind::ALL.iter().map(|&k| self.count(k).events).sum()
    }
}

/// The running comparison of two workspaces over the same events.
pub struct Diff {
    pub old: std::sync::Arc<Workspace>,
    pub new: std::sync::Arc<Workspace>,
    pub pairs: Vec<Pair>,
    pub settings: Vec<SettingChange>,
    /// Per pair.
    pub totals: Vec<Totals>,
    /// Per settings change: the changed routes it can explain.
    pub explained: Vec<u64>,
    /// Changed routes no settings change explains (state that differs, such as a profile).
    pub unexplained: u64,
    pub events: u64,
    /// Events with at least one changed route.
    pub events_changed: u64,
    /// Routes delivered per pair over time, before and after, by the events' timestamps.
    pub timeline: Timeline,
    /// Per pair and side: the category ids it is mapped to, for linking changes.
    categories: Vec<Vec<String>>,
    hasher: foldhash::fast::FixedState,
}

impl Diff {
    pub fn new(old: std::sync::Arc<Workspace>, new: std::sync::Arc<Workspace>) -> Self {
        let mut pairs: Vec<Pair> = old
            .destinations
            .iter()
            .enumerate()
            .map(|(i, d)| Pair {
                name: d.name.clone(),
                old: Some(i),
                new: new.destinations.iter().position(|n| n.name == d.name),
            })
            .collect();
        for (i, n) in new.destinations.iter().enumerate() {
            if !pairs.iter().any(|p| p.new == Some(i)) {
                pairs.push(Pair {
                    name: n.name.clone(),
                    old: None,
                    new: Some(i),
                });
            }
        }
        let categories = pairs
            .iter()
            .map(|p| {
                let mut ids = p
                    .old
                    .map(|i| mapped(&old, &old.destinations[i]))
                    .unwrap_or_default();
                ids.extend(
                    p.new
                        .map(|i| mapped(&new, &new.destinations[i]))
                        .unwrap_or_default(),
                );
                ids
            })
            .collect();
        let settings = settings_diff(&old, &new);
        Self {
            totals: vec![Totals::default(); pairs.len()],
            explained: vec![0; settings.len()],
            unexplained: 0,
            timeline: Timeline::new(pairs.len()),
            events: 0,
            events_changed: 0,
            settings,
            pairs,
            categories,
            old,
            new,
            hasher: foldhash::fast::FixedState::with_seed(0),
        }
    }

    /// Compares one event's outcomes (the same record, folded by each side's engine): its
    /// changed routes, counted.
    pub fn add<'a>(&mut self, before: &'a Outcome, after: &'a Outcome) -> Vec<Change<'a>> {
        self.events += 1;
        let who = after.event().and_then(crate::read::event::Doc::identity);
        let mut changes = Vec::new();
        let pairs = self.pairs.len();
        let at = after
            .event()
            .and_then(|ev| self.timeline.second(ev))
            .map(|t| self.timeline.bucket(t));
        let mut bucket = at.map(|at| {
            self.timeline
                .buckets
                .entry(at)
                .or_insert_with(|| vec![[0; 2]; pairs])
        });
        let event_name = before
            .event()
            .filter(|e| e.kind() == Some(crate::read::event::Kind::Track))
            .and_then(crate::read::event::Doc::event_name);
        for (i, p) in self.pairs.iter().enumerate() {
            let b = p.old.and_then(|d| before.routes.get(d));
            let a = p.new.and_then(|d| after.routes.get(d));
            if let Some(slot) = bucket.as_mut().map(|v| &mut v[i]) {
                slot[0] += u32::from(b.is_some_and(|r| r.decision.delivered()));
                slot[1] += u32::from(a.is_some_and(|r| r.decision.delivered()));
            }
            let t = &mut self.totals[i];
            if let Some(r) = b {
                t.before[r.decision.reason_index()] += 1;
            }
            if let Some(r) = a {
                t.after[r.decision.reason_index()] += 1;
            }
            let Some(kind) = kind_of(&self.old, &self.new, b, a) else {
                t.unchanged += 1;
                continue;
            };
            let user = who.as_deref().map(|u| (self.hasher.hash_one(u), u));
            t.count_mut(kind).add(user);
            let c = Change {
                pair: i,
                kind,
                before: b,
                after: a,
            };
            *t.transitions
                .entry((kind, c.before_reason(), c.after_reason()))
                .or_default() += 1;
            let device = [b, a].iter().flatten().any(|r| r.mode == Mode::Device);
            let ids: Vec<&str> = self.categories[i].iter().map(String::as_str).collect();
            let moved = Moved {
                call: before
                    .event()
                    .and_then(crate::read::event::Doc::kind)
                    .map(crate::read::event::Kind::as_str),
                event: event_name.as_deref(),
                source: [b, a].iter().flatten().any(|r| {
                    matches!(
                        r.decision,
                        Decision::Block(
                            Block::FilteredAtSource { .. } | Block::SchemaIntegrationFilter { .. }
                        )
                    )
                }),
                suppressed: [b, a]
                    .iter()
                    .flatten()
                    .any(|r| r.decision == Decision::Block(Block::Suppressed)),
            };
            let mut any = false;
            for (s, n) in self.settings.iter().zip(&mut self.explained) {
                if s.explains(&p.name, &ids, device, &moved) {
                    *n += 1;
                    any = true;
                }
            }
            if !any {
                self.unexplained += 1;
            }
            changes.push(c);
        }
        if !changes.is_empty() {
            self.events_changed += 1;
        }
        changes
    }

    /// Every changed route counted so far.
    pub fn routes_changed(&self) -> u64 {
        self.totals.iter().map(Totals::changed).sum()
    }

    /// Routes of `kind` over every destination.
    pub fn total(&self, kind: ChangeKind) -> u64 {
        self.totals.iter().map(|t| t.count(kind).events).sum()
    }
}

/// Delivered routes per destination over time, before and after: buckets of `width` seconds
/// (a minute at first, doubled whenever there are more than `MAX_BUCKETS`, so a year of
/// traffic takes as little room as an hour).
#[derive(Debug, Clone)]
pub struct Timeline {
    pub width: i64,
    /// Bucket start -> per pair, [delivered before, delivered after].
    pub buckets: BTreeMap<i64, Vec<[u32; 2]>>,
    pairs: usize,
    /// The last timestamp parsed: its minute and zone as written, and that minute's start.
    last: Option<(String, String, i64)>,
}

/// Buckets kept at most before they are merged two by two.
const MAX_BUCKETS: usize = 512;

impl Timeline {
    fn new(pairs: usize) -> Self {
        Self {
            width: 60,
            buckets: BTreeMap::new(),
            pairs,
            last: None,
        }
    }

    /// The event's time (its timestamp, else originalTimestamp, sentAt, receivedAt), in
    /// seconds. Traffic comes in time order, so most events share the last one's minute: a
    /// timestamp that differs from the last only in its seconds is not parsed again.
    fn second(&mut self, ev: &crate::read::event::Doc) -> Option<i64> {
        let raw = crate::read::event::Field::TIMESTAMPS
            .iter()
            .find_map(|f| ev.get(*f)?.as_str().map(str::to_owned))?;
        // `2026-11-02T09:01:14.123Z`: the minute, then seconds and fraction, then the zone.
        let (minute, rest) = raw.split_at_checked(16)?;
        let seconds: i64 = rest.get(1..3)?.parse().ok()?;
        let zone = rest
            .get(3..)?
            .trim_start_matches(|c: char| c == '.' || c.is_ascii_digit());
        if let Some((m, z, at)) = &self.last {
            if m == minute && z == zone {
                return Some(at + seconds);
            }
        }
        let t: jiff::Timestamp = raw.parse().ok()?;
        let minute_start = t.as_second() - seconds;
        self.last = Some((minute.to_owned(), zone.to_owned(), minute_start));
        Some(t.as_second())
    }

    /// The bucket of second `t`, widening the buckets first when there are too many.
    fn bucket(&mut self, t: i64) -> i64 {
        let at = t.div_euclid(self.width) * self.width;
        if self.buckets.len() >= MAX_BUCKETS && !self.buckets.contains_key(&at) {
            self.width *= 2;
            let old = std::mem::take(&mut self.buckets);
            for (start, counts) in old {
                let merged = self
                    .buckets
                    .entry(start.div_euclid(self.width) * self.width)
                    .or_insert_with(|| vec![[0; 2]; self.pairs]);
                for (m, c) in merged.iter_mut().zip(counts) {
                    m[0] += c[0];
                    m[1] += c[1];
                }
            }
            return self.bucket(t);
        }
        at
    }
}

/// How a route changed, if it did; an absent destination counts as blocked.
fn kind_of(
    old: &Workspace,
    new: &Workspace,
    before: Option<&Route>,
    after: Option<&Route>,
) -> Option<ChangeKind> {
    let delivered = |r: Option<&Route>| r.is_some_and(|r| r.decision.delivered());
    match (delivered(before), delivered(after)) {
        (false, true) => Some(ChangeKind::NewlyDelivered),
        (true, false) => Some(ChangeKind::NewlyBlocked),
        _ if same_why(old, new, before, after) => None,
        _ => Some(ChangeKind::ReasonChanged),
    }
}

/// Same reason, and for a consent block the same categories.
fn same_why(
    old: &Workspace,
    new: &Workspace,
    before: Option<&Route>,
    after: Option<&Route>,
) -> bool {
    match (before, after) {
        (None, None) => true,
        (Some(b), Some(a)) => {
            b.decision.reason() == a.decision.reason()
                && blocked_ids(old, &b.decision) == blocked_ids(new, &a.decision)
        }
        _ => false,
    }
}

/// The ids of the categories behind a consent block (none for another decision).
fn blocked_ids<'a>(ws: &'a Workspace, d: &Decision) -> Vec<&'a str> {
    d.blocked_by()
        .iter()
        .map(|b| ws.categories[usize::from(b.category)].id.as_str())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ws(text: &str) -> Workspace {
        Workspace::from_slice("t.json", text.as_bytes()).unwrap()
    }

    #[test]
    fn every_kind_of_settings_change_is_named() {
        let old = ws(
            r#"{"categories":[{"id":"A","name":"Ads"},{"id":"B","name":"Basic"},{"id":"C","name":"Chat"}],
            "destinations":[{"name":"X","categories":["A"]},{"name":"Y","categories":["B"]},{"name":"Gone","categories":[]}]}"#,
        );
        let new = ws(
            r#"{"categories":[{"id":"A","name":"Advertising"},{"id":"B","name":"Basic","enabled":false},{"id":"D","name":"Data"}],
            "destinations":[{"name":"X","categories":["A","D"],"methods":["track"]},{"name":"Y","categories":["B"],"kind":"aws-s3"},{"name":"New","categories":["D"]}],
            "consentModel":"opt-out"}"#,
        );
        let got: Vec<String> = settings_diff(&old, &new)
            .iter()
            .map(SettingChange::describe)
            .collect();
        assert_eq!(
            got,
            [
                "category A renamed from \"Ads\" to \"Advertising\"",
                "category B disabled",
                "category C removed",
                "category D added",
                "X remapped: A → A, D",
                "X: event types the catalog's → track",
                "Y: kind event-stream → aws-s3",
                "destination Gone removed",
                "destination New added",
                "consent model opt-in → opt-out",
            ]
        );
        assert!(settings_diff(&old, &old).is_empty());
    }

    #[test]
    fn a_workspace_with_filters_and_mappings_has_no_change_from_itself() {
        // A trigger's compiled form holds NaN for texts that are no number: equality is
        // the tree's, or every Actions destination would read as changed.
        let w = Workspace::load(std::path::Path::new(
            "samples/filters/consent-settings.json",
        ))
        .unwrap();
        assert!(settings_diff(&w, &w.clone()).is_empty());
    }

    #[test]
    fn a_timestamp_read_from_the_last_minute_is_the_one_parsed() {
        let mut t = Timeline::new(1);
        let times = [
            "2026-11-02T09:01:14.123Z",
            "2026-11-02T09:01:59Z",
            "2026-11-02T09:01:02.5+02:00",
            "2026-11-02T09:01:03+02:00",
            "2026-11-02T09:02:00.000Z",
            "2026-11-02T09:02:07-05:30",
        ];
        for ts in times {
            let line = format!(r#"{{"type":"track","event":"e","userId":"u","timestamp":"{ts}"}}"#);
            let crate::read::event::Parsed::Event(ev) =
                crate::read::event::Doc::parse(&std::sync::Arc::from(line.as_str())).unwrap()
            else {
                panic!("an event")
            };
            let expected = ts.parse::<jiff::Timestamp>().unwrap().as_second();
            assert_eq!(t.second(&ev), Some(expected), "{ts}");
        }
    }

    #[test]
    fn the_timeline_widens_its_buckets_and_keeps_every_count() {
        let mut t = Timeline::new(1);
        let mut total = 0u32;
        // A minute apart for longer than MAX_BUCKETS minutes.
        for i in 0..(MAX_BUCKETS as i64 * 3) {
            let at = t.bucket(i * 60);
            t.buckets.entry(at).or_insert_with(|| vec![[0; 2]; 1])[0][1] += 1;
            total += 1;
        }
        assert!(t.buckets.len() <= MAX_BUCKETS, "{}", t.buckets.len());
        assert!(t.width > 60);
        assert_eq!(t.buckets.values().map(|v| v[0][1]).sum::<u32>(), total);
        // Buckets start on multiples of their width.
        assert!(t.buckets.keys().all(|k| k % t.width == 0));
    }
}
