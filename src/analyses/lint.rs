//! `lint`: findings about the workspace itself, and about the workspace against the traffic.
//! Most real consent failures are configuration: a category the consent tool never sends, ids
//! that differ only in case, destinations whose categories are all disabled, an `integrations`
//! flag that names no destination. Each finding says what happens to data and what to change.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::Value;

use crate::engine::Outcome;
use crate::read::event::Preferences;
use crate::read::input::Origin;
use crate::read::locate::{Step, line_col, locate};
use crate::rules::finding::Severity;
use crate::rules::verdict::{Block, Decision};
use crate::text::printable;
use crate::workspace::{Shape, Workspace};

/// A destination mapped to at least this many enabled categories is reported: each must be
/// `true`, and the more there are, the fewer users qualify (our threshold; Segment has none).
pub const MANY_CATEGORIES: usize = 3;

macro_rules! lint_codes {
    ($($variant:ident = $wire:literal, $sev:ident, $about:literal;)*) => {
        /// What `lint` finds, with its wire code.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum LintCode { $($variant,)* }

        impl LintCode {
            pub const ALL: &'static [LintCode] = &[$(LintCode::$variant,)*];
            pub fn as_str(self) -> &'static str {
                match self { $(LintCode::$variant => $wire,)* }
            }
            pub fn severity(self) -> Severity {
                match self { $(LintCode::$variant => Severity::$sev,)* }
            }
            /// One sentence on what the code means.
            pub fn about(self) -> &'static str {
                match self { $(LintCode::$variant => $about,)* }
            }
        }
    };
}

lint_codes! {
    CategoryNeverSent = "category_never_sent", Error,
        "A category no event carries while destinations need it: they receive no event that carries consent.";
    PreferenceKeyCase = "preference_key_case", Error,
        "A preference key that matches a category only when case is ignored: Segment compares exactly.";
    UnknownPreferenceKey = "unknown_preference_key", Warning,
        "A preference key in the traffic that is no configured category: it decides nothing.";
    OnlyDisabledCategories = "only_disabled_categories", Warning,
        "A destination mapped only to disabled categories: consent is not enforced for it.";
    ManyCategories = "many_categories", Warning,
        "A destination mapped to many categories: it receives an event only when all are true.";
    UnmappedDestination = "unmapped_destination", Warning,
        "A destination mapped to no category while the settings say none is (hasUnmappedDestinations false).";
    IntegrationsPreviousName = "integrations_previous_name", Warning,
        "An integrations key in the traffic that is another name Segment knows a destination by (a previous name): its servers read it, the browser does not.";
    IntegrationsUnknownDestination = "integrations_unknown_destination", Warning,
        "An integrations key in the traffic that names no destination: it turns nothing off.";
    CdnCategoryMissing = "cdn_category_missing", Error,
        "A destination's category that allCategories lacks: the consent wrapper does not send it.";
    FqlReadingsDiffer = "fql_readings_differ", Warning,
        "A destination filter the browser (tsub) and Segment's servers read differently: device and cloud routes of one event may disagree.";
    FilterNeverMatched = "filter_never_matched", Warning,
        "A destination filter whose condition matched none of the traffic's events.";
    MappingNeverMatched = "mapping_never_matched", Warning,
        "An Actions mapping whose trigger matched none of the traffic's events.";
    DroppedFieldNeverSent = "dropped_field_never_sent", Warning,
        "A DROP_PROPERTIES field no event of the traffic carries: it protects nothing there (a misspelling?).";
    LegacyListIgnoredBySdk = "legacy_list_ignored_by_sdk", Warning,
        "RudderStack: consentManagement beside a legacy OneTrust or Ketch list: the server may fall back to the list, the browser SDK never reads it.";
    ConsentIdPadded = "consent_id_padded", Warning,
        "RudderStack: a consent id with spaces around it: the browser SDK trims it, the server does not.";
    ProviderListedTwice = "provider_listed_twice", Warning,
        "RudderStack: two consentManagement entries for one provider: the server keeps the last, the browser SDK the first.";
    PlanEventNeverSeen = "plan_event_never_seen", Warning,
        "An event the source's plan lists that no track event of the traffic is: a misspelling, or an event no longer sent.";
    PlanBlocksTraffic = "plan_blocks_traffic", Warning,
        "Events of the traffic that the source's plan or its Protocols drop before the destinations.";
    TrackingPlanRuleNeverSatisfied = "tracking_plan_rule_never_satisfied", Warning,
        "A tracking plan rule that every call of the traffic it judged breaks: the rule and the code that sends it disagree.";
    SnapshotGap = "snapshot_gap", Warning,
        "A part of the workspace a pull could not read (a scope the token lacks, the CDN out of reach): the snapshot decides without it.";
    DeviceWithoutEndpoint = "device_without_endpoint", Warning,
        "A destination loaded in the browser whose vendor's endpoints the wire table lacks: what it sends from the page is not found in a capture (add it under wire.vendors).";
    StrategyNotRead = "strategy_not_read", Warning,
        "RudderStack: a resolutionStrategy on a oneTrust or ketch entry: it is not read (the page's strategy decides).";
}

#[derive(Debug, Clone)]
pub struct LintFinding {
    pub code: LintCode,
    pub message: String,
    /// Where: a line of the settings, or the first event that showed it.
    pub at: Origin,
    /// A JSON path, when the finding concerns a field.
    pub path: Option<String>,
}

/// What the traffic showed that the workspace must agree with.
#[derive(Default)]
pub struct Traffic {
    pub events: u64,
    /// Events whose preferences are an object.
    pub with_preferences: u64,
    /// Each preference key seen: how often, and where first.
    preference_keys: BTreeMap<String, (u64, Origin)>,
    integrations_keys: BTreeMap<String, (u64, Origin)>,
    /// Ingested events, which filters and mappings are asked about.
    ingested: u64,
    /// (destination, filter) whose condition matched some event.
    filters_matched: std::collections::BTreeSet<(usize, usize)>,
    /// (destination, mapping) whose trigger matched some event.
    mappings_matched: std::collections::BTreeSet<(usize, usize)>,
    /// (destination, filter, field) of `DROP_PROPERTIES` that some event carried.
    fields_seen: std::collections::BTreeSet<(usize, usize, String)>,
    /// Each ingested track event's name, when the source has a plan to hold it to.
    track_names: std::collections::BTreeSet<String>,
    /// Events the source dropped, by name and the setting that did: how many, and where first.
    at_source: BTreeMap<(String, String), (u64, Origin)>,
    /// Per tracking plan rule (its label): the calls it judged, how many satisfied it, where
    /// the first was and the first violation it found.
    rules: BTreeMap<String, RuleSeen>,
}

/// What the traffic did with one tracking plan rule.
struct RuleSeen {
    judged: u64,
    satisfied: u64,
    first: Origin,
    violation: Option<String>,
}

impl Traffic {
    pub fn observe(&mut self, ws: &Workspace, o: &Outcome) {
        self.events += 1;
        let Some(ev) = o.event.as_deref() else { return };
        if o.ingested() {
            self.ingested += 1;
            self.ask_filters_and_mappings(ws, ev);
            self.ask_plan(ws, o, ev);
            self.ask_tracking_plan(ws, o, ev);
        }
        if let Preferences::Object(m) = ev.preferences() {
            self.with_preferences += 1;
            for k in m.keys() {
                let e = self
                    .preference_keys
                    .entry(k.into_owned())
                    .or_insert_with(|| (0, o.origin.clone()));
                e.0 += 1;
            }
        }
        if let Some(i) = ev.integrations() {
            for k in i.keys() {
                let e = self
                    .integrations_keys
                    .entry(k.into_owned())
                    .or_insert_with(|| (0, o.origin.clone()));
                e.0 += 1;
            }
        }
    }
}

impl Traffic {
    /// Which rule judged the call, and whether the call satisfied it.
    fn ask_tracking_plan(&mut self, ws: &Workspace, o: &Outcome, ev: &crate::read::event::Doc) {
        let Some(e) = crate::rules::segment::protocols::evaluate(ws, ev) else {
            return;
        };
        let Some(rule) = e.rule else { return };
        let seen = self.rules.entry(rule).or_insert_with(|| RuleSeen {
            judged: 0,
            satisfied: 0,
            first: o.origin.clone(),
            violation: None,
        });
        seen.judged += 1;
        match e.violations.first() {
            None => seen.satisfied += 1,
            Some(v) => {
                seen.violation
                    .get_or_insert_with(|| format!("{} {}: {}", v.field, v.kind, v.description));
            }
        }
    }

    /// The track event's name, and whether the source dropped it.
    fn ask_plan(&mut self, ws: &Workspace, o: &Outcome, ev: &crate::read::event::Doc) {
        let source_controls = !ws.plan.track.is_empty() || ws.protocols.is_some();
        if !source_controls || ev.kind() != Some(crate::read::event::Kind::Track) {
            return;
        }
        let Some(name) = ev.event_name() else { return };
        if !self.track_names.contains(name.as_ref()) {
            self.track_names.insert(name.clone().into_owned());
        }
        let at_source = o.routes.iter().find_map(|r| match &r.decision {
            Decision::Block(Block::FilteredAtSource { setting, .. }) => Some(setting),
            _ => None,
        });
        if let Some(setting) = at_source {
            self.at_source
                .entry((name.into_owned(), setting.clone()))
                .or_insert_with(|| (0, o.origin.clone()))
                .0 += 1;
        }
    }

    /// Which filters' conditions and mappings' triggers this event matches, and which
    /// dropped fields it carries.
    fn ask_filters_and_mappings(&mut self, ws: &Workspace, ev: &crate::read::event::Doc) {
        let has_work = ws
            .destinations
            .iter()
            .any(|d| !d.filters.is_empty() || d.mappings.is_some());
        if !has_work {
            return;
        }
        let value = ev.to_value();
        for (d, dest) in ws.destinations.iter().enumerate() {
            for (f, filter) in dest.filters.iter().enumerate() {
                if filter.fql.matches(&value) == Ok(true) {
                    self.filters_matched.insert((d, f));
                }
                for path in filter.dropped_fields() {
                    if carries(&value, &path) {
                        self.fields_seen.insert((d, f, path));
                    }
                }
            }
            for (m, mapping) in dest.mappings.iter().flatten().enumerate() {
                if mapping.trigger.matches(&value) {
                    self.mappings_matched.insert((d, m));
                }
            }
        }
    }
}

/// Whether the event has a value at the dotted path (into each object of an array too).
fn carries(v: &Value, path: &str) -> bool {
    let Some((head, rest)) = path.split_once('.').map_or(Some((path, "")), Some) else {
        return false;
    };
    match v {
        Value::Object(m) => m
            .get(head)
            .is_some_and(|x| rest.is_empty() || carries(x, rest)),
        Value::Array(items) => items.iter().any(|x| carries(x, path)),
        _ => false,
    }
}

/// The settings file as written, for the findings only its text shows (Segment's CDN shape)
/// and for the lines findings point at.
pub struct SettingsText {
    pub file: Arc<str>,
    pub text: Vec<u8>,
    /// The text as JSON, parsed once (None when it is not an object; the loader says why).
    doc: Option<serde_json::Map<String, Value>>,
}

impl SettingsText {
    pub fn new(file: Arc<str>, text: Vec<u8>) -> Self {
        let doc = match serde_json::from_slice(&text) {
            Ok(Value::Object(doc)) => Some(doc),
            _ => None,
        };
        Self { file, text, doc }
    }

    fn origin_of(&self, path: &[Step<'_>]) -> Origin {
        let line = locate(&self.text, path).map_or(1, |at| line_col(&self.text, at).0);
        Origin {
            file: self.file.clone(),
            line: line as u64,
            index: None,
            offset: 0,
        }
    }

    /// Where category number `i` is written.
    fn category(&self, ws: &Workspace, i: usize) -> Origin {
        match ws.shape {
            Shape::Own => self.origin_of(&[Step::Key("categories"), Step::Index(i)]),
            Shape::SegmentCdn => self.origin_of(&[
                Step::Key("consentSettings"),
                Step::Key("allCategories"),
                Step::Index(i),
            ]),
            // A consent id has no place of its own: it is written in each destination that
            // names it. The source stands for it.
            Shape::RudderStack => self.origin_of(&[Step::Key("source")]),
        }
    }

    /// Where destination `name` (number `i`) is written.
    fn destination(&self, ws: &Workspace, i: usize, name: &str) -> Origin {
        match ws.shape {
            Shape::Own => self.origin_of(&[Step::Key("destinations"), Step::Index(i)]),
            Shape::SegmentCdn => self.origin_of(&[Step::Key("integrations"), Step::Key(name)]),
            // Counted among enabled destinations: a disabled one before it shifts the line.
            Shape::RudderStack => self.origin_of(&[
                Step::Key("source"),
                Step::Key("destinations"),
                Step::Index(i),
            ]),
        }
    }

    /// CDN settings: each destination's categories that `allCategories` lacks, and whether
    /// `hasUnmappedDestinations` is `false`. The loader reads past the first with a warning;
    /// `lint` reports it as an error, and adds the missing ids to `allCategories` so that the
    /// findings are placed as the loader would read the file.
    pub fn cdn_gaps(&self) -> (Vec<LintFinding>, Option<Vec<u8>>) {
        let Some(doc) = &self.doc else {
            return (Vec::new(), None);
        };
        let Some(Value::Object(integrations)) = doc.get("integrations") else {
            return (Vec::new(), None);
        };
        let all: Vec<&str> = doc
            .get("consentSettings")
            .and_then(|c| c.get("allCategories"))
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let mut found = Vec::new();
        let mut missing: Vec<String> = Vec::new();
        for (name, settings) in integrations {
            let cats = settings
                .get("consentSettings")
                .and_then(|c| c.get("categories"))
                .and_then(Value::as_array);
            for (i, id) in cats.into_iter().flatten().enumerate() {
                let Some(id) = id.as_str() else { continue };
                if all.contains(&id) {
                    continue;
                }
                let path = [
                    Step::Key("integrations"),
                    Step::Key(name),
                    Step::Key("consentSettings"),
                    Step::Key("categories"),
                    Step::Index(i),
                ];
                found.push(LintFinding {
                    code: LintCode::CdnCategoryMissing,
                    message: format!(
                        "{} is mapped to {}, which allCategories lacks: the consent wrapper sends \
                         no preference for it, so {} is blocked for every event that carries \
                         consent; add {} to allCategories (or unmap it)",
                        printable(name),
                        printable(id),
                        printable(name),
                        printable(id)
                    ),
                    at: self.origin_of(&path),
                    path: Some(format!(
                        "integrations.{name}.consentSettings.categories[{i}]"
                    )),
                });
                if !missing.iter().any(|m| m == id) {
                    missing.push(id.to_owned());
                }
            }
        }
        if missing.is_empty() {
            return (found, None);
        }
        let mut patched = doc.clone();
        let list = patched
            .entry("consentSettings")
            .or_insert_with(|| Value::Object(serde_json::Map::new()));
        if let Some(obj) = list.as_object_mut() {
            let all = obj
                .entry("allCategories")
                .or_insert_with(|| Value::Array(Vec::new()));
            if let Some(a) = all.as_array_mut() {
                a.extend(missing.into_iter().map(Value::String));
            }
        }
        (found, serde_json::to_vec(&Value::Object(patched)).ok())
    }

    /// CDN settings' `consentSettings.hasUnmappedDestinations`, when written.
    fn has_unmapped(&self) -> Option<bool> {
        self.doc
            .as_ref()?
            .get("consentSettings")?
            .get("hasUnmappedDestinations")?
            .as_bool()
    }
}

/// Every finding about `ws`, written in `settings`, and about `ws` against `traffic` when
/// there was any.
pub fn lint(
    ws: &Workspace,
    settings: &SettingsText,
    traffic: Option<&Traffic>,
) -> Vec<LintFinding> {
    let mut out = Vec::new();
    let flagged_none_unmapped = settings.has_unmapped() == Some(false);
    for (i, d) in ws.destinations.iter().enumerate() {
        if !d.kind.enforces_consent() {
            continue;
        }
        let at = || settings.destination(ws, i, &d.name);
        let enabled: Vec<&str> = d
            .categories
            .iter()
            .map(|&c| ws.category(c))
            .filter(|c| c.enabled)
            .map(|c| c.id.as_str())
            .collect();
        if !d.categories.is_empty() && enabled.is_empty() {
            out.push(LintFinding {
                code: LintCode::OnlyDisabledCategories,
                message: format!(
                    "{} is mapped only to disabled categories: it receives every event as \
                     unmapped, whatever the user chose; enable a category or map it to an enabled one",
                    printable(&d.name)
                ),
                at: at(),
                path: None,
            });
        }
        if enabled.len() >= MANY_CATEGORIES {
            out.push(LintFinding {
                code: LintCode::ManyCategories,
                message: format!(
                    "{} needs all of {} to be true: a user who declines any one of them is \
                     blocked; map it to the categories that describe it",
                    printable(&d.name),
                    printable(&enabled.join(", "))
                ),
                at: at(),
                path: None,
            });
        }
        if d.categories.is_empty() && flagged_none_unmapped {
            out.push(LintFinding {
                code: LintCode::UnmappedDestination,
                message: format!(
                    "{} is mapped to no category, but hasUnmappedDestinations is false: it \
                     receives every event whatever the user chose; map it to a category",
                    printable(&d.name)
                ),
                at: at(),
                path: None,
            });
        }
    }
    readings_findings(ws, settings, &mut out);
    snapshot_findings(ws, settings, &mut out);
    endpoint_findings(ws, settings, &mut out);
    if let Some(t) = traffic {
        traffic_findings(ws, settings, t, &mut out);
    }
    out.extend(rudder_findings(ws, settings));
    // Each check belongs to a step of a vendor's chain (`Step::lint`): a workspace gets those
    // of its own vendor's steps.
    let chain = crate::rules::dialect::chain(ws.dialect());
    out.retain(|f| chain.lints(f.code.as_str()));
    out
}

/// Destinations loaded in the browser that the wire table cannot recognise on the wire.
fn endpoint_findings(ws: &Workspace, settings: &SettingsText, out: &mut Vec<LintFinding>) {
    for (i, d) in ws.destinations.iter().enumerate() {
        let in_browser = d.plugin.is_some() || d.components.is_some_and(|c| c.browser);
        if !in_browser || !d.enabled || ws.wire.knows(&d.name) {
            continue;
        }
        out.push(LintFinding {
            code: LintCode::DeviceWithoutEndpoint,
            message: format!(
                "{} is loaded in the browser, and no entry of the wire table names it: its own requests in a capture are not recognised, so none is held to the consent in force; add its hosts under wire.vendors",
                printable(&d.name)
            ),
            at: settings.destination(ws, i, &d.name),
            path: None,
        });
    }
}

/// What a snapshot's pull could not read.
fn snapshot_findings(ws: &Workspace, settings: &SettingsText, out: &mut Vec<LintFinding>) {
    let Some(snapshot) = &ws.snapshot else { return };
    for (i, gap) in snapshot.gaps.iter().enumerate() {
        out.push(LintFinding {
            code: LintCode::SnapshotGap,
            message: format!(
                "the pull of {} could not read {}",
                snapshot.describe(),
                printable(gap)
            ),
            at: settings.origin_of(&[Step::Key("snapshot"), Step::Key("gaps"), Step::Index(i)]),
            path: Some(format!("snapshot.gaps[{i}]")),
        });
    }
}

/// Destination filters the browser and Segment's servers read differently.
fn readings_findings(ws: &Workspace, settings: &SettingsText, out: &mut Vec<LintFinding>) {
    for (d, dest) in ws.destinations.iter().enumerate() {
        for filter in dest.filters.iter().filter(|f| f.enabled) {
            let differ = filter.fql.readings_differ();
            if differ.is_empty() {
                continue;
            }
            out.push(LintFinding {
                code: LintCode::FqlReadingsDiffer,
                message: format!(
                    "the filter \"{}\" of {} (if {}) reads differently in the browser (device mode) and on Segment's servers (cloud mode): {}; the tool decides each route by its own reader",
                    printable(&filter.title),
                    printable(&dest.name),
                    printable(&filter.condition),
                    differ.join("; ")
                ),
                at: settings.destination(ws, d, &dest.name),
                path: None,
            });
        }
    }
}

fn traffic_findings(
    ws: &Workspace,
    settings: &SettingsText,
    t: &Traffic,
    out: &mut Vec<LintFinding>,
) {
    for (key, (n, first)) in &t.preference_keys {
        if ws.lookup(key).is_some() {
            continue;
        }
        let (code, message) = match ws.lookup_ignoring_case(key) {
            Some(c) => (
                LintCode::PreferenceKeyCase,
                format!(
                    "the preference \"{1}\" (in {0}) is not the category \"{2}\": Segment \
                     compares exactly, so destinations needing {2} are blocked for them; make \
                     the consent tool send \"{2}\"",
                    events(*n),
                    printable(key),
                    ws.category(c).id,
                ),
            ),
            None => (
                LintCode::UnknownPreferenceKey,
                format!(
                    "the preference \"{1}\" (in {0}) is no configured category: \
                     it decides nothing; add the category, or stop sending it",
                    events(*n),
                    printable(key)
                ),
            ),
        };
        out.push(LintFinding {
            code,
            message,
            at: first.clone(),
            path: Some(format!(
                "context.consent.categoryPreferences.{}",
                printable(key)
            )),
        });
    }
    if t.with_preferences > 0 {
        for (i, c) in ws.categories.iter().enumerate() {
            if !c.enabled || t.preference_keys.contains_key(&c.id) {
                continue;
            }
            let needing: Vec<&str> = ws
                .destinations
                .iter()
                .enumerate()
                .filter(|(d, dest)| dest.kind.enforces_consent() && ws.required(*d) & (1 << i) != 0)
                .map(|(_, dest)| dest.name.as_str())
                .collect();
            if needing.is_empty() {
                continue;
            }
            out.push(LintFinding {
                code: LintCode::CategoryNeverSent,
                message: format!(
                    "no event of {} carrying preferences sends {} ({}): a missing preference \
                     counts as false, so {} receive none of them; make the consent tool send {}, \
                     or unmap it",
                    t.with_preferences,
                    c.id,
                    printable(&c.name),
                    printable(&needing.join(", ")),
                    c.id
                ),
                at: settings.category(ws, i),
                path: None,
            });
        }
    }
    filter_and_mapping_findings(ws, settings, t, out);
    plan_findings(ws, settings, t, out);
    integrations_findings(ws, t, out);
}

/// The traffic's integrations keys that name no destination, or one by another name.
fn integrations_findings(ws: &Workspace, t: &Traffic, out: &mut Vec<LintFinding>) {
    for (key, (n, first)) in &t.integrations_keys {
        if key == "All" || key == "Segment.io" || ws.destination(key).is_some() {
            continue;
        }
        if let Some(d) = crate::workspace::catalog::known_as(ws, key) {
            out.push(LintFinding {
                code: LintCode::IntegrationsPreviousName,
                message: format!(
                    "integrations.\"{}\" (in {}) is what Segment's catalog calls {} by another \
                     name: Segment's servers read it, the browser does not; use \"{}\"",
                    printable(key),
                    events(*n),
                    printable(&ws.destinations[d].name),
                    printable(&ws.destinations[d].name)
                ),
                at: first.clone(),
                path: Some(format!("integrations.{}", printable(key))),
            });
            continue;
        }
        let hint = closest(ws, key)
            .map(|name| format!("; did you mean \"{}\"?", printable(name)))
            .unwrap_or_default();
        out.push(LintFinding {
            code: LintCode::IntegrationsUnknownDestination,
            message: format!(
                "integrations.\"{1}\" (in {0}) names no destination: it turns \
                 nothing off (names are matched exactly){hint}",
                events(*n),
                printable(key)
            ),
            at: first.clone(),
            path: Some(format!("integrations.{}", printable(key))),
        });
    }
}

/// Plan entries the traffic never sent, and traffic the plan drops.
fn plan_findings(ws: &Workspace, settings: &SettingsText, t: &Traffic, out: &mut Vec<LintFinding>) {
    if t.ingested == 0 {
        return;
    }
    for (name, _) in &ws.plan.track.entries {
        if !t.track_names.contains(name) {
            out.push(LintFinding {
                code: LintCode::PlanEventNeverSeen,
                message: format!(
                    "the source's plan lists \"{}\", which none of {} is: check its spelling \
                     (names are matched exactly), or remove it",
                    printable(name),
                    events(t.ingested)
                ),
                at: settings.origin_of(&[Step::Key("plan"), Step::Key("track"), Step::Key(name)]),
                path: Some(format!("plan.track.{}", printable(name))),
            });
        }
    }
    for ((name, setting), (n, first)) in &t.at_source {
        let change = if setting.starts_with("plan.") {
            "the plan"
        } else {
            "the source's Protocols settings or its tracking plan"
        };
        out.push(LintFinding {
            code: LintCode::PlanBlocksTraffic,
            message: format!(
                "the source drops \"{}\" ({}) before the destinations, warehouses included, \
                 by {}; if the event is meant to arrive, change {change}",
                printable(name),
                events(*n),
                printable(setting)
            ),
            at: first.clone(),
            path: Some("event".to_owned()),
        });
    }
    for (rule, seen) in &t.rules {
        if seen.satisfied > 0 {
            continue;
        }
        out.push(LintFinding {
            code: LintCode::TrackingPlanRuleNeverSatisfied,
            message: format!(
                "no call satisfies the tracking plan rule {} ({} judged, every one breaks it; \
                 the first: {}): fix the rule or the code that sends it",
                printable(rule),
                events(seen.judged),
                printable(seen.violation.as_deref().unwrap_or_default())
            ),
            at: seen.first.clone(),
            path: None,
        });
    }
}

/// Filters, mappings and dropped fields the traffic never exercised.
fn filter_and_mapping_findings(
    ws: &Workspace,
    settings: &SettingsText,
    t: &Traffic,
    out: &mut Vec<LintFinding>,
) {
    if t.ingested == 0 {
        return;
    }
    for (d, dest) in ws.destinations.iter().enumerate() {
        let at = || settings.destination(ws, d, &dest.name);
        for (f, filter) in dest.filters.iter().enumerate() {
            if filter.enabled && !t.filters_matched.contains(&(d, f)) {
                out.push(LintFinding {
                    code: LintCode::FilterNeverMatched,
                    message: format!(
                        "the filter \"{}\" of {} (if {}) matched none of {}: it changes \
                         nothing for this traffic; check its condition",
                        printable(&filter.title),
                        printable(&dest.name),
                        printable(&filter.condition),
                        events(t.ingested)
                    ),
                    at: at(),
                    path: None,
                });
            }
            for path in filter.dropped_fields() {
                if !t.fields_seen.contains(&(d, f, path.clone())) {
                    out.push(LintFinding {
                        code: LintCode::DroppedFieldNeverSent,
                        message: format!(
                            "the filter \"{}\" of {} drops {}, which none of {} \
                             carries: if the field is spelled otherwise, it still \
                             reaches {}",
                            printable(&filter.title),
                            printable(&dest.name),
                            printable(&path),
                            events(t.ingested),
                            printable(&dest.name)
                        ),
                        at: at(),
                        path: Some(path),
                    });
                }
            }
        }
        for (m, mapping) in dest.mappings.iter().flatten().enumerate() {
            if mapping.enabled && !t.mappings_matched.contains(&(d, m)) {
                out.push(LintFinding {
                    code: LintCode::MappingNeverMatched,
                    message: format!(
                        "the mapping \"{}\" of {} ({}) matched none of {}: {} receives \
                         nothing through it; check its trigger",
                        printable(&mapping.name),
                        printable(&dest.name),
                        printable(&mapping.subscribe),
                        events(t.ingested),
                        printable(&dest.name)
                    ),
                    at: at(),
                    path: None,
                });
            }
        }
    }
}

/// "1 event", "2 events".
/// RudderStack's settings: where its server and its browser SDK read a destination's consent
/// settings differently (docs/rules.md, "Where the two RudderStack deciders disagree").
fn rudder_findings(ws: &Workspace, settings: &SettingsText) -> Vec<LintFinding> {
    let mut out = Vec::new();
    for (i, d) in ws.destinations.iter().enumerate() {
        let Some(r) = &d.rudder else { continue };
        let c = &r.consent;
        let name = printable(&d.name).into_owned();
        let mut push = |code, message: String| {
            out.push(LintFinding {
                code,
                message,
                at: settings.destination(ws, i, &d.name),
                path: None,
            });
        };
        if c.has_generic && (!c.one_trust.is_empty() || !c.ketch.is_empty()) {
            push(
                LintCode::LegacyListIgnoredBySdk,
                format!(
                    "{name} has consentManagement and a legacy list: for a provider without an entry, the server falls back to the list while the browser SDK loads the destination; move the list into consentManagement"
                ),
            );
        }
        let padded: Vec<&str> = c
            .generic
            .iter()
            .flat_map(|p| &p.consents)
            .chain(&c.one_trust)
            .chain(&c.ketch)
            .map(String::as_str)
            .filter(|id| id.trim() != *id && !id.trim().is_empty())
            .collect();
        if !padded.is_empty() {
            let ids: Vec<String> = padded.iter().map(|id| format!("\"{id}\"")).collect();
            push(
                LintCode::ConsentIdPadded,
                format!(
                    "{name} names {}: the browser SDK trims it, the server compares it as written, so a page that denies the id is filtered by one and not the other; remove the spaces",
                    printable(&ids.join(", "))
                ),
            );
        }
        let mut seen: Vec<&str> = Vec::new();
        for p in &c.generic {
            if seen.contains(&p.provider.as_str()) {
                push(
                    LintCode::ProviderListedTwice,
                    format!(
                        "{name} has two consentManagement entries for {}: the server keeps the last, the browser SDK the first; keep one",
                        printable(&p.provider)
                    ),
                );
            }
            seen.push(&p.provider);
            if matches!(p.provider.as_str(), "oneTrust" | "ketch") {
                if let Some(s) = &p.resolution_strategy {
                    push(
                        LintCode::StrategyNotRead,
                        format!(
                            "{name}'s {} entry says resolutionStrategy \"{}\": neither the server nor the browser SDK reads it for {}, the page's strategy (consentManagementMetadata) decides",
                            printable(&p.provider),
                            printable(s),
                            printable(&p.provider)
                        ),
                    );
                }
            }
        }
    }
    out
}

fn events(n: u64) -> String {
    format!("{n} event{}", if n == 1 { "" } else { "s" })
}

/// The destination name nearest `key` (edit distance over lower case), when near enough to
/// be a misspelling.
fn closest<'a>(ws: &'a Workspace, key: &str) -> Option<&'a str> {
    let key = key.to_lowercase();
    ws.destinations
        .iter()
        .map(|d| (distance(&key, &d.name.to_lowercase()), d.name.as_str()))
        .filter(|(dist, name)| *dist <= (name.chars().count() / 3).max(2))
        .min_by_key(|(dist, _)| *dist)
        .map(|(_, name)| name)
}

/// Levenshtein distance, by characters.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    #[test]
    fn distance_counts_edits() {
        assert_eq!(super::distance("braze", "braze"), 0);
        assert_eq!(super::distance("braz", "braze"), 1);
        assert_eq!(super::distance("google ads", "google analytics 4"), 9);
        assert_eq!(super::distance("", "abc"), 3);
    }
}
