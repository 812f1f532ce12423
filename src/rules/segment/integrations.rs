//! Segment's integrations-object step (RULES §3, rule 8): after consent, the event's own
//! `integrations` object can only remove a destination. As analytics.js reads it
//! (`denyList[name] ?? (denyList.All !== false)`): the destination's own flag, when present,
//! decides by JavaScript truthiness; an absent or `null` one falls back to `All`, off only
//! when `false`. Never for kinds that do not honour it (S3, warehouses).

use crate::read::event::{Members, Raw};
use crate::rules::choices::Choice;
use crate::rules::step::{Scope, Step, Verdicts};
use crate::rules::verdict::{Block, Decision, Falsy, IntegrationsKey, Mode, Route};
use crate::text::printable;
use crate::workspace::Workspace;
use crate::workspace::catalog;

pub const STEP: Step = Step {
    name: "integrations object",
    about: "the event's integrations object, which can only remove a destination consent let through",
    scope: Scope::Destination,
    reasons: &["integrations_object"],
    discards: &["FILTERED_BY_INTEGRATIONS_OBJECT"],
    choices: &[Choice::UnlistedDestinations],
    rests_on,
    lint: &[
        "integrations_unknown_destination",
        "integrations_previous_name",
    ],
    lessons: &[
        "The integrations object comes after consent, and only removes",
        "integrations.All false keeps only what it names, where it applies",
    ],
    blocked,
    why,
};

/// Which falsy value a flag is, where JavaScript reads it as false.
fn falsy(v: &Raw<'_>) -> Option<Falsy> {
    match v {
        Raw::Bool(false) => Some(Falsy::False),
        Raw::Str(s) if s.is_empty() => Some(Falsy::EmptyString),
        Raw::Number(n) if n.parse::<f64>().is_ok_and(|x| x == 0.0) => Some(Falsy::Zero),
        _ => None,
    }
}

/// Which entry of `integrations` removes `name`, if one does.
/// What turns destination `name` off in `integrations`: its own flag; without one, in cloud
/// mode, the first of the other names Segment knows it by that has a flag
/// (`destination-dossier.html`: previous names are "used in the integrations object"); else
/// `All: false`.
pub fn removed_by(
    integrations: Option<&Members<'_>>,
    name: &str,
    mode: Mode,
) -> Option<IntegrationsKey> {
    let i = integrations?;
    if let Some(own) = i.get(name) {
        return falsy(&own).map(IntegrationsKey::Destination);
    }
    if mode == Mode::Cloud {
        let other = catalog::other_names(name)
            .into_iter()
            .enumerate()
            .find_map(|(k, n)| Some((k, i.get(n)?)));
        if let Some((k, flag)) = other {
            let k = u8::try_from(k).unwrap_or(u8::MAX);
            return falsy(&flag).map(|f| IntegrationsKey::OtherName(f, k));
        }
    }
    (i.get("All") == Some(Raw::Bool(false))).then_some(IntegrationsKey::All)
}

/// Removes the destination of `r` when consent let it through and the object says so.
pub fn apply(ws: &Workspace, integrations: Option<&Members<'_>>, r: &mut Route) {
    let &Decision::Deliver(why) = &r.decision else {
        return;
    };
    let dest = &ws.destinations[r.destination];
    if !dest.kind.honours_integrations() {
        return;
    }
    if let Some(key) = removed_by(integrations, &dest.name, r.mode) {
        r.decision = Decision::Block(Block::IntegrationsObject { key, consent: why });
    }
}

/// Why the integrations object removed a destination, in words.
pub fn describe_key(ws: &Workspace, dest: usize, key: IntegrationsKey) -> String {
    let name = printable(&ws.destinations[dest].name);
    match key {
        IntegrationsKey::Destination(Falsy::False) => format!("integrations[\"{name}\"] is false"),
        IntegrationsKey::Destination(v) => format!(
            "integrations[\"{name}\"] is {}, which JavaScript reads as false",
            v.as_json()
        ),
        IntegrationsKey::OtherName(v, k) => {
            let other = catalog::other_names(&ws.destinations[dest].name)
                .get(usize::from(k))
                .map_or_else(String::new, |n| printable(n).into_owned());
            format!(
                "integrations[\"{other}\"] is {}, and Segment knows {name} by that name too",
                v.as_json()
            )
        }
        IntegrationsKey::All => {
            format!("integrations.All is false and integrations[\"{name}\"] is absent (or null)")
        }
        IntegrationsKey::SegmentDefault => super::default_integrations::describe_key(&name),
    }
}

fn blocked(ws: &Workspace, r: &Route, name: &str) -> Option<String> {
    match &r.decision {
        Decision::Block(Block::IntegrationsObject {
            key: IntegrationsKey::SegmentDefault,
            ..
        }) => None,
        Decision::Block(Block::IntegrationsObject { key, consent }) => {
            Some(super::words::removed_by_object(
                ws,
                r,
                name,
                &describe_key(ws, r.destination, *key),
                &super::connection::describe_delivery(ws, r.destination, *consent),
            ))
        }
        _ => None,
    }
}

fn rests_on(v: &Verdicts<'_>, out: &mut Vec<Choice>) {
    // Only when `All` lets unnamed destinations through does the table's third row
    // disagree with what happens.
    if let Some(integrations) = v.event.and_then(crate::read::event::Doc::integrations) {
        let names_one = integrations.keys().any(|k| v.ws.destination(&k).is_some());
        let all_off = integrations.get("All") == Some(Raw::Bool(false));
        let unnamed_delivered = v.routes.iter().any(|r| {
            let d = &v.ws.destinations[r.destination];
            r.decision.delivered()
                && d.kind.honours_integrations()
                && integrations.get(&d.name).is_none()
        });
        if names_one && !all_off && unnamed_delivered {
            out.push(Choice::UnlistedDestinations);
        }
    }
}

fn why(ws: &Workspace, r: &Route) -> Option<String> {
    match &r.decision {
        Decision::Block(Block::IntegrationsObject {
            key: IntegrationsKey::SegmentDefault,
            ..
        }) => None,
        Decision::Block(Block::IntegrationsObject { key, .. }) => {
            Some(describe_key(ws, r.destination, *key))
        }
        _ => None,
    }
}
