//! Destination filters as the settings write them (`connections/destinations/destination-filters.md`,
//! the Public API's filter shape): a condition in FQL and what to do to the events it matches.
//! Segment's filters step (`rules::segment::filter`) applies them.

use serde_json::{Value, json};

use crate::workspace::fql::Fql;

/// One filter, as the settings give it.
#[derive(Debug, Clone, PartialEq)]
pub struct Filter {
    pub title: String,
    /// The condition as written, for messages.
    pub condition: String,
    pub fql: Fql,
    pub actions: Vec<Action>,
    pub enabled: bool,
}

/// What a filter does to an event its condition matches.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    Drop,
    /// Keeps `percent` (0 to 1) of the events; deterministic on the value at `path`.
    Sample {
        percent: f64,
        path: Option<String>,
    },
    /// Per object path (`properties`, `context.traits`, `""` for the top level), the keys
    /// removed.
    DropProperties(Vec<(String, Vec<String>)>),
    /// Per object path, the only keys kept.
    AllowProperties(Vec<(String, Vec<String>)>),
}

/// `key` of the object at `at` as one dotted path (`""` is the top level).
pub fn field_path(at: &str, key: &str) -> String {
    if at.is_empty() {
        key.to_owned()
    } else {
        format!("{at}.{key}")
    }
}

impl Filter {
    /// Every field its `DROP_PROPERTIES` actions name, as dotted paths.
    pub fn dropped_fields(&self) -> impl Iterator<Item = String> + '_ {
        self.actions
            .iter()
            .filter_map(|a| match a {
                Action::DropProperties(rules) => Some(rules),
                _ => None,
            })
            .flatten()
            .flat_map(|(at, keys)| keys.iter().map(move |k| field_path(at, k)))
    }
}

/// A destination's filters as the CDN settings carry them for analytics.js
/// (`middlewareSettings.routingRules`): one matcher per enabled filter, with its IR and
/// expression, and its actions as tsub's transformers, in the order they apply.
pub fn routing_rule(destination: &str, filters: &[Filter]) -> Option<Value> {
    let enabled: Vec<&Filter> = filters.iter().filter(|f| f.enabled).collect();
    if enabled.is_empty() {
        return None;
    }
    let matchers: Vec<Value> = enabled
        .iter()
        .map(|f| {
            json!({"type": "fql", "ir": serde_json::to_string(&f.fql.ir).unwrap_or_default(),
                   "expr": f.condition})
        })
        .collect();
    let fields = |rules: &[(String, Vec<String>)]| {
        Value::Object(rules.iter().map(|(k, v)| (k.clone(), json!(v))).collect())
    };
    let transformers: Vec<Value> = enabled
        .iter()
        .map(|f| {
            let mut list: Vec<(u8, Value)> = f
                .actions
                .iter()
                .map(|a| match a {
                    Action::Sample { percent, path } => (
                        0,
                        json!({"type": "sample_event",
                               "config": {"sample": {"percent": percent, "path": path}}}),
                    ),
                    Action::Drop => (1, json!({"type": "drop"})),
                    Action::DropProperties(r) => (
                        2,
                        json!({"type": "drop_properties", "config": {"drop": fields(r)}}),
                    ),
                    Action::AllowProperties(r) => (
                        3,
                        json!({"type": "allow_properties", "config": {"allow": fields(r)}}),
                    ),
                })
                .collect();
            list.sort_by_key(|(rank, _)| *rank);
            Value::Array(list.into_iter().map(|(_, t)| t).collect())
        })
        .collect();
    Some(json!({"destinationName": destination, "matchers": matchers,
                "transformers": transformers}))
}

/// The filters of one routing rule of CDN settings (the inverse of `routing_rule`): each
/// matcher's IR as it is, its transformers as actions. None for a rule this tool cannot read
/// (a matcher that is not FQL, a transformer it does not know).
pub fn from_routing_rule(rule: &Value) -> Option<Vec<Filter>> {
    let matchers = rule.get("matchers")?.as_array()?;
    let transformers = rule.get("transformers")?.as_array()?;
    let fields = |v: &Value| -> Option<Vec<(String, Vec<String>)>> {
        v.as_object()?
            .iter()
            .map(|(k, list)| {
                let keys = list
                    .as_array()?
                    .iter()
                    .map(|x| x.as_str().map(str::to_owned))
                    .collect::<Option<Vec<_>>>()?;
                Some((k.clone(), keys))
            })
            .collect()
    };
    matchers
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let ir = match m.get("type")?.as_str()? {
                "fql" => serde_json::from_str(m.get("ir")?.as_str()?).ok()?,
                _ => return None,
            };
            let condition = m
                .get("expr")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned();
            let actions = transformers
                .get(i)?
                .as_array()?
                .iter()
                .map(|t| {
                    let config = t.get("config");
                    Some(match t.get("type")?.as_str()? {
                        "drop" => Action::Drop,
                        "sample_event" => {
                            let sample = config?.get("sample")?;
                            Action::Sample {
                                percent: sample.get("percent")?.as_f64()?,
                                path: sample
                                    .get("path")
                                    .and_then(Value::as_str)
                                    .map(str::to_owned),
                            }
                        }
                        "drop_properties" => Action::DropProperties(fields(config?.get("drop")?)?),
                        "allow_properties" => {
                            Action::AllowProperties(fields(config?.get("allow")?)?)
                        }
                        _ => return None,
                    })
                })
                .collect::<Option<Vec<_>>>()?;
            Some(Filter {
                title: format!("routing rule {}", i + 1),
                condition,
                fql: Fql::from_ir(ir),
                actions,
                enabled: true,
            })
        })
        .collect()
}
