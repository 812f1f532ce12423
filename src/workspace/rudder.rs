//! RudderStack's settings, as its control plane serves them: the source config the browser
//! SDK loads (`{"source": {"destinations": [...]}, "consentManagementMetadata": ...}`) or the
//! workspace config rudder-server reads (`{"sources": [{"destinations": [...]}]}`). Each
//! destination's consent lives in its `config` (`consentManagement`, and the legacy
//! `oneTrustCookieCategories` and `ketchConsentPurposes`). Categories here are the consent ids
//! the destinations name, so that the views written for Segment's categories show them.

use serde_json::Value;

use super::{
    CatIdx, Category, Destination, DestinationKind, MAX_CATEGORIES, PathStep, Problem, Shape,
    Workspace,
};
use crate::rules::rudderstack::{
    DestinationConsent, ProviderConsents, RudderDestination, RudderMode,
};
use crate::rules::translate::PROVIDERS;
use crate::text::printable;
use crate::workspace::dialect::Dialect;

impl Workspace {
    pub(super) fn from_rudder(top: &serde_json::Map<String, Value>) -> Result<Self, Problem> {
        let key = |k: &str| PathStep::Key(k.to_owned());
        let (source, at): (&Value, Vec<PathStep>) = match (top.get("source"), top.get("sources")) {
            (Some(s), _) => (s, vec![key("source")]),
            (None, Some(Value::Array(list))) => {
                // rudder-server routes each source's events to that source's destinations;
                // a file with several is read for its first (our choice, said by `notes`).
                let first = list.first().ok_or_else(|| {
                    Problem::at(vec![key("sources")], "\"sources\" is empty".into())
                })?;
                (first, vec![key("sources"), PathStep::Index(0)])
            }
            _ => {
                return Err(Problem::at(
                    vec![key("sources")],
                    "\"sources\" must be a list of sources".into(),
                ));
            }
        };
        let dests = source
            .get("destinations")
            .and_then(Value::as_array)
            .ok_or_else(|| {
                let mut p = at.clone();
                p.push(key("destinations"));
                Problem::at(p, "a source needs a \"destinations\" list".into())
            })?;
        let mut categories: Vec<Category> = Vec::new();
        let mut destinations: Vec<Destination> = Vec::new();
        for (i, d) in dests.iter().enumerate() {
            let here = |field: &str| {
                let mut p = at.clone();
                p.extend([key("destinations"), PathStep::Index(i), key(field)]);
                p
            };
            // Disabled or deleted destinations receive nothing; they are left out.
            if d.get("enabled") == Some(&Value::Bool(false))
                || d.get("deleted") == Some(&Value::Bool(true))
            {
                continue;
            }
            let display_name = d
                .pointer("/destinationDefinition/displayName")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned();
            let name = d
                .get("name")
                .and_then(Value::as_str)
                .filter(|n| !n.trim().is_empty())
                .unwrap_or(&display_name)
                .to_owned();
            if name.trim().is_empty() {
                return Err(Problem::at(
                    here("name"),
                    "destination has neither a name nor a destinationDefinition.displayName".into(),
                ));
            }
            if destinations.iter().any(|e| e.name == name) {
                let m = format!("duplicate destination name \"{}\"", printable(&name));
                return Err(Problem::at(here("name"), m));
            }
            let config = d.get("config").cloned().unwrap_or(Value::Null);
            let consent = DestinationConsent::of(&config);
            let mut idxs: Vec<CatIdx> = Vec::new();
            for id in consent.ids() {
                let idx = match categories.iter().position(|c| c.id == id) {
                    Some(i) => i,
                    None if categories.len() == MAX_CATEGORIES => {
                        let m = format!(
                            "more than {MAX_CATEGORIES} distinct consent ids; this tool supports at most {MAX_CATEGORIES}"
                        );
                        return Err(Problem::at(here("config"), m));
                    }
                    None => {
                        categories.push(Category {
                            id: id.to_owned(),
                            name: id.to_owned(),
                            enabled: true,
                        });
                        categories.len() - 1
                    }
                };
                idxs.push(idx as CatIdx);
            }
            let mode = RudderMode::of(&config);
            let id = d
                .get("id")
                .and_then(Value::as_str)
                .map_or_else(|| format!("dest-{}", i + 1), str::to_owned);
            destinations.push(event_stream(
                name,
                idxs,
                Some(RudderDestination {
                    id,
                    display_name,
                    consent,
                    mode,
                }),
            ));
        }
        let mut ws = Self::assemble(categories, destinations, Shape::RudderStack);
        ws.rudder_metadata = top.get("consentManagementMetadata").cloned();
        Ok(ws)
    }

    /// The workspace as RudderStack's control plane serves a source's config to its SDK
    /// (`GET /sourceConfig`), for the source with `write_key`: each device-mode (or hybrid)
    /// destination's consent settings and connection mode (the rest of its config is not
    /// kept). Cloud-mode destinations are left out: the SDK (3.34.1) loads every supported
    /// destination it is served, whatever its `connectionMode`, and these are the server's to
    /// send. A workspace in Segment's shape is translated first.
    pub fn to_rudder_source_config(&self, write_key: &str) -> Value {
        let translated;
        let ws = if self.dialect() == Dialect::RudderStack {
            self
        } else {
            translated = self.clone().into_dialect(Dialect::RudderStack).0;
            &translated
        };
        let destinations: Vec<Value> = ws
            .destinations
            .iter()
            .filter_map(|d| {
                let r = d.rudder.as_ref().filter(|r| r.mode != RudderMode::Cloud)?;
                let mut config = r.consent.to_config();
                config.insert("connectionMode".into(), Value::from(r.mode.as_str()));
                Some(serde_json::json!({
                    "id": r.id,
                    "name": d.name,
                    "enabled": true,
                    "deleted": false,
                    "config": config,
                    "destinationDefinition": {"name": r.display_name, "displayName": r.display_name},
                    "areTransformationsConnected": false,
                    "shouldApplyDeviceModeTransformation": false,
                    "propagateEventsUntransformedOnError": false,
                }))
            })
            .collect();
        let mut out = serde_json::json!({
            "isHosted": false,
            "source": {
                "id": "consent-inspector",
                "name": "consent-inspector listen",
                "writeKey": write_key,
                "enabled": true,
                "config": {},
                "workspaceId": "consent-inspector",
                "destinations": destinations,
            },
        });
        if let Some(m) = &ws.rudder_metadata {
            out["consentManagementMetadata"] = m.clone();
        }
        out
    }
}

impl Workspace {
    /// This workspace under `dialect`'s rules: a copy when it already is, else translated as
    /// `rudder::translate` says, with notes on what does not carry over.
    pub fn into_dialect(self, dialect: Dialect) -> (Workspace, Vec<String>) {
        if self.dialect() == dialect {
            return (self, Vec::new());
        }
        let (mut ws, notes) = match dialect {
            Dialect::RudderStack => self.to_rudder(),
            Dialect::Segment => self.to_segment(),
        };
        ws.origin = format!(
            "{} (translated to {}'s rules)",
            self.origin,
            dialect.vendor()
        );
        ws.external_ids.clone_from(&self.external_ids);
        (ws, notes)
    }

    fn to_rudder(&self) -> (Workspace, Vec<String>) {
        let mut notes = Vec::new();
        let categories: Vec<Category> = self
            .categories
            .iter()
            .filter(|c| c.enabled)
            .map(|c| Category {
                id: c.id.clone(),
                name: c.name.clone(),
                enabled: true,
            })
            .collect();
        let destinations = self
            .destinations
            .iter()
            .enumerate()
            .map(|(i, d)| {
                let ids: Vec<String> = d
                    .categories
                    .iter()
                    .map(|&c| self.category(c))
                    .filter(|c| c.enabled)
                    .map(|c| c.id.clone())
                    .collect();
                if !d.kind.enforces_consent() {
                    notes.push(format!(
                        "\"{}\" is {} in Segment, which does not enforce consent; RudderStack has no such exemption, so its categories are enforced",
                        printable(&d.name),
                        d.kind.as_str()
                    ));
                }
                if !d.filters.is_empty() || d.mappings.is_some() {
                    notes.push(format!(
                        "\"{}\": destination filters and Actions mappings are Segment's and are not translated",
                        printable(&d.name)
                    ));
                }
                let generic = if ids.is_empty() {
                    Vec::new()
                } else {
                    PROVIDERS
                        .iter()
                        .map(|p| ProviderConsents {
                            provider: (*p).to_owned(),
                            resolution_strategy: Some("and".into()),
                            consents: ids.clone(),
                        })
                        .collect()
                };
                let cats = ids
                    .iter()
                    .filter_map(|id| categories.iter().position(|c| &c.id == id))
                    .map(|i| i as CatIdx)
                    .collect();
                let consent = DestinationConsent {
                    has_generic: !generic.is_empty(),
                    generic,
                    one_trust: Vec::new(),
                    ketch: Vec::new(),
                };
                event_stream(
                    d.name.clone(),
                    cats,
                    Some(RudderDestination {
                        id: format!("dest-{}", i + 1),
                        display_name: d.name.clone(),
                        consent,
                        mode: RudderMode::Cloud,
                    }),
                )
            })
            .collect();
        let ws = Self::assemble(categories, destinations, Shape::RudderStack);
        (ws, notes)
    }

    fn to_segment(&self) -> (Workspace, Vec<String>) {
        let mut notes = Vec::new();
        let destinations = self
            .destinations
            .iter()
            .map(|d| {
                let consent = d.rudder.as_ref().map(|r| &r.consent);
                let one_trust = consent.and_then(|c| {
                    c.generic
                        .iter()
                        .rev()
                        .find(|p| p.provider == "oneTrust" && !p.consents.is_empty())
                });
                if let Some(p) = one_trust.filter(|p| p.resolution_strategy.as_deref() == Some("or")) {
                    notes.push(format!(
                        "\"{}\": its OneTrust entry takes one of {} (\"or\"); Segment needs every mapped category",
                        printable(&d.name),
                        printable(&p.consents.join(", "))
                    ));
                }
                let ids: Vec<&str> = match (one_trust, consent) {
                    (Some(p), _) => p.consents.iter().map(|s| s.trim()).collect(),
                    (None, Some(c)) => c.one_trust.iter().map(|s| s.trim()).collect(),
                    (None, None) => Vec::new(),
                };
                let others: Vec<&str> = consent
                    .into_iter()
                    .flat_map(|c| &c.generic)
                    .filter(|p| p.provider != "oneTrust")
                    .map(|p| p.provider.as_str())
                    .chain(consent.filter(|c| !c.ketch.is_empty()).map(|_| "ketch (legacy)"))
                    .collect();
                if !others.is_empty() {
                    notes.push(format!(
                        "\"{}\": consent settings for {} have no Segment equivalent; only its OneTrust ids are mapped",
                        printable(&d.name),
                        printable(&others.join(", "))
                    ));
                }
                let cats = ids
                    .iter()
                    .filter(|id| !id.is_empty())
                    .filter_map(|id| self.lookup(id))
                    .fold(Vec::new(), |mut v: Vec<CatIdx>, c| {
                        if !v.contains(&c) {
                            v.push(c);
                        }
                        v
                    });
                event_stream(d.name.clone(), cats, None)
            })
            .collect();
        let ws = Self::assemble(self.categories.clone(), destinations, Shape::Own);
        (ws, notes)
    }
}

/// A destination with neither filters nor mappings: all RudderStack's have, and all a
/// translation makes.
fn event_stream(
    name: String,
    categories: Vec<CatIdx>,
    rudder: Option<RudderDestination>,
) -> Destination {
    Destination {
        name,
        categories,
        kind: DestinationKind::EventStream,
        filters: Vec::new(),
        mappings: None,
        rudder: rudder.map(Box::new),
    }
}
