//! RudderStack's settings, as its control plane serves them: the source config the browser
//! SDK loads (`{"source": {"destinations": [...]}, "consentManagementMetadata": ...}`) or the
//! workspace config rudder-server reads (`{"sources": [{"destinations": [...]}]}`). Each
//! destination's consent lives in its `config` (`consentManagement`, and the legacy
//! `oneTrustCookieCategories` and `ketchConsentPurposes`). Categories here are the consent ids
//! the destinations name, so that the views written for Segment's categories show them.

use serde_json::Value;

use super::{
    CatIdx, Category, Destination, DestinationKind, MAX_CATEGORIES, PathStep, Problem, Shape,
    Workspace,
};
use crate::rudder::{DestinationConsent, RudderDestination, RudderMode};
use crate::text::printable;

impl Workspace {
    pub(super) fn from_rudder(top: &serde_json::Map<String, Value>) -> Result<Self, Problem> {
        let key = |k: &str| PathStep::Key(k.to_owned());
        let (source, at): (&Value, Vec<PathStep>) = match (top.get("source"), top.get("sources")) {
            (Some(s), _) => (s, vec![key("source")]),
            (None, Some(Value::Array(list))) => {
                // rudder-server routes each source's events to that source's destinations;
                // a file with several is read for its first (our choice, said by `notes`).
                let first = list.first().ok_or_else(|| {
                    Problem::at(vec![key("sources")], "\"sources\" is empty".into())
                })?;
                (first, vec![key("sources"), PathStep::Index(0)])
            }
            _ => {
                return Err(Problem::at(
                    vec![key("sources")],
                    "\"sources\" must be a list of sources".into(),
                ));
            }
        };
        let dests = source
            .get("destinations")
            .and_then(Value::as_array)
            .ok_or_else(|| {
                let mut p = at.clone();
                p.push(key("destinations"));
                Problem::at(p, "a source needs a \"destinations\" list".into())
            })?;
        let mut categories: Vec<Category> = Vec::new();
        let mut destinations: Vec<Destination> = Vec::new();
        for (i, d) in dests.iter().enumerate() {
            let here = |field: &str| {
                let mut p = at.clone();
                p.extend([key("destinations"), PathStep::Index(i), key(field)]);
                p
            };
            // Disabled or deleted destinations receive nothing; they are left out.
            if d.get("enabled") == Some(&Value::Bool(false))
                || d.get("deleted") == Some(&Value::Bool(true))
            {
                continue;
            }
            let display_name = d
                .pointer("/destinationDefinition/displayName")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned();
            let name = d
                .get("name")
                .and_then(Value::as_str)
                .filter(|n| !n.trim().is_empty())
                .unwrap_or(&display_name)
                .to_owned();
            if name.trim().is_empty() {
                return Err(Problem::at(
                    here("name"),
                    "destination has neither a name nor a destinationDefinition.displayName".into(),
                ));
            }
            if destinations.iter().any(|e| e.name == name) {
                let m = format!("duplicate destination name \"{}\"", printable(&name));
                return Err(Problem::at(here("name"), m));
            }
            let config = d.get("config").cloned().unwrap_or(Value::Null);
            let consent = DestinationConsent::of(&config);
            let mut idxs: Vec<CatIdx> = Vec::new();
            for id in consent.ids() {
                let idx = match categories.iter().position(|c| c.id == id) {
                    Some(i) => i,
                    None if categories.len() == MAX_CATEGORIES => {
                        let m = format!(
                            "more than {MAX_CATEGORIES} distinct consent ids; this tool supports at most {MAX_CATEGORIES}"
                        );
                        return Err(Problem::at(here("config"), m));
                    }
                    None => {
                        categories.push(Category {
                            id: id.to_owned(),
                            name: id.to_owned(),
                            enabled: true,
                        });
                        categories.len() - 1
                    }
                };
                idxs.push(idx as CatIdx);
            }
            let mode = RudderMode::of(&config);
            destinations.push(Destination {
                name,
                categories: idxs,
                kind: DestinationKind::EventStream,
                filters: Vec::new(),
                mappings: None,
                rudder: Some(Box::new(RudderDestination {
                    display_name,
                    consent,
                    mode,
                })),
            });
        }
        Ok(Self::assemble(categories, destinations, Shape::RudderStack))
    }
}
