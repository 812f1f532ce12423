//! `pull`: one source's workspace as Segment's servers decide with it, read from the Public
//! API, with what the API does not carry (each destination's consent categories, the
//! source's schema controls, how the browser loads each destination) from the CDN settings
//! of the source's write key; written as a snapshot (`workspace::snapshot`): our settings
//! shape, each part said where it came from.

use std::path::Path;

use serde_json::{Map, Value, json};

use super::{Api, ApiError, Call};
use crate::workspace::snapshot::{Named, Part, Snapshot, VERSION};
use crate::workspace::{Components, SettingsError, Workspace, catalog};

/// The scopes a 403 names (Segment's access roles that allow the call).
const SOURCE_READ: &str =
    "read access to the source (the role Source Read-only, or Workspace Owner)";
const PLAN_READ: &str =
    "read access to tracking plans (Tracking Plan Read-only, or Workspace Owner)";
const SUPPRESSIONS_READ: &str = "the role Workspace Owner (suppressions are the workspace's)";
const WORKSPACE_READ: &str = "a token of this workspace (Workspace Member or more)";
const FUNCTIONS_READ: &str = "read access to functions (Functions Read-only, or Workspace Owner)";

/// The documented limit of `listRulesFromTrackingPlan`, requests per minute.
const RULES_PER_MINUTE: u32 = 200;

#[derive(Debug, thiserror::Error)]
pub enum PullError {
    #[error(transparent)]
    Api(#[from] ApiError),
    #[error("no source {wanted:?} in the workspace (its sources: {known})")]
    NoSource { wanted: String, known: String },
    #[error("the snapshot of source {slug} does not read back as settings: {error}")]
    Unreadable { slug: String, error: SettingsError },
}

/// One source's snapshot.
pub struct Pulled {
    /// The source's slug (or id), for file names and messages.
    pub slug: String,
    /// The snapshot, as written.
    pub json: Value,
    /// The snapshot read back, as every command will read it.
    pub workspace: Workspace,
}

/// Where the CDN settings of a write key come from: `fetch::fetch`, or a test's stand-in.
pub type Cdn<'a> = &'a mut dyn FnMut(&str) -> Result<crate::workspace::fetch::Fetched, String>;

/// Pulls `wanted` (a source's id, slug or name; None: every source).
pub fn pull(api: &mut Api, wanted: Option<&str>, cdn: Cdn<'_>) -> Result<Vec<Pulled>, PullError> {
    let workspace = api.get(&Call::new("getWorkspace", "/".into(), WORKSPACE_READ))?;
    let workspace = named(workspace.get("workspace"));
    let sources = api.list(
        &Call::new("listSources", "/sources".into(), SOURCE_READ),
        "sources",
    )?;
    let chosen: Vec<&Value> = match wanted {
        None => sources.iter().collect(),
        Some(w) => {
            let hit = sources.iter().find(|s| {
                ["id", "slug", "name"]
                    .iter()
                    .any(|k| s.get(*k).and_then(Value::as_str) == Some(w))
            });
            let Some(hit) = hit else {
                let known: Vec<&str> = sources
                    .iter()
                    .filter_map(|s| s.get("slug").and_then(Value::as_str))
                    .collect();
                return Err(PullError::NoSource {
                    wanted: w.to_owned(),
                    known: if known.is_empty() {
                        "none".into()
                    } else {
                        known.join(", ")
                    },
                });
            };
            vec![hit]
        }
    };
    // Suppressions and functions are the workspace's: read once, for every source.
    let mut gaps = Vec::new();
    let suppressed = suppressions(api, &mut gaps)?;
    let functions = functions(api, &mut gaps)?;
    let shared = Shared {
        workspace,
        suppressed,
        functions,
        gaps,
    };
    let mut out = Vec::new();
    for s in chosen {
        let id = s
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        out.push(one_source(api, &id, &shared, cdn)?);
    }
    Ok(out)
}

/// What the workspace has for every source: read once per pull.
struct Shared {
    workspace: Option<Named>,
    suppressed: Vec<String>,
    functions: Functions,
    /// What could not be read of these.
    gaps: Vec<String>,
}

/// The workspace's functions, as far as routing goes.
#[derive(Default)]
struct Functions {
    /// Destination functions: the catalog id their connected destinations carry, and their
    /// name.
    destinations: Vec<(String, String)>,
    /// Insert functions: the destination each enabled instance sits in front of, and its name.
    inserts: Vec<(String, String)>,
    /// The calls they came from.
    parts: Vec<Part>,
}

/// The workspace's destination and insert functions, or none (and a gap said) when the token
/// may not list them.
fn functions(api: &mut Api, gaps: &mut Vec<String>) -> Result<Functions, ApiError> {
    let mut out = Functions::default();
    let listed = |api: &mut Api, kind: &str| {
        let call = Call::new("listFunctions", "/functions".into(), FUNCTIONS_READ)
            .with_query("resourceType", kind);
        api.list(&call, "functions").map(|l| (l, call))
    };
    let name = |f: &Value| {
        f.get("displayName")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let (destination_fns, call) = match listed(api, "DESTINATION") {
        Ok(found) => found,
        Err(e @ ApiError::Forbidden { .. }) => {
            gaps.push(format!("functions: {e}"));
            return Ok(out);
        }
        Err(e) => return Err(e),
    };
    from_api(
        &mut out.parts,
        "destinations[].kind (destination functions)",
        &call,
    );
    for f in &destination_fns {
        if let Some(catalog) = f.get("catalogId").and_then(Value::as_str) {
            out.destinations.push((catalog.to_owned(), name(f)));
        }
    }
    let (insert_fns, call) = listed(api, "INSERT_DESTINATION")?;
    from_api(&mut out.parts, "destinations[].insertFunction", &call);
    for f in &insert_fns {
        let Some(id) = f.get("id").and_then(Value::as_str) else {
            continue;
        };
        let call = Call::new(
            "listInsertFunctionInstances",
            "/insert-function-instances".into(),
            FUNCTIONS_READ,
        )
        .with_query("functionId", id);
        for i in api.list(&call, "instances")? {
            let on = i.get("enabled").and_then(Value::as_bool).unwrap_or(true);
            if let (true, Some(dest)) = (on, i.get("integrationId").and_then(Value::as_str)) {
                out.inserts.push((dest.to_owned(), name(f)));
            }
        }
        from_api(&mut out.parts, "destinations[].insertFunction", &call);
    }
    Ok(out)
}

/// Says that `part` came from `call`.
fn from_api(parts: &mut Vec<Part>, part: &str, call: &Call) {
    parts.push(Part {
        part: part.to_owned(),
        from: format!("GET {} ({})", call.path, call.operation),
    });
}

/// A `{id, slug, name}` object as `Named`.
fn named(v: Option<&Value>) -> Option<Named> {
    let v = v?;
    let s = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
    Some(Named {
        id: s("id")?,
        slug: s("slug"),
        name: s("name"),
    })
}

/// Every suppressed user id, or none (and a gap said) when the token may not list them.
fn suppressions(api: &mut Api, gaps: &mut Vec<String>) -> Result<Vec<String>, ApiError> {
    let call = Call::new(
        "listSuppressions",
        "/suppressions".into(),
        SUPPRESSIONS_READ,
    );
    match api.list(&call, "suppressed") {
        Ok(groups) => Ok(groups
            .iter()
            .filter(|g| g.get("subjectType").and_then(Value::as_str) == Some("USER_ID"))
            .flat_map(|g| {
                g.get("subjectIds")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
            })
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect()),
        Err(e @ ApiError::Forbidden { .. }) => {
            gaps.push(format!("suppressed users: {e}"));
            Ok(Vec::new())
        }
        Err(e) => Err(e),
    }
}

fn one_source(api: &mut Api, id: &str, shared: &Shared, cdn: Cdn<'_>) -> Result<Pulled, PullError> {
    let mut parts = Vec::new();
    let mut gaps = shared.gaps.clone();
    let get_source = Call::new("getSource", Call::path(&["sources", id]), SOURCE_READ);
    let got = api.get(&get_source)?;
    from_api(&mut parts, "snapshot.source", &get_source);
    let source = got.get("source").cloned().unwrap_or(Value::Null);
    let named_source = named(Some(&source)).unwrap_or(Named {
        id: id.to_owned(),
        slug: None,
        name: None,
    });
    let slug = named_source.slug.clone().unwrap_or_else(|| id.to_owned());
    let mut base = from_cdn(&source, cdn, &mut parts, &mut gaps);
    let plan_id = got
        .get("trackingPlanId")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty());
    base["protocols"] = protocols(api, id, plan_id, &mut parts, &mut gaps)?;
    base["destinations"] = destinations(api, id, &base, &shared.functions, &mut parts)?;
    parts.extend(shared.functions.parts.iter().cloned());
    if !shared.suppressed.is_empty() {
        base["suppressed"] = json!(shared.suppressed);
    }
    let snapshot = Snapshot {
        version: VERSION,
        pulled_at: jiff::Timestamp::now()
            .round(jiff::Unit::Second)
            .map_or_else(|_| jiff::Timestamp::now().to_string(), |t| t.to_string()),
        api: api.base().to_owned(),
        workspace: shared.workspace.clone(),
        source: named_source,
        parts,
        gaps,
    };
    let mut json = json!({"snapshot": snapshot});
    if let (Value::Object(out), Value::Object(rest)) = (&mut json, base) {
        out.extend(rest.into_iter().filter(|(k, _)| k != "snapshot"));
    }
    let text = serde_json::to_vec_pretty(&json).unwrap_or_default();
    let workspace =
        Workspace::from_slice(&format!("snapshot of source {slug}"), &text).map_err(|error| {
            PullError::Unreadable {
                slug: slug.clone(),
                error,
            }
        })?;
    Ok(Pulled {
        slug,
        json,
        workspace,
    })
}

/// The settings the CDN has for the source's write key, in our shape: the consent mapping,
/// the schema controls and how the browser loads each destination, which only the CDN
/// carries. Without them, an empty workspace and a gap said.
fn from_cdn(source: &Value, cdn: Cdn<'_>, parts: &mut Vec<Part>, gaps: &mut Vec<String>) -> Value {
    const WHAT: &str = "consent categories, schema controls and device mode";
    let Some(key) = source.pointer("/writeKeys/0").and_then(Value::as_str) else {
        gaps.push(format!(
            "{WHAT}: the source has no write key to read its CDN settings with"
        ));
        return json!({"categories": [], "destinations": []});
    };
    match cdn(key) {
        Ok(fetched) => {
            let from = format!("CDN: the {}", fetched.workspace.origin);
            for p in [
                "categories",
                "destinations[].categories",
                "destinations[].components",
                "destinations[].plugin",
                "plan",
            ] {
                parts.push(Part {
                    part: p.into(),
                    from: from.clone(),
                });
            }
            gaps.extend(fetched.warning);
            fetched.workspace.to_own_json()
        }
        Err(why) => {
            gaps.push(format!("{WHAT}: {why}"));
            json!({"categories": [], "destinations": []})
        }
    }
}

/// The source's Protocols settings, with its tracking plan's rules in place.
fn protocols(
    api: &mut Api,
    id: &str,
    plan_id: Option<&str>,
    parts: &mut Vec<Part>,
    gaps: &mut Vec<String>,
) -> Result<Value, ApiError> {
    let schema = Call::new(
        "listSchemaSettingsInSource",
        format!("{}/settings", Call::path(&["sources", id])),
        SOURCE_READ,
    );
    let settings = api.get(&schema)?;
    from_api(parts, "protocols", &schema);
    let mut protocols = settings
        .get("settings")
        .cloned()
        .unwrap_or_else(|| json!({}));
    if let Value::Object(p) = &mut protocols {
        p.insert("sourceId".into(), json!(id));
    }
    if let Some(plan_id) = plan_id {
        let rules = Call::new(
            "listRulesFromTrackingPlan",
            format!("{}/rules", Call::path(&["tracking-plans", plan_id])),
            PLAN_READ,
        )
        .limited(RULES_PER_MINUTE);
        match api.list(&rules, "rules") {
            Ok(list) => {
                from_api(parts, "protocols.trackingPlan", &rules);
                protocols["trackingPlan"] = json!({"rules": list});
            }
            Err(e @ ApiError::Forbidden { .. }) => gaps.push(format!("the tracking plan: {e}")),
            Err(e) => return Err(e),
        }
    }
    Ok(protocols)
}

/// The source's connected destinations in our shape, then what the CDN lists and the API
/// does not connect (Engage's, say), as the CDN has it.
fn destinations(
    api: &mut Api,
    id: &str,
    base: &Value,
    functions: &Functions,
    parts: &mut Vec<Part>,
) -> Result<Value, ApiError> {
    let list = Call::new(
        "listConnectedDestinationsFromSource",
        format!("{}/connected-destinations", Call::path(&["sources", id])),
        SOURCE_READ,
    );
    let connected = api.list(&list, "destinations")?;
    from_api(parts, "destinations", &list);
    let cdn_dests: Vec<Value> = base["destinations"].as_array().cloned().unwrap_or_default();
    let mut used = vec![false; cdn_dests.len()];
    let mut dests = Vec::new();
    for d in &connected {
        let (mut dest, from_cdn) = destination(api, d, &cdn_dests, parts)?;
        if let Some(i) = from_cdn {
            used[i] = true;
        }
        with_functions(&mut dest, d, functions);
        dests.push(dest);
    }
    dests.extend(
        cdn_dests
            .into_iter()
            .zip(used)
            .filter(|(_, used)| !used)
            .map(|(d, _)| d),
    );
    Ok(Value::Array(dests))
}

/// A destination function is of kind `function`, its handlers (the event types it takes)
/// unknown to the API; an insert function in front of a destination is named.
fn with_functions(dest: &mut Value, d: &Value, functions: &Functions) {
    let catalog = d.pointer("/metadata/id").and_then(Value::as_str);
    if functions
        .destinations
        .iter()
        .any(|(c, _)| Some(c.as_str()) == catalog)
        && let Value::Object(o) = dest
    {
        o.insert("kind".into(), json!("function"));
        o.remove("methods");
    }
    let id = d.get("id").and_then(Value::as_str);
    if let Some((_, name)) = functions
        .inserts
        .iter()
        .find(|(dest_id, _)| Some(dest_id.as_str()) == id)
    {
        dest["insertFunction"] = json!(name);
    }
}

/// One connected destination in our shape: the CDN's entry (its consent categories, its
/// components and browser plugin) with the API's id, enabled flag, filters, cloud mappings
/// and the event types its catalog entry takes.
/// Also says which of `cdn` (the CDN's destinations, in our shape) it was.
fn destination(
    api: &mut Api,
    d: &Value,
    cdn: &[Value],
    parts: &mut Vec<Part>,
) -> Result<(Value, Option<usize>), ApiError> {
    let id = d.get("id").and_then(Value::as_str).unwrap_or_default();
    let meta = &d["metadata"];
    let name = meta.get("name").and_then(Value::as_str).unwrap_or(id);
    let previous: Vec<&str> = meta
        .get("previousNames")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let from_cdn = cdn.iter().position(|x| {
        x.get("name")
            .and_then(Value::as_str)
            .is_some_and(|n| n == name || previous.contains(&n))
    });
    let mut out: Map<String, Value> = match from_cdn.map(|i| &cdn[i]) {
        Some(Value::Object(o)) => o.clone(),
        _ => [
            ("name".to_owned(), json!(name)),
            ("categories".to_owned(), json!([])),
        ]
        .into_iter()
        .collect(),
    };
    out.insert("name".into(), json!(name));
    out.insert("id".into(), json!(id));
    if d.get("enabled").and_then(Value::as_bool) == Some(false) {
        out.insert("enabled".into(), json!(false));
    }
    let filters = Call::new(
        "listFiltersFromDestination",
        format!("{}/filters", Call::path(&["destination", id])),
        SOURCE_READ,
    );
    let list = api.list(&filters, "filters")?;
    from_api(parts, &format!("destinations[{name}].filters"), &filters);
    out.remove("filters");
    if !list.is_empty() {
        out.insert("filters".into(), list.iter().map(filter).collect());
    }
    let actions: &[Value] = meta
        .get("actions")
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice);
    out.insert("actions".into(), json!(!actions.is_empty()));
    // Where a classic destination's code runs, from its catalog entry, where the CDN did not
    // say (an Actions entry's components are its actions' code, not where it is connected).
    if actions.is_empty() && !out.contains_key("components") {
        let kinds: Vec<String> = meta
            .get("components")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|c| c.get("type").and_then(Value::as_str))
            .map(str::to_lowercase)
            .collect();
        if let Some(c) = Components::from_words(kinds.iter().map(String::as_str)) {
            out.insert("components".into(), json!(c.words()));
        }
    }
    if !actions.is_empty() {
        let subs = Call::new(
            "listSubscriptionsFromDestination",
            format!("{}/subscriptions", Call::path(&["destinations", id])),
            SOURCE_READ,
        );
        let list = api.list(&subs, "subscriptions")?;
        from_api(parts, &format!("destinations[{name}].mappings"), &subs);
        // Device-mode actions run in the browser's plugin (the CDN's remotePlugins); the
        // servers run the cloud ones.
        let cloud = |s: &Value| {
            let action = s.get("actionId").and_then(Value::as_str);
            actions
                .iter()
                .find(|a| a.get("id").and_then(Value::as_str) == action)
                .and_then(|a| a.get("platform").and_then(Value::as_str))
                .is_none_or(|p| p == "CLOUD")
        };
        let mappings: Vec<Value> = list
            .iter()
            .filter(|s| cloud(s))
            .map(|s| {
                json!({
                    "name": s.get("name").and_then(Value::as_str).unwrap_or_default(),
                    "subscribe": s.get("trigger").and_then(Value::as_str).unwrap_or_default(),
                    "enabled": s.get("enabled").and_then(Value::as_bool).unwrap_or(true),
                })
            })
            .collect();
        out.insert("mappings".into(), Value::Array(mappings));
    }
    // A destination function's are dropped again by `with_functions`: its handlers decide.
    if let Some(methods) = methods(meta, name) {
        out.insert("methods".into(), methods);
    }
    Ok((Value::Object(out), from_cdn))
}

/// A filter as the API lists it, in our shape (the fields our settings read).
fn filter(f: &Value) -> Value {
    let mut out = Map::new();
    for k in ["title", "description", "if", "actions", "enabled"] {
        if let Some(v) = f.get(k).filter(|v| !v.is_null()) {
            out.insert(k.into(), v.clone());
        }
    }
    Value::Object(out)
}

/// The event types the catalog entry takes (`supportedMethods`; `pageview` is page). The API
/// has no word for screen (segment-docs' catalog script sets it by hand): the compiled
/// catalog's word is kept, else screen goes with page.
fn methods(meta: &Value, name: &str) -> Option<Value> {
    let m = meta.get("supportedMethods")?.as_object()?;
    let on = |k: &str| m.get(k).and_then(Value::as_bool).unwrap_or(false);
    let screen =
        catalog::lookup(name).map_or(on("pageview"), |e| e.methods.iter().any(|k| k == "screen"));
    let words: Vec<&str> = [
        ("track", on("track")),
        ("identify", on("identify")),
        ("page", on("pageview")),
        ("screen", screen),
        ("group", on("group")),
        ("alias", on("alias")),
    ]
    .into_iter()
    .filter_map(|(w, yes)| yes.then_some(w))
    .collect();
    Some(json!(words))
}

/// Writes `json` to `path` whole or not at all: to a temporary file beside it, then renamed
/// over it, so that a pull cut short leaves the previous snapshot as it was.
pub fn write(path: &Path, json: &Value) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir)?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    serde_json::to_writer_pretty(&mut tmp, json).map_err(std::io::Error::other)?;
    std::io::Write::write_all(&mut tmp, b"\n")?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}
