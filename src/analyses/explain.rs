//! Plain English for one event's decisions, for people learning the rules. Every string from
//! the event is sanitised here, so callers can print the lines as they are.

use crate::engine::Outcome;
use crate::engine::profile::{ConsentState, Profiles};
use crate::read::event::{Doc, Field, Preferences, Raw};
use crate::rules::finding::shown;
use crate::rules::verdict::Removed;
use crate::rules::verdict::{
    Block, Blocker, Decision, Delivery, Falsy, IntegrationsKey, Mode, PreferenceValue, Route,
};
use crate::text::printable;
use crate::workspace::dialect::Dialect;
use crate::workspace::{CatIdx, Workspace};

/// `C0004 (Targeting)`, or just the id where the name is the id.
pub fn category_label(ws: &Workspace, c: CatIdx) -> String {
    let cat = ws.category(c);
    if cat.name == cat.id {
        printable(&cat.id).into_owned()
    } else {
        format!("{} ({})", printable(&cat.id), printable(&cat.name))
    }
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

fn mapped_list(ws: &Workspace, dest: usize) -> String {
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

fn describe_delivery(ws: &Workspace, dest: usize, why: Delivery) -> String {
    let d = &ws.destinations[dest];
    match why {
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
        Delivery::NotEnforced => format!(
            "{} destinations do not enforce consent",
            d.kind.as_str()
        ),
        Delivery::Unmapped => {
            "it is mapped to no enabled category, and Segment assumes unmapped destinations need no consent"
                .into()
        }
        Delivery::Consented => format!(
            "it needs {} and the event says true",
            mapped_list(ws, dest)
        ),
        Delivery::LoadedAtPageLoad { withdrawn: false } => {
            "it was loaded with the page (its categories were granted then), so the browser sends it every event of that page".into()
        }
        Delivery::LoadedAtPageLoad { withdrawn: true } => format!(
            "it was loaded with the page, so the browser keeps sending it every event of that page although these preferences no longer allow it ({} needed): only the next page load stops it",
            mapped_list(ws, dest)
        ),
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
    }
}

fn id_list(ws: &Workspace, ids: &[CatIdx]) -> String {
    let ids: Vec<String> = ids.iter().map(|&c| category_label(ws, c)).collect();
    if ids.is_empty() {
        "none".into()
    } else {
        ids.join(", ")
    }
}

/// Why RudderStack's integrations object removed a destination, in words.
pub fn describe_removed(ws: &Workspace, dest: usize, removed: Removed) -> String {
    let name = ws.destinations[dest]
        .rudder
        .as_ref()
        .map_or(&ws.destinations[dest].name, |r| &r.display_name);
    let name = printable(name);
    match removed {
        Removed::OwnFlag => format!("integrations[\"{name}\"] is false"),
        Removed::All => format!(
            "integrations.All is false and integrations[\"{name}\"] does not turn it back on"
        ),
        Removed::Malformed => "integrations.All is not a boolean (or integrations is not an object), and RudderStack's server then sends the event to no destination".into(),
    }
}

/// Which consent model a device verdict assumed, and where that came from.
pub fn describe_model(ws: &Workspace) -> String {
    format!(
        "consent model {}",
        ws.consent_model_from.describe(ws.consent_model)
    )
}

/// Why the integrations object removed a destination, in words.
pub fn describe_integrations_key(ws: &Workspace, dest: usize, key: IntegrationsKey) -> String {
    let name = printable(&ws.destinations[dest].name);
    match key {
        IntegrationsKey::Destination(Falsy::False) => format!("integrations[\"{name}\"] is false"),
        IntegrationsKey::Destination(v) => format!(
            "integrations[\"{name}\"] is {}, which JavaScript reads as false",
            v.as_json()
        ),
        IntegrationsKey::All => {
            format!("integrations.All is false and integrations[\"{name}\"] is absent (or null)")
        }
        IntegrationsKey::SegmentDefault => format!(
            "integrations[\"{name}\"] is absent (or null), and Segment's default integrations object sets it to false: {name} receives only events that include \"{name}\": true"
        ),
    }
}

/// Why a destination filter dropped an event: the filter, its condition, and what happened.
fn describe_filter_drop(
    ws: &Workspace,
    dest: usize,
    filter: usize,
    dropped: &crate::rules::verdict::Dropped,
    consent: Delivery,
) -> String {
    let f = &ws.destinations[dest].filters[filter];
    let what = match dropped {
        crate::rules::verdict::Dropped::Matched => {
            "its condition matches and the filter drops it".to_owned()
        }
        crate::rules::verdict::Dropped::SampledOut { percent } => format!(
            "its condition matches and the event is sampled out (the filter keeps {}%)",
            percent * 100.0
        ),
        crate::rules::verdict::Dropped::Unevaluable(e) => format!(
            "its condition cannot be evaluated on this event ({}), and Segment drops rather than risk sending what a filter would remove",
            printable(e)
        ),
    };
    format!(
        "\"{}\" (if {}): {what}. Consent and the integrations object alone would have let it through ({}).",
        printable(&f.title),
        printable(&f.condition),
        describe_delivery(ws, dest, consent)
    )
}

/// Why no mapping of an Actions destination fires: each mapping, and why not.
fn describe_no_mapping(ws: &Workspace, dest: usize, consent: Delivery) -> String {
    let each: Vec<String> = ws.destinations[dest]
        .mappings
        .iter()
        .flatten()
        .map(|m| {
            if m.enabled {
                format!(
                    "\"{}\" ({} does not match)",
                    printable(&m.name),
                    printable(&m.subscribe)
                )
            } else {
                format!("\"{}\" (disabled)", printable(&m.name))
            }
        })
        .collect();
    format!(
        "it is an Actions destination and none of its mappings fires: {}. Consent and the integrations object alone would have let it through ({}).",
        if each.is_empty() {
            "it has none".to_owned()
        } else {
            each.join("; ")
        },
        describe_delivery(ws, dest, consent)
    )
}

/// One sentence on one destination's decision, starting with the destination's name.
pub fn describe_route(ws: &Workspace, r: &Route) -> String {
    let name = printable(&ws.destinations[r.destination].name);
    let device = r.mode == Mode::Device;
    if r.vendor == Dialect::RudderStack {
        return describe_rudder_route(ws, r, &name);
    }
    let by = if device {
        format!(
            " in the browser (device mode: analytics.js lists it in _metadata.bundled and sends it itself, so Segment's servers skip it; {})",
            describe_model(ws)
        )
    } else {
        String::new()
    };
    match &r.decision {
        Decision::Deliver(why) => {
            let from = if device {
                format!(
                    " from the browser, not from Segment (device mode: analytics.js lists it in _metadata.bundled; {})",
                    describe_model(ws)
                )
            } else {
                String::new()
            };
            let mut s = format!(
                "{name} receives it{from}: {}.",
                describe_delivery(ws, r.destination, *why)
            );
            if let Some(mappings) = &ws.destinations[r.destination].mappings {
                let names: Vec<String> = r
                    .mappings
                    .iter()
                    .map(|i| format!("\"{}\"", printable(&mappings[*i].name)))
                    .collect();
                s += &format!(" Its mappings that fire: {}.", names.join(", "));
            }
            if !r.removed.is_empty() {
                s += &format!(
                    " Its destination filters take out {}.",
                    printable(&r.removed.join(", "))
                );
            }
            s
        }
        Decision::Block(Block::NotIngested) => {
            format!("{name} does not receive it: the event was not ingested.")
        }
        Decision::Block(Block::Duplicate) => format!(
            "{name} does not receive it: Segment already took an event with this messageId and drops this one as a duplicate."
        ),
        Decision::Block(Block::NotConsented { blocked_by }) => {
            let reasons: Vec<String> = blocked_by.iter().map(|b| describe_blocker(ws, b)).collect();
            format!(
                "{name} is blocked{by}: it needs {} to be true, and {}.",
                mapped_list(ws, r.destination),
                reasons.join(", ")
            )
        }
        Decision::Block(Block::DestinationFilter {
            filter,
            dropped,
            consent,
        }) => format!(
            "{name} is removed{by} by its destination filter {}",
            describe_filter_drop(ws, r.destination, *filter, dropped, *consent)
        ),
        Decision::Block(Block::NoMappingMatched { consent }) => format!(
            "{name} does not receive it{by}: {}",
            describe_no_mapping(ws, r.destination, *consent)
        ),
        // RudderStack's, answered above.
        Decision::Block(Block::ConsentDenied { .. } | Block::Integrations(_)) => String::new(),
        Decision::Block(Block::IntegrationsObject { key, consent }) => {
            format!(
                "{name} is removed{by} by the integrations object: {}. Consent alone would have let it through ({}).",
                describe_integrations_key(ws, r.destination, *key),
                describe_delivery(ws, r.destination, *consent)
            )
        }
    }
}

/// A route RudderStack's rules decided, in RudderStack's words.
fn describe_rudder_route(ws: &Workspace, r: &Route, name: &str) -> String {
    let (by, sdk) = if r.mode == Mode::Device {
        (
            "RudderStack's browser SDK (device mode: it loads the destination and calls it itself)",
            true,
        )
    } else {
        ("RudderStack's server (cloud mode)", false)
    };
    let dest = r.destination;
    match &r.decision {
        Decision::Deliver(why) => format!(
            "{name} receives it from {by}: {}.",
            describe_delivery(ws, dest, *why)
        ),
        Decision::Block(Block::NotIngested) => {
            format!("{name} does not receive it: the event was not ingested.")
        }
        Decision::Block(Block::Integrations(removed)) => format!(
            "{name} is removed by the integrations object, before consent is asked ({by}): {}.",
            describe_removed(ws, dest, *removed)
        ),
        Decision::Block(Block::ConsentDenied { rule, ids }) => {
            let (verb, what) = if sdk {
                ("is not loaded by", "the event does not allow")
            } else {
                ("is dropped by", "the event denies")
            };
            format!(
                "{name} {verb} {by}: its consent settings for the event's provider ({}) are not met, as {what} {}.",
                rule.describe(),
                id_list(ws, ids)
            )
        }
        // Segment's reasons never come from RudderStack's rules.
        Decision::Block(other) => format!("{name} does not receive it ({other:?})."),
    }
}

/// What RudderStack reads of an event's consent.
fn describe_rudder_stamp(ev: &Doc) -> String {
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

fn describe_event(ev: &Doc) -> String {
    let kind = match ev.get(Field::Type) {
        Some(Raw::Str(t)) => printable(&t).into_owned(),
        _ => "an event without a type".into(),
    };
    let mut s = kind;
    if let Some(name) = ev.label() {
        s += &format!(" \"{}\"", printable(&name));
    }
    match (ev.user_id(), ev.anonymous_id()) {
        (Some(u), Some(a)) => {
            s += &format!(
                " from user {} (anonymousId {})",
                printable(&u),
                printable(&a)
            );
        }
        (Some(u), None) => s += &format!(" from user {}", printable(&u)),
        (None, Some(a)) => s += &format!(" from anonymous user {}", printable(&a)),
        (None, None) => s += " with no user",
    }
    s
}

fn describe_stamp(ws: &Workspace, ev: &Doc) -> String {
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

/// When the profiles passed to `explain` stand, against the event explained.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    /// Just after this event: read up to its line and no further (`explain --line`).
    AtTheEvent,
    /// After every event read so far, the last on this line (the TUI, reading on).
    Now { last_line: u64 },
}

fn consent_words(ws: &Workspace, states: Option<&[ConsentState]>) -> String {
    match states {
        None => "none collected yet".into(),
        Some(states) => ws
            .categories
            .iter()
            .zip(states)
            .map(|(c, s)| format!("{} = {}", printable(&c.id), s.as_str()))
            .collect::<Vec<_>>()
            .join(", "),
    }
}

/// The user's recorded consent, saying as of when; read on, it also says what it was at the
/// event where that differs.
fn recorded_consent(
    ws: &Workspace,
    profiles: &Profiles,
    o: &Outcome,
    id: crate::engine::profile::IdentityId,
    when: When,
) -> Vec<String> {
    let p = profiles.profile(id);
    let label = printable(profiles.label(id)).into_owned();
    let line = o.origin.line;
    let now = consent_words(ws, p.consent.as_deref());
    match when {
        When::AtTheEvent => vec![format!(
            "{label}'s recorded consent as of line {line} (what they had said by then; enforcement uses the event's own stamp): {now}."
        )],
        When::Now { last_line } => {
            let mut out = vec![format!(
                "{label}'s recorded consent now, after line {last_line} (what they last said; enforcement uses the event's own stamp): {now}."
            )];
            match p.consent_as_of(line, o.origin.index) {
                Some(then) if then != p.consent => out.push(format!(
                    "As of line {line} it was: {}.",
                    consent_words(ws, then.as_deref())
                )),
                Some(_) => {}
                None => out.push(format!(
                    "As of line {line}: not known here (the profile keeps its last {} changes).",
                    crate::engine::profile::HISTORY
                )),
            }
            out
        }
    }
}

/// The explanation of one outcome, as lines of text.
pub fn explain(ws: &Workspace, profiles: &Profiles, o: &Outcome, when: When) -> Vec<String> {
    let mut out = Vec::new();
    let what = o
        .event()
        .map_or_else(|| "a record that is not an event".into(), describe_event);
    out.push(format!("{}: {what}.", o.origin));
    let vendor = ws.dialect().vendor();
    if o.ingested() {
        out.push(format!("{vendor} ingests it."));
    } else {
        out.push(format!(
            "{vendor} does not ingest it, so no destination receives it:"
        ));
    }
    for f in o
        .findings
        .iter()
        .filter(|f| f.severity() == crate::rules::finding::Severity::Error)
    {
        out.push(format!(
            "  error {}: {}",
            f.code.as_str(),
            printable(&f.message)
        ));
    }
    if let (true, Some(ev)) = (o.ingested(), o.event()) {
        out.push(if ws.dialect() == Dialect::RudderStack {
            describe_rudder_stamp(ev)
        } else {
            describe_stamp(ws, ev)
        });
        if !ws.destinations.is_empty() {
            out.push("Destinations:".into());
        }
        for r in &o.routes {
            let mark = if r.decision.delivered() {
                "deliver"
            } else {
                "block  "
            };
            let shown = o
                .discard(r)
                .map(|d| format!(" [Delivery Overview: {d}]"))
                .unwrap_or_default();
            out.push(format!("  {mark} {}{shown}", describe_route(ws, r)));
        }
    }
    let choices = crate::rules::choices::Choice::applied(ws, o);
    if !choices.is_empty() {
        out.push(format!(
            "Where {vendor}'s sources are silent or disagree, this verdict rests on a choice:"
        ));
        out.extend(choices.iter().map(|c| format!("  - {}", c.line())));
    }
    let warnings: Vec<_> = o
        .findings
        .iter()
        .filter(|f| f.severity() == crate::rules::finding::Severity::Warning)
        .collect();
    if !warnings.is_empty() {
        out.push("Warnings (the event is still routed):".into());
        for f in warnings {
            let at = f
                .path
                .as_deref()
                .map(|p| format!(" at {}", printable(p)))
                .unwrap_or_default();
            out.push(format!(
                "  {}{at}: {}",
                f.code.as_str(),
                printable(&f.message)
            ));
        }
    }
    if let Some(id) = o.identity {
        out.extend(recorded_consent(ws, profiles, o, id, when));
    }
    out.push(format!(
        "The rules, with {vendor}'s sources and our choices: {}",
        crate::rules::choices::RULES_DOC
    ));
    out
}
