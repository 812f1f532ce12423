//! Segment's default integrations object, a step of its own: Segment merges
//! `{"All": true, "Salesforce": false}` under every event's own object (spec `common.md`), so
//! Salesforce takes only events that name it. Segment's servers apply it; the browser applies
//! the event's object alone. It comes before the event's own object, whose `All` it outranks.

use crate::read::event::Members;
use crate::rules::step::{Scope, Step, no_choice};
use crate::rules::verdict::{Block, Decision, IntegrationsKey, Mode, Route};
use crate::workspace::Workspace;

pub const STEP: Step = Step {
    name: "default integrations object",
    about: "Segment's own integrations object, under the event's: Salesforce only when named",
    scope: Scope::Destination,
    reasons: &["integrations_object"],
    discards: &["FILTERED_BY_INTEGRATIONS_OBJECT"],
    choices: &[],
    rests_on: no_choice,
    lint: &[],
    lessons: &[],
    blocked,
    why,
};

/// The destination Segment's default integrations object turns off.
pub const OFF_BY_DEFAULT: &str = "Salesforce";

/// Removes Salesforce from a cloud route consent let through, unless the event names it.
pub fn apply(ws: &Workspace, integrations: Option<&Members<'_>>, r: &mut Route) {
    let &Decision::Deliver(why) = &r.decision else {
        return;
    };
    let dest = &ws.destinations[r.destination];
    let named = integrations.is_some_and(|i| i.get(&dest.name).is_some());
    if dest.name == OFF_BY_DEFAULT
        && r.mode == Mode::Cloud
        && !named
        && dest.kind.honours_integrations()
    {
        r.decision = Decision::Block(Block::IntegrationsObject {
            key: IntegrationsKey::SegmentDefault,
            consent: why,
        });
    }
}

/// Why it removed `name`, in words.
pub fn describe_key(name: &str) -> String {
    format!(
        "integrations[\"{name}\"] is absent (or null), and Segment's default integrations object sets it to false: {name} receives only events that include \"{name}\": true"
    )
}

fn blocked(ws: &Workspace, r: &Route, name: &str) -> Option<String> {
    match &r.decision {
        Decision::Block(Block::IntegrationsObject {
            key: IntegrationsKey::SegmentDefault,
            consent,
        }) => Some(super::words::removed_by_object(
            ws,
            r,
            name,
            &describe_key(name),
            &super::connection::describe_delivery(ws, r.destination, *consent),
        )),
        _ => None,
    }
}

fn why(ws: &Workspace, r: &Route) -> Option<String> {
    matches!(
        r.decision,
        Decision::Block(Block::IntegrationsObject {
            key: IntegrationsKey::SegmentDefault,
            ..
        })
    )
    .then(|| {
        describe_key(&crate::text::printable(
            &ws.destinations[r.destination].name,
        ))
    })
}
