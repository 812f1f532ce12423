//! Segment's source stage, its schema controls (segment-docs `guides/filtering-data.md`,
//! "Schema event filters"; analytics-next `plugins/schema-filter/index.ts`): after ingest
//! and before any destination, a track event its source's `plan` disables is dropped for
//! every destination, warehouses included, in cloud and device mode alike (analytics.js
//! applies the plan in the browser, and Segment's servers drop it on arrival). Delivery
//! Overview counts it under "Filtered at Source".

use crate::read::event::{Doc, Kind};
use crate::rules::choices::Choice;
use crate::rules::step::{Scope, Step, Verdicts};
use crate::rules::verdict::{Block, Control, Decision, Route};
use crate::text::printable;
use crate::workspace::Workspace;
use crate::workspace::plan::Enabled;

pub const STEP: Step = Step {
    name: "schema controls",
    about: "the source's schema controls (its plan): a track event the source blocks reaches no destination, warehouses included",
    scope: Scope::Event,
    reasons: &["filtered_at_source"],
    discards: &["event_setting", "unplanned"],
    choices: &[Choice::PlanTrackOnly],
    rests_on,
    lint: &["plan_event_never_seen", "plan_blocks_traffic"],
    lessons: &["The source can drop an event before any destination"],
    blocked,
    why,
};

/// The control that drops `ev` at its source, and the setting that says so; None when the
/// source lets it through.
pub fn blocks(ws: &Workspace, ev: &Doc) -> Option<(Control, String)> {
    if ev.kind() != Some(Kind::Track) {
        return None;
    }
    let name = ev.event_name()?;
    match ws.plan.track.enabled(&name) {
        Enabled::Yes => None,
        Enabled::DisabledOwn => Some((
            Control::SchemaEventFilter,
            format!("plan.track[\"{}\"].enabled", printable(&name)),
        )),
        Enabled::DisabledDefault => Some((
            Control::UnplannedEvent,
            "plan.track.__default.enabled".to_owned(),
        )),
    }
}

/// What the control did, in Segment's words.
pub fn describe(control: Control, setting: &str) -> String {
    match control {
        Control::SchemaEventFilter => {
            format!("the source blocks this event (schema event filter: {setting} is false)")
        }
        Control::UnplannedEvent => format!(
            "the event is not in the source's plan, and the source blocks unplanned events ({setting} is false)"
        ),
        Control::SchemaViolation => format!(
            "the event breaks its tracking plan rule, and the source blocks such events ({setting} is false)"
        ),
        Control::CommonSchemaViolation => format!(
            "the event breaks the tracking plan's common JSON schema, and the source blocks such events ({setting} is BLOCK)"
        ),
        Control::UnplannedAndSchemaViolation => format!(
            "the event is not in the source's tracking plan and breaks its common JSON schema, and the source blocks unplanned events ({setting} is false)"
        ),
    }
}

fn at_source(r: &Route) -> Option<(Control, &str)> {
    match &r.decision {
        Decision::Block(Block::FilteredAtSource { control, setting }) => {
            Some((*control, setting.as_str()))
        }
        _ => None,
    }
}

fn blocked(_: &Workspace, r: &Route, name: &str) -> Option<String> {
    let (control, setting) = at_source(r)?;
    Some(format!(
        "{name} does not receive it: {}, and Segment drops it at the source.",
        describe(control, setting)
    ))
}

/// What the source stage did with `ev`, where the source has controls: its plan's verdict,
/// then its Protocols' judgement.
pub fn sentence(ws: &Workspace, ev: &Doc, routes: &[Route]) -> Option<String> {
    let blocked = routes.iter().find_map(at_source);
    let plan = plan_sentence(ws, ev, routes, blocked);
    // What the plan drops, Protocols never sees.
    let judged = match blocked {
        Some((_, setting)) if setting.starts_with("plan.") => None,
        _ => super::protocols::sentence(ws, ev),
    };
    match (plan, judged) {
        (Some(a), Some(b)) => Some(format!("{a} {b}")),
        (a, b) => a.or(b),
    }
}

fn plan_sentence(
    ws: &Workspace,
    ev: &Doc,
    routes: &[Route],
    blocked: Option<(Control, &str)>,
) -> Option<String> {
    if let Some((control, setting)) = blocked {
        let everywhere = routes.iter().all(|r| at_source(r).is_some());
        return Some(format!(
            "Its source drops it before {}, warehouses included: {} (Delivery Overview: Filtered at Source, {}).{}",
            if everywhere {
                "any destination"
            } else {
                "every cloud destination"
            },
            describe(control, setting),
            control.discard(),
            if everywhere {
                ""
            } else {
                " Device-mode destinations still receive it: the browser sends it, and Protocols block violations in cloud mode only."
            }
        ));
    }
    if ws.plan.track.is_empty() || ev.kind() != Some(Kind::Track) {
        return None;
    }
    // An event the plan does not list, where unplanned events pass, is none of its business.
    let name = ev.event_name()?;
    ws.plan.track.get(&name)?.enabled?;
    Some(format!(
        "Its source lets it through: plan.track[\"{}\"].enabled is true.",
        printable(&name)
    ))
}

fn why(_: &Workspace, r: &Route) -> Option<String> {
    let (control, setting) = at_source(r)?;
    Some(format!("{}: {setting}", control.as_str()))
}

fn rests_on(v: &Verdicts<'_>, out: &mut Vec<Choice>) {
    // Only a page or screen event meets a plan that lists names: the plan's sections are
    // track, identify and group.
    let named_other = v
        .event
        .is_some_and(|e| matches!(e.kind(), Some(Kind::Page | Kind::Screen)));
    if named_other && !v.ws.plan.track.is_empty() {
        out.push(Choice::PlanTrackOnly);
    }
}
