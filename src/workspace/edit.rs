//! Changing a workspace in place (a what-if on the settings) and writing one back in our own
//! shape, so that what was tried can be saved and given to `diff --against`.

use serde_json::{Value, json};

use super::{CatIdx, ConsentModel, ModelSource, Workspace};
use crate::workspace::filter::Action;

impl Workspace {
    /// Maps destination `dest` to category `cat` as well, or takes that mapping away.
    pub fn set_mapped(&mut self, dest: usize, cat: CatIdx, mapped: bool) {
        let cats = &mut self.destinations[dest].categories;
        match (cats.iter().position(|&c| c == cat), mapped) {
            (None, true) => cats.push(cat),
            (Some(i), false) => {
                cats.remove(i);
            }
            _ => return,
        }
        self.recompute_required();
    }

    /// Enables or disables category `cat`: a disabled one is left out of every mapping.
    pub fn set_enabled(&mut self, cat: CatIdx, enabled: bool) {
        self.categories[cat as usize].enabled = enabled;
        self.recompute_required();
    }

    /// The consent model, as if the settings said it.
    pub fn set_consent_model(&mut self, model: ConsentModel) {
        self.consent_model = model;
        self.consent_model_from = ModelSource::Settings;
    }

    /// Sets the `enabled` of the plan's track entry `entry` (a schema event filter).
    pub fn set_plan_enabled(&mut self, entry: usize, enabled: bool) {
        if let Some((_, e)) = self.plan.track.entries.get_mut(entry) {
            e.enabled = Some(enabled);
        }
    }

    /// Turns destination `dest` off for the plan's track entry `entry` (a schema integration
    /// filter), or takes the entry's word for it away.
    pub fn set_plan_filter(&mut self, entry: usize, dest: usize, off: bool) {
        let name = self.destinations[dest].name.clone();
        let Some((_, e)) = self.plan.track.entries.get_mut(entry) else {
            return;
        };
        e.integrations.retain(|(n, _)| *n != name);
        if off {
            e.integrations.push((name, Value::Bool(false)));
        }
    }

    /// The workspace in our own settings shape (`Workspace::load` reads it back to an equal
    /// workspace, whichever shape it was read from). The consent model is written only where
    /// something said it, so that a default stays a default.
    pub fn to_own_json(&self) -> Value {
        let categories: Vec<Value> = self
            .categories
            .iter()
            .map(|c| json!({"id": c.id, "name": c.name, "enabled": c.enabled}))
            .collect();
        let destinations: Vec<Value> = self
            .destinations
            .iter()
            .map(|d| {
                let mut out = json!({
                    "name": d.name,
                    "categories": d.categories.iter().map(|&c| &self.category(c).id).collect::<Vec<_>>(),
                    "kind": d.kind.as_str(),
                });
                if !d.filters.is_empty() {
                    out["filters"] = d
                        .filters
                        .iter()
                        .map(|f| {
                            json!({
                                "title": f.title,
                                "if": f.condition,
                                "actions": f.actions.iter().map(action_json).collect::<Vec<_>>(),
                                "enabled": f.enabled,
                            })
                        })
                        .collect();
                }
                if let Some(methods) = &d.methods {
                    out["methods"] = methods.iter().map(|k| k.as_str()).collect();
                }
                let mappings_json = |ms: &[super::Mapping]| -> Value {
                    ms.iter()
                        .map(|m| json!({"name": m.name, "subscribe": m.subscribe, "enabled": m.enabled}))
                        .collect()
                };
                if let Some(mappings) = &d.mappings {
                    out["mappings"] = mappings_json(mappings);
                }
                if let Some(c) = d.components {
                    out["components"] = json!(c.words());
                }
                if let Some(p) = &d.plugin {
                    out["plugin"] =
                        json!({"name": p.name, "subscriptions": mappings_json(&p.subscriptions)});
                }
                if let Some(f) = &d.insert_function {
                    out["insertFunction"] = json!(f);
                }
                if let Some(id) = &d.id {
                    out["id"] = json!(id);
                }
                if !d.enabled {
                    out["enabled"] = json!(false);
                }
                if let Some(a) = d.actions {
                    out["actions"] = json!(a);
                }
                out
            })
            .collect();
        let mut out = json!({});
        if let Some(s) = &self.snapshot {
            out["snapshot"] = json!(s);
        }
        out["categories"] = json!(categories);
        out["destinations"] = json!(destinations);
        if !self.external_ids.is_empty() {
            out["externalIds"] = json!(self.external_ids);
        }
        if self.consent_model_from != ModelSource::Default {
            out["consentModel"] = json!(self.consent_model.as_str());
        }
        if !self.plan.is_empty() {
            out["plan"] = self.plan.to_json();
        }
        if self.identity != super::identity::IdentityRules::default() {
            out["identityResolution"] = self.identity.to_json();
        }
        if self.dedupe_window != super::DEDUPE_WINDOW {
            out["dedupeWindow"] = json!(format!("{:#}", self.dedupe_window));
        }
        if let Some(p) = &self.protocols {
            out["protocols"] = p.to_json();
        }
        if !self.suppressed.is_empty() {
            let mut ids: Vec<&String> = self.suppressed.iter().collect();
            ids.sort();
            out["suppressed"] = json!(ids);
        }
        out
    }

    /// `required` follows the mappings and the categories' enabled flags.
    fn recompute_required(&mut self) {
        self.required = super::required_of(&self.categories, &self.destinations);
    }
}

/// A filter action in the Public API's shape, as `own.rs` reads it.
fn action_json(a: &Action) -> Value {
    let fields = |f: &[(String, Vec<String>)]| {
        f.iter()
            .map(|(k, v)| (k.clone(), json!(v)))
            .collect::<serde_json::Map<_, _>>()
    };
    match a {
        Action::Drop => json!({"type": "DROP"}),
        Action::Sample { percent, path } => {
            let mut s = json!({"type": "SAMPLE", "percent": percent});
            if let Some(p) = path {
                s["path"] = json!(p);
            }
            s
        }
        Action::DropProperties(f) => json!({"type": "DROP_PROPERTIES", "fields": fields(f)}),
        Action::AllowProperties(f) => json!({"type": "ALLOW_PROPERTIES", "fields": fields(f)}),
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn written_and_read(ws: &Workspace) -> Workspace {
        let text = serde_json::to_vec_pretty(&ws.to_own_json()).unwrap();
        Workspace::from_slice("written", &text).unwrap()
    }

    #[test]
    fn every_sample_settings_file_is_written_back_to_an_equal_workspace() {
        let mut files = vec![
            "samples/consent-settings.json".to_owned(),
            "samples/cdn-settings.json".to_owned(),
        ];
        for dir in ["samples/filters", "samples/what-if"] {
            for e in std::fs::read_dir(dir).unwrap() {
                let p = e.unwrap().path();
                if p.extension().is_some_and(|x| x == "json") {
                    files.push(p.display().to_string());
                }
            }
        }
        assert!(files.len() >= 4, "{files:?}");
        for f in files {
            let ws = Workspace::load(Path::new(&f)).unwrap();
            let back = written_and_read(&ws);
            assert_eq!(back.categories, ws.categories, "{f}");
            assert_eq!(back.destinations, ws.destinations, "{f}");
            assert_eq!(back.external_ids, ws.external_ids, "{f}");
            assert_eq!(back.consent_model, ws.consent_model, "{f}");
            assert_eq!(
                back.consent_model_from == ModelSource::Default,
                ws.consent_model_from == ModelSource::Default,
                "{f}"
            );
            assert_eq!(
                (0..ws.destinations.len())
                    .map(|d| back.required(d))
                    .collect::<Vec<_>>(),
                (0..ws.destinations.len())
                    .map(|d| ws.required(d))
                    .collect::<Vec<_>>(),
                "{f}"
            );
        }
    }

    #[test]
    fn a_mapping_or_a_disabled_category_changes_what_a_destination_requires() {
        let mut ws = Workspace::load(Path::new("samples/consent-settings.json")).unwrap();
        let braze = ws.destination("Braze").unwrap();
        let functional = ws.lookup("C0003").unwrap();
        let before = ws.required(braze);
        ws.set_mapped(braze, functional, true);
        assert_eq!(ws.required(braze), before | 1 << functional);
        // Mapped twice is mapped once.
        let mapped = ws.destinations[braze].categories.len();
        ws.set_mapped(braze, functional, true);
        assert_eq!(ws.destinations[braze].categories.len(), mapped);
        ws.set_enabled(functional, false);
        assert_eq!(ws.required(braze), before);
        ws.set_enabled(functional, true);
        ws.set_mapped(braze, functional, false);
        assert_eq!(ws.required(braze), before);
        // What was tried is read back as tried.
        ws.set_mapped(braze, functional, true);
        ws.set_consent_model(ConsentModel::OptOut);
        let back = written_and_read(&ws);
        assert_eq!(back.required(braze), before | 1 << functional);
        assert_eq!(back.consent_model, ConsentModel::OptOut);
    }
}
