//! Segment's Actions-mappings step: an Actions destination takes the event once per enabled
//! mapping whose trigger (`type = "track" and event = "Order Completed"`) matches it, as
//! `@segment/destination-subscriptions` decides; none firing, it takes nothing.

use std::convert::Infallible;

use crate::read::event::{Doc, Json, Tree};
use crate::rules::segment::filter::Known;
use crate::rules::step::{Scope, Step, no_choice, no_words};
use crate::rules::verdict::{Block, Decision, Delivery, NO_MATCHING_MAPPING, Route};
use crate::text::printable;
use crate::workspace::{Mapping, Workspace};

pub const STEP: Step = Step {
    name: "Actions mappings",
    about: "an Actions destination's mappings: the event goes once per mapping whose trigger matches",
    scope: Scope::Destination,
    reasons: &["no_mapping_matched"],
    discards: &[NO_MATCHING_MAPPING],
    choices: &[],
    rests_on: no_choice,
    lint: &["mapping_never_matched"],
    lessons: &[],
    blocked,
    why: no_words,
};

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

/// The mappings of an Actions destination that fire for a route the steps before let through,
/// or its stop when none does.
pub fn step<'e>(
    ws: &Workspace,
    stored: &mut Option<Tree<'e>>,
    ev: &'e Doc,
    known: &mut Known,
    r: &mut Route,
) {
    let (&Decision::Deliver(why), Some(mappings)) = (
        &r.decision,
        ws.destinations[r.destination].mappings.as_ref(),
    ) else {
        return;
    };
    let keys = ws.trigger_keys(r.destination);
    r.mappings = match stored.get_or_insert_with(|| ev.tree()) {
        Tree::InPlace(n) => firing(mappings, keys, *n, known),
        Tree::Built(v) => firing(mappings, keys, &*v, known),
    };
    if r.mappings.is_empty() {
        r.decision = Decision::Block(Block::NoMappingMatched { consent: why });
    }
}

/// Why no mapping of an Actions destination fires: each mapping, and why not.
fn describe_none(ws: &Workspace, dest: usize, consent: Delivery) -> String {
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
        super::connection::describe_delivery(ws, dest, consent)
    )
}

fn blocked(ws: &Workspace, r: &Route, name: &str) -> Option<String> {
    let Decision::Block(Block::NoMappingMatched { consent }) = &r.decision else {
        return None;
    };
    Some(format!(
        "{name} does not receive it{}: {}",
        super::words::by(ws, r),
        describe_none(ws, r.destination, *consent)
    ))
}

/// A delivered route's mappings that fire, as a sentence (or nothing).
pub fn fired(ws: &Workspace, r: &Route) -> String {
    match &ws.destinations[r.destination].mappings {
        Some(mappings) => {
            let names: Vec<String> = r
                .mappings
                .iter()
                .map(|i| format!("\"{}\"", printable(&mappings[*i].name)))
                .collect();
            format!(" Its mappings that fire: {}.", names.join(", "))
        }
        None => String::new(),
    }
}
