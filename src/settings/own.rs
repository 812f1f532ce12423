//! Our own settings shape: categories, destinations with their kind, external ids.

use serde::Deserialize;

use super::{
    DestinationKind, PathStep, Problem, Shape, Workspace, build_destination, push_category,
};
use crate::text::printable;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct OwnSettings {
    categories: Vec<OwnCategory>,
    #[serde(default)]
    destinations: Vec<OwnDestination>,
    #[serde(default, rename = "externalIds")]
    external_ids: Vec<String>,
    #[serde(rename = "consentModel")]
    consent_model: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OwnCategory {
    id: String,
    name: Option<String>,
    #[serde(default = "enabled_by_default")]
    enabled: bool,
}

fn enabled_by_default() -> bool {
    true
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OwnDestination {
    name: String,
    #[serde(default)]
    categories: Vec<String>,
    kind: Option<String>,
}

impl Workspace {
    pub(super) fn from_own(own: OwnSettings) -> Result<Self, Problem> {
        let key = |k: &str| PathStep::Key(k.to_owned());
        let mut categories = Vec::new();
        for (i, c) in own.categories.into_iter().enumerate() {
            let path = vec![key("categories"), PathStep::Index(i), key("id")];
            let name = c.name.unwrap_or_else(|| c.id.clone());
            push_category(&mut categories, c.id, name, c.enabled, path)?;
        }
        let mut destinations = Vec::new();
        for (i, d) in own.destinations.into_iter().enumerate() {
            let at = |field: &str| vec![key("destinations"), PathStep::Index(i), key(field)];
            let kind = match d.kind.as_deref() {
                None => DestinationKind::EventStream,
                Some(k) => DestinationKind::ALL
                    .into_iter()
                    .find(|x| x.as_str() == k)
                    .ok_or_else(|| {
                        Problem::at(
                            at("kind"),
                            format!(
                                "destination \"{}\": unknown kind \"{}\" (expected event-stream, aws-s3, engage or warehouse)",
                                printable(&d.name),
                                printable(k)
                            ),
                        )
                    })?,
            };
            let mapped = d.categories.iter().enumerate().map(|(j, id)| {
                (
                    id.as_str(),
                    vec![
                        key("destinations"),
                        PathStep::Index(i),
                        key("categories"),
                        PathStep::Index(j),
                    ],
                )
            });
            destinations.push(build_destination(
                &categories,
                &destinations,
                &d.name,
                at("name"),
                mapped,
                kind,
            )?);
        }
        let mut external_ids: Vec<String> = Vec::new();
        for (i, id) in own.external_ids.into_iter().enumerate() {
            let path = vec![key("externalIds"), PathStep::Index(i)];
            if id.trim().is_empty() {
                return Err(Problem::at(path, "external id is empty".into()));
            }
            if external_ids.contains(&id) {
                let m = format!("external id \"{}\" is listed twice", printable(&id));
                return Err(Problem::at(path, m));
            }
            external_ids.push(id);
        }
        let mut ws = Self::assemble(categories, destinations, Shape::Own);
        ws.external_ids = external_ids;
        if let Some(m) = own.consent_model {
            ws.consent_model = super::ConsentModel::parse(&m).ok_or_else(|| {
                Problem::at(
                    vec![key("consentModel")],
                    format!(
                        "consentModel \"{}\" is neither \"opt-in\" nor \"opt-out\"",
                        printable(&m)
                    ),
                )
            })?;
            ws.consent_model_from = super::ModelSource::Settings;
        }
        Ok(ws)
    }
}
