//! What RudderStack's gateway refuses (rudder-server's `gateway/handle.go` and
//! `gateway/response/response.go`, at f2655fbbe: its messages are these), and what it takes but
//! will not read as the sender meant
//! (warnings, ours). Its rules are few: JSON objects, within 4000 KB a request
//! (`Gateway.maxReqSizeInKB`: no line this tool reads is that long, see `LineNotRead`), each
//! with a `userId` or an `anonymousId` that is not empty once stringified and trimmed. No messageId, type or event name is checked there, and there is no
//! Consent Preference Updated event to validate.

use serde_json::Value;

use crate::read::input::{Record, RecordError};
use crate::rules::finding::{Code, Finding};
use crate::rules::step::{Scope, Step, no_choice, no_words};
use crate::rules::verdict::{Block, Decision, Route};
use crate::workspace::Workspace;

pub const STEP: Step = Step {
    name: "ingest",
    about: "what RudderStack's gateway refuses: such an event reaches no destination",
    scope: Scope::Event,
    reasons: &["not_ingested"],
    discards: &[],
    choices: &[],
    rests_on: no_choice,
    lint: &[],
    lessons: &[],
    blocked,
    why: no_words,
};

fn blocked(_: &Workspace, r: &Route, name: &str) -> Option<String> {
    (r.decision == Decision::Block(Block::NotIngested))
        .then(|| format!("{name} does not receive it: the event was not ingested."))
}

/// The codes this validator can give.
pub const CODES: [Code; 9] = [
    Code::InvalidJson,
    Code::NotRudderEvent,
    Code::EmptyBatchPayload,
    Code::LineNotRead,
    Code::NonIdentifiableRequest,
    Code::ConsentIdsNotStrings,
    Code::ConsentProviderUnknown,
    Code::ResolutionStrategyUnknown,
    Code::SegmentConsentIgnored,
];

/// The findings for one record under RudderStack's rules.
pub fn validate(record: &Record) -> Vec<Finding> {
    let mut out = Vec::new();
    let ev = match &record.json {
        Ok(d) => d,
        Err(e) => {
            let (code, message) = match e {
                RecordError::InvalidJson(_) => (Code::InvalidJson, format!("invalid json: {e}")),
                RecordError::NotAnObject(_) => (
                    Code::NotRudderEvent,
                    format!("{}: {e}", Code::NotRudderEvent.about()),
                ),
                RecordError::TooLarge { .. } => (Code::LineNotRead, e.to_string()),
                RecordError::EmptyBatch => (
                    Code::EmptyBatchPayload,
                    Code::EmptyBatchPayload.about().to_owned(),
                ),
                // RudderStack's gateway has no count limit (its limit is 4000 KB a request);
                // this tool's own bound on a line's work says it did not decide them.
                RecordError::TooManyEvents { events } => (
                    Code::LineNotRead,
                    format!(
                        "the batch on this line holds {events} events; this tool reads at most {} events of one batch one by one (a bound on a line's work, Segment's limit), so their routes are not decided",
                        crate::read::endpoint::MAX_BATCH_EVENTS
                    ),
                ),
            };
            out.push(Finding::new(code, message, None));
            return out;
        }
    };
    let v = ev.to_value();
    let id = |k: &str| stringified(v.get(k)).trim().to_owned();
    // `extract` and `record` (reverse ETL) events need no id (`isNonIdentifiable`).
    let exempt = matches!(
        v.get("type").and_then(Value::as_str),
        Some("extract" | "record")
    );
    if !exempt && id("userId").is_empty() && id("anonymousId").is_empty() {
        out.push(Finding::new(
            Code::NonIdentifiableRequest,
            format!(
                "{} (both are absent, null, or empty once trimmed)",
                Code::NonIdentifiableRequest.about()
            ),
            Some("userId".into()),
        ));
    }
    if let Some(cm) = v
        .pointer("/context/consentManagement")
        .filter(|c| c.is_object())
    {
        consent_warnings(cm, &mut out);
    } else if v.pointer("/context/consent").is_some_and(Value::is_object) {
        // Segment traffic decided by RudderStack's rules (`--dialect rudderstack`): delivered
        // everywhere as carrying no consent, which must not look like the user's choice.
        out.push(Finding::new(
            Code::SegmentConsentIgnored,
            "this event carries Segment's context.consent, which RudderStack does not read (its consent is context.consentManagement), so it is decided as carrying no consent; route --compare, and V in the UI, decide it by both vendors with its categoryPreferences translated into RudderStack's ids".to_owned(),
            Some("context.consent".into()),
        ));
    }
    out
}

/// A value as rudder-go-kit's `stringify.Any` makes it a string: a string as it is, nothing
/// for null or absent, anything else as JSON.
fn stringified(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

fn consent_warnings(cm: &Value, out: &mut Vec<Finding>) {
    const PATH: &str = "context.consentManagement";
    let strings = |v: &Value| v.as_array().is_some_and(|a| a.iter().all(Value::is_string));
    if let Some(denied) = cm.get("deniedConsentIds").filter(|d| !strings(d)) {
        out.push(Finding::new(
            Code::ConsentIdsNotStrings,
            format!(
                "deniedConsentIds is {}: RudderStack's server cannot read consentManagement and filters nothing",
                crate::text::printable(&crate::text::truncate(&denied.to_string(), 60))
            ),
            Some(format!("{PATH}.deniedConsentIds")),
        ));
    }
    if let Some(p) = cm.get("provider").and_then(Value::as_str) {
        if !p.is_empty() && !crate::rules::translate::PROVIDERS.contains(&p) {
            out.push(Finding::new(
                Code::ConsentProviderUnknown,
                format!(
                    "provider \"{}\": RudderStack's browser SDK has a consent plugin for oneTrust, ketch, iubenda and custom only, and loads every destination without one; its server reads only this provider's consentManagement settings",
                    crate::text::printable(p)
                ),
                Some(format!("{PATH}.provider")),
            ));
        }
    }
    if let Some(s) = cm.get("resolutionStrategy").and_then(Value::as_str) {
        if !matches!(s, "" | "and" | "or") {
            out.push(Finding::new(
                Code::ResolutionStrategyUnknown,
                format!(
                    "resolutionStrategy \"{}\" is neither and nor or: both RudderStack's server and its SDK read it as and",
                    crate::text::printable(s)
                ),
                Some(format!("{PATH}.resolutionStrategy")),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::read::input::{Line, LinePos, records_from_line};

    fn codes(line: &str) -> Vec<&'static str> {
        let mut recs = Vec::new();
        let file: Arc<str> = Arc::from("t.jsonl");
        let pos = LinePos {
            number: 1,
            offset: 0,
        };
        records_from_line(&file, pos, Line::Text(line.as_bytes()), &mut recs);
        recs.iter()
            .flat_map(validate)
            .map(|f| f.code.as_str())
            .collect()
    }

    #[test]
    fn an_empty_user_id_beside_an_anonymous_id_is_fine_and_ids_are_stringified() {
        // What RudderStack's browser SDK sends for an anonymous user.
        assert!(codes(r#"{"type":"track","userId":"","anonymousId":"a1"}"#).is_empty());
        assert!(codes(r#"{"type":"track","userId":0}"#).is_empty());
        assert_eq!(
            codes(r#"{"type":"track","userId":" ","anonymousId":null}"#),
            ["non_identifiable_request"]
        );
        // No event name, no type: the gateway does not look.
        assert!(codes(r#"{"anonymousId":"a1"}"#).is_empty());
        // Reverse ETL records need no id.
        assert!(codes(r#"{"type":"record"}"#).is_empty());
    }

    #[test]
    fn segment_consent_is_said_to_be_ignored() {
        let seg = r#"{"type":"track","userId":"u","context":{"consent":{"categoryPreferences":{"C0002":false}}}}"#;
        assert_eq!(codes(seg), ["segment_consent_ignored"]);
        // Beside RudderStack's own consent, Segment's is simply another key.
        let both = r#"{"type":"track","userId":"u","context":{"consent":{},"consentManagement":{"deniedConsentIds":[]}}}"#;
        assert!(codes(both).is_empty());
    }

    #[test]
    fn refusals_use_the_gateways_words() {
        assert_eq!(codes(r#"{"batch":[]}"#), ["empty_batch_payload"]);
        assert_eq!(codes(r#"{"batch":[1]}"#), ["not_rudder_event"]);
        assert_eq!(codes("{"), ["invalid_json"]);
    }

    #[test]
    fn consent_the_rules_cannot_read_is_warned_about() {
        let line = r#"{"anonymousId":"a","context":{"consentManagement":{"provider":"didomi","resolutionStrategy":"any","deniedConsentIds":"C0004"}}}"#;
        assert_eq!(
            codes(line),
            [
                "consent_ids_not_strings",
                "consent_provider_unknown",
                "resolution_strategy_unknown"
            ]
        );
    }
}
