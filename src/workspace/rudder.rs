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
use crate::text::printable;

/// The providers RudderStack's browser SDK has a consent plugin for.
pub const PROVIDERS: [&str; 4] = ["oneTrust", "ketch", "iubenda", "custom"];

/// One provider's entry in a destination's `consentManagement`, as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderConsents {
    pub provider: String,
    /// None when the entry has none: the SDK then takes the page's.
    pub resolution_strategy: Option<String>,
    /// As written, empty ones included: the server drops empty ids, the SDK trims and then
    /// drops empty ones.
    pub consents: Vec<String>,
}

/// A destination's consent config, as written in its `config`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DestinationConsent {
    /// `consentManagement` is there (the SDK then never reads the legacy lists).
    pub has_generic: bool,
    pub generic: Vec<ProviderConsents>,
    pub one_trust: Vec<String>,
    pub ketch: Vec<String>,
}

impl DestinationConsent {
    /// As a destination's `config` writes it: the inverse of `of`.
    pub fn to_config(&self) -> serde_json::Map<String, Value> {
        let mut c = serde_json::Map::new();
        if self.has_generic {
            let entries: Vec<Value> = self
                .generic
                .iter()
                .map(|p| {
                    let mut e = serde_json::json!({
                        "provider": p.provider,
                        "consents": p.consents.iter().map(|x| serde_json::json!({"consent": x})).collect::<Vec<_>>(),
                    });
                    if let Some(s) = &p.resolution_strategy {
                        e["resolutionStrategy"] = Value::from(s.as_str());
                    }
                    e
                })
                .collect();
            c.insert("consentManagement".into(), Value::Array(entries));
        }
        let list = |ids: &[String], key: &str| -> Value {
            ids.iter().map(|x| serde_json::json!({ key: x })).collect()
        };
        if !self.one_trust.is_empty() {
            c.insert(
                "oneTrustCookieCategories".into(),
                list(&self.one_trust, "oneTrustCookieCategory"),
            );
        }
        if !self.ketch.is_empty() {
            c.insert("ketchConsentPurposes".into(), list(&self.ketch, "purpose"));
        }
        c
    }

    /// Read from a destination's `config`.
    pub fn of(config: &Value) -> Self {
        let ids = |list: Option<&Value>, key: &str| -> Vec<String> {
            list.and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|x| x.get(key)?.as_str())
                .map(str::to_owned)
                .collect()
        };
        let cm = config.get("consentManagement");
        let generic = cm
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|p| {
                Some(ProviderConsents {
                    provider: p.get("provider")?.as_str()?.to_owned(),
                    resolution_strategy: p
                        .get("resolutionStrategy")
                        .and_then(Value::as_str)
                        .map(str::to_owned),
                    consents: ids(p.get("consents"), "consent"),
                })
            })
            .collect();
        Self {
            has_generic: cm.is_some_and(|v| !matches!(v, Value::Null | Value::Bool(false))),
            generic,
            one_trust: ids(
                config.get("oneTrustCookieCategories"),
                "oneTrustCookieCategory",
            ),
            ketch: ids(config.get("ketchConsentPurposes"), "purpose"),
        }
    }

    /// The server's reading of `consentManagement` (`getGenericConsentManagementData`): per
    /// provider, the last entry written with a provider and a non-empty id, its strategy and
    /// its non-empty ids.
    pub fn server_entries(&self) -> Vec<(&str, &str, Vec<&str>)> {
        let mut out: Vec<(&str, &str, Vec<&str>)> = Vec::new();
        for p in self.generic.iter().filter(|p| !p.provider.is_empty()) {
            let ids: Vec<&str> = p
                .consents
                .iter()
                .map(String::as_str)
                .filter(|s| !s.is_empty())
                .collect();
            if ids.is_empty() {
                continue;
            }
            let strategy = p.resolution_strategy.as_deref().unwrap_or("");
            match out.iter_mut().find(|(q, ..)| *q == p.provider) {
                Some(slot) => *slot = (&p.provider, strategy, ids),
                None => out.push((&p.provider, strategy, ids)),
            }
        }
        out
    }

    /// Every consent id the destination names, once each, in the order written.
    pub fn ids(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        let all = self
            .generic
            .iter()
            .flat_map(|p| &p.consents)
            .chain(&self.one_trust)
            .chain(&self.ketch);
        for id in all.map(|s| s.trim()).filter(|s| !s.is_empty()) {
            if !out.contains(&id) {
                out.push(id);
            }
        }
        out
    }
}

/// How a RudderStack destination receives events (`config.connectionMode`, or the older
/// `useNativeSDK` and `useNativeSDKToSend` flags).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RudderMode {
    /// The server sends it events (also when the config says nothing: our choice).
    Cloud,
    /// The browser SDK loads it and calls it.
    Device,
    /// Both: the SDK loads it, the server sends it the events the SDK does not. Decided here
    /// as device mode, the SDK's decision.
    Hybrid,
}

impl RudderMode {
    pub fn of(config: &Value) -> Self {
        let flag = |k: &str| config.get(k) == Some(&Value::Bool(true));
        match config.get("connectionMode").and_then(Value::as_str) {
            Some("hybrid") => Self::Hybrid,
            _ if flag("useNativeSDKToSend") => Self::Hybrid,
            Some("device") => Self::Device,
            Some("cloud") => Self::Cloud,
            _ if flag("useNativeSDK") => Self::Device,
            _ => Self::Cloud,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Cloud => "cloud",
            Self::Device => "device",
            Self::Hybrid => "hybrid",
        }
    }
}

/// What a RudderStack destination carries beyond what every destination has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RudderDestination {
    /// The destination's id in RudderStack's config.
    pub id: String,
    /// The destination definition's display name: the `integrations` object's key for it.
    pub display_name: String,
    pub consent: DestinationConsent,
    pub mode: RudderMode,
}

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
    /// send. For a workspace under RudderStack's rules (`rules::translate::rudder_source_config`
    /// translates one first).
    pub fn to_rudder_source_config(&self, write_key: &str) -> Value {
        let ws = self;
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
        methods: None,
        components: None,
        plugin: None,
        insert_function: None,
        id: None,
        enabled: true,
        actions: None,
    }
}

impl Workspace {
    pub(crate) fn to_rudder(&self) -> (Workspace, Vec<String>) {
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

    pub(crate) fn to_segment(&self) -> (Workspace, Vec<String>) {
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
