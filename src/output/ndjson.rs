//! The NDJSON contract: one object per event, field names fixed (see README).

use std::io::{self, Write};

use serde::Serialize;
use serde_json::Value;

use consent_inspector::engine::{Engine, Outcome};
use consent_inspector::route::{Block, Decision, PreferenceValue};
use consent_inspector::text::write_safe_json;

use super::View;

pub struct Ndjson;

#[derive(Serialize)]
struct Row<'a> {
    file: &'a str,
    line: u64,
    index: Option<u32>,
    #[serde(rename = "type")]
    kind: Option<&'a Value>,
    event: Option<&'a Value>,
    #[serde(rename = "userId")]
    user_id: Option<&'a Value>,
    #[serde(rename = "anonymousId")]
    anonymous_id: Option<&'a Value>,
    #[serde(rename = "messageId")]
    message_id: Option<&'a Value>,
    ingested: bool,
    issues: Vec<Issue<'a>>,
    consent: Option<Consent<'a>>,
    routes: Vec<RouteRow<'a>>,
}

#[derive(Serialize)]
struct Issue<'a> {
    severity: &'static str,
    code: &'static str,
    message: &'a str,
    path: Option<&'a str>,
}

#[derive(Serialize)]
struct Consent<'a> {
    #[serde(rename = "categoryPreferences")]
    category_preferences: &'a Value,
}

#[derive(Serialize)]
struct RouteRow<'a> {
    destination: &'a str,
    decision: &'static str,
    reason: &'static str,
    #[serde(rename = "blockedBy", skip_serializing_if = "Option::is_none")]
    blocked_by: Option<Vec<BlockerRow<'a>>>,
}

#[derive(Serialize)]
struct BlockerRow<'a> {
    category: &'a str,
    name: &'a str,
    value: &'a Value,
}

const FALSE: Value = Value::Bool(false);
const NULL: Value = Value::Null;

impl View for Ndjson {
    fn outcome(&mut self, out: &mut dyn Write, engine: &Engine, o: &Outcome) -> io::Result<()> {
        let ws = engine.workspace();
        let ev = o.event();
        let field = |k: &str| ev.as_ref().and_then(|e| e.get(k));
        let consent = ev
            .as_ref()
            .and_then(|e| e.consent())
            .and_then(|c| c.get("categoryPreferences"))
            .filter(|v| !v.is_null())
            .map(|v| Consent {
                category_preferences: v,
            });
        let row = Row {
            file: &o.origin.file,
            line: o.origin.line,
            index: o.origin.index,
            kind: field("type"),
            event: field("event"),
            user_id: field("userId"),
            anonymous_id: field("anonymousId"),
            message_id: field("messageId"),
            ingested: o.ingested(),
            issues: o
                .findings
                .iter()
                .map(|f| Issue {
                    severity: f.severity().as_str(),
                    code: f.code.as_str(),
                    message: &f.message,
                    path: f.path.as_deref(),
                })
                .collect(),
            consent,
            routes: o
                .routes
                .iter()
                .map(|r| RouteRow {
                    destination: &ws.destinations[r.destination].name,
                    decision: r.decision.verb(),
                    reason: r.decision.reason(),
                    blocked_by: matches!(r.decision, Decision::Block(Block::NotConsented { .. }))
                        .then(|| {
                            r.decision
                                .blocked_by()
                                .iter()
                                .map(|b| {
                                    let c = ws.category(b.category);
                                    BlockerRow {
                                        category: &c.id,
                                        name: &c.name,
                                        value: match &b.value {
                                            PreferenceValue::False => &FALSE,
                                            PreferenceValue::Missing => &NULL,
                                            PreferenceValue::Other(v) => v,
                                        },
                                    }
                                })
                                .collect()
                        }),
                })
                .collect(),
        };
        write_safe_json(&mut *out, &row, false).map_err(io::Error::from)?;
        out.write_all(b"\n")
    }
}
