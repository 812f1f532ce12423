//! Cloud mode: which destinations rudder-server's processor keeps for an event, as
//! `getConsentFilteredDestinations` in `processor/consent.go` decides it (read at commits
//! 07e61951eb8b7fc3a00512beef8331028fe0ed6b and f2655fbbe of rudderlabs/rudder-server, which
//! decide alike; `tests/rudder_server.rs` holds it to that commit's own test tables).
//!
//! Only the event's `deniedConsentIds` count (its `allowedConsentIds` are read and unused); a
//! `consentManagement` the server cannot unmarshal counts as none.
//! A destination's generic config for the event's provider (`consentManagement`) wins; the
//! `custom` provider takes the strategy from the destination, every other from the event;
//! `or` drops only when every configured id is denied, anything else (`and`, none, unknown)
//! drops when any is. Without a generic config, legacy OneTrust categories (provider absent or
//! `oneTrust`) behave as `and`, then legacy Ketch purposes (absent or `ketch`) as `or`. A
//! destination with none of these receives the event.

use super::{EventConsent, Verdict, resolve};
use crate::rules::verdict::Rule;
use crate::workspace::rudder::DestinationConsent;

/// Whether rudder-server keeps `dest` for an event that says `event`.
pub fn decide(event: &EventConsent, dest: &DestinationConsent) -> Verdict {
    if event.unreadable || event.denied.is_empty() {
        return Verdict::NothingToEnforce;
    }
    let not_denied = |id: &str| !event.denied.iter().any(|d| d == id);
    let entries = dest.server_entries();
    if let Some((_, own, ids)) = entries.iter().find(|(p, ..)| *p == event.provider) {
        let strategy = if event.provider == "custom" {
            *own
        } else {
            event.resolution_strategy.as_str()
        };
        return resolve(
            Rule::Generic {
                any: strategy == "or",
            },
            ids,
            not_denied,
        );
    }
    let legacy = |provider: &str| event.provider.is_empty() || event.provider == provider;
    let one_trust = non_empty(&dest.one_trust);
    if legacy("oneTrust") && !one_trust.is_empty() {
        return resolve(Rule::LegacyOneTrust, &one_trust, not_denied);
    }
    let ketch = non_empty(&dest.ketch);
    if legacy("ketch") && !ketch.is_empty() {
        return resolve(Rule::LegacyKetch, &ketch, not_denied);
    }
    Verdict::NotConfigured
}

/// The ids the server keeps: every non-empty one.
fn non_empty(ids: &[String]) -> Vec<&str> {
    ids.iter()
        .map(String::as_str)
        .filter(|s| !s.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

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

    fn denied(rule: Rule, ids: &[&str]) -> Verdict {
        Verdict::Denied {
            rule,
            ids: ids.iter().map(|&s| s.to_owned()).collect(),
        }
    }

    #[test]
    fn only_denied_ids_count_so_an_id_in_neither_list_passes() {
        let d = generic("oneTrust", "", &["C0001", "C0004"]);
        let e = event(
            &json!({"provider": "oneTrust", "allowedConsentIds": ["C0001"],
            "deniedConsentIds": []}),
        );
        assert_eq!(decide(&e, &d), Verdict::NothingToEnforce);
        // C0004 is neither allowed nor denied: the server keeps the destination.
        let e = event(&json!({"provider": "oneTrust", "resolutionStrategy": "and",
            "allowedConsentIds": ["C0001"], "deniedConsentIds": ["C0002"]}));
        assert_eq!(
            decide(&e, &d),
            Verdict::Allowed(Rule::Generic { any: false })
        );
    }

    #[test]
    fn and_drops_on_any_denied_id_and_or_only_when_every_one_is_denied() {
        let d = generic("oneTrust", "or", &["C0001", "C0004"]);
        let and = event(&json!({"provider": "oneTrust", "resolutionStrategy": "and",
            "deniedConsentIds": ["C0004"]}));
        assert_eq!(
            decide(&and, &d),
            denied(Rule::Generic { any: false }, &["C0004"])
        );
        // Not custom: the event's strategy, not the destination's, decides.
        let or = event(&json!({"provider": "oneTrust", "resolutionStrategy": "or",
            "deniedConsentIds": ["C0004"]}));
        assert!(decide(&or, &d).delivered());
        let all = event(&json!({"provider": "oneTrust", "resolutionStrategy": "or",
            "deniedConsentIds": ["C0004", "C0001"]}));
        assert_eq!(
            decide(&all, &d),
            denied(Rule::Generic { any: true }, &["C0001", "C0004"])
        );
        // No strategy, or one the server does not know, is `and`.
        let none = event(&json!({"provider": "oneTrust", "deniedConsentIds": ["C0004"]}));
        assert!(!decide(&none, &d).delivered());
    }

    #[test]
    fn custom_takes_the_strategy_from_the_destination() {
        let d = generic("custom", "or", &["a", "b"]);
        let e = event(&json!({"provider": "custom", "resolutionStrategy": "and",
            "deniedConsentIds": ["a"]}));
        assert!(decide(&e, &d).delivered());
        let d = generic("custom", "and", &["a", "b"]);
        assert!(!decide(&e, &d).delivered());
    }

    #[test]
    fn legacy_one_trust_is_and_and_legacy_ketch_is_or() {
        let ot = DestinationConsent::of(&json!({"oneTrustCookieCategories": [
            {"oneTrustCookieCategory": "C0002"}, {"oneTrustCookieCategory": "C0004"}]}));
        let ketch = DestinationConsent::of(&json!({"ketchConsentPurposes": [
            {"purpose": "analytics"}, {"purpose": "ads"}]}));
        let e = event(&json!({"deniedConsentIds": ["C0004", "ads"]}));
        assert_eq!(decide(&e, &ot), denied(Rule::LegacyOneTrust, &["C0004"]));
        assert_eq!(decide(&e, &ketch), Verdict::Allowed(Rule::LegacyKetch));
        let e = event(&json!({"deniedConsentIds": ["analytics", "ads"]}));
        assert!(!decide(&e, &ketch).delivered());
        // Another provider's event does not reach the legacy configs.
        let e = event(&json!({"provider": "ketch", "deniedConsentIds": ["C0004"]}));
        assert_eq!(decide(&e, &ot), Verdict::NotConfigured);
    }

    #[test]
    fn a_generic_config_for_another_provider_or_none_at_all_delivers() {
        let d = generic("ketch", "", &["ads"]);
        let e = event(&json!({"provider": "oneTrust", "deniedConsentIds": ["ads"]}));
        assert_eq!(decide(&e, &d), Verdict::NotConfigured);
        assert!(decide(&e, &DestinationConsent::default()).delivered());
        // Entries without a provider or without a non-empty id are left out.
        let d = DestinationConsent::of(&json!({"consentManagement": [
            {"provider": "", "consents": [{"consent": "ads"}]},
            {"provider": "oneTrust", "consents": [{"consent": ""}]}]}));
        assert_eq!(decide(&e, &d), Verdict::NotConfigured);
        // Denied ids that are empty strings are dropped before anything is decided.
        let e = event(&json!({"provider": "oneTrust", "deniedConsentIds": [""]}));
        assert_eq!(
            decide(&e, &generic("oneTrust", "", &["C1"])),
            Verdict::NothingToEnforce
        );
    }

    #[test]
    fn the_last_entry_for_a_provider_is_the_one_the_server_keeps() {
        let d = DestinationConsent::of(&json!({"consentManagement": [
            {"provider": "oneTrust", "consents": [{"consent": "C1"}]},
            {"provider": "oneTrust", "consents": [{"consent": "C2"}]}]}));
        let e = event(&json!({"provider": "oneTrust", "deniedConsentIds": ["C1"]}));
        assert!(decide(&e, &d).delivered());
    }
}
