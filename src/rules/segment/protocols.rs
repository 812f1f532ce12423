//! Segment's Protocols, the second half of the source stage (segment-docs
//! `protocols/enforce/schema-configuration.md`, `protocols/faq.md`; the Public API's
//! `TrackSourceSettingsV1`, `IdentifySourceSettingsV1`, `GroupSourceSettingsV1`): the source's
//! tracking plan judges each call, and its schema settings say what a call the plan does not
//! know, or one that breaks it, becomes. Blocked events are Filtered at Source; omitted
//! properties and traits arrive without them, and Segment writes what it omitted in
//! `context.protocols`.
//!
//! The order is the docs' ("Order of Priority in Blocking Options"): the standard controls
//! (the event's own rule: unplanned events, unplanned properties, violations) first, then the
//! common JSON schema on what they let through. Only unplanned-event blocking reaches device
//! mode ("supported for all device-mode and cloud-mode Analytics.js destinations"); violation
//! blocking and every omission are cloud mode only ("ONLY supported in cloud-mode
//! Destinations").

use serde_json::{Map, Value};

use crate::read::event::{Doc, Kind};
use crate::rules::choices::Choice;
use crate::rules::step::{Scope, Step, Verdicts, no_words, stops_nothing};
use crate::rules::verdict::Control;
use crate::text::printable;
use crate::workspace::Workspace;
use crate::workspace::protocols::{OnViolation, Protocols, Rule, RuleKind, TrackingPlan};

pub const STEP: Step = Step {
    name: "protocols",
    about: "the source's tracking plan and schema settings: a call the plan does not know, or one that breaks it, is blocked, or arrives without what the source omits",
    scope: Scope::Event,
    reasons: &["filtered_at_source"],
    discards: &[
        "unplanned",
        "schema_violation",
        "common_schema_violation",
        "unplanned_and_schema_violation",
    ],
    choices: &[Choice::ProtocolsWords, Choice::ProtocolsOmission],
    rests_on,
    lint: &["tracking_plan_rule_never_satisfied"],
    lessons: &["Protocols: the tracking plan judges every call"],
    // The source step says what any source control did; this one explains the evaluation.
    blocked: stops_nothing,
    why: no_words,
};

/// One way a call breaks a schema, in Segment's words (`context.protocols.violations`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// `Invalid Type`, `Required`, ...
    pub kind: &'static str,
    /// `properties.total`, or `(root)` for the call itself.
    pub field: String,
    pub description: String,
}

/// Which section of the source's settings a call falls under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Call {
    Track,
    Identify,
    Group,
    /// Page and screen rules are validated and reported; no setting blocks or omits on them.
    Named(RuleKind),
}

impl Call {
    fn of(ev: &Doc) -> Option<Self> {
        Some(match ev.kind()? {
            Kind::Track => Self::Track,
            Kind::Identify => Self::Identify,
            Kind::Group => Self::Group,
            Kind::Page => Self::Named(RuleKind::Page),
            Kind::Screen => Self::Named(RuleKind::Screen),
            Kind::Alias => return None,
        })
    }

    /// Where the call's planned fields are: `properties` or `traits`.
    pub fn under(self) -> &'static str {
        match self {
            Self::Identify | Self::Group => "traits",
            _ => "properties",
        }
    }

    /// The settings section's name.
    fn section(self) -> &'static str {
        match self {
            Self::Track => "track",
            Self::Identify => "identify",
            Self::Group => "group",
            Self::Named(k) => k.as_str(),
        }
    }
}

/// What the source's Protocols did with a call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evaluation {
    pub call: Call,
    /// The rule the call was judged by (`TRACK "Order Completed" v2`), None when unplanned.
    pub rule: Option<String>,
    /// What the call's rule found.
    pub violations: Vec<Violation>,
    /// What the common JSON schema found, on the call as the standard controls left it.
    pub common: Vec<Violation>,
    /// The call's properties (or traits) its rule does not plan, as paths.
    pub unplanned: Vec<String>,
    /// The control that blocks it, the setting that says so, and whether device mode is
    /// blocked too (only unplanned events).
    pub blocked: Option<(Control, String, bool)>,
    /// Names of the unplanned properties (traits) the source omits.
    pub omitted: Vec<String>,
    /// Names of the properties (traits) the source omits because they break the rule or
    /// the common schema.
    pub omitted_on_violation: Vec<String>,
    /// The source's id, for `context.protocols.sourceId`.
    pub source_id: Option<String>,
}

impl Evaluation {
    /// Whether the call is outside the tracking plan.
    pub fn unplanned_event(&self) -> bool {
        self.rule.is_none()
    }

    /// The paths the source takes out of the call before any cloud destination
    /// (`properties.coupon`), in order.
    pub fn removed(&self) -> Vec<String> {
        self.omitted
            .iter()
            .chain(&self.omitted_on_violation)
            .map(|k| crate::rules::finding::join_path(self.call.under(), k))
            .collect()
    }

    /// `context.protocols` as Segment writes it on the call it delivers (segment-docs
    /// `protocols/faq.md`: `omitted`, `omitted_on_violation`, `sourceId`, `violations`);
    /// None when it has nothing to say.
    pub fn context_protocols(&self) -> Option<Value> {
        let all: Vec<&Violation> = self.violations.iter().chain(&self.common).collect();
        if all.is_empty() && self.omitted.is_empty() && self.omitted_on_violation.is_empty() {
            return None;
        }
        let mut m = Map::new();
        if !self.omitted.is_empty() {
            m.insert("omitted".into(), self.omitted.clone().into());
        }
        if !self.omitted_on_violation.is_empty() {
            m.insert(
                "omitted_on_violation".into(),
                self.omitted_on_violation.clone().into(),
            );
        }
        if let Some(id) = &self.source_id {
            m.insert("sourceId".into(), id.clone().into());
        }
        if !all.is_empty() {
            let list = all
                .iter()
                .map(|v| {
                    serde_json::json!({"type": v.kind, "field": v.field, "description": v.description})
                })
                .collect();
            m.insert("violations".into(), Value::Array(list));
        }
        Some(Value::Object(m))
    }
}

/// Judges `ev` by its source's tracking plan; None when the source has none, or for a call
/// Protocols does not judge (alias).
pub fn evaluate(ws: &Workspace, ev: &Doc) -> Option<Evaluation> {
    judge(ws.protocols.as_ref()?, ev)
}

/// The controls a call type's settings set (`Call::Named` has none: reported only): the
/// Public API's switches, one per control.
#[allow(clippy::struct_excessive_bools)]
struct Controls {
    allow_unplanned_event: bool,
    allow_unplanned_fields: bool,
    block_on_violation: bool,
    omit_on_violation: bool,
    common: OnViolation,
}

impl Controls {
    fn of(call: Call, s: &crate::workspace::protocols::SchemaSettings) -> Self {
        match call {
            Call::Track => Self {
                allow_unplanned_event: s.track.allow_unplanned_events,
                allow_unplanned_fields: s.track.allow_unplanned_event_properties,
                block_on_violation: !s.track.allow_event_on_violations,
                omit_on_violation: !s.track.allow_properties_on_violations,
                common: s.track.common_event_on_violations,
            },
            Call::Identify | Call::Group => {
                let t = if call == Call::Identify {
                    &s.identify
                } else {
                    &s.group
                };
                Self {
                    allow_unplanned_event: true,
                    allow_unplanned_fields: t.allow_unplanned_traits,
                    block_on_violation: false,
                    omit_on_violation: !t.allow_traits_on_violations,
                    common: t.common_event_on_violations,
                }
            }
            Call::Named(_) => Self {
                allow_unplanned_event: true,
                allow_unplanned_fields: true,
                block_on_violation: false,
                omit_on_violation: false,
                common: OnViolation::Allow,
            },
        }
    }
}

/// The rule `ev` is judged by: by type, name and `context.protocols.event_version`.
fn rule_of<'p>(
    plan: &'p TrackingPlan,
    call: Call,
    ev: &Doc,
    version: Option<u64>,
) -> Option<&'p Rule> {
    match call {
        Call::Track => plan.rule(RuleKind::Track, Some(&ev.event_name()?), version),
        Call::Identify => plan.rule(RuleKind::Identify, None, version),
        Call::Group => plan.rule(RuleKind::Group, None, version),
        Call::Named(kind) => ev
            .label()
            .and_then(|n| plan.rule(kind, Some(&n), version))
            .or_else(|| {
                plan.rules
                    .iter()
                    .find(|r| r.kind == kind && r.key.is_none())
            }),
    }
}

/// `evaluate`, given the source's Protocols.
pub fn judge(p: &Protocols, ev: &Doc) -> Option<Evaluation> {
    let plan = p.plan.as_deref()?;
    let call = Call::of(ev)?;
    let mut value = ev.to_value();
    let version = value
        .pointer("/context/protocols/event_version")
        .and_then(Value::as_u64);
    let rule = rule_of(plan, call, ev, version);
    let under = call.under();
    let fields: Vec<String> = value
        .get(under)
        .and_then(Value::as_object)
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default();
    // Page and screen rules are planned too, but only reported: their unplanned fields are
    // not the standard controls' business. For the others, no rule plans nothing (the docs:
    // "the entire Tracking Plan has nothing and everything is considered to be unplanned").
    let unplanned_names: Vec<String> = match (call, rule) {
        (Call::Named(_), _) => Vec::new(),
        (_, Some(r)) => fields
            .iter()
            .filter(|f| !r.planned.contains(f))
            .cloned()
            .collect(),
        (_, None) => fields.clone(),
    };
    let mut eval = Evaluation {
        call,
        rule: rule.map(Rule::label),
        violations: rule.map(|r| violations(r, &value)).unwrap_or_default(),
        common: Vec::new(),
        unplanned: unplanned_names
            .iter()
            .map(|k| crate::rules::finding::join_path(under, k))
            .collect(),
        blocked: None,
        omitted: Vec::new(),
        omitted_on_violation: Vec::new(),
        source_id: p.settings.source_id.clone(),
    };
    let c = Controls::of(call, &p.settings);
    let setting = |name: &str| format!("protocols.{}.{name}", call.section());
    // The standard controls.
    if rule.is_none() && !c.allow_unplanned_event {
        eval.common = common_violations(plan.common(), &value);
        let control = if eval.common.is_empty() {
            Control::UnplannedEvent
        } else {
            Control::UnplannedAndSchemaViolation
        };
        eval.blocked = Some((control, setting("allowUnplannedEvents"), true));
        return Some(eval);
    }
    if !eval.violations.is_empty() && c.block_on_violation {
        eval.common = common_violations(plan.common(), &value);
        eval.blocked = Some((
            Control::SchemaViolation,
            setting("allowEventOnViolations"),
            false,
        ));
        return Some(eval);
    }
    // An unplanned track call is not trimmed; identify and group without a rule are
    // (docs/rules.md, "What Protocols omits").
    if (rule.is_some() || call != Call::Track) && !c.allow_unplanned_fields {
        eval.omitted = unplanned_names;
    }
    if c.omit_on_violation {
        eval.omitted_on_violation = offending(&eval.violations, under, &fields, &eval.omitted);
    }
    omit(
        &mut value,
        under,
        eval.omitted.iter().chain(&eval.omitted_on_violation),
    );
    // The common JSON schema, on what the standard controls let through.
    eval.common = common_violations(plan.common(), &value);
    if !eval.common.is_empty() {
        match c.common {
            OnViolation::Allow => {}
            OnViolation::Block => {
                eval.blocked = Some((
                    Control::CommonSchemaViolation,
                    setting("commonEventOnViolations"),
                    false,
                ));
            }
            OnViolation::Omit => {
                let already: Vec<String> = eval
                    .omitted
                    .iter()
                    .chain(&eval.omitted_on_violation)
                    .cloned()
                    .collect();
                let more = offending(&eval.common, under, &fields, &already);
                eval.omitted_on_violation.extend(more);
            }
        }
    }
    Some(eval)
}

/// The top-level properties (traits) that `found` points at, present on the call and not
/// omitted already: what omission on violation takes out.
fn offending(
    found: &[Violation],
    under: &str,
    fields: &[String],
    already: &[String],
) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for v in found {
        let Some(rest) = v
            .field
            .strip_prefix(under)
            .and_then(|r| r.strip_prefix('.'))
        else {
            continue;
        };
        let name = rest.split('.').next().unwrap_or(rest);
        if fields.iter().any(|f| f == name)
            && !already.iter().any(|a| a == name)
            && !out.iter().any(|o| o == name)
        {
            out.push(name.to_owned());
        }
    }
    out
}

fn omit<'a>(value: &mut Value, under: &str, names: impl Iterator<Item = &'a String>) {
    if let Some(Value::Object(o)) = value.get_mut(under) {
        for n in names {
            o.remove(n);
        }
    }
}

fn common_violations(common: Option<&Rule>, value: &Value) -> Vec<Violation> {
    common.map(|r| violations(r, value)).unwrap_or_default()
}

/// What `rule`'s schema finds in `value`, in Segment's words.
pub fn violations(rule: &Rule, value: &Value) -> Vec<Violation> {
    rule.validator
        .iter_errors(value)
        .map(|e| word(&e))
        .collect()
}

/// A validation error as Segment writes a violation: its `type` words, the dotted `field`
/// (`(root)` for the call itself) and gojsonschema's description, which Segment's example
/// quotes ("Invalid type. Expected: integer, given: number").
fn word(e: &jsonschema::ValidationError<'_>) -> Violation {
    use jsonschema::error::ValidationErrorKind as K;
    let path: Vec<String> = e
        .instance_path()
        .iter()
        .map(|s| match s {
            jsonschema::paths::LocationSegment::Property(p) => p.into_owned(),
            jsonschema::paths::LocationSegment::Index(i) => i.to_string(),
        })
        .collect();
    let at = |extra: Option<&str>| {
        let mut parts: Vec<&str> = path.iter().map(String::as_str).collect();
        parts.extend(extra);
        if parts.is_empty() {
            "(root)".to_owned()
        } else {
            parts.join(".")
        }
    };
    let here = at(None);
    let (kind, field, description) = match e.kind() {
        K::Required { property } => {
            let name = property
                .as_str()
                .map_or_else(|| property.to_string(), str::to_owned);
            ("Required", at(Some(&name)), format!("{name} is required"))
        }
        K::AdditionalProperties { unexpected } => (
            "Additional Property",
            at(unexpected.first().map(String::as_str)),
            format!(
                "Additional property {} is not allowed",
                unexpected.join(", ")
            ),
        ),
        kind => {
            let (words, description) = describe(kind, &here, e);
            (words, here, description)
        }
    };
    Violation {
        kind,
        field: printable(&field).into_owned(),
        description: printable(&description).into_owned(),
    }
}

/// The type words and description of a violation at `here` that names no other field.
fn describe(
    kind: &jsonschema::error::ValidationErrorKind,
    here: &str,
    e: &jsonschema::ValidationError<'_>,
) -> (&'static str, String) {
    use jsonschema::error::{TypeKind, ValidationErrorKind as K};
    match kind {
        K::Type { kind } => {
            let expected = match kind {
                TypeKind::Single(t) => t.to_string(),
                TypeKind::Multiple(set) => set
                    .iter()
                    .map(|t| t.to_string())
                    .collect::<Vec<_>>()
                    .join("/"),
            };
            let given = json_type(e.instance());
            (
                "Invalid Type",
                format!("Invalid type. Expected: {expected}, given: {given}"),
            )
        }
        K::Enum { options } => (
            "Invalid Enum",
            format!(
                "{here} must be one of the following: {}",
                enum_list(options)
            ),
        ),
        K::Constant { expected_value } => (
            "Invalid Const",
            format!("{here} does not match: {expected_value}"),
        ),
        K::Pattern { pattern } => (
            "Invalid Pattern",
            format!("Does not match pattern '{pattern}'"),
        ),
        K::Format { format } => (
            "Invalid Format",
            format!("Does not match format '{format}'"),
        ),
        K::Minimum { limit } => (
            "Out Of Range",
            format!("Must be greater than or equal to {limit}"),
        ),
        K::Maximum { limit } => (
            "Out Of Range",
            format!("Must be less than or equal to {limit}"),
        ),
        K::ExclusiveMinimum { limit } => ("Out Of Range", format!("Must be greater than {limit}")),
        K::ExclusiveMaximum { limit } => ("Out Of Range", format!("Must be less than {limit}")),
        K::MinLength { limit } => (
            "Invalid Length",
            format!("String length must be greater than or equal to {limit}"),
        ),
        K::MaxLength { limit } => (
            "Invalid Length",
            format!("String length must be less than or equal to {limit}"),
        ),
        _ => ("Invalid Value", e.to_string()),
    }
}

fn enum_list(options: &Value) -> String {
    match options {
        Value::Array(a) => a
            .iter()
            .map(Value::to_string)
            .collect::<Vec<_>>()
            .join(", "),
        v => v.to_string(),
    }
}

/// gojsonschema's name for a value's type: `integer` for a whole number, as its example
/// ("given: number" for 1.5, "given: integer" for 3).
fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(n) if n.as_f64().is_some_and(|f| f.fract() == 0.0) => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// What Protocols did with `ev`, in sentences; None when the source has no tracking plan,
/// or the call is unplanned and the source lets it through untouched (nothing happened).
pub fn sentence(ws: &Workspace, ev: &Doc) -> Option<String> {
    let e = evaluate(ws, ev)?;
    if e.rule.is_none() && e.blocked.is_none() && e.common.is_empty() && e.omitted.is_empty() {
        return None;
    }
    let judged = match &e.rule {
        Some(r) => format!("Its tracking plan judges it by {r}"),
        None => "Its tracking plan has no rule for it (an unplanned call)".to_owned(),
    };
    let mut out = judged;
    let list = |vs: &[Violation]| {
        vs.iter()
            .map(|v| format!("{} {} ({})", v.field, v.kind, v.description))
            .collect::<Vec<_>>()
            .join("; ")
    };
    if !e.violations.is_empty() {
        out.push_str(&format!(": it breaks the rule: {}", list(&e.violations)));
    }
    if !e.common.is_empty() {
        out.push_str(&format!(
            "{} it breaks the common JSON schema: {}",
            if e.violations.is_empty() { ":" } else { ";" },
            list(&e.common)
        ));
    }
    out.push('.');
    if !e.unplanned.is_empty() && e.omitted.is_empty() && e.rule.is_some() {
        out.push_str(&format!(
            " Unplanned: {} (reported, let through).",
            printable(&e.unplanned.join(", "))
        ));
    }
    if !e.omitted.is_empty() {
        out.push_str(&format!(
            " The source omits the unplanned {} from it for every cloud destination.",
            printable(&e.removed()[..e.omitted.len()].join(", "))
        ));
    }
    if !e.omitted_on_violation.is_empty() {
        out.push_str(&format!(
            " The source omits {} from it for every cloud destination, for breaking the schema.",
            printable(&e.removed()[e.omitted.len()..].join(", "))
        ));
    }
    Some(out)
}

fn rests_on(v: &Verdicts<'_>, out: &mut Vec<Choice>) {
    let Some(e) = v
        .event
        .filter(|_| v.ingested)
        .and_then(|ev| evaluate(v.ws, ev))
    else {
        return;
    };
    if !e.violations.is_empty() || !e.common.is_empty() {
        out.push(Choice::ProtocolsWords);
    }
    if !e.omitted.is_empty() || !e.omitted_on_violation.is_empty() {
        out.push(Choice::ProtocolsOmission);
    }
}
