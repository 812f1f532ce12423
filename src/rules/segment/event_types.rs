//! Segment's event types step: a destination takes only the event types it supports, as
//! Segment's catalog lists them (`methods`, segment-docs `src/_data/catalog/destinations.yml`;
//! `workspace::catalog`), or as the settings' `methods` say for it. An event of another type,
//! which everything before let through, is dropped by Segment's servers: Delivery Overview's
//! `UNSUPPORTED_EVENT_TYPE` ("The destination does not support this event type",
//! `delivery-overview-discards.html`). In device mode the browser hands the event to the
//! destination's plugin, whose own code decides: not this step's. A destination the catalog
//! does not know (by its name or a previous one) and the settings do not describe is let
//! through.

use crate::read::event::{Doc, Kind};
use crate::rules::step::{Scope, Step, no_choice};
use crate::rules::verdict::{Block, Decision, Mode, Route, Unknown};
use crate::workspace::{Destination, DestinationKind, Workspace};

pub const STEP: Step = Step {
    name: "event types",
    about: "the event types a destination takes, as Segment's catalog lists them",
    scope: Scope::Destination,
    reasons: &["unsupported_event_type"],
    discards: &["UNSUPPORTED_EVENT_TYPE"],
    choices: &[],
    rests_on: no_choice,
    lint: &[],
    lessons: &["A destination takes only the event types it supports"],
    blocked,
    why,
};

/// Whether destination `d` takes events of type `kind`: the settings' `methods` say, else
/// the catalog's entry; None when neither knows.
pub fn accepts(ws: &Workspace, d: usize, kind: Kind) -> Option<bool> {
    let dest = &ws.destinations[d];
    if let Some(methods) = &dest.methods {
        return Some(methods.contains(&kind));
    }
    Some(ws.catalog_entry(d)?.accepts(kind))
}

/// Drops a cloud route everything before let through when its destination takes no events
/// of this type.
pub fn apply(ws: &Workspace, ev: &Doc, r: &mut Route) {
    let &Decision::Deliver(why) = &r.decision else {
        return;
    };
    let Some(kind) = ev.kind() else { return };
    if r.mode != Mode::Cloud || !ws.destinations[r.destination].kind.honours_integrations() {
        return;
    }
    // A destination function takes what it has handlers for; unlisted, no one can say.
    if handlers_unknown(&ws.destinations[r.destination]) {
        r.unknown.push(Unknown::Handlers);
        return;
    }
    if accepts(ws, r.destination, kind) == Some(false) {
        r.decision = Decision::Block(Block::UnsupportedEventType { kind, consent: why });
    }
}

/// Whether `dest` is a destination function whose handlers the settings do not list.
pub fn handlers_unknown(dest: &Destination) -> bool {
    dest.kind == DestinationKind::Function && dest.methods.is_none()
}

/// The event types destination `d` takes, and who says so: the settings' `methods`, else
/// Segment's catalog (by the name it has there).
fn taken(ws: &Workspace, d: usize) -> Option<(String, String)> {
    let dest = &ws.destinations[d];
    if let Some(m) = &dest.methods {
        let list: Vec<&str> = m.iter().map(|k| k.as_str()).collect();
        let who = if dest.kind == DestinationKind::Function {
            "the handlers the settings' methods list; another type fails with EventNotSupported"
        } else {
            "the settings' methods"
        };
        return Some((list.join(", "), who.to_owned()));
    }
    let e = ws.catalog_entry(d)?;
    Some((
        e.methods.join(", "),
        format!("Segment's catalog, as {}", e.name),
    ))
}

fn blocked(ws: &Workspace, r: &Route, name: &str) -> Option<String> {
    let Decision::Block(Block::UnsupportedEventType { kind, consent }) = &r.decision else {
        return None;
    };
    let (list, who) = taken(ws, r.destination)?;
    Some(format!(
        "{name} does not take {} events: it takes {list} ({who}), and Segment drops it (consent alone would have let it through: {}).",
        kind.as_str(),
        super::connection::describe_delivery(ws, r.destination, *consent)
    ))
}

/// What the destination takes, and who says so (the UI's detail).
fn why(ws: &Workspace, r: &Route) -> Option<String> {
    let Decision::Block(Block::UnsupportedEventType { .. }) = &r.decision else {
        return None;
    };
    let (list, who) = taken(ws, r.destination)?;
    Some(format!("takes {list} ({who})"))
}
