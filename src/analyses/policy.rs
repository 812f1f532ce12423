//! Assertions for CI: a TOML file of what must never happen to an event (`check --policy`).
//! Each rule names some of a route's facts (destination, category and the event's value for
//! it, decision, reason, discard, mode, and the source control that dropped it); a route with
//! all of them breaks the rule.
//!
//! ```toml
//! never = [
//!   { destination = "Facebook Conversions API", reason = "no_consent" },
//!   { category = "C0004", value = false, decision = "deliver" },
//!   { wire = "wire_before_consent", destination = "Facebook Pixel" },
//! ]
//! ```
//!
//! A rule with `wire` is about what a browser capture shows went out (`analyses::wire`): it
//! names one of the wire audit's codes, and at most a destination beside it.

use serde::Deserialize;
use toml::Spanned;

use crate::analyses::wire::{Finding, WireCode};
use crate::engine::Outcome;
use crate::read::event::{Preferences, Raw};
use crate::read::toml_file::{TomlError, TomlFile};
use crate::rules::finding::{Code, Severity};
use crate::rules::verdict::{Block, Control, DECISIONS, DISCARDS, Decision, Mode, REASONS, Route};
use crate::rules::vocab;
use crate::text::printable;
use crate::workspace::{CatIdx, Workspace};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyToml {
    never: Vec<Spanned<RuleToml>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleToml {
    destination: Option<Spanned<String>>,
    category: Option<Spanned<String>>,
    value: Option<Spanned<toml::Value>>,
    decision: Option<Spanned<String>>,
    reason: Option<Spanned<String>>,
    discard: Option<Spanned<String>>,
    mode: Option<Spanned<String>>,
    /// The source's control that dropped the route (`schema_violation`, ...).
    control: Option<Spanned<String>>,
    /// A wire audit code (`wire_without_consent`, ...): the rule is about captured requests.
    wire: Option<Spanned<String>>,
    /// Shown with each violation: why the rule exists.
    why: Option<String>,
}

/// The event's value for a rule's category.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Value {
    True,
    False,
    /// No such key (or no preferences at all).
    Missing,
}

/// One `never` entry, checked against the workspace.
#[derive(Debug, Clone)]
pub struct Rule {
    /// Where it is written, 1-based.
    pub line: usize,
    /// The rule as written, its keys in a fixed order: `destination = "…", reason = "…"`.
    pub text: String,
    pub why: Option<String>,
    destination: Option<usize>,
    category: Option<CatIdx>,
    value: Option<Value>,
    decision: Option<&'static str>,
    reason: Option<&'static str>,
    discard: Option<&'static str>,
    mode: Option<Mode>,
    control: Option<Control>,
    wire: Option<WireCode>,
}

#[derive(Debug, Clone)]
pub struct Policy {
    pub file: String,
    pub rules: Vec<Rule>,
}

/// A route that broke a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Violation {
    pub rule: usize,
    pub destination: usize,
}

impl Policy {
    pub fn load(path: &std::path::Path, ws: &Workspace) -> Result<Self, TomlError> {
        Self::from_file(&TomlFile::read(path)?, ws)
    }

    pub fn from_file(f: &TomlFile, ws: &Workspace) -> Result<Self, TomlError> {
        let parsed: PolicyToml = f.parse()?;
        let rules = parsed
            .never
            .into_iter()
            .map(|r| Rule::check(f, ws, r))
            .collect::<Result<_, _>>()?;
        Ok(Self {
            file: f.file.clone(),
            rules,
        })
    }

    /// Every route of `o` that breaks a rule, rule by rule.
    pub fn violations(&self, ws: &Workspace, o: &Outcome) -> Vec<Violation> {
        let mut out = Vec::new();
        for (i, rule) in self.rules.iter().enumerate() {
            // The event's value is the same for every route: read it once.
            if !rule.event_matches(ws, o) {
                continue;
            }
            for r in &o.routes {
                if rule.route_matches(ws, o, r) {
                    out.push(Violation {
                        rule: i,
                        destination: r.destination,
                    });
                }
            }
        }
        out
    }
}

impl Policy {
    /// The rules a wire finding breaks.
    pub fn wire_violations(&self, f: &Finding) -> Vec<usize> {
        self.rules
            .iter()
            .enumerate()
            .filter(|(_, r)| {
                r.wire == Some(f.code) && r.destination.is_none_or(|d| f.destination == Some(d))
            })
            .map(|(i, _)| i)
            .collect()
    }
}

impl Rule {
    fn check(f: &TomlFile, ws: &Workspace, rule: Spanned<RuleToml>) -> Result<Self, TomlError> {
        let span = rule.span();
        let r = rule.into_inner();
        let destination = r
            .destination
            .as_ref()
            .map(|d| destination(f, ws, d))
            .transpose()?;
        let category = r
            .category
            .as_ref()
            .map(|c| category(f, ws, c))
            .transpose()?;
        let value = match &r.value {
            None => None,
            Some(v) => Some(match v.get_ref() {
                toml::Value::Boolean(true) => Value::True,
                toml::Value::Boolean(false) => Value::False,
                toml::Value::String(s) if s == "missing" => Value::Missing,
                _ => {
                    return Err(f.error_at(
                        v.span(),
                        "value must be true, false or \"missing\"".to_owned(),
                    ));
                }
            }),
        };
        if value.is_some() && category.is_none() {
            return Err(f.error_at(
                span,
                "value needs a category: the event's value for which category?".to_owned(),
            ));
        }
        let decisions: Vec<(&str, &'static str)> = DECISIONS.iter().map(|d| (*d, *d)).collect();
        let decision = word(f, r.decision.as_ref(), "decision", &decisions)?;
        let reasons: Vec<(&str, &'static str)> = REASONS.iter().map(|r| (*r, *r)).collect();
        let reason = word(f, r.reason.as_ref(), "reason", &reasons)?;
        // Delivery Overview's discards, and the ingest error codes it shows as discards.
        let mut discards: Vec<(&str, &'static str)> = DISCARDS.iter().map(|d| (*d, *d)).collect();
        discards.extend(
            Code::ALL
                .iter()
                .filter(|c| c.severity() == Severity::Error)
                .map(|c| (c.as_str(), c.as_str())),
        );
        let discard = word(f, r.discard.as_ref(), "discard", &discards)?;
        let mode = word(
            f,
            r.mode.as_ref(),
            "mode",
            &[("cloud", Mode::Cloud), ("device", Mode::Device)],
        )?;
        let controls: Vec<(&str, Control)> =
            Control::ALL.iter().map(|c| (c.as_str(), *c)).collect();
        let control = word(f, r.control.as_ref(), "control", &controls)?;
        let codes: Vec<(&str, WireCode)> = WireCode::ALL.iter().map(|c| (c.as_str(), *c)).collect();
        let wire = word(f, r.wire.as_ref(), "wire", &codes)?;
        let route_facts = category.is_some()
            || decision.is_some()
            || reason.is_some()
            || discard.is_some()
            || mode.is_some()
            || control.is_some();
        if wire.is_some() && route_facts {
            return Err(f.error_at(
                span,
                "a wire rule is about a captured request, not a route: beside wire it takes only destination".to_owned(),
            ));
        }
        if wire.is_none()
            && destination.is_none()
            && category.is_none()
            && decision.is_none()
            && reason.is_none()
            && discard.is_none()
            && mode.is_none()
            && control.is_none()
        {
            return Err(f.error_at(
                span,
                "a rule needs at least one of destination, category, decision, reason, \
                 discard, mode, control or wire: an empty rule would forbid every route"
                    .to_owned(),
            ));
        }
        let mut rule = Self {
            line: f.line(span),
            text: String::new(),
            why: r.why,
            destination,
            category,
            value,
            decision,
            reason,
            discard,
            mode,
            control,
            wire,
        };
        rule.text = rule.describe(ws);
        Ok(rule)
    }

    /// The rule in TOML's words, keys in a fixed order.
    fn describe(&self, ws: &Workspace) -> String {
        let quoted = |s: &str| format!("\"{}\"", printable(s).replace('"', "\\\""));
        let mut parts = Vec::new();
        if let Some(w) = self.wire {
            parts.push(format!("wire = \"{}\"", w.as_str()));
        }
        if let Some(d) = self.destination {
            parts.push(format!(
                "destination = {}",
                quoted(&ws.destinations[d].name)
            ));
        }
        if let Some(c) = self.category {
            parts.push(format!("category = {}", quoted(&ws.category(c).id)));
        }
        if let Some(v) = self.value {
            parts.push(
                match v {
                    Value::True => "value = true",
                    Value::False => "value = false",
                    Value::Missing => "value = \"missing\"",
                }
                .to_owned(),
            );
        }
        if let Some(d) = self.decision {
            parts.push(format!("decision = \"{d}\""));
        }
        if let Some(r) = self.reason {
            parts.push(format!("reason = \"{r}\""));
        }
        if let Some(d) = self.discard {
            parts.push(format!("discard = \"{d}\""));
        }
        if let Some(m) = self.mode {
            parts.push(format!("mode = \"{}\"", m.as_str()));
        }
        if let Some(c) = self.control {
            parts.push(format!("control = \"{}\"", c.as_str()));
        }
        parts.join(", ")
    }

    /// The facts of the event itself: its value for the rule's category. A wire rule is
    /// about no event.
    fn event_matches(&self, ws: &Workspace, o: &Outcome) -> bool {
        self.wire.is_none()
            && self.value.is_none_or(|want| {
                self.category
                    .is_some_and(|c| value_of(ws, o, c) == Some(want))
            })
    }

    /// The facts of one route.
    fn route_matches(&self, ws: &Workspace, o: &Outcome, r: &Route) -> bool {
        self.destination.is_none_or(|d| d == r.destination)
            && self
                .category
                .is_none_or(|c| ws.destinations[r.destination].categories.contains(&c))
            && self.decision.is_none_or(|d| decision_matches(d, &r.decision))
            && self.reason.is_none_or(|why| reason_matches(why, &r.decision))
            && self.mode.is_none_or(|m| m == r.mode)
            && self.discard.is_none_or(|d| o.discard(r) == Some(d))
            && self.control.is_none_or(|c| {
                matches!(&r.decision, Decision::Block(Block::FilteredAtSource { control, .. }) if *control == c)
            })
    }
}

/// Whether a route's decision is the rule's: an uncertain route may deliver, so a rule
/// against delivering catches it too (a policy never passes on a guess).
fn decision_matches(word: &str, d: &Decision) -> bool {
    word == d.verb() || (word == DECISIONS[0] && d.may_deliver())
}

/// Whether a route's reason is the rule's: an uncertain route also has the reason it would
/// be delivered for, were the unknown steps to let it through.
fn reason_matches(why: &str, d: &Decision) -> bool {
    why == d.reason()
        || matches!(d, Decision::Uncertain(via) if Decision::Deliver(*via).reason() == why)
}

/// The destination a rule names, or an error with the nearest name.
fn destination(f: &TomlFile, ws: &Workspace, d: &Spanned<String>) -> Result<usize, TomlError> {
    vocab::destination(ws, d.get_ref()).map_err(|e| f.error_at(d.span(), e))
}

/// The category a rule names, or an error listing the known ones.
fn category(f: &TomlFile, ws: &Workspace, c: &Spanned<String>) -> Result<CatIdx, TomlError> {
    ws.lookup(c.get_ref()).ok_or_else(|| {
        let known: Vec<&str> = ws.categories.iter().map(|c| c.id.as_str()).collect();
        f.error_at(
            c.span(),
            format!(
                "no category \"{}\" in the settings (known: {})",
                printable(c.get_ref()),
                printable(&known.join(", "))
            ),
        )
    })
}

/// A key whose value is one of a few words: the word's meaning, or an error listing them.
fn word<T: Copy>(
    f: &TomlFile,
    value: Option<&Spanned<String>>,
    key: &str,
    words: &[(&str, T)],
) -> Result<Option<T>, TomlError> {
    let Some(v) = value else {
        return Ok(None);
    };
    let known: Vec<&str> = words.iter().map(|(w, _)| *w).collect();
    let word = vocab::one_of(key, v.get_ref(), &known).map_err(|e| f.error_at(v.span(), e))?;
    Ok(words
        .iter()
        .find(|(w, _)| *w == word)
        .map(|&(_, meaning)| meaning))
}

/// The event's preference for category `c`, or None when it is there but not a boolean.
fn value_of(ws: &Workspace, o: &Outcome, c: CatIdx) -> Option<Value> {
    let Some(ev) = o.event.as_deref() else {
        return Some(Value::Missing);
    };
    match ev.preferences() {
        Preferences::Object(m) => match m.get(&ws.category(c).id) {
            None => Some(Value::Missing),
            Some(Raw::Bool(true)) => Some(Value::True),
            Some(Raw::Bool(false)) => Some(Value::False),
            Some(_) => None,
        },
        Preferences::Absent | Preferences::NotObject(_) => Some(Value::Missing),
    }
}
