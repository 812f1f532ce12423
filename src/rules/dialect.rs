//! The seam between a workspace and its vendor's rules: the engine and every view ask here,
//! and only here is the dialect matched to a vendor's chain.

use crate::read::event::Doc;
use crate::read::input::Record;
use crate::rules::finding::Finding;
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
