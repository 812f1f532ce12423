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
    /// The source's schema controls, in the CDN's shape.
    plan: Option<serde_json::Value>,
    /// The source's Protocols settings (the Public API's shape) and its tracking plan.
    protocols: Option<super::protocols::SchemaSettings>,
    /// Segment's deduplication window (`"24h"`, `"90m"`, ISO 8601's `"PT24H"`).
    #[serde(rename = "dedupeWindow")]
    dedupe_window: Option<String>,
    /// Unify's Identity Resolution limits and priority.
    #[serde(rename = "identityResolution")]
    identity_resolution: Option<super::identity::IdentityText>,
    /// Where a snapshot (`pull`) came from.
    snapshot: Option<super::snapshot::Snapshot>,
    /// User ids the workspace suppresses.
    #[serde(default)]
    suppressed: Vec<String>,
    /// Vendor endpoints, Google's consent types and GPC's categories (the wire audit).
    wire: Option<super::vendors::WireText>,
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
    #[serde(default)]
    filters: Vec<OwnFilter>,
    mappings: Option<Vec<OwnMapping>>,
    /// The event types it takes (`track`, `identify`, ...), over Segment's catalog; for a
    /// destination function, those it has handlers for.
    methods: Option<Vec<String>>,
    /// Where it has a component (`browser`, `server`), over Segment's catalog.
    components: Option<Vec<String>>,
    /// The insert function in front of it.
    #[serde(rename = "insertFunction")]
    insert_function: Option<String>,
    /// Its browser plugin and that plugin's subscriptions (the CDN's `remotePlugins`).
    plugin: Option<OwnPlugin>,
    /// Its id in the workspace (the Public API's).
    id: Option<String>,
    #[serde(default = "enabled_by_default")]
    enabled: bool,
    /// Whether it is an Actions destination (over the catalog and its name).
    actions: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OwnPlugin {
    name: String,
    subscriptions: Vec<OwnMapping>,
}

/// An Actions mapping: its name and trigger (`subscribe`).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OwnMapping {
    name: String,
    subscribe: String,
    #[serde(default = "enabled_by_default")]
    enabled: bool,
}

/// A destination filter in the Public API's shape.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OwnFilter {
    title: Option<String>,
    description: Option<String>,
    #[serde(rename = "if")]
    condition: String,
    actions: Vec<OwnAction>,
    #[serde(default = "enabled_by_default")]
    enabled: bool,
}

#[derive(Deserialize)]
#[serde(tag = "type", deny_unknown_fields)]
enum OwnAction {
    #[serde(rename = "DROP")]
    Drop,
    #[serde(rename = "SAMPLE")]
    Sample { percent: f64, path: Option<String> },
    #[serde(rename = "DROP_PROPERTIES")]
    DropProperties { fields: BTreeMapOrdered },
    #[serde(rename = "ALLOW_PROPERTIES")]
    AllowProperties { fields: BTreeMapOrdered },
}

/// `{"properties": ["email"], "context.traits": [...]}`, in the order written.
type BTreeMapOrdered = serde_json::Map<String, serde_json::Value>;

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
        for (i, mut d) in own.destinations.into_iter().enumerate() {
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
                                "destination \"{}\": unknown kind \"{}\" (expected one of {})",
                                printable(&d.name),
                                printable(k),
                                DestinationKind::ALL.map(DestinationKind::as_str).join(", ")
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
            let mut built = build_destination(
                &categories,
                &destinations,
                &d.name,
                at("name"),
                mapped,
                kind,
            )?;
            for (j, f) in std::mem::take(&mut d.filters).into_iter().enumerate() {
                let here = |field: &str| {
                    let mut p = at("filters");
                    p.push(PathStep::Index(j));
                    p.push(key(field));
                    p
                };
                built.filters.push(own_filter(f, &d.name, j, &here)?);
            }
            what_it_takes(&mut built, d, &at)?;
            destinations.push(built);
        }
        let mut ws = Self::assemble(categories, destinations, Shape::Own);
        ws.external_ids = external_ids_of(own.external_ids)?;
        if let Some(plan) = &own.plan {
            ws.plan = super::plan::Plan::read(plan, &[key("plan")])?;
        }
        ws.protocols = own.protocols.map(|settings| super::protocols::Protocols {
            settings,
            plan: None,
        });
        if let Some(w) = &own.dedupe_window {
            ws.dedupe_window = dedupe_window(w)?;
        }
        if let Some(text) = own.identity_resolution {
            ws.identity = super::identity::IdentityRules::read(text)
                .map_err(|m| Problem::at(vec![key("identityResolution")], m))?;
        }
        ws.snapshot = own.snapshot.map(snapshot).transpose()?;
        ws.suppressed = own.suppressed.into_iter().collect();
        if let Some(w) = own.wire {
            ws.wire = w.resolve().map_err(|m| Problem::at(vec![key("wire")], m))?;
        }
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

/// A snapshot's block, if this build reads its version.
fn snapshot(s: super::snapshot::Snapshot) -> Result<super::snapshot::Snapshot, Problem> {
    if s.version > super::snapshot::VERSION {
        return Err(Problem::at(
            vec![
                PathStep::Key("snapshot".into()),
                PathStep::Key("version".into()),
            ],
            format!(
                "a snapshot of version {} is newer than this build reads (up to {}): update consent-inspector",
                s.version,
                super::snapshot::VERSION
            ),
        ));
    }
    Ok(s)
}

/// A filter of destination `dest`, its condition parsed; a mistake is placed at its field.
fn own_filter(
    f: OwnFilter,
    dest: &str,
    j: usize,
    at: &dyn Fn(&str) -> Vec<PathStep>,
) -> Result<crate::workspace::filter::Filter, Problem> {
    use crate::workspace::filter::{Action, Filter};
    let _ = f.description;
    let title = f.title.unwrap_or_else(|| format!("filter {}", j + 1));
    let fql = crate::workspace::fql::Fql::parse(&f.condition).map_err(|e| {
        Problem::at(
            at("if"),
            format!(
                "destination \"{}\", filter \"{}\": the FQL condition does not parse at {e}",
                printable(dest),
                printable(&title)
            ),
        )
    })?;
    let fields = |m: serde_json::Map<String, serde_json::Value>| -> Result<Vec<(String, Vec<String>)>, Problem> {
        m.into_iter()
            .map(|(k, v)| {
                let keys = v
                    .as_array()
                    .and_then(|a| a.iter().map(|x| x.as_str().map(str::to_owned)).collect::<Option<Vec<_>>>())
                    .ok_or_else(|| {
                        Problem::at(
                            at("actions"),
                            format!("fields[\"{}\"] must be a list of field names", printable(&k)),
                        )
                    })?;
                Ok((k, keys))
            })
            .collect()
    };
    let mut actions = Vec::new();
    for a in f.actions {
        actions.push(match a {
            OwnAction::Drop => Action::Drop,
            OwnAction::Sample { percent, path } => {
                if !(0.0..=1.0).contains(&percent) {
                    return Err(Problem::at(
                        at("actions"),
                        format!("a SAMPLE's percent is a fraction from 0 to 1, not {percent}"),
                    ));
                }
                Action::Sample { percent, path }
            }
            OwnAction::DropProperties { fields: m } => Action::DropProperties(fields(m)?),
            OwnAction::AllowProperties { fields: m } => Action::AllowProperties(fields(m)?),
        });
    }
    Ok(Filter {
        title,
        condition: f.condition,
        fql,
        actions,
        enabled: f.enabled,
    })
}

/// An Actions destination's mappings, each trigger read as Segment reads it; one it cannot
/// read is placed at its `subscribe`.
fn own_mappings(
    mappings: Vec<OwnMapping>,
    dest: &str,
    at: &dyn Fn(usize) -> Vec<PathStep>,
) -> Result<Vec<super::Mapping>, Problem> {
    mappings
        .into_iter()
        .enumerate()
        .map(|(j, m)| {
            let whose = format!(
                "destination \"{}\", mapping \"{}\": Segment",
                printable(dest),
                printable(&m.name)
            );
            super::Mapping::read(m.name, m.subscribe, m.enabled, at(j), &whose)
        })
        .collect()
}

/// `dedupeWindow`: a positive duration in jiff's friendly format or ISO 8601's.
fn dedupe_window(w: &str) -> Result<jiff::SignedDuration, Problem> {
    w.parse::<jiff::SignedDuration>()
        .ok()
        .filter(jiff::SignedDuration::is_positive)
        .ok_or_else(|| {
            Problem::at(
                vec![PathStep::Key("dedupeWindow".to_owned())],
                format!(
                    "dedupeWindow: \"{}\" is not a positive duration (\"24h\", \"90m\", \"PT24H\")",
                    printable(w)
                ),
            )
        })
}

/// `externalIds`: each named once, none empty.
fn external_ids_of(given: Vec<String>) -> Result<Vec<String>, Problem> {
    let mut out: Vec<String> = Vec::new();
    for (i, id) in given.into_iter().enumerate() {
        let path = vec![PathStep::Key("externalIds".to_owned()), PathStep::Index(i)];
        if id.trim().is_empty() {
            return Err(Problem::at(path, "external id is empty".into()));
        }
        if out.contains(&id) {
            let m = format!("external id \"{}\" is listed twice", printable(&id));
            return Err(Problem::at(path, m));
        }
        out.push(id);
    }
    Ok(out)
}

/// What a destination takes and how it is reached, where the settings say: its mappings,
/// event types, components, insert function and browser plugin.
fn what_it_takes(
    built: &mut super::Destination,
    d: OwnDestination,
    at: &dyn Fn(&str) -> Vec<PathStep>,
) -> Result<(), Problem> {
    let key = |k: &str| PathStep::Key(k.to_owned());
    if let Some(mappings) = d.mappings {
        built.mappings = Some(own_mappings(mappings, &d.name, &|j: usize| {
            let mut p = at("mappings");
            p.extend([PathStep::Index(j), key("subscribe")]);
            p
        })?);
    }
    if let Some(methods) = d.methods {
        built.methods = Some(own_methods(&methods, &d.name, &at("methods"))?);
    }
    if let Some(words) = d.components {
        built.components = Some(own_components(&words, &d.name, &at("components"))?);
    }
    built.insert_function = d.insert_function;
    built.id = d.id;
    built.enabled = d.enabled;
    built.actions = d.actions;
    if let Some(p) = d.plugin {
        let subscriptions = own_mappings(p.subscriptions, &d.name, &|j: usize| {
            let mut p = at("plugin");
            p.extend([key("subscriptions"), PathStep::Index(j), key("subscribe")]);
            p
        })?;
        built.plugin = Some(super::Plugin {
            name: p.name,
            subscriptions,
        });
    }
    Ok(())
}

/// A destination's `components`: `browser`, `server`, at least one.
fn own_components(
    words: &[String],
    dest: &str,
    at: &[PathStep],
) -> Result<super::Components, Problem> {
    let bad = words
        .iter()
        .find(|w| !matches!(w.as_str(), "browser" | "server"));
    match (
        bad,
        super::Components::from_words(words.iter().map(String::as_str)),
    ) {
        (None, Some(c)) => Ok(c),
        (bad, _) => Err(Problem::at(
            at.to_vec(),
            format!(
                "destination \"{}\": components: {} (expected \"browser\", \"server\" or both)",
                printable(dest),
                bad.map_or_else(
                    || "names none".to_owned(),
                    |w| format!("\"{}\" is no component", printable(w))
                )
            ),
        )),
    }
}

/// A destination's `methods`: event types, each named once.
fn own_methods(
    given: &[String],
    name: &str,
    at: &[PathStep],
) -> Result<Vec<crate::read::event::Kind>, Problem> {
    let mut out = Vec::new();
    for (i, m) in given.iter().enumerate() {
        let here = || {
            let mut p = at.to_vec();
            p.push(PathStep::Index(i));
            p
        };
        let kind = crate::read::event::Kind::parse(m).ok_or_else(|| {
            Problem::at(
                here(),
                format!(
                    "destination \"{}\": methods: \"{}\" is no event type (track, identify, page, screen, group, alias)",
                    printable(name),
                    printable(m)
                ),
            )
        })?;
        if !out.contains(&kind) {
            out.push(kind);
        }
    }
    Ok(out)
}
