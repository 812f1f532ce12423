//! RudderStack's consent rules, the second dialect (issue 26): what its server decides for
//! cloud-mode destinations (`cloud`), what its browser SDK decides for device-mode ones
//! (`device`), and how an event and a destination say what they need (here).

pub mod chain;
pub mod cloud;
pub mod connection;
pub mod consent;
pub mod device;
pub mod ingest;
pub mod integrations;
pub mod route;

use serde_json::Value;

use crate::read::event::{Doc, Json, Tree};
use crate::rules::verdict::Rule;

/// What an event says in `context.consentManagement`, as both of RudderStack's deciders read
/// it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventConsent {
    /// Whether the event has a `context.consentManagement` object at all.
    pub present: bool,
    /// The server could not unmarshal it (a field of the wrong type): it then reads nothing,
    /// provider and strategy included, and filters nothing.
    pub unreadable: bool,
    /// `""` when absent or not a string.
    pub provider: String,
    pub resolution_strategy: String,
    /// Empty ids (and `null`s) are dropped, as the server drops them.
    pub denied: Vec<String>,
    /// None when absent or not a list of strings: the SDK stamps no list when its consent
    /// manager never initialised, and then loads every destination.
    pub allowed: Option<Vec<String>>,
}

impl EventConsent {
    /// Read from an event, as `getConsentManagementInfo` unmarshals it into the server's struct
    /// (and as the SDK stamped it).
    pub fn of(event: &Value) -> Self {
        let Some(cm) = event
            .pointer("/context/consentManagement")
            .filter(|v| v.is_object())
        else {
            return Self::default();
        };
        let text = |k: &str| cm.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
        // Go fills a string from a string or null, a []string from null or a list of those;
        // anything else fails the whole unmarshalling.
        let text_ok = |k: &str| cm.get(k).is_none_or(|v| v.is_string() || v.is_null());
        let denied = match cm.get("deniedConsentIds") {
            None | Some(Value::Null) => Some(Vec::new()),
            Some(Value::Array(ids)) if ids.iter().all(|i| i.is_string() || i.is_null()) => Some(
                ids.iter()
                    .filter_map(Value::as_str)
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect(),
            ),
            Some(_) => None,
        };
        let allowed = match cm.get("allowedConsentIds") {
            Some(Value::Array(ids)) if ids.iter().all(Value::is_string) => Some(
                ids.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect(),
            ),
            _ => None,
        };
        Self {
            present: true,
            unreadable: denied.is_none() || !text_ok("provider") || !text_ok("resolutionStrategy"),
            provider: text("provider"),
            resolution_strategy: text("resolutionStrategy"),
            denied: denied.unwrap_or_default(),
            allowed,
        }
    }
}

/// What one of RudderStack's deciders does with a destination.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The event says nothing the decider reads: the server finds no denied id, or the SDK
    /// no allowed list (its consent manager never initialised).
    NothingToEnforce,
    /// No consent settings of the destination apply to the event's provider.
    NotConfigured,
    Allowed(Rule),
    /// `ids`: the server's, configured ids the event denies; the SDK's, configured ids the
    /// event does not allow.
    Denied {
        rule: Rule,
        ids: Vec<String>,
    },
}

impl Verdict {
    pub fn delivered(&self) -> bool {
        !matches!(self, Self::Denied { .. })
    }
}

/// `ids` as the resolution strategy reads them: `any`, one of them `ok` suffices (and none
/// configured passes); else every one must be.
fn resolve(rule: Rule, ids: &[&str], ok: impl Fn(&str) -> bool) -> Verdict {
    let any = matches!(rule, Rule::Generic { any: true } | Rule::LegacyKetch);
    let failing: Vec<String> = ids
        .iter()
        .filter(|id| !ok(id))
        .map(|&s| s.to_owned())
        .collect();
    let passes = if any {
        ids.is_empty() || failing.len() < ids.len()
    } else {
        failing.is_empty()
    };
    if passes {
        Verdict::Allowed(rule)
    } else {
        Verdict::Denied { rule, ids: failing }
    }
}

/// What RudderStack reads of an event: its consent and its integrations object.
pub struct Read {
    pub consent: EventConsent,
    pub integrations: Option<Value>,
}

impl Read {
    pub fn of(ev: &Doc) -> Self {
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
