//! RudderStack's consent rules, the second dialect (issue 26): what its server decides for
//! cloud-mode destinations (`cloud`), what its browser SDK decides for device-mode ones
//! (`device`), and how an event and a destination say what they need (here).

pub mod cloud;
pub mod device;
pub mod integrations;
pub mod route;
pub mod validate;

use serde_json::Value;

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

/// Which of a destination's consent settings decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Rule {
    /// The destination's `consentManagement` entry for the event's provider; `any`: the `or`
    /// strategy (one configured id suffices), else `and` (every one is needed).
    Generic { any: bool },
    /// Legacy `oneTrustCookieCategories`: every one is needed.
    LegacyOneTrust,
    /// Legacy `ketchConsentPurposes`: one suffices.
    LegacyKetch,
}

impl Rule {
    /// The wire word, in NDJSON's `rule`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Generic { any: true } => "consent_management_or",
            Self::Generic { any: false } => "consent_management_and",
            Self::LegacyOneTrust => "one_trust_cookie_categories",
            Self::LegacyKetch => "ketch_consent_purposes",
        }
    }

    /// How the rule reads in RudderStack's words.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Generic { any: true } => "consentManagement, resolution strategy \"or\"",
            Self::Generic { any: false } => "consentManagement, resolution strategy \"and\"",
            Self::LegacyOneTrust => "oneTrustCookieCategories (every category needed)",
            Self::LegacyKetch => "ketchConsentPurposes (one purpose suffices)",
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
