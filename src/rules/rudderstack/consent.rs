//! RudderStack's consent step: the event's `context.consentManagement` against the
//! destination's consent settings, decided by the server (`cloud`: denied ids) for cloud-mode
//! destinations and by the browser SDK (`device`: allowed ids) for the others.

use crate::read::event::{Doc, Field};
use crate::rules::choices::Choice;
use serde_json::Value;

use crate::rules::step::{Scope, Step, Trial, Verdicts, object_at};
use crate::rules::verdict::{Block, Decision, Delivery, Mode, Route};
use crate::rules::words::id_list;
use crate::text::printable;
use crate::workspace::Workspace;
use crate::workspace::rudder::RudderDestination;

use super::{EventConsent, Verdict, cloud, device};

/// A trial's values in RudderStack's words: where the id is (true, false, missing).
pub const TRIAL_WORDS: [&str; 3] = ["allowed", "denied", "in neither list"];

pub const STEP: Step = Step {
    name: "consent",
    about: "the event's consent ids against the destination's consent settings",
    scope: Scope::Destination,
    reasons: &[
        "no_consent",
        "nothing_denied",
        "not_configured",
        "consented",
        "consent_denied",
    ],
    discards: &[],
    choices: &[Choice::RudderUninitialised],
    rests_on,
    lint: &[
        "legacy_list_ignored_by_sdk",
        "consent_id_padded",
        "provider_listed_twice",
        "strategy_not_read",
    ],
    lessons: &["RudderStack: the same consent, another verdict"],
    blocked,
    why,
};

/// What the event's consent lets through to `dest`, as whoever decides it reads it.
pub fn decide(
    ws: &Workspace,
    event: &EventConsent,
    dest: &RudderDestination,
    mode: Mode,
) -> Decision {
    if !event.present {
        return Decision::Deliver(Delivery::NoConsent);
    }
    let device = mode == Mode::Device;
    let verdict = if device {
        device::decide(event, &dest.consent)
    } else {
        cloud::decide(event, &dest.consent)
    };
    match verdict {
        // The SDK found no allowed list: its consent manager never initialised.
        Verdict::NothingToEnforce if device => Decision::Deliver(Delivery::NoConsent),
        Verdict::NothingToEnforce => Decision::Deliver(Delivery::NothingDenied),
        Verdict::NotConfigured => Decision::Deliver(Delivery::NotConfigured),
        Verdict::Allowed(rule) => Decision::Deliver(Delivery::Allowed(rule)),
        // Every configured id is one of the workspace's categories (`workspace::rudder`).
        Verdict::Denied { rule, ids } => Decision::Block(Block::ConsentDenied {
            rule,
            ids: ids.iter().filter_map(|id| ws.lookup(id.trim())).collect(),
        }),
    }
}

/// Why the event was let through to a destination, in words.
pub fn describe(why: Delivery) -> String {
    match why {
        Delivery::NoConsent => {
            "the event carries no consent preferences, so consent is not enforced".into()
        }
        Delivery::NothingDenied => {
            "the event denies no consent id (context.consentManagement.deniedConsentIds is empty), and RudderStack's server drops a destination only for denied ids".into()
        }
        Delivery::NotConfigured => {
            "it has no consent settings for the event's consent provider, and RudderStack sends every event to a destination without them".into()
        }
        Delivery::Allowed(rule) => format!(
            "its consent settings for the event's provider ({}) are met",
            rule.describe()
        ),
        // Segment's reasons never come from RudderStack's rules.
        _ => String::new(),
    }
}

fn blocked(ws: &Workspace, r: &Route, name: &str) -> Option<String> {
    let Decision::Block(Block::ConsentDenied { rule, ids }) = &r.decision else {
        return None;
    };
    let (verb, what) = if r.mode == Mode::Device {
        ("is not loaded by", "the event does not allow")
    } else {
        ("is dropped by", "the event denies")
    };
    Some(format!(
        "{name} {verb} {}: its consent settings for the event's provider ({}) are not met, as {what} {}.",
        super::connection::by(r),
        rule.describe(),
        id_list(ws, ids)
    ))
}

/// What RudderStack reads of an event's consent.
pub fn describe_stamp(_: &Workspace, ev: &Doc) -> String {
    let cm = ev
        .get(Field::Context)
        .map(|c| c.to_value())
        .and_then(|c| c.get("consentManagement").cloned());
    let Some(cm) = cm.filter(serde_json::Value::is_object) else {
        return "The event carries no consent (context.consentManagement), so RudderStack enforces none: every destination receives it unless the integrations object removes it.".into();
    };
    let list = |k: &str| {
        cm.get(k).map_or_else(
            || "absent".to_owned(),
            |v| printable(&crate::text::truncate(&v.to_string(), 120)).into_owned(),
        )
    };
    let text = |k: &str| {
        cm.get(k)
            .and_then(serde_json::Value::as_str)
            .map_or_else(|| "none".to_owned(), |v| format!("\"{}\"", printable(v)))
    };
    format!(
        "Consent on the event (context.consentManagement): provider {}, resolution strategy {}, allowedConsentIds {} (the browser SDK reads these), deniedConsentIds {} (the server reads these).",
        text("provider"),
        text("resolutionStrategy"),
        list("allowedConsentIds"),
        list("deniedConsentIds")
    )
}

fn rests_on(v: &Verdicts<'_>, out: &mut Vec<Choice>) {
    if !v.ingested {
        return;
    }
    let empty_lists = v.event.is_some_and(|e| {
        let c = super::event_consent(e);
        c.present && c.denied.is_empty() && c.allowed.as_ref().is_some_and(Vec::is_empty)
    });
    if empty_lists && v.routes.iter().any(|r| r.mode == Mode::Device) {
        out.push(Choice::RudderUninitialised);
    }
}

fn why(ws: &Workspace, r: &Route) -> Option<String> {
    let Decision::Block(Block::ConsentDenied { ids, .. }) = &r.decision else {
        return None;
    };
    let ids: Vec<String> = ids
        .iter()
        .map(|&c| crate::rules::words::category_label(ws, c))
        .collect();
    let how = if r.mode == Mode::Device {
        "not allowed"
    } else {
        "denied"
    };
    Some(format!("{} {how}", ids.join(", ")))
}

/// Where the event puts consent id `id`: allowed, denied, or in neither list.
pub fn held(ev: &Doc, id: &str) -> Option<Trial> {
    let c = super::event_consent(ev);
    let allowed = c.allowed.unwrap_or_default();
    c.present.then(|| {
        if allowed.iter().any(|a| a == id) {
            Trial::True
        } else if c.denied.iter().any(|d| d == id) {
            Trial::False
        } else {
            Trial::Missing
        }
    })
}

/// Where the event puts consent id `id`, in RudderStack's words.
pub fn holds(ev: Option<&Doc>, id: &str) -> String {
    ev.and_then(|e| held(e, id))
        .map_or("no consentManagement", |h| TRIAL_WORDS[h as usize])
        .to_owned()
}

/// RudderStack's way: the id moved into `allowedConsentIds`, `deniedConsentIds`, or out of
/// both.
pub fn set(event: &mut Value, id: &str, trial: Trial) -> Option<()> {
    let context = object_at(event.as_object_mut()?, "context");
    let cm = object_at(context, "consentManagement");
    for (key, wanted) in [
        ("allowedConsentIds", trial == Trial::True),
        ("deniedConsentIds", trial == Trial::False),
    ] {
        let list = cm.entry(key).or_insert_with(|| Value::Array(Vec::new()));
        if !list.is_array() {
            *list = Value::Array(Vec::new());
        }
        let Value::Array(ids) = list else {
            unreachable!("made a list above")
        };
        ids.retain(|v| v.as_str() != Some(id));
        if wanted {
            ids.push(Value::from(id));
        }
    }
    Some(())
}

/// The event's consent ids, per category, as the profiles take them: nothing when both lists
/// are empty (RudderStack has no Consent Preference Updated event, and no notion of a missing
/// stamp).
pub fn stamped(ws: &Workspace, ev: &Doc) -> crate::rules::step::Stamped {
    let c = super::event_consent(ev);
    let allowed = c.allowed.unwrap_or_default();
    if allowed.is_empty() && c.denied.is_empty() {
        return crate::rules::step::Stamped::Nothing;
    }
    crate::rules::step::Stamped::Ids(
        ws.categories
            .iter()
            .map(|cat| {
                if allowed.contains(&cat.id) {
                    Some(true)
                } else if c.denied.contains(&cat.id) {
                    Some(false)
                } else {
                    None
                }
            })
            .collect(),
    )
}
