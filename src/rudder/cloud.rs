//! Cloud mode: which destinations rudder-server's processor keeps for an event, as
//! `getConsentFilteredDestinations` in `processor/consent.go` decides it (read at commit
//! 07e61951eb8b7fc3a00512beef8331028fe0ed6b of rudderlabs/rudder-server).
//!
//! Only the event's `deniedConsentIds` count (its `allowedConsentIds` are read and unused).
//! A destination's generic config for the event's provider (`consentManagement`) wins; the
//! `custom` provider takes the strategy from the destination, every other from the event;
//! `or` drops only when every configured id is denied, anything else (`and`, none, unknown)
//! drops when any is. Without a generic config, legacy OneTrust categories (provider absent or
//! `oneTrust`) behave as `and`, then legacy Ketch purposes (absent or `ketch`) as `or`. A
//! destination with none of these receives the event.

use serde_json::Value;

/// What an event says in `context.consentManagement`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventConsent {
    /// `""` when absent, as the server reads it.
    pub provider: String,
    pub resolution_strategy: String,
    /// Empty ids are dropped, as the server drops them.
    pub denied: Vec<String>,
}

impl EventConsent {
    /// Read from an event; what is missing or of another type reads as empty, as Go's
    /// unmarshalling into the server's struct leaves it (a wrong type fails there too, and the
    /// server then filters nothing).
    pub fn of(event: &Value) -> Self {
        let Some(cm) = event.pointer("/context/consentManagement") else {
            return Self::default();
        };
        let text = |k: &str| cm.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
        let denied = match cm.get("deniedConsentIds") {
            Some(Value::Array(ids)) if ids.iter().all(Value::is_string) => ids
                .iter()
                .filter_map(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
            _ => Vec::new(),
        };
        Self {
            provider: text("provider"),
            resolution_strategy: text("resolutionStrategy"),
            denied,
        }
    }
}

/// One provider's entry in a destination's `consentManagement`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderConsents {
    pub provider: String,
    pub resolution_strategy: String,
    pub consents: Vec<String>,
}

/// A destination's consent config, as the server keeps it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DestinationConsent {
    pub generic: Vec<ProviderConsents>,
    pub one_trust: Vec<String>,
    pub ketch: Vec<String>,
}

impl DestinationConsent {
    /// Read from a destination's `config`: entries without a provider or without a non-empty
    /// consent are left out, as the server leaves them out.
    pub fn of(config: &Value) -> Self {
        let ids = |list: Option<&Value>, key: &str| -> Vec<String> {
            list.and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|x| x.get(key)?.as_str())
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect()
        };
        let generic = config
            .get("consentManagement")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|p| {
                let provider = p.get("provider")?.as_str()?.to_owned();
                let consents = ids(p.get("consents"), "consent");
                (!provider.is_empty() && !consents.is_empty()).then(|| ProviderConsents {
                    provider,
                    resolution_strategy: p
                        .get("resolutionStrategy")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_owned(),
                    consents,
                })
            })
            .collect();
        Self {
            generic,
            one_trust: ids(
                config.get("oneTrustCookieCategories"),
                "oneTrustCookieCategory",
            ),
            ketch: ids(config.get("ketchConsentPurposes"), "purpose"),
        }
    }
}

/// Which rule decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rule {
    /// The event denies nothing: every destination receives it.
    NothingDenied,
    /// The destination's config for the event's provider, with the strategy applied.
    Generic { provider: String, any: bool },
    /// Legacy `oneTrustCookieCategories`: dropped when any is denied.
    LegacyOneTrust,
    /// Legacy `ketchConsentPurposes`: dropped when every one is denied.
    LegacyKetch,
    /// No consent config applies to this event's provider.
    NotConfigured,
}

/// The server's verdict for one destination, and the ids it rests on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub delivered: bool,
    pub rule: Rule,
    /// The configured ids the event denies.
    pub denied: Vec<String>,
}

/// Whether rudder-server keeps `dest` for an event that says `event`.
pub fn decide(event: &EventConsent, dest: &DestinationConsent) -> Verdict {
    let denied_of = |ids: &[String]| -> Vec<String> {
        ids.iter()
            .filter(|id| event.denied.contains(id))
            .cloned()
            .collect()
    };
    if event.denied.is_empty() {
        return Verdict {
            delivered: true,
            rule: Rule::NothingDenied,
            denied: Vec::new(),
        };
    }
    if let Some(p) = dest.generic.iter().find(|p| p.provider == event.provider) {
        let strategy = if event.provider == "custom" {
            &p.resolution_strategy
        } else {
            &event.resolution_strategy
        };
        let any = strategy == "or";
        let denied = denied_of(&p.consents);
        let delivered = if any {
            denied.len() < p.consents.len()
        } else {
            denied.is_empty()
        };
        return Verdict {
            delivered,
            rule: Rule::Generic {
                provider: p.provider.clone(),
                any,
            },
            denied,
        };
    }
    let legacy = |provider: &str| event.provider.is_empty() || event.provider == provider;
    if legacy("oneTrust") && !dest.one_trust.is_empty() {
        let denied = denied_of(&dest.one_trust);
        return Verdict {
            delivered: denied.is_empty(),
            rule: Rule::LegacyOneTrust,
            denied,
        };
    }
    if legacy("ketch") && !dest.ketch.is_empty() {
        let denied = denied_of(&dest.ketch);
        return Verdict {
            delivered: denied.len() < dest.ketch.len(),
            rule: Rule::LegacyKetch,
            denied,
        };
    }
    Verdict {
        delivered: true,
        rule: Rule::NotConfigured,
        denied: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn event(cm: &Value) -> EventConsent {
        EventConsent::of(&json!({"context": {"consentManagement": cm}}))
    }

    fn generic(provider: &str, strategy: &str, ids: &[&str]) -> DestinationConsent {
        DestinationConsent::of(&json!({"consentManagement": [{
            "provider": provider,
            "resolutionStrategy": strategy,
            "consents": ids.iter().map(|c| json!({"consent": c})).collect::<Vec<_>>(),
        }]}))
    }

    #[test]
    fn only_denied_ids_count_so_an_id_in_neither_list_passes() {
        let d = generic("oneTrust", "", &["C0001", "C0004"]);
        let e = event(
            &json!({"provider": "oneTrust", "allowedConsentIds": ["C0001"],
            "deniedConsentIds": []}),
        );
        assert_eq!(decide(&e, &d).rule, Rule::NothingDenied);
        // C0004 is neither allowed nor denied: the server keeps the destination.
        let e = event(&json!({"provider": "oneTrust", "resolutionStrategy": "and",
            "allowedConsentIds": ["C0001"], "deniedConsentIds": ["C0002"]}));
        assert!(decide(&e, &d).delivered);
    }

    #[test]
    fn and_drops_on_any_denied_id_and_or_only_when_every_one_is_denied() {
        let d = generic("oneTrust", "or", &["C0001", "C0004"]);
        let and = event(&json!({"provider": "oneTrust", "resolutionStrategy": "and",
            "deniedConsentIds": ["C0004"]}));
        let v = decide(&and, &d);
        assert!(!v.delivered);
        assert_eq!(v.denied, ["C0004"]);
        // Not custom: the event's strategy, not the destination's, decides.
        let or = event(&json!({"provider": "oneTrust", "resolutionStrategy": "or",
            "deniedConsentIds": ["C0004"]}));
        assert!(decide(&or, &d).delivered);
        let all = event(&json!({"provider": "oneTrust", "resolutionStrategy": "or",
            "deniedConsentIds": ["C0004", "C0001"]}));
        assert!(!decide(&all, &d).delivered);
        // No strategy, or one the server does not know, is `and`.
        let none = event(&json!({"provider": "oneTrust", "deniedConsentIds": ["C0004"]}));
        assert!(!decide(&none, &d).delivered);
    }

    #[test]
    fn custom_takes_the_strategy_from_the_destination() {
        let d = generic("custom", "or", &["a", "b"]);
        let e = event(&json!({"provider": "custom", "resolutionStrategy": "and",
            "deniedConsentIds": ["a"]}));
        assert!(decide(&e, &d).delivered);
        let d = generic("custom", "and", &["a", "b"]);
        assert!(!decide(&e, &d).delivered);
    }

    #[test]
    fn legacy_one_trust_is_and_and_legacy_ketch_is_or() {
        let ot = DestinationConsent::of(&json!({"oneTrustCookieCategories": [
            {"oneTrustCookieCategory": "C0002"}, {"oneTrustCookieCategory": "C0004"}]}));
        let ketch = DestinationConsent::of(&json!({"ketchConsentPurposes": [
            {"purpose": "analytics"}, {"purpose": "ads"}]}));
        let e = event(&json!({"deniedConsentIds": ["C0004", "ads"]}));
        assert_eq!(
            decide(&e, &ot),
            Verdict {
                delivered: false,
                rule: Rule::LegacyOneTrust,
                denied: vec!["C0004".into()]
            }
        );
        assert!(decide(&e, &ketch).delivered);
        let e = event(&json!({"deniedConsentIds": ["analytics", "ads"]}));
        assert!(!decide(&e, &ketch).delivered);
        // Another provider's event does not reach the legacy configs.
        let e = event(&json!({"provider": "ketch", "deniedConsentIds": ["C0004"]}));
        assert_eq!(decide(&e, &ot).rule, Rule::NotConfigured);
    }

    #[test]
    fn a_generic_config_for_another_provider_or_none_at_all_delivers() {
        let d = generic("ketch", "", &["ads"]);
        let e = event(&json!({"provider": "oneTrust", "deniedConsentIds": ["ads"]}));
        assert_eq!(decide(&e, &d).rule, Rule::NotConfigured);
        assert!(decide(&e, &DestinationConsent::default()).delivered);
        // Empty ids and entries without a provider are left out of the config.
        let d = DestinationConsent::of(&json!({"consentManagement": [
            {"provider": "", "consents": [{"consent": "x"}]},
            {"provider": "oneTrust", "consents": [{"consent": ""}]}]}));
        assert_eq!(d, DestinationConsent::default());
        // Denied ids that are empty strings are dropped before anything is decided.
        let e = event(&json!({"provider": "oneTrust", "deniedConsentIds": [""]}));
        assert_eq!(
            decide(&e, &generic("oneTrust", "", &["C1"])).rule,
            Rule::NothingDenied
        );
    }
}
