//! RudderStack's chain applied to one event: the integrations object first, then consent,
//! each destination decided by whoever sends it events (the server in cloud mode, the browser
//! SDK in device and hybrid mode). RudderStack's server does not deduplicate by default
//! (`Dedup.enableDedup` is false in `processor.go`), so a repeated messageId is routed again.

use serde_json::Value;

use super::{EventConsent, connection, consent, integrations};
use crate::read::event::{Doc, Json, Tree};
use crate::rules::verdict::{Admission, Block, Decision, Delivery, Route};
use crate::workspace::Workspace;

/// What RudderStack reads of an event: its consent and its integrations object.
struct Read {
    consent: EventConsent,
    integrations: Option<Value>,
}

impl Read {
    fn of(ev: &Doc) -> Self {
        let (cm, integrations) = match ev.tree() {
            Tree::InPlace(n) => (
                walk(n, &["context", "consentManagement"]),
                walk(n, &["integrations"]),
            ),
            Tree::Built(v) => (
                walk(&v, &["context", "consentManagement"]),
                walk(&v, &["integrations"]),
            ),
        };
        let consent = cm.map_or_else(EventConsent::default, |cm| {
            EventConsent::of(&serde_json::json!({"context": {"consentManagement": cm}}))
        });
        Self {
            consent,
            integrations,
        }
    }
}

/// What an event says in `context.consentManagement`, as RudderStack reads it.
pub fn event_consent(ev: &Doc) -> EventConsent {
    Read::of(ev).consent
}

fn walk<'a, N: Json<'a>>(n: N, path: &[&str]) -> Option<Value> {
    path.iter()
        .try_fold(n, |n, k| n.member(k))
        .map(Json::to_value)
}

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
            Route {
                destination: d,
                decision,
                mode,
                removed: Vec::new(),
                mappings: Vec::new(),
                vendor: ws.dialect(),
            }
        })
        .collect()
}
