//! Segment's per-source schema integration filters (segment-docs `guides/filtering-data.md`,
//! "Per-source schema integration filters"): the source's plan can turn one destination off
//! for one track event (`plan.track.<event>.integrations.<destination>`). Warehouses are not
//! in its list, and what does not honour the integrations object (S3) does not honour it
//! either. The sources disagree on the event's own `integrations` object, so the mode
//! decides: Segment's servers let the event's own entry for the destination stand ("Integration
//! filters won't override values in the integrations object"), while analytics.js merges
//! `{...event.integrations, ...planEvent.integrations}` in the browser, the plan's flag over
//! the event's, either way (`plugins/schema-filter/index.ts`, `core/queue/event-queue.ts`).

use serde_json::Value;

use crate::read::event::{Doc, Kind, Members};
use crate::rules::choices::Choice;
use crate::rules::step::{Scope, Step, Verdicts};
use crate::rules::verdict::{Block, Decision, Mode, Route};
use crate::text::printable;
use crate::workspace::Workspace;
use crate::workspace::plan::PlanEvent;

pub const STEP: Step = Step {
    name: "schema integration filters",
    about: "the source's plan, which can turn one destination off for one track event",
    scope: Scope::Destination,
    reasons: &["schema_integration_filter"],
    discards: &["FILTERED_BY_INTEGRATIONS_OBJECT"],
    choices: &[Choice::PlanFilterByMode, Choice::PlanFilterDiscard],
    rests_on,
    lint: &[],
    lessons: &["The source can drop an event before any destination"],
    blocked,
    why,
};

/// What the plan did to a route, for the steps after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// The plan says nothing of this destination, or its word does not count here.
    Nothing,
    /// It turned the destination off.
    TurnedOff,
    /// Device mode: its flag for the destination is truthy, and goes over the event's own
    /// (the browser's merged object decides, so the integrations object step has no say).
    TurnedOn,
}

/// The plan's entry for `ev`, a track event with a name.
pub fn entry<'w>(ws: &'w Workspace, ev: &Doc) -> Option<&'w PlanEvent> {
    if ev.kind() != Some(Kind::Track) {
        return None;
    }
    ws.plan.track.get(&ev.event_name()?)
}

/// Whether JavaScript reads `v` as false.
fn falsy(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Bool(b) => !b,
        Value::Number(n) => n.as_f64().is_none_or(|x| x == 0.0),
        Value::String(s) => s.is_empty(),
        Value::Array(_) | Value::Object(_) => false,
    }
}

/// Applies the plan's flag for `r`'s destination, where consent let it through; `entry` is
/// the plan's for track event `event`.
pub fn apply(
    ws: &Workspace,
    entry: Option<(&str, &PlanEvent)>,
    integrations: Option<&Members<'_>>,
    r: &mut Route,
) -> Applied {
    let &Decision::Deliver(consent) = &r.decision else {
        return Applied::Nothing;
    };
    let dest = &ws.destinations[r.destination];
    let Some((event, flag)) = entry.and_then(|(n, e)| Some((n, e.integration(&dest.name)?))) else {
        return Applied::Nothing;
    };
    if !dest.kind.honours_integrations() {
        return Applied::Nothing;
    }
    let off = match r.mode {
        // Only a `false` turns a destination off on the servers, and only where the event
        // sets nothing of its own for it.
        Mode::Cloud => {
            *flag == Value::Bool(false) && integrations.is_none_or(|i| i.get(&dest.name).is_none())
        }
        Mode::Device if !falsy(flag) => return Applied::TurnedOn,
        Mode::Device => true,
    };
    if off {
        r.decision = Decision::Block(Block::SchemaIntegrationFilter {
            consent,
            setting: setting(ws, event, r.destination),
        });
        Applied::TurnedOff
    } else {
        Applied::Nothing
    }
}

/// The setting that turned `dest` off for `ev`.
fn setting(ws: &Workspace, ev_name: &str, dest: usize) -> String {
    format!(
        "plan.track[\"{}\"].integrations[\"{}\"]",
        printable(ev_name),
        printable(&ws.destinations[dest].name)
    )
}

fn blocked(ws: &Workspace, r: &Route, name: &str) -> Option<String> {
    let Decision::Block(Block::SchemaIntegrationFilter { consent, setting }) = &r.decision else {
        return None;
    };
    Some(format!(
        "{name} is turned off{} for this event by the source's schema integration filter: {setting} is false. Consent alone would have let it through ({}).",
        super::words::by(ws, r),
        super::connection::describe_delivery(ws, r.destination, *consent)
    ))
}

fn why(_: &Workspace, r: &Route) -> Option<String> {
    match &r.decision {
        Decision::Block(Block::SchemaIntegrationFilter { setting, .. }) => {
            Some(format!("{setting} is false"))
        }
        _ => None,
    }
}

fn rests_on(v: &Verdicts<'_>, out: &mut Vec<Choice>) {
    let Some(e) = v.event.and_then(|ev| entry(v.ws, ev)) else {
        return;
    };
    let Some(integrations) = v.event.and_then(Doc::integrations) else {
        // Without an object of the event's own the modes agree.
        if v.routes.iter().any(|r| {
            r.mode == Mode::Cloud
                && matches!(
                    r.decision,
                    Decision::Block(Block::SchemaIntegrationFilter { .. })
                )
        }) {
            out.push(Choice::PlanFilterDiscard);
        }
        return;
    };
    for r in v.routes {
        let name = &v.ws.destinations[r.destination].name;
        let filtered = matches!(
            r.decision,
            Decision::Block(Block::SchemaIntegrationFilter { .. })
        );
        if filtered && r.mode == Mode::Cloud {
            out.push(Choice::PlanFilterDiscard);
        }
        // Where both the plan and the event name the destination, the mode decided whose
        // word counts.
        if e.integration(name).is_some() && integrations.get(name).is_some() {
            out.push(Choice::PlanFilterByMode);
        }
    }
}
