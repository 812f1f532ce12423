//! Workspace settings: consent categories and the destinations mapped to them, loaded from our
//! own JSON or from Segment's CDN settings for a source (RULES §6). Categories are interned to
//! small indices so that a destination's requirement is one 64-bit mask.

pub mod catalog;
mod cdn;
pub mod dialect;
mod edit;
#[cfg(feature = "listen")]
pub mod fetch;
pub mod filter;
pub mod fql;
pub mod identity;
mod own;
pub mod plan;
pub mod protocols;
#[cfg(feature = "listen")]
pub mod public_api;
pub mod rudder;
pub mod snapshot;
pub mod trigger;
pub mod vendors;

use std::path::Path;

use foldhash::HashMap;
use serde_json::Value;

use crate::read::locate::{Step, line_col, locate};
use crate::text::printable;

use cdn::CdnSettings;
use own::OwnSettings;

/// Index of a category in `Workspace::categories`.
pub type CatIdx = u8;

/// Categories a workspace may have: one bit each in a mask. Segment allows far fewer.
pub const MAX_CATEGORIES: usize = 64;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Category {
    pub id: String,
    pub name: String,
    /// A disabled category is not enforced: it is left out of every destination's mapping.
    pub enabled: bool,
}

/// What a destination is, as far as consent goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DestinationKind {
    EventStream,
    /// A destination function: Segment runs its handlers (`onTrack`, ...); an event type it
    /// has none for fails (`EventNotSupported`).
    Function,
    /// Amazon S3 does not enforce consent (Consent Management FAQ).
    AwsS3,
    /// Engage destinations do not enforce consent (Consent Management FAQ).
    Engage,
    /// A data warehouse: consent is enforced, but the integrations object does not apply
    /// ("'All': false to block data from all downstream destinations, except data
    /// warehouses").
    Warehouse,
}

impl DestinationKind {
    pub const ALL: [Self; 5] = [
        Self::EventStream,
        Self::Function,
        Self::AwsS3,
        Self::Engage,
        Self::Warehouse,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::EventStream => "event-stream",
            Self::Function => "function",
            Self::AwsS3 => "aws-s3",
            Self::Engage => "engage",
            Self::Warehouse => "warehouse",
        }
    }

    pub fn enforces_consent(self) -> bool {
        matches!(self, Self::EventStream | Self::Function | Self::Warehouse)
    }

    /// Whether the `integrations` object can remove this destination (rule 8): not for AWS
    /// S3 ("does not affect events with AWS S3") nor warehouses.
    pub fn honours_integrations(self) -> bool {
        matches!(self, Self::EventStream | Self::Function | Self::Engage)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Destination {
    pub name: String,
    /// Mapped categories in the order the settings list them, disabled ones included.
    pub categories: Vec<CatIdx>,
    pub kind: DestinationKind,
    /// Destination filters, in the order they apply.
    pub filters: Vec<crate::workspace::filter::Filter>,
    /// An Actions destination's mappings (None: not an Actions destination, or its mappings
    /// not given: every event is taken).
    pub mappings: Option<Vec<Mapping>>,
    /// A RudderStack destination's own settings (None in Segment's shapes).
    pub rudder: Option<Box<crate::workspace::rudder::RudderDestination>>,
    /// The event types it takes, where the settings say (`methods`, over Segment's catalog).
    pub methods: Option<Vec<crate::read::event::Kind>>,
    /// Where it has a component, where the settings say (the CDN's `componentTypes`, our
    /// `components`); None: Segment's catalog decides.
    pub components: Option<Components>,
    /// The plugin the browser loads for it (the CDN's `remotePlugins`), with its subscriptions.
    pub plugin: Option<Plugin>,
    /// The name of the insert function in front of it, if it has one.
    pub insert_function: Option<String>,
    /// Its id in the workspace (the Public API's), where a snapshot gives it: Delivery
    /// Overview's counts are asked for by it.
    pub id: Option<String>,
    /// False when the workspace has it switched off: it receives nothing.
    pub enabled: bool,
    /// Whether it is an Actions destination, where the settings say (a snapshot does: its
    /// catalog entry's actions); None: the catalog and its name decide.
    pub actions: Option<bool>,
}

/// Where a destination has a component: in the browser (device mode) and on Segment's servers
/// (cloud mode), as the CDN's `versionSettings.componentTypes` say (`browser`, `server`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Components {
    pub browser: bool,
    pub server: bool,
}

impl Components {
    /// From `componentTypes`-like words; None when they name neither side (Actions
    /// destinations' CDN entries say `[]`: the words cannot tell).
    pub fn from_words<'a>(words: impl IntoIterator<Item = &'a str>) -> Option<Self> {
        let mut c = Self {
            browser: false,
            server: false,
        };
        for w in words {
            match w {
                "browser" => c.browser = true,
                "server" | "cloud" => c.server = true,
                _ => {}
            }
        }
        (c.browser || c.server).then_some(c)
    }

    /// The words, as our settings write them.
    pub fn words(self) -> Vec<&'static str> {
        [(self.browser, "browser"), (self.server, "server")]
            .into_iter()
            .filter_map(|(on, w)| on.then_some(w))
            .collect()
    }
}

/// A destination's browser plugin (an Actions destination's device-mode code): analytics.js
/// runs each enabled subscription whose trigger matches (action-destinations
/// `browser-destination-runtime/src/plugin.ts`).
#[derive(Debug, Clone, PartialEq)]
pub struct Plugin {
    /// Its name in `remotePlugins` (`Amplitude (Actions)`).
    pub name: String,
    /// Its subscriptions, as mappings.
    pub subscriptions: Vec<Mapping>,
}

/// One mapping of an Actions destination: it fires for the events its trigger matches.
#[derive(Debug, Clone, PartialEq)]
pub struct Mapping {
    pub name: String,
    /// The trigger as written.
    pub subscribe: String,
    pub trigger: crate::workspace::trigger::Trigger,
    pub enabled: bool,
}

impl Mapping {
    /// A mapping (or a browser plugin's subscription) whose trigger `subscribe` is read as
    /// destination-subscriptions reads it; a trigger it cannot read is a problem at `at`,
    /// said after `whose` (`destination "X", mapping "Y": Segment`).
    fn read(
        name: String,
        subscribe: String,
        enabled: bool,
        at: Vec<PathStep>,
        whose: &str,
    ) -> Result<Self, Problem> {
        let trigger = trigger::Trigger::parse(&subscribe).map_err(|e| {
            Problem::at(
                at,
                format!("{whose} cannot read this trigger: {}", printable(&e)),
            )
        })?;
        Ok(Self {
            name,
            subscribe,
            trigger,
            enabled,
        })
    }
}

/// Which file shape the settings were read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    Own,
    SegmentCdn,
    /// RudderStack's source or workspace config.
    RudderStack,
}

#[derive(Debug, Clone)]
pub struct Workspace {
    pub categories: Vec<Category>,
    pub destinations: Vec<Destination>,
    /// Traits that identify a person across profiles (`email`): profiles whose events carry
    /// the same value are merged (RULES §5). None by default.
    pub external_ids: Vec<String>,
    /// Unify's Identity Resolution limits and priority, which profiles follow.
    pub identity: identity::IdentityRules,
    /// How the browser's consent wrapper treats device-mode destinations (RULES §3, device
    /// mode), and where that came from.
    pub consent_model: ConsentModel,
    pub consent_model_from: ModelSource,
    /// How far apart two events with one messageId may be for Segment to drop the second
    /// (`guides/duplicate-data.md`: "an approximately 24 hour look-back window"); our
    /// settings' `dedupeWindow`.
    pub dedupe_window: jiff::SignedDuration,
    /// Where the settings came from: the file, or the CDN and when they were fetched.
    pub origin: String,
    /// What the settings got wrong that the tool read past, as `file:line:column: message`
    /// (the commands print them as warnings).
    pub warnings: Vec<String>,
    /// Those warnings while the settings are built, placed at their value once the text is
    /// at hand.
    unplaced: Vec<(Vec<PathStep>, String)>,
    /// RudderStack's `consentManagementMetadata` (each provider's resolution strategy for the
    /// page), as its source config had it.
    pub rudder_metadata: Option<Value>,
    /// The source's schema controls (`plan`, as the CDN settings carry it); empty when the
    /// settings have none.
    pub plan: plan::Plan,
    /// The source's Protocols settings and tracking plan, when the settings give them.
    pub protocols: Option<protocols::Protocols>,
    /// Where a snapshot's parts came from and when it was pulled (None: not a snapshot).
    pub snapshot: Option<snapshot::Snapshot>,
    /// The user ids the workspace suppresses (the Public API's suppressions): Segment
    /// accepts nothing from them.
    pub suppressed: foldhash::HashSet<String>,
    /// Vendor endpoints and the mappings the wire audit reads (`vendors`).
    pub wire: vendors::Wire,
    pub shape: Shape,
    by_id: HashMap<String, CatIdx>,
    by_lowercase: HashMap<String, CatIdx>,
    /// Per destination: the enabled categories it needs, as bits.
    required: Vec<u64>,
    /// Per destination, per filter and per mapping: the index of its condition among the
    /// workspace's distinct ones, so that a condition several destinations share is decided
    /// once per event (`filter::Known`).
    filter_keys: Vec<Vec<u32>>,
    trigger_keys: Vec<Vec<u32>>,
    /// Per destination: its entry in Segment's catalog (by name or previous name), looked up
    /// once rather than for every route.
    catalog: Vec<Option<&'static catalog::Entry>>,
}

/// The consent model of Segment's consent wrapper (`@segment/analytics-consent-tools`,
/// `create-wrapper.ts`): what the browser does with device-mode destinations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ConsentModel {
    /// Destinations are filtered once, when the page loads; nothing blocks per event. The
    /// wrapper's default (`load-context.ts`: `consentModel: 'opt-in'`).
    #[default]
    OptIn,
    /// Every destination is loaded, and a destination middleware drops each event whose
    /// stamped preferences do not allow it.
    OptOut,
}

impl ConsentModel {
    pub const ALL: [ConsentModel; 2] = [ConsentModel::OptIn, ConsentModel::OptOut];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::OptIn => "opt-in",
            Self::OptOut => "opt-out",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.as_str() == s)
    }
}

/// Where the workspace's consent model came from, so that every device verdict can say
/// whether it rests on a setting or on the wrapper's default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModelSource {
    /// Neither the settings nor the command line said: consent-tools' own default.
    Default,
    /// `"consentModel"` in the settings file.
    Settings,
    /// `--consent-model` on the command line.
    CommandLine,
}

impl ModelSource {
    /// `default`, `settings`, `--consent-model`: where, in a word.
    pub fn short(self) -> &'static str {
        match self {
            Self::Default => "default",
            Self::Settings => "settings",
            Self::CommandLine => "--consent-model",
        }
    }

    /// `opt-in (consent-tools' default)`, `opt-out (settings)`: the model and its source.
    pub fn describe(self, model: ConsentModel) -> String {
        let from = match self {
            Self::Default => "consent-tools' default",
            Self::Settings => "from the settings",
            Self::CommandLine => "from --consent-model",
        };
        format!("{} ({from})", model.as_str())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("{}: cannot read settings: {source}", printable(file))]
    Io {
        file: String,
        source: std::io::Error,
    },
    #[error("{}:{line}:{column}: {problem}", printable(file))]
    Invalid {
        file: String,
        line: usize,
        column: usize,
        problem: String,
    },
}

/// A problem found after parsing, with the path of the value it concerns.
struct Problem {
    path: Vec<PathStep>,
    message: String,
}

#[derive(Debug, Clone)]
enum PathStep {
    Key(String),
    Index(usize),
}

impl Problem {
    fn at(path: Vec<PathStep>, message: String) -> Self {
        Self { path, message }
    }
}

impl Workspace {
    pub fn load(path: &Path) -> Result<Self, SettingsError> {
        let file = path.display().to_string();
        let text = Self::read(path).map_err(|source| SettingsError::Io {
            file: file.clone(),
            source,
        })?;
        Self::from_slice(&file, &text)
    }

    /// The text of a settings file, never more than `limits::SETTINGS_BYTES`.
    pub fn read(path: &Path) -> std::io::Result<Vec<u8>> {
        crate::read::limits::read_file_at_most(
            path,
            crate::read::limits::SETTINGS_BYTES,
            "the file",
        )
    }

    /// Parses settings text; `file` names it in errors.
    pub fn from_slice(file: &str, text: &[u8]) -> Result<Self, SettingsError> {
        // A byte-order mark, as some Windows editors write, is not JSON but means nothing:
        // skipped (the columns of what follows are counted without it).
        let text = text.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(text);
        let invalid = |line, column, problem| SettingsError::Invalid {
            file: file.to_owned(),
            line,
            column,
            problem,
        };
        let serde_error = |e: serde_json::Error| {
            let msg = e.to_string();
            let bare = msg.rfind(" at line ").map_or(&msg[..], |i| &msg[..i]);
            // Name the field: serde_json says what is wrong and where, not in which field. A
            // syntax error has no field to name.
            let path = if e.is_data() {
                let at = crate::read::locate::offset_of(text, e.line(), e.column());
                crate::read::locate::path_at(text, at)
            } else {
                String::new()
            };
            // serde_json quotes the text it did not expect (an unknown key, a string): it is
            // the file's text, so it is shown like any other untrusted string.
            let bare = printable(bare);
            let problem = if path.is_empty() {
                bare.into_owned()
            } else {
                format!("{}: {bare}", printable(&path))
            };
            invalid(e.line().max(1), e.column().max(1), problem)
        };
        let value: Value = serde_json::from_slice(text).map_err(serde_error)?;
        let Value::Object(top) = &value else {
            return Err(invalid(1, 1, "settings must be a JSON object".into()));
        };
        let built = if top.contains_key("categories") || top.contains_key("destinations") {
            let own: OwnSettings = serde_json::from_slice(text).map_err(serde_error)?;
            Self::from_own(own)
        } else if top.contains_key("integrations") {
            let cdn: CdnSettings = serde_json::from_slice(text).map_err(serde_error)?;
            Self::from_cdn(cdn)
        } else if top.contains_key("source") || top.contains_key("sources") {
            Self::from_rudder(top)
        } else {
            return Err(invalid(
                1,
                1,
                "not a settings file: expected our shape (\"categories\", \"destinations\"), \
                 Segment's CDN settings (\"integrations\") or RudderStack's source config \
                 (\"source\" or \"sources\")"
                    .into(),
            ));
        };
        let place = |path: &[PathStep]| {
            let steps: Vec<Step<'_>> = path
                .iter()
                .map(|s| match s {
                    PathStep::Key(k) => Step::Key(k),
                    PathStep::Index(i) => Step::Index(*i),
                })
                .collect();
            locate(text, &steps).map_or((1, 1), |at| line_col(text, at))
        };
        let mut built = built.map_err(|p| {
            let (line, column) = place(&p.path);
            invalid(line, column, p.message)
        })?;
        for (path, message) in std::mem::take(&mut built.unplaced) {
            let (line, column) = place(&path);
            built
                .warnings
                .push(format!("{}:{line}:{column}: {message}", printable(file)));
        }
        file.clone_into(&mut built.origin);
        built.resolve_tracking_plan(file, text)?;
        Ok(built)
    }

    /// Reads the tracking plan the Protocols block names: rules given in place, or a file
    /// (relative to the settings file) in the shape the Public API returns.
    fn resolve_tracking_plan(&mut self, file: &str, text: &[u8]) -> Result<(), SettingsError> {
        let Some(given) = self
            .protocols
            .as_mut()
            .and_then(|p| p.settings.tracking_plan.take())
        else {
            return Ok(());
        };
        match given {
            Value::String(name) => {
                let path = Path::new(file)
                    .parent()
                    .unwrap_or(Path::new(""))
                    .join(&name);
                self.set_tracking_plan(&path)
            }
            inline => {
                let plan = protocols::read_plan(&inline, file).map_err(|e| {
                    let mut at = vec!["protocols".to_owned(), "trackingPlan".to_owned()];
                    at.extend(e.path);
                    invalid_at(file, text, &at, e.message)
                })?;
                self.protocols.get_or_insert_with(Default::default).plan = Some(plan.into());
                Ok(())
            }
        }
    }

    /// Connects the tracking plan in `path` (`--tracking-plan`, or the settings' own), in the
    /// shape the Public API returns its rules; a workspace without a Protocols block gets
    /// Segment's default settings (nothing blocked, nothing omitted: violations are reported).
    pub fn set_tracking_plan(&mut self, path: &Path) -> Result<(), SettingsError> {
        let file = path.display().to_string();
        let text = Self::read(path).map_err(|source| SettingsError::Io {
            file: file.clone(),
            source,
        })?;
        let value: Value = serde_json::from_slice(&text).map_err(|e| SettingsError::Invalid {
            file: file.clone(),
            line: e.line().max(1),
            column: e.column().max(1),
            problem: printable(&e.to_string()).into_owned(),
        })?;
        let plan = protocols::read_plan(&value, &file)
            .map_err(|e| invalid_at(&file, &text, &e.path, e.message))?;
        self.protocols.get_or_insert_with(Default::default).plan = Some(plan.into());
        Ok(())
    }

    fn assemble(categories: Vec<Category>, destinations: Vec<Destination>, shape: Shape) -> Self {
        let by_id = categories
            .iter()
            .enumerate()
            .map(|(i, c)| (c.id.clone(), i as CatIdx))
            .collect();
        let by_lowercase = categories
            .iter()
            .enumerate()
            .map(|(i, c)| (c.id.to_lowercase(), i as CatIdx))
            .collect();
        let required = required_of(&categories, &destinations);
        let filter_keys = distinct(&destinations, |d| {
            d.filters.iter().map(|f| f.fql.ir.to_string()).collect()
        });
        let destinations_catalog = destinations
            .iter()
            .map(|d| catalog::lookup(&d.name))
            .collect();
        // A destination's mappings, then its plugin's subscriptions.
        let trigger_keys = distinct(&destinations, |d| {
            d.mappings
                .iter()
                .flatten()
                .chain(d.plugin.iter().flat_map(|p| &p.subscriptions))
                .map(|m| m.trigger.tree.to_string())
                .collect()
        });
        Self {
            categories,
            destinations,
            external_ids: Vec::new(),
            identity: identity::IdentityRules::default(),
            rudder_metadata: None,
            plan: plan::Plan::default(),
            protocols: None,
            snapshot: None,
            suppressed: foldhash::HashSet::default(),
            wire: vendors::Wire::default(),
            consent_model: ConsentModel::default(),
            consent_model_from: ModelSource::Default,
            dedupe_window: DEDUPE_WINDOW,
            origin: String::new(),
            warnings: Vec::new(),
            unplaced: Vec::new(),
            shape,
            by_id,
            by_lowercase,
            required,
            filter_keys,
            trigger_keys,
            catalog: destinations_catalog,
        }
    }

    /// Whose rules decide for this workspace: the vendor whose shape its settings are in.
    pub fn dialect(&self) -> crate::workspace::dialect::Dialect {
        crate::workspace::dialect::Dialect::of_shape(self.shape)
    }

    /// The keys of destination `dest`'s filters' conditions (see `filter_keys`).
    pub fn filter_keys(&self, dest: usize) -> &[u32] {
        &self.filter_keys[dest]
    }

    /// The keys of destination `dest`'s mappings' triggers.
    pub fn trigger_keys(&self, dest: usize) -> &[u32] {
        &self.trigger_keys[dest]
    }

    /// Destination `dest`'s entry in Segment's catalog, by its name or a previous one.
    pub fn catalog_entry(&self, dest: usize) -> Option<&'static catalog::Entry> {
        self.catalog.get(dest).copied().flatten()
    }

    pub fn category(&self, idx: CatIdx) -> &Category {
        &self.categories[idx as usize]
    }

    /// The category with exactly this id.
    pub fn lookup(&self, id: &str) -> Option<CatIdx> {
        self.by_id.get(id).copied()
    }

    /// The category whose id equals this one when case is ignored.
    pub fn lookup_ignoring_case(&self, id: &str) -> Option<CatIdx> {
        self.by_lowercase.get(&id.to_lowercase()).copied()
    }

    /// The enabled categories destination `dest` needs, one bit per category index.
    pub fn required(&self, dest: usize) -> u64 {
        self.required[dest]
    }

    /// The destination with this exact name.
    pub fn destination(&self, name: &str) -> Option<usize> {
        self.destinations.iter().position(|d| d.name == name)
    }

    /// The destination whose name equals this one when case is ignored.
    pub fn destination_ignoring_case(&self, name: &str) -> Option<usize> {
        let lower = name.to_lowercase();
        self.destinations
            .iter()
            .position(|d| d.name.to_lowercase() == lower)
    }
}

/// Segment's deduplication window: "approximately 24 hours" (`guides/duplicate-data.md`).
pub const DEDUPE_WINDOW: jiff::SignedDuration = jiff::SignedDuration::from_hours(24);

/// `file:line:column: problem`, placed at the value `path` leads to in `text`.
fn invalid_at(file: &str, text: &[u8], path: &[String], problem: String) -> SettingsError {
    let steps: Vec<Step<'_>> = path
        .iter()
        .map(|k| match k.parse::<usize>() {
            Ok(i) => Step::Index(i),
            Err(_) => Step::Key(k),
        })
        .collect();
    let (line, column) = locate(text, &steps).map_or((1, 1), |at| line_col(text, at));
    SettingsError::Invalid {
        file: file.to_owned(),
        line,
        column,
        problem,
    }
}

/// Per destination, the enabled categories it is mapped to, one bit per category index.
fn required_of(categories: &[Category], destinations: &[Destination]) -> Vec<u64> {
    destinations
        .iter()
        .map(|d| {
            d.categories
                .iter()
                .filter(|&&c| categories[c as usize].enabled)
                .fold(0u64, |m, &c| m | 1 << c)
        })
        .collect()
}

/// Numbers each destination's conditions (as `texts` writes them) by the first place the same
/// text appears in the workspace.
fn distinct(
    destinations: &[Destination],
    texts: impl Fn(&Destination) -> Vec<String>,
) -> Vec<Vec<u32>> {
    let mut seen: HashMap<String, u32> = HashMap::default();
    destinations
        .iter()
        .map(|d| {
            texts(d)
                .into_iter()
                .map(|t| {
                    let next = seen.len() as u32;
                    *seen.entry(t).or_insert(next)
                })
                .collect()
        })
        .collect()
}

fn build_destination<'a>(
    categories: &[Category],
    earlier: &[Destination],
    name: &str,
    name_path: Vec<PathStep>,
    mapped: impl Iterator<Item = (&'a str, Vec<PathStep>)>,
    kind: DestinationKind,
) -> Result<Destination, Problem> {
    let shown = printable(name);
    if name.trim().is_empty() {
        return Err(Problem::at(name_path, "destination name is empty".into()));
    }
    if earlier.iter().any(|d| d.name == name) {
        return Err(Problem::at(
            name_path,
            format!("duplicate destination name \"{shown}\""),
        ));
    }
    let mut idxs: Vec<CatIdx> = Vec::new();
    for (id, path) in mapped {
        let Some(i) = categories.iter().position(|c| c.id == id) else {
            let known: Vec<&str> = categories.iter().map(|c| c.id.as_str()).collect();
            let known = if known.is_empty() {
                "no categories are configured".to_owned()
            } else {
                format!("known: {}", printable(&known.join(", ")))
            };
            return Err(Problem::at(
                path,
                format!(
                    "destination \"{shown}\" is mapped to unknown category \"{}\" ({known})",
                    printable(id)
                ),
            ));
        };
        let i = i as CatIdx;
        if idxs.contains(&i) {
            return Err(Problem::at(
                path,
                format!(
                    "destination \"{shown}\" lists category \"{}\" twice",
                    printable(id)
                ),
            ));
        }
        idxs.push(i);
    }
    Ok(Destination {
        name: name.to_owned(),
        categories: idxs,
        kind,
        filters: Vec::new(),
        mappings: None,
        rudder: None,
        methods: None,
        components: None,
        plugin: None,
        insert_function: None,
        id: None,
        enabled: true,
        actions: None,
    })
}

fn push_category(
    categories: &mut Vec<Category>,
    id: String,
    name: String,
    enabled: bool,
    path: Vec<PathStep>,
) -> Result<(), Problem> {
    check_category_id(&id).map_err(|m| Problem::at(path.clone(), m))?;
    if categories.iter().any(|k| k.id == id) {
        let m = format!("duplicate category id \"{}\"", printable(&id));
        return Err(Problem::at(path, m));
    }
    if categories.len() == MAX_CATEGORIES {
        let m = format!(
            "more than {MAX_CATEGORIES} categories; this tool supports at most {MAX_CATEGORIES}"
        );
        return Err(Problem::at(path, m));
    }
    categories.push(Category { id, name, enabled });
    Ok(())
}

/// Segment's rules for a category id: case sensitive, not starting with a digit, shorter than
/// 35 characters. We also refuse ids that are empty or hold control characters, and cap the
/// count so a mask fits in 64 bits.
fn check_category_id(id: &str) -> Result<(), String> {
    let shown = printable(id);
    if id.is_empty() {
        return Err("category id is empty".into());
    }
    if id.starts_with(|c: char| c.is_ascii_digit()) {
        return Err(format!(
            "category id \"{shown}\" starts with a digit (Segment does not allow that)"
        ));
    }
    let len = id.chars().count();
    if len >= 35 {
        return Err(format!(
            "category id \"{shown}\" is {len} characters long; it must be shorter than 35"
        ));
    }
    if id.chars().any(crate::text::is_unsafe) {
        return Err(format!("category id \"{shown}\" holds control characters"));
    }
    Ok(())
}
