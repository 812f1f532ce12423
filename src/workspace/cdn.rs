//! Segment's CDN settings for a source, as analytics.js downloads them: per integration
//! `consentSettings.categories`, and `consentSettings.allCategories` at the top.

use serde::Deserialize;
use serde_json::Value;

use super::{
    Category, DestinationKind, PathStep, Problem, Shape, Workspace, build_destination,
    push_category,
};
use crate::text::printable;

#[derive(Deserialize)]
pub(super) struct CdnSettings {
    integrations: serde_json::Map<String, Value>,
    #[serde(rename = "consentSettings")]
    consent_settings: Option<CdnConsent>,
    #[serde(rename = "middlewareSettings")]
    middleware_settings: Option<Value>,
    plan: Option<Value>,
    #[serde(rename = "remotePlugins", default)]
    remote_plugins: Vec<Value>,
}

#[derive(Deserialize)]
struct CdnConsent {
    #[serde(rename = "allCategories", default)]
    all_categories: Vec<String>,
}

#[derive(Deserialize)]
struct CdnIntegrationConsent {
    #[serde(default)]
    categories: Vec<String>,
}

impl Workspace {
    pub(super) fn from_cdn(mut cdn: CdnSettings) -> Result<Self, Problem> {
        let key = |k: &str| PathStep::Key(k.to_owned());
        let mut categories: Vec<Category> = Vec::new();
        let all = cdn
            .consent_settings
            .take()
            .map(|c| c.all_categories)
            .unwrap_or_default();
        for (i, id) in all.into_iter().enumerate() {
            let path = vec![
                key("consentSettings"),
                key("allCategories"),
                PathStep::Index(i),
            ];
            // Category names default to their ids in this shape.
            push_category(&mut categories, id.clone(), id, true, path)?;
        }
        let mut lacking = add_lacking(&cdn, &mut categories)?;
        let mut destinations = Vec::new();
        for (name, settings) in &cdn.integrations {
            // Segment.io is Segment itself, not a destination.
            if name == "Segment.io" {
                continue;
            }
            let base = || vec![key("integrations"), key(name)];
            let consent = match settings.get("consentSettings") {
                None | Some(Value::Null) => CdnIntegrationConsent {
                    categories: Vec::new(),
                },
                Some(v) => CdnIntegrationConsent::deserialize(v).map_err(|e| {
                    let mut p = base();
                    p.push(key("consentSettings"));
                    Problem::at(
                        p,
                        format!("integration \"{}\": consentSettings: {e}", printable(name)),
                    )
                })?,
            };
            let mapped = consent.categories.iter().enumerate().map(|(j, id)| {
                let mut p = base();
                p.extend([
                    key("consentSettings"),
                    key("categories"),
                    PathStep::Index(j),
                ]);
                (id.as_str(), p)
            });
            let kind = cdn_kind(name);
            let mut built =
                build_destination(&categories, &destinations, name, base(), mapped, kind)?;
            built.components = components(name, settings, &cdn.integrations);
            destinations.push(built);
        }
        for (i, plugin) in cdn.remote_plugins.iter().enumerate() {
            let at = vec![key("remotePlugins"), PathStep::Index(i)];
            let Some(creation) = plugin.get("creationName").and_then(Value::as_str) else {
                continue;
            };
            let Some(d) = destinations.iter_mut().find(|d| d.name == creation) else {
                continue;
            };
            d.plugin = Some(remote_plugin(plugin, creation, at, &mut lacking)?);
            // An action destination's entry says `componentTypes: []`; its plugin's settings
            // may say more.
            if d.components.is_none()
                && let Some(settings) = plugin.get("settings")
            {
                d.components = components(creation, settings, &cdn.integrations);
            }
        }
        // Destination filters, as analytics.js gets them: routing rules by destination name.
        let rules = cdn
            .middleware_settings
            .as_ref()
            .and_then(|m| m.get("routingRules"))
            .and_then(Value::as_array);
        for (i, rule) in rules.into_iter().flatten().enumerate() {
            let Some(name) = rule.get("destinationName").and_then(Value::as_str) else {
                continue;
            };
            let at = vec![
                key("middlewareSettings"),
                key("routingRules"),
                PathStep::Index(i),
            ];
            let filters = crate::workspace::filter::from_routing_rule(rule).ok_or_else(|| {
                Problem::at(
                    at,
                    format!(
                        "routing rule for \"{}\": a matcher or transformer this tool cannot read",
                        printable(name)
                    ),
                )
            })?;
            if let Some(d) = destinations.iter_mut().find(|d| d.name == name) {
                d.filters.extend(filters);
            }
        }
        let mut ws = Self::assemble(categories, destinations, Shape::SegmentCdn);
        ws.unplaced = lacking;
        if let Some(plan) = &cdn.plan {
            ws.plan = super::plan::Plan::read(plan, &[key("plan")])?;
        }
        Ok(ws)
    }
}

/// The categories integrations name that allCategories lacks: analytics.js still loads those
/// integrations (the wrapper sends no preference for the id, so it counts as missing), and
/// Segment's servers read the event's preferences as they are. Each is added to `categories`,
/// with a warning at the id (lint reports it as an error).
fn add_lacking(
    cdn: &CdnSettings,
    categories: &mut Vec<Category>,
) -> Result<Vec<(Vec<PathStep>, String)>, Problem> {
    let key = |k: &str| PathStep::Key(k.to_owned());
    let mut lacking: Vec<(Vec<PathStep>, String)> = Vec::new();
    for (name, settings) in &cdn.integrations {
        let ids = settings
            .get("consentSettings")
            .and_then(|c| c.get("categories"))
            .and_then(Value::as_array);
        for (j, id) in ids.into_iter().flatten().enumerate() {
            let Some(id) = id.as_str() else { continue };
            if categories.iter().any(|c| c.id == id) {
                continue;
            }
            let path = vec![
                key("integrations"),
                key(name),
                key("consentSettings"),
                key("categories"),
                PathStep::Index(j),
            ];
            push_category(categories, id.to_owned(), id.to_owned(), true, path.clone())?;
            lacking.push((
                path,
                format!(
                    "{} is mapped to {}, which allCategories lacks: the consent wrapper sends no preference for it, so {} is blocked for every event that carries consent but none for {}",
                    printable(name),
                    printable(id),
                    printable(name),
                    printable(id)
                ),
            ));
        }
    }
    Ok(lacking)
}

/// Where an integration has a component, as the CDN says: `type` and
/// `versionSettings.componentTypes` (`browser` for device mode, as analytics.js's
/// `isInstallableIntegration` reads them; `server` for cloud mode), and a destination sent in
/// cloud mode (`bundlingStatus: "unbundled"`, or `Segment.io.unbundledIntegrations`) has a
/// server component whatever they say. None when nothing says (Actions entries carry `[]`;
/// their `remotePlugins` entry's settings are read the same way).
fn components(
    name: &str,
    settings: &Value,
    integrations: &serde_json::Map<String, Value>,
) -> Option<super::Components> {
    let types = settings
        .get("versionSettings")
        .and_then(|v| v.get("componentTypes"))
        .and_then(Value::as_array);
    let words = types
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .chain(settings.get("type").and_then(Value::as_str));
    let unbundled = settings.get("bundlingStatus").and_then(Value::as_str) == Some("unbundled")
        || integrations
            .get("Segment.io")
            .and_then(|s| s.get("unbundledIntegrations"))
            .and_then(Value::as_array)
            .is_some_and(|u| u.iter().any(|n| n.as_str() == Some(name)));
    let mut c = super::Components::from_words(words);
    if unbundled {
        c.get_or_insert(super::Components {
            browser: false,
            server: true,
        })
        .server = true;
    }
    c
}

/// A `remotePlugins` entry: its name and subscriptions, each trigger read as
/// destination-subscriptions reads it; what is not an array is warned about in `warnings`.
fn remote_plugin(
    plugin: &Value,
    creation: &str,
    at: Vec<PathStep>,
    warnings: &mut Vec<(Vec<PathStep>, String)>,
) -> Result<super::Plugin, Problem> {
    let key = |k: &str| PathStep::Key(k.to_owned());
    let name = plugin
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or(creation)
        .to_owned();
    let mut here = at;
    here.extend([key("settings"), key("subscriptions")]);
    let raw = plugin.get("settings").and_then(|s| s.get("subscriptions"));
    // The runtime calls `subscriptions.filter`: anything but an array fails the plugin's
    // load, and the browser fires none of its actions.
    let parsed = match raw {
        None | Some(Value::Array(_)) => raw,
        Some(_) => {
            warnings.push((
                here.clone(),
                format!(
                    "remote plugin \"{}\": subscriptions is not an array, so the browser fails to load the plugin and fires none of its actions",
                    printable(&name)
                ),
            ));
            None
        }
    };
    let mut subscriptions = Vec::new();
    for (j, sub) in parsed
        .iter()
        .flat_map(|v| v.as_array().into_iter().flatten())
        .enumerate()
    {
        let mut p = here.clone();
        p.push(PathStep::Index(j));
        let text = |k: &str| sub.get(k).and_then(Value::as_str);
        let label = text("name")
            .or(text("partnerAction"))
            .unwrap_or("")
            .to_owned();
        let subscribe = text("subscribe").unwrap_or("").to_owned();
        p.push(key("subscribe"));
        let whose = format!(
            "remote plugin \"{}\", subscription \"{}\": the browser",
            printable(&name),
            printable(&label)
        );
        let enabled = sub.get("enabled").and_then(Value::as_bool).unwrap_or(false);
        subscriptions.push(super::Mapping::read(label, subscribe, enabled, p, &whose)?);
    }
    Ok(super::Plugin {
        name,
        subscriptions,
    })
}

/// Segment's CDN settings carry no destination kind; these names are the ones that do not
/// enforce consent (our choice: matched by name).
fn cdn_kind(name: &str) -> DestinationKind {
    let lower = name.to_lowercase();
    if lower == "amazon s3" || lower == "aws s3" {
        DestinationKind::AwsS3
    } else if lower.starts_with("engage") || lower.starts_with("personas") {
        DestinationKind::Engage
    } else {
        DestinationKind::EventStream
    }
}

impl Workspace {
    /// The workspace in Segment's CDN settings shape, as analytics.js downloads it from
    /// `cdnURL`: each destination's enabled categories and `allCategories`, with `Segment.io`
    /// pointing at `api_host` (`host:port/v1`) over `protocol`, so that analytics.js loaded
    /// with this `cdnURL` sends its calls there. Disabled categories are left out, as they are
    /// not enforced, and so are disabled destinations, as Segment's CDN leaves them out;
    /// destination kinds do not survive (the shape has none; see `cdn_kind`).
    pub fn to_cdn(&self, write_key: &str, api_host: &str, protocol: &str) -> Value {
        let enabled = |c: &crate::workspace::CatIdx| self.categories[usize::from(*c)].enabled;
        let mut integrations = serde_json::Map::new();
        integrations.insert(
            "Segment.io".into(),
            serde_json::json!({
                "apiKey": write_key,
                "apiHost": api_host,
                "protocol": protocol,
                "unbundledIntegrations": [],
                "addBundledMetadata": true,
            }),
        );
        let mut unmapped = false;
        // A destination switched off is in no CDN settings: the browser never loads it.
        for d in self.destinations.iter().filter(|d| d.enabled) {
            let ids: Vec<&str> = d
                .categories
                .iter()
                .filter(|c| enabled(c))
                .map(|c| self.categories[usize::from(*c)].id.as_str())
                .collect();
            unmapped |= ids.is_empty();
            integrations.insert(
                d.name.clone(),
                serde_json::json!({"consentSettings": {"categories": ids}}),
            );
        }
        let all: Vec<&str> = self
            .categories
            .iter()
            .filter(|c| c.enabled)
            .map(|c| c.id.as_str())
            .collect();
        let rules: Vec<Value> = self
            .destinations
            .iter()
            .filter(|d| d.enabled)
            .filter_map(|d| crate::workspace::filter::routing_rule(&d.name, &d.filters))
            .collect();
        let mut cdn = serde_json::json!({
            "integrations": integrations,
            "plan": self.served_plan(),
            "consentSettings": {"allCategories": all, "hasUnmappedDestinations": unmapped},
        });
        // Destination filters, which analytics.js applies to device-mode destinations.
        if !rules.is_empty() {
            cdn["middlewareSettings"] = serde_json::json!({"routingRules": rules});
        }
        cdn
    }

    /// The plan analytics.js gets: the workspace's own, or one that enables everything.
    /// The plan analytics.js gets: the settings' own, and where Protocols block unplanned
    /// events, what Segment's CDN writes for that (the browser's only way to enforce it,
    /// `schema-configuration.md`: "supported for all device-mode ... Analytics.js
    /// destinations"): each TRACK rule's event enabled, and `__default` disabled.
    fn served_plan(&self) -> Value {
        let mut plan = if self.plan.is_empty() {
            serde_json::json!({"track": {"__default": {"enabled": true}}})
        } else {
            self.plan.to_json()
        };
        let Some(p) = self
            .protocols
            .as_ref()
            .filter(|p| !p.settings.track.allow_unplanned_events)
        else {
            return plan;
        };
        let Some(rules) = &p.plan else { return plan };
        let track = plan.as_object_mut().and_then(|m| {
            m.entry("track")
                .or_insert_with(|| Value::Object(serde_json::Map::new()))
                .as_object_mut()
        });
        if let Some(track) = track {
            for r in &rules.rules {
                if let (super::protocols::RuleKind::Track, Some(key)) = (r.kind, &r.key) {
                    track
                        .entry(key.clone())
                        .or_insert_with(|| serde_json::json!({"enabled": true}));
                }
            }
            let default = track
                .entry("__default")
                .or_insert_with(|| serde_json::json!({}));
            default["enabled"] = Value::Bool(false);
        }
        plan
    }
}
