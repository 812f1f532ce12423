//! Segment's rules: its chain of steps, in the order they apply (RULES §3), and its words for
//! what the views show.
//!
//! ```text
//! event:        ingest → duplicates
//! destination:  connection → consent → default integrations object → integrations object
//!               → destination filters → Actions mappings
//! ```

pub mod connection;
pub mod consent;
pub mod default_integrations;
pub mod duplicate;
pub mod filter;
pub mod ingest;
pub mod integrations;
pub mod mappings;
pub mod route;

use crate::rules::step::Chain;
use crate::rules::verdict::{Decision, Delivery, Route};
use crate::text::printable;
use crate::workspace::Workspace;

pub const CHAIN: Chain = Chain {
    steps: &[
        &ingest::STEP,
        &duplicate::STEP,
        &connection::STEP,
        &consent::STEP,
        &default_integrations::STEP,
        &integrations::STEP,
        &filter::STEP,
        &mappings::STEP,
    ],
    badge: None,
    delivery_overview: true,
    consent_model: true,
    legend: "✓ delivered   ✗ IDS blocked by those consent categories   ✗ integrations removed by the integrations object   ✗ filter dropped by a destination filter   ✗ no mapping no Actions mapping fires   ✗ duplicate dropped as a duplicate messageId   ⇢ device mode: the browser sends it, not Segment",
    explain,
    stamp: consent::describe_stamp,
    device_note: connection::device_note,
    trial_words: ["true", "false", "missing"],
    held: consent::held,
    holds: consent::holds,
    set: consent::set,
    stamped: |_, _| crate::rules::step::Stamped::Preferences,
};

/// Why a destination was let through, by whichever step let it: consent, or the browser.
pub fn describe_delivery(ws: &Workspace, dest: usize, why: Delivery) -> String {
    consent::describe(ws, dest, why)
        .or_else(|| connection::describe(ws, dest, why))
        .unwrap_or_default()
}

/// One sentence on one destination's decision, starting with the destination's name.
fn explain(ws: &Workspace, r: &Route) -> String {
    let name = printable(&ws.destinations[r.destination].name);
    match &r.decision {
        Decision::Deliver(why) => format!(
            "{name} receives it{}: {}.{}{}",
            connection::from(ws, r),
            describe_delivery(ws, r.destination, *why),
            mappings::fired(ws, r),
            filter::taken_out(r)
        ),
        Decision::Block(_) => CHAIN.blocked(ws, r, &name).unwrap_or_default(),
    }
}
