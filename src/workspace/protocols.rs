//! Protocols: a source's schema settings and the tracking plan connected to it, in the shapes
//! Segment's Public API gives them. The settings are the source's (`GET
//! /sources/{id}/settings`, `SourceSettingsOutputV1`: `track`, `identify`, `group`,
//! `forwardingBlockedEventsTo`, `forwardingViolationsTo`); the plan is its rules (`GET
//! /tracking-plans/{id}/rules`, `RuleV1`: `type`, `key`, `jsonSchema`, `version`). Each rule's
//! JSON Schema is compiled once, as draft-07 (`protocols/tracking-plan/create.md`), by the
//! `jsonschema` crate; remote `$ref`s are never fetched, and `pattern` uses the `regex` engine,
//! which like Segment's refuses look-around ("Negative lookahead regexes (`?!`) aren't
//! supported").

use std::sync::Arc;

use serde::Deserialize;
use serde_json::Value;

use crate::text::printable;

/// What a common JSON Schema violation does to a call (`commonEventOnViolations`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
pub enum OnViolation {
    #[default]
    #[serde(rename = "ALLOW", alias = "Allow", alias = "allow")]
    Allow,
    #[serde(rename = "BLOCK", alias = "Block", alias = "block")]
    Block,
    /// `OMIT_PROPERTIES` for track, `OMIT_TRAITS` for identify and group.
    #[serde(rename = "OMIT_PROPERTIES", alias = "OMIT_TRAITS", alias = "OMIT")]
    Omit,
}

impl OnViolation {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Allow => "ALLOW",
            Self::Block => "BLOCK",
            Self::Omit => "OMIT",
        }
    }
}

fn yes() -> bool {
    true
}

/// `track`: Segment's defaults allow everything.
// Four switches, because the Public API's `track` settings are four booleans and a mode.
#[allow(clippy::struct_excessive_bools)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TrackSettings {
    #[serde(default = "yes")]
    pub allow_unplanned_events: bool,
    #[serde(default = "yes")]
    pub allow_unplanned_event_properties: bool,
    #[serde(default = "yes")]
    pub allow_event_on_violations: bool,
    #[serde(default = "yes")]
    pub allow_properties_on_violations: bool,
    #[serde(default)]
    pub common_event_on_violations: OnViolation,
}

impl Default for TrackSettings {
    fn default() -> Self {
        Self {
            allow_unplanned_events: true,
            allow_unplanned_event_properties: true,
            allow_event_on_violations: true,
            allow_properties_on_violations: true,
            common_event_on_violations: OnViolation::Allow,
        }
    }
}

/// `identify` and `group`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TraitSettings {
    #[serde(default = "yes")]
    pub allow_unplanned_traits: bool,
    #[serde(default = "yes")]
    pub allow_traits_on_violations: bool,
    #[serde(default)]
    pub common_event_on_violations: OnViolation,
}

impl Default for TraitSettings {
    fn default() -> Self {
        Self {
            allow_unplanned_traits: true,
            allow_traits_on_violations: true,
            common_event_on_violations: OnViolation::Allow,
        }
    }
}

/// The source's schema settings, as the Public API writes them, and where its tracking plan
/// is (our addition: `trackingPlan`, a file beside the settings or the rules themselves).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SchemaSettings {
    #[serde(default)]
    pub track: TrackSettings,
    #[serde(default)]
    pub identify: TraitSettings,
    #[serde(default)]
    pub group: TraitSettings,
    pub forwarding_blocked_events_to: Option<String>,
    pub forwarding_violations_to: Option<String>,
    /// The source's id, which Segment writes in `context.protocols.sourceId`.
    pub source_id: Option<String>,
    pub tracking_plan: Option<Value>,
}

impl SchemaSettings {
    /// Each setting that decides, by its Public API path (`track.allowUnplannedEvents`), with
    /// its value as written there: what a diff compares.
    pub fn flat(&self) -> Vec<(&'static str, String)> {
        let t = &self.track;
        let mut out = vec![
            (
                "track.allowUnplannedEvents",
                t.allow_unplanned_events.to_string(),
            ),
            (
                "track.allowUnplannedEventProperties",
                t.allow_unplanned_event_properties.to_string(),
            ),
            (
                "track.allowEventOnViolations",
                t.allow_event_on_violations.to_string(),
            ),
            (
                "track.allowPropertiesOnViolations",
                t.allow_properties_on_violations.to_string(),
            ),
            (
                "track.commonEventOnViolations",
                t.common_event_on_violations.as_str().to_owned(),
            ),
        ];
        for (names, g) in [
            (
                [
                    "identify.allowUnplannedTraits",
                    "identify.allowTraitsOnViolations",
                    "identify.commonEventOnViolations",
                ],
                &self.identify,
            ),
            (
                [
                    "group.allowUnplannedTraits",
                    "group.allowTraitsOnViolations",
                    "group.commonEventOnViolations",
                ],
                &self.group,
            ),
        ] {
            out.push((names[0], g.allow_unplanned_traits.to_string()));
            out.push((names[1], g.allow_traits_on_violations.to_string()));
            out.push((names[2], g.common_event_on_violations.as_str().to_owned()));
        }
        out
    }
}

impl Protocols {
    /// The block in our settings shape, its tracking plan's rules in place: what `own.rs`
    /// reads back to the same Protocols.
    pub fn to_json(&self) -> Value {
        let mut out = serde_json::Map::new();
        for (path, value) in self.settings.flat() {
            let (section, key) = path.split_once('.').unwrap_or(("", path));
            let v = match value.as_str() {
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                other => Value::from(other),
            };
            let slot = out
                .entry(section)
                .or_insert_with(|| Value::Object(serde_json::Map::new()));
            slot[key] = v;
        }
        for (key, v) in [
            (
                "forwardingBlockedEventsTo",
                &self.settings.forwarding_blocked_events_to,
            ),
            (
                "forwardingViolationsTo",
                &self.settings.forwarding_violations_to,
            ),
            ("sourceId", &self.settings.source_id),
        ] {
            if let Some(v) = v {
                out.insert(key.into(), Value::from(v.as_str()));
            }
        }
        if let Some(plan) = &self.plan {
            let rules: Vec<Value> = plan
                .rules
                .iter()
                .map(|r| {
                    let mut m = serde_json::json!({"type": r.kind.as_str(), "version": r.version, "jsonSchema": r.schema});
                    if let Some(k) = &r.key {
                        m["key"] = Value::from(k.as_str());
                    }
                    m
                })
                .collect();
            out.insert("trackingPlan".into(), serde_json::json!({"rules": rules}));
        }
        Value::Object(out)
    }
}

/// Which calls a rule is for (`RuleV1.type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum RuleKind {
    Track,
    Identify,
    Group,
    Page,
    Screen,
    Common,
}

impl RuleKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Track => "TRACK",
            Self::Identify => "IDENTIFY",
            Self::Group => "GROUP",
            Self::Page => "PAGE",
            Self::Screen => "SCREEN",
            Self::Common => "COMMON",
        }
    }
}

/// One rule of the tracking plan, its schema compiled.
#[derive(Debug, Clone)]
pub struct Rule {
    pub kind: RuleKind,
    /// The event's name for a track rule (a page's for page and screen rules).
    pub key: Option<String>,
    pub version: u64,
    pub schema: Value,
    pub validator: jsonschema::Validator,
    /// The names the schema plans under `properties` (track) or `traits` (identify, group):
    /// the others are unplanned.
    pub planned: Vec<String>,
}

impl Rule {
    /// `TRACK "Order Completed" v2`, `COMMON`: how messages name the rule.
    pub fn label(&self) -> String {
        match &self.key {
            Some(k) => format!(
                "{} \"{}\" v{}",
                self.kind.as_str(),
                printable(k),
                self.version
            ),
            None if self.kind == RuleKind::Common => "COMMON".to_owned(),
            None => format!("{} v{}", self.kind.as_str(), self.version),
        }
    }
}

/// The tracking plan: its rules, and where it came from.
#[derive(Debug, Clone)]
pub struct TrackingPlan {
    pub rules: Vec<Rule>,
    pub origin: String,
}

impl TrackingPlan {
    /// The rule for a call of `kind` named `key`, at `version` when the plan has it, else its
    /// oldest (`create.md`: "Protocols validate events against the oldest event version ...
    /// for event payloads that are missing the `context.protocols.event_version` key, or
    /// contain an invalid/undefined event version").
    pub fn rule(&self, kind: RuleKind, key: Option<&str>, version: Option<u64>) -> Option<&Rule> {
        let candidates = || {
            self.rules
                .iter()
                .filter(move |r| r.kind == kind && (key.is_none() || r.key.as_deref() == key))
        };
        version
            .and_then(|v| candidates().find(|r| r.version == v))
            .or_else(|| candidates().min_by_key(|r| r.version))
    }

    /// The common JSON Schema, if the plan has one.
    pub fn common(&self) -> Option<&Rule> {
        self.rules.iter().find(|r| r.kind == RuleKind::Common)
    }
}

/// A source's Protocols: its settings and its tracking plan.
#[derive(Debug, Clone, Default)]
pub struct Protocols {
    pub settings: SchemaSettings,
    pub plan: Option<Arc<TrackingPlan>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RuleText {
    #[serde(rename = "type")]
    kind: RuleKind,
    key: Option<String>,
    json_schema: Option<Value>,
    #[serde(default = "one")]
    version: u64,
}

fn one() -> u64 {
    1
}

/// Why a tracking plan cannot be used, and where (a JSON path into its text).
#[derive(Debug)]
pub struct PlanError {
    pub path: Vec<String>,
    pub message: String,
}

/// The rules of a tracking plan in any of the shapes the Public API writes: the list-rules
/// answer (`{"data": {"rules": [...]}}`), its `data` (`{"rules": [...]}`), or the list alone.
/// Each rule's schema is compiled; one that does not compile is an error naming the rule.
pub fn read_plan(value: &Value, origin: &str) -> Result<TrackingPlan, PlanError> {
    let (list, at): (&Value, Vec<String>) = match value {
        Value::Array(_) => (value, Vec::new()),
        Value::Object(o) if o.get("data").is_some_and(|d| d.get("rules").is_some()) => {
            (&o["data"]["rules"], vec!["data".into(), "rules".into()])
        }
        Value::Object(o) if o.contains_key("rules") => (&o["rules"], vec!["rules".into()]),
        _ => {
            return Err(PlanError {
                path: Vec::new(),
                message: "a tracking plan is its rules as Segment's Public API lists them: {\"data\": {\"rules\": [...]}}, {\"rules\": [...]} or [...]".into(),
            });
        }
    };
    let Value::Array(items) = list else {
        return Err(PlanError {
            path: at,
            message: "rules must be a list".into(),
        });
    };
    let mut rules = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let mut here = at.clone();
        here.push(i.to_string());
        let text = RuleText::deserialize(item).map_err(|e| PlanError {
            path: here.clone(),
            message: format!("rule {}: {e}", i + 1),
        })?;
        if matches!(text.kind, RuleKind::Track) && text.key.is_none() {
            return Err(PlanError {
                path: here,
                message: format!(
                    "rule {}: a TRACK rule needs the event's name as its key",
                    i + 1
                ),
            });
        }
        let schema = text
            .json_schema
            .unwrap_or_else(|| Value::Object(serde_json::Map::default()));
        let validator = compile(&schema).map_err(|e| {
            let mut p = here.clone();
            p.push("jsonSchema".into());
            PlanError {
                path: p,
                message: format!(
                    "rule {} ({}{}): its JSON Schema does not compile: {}",
                    i + 1,
                    text.kind.as_str(),
                    text.key
                        .as_deref()
                        .map(|k| format!(" \"{}\"", printable(k)))
                        .unwrap_or_default(),
                    printable(&e)
                ),
            }
        })?;
        let under = match text.kind {
            RuleKind::Identify | RuleKind::Group => "traits",
            _ => "properties",
        };
        let planned = schema
            .pointer(&format!("/properties/{under}/properties"))
            .and_then(Value::as_object)
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default();
        rules.push(Rule {
            kind: text.kind,
            key: text.key,
            version: text.version,
            schema,
            validator,
            planned,
        });
    }
    Ok(TrackingPlan {
        rules,
        origin: origin.to_owned(),
    })
}

/// A schema compiled as Segment reads it: draft-07, formats checked, no remote references,
/// the `regex` engine for patterns.
pub fn compile(schema: &Value) -> Result<jsonschema::Validator, String> {
    options().build(schema).map_err(|e| e.to_string())
}

/// The options `compile` builds with, for the tests that hold them to the official suite.
pub fn options() -> jsonschema::ValidationOptions<'static> {
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft7)
        .should_validate_formats(true)
        .with_pattern_options(jsonschema::PatternOptions::regex())
}
