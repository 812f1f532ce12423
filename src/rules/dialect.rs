//! The seam between a workspace and its vendor's rules: the engine and every view ask here,
//! and only here is the dialect matched to a vendor's chain.

use crate::read::event::Doc;
use crate::read::input::Record;
use crate::rules::choices::Choice;
use crate::rules::finding::Finding;
use crate::rules::step::{Chain, Verdicts};
use crate::rules::verdict::{Admission, Route};
use crate::rules::{rudderstack, segment};
use crate::workspace::Workspace;
use crate::workspace::dialect::Dialect;

/// What the workspace's vendor finds on ingesting `record`. Per-user findings (duplicates,
/// profile warnings) are added by the engine.
pub fn validate(record: &Record, ws: &Workspace) -> Vec<Finding> {
    match ws.dialect() {
        Dialect::Segment => segment::ingest::validate(record, ws),
        Dialect::RudderStack => rudderstack::ingest::validate(record),
    }
}

/// Routes an event to every destination, in settings order. `ev` is None for a record that
/// is not an event at all.
pub fn route(ws: &Workspace, ev: Option<&Doc>, admission: Admission) -> Vec<Route> {
    match ws.dialect() {
        Dialect::Segment => segment::route::route(ws, ev, admission),
        Dialect::RudderStack => rudderstack::route::route(ws, ev, admission),
    }
}

/// The vendor's chain of steps, and its words for what the views show.
pub fn chain(dialect: Dialect) -> &'static Chain {
    match dialect {
        Dialect::Segment => &segment::CHAIN,
        Dialect::RudderStack => &rudderstack::CHAIN,
    }
}

/// Whether the vendor drops an event whose messageId it already took (RudderStack's server
/// does not by default: `Dedup.enableDedup` is false in `processor.go`).
pub fn deduplicates(dialect: Dialect) -> bool {
    match dialect {
        Dialect::Segment => segment::duplicate::DEDUPLICATES,
        Dialect::RudderStack => false,
    }
}

/// One sentence on one destination's decision, in the words of the vendor that decided it.
pub fn explain(ws: &Workspace, r: &Route) -> String {
    (chain(r.vendor).explain)(ws, r)
}

/// The choices (`rules::choices`) one outcome's verdicts rest on, in `Choice`'s order.
pub fn choices(
    ws: &Workspace,
    event: Option<&Doc>,
    findings: &[Finding],
    routes: &[Route],
    ingested: bool,
) -> Vec<Choice> {
    chain(ws.dialect()).choices(&Verdicts {
        ws,
        event,
        findings,
        routes,
        ingested,
    })
}
