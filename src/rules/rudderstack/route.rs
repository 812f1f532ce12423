//! RudderStack's chain applied to one event: the integrations object first, then consent,
//! each destination decided by whoever sends it events (the server in cloud mode, the browser
//! SDK in device and hybrid mode). RudderStack's server does not deduplicate by default
//! (`Dedup.enableDedup` is false in `processor.go`), so a repeated messageId is routed again.

use super::{Read, connection, consent, integrations};
use crate::read::event::Doc;
use crate::rules::verdict::{Admission, Block, Decision, Delivery, Route};
use crate::workspace::Workspace;

/// Routes an event to every destination of a RudderStack workspace, in settings order.
pub fn route(ws: &Workspace, ev: Option<&Doc>, admission: Admission) -> Vec<Route> {
    let read = ev
        .filter(|_| admission != Admission::NotIngested)
        .map(Read::of);
    (0..ws.destinations.len())
        .map(|d| {
            let settings = ws.destinations[d].rudder.as_deref();
            let mode = connection::mode(settings);
            let decision = match (&read, settings) {
                // Ingest: a record the gateway refuses reaches no destination.
                (None, _) => Decision::Block(Block::NotIngested),
                // A destination from Segment's shapes has no RudderStack settings: it names
                // no consent ids RudderStack could read.
                (Some(_), None) => Decision::Deliver(Delivery::NotConfigured),
                (Some(r), Some(s)) => integrations::removed(r.integrations.as_ref(), s, mode)
                    .map_or_else(
                        || consent::decide(ws, &r.consent, s, mode),
                        |removed| Decision::Block(Block::Integrations(removed)),
                    ),
            };
            Route::new(d, decision, mode, ws.dialect())
        })
        .collect()
}
