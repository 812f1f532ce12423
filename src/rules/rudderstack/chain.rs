//! RudderStack's chain: its steps in the order they apply, and its words for what the views
//! show.

use super::{connection, consent, ingest, integrations};
use crate::rules::step::Chain;
use crate::rules::verdict::{Decision, Route};
use crate::text::printable;
use crate::workspace::Workspace;

/// RudderStack's chain: `ingest` (the gateway), then per destination `connection` (who
/// decides), the `integrations` object, and `consent`.
pub const CHAIN: Chain = Chain {
    steps: &[
        &ingest::STEP,
        &connection::STEP,
        &integrations::STEP,
        &consent::STEP,
    ],
    badge: Some("RudderStack's rules"),
    delivery_overview: false,
    consent_model: false,
    legend: "RudderStack's rules   ✓ delivered   ✗ IDS dropped for those consent ids (denied, or in device mode not allowed)   ✗ integrations removed by the integrations object   ⇢ device mode: RudderStack's browser SDK loads and calls it",
    explain,
    stamp: consent::describe_stamp,
    device_note: connection::device_note,
    trial_words: consent::TRIAL_WORDS,
    held: consent::held,
    holds: consent::holds,
    set: consent::set,
    stamped: consent::stamped,
    source: |_, _, _| None,
};

/// A route RudderStack's rules decided, in RudderStack's words.
fn explain(ws: &Workspace, r: &Route) -> String {
    let name = printable(&ws.destinations[r.destination].name);
    match &r.decision {
        Decision::Deliver(why) => format!(
            "{name} receives it from {}: {}.",
            connection::by(r),
            consent::describe(*why)
        ),
        // RudderStack's steps are all described by its settings: never uncertain.
        Decision::Block(_) | Decision::Uncertain(_) => {
            CHAIN.blocked(ws, r, &name).unwrap_or_default()
        }
    }
}
