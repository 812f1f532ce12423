//! Plain English for one event's decisions, for people learning the rules. Every string from
//! the event is sanitised here, so callers can print the lines as they are.

use crate::engine::Outcome;
use crate::engine::profile::{ConsentState, Profiles};
use crate::read::event::{Doc, Field, Raw};
use crate::rules::verdict::Route;
use crate::text::printable;
use crate::workspace::Workspace;

/// One sentence on one destination's decision, starting with the destination's name, in the
/// words of the vendor's step that made it.
pub fn describe_route(ws: &Workspace, r: &Route) -> String {
    crate::rules::dialect::explain(ws, r)
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
        let chain = crate::rules::dialect::chain(ws.dialect());
        if let Some(s) = o.event().and_then(|e| (chain.source)(ws, e, &o.routes)) {
            out.push(s);
        }
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
        out.push((crate::rules::dialect::chain(ws.dialect()).stamp)(ws, ev));
        if !ws.destinations.is_empty() {
            out.push("Destinations:".into());
        }
        for r in &o.routes {
            // Padded as wide as "deliver": "uncertain" stands out by its length too.
            let mark = format!("{:<7}", r.decision.verb());
            let shown = o
                .discard(r)
                .map(|d| format!(" [Delivery Overview: {d}]"))
                .unwrap_or_default();
            out.push(format!("  {mark} {}{shown}", describe_route(ws, r)));
        }
    }
    let choices = o.choices(ws);
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
