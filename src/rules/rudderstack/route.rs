//! Routing one event under RudderStack's rules: the integrations object first, then consent,
//! each destination decided by whoever sends it events (the server in cloud mode, the browser
//! SDK in device and hybrid mode). RudderStack's server does not deduplicate by default
//! (`Dedup.enableDedup` is false in `processor.go`), so a repeated messageId is routed again.

use serde_json::Value;

use super::{EventConsent, Verdict, cloud, device, integrations};
use crate::read::event::{Doc, Json, Tree};
use crate::rules::verdict::{Admission, Block, Decision, Delivery, Mode, Route};
use crate::workspace::Workspace;
use crate::workspace::dialect::Dialect;
use crate::workspace::rudder::RudderMode;

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
            let dest = &ws.destinations[d];
            let settings = dest.rudder.as_deref();
            let device = settings.is_some_and(|s| s.mode != RudderMode::Cloud);
            let decision = match (&read, settings) {
                (None, _) => Decision::Block(Block::NotIngested),
                // A destination from Segment's shapes has no RudderStack settings: it names
                // no consent ids RudderStack could read.
                (Some(_), None) => Decision::Deliver(Delivery::NotConfigured),
                (Some(r), Some(s)) => decide(ws, r, s, device),
            };
            Route {
                destination: d,
                decision,
                mode: if device { Mode::Device } else { Mode::Cloud },
                removed: Vec::new(),
                mappings: Vec::new(),
                vendor: Dialect::RudderStack,
            }
        })
        .collect()
}

fn decide(
    ws: &Workspace,
    read: &Read,
    dest: &crate::workspace::rudder::RudderDestination,
    device: bool,
) -> Decision {
    let removed = if device {
        integrations::sdk(read.integrations.as_ref(), &dest.display_name)
    } else {
        integrations::server(read.integrations.as_ref(), &dest.display_name)
    };
    if let Some(removed) = removed {
        return Decision::Block(Block::Integrations(removed));
    }
    if !read.consent.present {
        return Decision::Deliver(Delivery::NoConsent);
    }
    let verdict = if device {
        device::decide(&read.consent, &dest.consent)
    } else {
        cloud::decide(&read.consent, &dest.consent)
    };
    match verdict {
        // The SDK found no allowed list: its consent manager never initialised.
        Verdict::NothingToEnforce if device => Decision::Deliver(Delivery::NoConsent),
        Verdict::NothingToEnforce => Decision::Deliver(Delivery::NothingDenied),
        Verdict::NotConfigured => Decision::Deliver(Delivery::NotConfigured),
        Verdict::Allowed(rule) => Decision::Deliver(Delivery::Allowed(rule)),
        // Every configured id is one of the workspace's categories (`settings::rudder`).
        Verdict::Denied { rule, ids } => Decision::Block(Block::ConsentDenied {
            rule,
            ids: ids.iter().filter_map(|id| ws.lookup(id.trim())).collect(),
        }),
    }
}
