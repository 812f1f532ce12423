//! Segment's consent step (RULES §3, rules 2 to 7): what the event's stamped preferences let
//! through to each destination. Segment's servers read exact `true`s; the browser's consent
//! wrapper (`connection`) reads the same categories by JavaScript truthiness.

use crate::read::event::{Doc, Members, Preferences, Raw};
use crate::rules::choices::Choice;
use crate::rules::finding::Code;
use serde_json::{Map, Value};

use crate::rules::step::{Scope, Step, Trial, Verdicts, object_at};
use crate::rules::verdict::{Block, Blocker, Decision, Delivery, PreferenceValue, Route};
use crate::rules::words::category_label;
use crate::text::printable;
use crate::workspace::{DestinationKind, Shape, Workspace};

pub const STEP: Step = Step {
    name: "consent",
    about: "the event's categoryPreferences against the categories each destination is mapped to",
    scope: Scope::Destination,
    reasons: &[
        "consent_preference_event",
        "no_consent",
        "not_enforced",
        "unmapped",
        "consented",
        "not_consented",
    ],
    discards: &["FILTERED_BY_END_USER_CONSENT"],
    choices: &[
        Choice::EmptyConsentObject,
        Choice::EngageNotEnforced,
        Choice::DisabledCategories,
        Choice::CdnKinds,
    ],
    rests_on,
    lint: &[
        "only_disabled_categories",
        "many_categories",
        "unmapped_destination",
        "preference_key_case",
        "unknown_preference_key",
        "category_never_sent",
        "cdn_category_missing",
    ],
    lessons: &[
        "A consent preference event goes everywhere",
        "No consent object: nothing to enforce",
        "Amazon S3 and Engage do not enforce consent",
        "A destination mapped to no category is not filtered",
        "A destination in several categories needs all of them",
        "A missing category counts as false",
        "A disabled category is not enforced",
        "A preference that is not a boolean counts as not given",
        "Empty preferences are not the same as no consent",
    ],
    blocked,
    why,
};

/// What the event says about consent, reduced to what the rules need.
pub enum Stamp<'a> {
    NotIngested,
    PreferenceEvent,
    NoConsent,
    /// `granted` has a bit for each configured category whose preference counts as given.
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
// As `granted_mask`: the method is not general over the value's lifetime.
#[allow(clippy::redundant_closure_for_method_calls)]
pub fn truthy_mask(ws: &Workspace, prefs: &Members<'_>) -> u64 {
    mask_where(ws, prefs, |v| v.is_truthy())
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
pub fn preferences_stamp<'a>(
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

/// What `stamp` lets through to destination `dest`.
pub fn decide(ws: &Workspace, dest: usize, stamp: &Stamp<'_>) -> Decision {
    let (granted, map) = match stamp {
        Stamp::NotIngested => return Decision::Block(Block::NotIngested),
        Stamp::PreferenceEvent => return Decision::Deliver(Delivery::ConsentPreferenceEvent),
        Stamp::NoConsent => return Decision::Deliver(Delivery::NoConsent),
        Stamp::Preferences { granted, map } => (*granted, map.as_ref()),
    };
    match missing_categories(ws, dest, granted) {
        Err(why) => Decision::Deliver(why),
        Ok(0) => Decision::Deliver(Delivery::Consented),
        Ok(_) => Decision::Block(Block::NotConsented {
            blocked_by: blocked_by(ws, dest, granted, map),
        }),
    }
}

/// The enabled categories of `dest` that `granted` lacks, each with the event's value for it
/// (`map`: the preferences as read; None when none are).
pub fn blocked_by(
    ws: &Workspace,
    dest: usize,
    granted: u64,
    map: Option<&Members<'_>>,
) -> Vec<Blocker> {
    ws.destinations[dest]
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
        .collect()
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

/// A blocking category's value in words.
pub fn describe_value(value: &PreferenceValue) -> String {
    match value {
        PreferenceValue::False => "false".into(),
        PreferenceValue::Missing => "missing (counts as false)".into(),
        PreferenceValue::Other(v) => format!(
            "{}, not a boolean (counts as false)",
            printable(&crate::text::truncate(v, 60))
        ),
    }
}

pub fn describe_blocker(ws: &Workspace, b: &Blocker) -> String {
    format!(
        "{} is {}",
        category_label(ws, b.category),
        describe_value(&b.value)
    )
}

/// The enabled categories `dest` is mapped to, as a sentence says them.
pub fn mapped_list(ws: &Workspace, dest: usize) -> String {
    let enabled: Vec<String> = ws.destinations[dest]
        .categories
        .iter()
        .filter(|&&c| ws.category(c).enabled)
        .map(|&c| category_label(ws, c))
        .collect();
    match enabled.as_slice() {
        [one] => one.clone(),
        [all @ .., last] => format!("all of {} and {last}", all.join(", ")),
        [] => "nothing".into(),
    }
}

/// Why consent let the event through to `dest`, or None for a reason of another step.
pub fn describe(ws: &Workspace, dest: usize, why: Delivery) -> Option<String> {
    let d = &ws.destinations[dest];
    Some(match why {
        Delivery::ConsentPreferenceEvent => {
            "Consent Preference Updated events are sent regardless of consent".into()
        }
        Delivery::NoConsent => {
            "the event carries no consent preferences, so consent is not enforced".into()
        }
        Delivery::NotEnforced if !d.kind.honours_integrations() => format!(
            "{} destinations do not enforce consent, and the integrations object does not apply to them",
            d.kind.as_str()
        ),
        Delivery::NotEnforced => format!("{} destinations do not enforce consent", d.kind.as_str()),
        Delivery::Unmapped => {
            "it is mapped to no enabled category, and Segment assumes unmapped destinations need no consent"
                .into()
        }
        Delivery::Consented => format!(
            "it needs {} and the event says true",
            mapped_list(ws, dest)
        ),
        _ => return None,
    })
}

fn blocked(ws: &Workspace, r: &Route, name: &str) -> Option<String> {
    let Decision::Block(Block::NotConsented { blocked_by }) = &r.decision else {
        return None;
    };
    let reasons: Vec<String> = blocked_by.iter().map(|b| describe_blocker(ws, b)).collect();
    Some(format!(
        "{name} is blocked{}: it needs {} to be true, and {}.",
        super::words::by(ws, r),
        mapped_list(ws, r.destination),
        reasons.join(", ")
    ))
}

/// What Segment reads of the event's consent, in a sentence.
pub fn describe_stamp(ws: &Workspace, ev: &Doc) -> String {
    use crate::rules::finding::shown;
    if ev.is_preference_event() {
        return "This is a Segment Consent Preference Updated event: it records the user's choice, and Segment's servers send it to every destination regardless of consent (the browser's consent wrapper, deciding device-mode destinations, makes no such exception).".into();
    }
    match ev.preferences() {
        Preferences::Absent => "The event carries no consent preferences (context.consent.categoryPreferences), so consent is not enforced: every destination receives it unless the integrations object removes it.".into(),
        Preferences::NotObject(_) => format!(
            "categoryPreferences is {}, not an object, so no category counts as consented.",
            ev.preferences_raw().map_or_else(String::new, |v| shown(&v))
        ),
        Preferences::Object(prefs) => {
            let parts: Vec<String> = ws
                .categories
                .iter()
                .map(|c| {
                    let v = prefs.get(&c.id).map_or("missing (counts as false)".into(), |v| {
                        if v.is_bool() { v.to_json().into_owned() } else { format!("{}, not a boolean", shown(&v)) }
                    });
                    let off = if c.enabled { "" } else { " [category disabled: not enforced]" };
                    format!("{} = {v}{off}", printable(&c.id))
                })
                .collect();
            format!("Consent stamped on the event: {}.", parts.join(", "))
        }
    }
}

fn rests_on(v: &Verdicts<'_>, out: &mut Vec<Choice>) {
    if v.has(Code::ConsentObjectEmpty) {
        out.push(Choice::EmptyConsentObject);
    }
    let not_enforced = |kind: DestinationKind| {
        v.routes.iter().any(|r| {
            v.ws.destinations[r.destination].kind == kind
                && matches!(
                    r.decision,
                    Decision::Deliver(Delivery::NotEnforced)
                        | Decision::Uncertain(Delivery::NotEnforced)
                        | Decision::Block(Block::IntegrationsObject {
                            consent: Delivery::NotEnforced,
                            ..
                        })
                )
        })
    };
    if not_enforced(DestinationKind::Engage) {
        out.push(Choice::EngageNotEnforced);
    }
    let mixed = v.routes.iter().any(|r| {
        let cats = &v.ws.destinations[r.destination].categories;
        let enforced = matches!(
            r.decision,
            Decision::Deliver(Delivery::Consented | Delivery::Unmapped)
                | Decision::Uncertain(Delivery::Consented | Delivery::Unmapped)
                | Decision::Block(Block::NotConsented { .. })
        );
        enforced
            && cats.iter().any(|c| v.ws.category(*c).enabled)
            && cats.iter().any(|c| !v.ws.category(*c).enabled)
    });
    if mixed {
        out.push(Choice::DisabledCategories);
    }
    if v.ws.shape == Shape::SegmentCdn
        && (not_enforced(DestinationKind::AwsS3) || not_enforced(DestinationKind::Engage))
    {
        out.push(Choice::CdnKinds);
    }
}

fn why(ws: &Workspace, r: &Route) -> Option<String> {
    let Decision::Block(Block::NotConsented { blocked_by }) = &r.decision else {
        return None;
    };
    Some(
        blocked_by
            .iter()
            .map(|b| {
                format!(
                    "{} = {}",
                    category_label(ws, b.category),
                    describe_value(&b.value)
                )
            })
            .collect::<Vec<_>>()
            .join("; "),
    )
}

/// The value the event holds for category `id`, where a trial can be it: true, false, or
/// missing (from preferences that are there).
pub fn held(ev: &Doc, id: &str) -> Option<Trial> {
    match ev.preferences() {
        Preferences::Object(m) => match m.get(id) {
            None => Some(Trial::Missing),
            Some(Raw::Bool(true)) => Some(Trial::True),
            Some(Raw::Bool(false)) => Some(Trial::False),
            Some(_) => None,
        },
        _ => None,
    }
}

/// What the event holds for category `id`, as written.
pub fn holds(ev: Option<&Doc>, id: &str) -> String {
    match ev.map(Doc::preferences) {
        Some(Preferences::Object(m)) => m
            .get(id)
            .map_or("missing".into(), |v| crate::rules::finding::shown(&v)),
        _ => "no preferences".into(),
    }
}

/// Segment's way: `categoryPreferences[id]` true, false or taken out (a `context` or
/// `consent` that is there and not an object leaves nothing to try).
pub fn set(event: &mut Value, id: &str, trial: Trial) -> Option<()> {
    let prefs = object_at(
        event
            .as_object_mut()?
            .entry("context")
            .or_insert_with(|| Value::Object(Map::new()))
            .as_object_mut()?
            .entry("consent")
            .or_insert_with(|| Value::Object(Map::new()))
            .as_object_mut()?,
        "categoryPreferences",
    );
    match trial {
        Trial::True => {
            prefs.insert(id.to_owned(), Value::Bool(true));
        }
        Trial::False => {
            prefs.insert(id.to_owned(), Value::Bool(false));
        }
        Trial::Missing => {
            prefs.remove(id);
        }
    }
    Some(())
}
