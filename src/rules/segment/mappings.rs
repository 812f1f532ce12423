//! Segment's Actions-mappings step: an Actions destination takes the event once per enabled
//! mapping whose trigger (`type = "track" and event = "Order Completed"`) matches it, as
//! `@segment/destination-subscriptions` decides; none firing, it takes nothing. In device
//! mode the browser runs the destination's plugin, whose subscriptions (the CDN's
//! `remotePlugins`) decide the same way (action-destinations `plugin.ts`: `validate(parseFql(
//! sub.subscribe), ctx.event)`). An Actions destination whose mappings the settings do not
//! hold is an unknown step (`unknown`).

use std::convert::Infallible;

use crate::read::event::{Doc, Json, Tree};
use crate::rules::segment::filter::Known;
use crate::rules::step::{Scope, Step, no_choice, no_words};
use crate::rules::verdict::{Block, Decision, Delivery, Mode, NO_MATCHING_MAPPING, Route, Unknown};
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
    let &Decision::Deliver(why) = &r.decision else {
        return;
    };
    let Some((mappings, keys)) = deciding(ws, r) else {
        if is_actions(ws, r.destination) {
            r.unknown.push(Unknown::Mappings);
        }
        return;
    };
    r.mappings = match stored.get_or_insert_with(|| ev.tree()) {
        Tree::InPlace(n) => firing(mappings, keys, *n, known),
        Tree::Built(v) => firing(mappings, keys, &*v, known),
    };
    if r.mappings.is_empty() {
        r.decision = Decision::Block(Block::NoMappingMatched { consent: why });
    }
}

/// The names of a route's mappings that fire.
pub fn fired_names<'w>(ws: &'w Workspace, r: &Route) -> Vec<&'w str> {
    deciding(ws, r).map_or_else(Vec::new, |(m, _)| {
        r.mappings.iter().map(|&i| m[i].name.as_str()).collect()
    })
}

/// The mappings that decide a route, with their trigger keys: in device mode the browser
/// plugin's subscriptions where the settings have them, else the mappings.
pub fn deciding<'w>(ws: &'w Workspace, r: &Route) -> Option<(&'w [Mapping], &'w [u32])> {
    let dest = &ws.destinations[r.destination];
    let keys = ws.trigger_keys(r.destination);
    let own = dest.mappings.as_deref().map_or(0, <[Mapping]>::len);
    match (&dest.plugin, r.mode) {
        (Some(p), Mode::Device) => Some((p.subscriptions.as_slice(), &keys[own..])),
        _ => Some((dest.mappings.as_deref()?, &keys[..own])),
    }
}

/// Whether destination `d` is an Actions destination: it has mappings or a plugin, its
/// settings say so (a snapshot's `actions`, from its catalog entry), or else Segment's catalog
/// or its name does (`… (Actions)`, as Segment names them).
pub fn is_actions(ws: &Workspace, d: usize) -> bool {
    let dest = &ws.destinations[d];
    if let Some(said) = dest.actions {
        return said || dest.mappings.is_some() || dest.plugin.is_some();
    }
    dest.mappings.is_some()
        || dest.plugin.is_some()
        || dest.name.ends_with("(Actions)")
        || ws.catalog_entry(d).is_some_and(|e| e.actions)
}

/// Why no mapping of an Actions destination fires: each mapping, and why not.
fn describe_none(ws: &Workspace, r: &Route, consent: Delivery) -> String {
    let dest = r.destination;
    let (mappings, _) = deciding(ws, r).unwrap_or((&[], &[]));
    let plugin = (r.mode == Mode::Device)
        .then(|| ws.destinations[dest].plugin.as_ref())
        .flatten();
    let each: Vec<String> = mappings
        .iter()
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
    let whose = plugin.map_or_else(
        || "its mappings".to_owned(),
        |p| {
            format!(
                "the subscriptions of its browser plugin ({})",
                printable(&p.name)
            )
        },
    );
    format!(
        "it is an Actions destination and none of {whose} fires: {}. Consent and the integrations object alone would have let it through ({}).",
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
        describe_none(ws, r, *consent)
    ))
}

/// A delivered route's mappings that fire, as a sentence (or nothing).
pub fn fired(ws: &Workspace, r: &Route) -> String {
    match deciding(ws, r) {
        Some((mappings, _)) => {
            let names: Vec<String> = r
                .mappings
                .iter()
                .map(|i| format!("\"{}\"", printable(&mappings[*i].name)))
                .collect();
            if r.mode == Mode::Device && ws.destinations[r.destination].plugin.is_some() {
                format!(
                    " Its browser plugin's subscriptions that fire: {}.",
                    names.join(", ")
                )
            } else {
                format!(" Its mappings that fire: {}.", names.join(", "))
            }
        }
        None => String::new(),
    }
}
