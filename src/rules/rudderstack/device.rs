//! Device mode: which destinations RudderStack's browser SDK loads, as the consent manager
//! plugins of `@rudderstack/analytics-js` 3.34.1 decide it (`isDestinationConsented` of the
//! OneTrust, Ketch, iubenda and custom plugins, read in the npm package's
//! `dist/npm/modern/bundled/cjs/index.cjs`; the same package is the oracle of
//! `tests/rudderstack.rs`).
//!
//! The SDK reads the ids the user *allows*. Each plugin:
//! - loads everything while its consent manager has not initialised. The event then carries
//!   no ids at all: no `allowedConsentIds`, or both lists empty (what the SDK stamps when the
//!   OneTrust script is missing; a manager initialised with no groups at all would stamp the
//!   same, and is read so too: docs/rules.md, "RudderStack's consent manager that never
//!   initialised");
//! - `custom` and `iubenda`: the destination's `consentManagement` entry for the provider, with
//!   the entry's strategy, else the page's;
//! - `oneTrust` and `ketch`: that entry with the page's strategy; only when the destination has
//!   no `consentManagement` at all, the legacy lists (OneTrust: every category allowed; Ketch:
//!   one purpose allowed);
//! - `or`: one configured id allowed suffices (none configured passes); `and` or anything
//!   else: every one must be allowed. Configured ids are trimmed.
//!
//! The SDK decides when it loads the destinations (and again when `consent()` is called); the
//! event carries the consent it was sent with, which is what is read here.

use super::{EventConsent, Verdict, resolve};
use crate::rules::verdict::Rule;
use crate::workspace::rudder::DestinationConsent;

/// Whether the SDK loads `dest` (and so calls it with the event) for a page whose consent the
/// event carries.
pub fn decide(event: &EventConsent, dest: &DestinationConsent) -> Verdict {
    let Some(allowed) = event
        .allowed
        .as_ref()
        .filter(|a| event.present && !(a.is_empty() && event.denied.is_empty()))
    else {
        return Verdict::NothingToEnforce;
    };
    let ok = |id: &str| allowed.iter().any(|a| a == id);
    let trimmed = |ids: &[String]| -> Vec<String> {
        ids.iter()
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect()
    };
    let decide_ids = |rule: Rule, ids: &[String]| {
        let ids = trimmed(ids);
        let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
        resolve(rule, &ids, ok)
    };
    let own_strategy = match event.provider.as_str() {
        "custom" | "iubenda" => true,
        "oneTrust" | "ketch" => false,
        // No plugin for it: the SDK's consent manager never initialises.
        _ => return Verdict::NothingToEnforce,
    };
    if dest.has_generic {
        let Some(entry) = dest.generic.iter().find(|p| p.provider == event.provider) else {
            return Verdict::NotConfigured;
        };
        let strategy = if own_strategy {
            entry
                .resolution_strategy
                .as_deref()
                .unwrap_or(&event.resolution_strategy)
        } else {
            &event.resolution_strategy
        };
        return decide_ids(
            Rule::Generic {
                any: strategy == "or",
            },
            &entry.consents,
        );
    }
    match event.provider.as_str() {
        "oneTrust" if !dest.one_trust.is_empty() => {
            decide_ids(Rule::LegacyOneTrust, &dest.one_trust)
        }
        "ketch" if !dest.ketch.is_empty() => decide_ids(Rule::LegacyKetch, &dest.ketch),
        _ => Verdict::NotConfigured,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    fn event(cm: &Value) -> EventConsent {
        EventConsent::of(&json!({"context": {"consentManagement": cm}}))
    }

    #[test]
    fn an_id_neither_allowed_nor_denied_blocks_where_the_server_passes_it() {
        let d = DestinationConsent::of(&json!({"consentManagement": [
            {"provider": "oneTrust", "consents": [{"consent": "C0001"}, {"consent": "C0004"}]}]}));
        let e = event(&json!({"provider": "oneTrust", "resolutionStrategy": "and",
            "allowedConsentIds": ["C0001"], "deniedConsentIds": ["C0002"]}));
        assert_eq!(
            decide(&e, &d),
            Verdict::Denied {
                rule: Rule::Generic { any: false },
                ids: vec!["C0004".into()]
            }
        );
        assert!(super::super::cloud::decide(&e, &d).delivered());
    }

    #[test]
    fn no_allowed_list_or_an_unknown_provider_loads_everything() {
        let d = DestinationConsent::of(&json!({"oneTrustCookieCategories": [
            {"oneTrustCookieCategory": "C0004"}]}));
        let e = event(&json!({"provider": "oneTrust", "deniedConsentIds": ["C0004"]}));
        assert_eq!(decide(&e, &d), Verdict::NothingToEnforce);
        let e = event(&json!({"provider": "didomi", "allowedConsentIds": []}));
        assert_eq!(decide(&e, &d), Verdict::NothingToEnforce);
        // Both lists empty: what the SDK stamps when OneTrust is not on the page.
        let e = event(&json!({"provider": "oneTrust", "allowedConsentIds": [],
            "deniedConsentIds": []}));
        assert_eq!(decide(&e, &d), Verdict::NothingToEnforce);
        let e = event(&json!({"provider": "oneTrust", "allowedConsentIds": [],
            "deniedConsentIds": ["C0002"]}));
        assert!(!decide(&e, &d).delivered());
    }

    #[test]
    fn a_generic_config_hides_the_legacy_lists_from_the_sdk() {
        let d = DestinationConsent::of(&json!({
            "consentManagement": [{"provider": "ketch", "consents": [{"consent": "ads"}]}],
            "oneTrustCookieCategories": [{"oneTrustCookieCategory": "C0004"}]}));
        let e = event(&json!({"provider": "oneTrust", "allowedConsentIds": [],
            "deniedConsentIds": ["C0004"]}));
        assert_eq!(decide(&e, &d), Verdict::NotConfigured);
        // The server falls back to the legacy list and drops it.
        assert!(!super::super::cloud::decide(&e, &d).delivered());
    }

    #[test]
    fn custom_prefers_the_destination_strategy_and_ids_are_trimmed() {
        let d = DestinationConsent::of(&json!({"consentManagement": [{"provider": "custom",
            "resolutionStrategy": "or", "consents": [{"consent": " a "}, {"consent": "b"}]}]}));
        let e = event(&json!({"provider": "custom", "allowedConsentIds": ["a"]}));
        assert_eq!(
            decide(&e, &d),
            Verdict::Allowed(Rule::Generic { any: true })
        );
        let ketch = DestinationConsent::of(&json!({"ketchConsentPurposes": [
            {"purpose": "analytics"}, {"purpose": "ads"}]}));
        let e = event(&json!({"provider": "ketch", "allowedConsentIds": ["ads"]}));
        assert_eq!(decide(&e, &ketch), Verdict::Allowed(Rule::LegacyKetch));
    }
}
