//! Routing one event to each destination (RULES §3): a pure function of the workspace and the
//! event, whose every decision carries its reason.

use crate::event::{Doc, Members, Preferences, Raw};
use crate::settings::{CatIdx, Workspace};

/// Why a destination receives the event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Delivery {
    /// A valid Consent Preference Updated event goes everywhere.
    ConsentPreferenceEvent,
    /// The event carries no preferences, so there is nothing to enforce.
    NoConsent,
    /// The destination's kind does not enforce consent (Amazon S3, Engage).
    NotEnforced,
    /// The destination is mapped to no enabled category.
    Unmapped,
    /// Every enabled category mapped to the destination is `true`.
    Consented,
}

/// A category's value on the event, where it is not `true`.
#[derive(Debug, Clone, PartialEq)]
pub enum PreferenceValue {
    False,
    Missing,
    /// Not a boolean: counts as not consented. The value as compact JSON.
    Other(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Blocker {
    pub category: CatIdx,
    pub value: PreferenceValue,
}

/// Which entry of the `integrations` object removed the destination.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IntegrationsKey {
    /// `integrations[<destination name>]` is `false`.
    Destination,
    /// `integrations.All` is `false` and the destination's own entry is not `true`.
    All,
}

/// Why a destination does not receive the event.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    NotIngested,
    NotConsented {
        blocked_by: Vec<Blocker>,
    },
    /// Consent allowed it (`consent` says why); the integrations object removed it.
    IntegrationsObject {
        key: IntegrationsKey,
        consent: Delivery,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    Deliver(Delivery),
    Block(Block),
}

impl Decision {
    pub fn delivered(&self) -> bool {
        matches!(self, Self::Deliver(_))
    }

    /// The wire word: `deliver` or `block`.
    pub fn verb(&self) -> &'static str {
        if self.delivered() { "deliver" } else { "block" }
    }

    /// The wire reason code.
    pub fn reason(&self) -> &'static str {
        match self {
            Self::Deliver(Delivery::ConsentPreferenceEvent) => "consent_preference_event",
            Self::Deliver(Delivery::NoConsent) => "no_consent",
            Self::Deliver(Delivery::NotEnforced) => "not_enforced",
            Self::Deliver(Delivery::Unmapped) => "unmapped",
            Self::Deliver(Delivery::Consented) => "consented",
            Self::Block(Block::NotIngested) => "not_ingested",
            Self::Block(Block::NotConsented { .. }) => "not_consented",
            Self::Block(Block::IntegrationsObject { .. }) => "integrations_object",
        }
    }

    pub fn blocked_by(&self) -> &[Blocker] {
        match self {
            Self::Block(Block::NotConsented { blocked_by }) => blocked_by,
            _ => &[],
        }
    }
}

/// The decision for one destination (an index into `Workspace::destinations`).
#[derive(Debug, Clone, PartialEq)]
pub struct Route {
    pub destination: usize,
    pub decision: Decision,
}

/// Every reason code, in the order RULES §3 applies them.
pub const REASONS: [&str; 8] = [
    "not_ingested",
    "consent_preference_event",
    "no_consent",
    "not_enforced",
    "unmapped",
    "consented",
    "not_consented",
    "integrations_object",
];

/// What the event says about consent, reduced to what the rules need.
enum Stamp<'a> {
    NotIngested,
    PreferenceEvent,
    NoConsent,
    /// `granted` has a bit for each configured category whose preference is exactly `true`.
    Preferences {
        granted: u64,
        map: Option<Members<'a>>,
    },
}

/// The categories whose preference is exactly `true`, as bits.
pub fn granted_mask(ws: &Workspace, prefs: &Members<'_>) -> u64 {
    prefs
        .iter()
        .filter(|(_, v)| v.is_true())
        .filter_map(|(k, _)| ws.lookup(&k))
        .fold(0, |m, c| m | 1 << c)
}

/// Routes an event to every destination, in settings order. `ev` is None, and `ingested`
/// false, for a record that is not an event at all.
pub fn route(ws: &Workspace, ev: Option<&Doc>, ingested: bool) -> Vec<Route> {
    let stamp = match ev {
        _ if !ingested => Stamp::NotIngested,
        None => Stamp::NotIngested,
        Some(e) if e.is_preference_event() => Stamp::PreferenceEvent,
        Some(e) => match e.preferences() {
            Preferences::Absent => Stamp::NoConsent,
            Preferences::NotObject(_) => Stamp::Preferences {
                granted: 0,
                map: None,
            },
            Preferences::Object(m) => Stamp::Preferences {
                granted: granted_mask(ws, &m),
                map: Some(m),
            },
        },
    };
    let integrations = ev.and_then(Doc::integrations);
    (0..ws.destinations.len())
        .map(|d| {
            let decision = match decide_consent(ws, d, &stamp) {
                Decision::Deliver(why) => match integrations
                    .as_ref()
                    .and_then(|i| removed_by(i, &ws.destinations[d].name))
                {
                    Some(key) => Decision::Block(Block::IntegrationsObject { key, consent: why }),
                    None => Decision::Deliver(why),
                },
                blocked => blocked,
            };
            Route {
                destination: d,
                decision,
            }
        })
        .collect()
}

fn decide_consent(ws: &Workspace, dest: usize, stamp: &Stamp<'_>) -> Decision {
    let (granted, map) = match stamp {
        Stamp::NotIngested => return Decision::Block(Block::NotIngested),
        Stamp::PreferenceEvent => return Decision::Deliver(Delivery::ConsentPreferenceEvent),
        Stamp::NoConsent => return Decision::Deliver(Delivery::NoConsent),
        Stamp::Preferences { granted, map } => (*granted, map.as_ref()),
    };
    match missing_categories(ws, dest, granted) {
        Err(why) => Decision::Deliver(why),
        Ok(0) => Decision::Deliver(Delivery::Consented),
        Ok(_) => {
            let blocked_by = ws.destinations[dest]
                .categories
                .iter()
                .filter(|&&c| ws.category(c).enabled && granted & (1 << c) == 0)
                .map(|&c| Blocker {
                    category: c,
                    value: match map.and_then(|m| m.get(&ws.category(c).id)) {
                        None => PreferenceValue::Missing,
                        Some(Raw::Bool(false)) => PreferenceValue::False,
                        Some(other) => PreferenceValue::Other(other.to_json().into_owned()),
                    },
                })
                .collect();
            Decision::Block(Block::NotConsented { blocked_by })
        }
    }
}

/// The required categories of `dest` that `granted` lacks, as bits; or why consent does not
/// apply to this destination at all.
pub fn missing_categories(ws: &Workspace, dest: usize, granted: u64) -> Result<u64, Delivery> {
    if !ws.destinations[dest].kind.enforces_consent() {
        return Err(Delivery::NotEnforced);
    }
    let required = ws.required(dest);
    if required == 0 {
        return Err(Delivery::Unmapped);
    }
    Ok(required & !granted)
}

/// Rule 8: the integrations object can only remove a destination.
fn removed_by(integrations: &Members<'_>, name: &str) -> Option<IntegrationsKey> {
    let own = integrations.get(name);
    if own == Some(Raw::Bool(false)) {
        Some(IntegrationsKey::Destination)
    } else if integrations.get("All") == Some(Raw::Bool(false)) && own != Some(Raw::Bool(true)) {
        Some(IntegrationsKey::All)
    } else {
        None
    }
}
