//! Segment's chain: its steps in the order they apply (RULES §3), and its words for what the
//! views show.

use super::{
    connection, consent, default_integrations, duplicate, enabled, event_types, filter, ingest,
    integrations, mappings, mobile, plan_filter, protocols, source, suppression, unknown, words,
};
use crate::rules::step::Chain;
use crate::rules::verdict::{Decision, Route};
use crate::text::printable;
use crate::workspace::Workspace;

pub const CHAIN: Chain = Chain {
    steps: &[
        &ingest::STEP,
        &suppression::STEP,
        &source::STEP,
        &protocols::STEP,
        &enabled::STEP,
        &duplicate::STEP,
        &connection::STEP,
        &mobile::STEP,
        &consent::STEP,
        &plan_filter::STEP,
        &default_integrations::STEP,
        &integrations::STEP,
        &filter::STEP,
        &mappings::STEP,
        &event_types::STEP,
        &unknown::STEP,
    ],
    badge: None,
    delivery_overview: true,
    consent_model: true,
    legend: "✓ delivered   ✗ IDS blocked by those consent categories   ✗ integrations removed by the integrations object   ✗ filter dropped by a destination filter   ✗ no mapping no Actions mapping fires   ✗ duplicate dropped as a duplicate messageId   ✗ at source dropped by the source's schema controls   ✗ plan filter turned off by the source's schema integration filter   ✗ type the destination takes no events of this type   ✗ not loaded only the browser could send it, and it did not load it   ✗ on device a mobile library's consent plugin dropped it before Segment   ✗ suppressed Segment takes nothing from a suppressed user   ✗ disabled the destination is switched off   ? a step the settings do not describe decides   ⇢ device mode: the browser sends it, not Segment",
    explain,
    stamp: consent::describe_stamp,
    device_note: connection::device_note,
    trial_words: ["true", "false", "missing"],
    held: consent::held,
    holds: consent::holds,
    set: consent::set,
    stamped: |_, _| crate::rules::step::Stamped::Preferences,
    source: source::sentence,
};

/// One sentence on one destination's decision, starting with the destination's name.
fn explain(ws: &Workspace, r: &Route) -> String {
    let name = printable(&ws.destinations[r.destination].name);
    let hybrid = connection::hybrid(ws, r)
        .map(|h| format!(" It is {h}."))
        .unwrap_or_default();
    match &r.decision {
        Decision::Deliver(why) => format!(
            "{name} receives it{}: {}.{}{}{hybrid}",
            words::from(ws, r),
            connection::describe_delivery(ws, r.destination, *why),
            mappings::fired(ws, r),
            filter::taken_out(r)
        ),
        Decision::Uncertain(_) => format!(
            "{name} {}{}{hybrid}",
            unknown::sentence(ws, r).unwrap_or_default(),
            mappings::fired(ws, r)
        ),
        Decision::Block(_) => CHAIN.blocked(ws, r, &name).unwrap_or_default(),
    }
}
