//! Routing one event to each destination under Segment's rules (RULES §3): a pure function of
//! the workspace and the event, whose every decision carries its reason.

use std::convert::Infallible;

use crate::read::event::{Doc, Json, Members, Preferences, Raw, Tree};
use crate::rules::segment::filter::{self, Known};
use crate::rules::verdict::{
    Admission, Block, Blocker, Decision, Delivery, Falsy, IntegrationsKey, Mode, PreferenceValue,
    Route,
};
use crate::workspace::dialect::Dialect;
use crate::workspace::{ConsentModel, Mapping, Workspace};

/// The destination Segment's default integrations object turns off (spec `common.md`).
pub const OFF_BY_DEFAULT: &str = "Salesforce";

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

/// Routes an event to every destination, in settings order. `ev` is None for a record that
/// is not an event at all.
pub fn route(ws: &Workspace, ev: Option<&Doc>, admission: Admission) -> Vec<Route> {
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
