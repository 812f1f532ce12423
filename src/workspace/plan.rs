//! A source's schema controls as Segment's CDN settings carry them, `plan` (analytics-next
//! `core/src/events/interfaces.ts`, `Plan`): per call type a map from an event's name (a
//! trait's, for identify and group) to whether it is enabled and which destinations it goes
//! to, and `__default` for the names the map does not list. Read as analytics.js reads it:
//! an `enabled` that is not a boolean falls back to `__default` (`is-plan-event-enabled.ts`),
//! and an `integrations` entry is whatever JSON it is (the browser merges it as it stands).

use serde_json::{Map, Value};

use super::{PathStep, Problem};
use crate::text::printable;

/// The `plan` block: one section per call type that has one.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Plan {
    /// Track events by their `event`.
    pub track: Section,
    /// Identify traits by name: a disabled trait is omitted (schema event filters).
    pub identify: Section,
    /// Group traits by name, likewise.
    pub group: Section,
}

/// One call type's entries, in the order the settings list them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Section {
    pub entries: Vec<(String, PlanEvent)>,
    /// `__default`: what holds for a name the section does not list.
    pub default: Option<PlanEvent>,
}

/// One entry: `{"enabled": bool, "integrations": {"<destination>": bool}}`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PlanEvent {
    /// None when absent or not a boolean: `__default` decides.
    pub enabled: Option<bool>,
    /// The per-destination flags, in the order written.
    pub integrations: Vec<(String, Value)>,
}

/// Whether a plan lets a name through, and which entry said so.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Enabled {
    Yes,
    /// The name's own entry says `enabled: false` (a schema event filter).
    DisabledOwn,
    /// The name has no boolean `enabled` of its own, and `__default.enabled` is false.
    DisabledDefault,
}

impl Section {
    /// The entry for `name`, if the section lists it (`__default` is not a name).
    pub fn get(&self, name: &str) -> Option<&PlanEvent> {
        if name == "__default" {
            return None;
        }
        self.entries.iter().find(|(n, _)| n == name).map(|(_, e)| e)
    }

    /// `isPlanEventEnabled(plan, plan[name])`: the entry's own boolean first, then
    /// `__default`'s, then enabled.
    pub fn enabled(&self, name: &str) -> Enabled {
        let default_off = self.default.as_ref().and_then(|d| d.enabled) == Some(false);
        match self.get(name).and_then(|e| e.enabled) {
            Some(false) => Enabled::DisabledOwn,
            None if default_off => Enabled::DisabledDefault,
            Some(true) | None => Enabled::Yes,
        }
    }

    /// Whether the section says anything at all.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty() && self.default.is_none()
    }

    fn to_json(&self) -> Value {
        let mut m = Map::new();
        for (name, e) in &self.entries {
            m.insert(name.clone(), e.to_json());
        }
        if let Some(d) = &self.default {
            m.insert("__default".into(), d.to_json());
        }
        Value::Object(m)
    }
}

impl PlanEvent {
    /// The flag this entry sets for destination `name`, if it names it.
    pub fn integration(&self, name: &str) -> Option<&Value> {
        self.integrations
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v)
    }

    fn to_json(&self) -> Value {
        let mut m = Map::new();
        if let Some(e) = self.enabled {
            m.insert("enabled".into(), Value::Bool(e));
        }
        if !self.integrations.is_empty() {
            let i: Map<String, Value> = self.integrations.iter().cloned().collect();
            m.insert("integrations".into(), Value::Object(i));
        }
        Value::Object(m)
    }
}

impl Plan {
    /// Whether the plan says anything at all (an empty plan is the same as none).
    pub fn is_empty(&self) -> bool {
        self.track.is_empty() && self.identify.is_empty() && self.group.is_empty()
    }

    /// The plan in the CDN's shape, as analytics.js reads it.
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        for (key, s) in [
            ("track", &self.track),
            ("identify", &self.identify),
            ("group", &self.group),
        ] {
            if !s.is_empty() {
                m.insert(key.into(), s.to_json());
            }
        }
        Value::Object(m)
    }

    /// Reads `plan` from settings; `at` is where it sits in the file. A section that is not
    /// an object, or an entry that is not one, is an error placed at it: analytics.js would
    /// not fail, but it would read nothing there, which is never what was meant.
    pub(super) fn read(value: &Value, at: &[PathStep]) -> Result<Self, Problem> {
        let here = |more: &[&str]| {
            let mut p = at.to_vec();
            p.extend(more.iter().map(|k| PathStep::Key((*k).to_owned())));
            p
        };
        let Value::Object(top) = value else {
            return Err(Problem::at(here(&[]), "plan must be an object".into()));
        };
        let mut plan = Plan::default();
        for (key, section) in top {
            let slot = match key.as_str() {
                "track" => &mut plan.track,
                "identify" => &mut plan.identify,
                "group" => &mut plan.group,
                // Other call types carry no schema control the sources describe.
                _ => continue,
            };
            let Value::Object(entries) = section else {
                return Err(Problem::at(
                    here(&[key]),
                    format!("plan.{key} must be an object of entries"),
                ));
            };
            for (name, entry) in entries {
                let Value::Object(fields) = entry else {
                    return Err(Problem::at(
                        here(&[key, name]),
                        format!(
                            "plan.{key}[\"{}\"] must be an object ({{\"enabled\": …}})",
                            printable(name)
                        ),
                    ));
                };
                let integrations = match fields.get("integrations") {
                    None | Some(Value::Null) => Vec::new(),
                    Some(Value::Object(i)) => {
                        i.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
                    }
                    Some(_) => {
                        return Err(Problem::at(
                            here(&[key, name, "integrations"]),
                            format!(
                                "plan.{key}[\"{}\"].integrations must be an object of destination flags",
                                printable(name)
                            ),
                        ));
                    }
                };
                let e = PlanEvent {
                    enabled: fields.get("enabled").and_then(Value::as_bool),
                    integrations,
                };
                if name == "__default" {
                    slot.default = Some(e);
                } else {
                    slot.entries.push((name.clone(), e));
                }
            }
        }
        Ok(plan)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn plan(v: &Value) -> Plan {
        Plan::read(v, &[]).unwrap_or_else(|p| panic!("{}", p.message))
    }

    /// `is-plan-event-enabled.test.ts`'s cases: the event's own boolean first, then
    /// `__default`, then enabled.
    #[test]
    fn enabled_reads_as_analytics_js_does() {
        let p = plan(&json!({"track": {
            "On": {"enabled": true}, "Off": {"enabled": false},
            "Odd": {"enabled": "no"}, "__default": {"enabled": false}
        }}));
        assert_eq!(p.track.enabled("On"), Enabled::Yes);
        assert_eq!(p.track.enabled("Off"), Enabled::DisabledOwn);
        assert_eq!(p.track.enabled("Odd"), Enabled::DisabledDefault);
        assert_eq!(p.track.enabled("Unplanned"), Enabled::DisabledDefault);
        let open = plan(&json!({"track": {"__default": {"enabled": true}}}));
        assert_eq!(open.track.enabled("Anything"), Enabled::Yes);
        assert_eq!(Plan::default().track.enabled("Anything"), Enabled::Yes);
        // `__default` is never an event's own entry.
        assert_eq!(p.track.enabled("__default"), Enabled::DisabledDefault);
    }

    #[test]
    fn integrations_keep_their_values_and_the_plan_goes_back_out_as_it_came() {
        let v = json!({"track": {"Order Completed": {"enabled": true,
            "integrations": {"Braze": false, "Amplitude": true}}, "__default": {"enabled": true}},
            "identify": {"email": {"enabled": false}}});
        let p = plan(&v);
        let e = p.track.get("Order Completed").unwrap();
        assert_eq!(e.integration("Braze"), Some(&json!(false)));
        assert_eq!(e.integration("Mixpanel"), None);
        assert_eq!(p.to_json(), v);
    }

    #[test]
    fn a_plan_of_the_wrong_shape_is_an_error_at_its_place() {
        for bad in [
            json!([]),
            json!({"track": []}),
            json!({"track": {"A": true}}),
            json!({"track": {"A": {"integrations": []}}}),
        ] {
            assert!(Plan::read(&bad, &[]).is_err(), "{bad}");
        }
        assert!(plan(&json!({"page": 1, "track": {}})).is_empty());
    }
}
