//! The steps the settings do not describe: an Actions destination's mappings the CDN's
//! settings never carry, a filter that samples at random, a destination function's handlers,
//! an insert function's code, what Engage computes. Each could drop the event (or change it),
//! so a route that meets one and that everything described lets through is `uncertain`, not
//! `deliver`: this step, last in the chain, says so, with what is unknown and what would make
//! it known. The steps that meet them (mappings, filters, event types) note them on the
//! route; this one adds the two that belong to no other step, and decides.

use crate::rules::step::{Scope, Step, no_choice};
use crate::rules::verdict::{Decision, Route, Unknown};
use crate::text::printable;
use crate::workspace::filter::Action;
use crate::workspace::{Destination, DestinationKind, Workspace};

pub const STEP: Step = Step {
    name: "unknown steps",
    about: "a step the settings do not describe makes a route uncertain, not delivered",
    scope: Scope::Destination,
    reasons: &["unknown_step"],
    discards: &[],
    choices: &[],
    rests_on: no_choice,
    lint: &["snapshot_gap"],
    lessons: &["Uncertain: where the settings cannot tell"],
    blocked: |_, _, _| None,
    why,
};

/// Notes the insert function and Engage, then makes a route everything described let through
/// `uncertain` when any step it met is unknown. A blocked route keeps no unknowns: its stop is
/// certain whatever they would have done.
pub fn apply(ws: &Workspace, r: &mut Route) {
    match r.decision {
        Decision::Deliver(why) => {
            r.unknown.extend(beyond(&ws.destinations[r.destination]));
            if !r.unknown.is_empty() {
                r.decision = Decision::Uncertain(why);
            }
        }
        Decision::Block(_) => r.unknown.clear(),
        Decision::Uncertain(_) => {}
    }
}

/// The unknowns of this step's own: an insert function in front of the destination, and
/// Engage.
fn beyond(dest: &Destination) -> impl Iterator<Item = Unknown> {
    let insert = dest
        .insert_function
        .as_ref()
        .map(|_| Unknown::InsertFunction);
    let engage = (dest.kind == DestinationKind::Engage).then_some(Unknown::Engage);
    insert.into_iter().chain(engage)
}

/// Every unknown step a route to destination `d` can meet, whichever step notes it.
pub fn possible(ws: &Workspace, d: usize) -> Vec<Unknown> {
    let dest = &ws.destinations[d];
    let mut all = Vec::new();
    if super::mappings::is_actions(ws, d) {
        all.push(Unknown::Mappings);
    }
    if super::event_types::handlers_unknown(dest) {
        all.push(Unknown::Handlers);
    }
    all.extend(beyond(dest));
    for (filter, f) in dest.filters.iter().enumerate() {
        for a in &f.actions {
            if let Action::Sample {
                percent,
                path: None,
            } = a
            {
                all.push(Unknown::RandomSample {
                    filter,
                    percent: *percent,
                });
            }
        }
    }
    all
}

/// What is unknown on a route to destination `d`, in a few words.
pub fn what(ws: &Workspace, d: usize, u: &Unknown) -> String {
    match u {
        Unknown::Mappings => {
            "its Actions mappings (which fire decides what it receives, if anything)".to_owned()
        }
        Unknown::RandomSample { filter, percent } => format!(
            "whether filter {} keeps it (it samples {}% at random, with no path to hash)",
            filter + 1,
            percent * 100.0
        ),
        Unknown::Handlers => {
            "which handlers the destination function has (an event type without one fails with EventNotSupported)".to_owned()
        }
        Unknown::InsertFunction => format!(
            "what its insert function \"{}\" does with the event (it may drop or change it)",
            printable(ws.destinations[d].insert_function.as_deref().unwrap_or(""))
        ),
        Unknown::Engage => {
            "what Engage computes from the event (audiences and traits are not in the settings)"
                .to_owned()
        }
    }
}

/// What would make it known: which file or API call supplies it.
pub fn to_know(u: &Unknown) -> &'static str {
    match u {
        Unknown::Mappings => {
            "pull the workspace (`consent-inspector pull`: its mappings from the Public API's GET /destinations/{destinationId}/subscriptions), or give them in the settings (`mappings`)"
        }
        Unknown::RandomSample { .. } => {
            "give the filter a `path` (Segment then samples by that field's value, which the tool can follow); a random draw cannot be known"
        }
        Unknown::Handlers => {
            "list its handlers as the destination's `methods` (onTrack → track, onIdentify → identify, ...)"
        }
        Unknown::InsertFunction => {
            "read the function's code (Public API GET /functions/{functionId}); once it passes the event untouched, drop `insertFunction` from the settings"
        }
        Unknown::Engage => {
            "Engage's audiences and computed traits: the Public API's spaces, or Delivery Overview's counts for the destination (`consent-inspector reconcile`)"
        }
    }
}

/// The sentence for an uncertain route, after its destination's name.
pub fn sentence(ws: &Workspace, r: &Route) -> Option<String> {
    let Decision::Uncertain(why) = r.decision else {
        return None;
    };
    let each: Vec<String> = r
        .unknown
        .iter()
        .map(|u| what(ws, r.destination, u))
        .collect();
    let fix: Vec<&str> = r.unknown.iter().map(to_know).collect();
    Some(format!(
        "may receive it{}: what the settings describe lets it through ({}), but the tool cannot know {}. To know: {}.",
        super::words::from(ws, r),
        super::connection::describe_delivery(ws, r.destination, why),
        each.join("; nor "),
        fix.join("; ")
    ))
}

fn why(_: &Workspace, r: &Route) -> Option<String> {
    let first = r.unknown.first()?;
    Some(format!("unknown: {}", first.as_str().replace('_', " ")))
}
