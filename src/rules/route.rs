//! Routing one event to each destination (RULES §3): a pure function of the workspace and the
//! event, whose every decision carries its reason.

use std::convert::Infallible;

use crate::read::event::{Doc, Json, Members, Preferences, Raw, Tree};
use crate::rules::segment::filter::{self, Known};
use crate::workspace::dialect::Dialect;
use crate::workspace::{CatIdx, ConsentModel, Mapping, Workspace};

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
    /// Device mode under the opt-in model: the browser loaded the destination with the page
    /// and sends it every event of that page, whatever the event's preferences say.
    /// `withdrawn`: they no longer allow it (the browser keeps sending until the next page
    /// load).
    LoadedAtPageLoad { withdrawn: bool },
    /// RudderStack's server: the event denies no consent id, and the server filters only on
    /// denied ids.
    NothingDenied,
    /// RudderStack: the destination has no consent settings for the event's provider.
    NotConfigured,
    /// RudderStack: the destination's consent settings let the event through, by this rule.
    Allowed(crate::rules::rudderstack::Rule),
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

/// A value JavaScript reads as false, as `integrations[<destination name>]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Falsy {
    False,
    /// A number equal to zero.
    Zero,
    EmptyString,
}

impl Falsy {
    /// The value as JSON.
    pub fn as_json(self) -> &'static str {
        match self {
            Self::False => "false",
            Self::Zero => "0",
            Self::EmptyString => "\"\"",
        }
    }
}

/// Which entry of the `integrations` object removed the destination.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IntegrationsKey {
    /// `integrations[<destination name>]` is falsy.
    Destination(Falsy),
    /// `integrations.All` is `false` and the destination has no flag of its own (absent or
    /// `null`).
    All,
    /// The destination has no flag of its own, and Segment's default integrations object,
    /// `{"All": true, "Salesforce": false}`, turns it off: Salesforce takes only events that
    /// say `"Salesforce": true`.
    SegmentDefault,
}

/// The destination Segment's default integrations object turns off (spec `common.md`).
pub const OFF_BY_DEFAULT: &str = "Salesforce";

/// Who sends the event to a destination.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mode {
    /// Segment's servers.
    Cloud,
    /// The browser: analytics.js listed the destination in `_metadata.bundled`.
    Device,
}

impl Mode {
    /// Every mode, in declaration order (`mode as usize` indexes it).
    pub const ALL: [Mode; 2] = [Mode::Cloud, Mode::Device];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Cloud => "cloud",
            Self::Device => "device",
        }
    }
}

/// Why a destination does not receive the event.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    NotIngested,
    /// Segment already took an event with this messageId and drops this one.
    Duplicate,
    NotConsented {
        blocked_by: Vec<Blocker>,
    },
    /// Consent allowed it (`consent` says why); the integrations object removed it.
    IntegrationsObject {
        key: IntegrationsKey,
        consent: Delivery,
    },
    /// An Actions destination none of whose enabled mappings' triggers match the event.
    NoMappingMatched {
        consent: Delivery,
    },
    /// Consent and the integrations object allowed it (`consent` says why); the destination's
    /// filter number `filter` dropped it.
    DestinationFilter {
        filter: usize,
        dropped: crate::rules::segment::filter::Dropped,
        consent: Delivery,
    },
    /// RudderStack: the destination's consent settings stop the event. `ids`: for the server,
    /// the configured ids the event denies; for the browser SDK, those it does not allow.
    ConsentDenied {
        rule: crate::rules::rudderstack::Rule,
        ids: Vec<CatIdx>,
    },
    /// RudderStack: the integrations object removed the destination, before consent was
    /// asked.
    Integrations(crate::rules::rudderstack::integrations::Removed),
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
        REASONS[self.reason_index()]
    }

    /// The reason's place in `REASONS`.
    pub fn reason_index(&self) -> usize {
        match self {
            Self::Block(Block::NotIngested) => 0,
            Self::Block(Block::Duplicate) => 1,
            Self::Deliver(Delivery::ConsentPreferenceEvent) => 2,
            Self::Deliver(Delivery::NoConsent) => 3,
            Self::Deliver(Delivery::NotEnforced) => 4,
            Self::Deliver(Delivery::Unmapped) => 5,
            Self::Deliver(Delivery::Consented | Delivery::Allowed(_)) => 6,
            Self::Block(Block::NotConsented { .. }) => 7,
            Self::Block(Block::IntegrationsObject { .. } | Block::Integrations(_)) => 8,
            Self::Block(Block::DestinationFilter { .. }) => 9,
            Self::Block(Block::NoMappingMatched { .. }) => 10,
            Self::Deliver(Delivery::LoadedAtPageLoad { .. }) => 11,
            Self::Deliver(Delivery::NothingDenied) => 12,
            Self::Deliver(Delivery::NotConfigured) => 13,
            Self::Block(Block::ConsentDenied { .. }) => 14,
        }
    }

    /// Whether the reason at `index` in `REASONS` is a delivery's.
    pub fn delivers(index: usize) -> bool {
        matches!(index, 2..=6 | 11..=13)
    }

    /// The categories that blocked the destination: Segment's blockers, or the consent ids
    /// RudderStack's rules found wanting.
    pub fn blocking_categories(&self) -> Vec<CatIdx> {
        match self {
            Self::Block(Block::NotConsented { blocked_by }) => {
                blocked_by.iter().map(|b| b.category).collect()
            }
            Self::Block(Block::ConsentDenied { ids, .. }) => ids.clone(),
            _ => Vec::new(),
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
    pub mode: Mode,
    /// What the destination's filters take out of the event it receives (`traits.email`).
    pub removed: Vec<String>,
    /// An Actions destination's mappings (indices) that fire for the event: it receives the
    /// event once per mapping.
    pub mappings: Vec<usize>,
    /// Whose rules decided.
    pub vendor: Dialect,
}

/// Delivery Overview's discard reason for a device-mode route.
pub const SENT_CLIENT_SIDE: &str = "MESSAGE_SENT_CLIENT_SIDE";

impl Route {
    /// The discard reason Segment's Delivery Overview shows for this destination, or None
    /// when Segment delivers it. `ingest_code` is the event's first error, for `not_ingested`.
    pub fn discard<'a>(&self, ingest_code: Option<&'a str>) -> Option<&'a str> {
        // RudderStack has no Delivery Overview and no such codes.
        if self.vendor == Dialect::RudderStack {
            return None;
        }
        if self.mode == Mode::Device {
            return Some(SENT_CLIENT_SIDE);
        }
        match &self.decision {
            Decision::Deliver(_)
            | Decision::Block(Block::ConsentDenied { .. } | Block::Integrations(_)) => None,
            Decision::Block(Block::NotIngested) => ingest_code,
            Decision::Block(Block::NotConsented { .. }) => Some("FILTERED_BY_END_USER_CONSENT"),
            Decision::Block(Block::IntegrationsObject { .. }) => {
                Some("FILTERED_BY_INTEGRATIONS_OBJECT")
            }
            Decision::Block(Block::DestinationFilter { .. }) => Some(FILTERED_BY_RULES),
            Decision::Block(Block::NoMappingMatched { .. }) => Some(NO_MATCHING_MAPPING),
            // Ours: Delivery Overview has no row for deduplication.
            Decision::Block(Block::Duplicate) => Some("DUPLICATE"),
        }
    }
}

/// Delivery Overview's discard reason for an event a destination filter dropped.
pub const FILTERED_BY_RULES: &str = "FILTERED_BY_RULES";

/// Delivery Overview's discard reason for an Actions destination none of whose mappings fire.
pub const NO_MATCHING_MAPPING: &str = "NO_MATCHING_MAPPING";

/// Every discard value a route can carry besides ingest codes, as `Route::discard` gives them.
pub const DISCARDS: [&str; 6] = [
    "FILTERED_BY_END_USER_CONSENT",
    "FILTERED_BY_INTEGRATIONS_OBJECT",
    FILTERED_BY_RULES,
    NO_MATCHING_MAPPING,
    SENT_CLIENT_SIDE,
    "DUPLICATE",
];

/// Every reason code, in the order RULES §3 applies them.
pub const REASONS: [&str; 15] = [
    "not_ingested",
    "duplicate",
    "consent_preference_event",
    "no_consent",
    "not_enforced",
    "unmapped",
    "consented",
    "not_consented",
    "integrations_object",
    "destination_filter",
    "no_mapping_matched",
    "loaded_at_page_load",
    // RudderStack's.
    "nothing_denied",
    "not_configured",
    "consent_denied",
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
// The method itself is not general over the value's lifetime, so a closure it is.
#[allow(clippy::redundant_closure_for_method_calls)]
pub fn granted_mask(ws: &Workspace, prefs: &Members<'_>) -> u64 {
    mask_where(ws, prefs, |v| v.is_true())
}

/// The categories whose preference JavaScript reads as true, as bits: the browser's consent
/// wrapper tests `categories.every((c) => userCategories[c])` (consent-tools,
/// `blocking-helpers.ts`).
fn truthy_mask(ws: &Workspace, prefs: &Members<'_>) -> u64 {
    mask_where(ws, prefs, truthy)
}

fn mask_where(ws: &Workspace, prefs: &Members<'_>, test: impl Fn(&Raw<'_>) -> bool) -> u64 {
    prefs
        .iter()
        .filter(|(_, v)| test(v))
        .filter_map(|(k, _)| ws.lookup(&k))
        .fold(0, |m, c| m | 1 << c)
}

/// The event's preferences as a stamp, `granted` saying which values consent. Segment's
/// servers read exact `true`s (`granted_mask`); the browser's wrapper, deciding device-mode
/// destinations, reads JavaScript truthiness (`truthy_mask`) and makes no exemption for the
/// Consent Preference Updated event, so it uses this for every event.
fn preferences_stamp<'a>(
    ws: &Workspace,
    ev: &'a Doc,
    granted: fn(&Workspace, &Members<'_>) -> u64,
) -> Stamp<'a> {
    match ev.preferences() {
        Preferences::Absent => Stamp::NoConsent,
        Preferences::NotObject(_) => Stamp::Preferences {
            granted: 0,
            map: None,
        },
        Preferences::Object(m) => Stamp::Preferences {
            granted: granted(ws, &m),
            map: Some(m),
        },
    }
}

/// Where an event stands before any destination is considered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// Validation failed (or the record is not an event): rule 1.
    NotIngested,
    /// Ingested, but its messageId was seen on an earlier ingested event: rule 1b.
    Duplicate,
    Ingested,
}

/// Routes an event to every destination, in settings order. `ev` is None for a record that
/// is not an event at all.
pub fn route(ws: &Workspace, ev: Option<&Doc>, admission: Admission) -> Vec<Route> {
    if ws.dialect() == Dialect::RudderStack {
        return crate::rules::rudderstack::route::route(ws, ev, admission);
    }
    let stamp = match ev {
        _ if admission == Admission::NotIngested => Stamp::NotIngested,
        None => Stamp::NotIngested,
        Some(e) if e.is_preference_event() => Stamp::PreferenceEvent,
        Some(e) => preferences_stamp(ws, e, granted_mask),
    };
    let integrations = ev.and_then(Doc::integrations);
    let mut browser: Option<Stamp<'_>> = None;
    // The event as filters and triggers read it: made once, only if one asks.
    let mut stored: Option<Tree<'_>> = None;
    let (mut filters_known, mut triggers_known) = (Known::default(), Known::default());
    (0..ws.destinations.len())
        .map(|d| {
            let dest = &ws.destinations[d];
            let bundled = match ev {
                Some(e) if !matches!(stamp, Stamp::NotIngested) && e.is_bundled(&dest.name) => {
                    Some(e)
                }
                _ => None,
            };
            let mode = if bundled.is_some() {
                Mode::Device
            } else {
                Mode::Cloud
            };
            let consent = match bundled {
                // The browser does not deduplicate; Segment's servers do.
                None if admission == Admission::Duplicate => Decision::Block(Block::Duplicate),
                None => decide_consent(ws, d, &stamp),
                // The browser's consent wrapper decides, as its consent model says.
                Some(e) => {
                    let browser =
                        browser.get_or_insert_with(|| preferences_stamp(ws, e, truthy_mask));
                    let allowed = decide_consent(ws, d, browser);
                    match ws.consent_model {
                        ConsentModel::OptOut => allowed,
                        ConsentModel::OptIn => Decision::Deliver(Delivery::LoadedAtPageLoad {
                            withdrawn: !allowed.delivered(),
                        }),
                    }
                }
            };
            let mut decision = match consent {
                Decision::Deliver(why) => match Some(integrations.as_ref())
                    .filter(|_| dest.kind.honours_integrations())
                    .and_then(|i| removed_by(i, &dest.name, mode))
                {
                    Some(key) => Decision::Block(Block::IntegrationsObject { key, consent: why }),
                    None => Decision::Deliver(why),
                },
                blocked @ Decision::Block(_) => blocked,
            };
            // Destination filters, last: on what consent and the integrations object let
            // through, never for S3 or warehouses (docs/rules.md, "Destination filters").
            let mut removed = Vec::new();
            if let (Decision::Deliver(why), Some(e)) = (&decision, ev) {
                if !dest.filters.is_empty() && dest.kind.honours_integrations() {
                    let (keys, known) = (ws.filter_keys(d), &mut filters_known);
                    let applied = match stored.get_or_insert_with(|| e.tree()) {
                        Tree::InPlace(n) => filter::apply(&dest.filters, keys, *n, known),
                        Tree::Built(v) => filter::apply(&dest.filters, keys, &*v, known),
                    };
                    removed = applied.removed;
                    if let Some((filter, dropped)) = applied.dropped {
                        decision = Decision::Block(Block::DestinationFilter {
                            filter,
                            dropped,
                            consent: *why,
                        });
                    }
                }
            }
            // An Actions destination takes the event once per mapping whose trigger matches.
            let mut fired = Vec::new();
            if let (Decision::Deliver(why), Some(e), Some(mappings)) =
                (&decision, ev, dest.mappings.as_ref())
            {
                let (keys, known) = (ws.trigger_keys(d), &mut triggers_known);
                fired = match stored.get_or_insert_with(|| e.tree()) {
                    Tree::InPlace(n) => firing(mappings, keys, *n, known),
                    Tree::Built(v) => firing(mappings, keys, &*v, known),
                };
                if fired.is_empty() {
                    decision = Decision::Block(Block::NoMappingMatched { consent: *why });
                }
            }
            Route {
                destination: d,
                decision,
                mode,
                removed,
                mappings: fired,
                vendor: Dialect::Segment,
            }
        })
        .collect()
}

/// The enabled mappings whose trigger matches the event.
fn firing<'a, N: Json<'a>>(
    mappings: &[Mapping],
    keys: &[u32],
    event: N,
    known: &mut Known,
) -> Vec<usize> {
    let mut fires = |i: usize, m: &Mapping| {
        m.enabled
            && known
                .get_or(keys[i], || Ok::<_, Infallible>(m.trigger.matches(event)))
                .unwrap_or_else(|never| match never {})
    };
    mappings
        .iter()
        .enumerate()
        .filter(|&(i, m)| fires(i, m))
        .map(|(i, _)| i)
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

/// JavaScript truthiness of a JSON value (never `null` here: a `null` flag is absent).
pub fn truthy(v: &Raw<'_>) -> bool {
    falsy(v).is_none()
}

fn falsy(v: &Raw<'_>) -> Option<Falsy> {
    match v {
        Raw::Bool(false) => Some(Falsy::False),
        Raw::Str(s) if s.is_empty() => Some(Falsy::EmptyString),
        Raw::Number(n) if n.parse::<f64>().is_ok_and(|x| x == 0.0) => Some(Falsy::Zero),
        _ => None,
    }
}

/// Rule 8: the integrations object can only remove a destination. As analytics.js reads it
/// (`denyList[name] ?? (denyList.All !== false)`): the destination's own flag, when present,
/// decides by truthiness; an absent or `null` one falls back to Segment's default object
/// (`Salesforce: false`), then to `All`, off only when `false`. An event without an
/// integrations object has the default one.
/// Segment's default object is its servers'; the browser applies the event's own alone.
fn removed_by(
    integrations: Option<&Members<'_>>,
    name: &str,
    mode: Mode,
) -> Option<IntegrationsKey> {
    match integrations.and_then(|i| i.get(name)) {
        Some(own) => falsy(&own).map(IntegrationsKey::Destination),
        None if name == OFF_BY_DEFAULT && mode == Mode::Cloud => {
            Some(IntegrationsKey::SegmentDefault)
        }
        None => integrations
            .is_some_and(|i| i.get("All") == Some(Raw::Bool(false)))
            .then_some(IntegrationsKey::All),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `delivers` and the NDJSON writer's per-reason lines (built by index) rest on
    /// `reason_index`: one decision of each reason holds them to it.
    #[test]
    fn every_reason_has_its_own_index_and_delivers_says_which_deliver() {
        let each = [
            Decision::Deliver(Delivery::ConsentPreferenceEvent),
            Decision::Deliver(Delivery::NoConsent),
            Decision::Deliver(Delivery::NotEnforced),
            Decision::Deliver(Delivery::Unmapped),
            Decision::Deliver(Delivery::Consented),
            Decision::Deliver(Delivery::LoadedAtPageLoad { withdrawn: false }),
            Decision::Block(Block::NotIngested),
            Decision::Block(Block::Duplicate),
            Decision::Block(Block::IntegrationsObject {
                key: IntegrationsKey::All,
                consent: Delivery::Consented,
            }),
            Decision::Block(Block::NotConsented {
                blocked_by: Vec::new(),
            }),
            Decision::Block(Block::DestinationFilter {
                filter: 0,
                dropped: crate::rules::segment::filter::Dropped::Matched,
                consent: Delivery::Consented,
            }),
            Decision::Block(Block::NoMappingMatched {
                consent: Delivery::Consented,
            }),
            Decision::Deliver(Delivery::NothingDenied),
            Decision::Deliver(Delivery::NotConfigured),
            Decision::Block(Block::ConsentDenied {
                rule: crate::rules::rudderstack::Rule::LegacyOneTrust,
                ids: Vec::new(),
            }),
        ];
        let mut seen: Vec<usize> = each.iter().map(Decision::reason_index).collect();
        for d in &each {
            assert_eq!(Decision::delivers(d.reason_index()), d.delivered(), "{d:?}");
        }
        seen.sort_unstable();
        assert_eq!(seen, (0..REASONS.len()).collect::<Vec<_>>());
    }
}
