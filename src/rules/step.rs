//! A step between an event and a destination, and a vendor's chain of them. Each step is a
//! module of its vendor's folder (`rules/segment/consent.rs`, ...) that decides one thing and
//! holds what belongs to it: the reasons it gives (with the discard code Delivery Overview
//! shows for them), the sentences `explain` says for them, the choices it rests on, its lint
//! checks and the tour lesson that teaches it. A new cause of "not delivered" is a new step:
//! a module, and its place in its vendor's `CHAIN`.

use serde_json::{Map, Value};

use crate::read::event::Doc;
use crate::rules::choices::Choice;
use crate::rules::finding::{Code, Finding};
use crate::rules::verdict::Route;
use crate::workspace::Workspace;

/// Whether a step decides once for the whole event or for each destination.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Before any destination: ingest, duplicates.
    Event,
    /// For each destination, on what the steps before it let through.
    Destination,
}

/// What one outcome's verdicts are, for the steps that say which choices they rest on.
pub struct Verdicts<'a> {
    pub ws: &'a Workspace,
    pub event: Option<&'a Doc>,
    pub findings: &'a [Finding],
    pub routes: &'a [Route],
    pub ingested: bool,
}

impl Verdicts<'_> {
    /// Whether validation found `code`.
    pub fn has(&self, code: Code) -> bool {
        self.findings.iter().any(|f| f.code == code)
    }
}

/// One step of a chain, as the views and the tests read it.
pub struct Step {
    /// Its name, as docs/development.md lists it.
    pub name: &'static str,
    /// What it decides, in a sentence.
    pub about: &'static str,
    pub scope: Scope,
    /// The reasons it gives, as `verdict::REASONS` spells them.
    pub reasons: &'static [&'static str],
    /// The discard codes Delivery Overview shows for what it stops (Segment's), besides the
    /// ingest codes.
    pub discards: &'static [&'static str],
    /// The choices (`rules::choices`) its verdicts may rest on.
    pub choices: &'static [Choice],
    /// Which of those an outcome's verdicts rest on.
    pub rests_on: fn(&Verdicts<'_>, &mut Vec<Choice>),
    /// The `lint` checks (their codes) about the settings this step reads.
    pub lint: &'static [&'static str],
    /// The tour lessons (their titles, `tui/tour.toml`) that teach it.
    pub lessons: &'static [&'static str],
    /// The sentence for a route this step stopped (the destination's name first), or None
    /// when another step stopped it or it was delivered.
    pub blocked: fn(&Workspace, &Route, &str) -> Option<String>,
    /// In a few words, what stands behind a verdict this step made, where its reason needs
    /// some (the UI's detail); None for another step's.
    pub why: fn(&Workspace, &Route) -> Option<String>,
}

/// A step that rests on no choice.
pub fn no_choice(_: &Verdicts<'_>, _: &mut Vec<Choice>) {}

/// A step whose reasons need no more words than their names.
pub fn no_words(_: &Workspace, _: &Route) -> Option<String> {
    None
}

/// A step that stops nothing (it decides how, not whether).
pub fn stops_nothing(_: &Workspace, _: &Route, _: &str) -> Option<String> {
    None
}

/// A vendor's rules: its steps in the order they apply, and its words for what the views show.
pub struct Chain {
    pub steps: &'static [&'static Step],
    /// What the status bar says while these rules decide, where they are not the default.
    pub badge: Option<&'static str>,
    /// Whether the vendor has Delivery Overview (discard codes and its table).
    pub delivery_overview: bool,
    /// Whether device-mode verdicts assume a consent model (the browser's wrapper's), which
    /// a route's record names.
    pub consent_model: bool,
    /// The route table's legend.
    pub legend: &'static str,
    /// One sentence on one destination's decision, starting with the destination's name.
    pub explain: fn(&Workspace, &Route) -> String,
    /// What the vendor reads of the event's consent, in a sentence.
    pub stamp: fn(&Workspace, &Doc) -> String,
    /// The note a device-mode route gets in the UI's detail (`⇢ device mode, …`).
    pub device_note: fn(&Workspace) -> String,
    /// A trial's values in the vendor's words (true, false, missing).
    pub trial_words: [&'static str; 3],
    /// The value the event holds for category `id`, where a trial can be it; None for another
    /// value, or no consent at all.
    pub held: fn(&Doc, &str) -> Option<Trial>,
    /// What the event holds for category `id`, in words (the what-if's heading).
    pub holds: fn(Option<&Doc>, &str) -> String,
    /// Sets category `id` of the event (its JSON) to `trial`, the vendor's way; None when the
    /// event leaves nothing to set.
    pub set: fn(&mut Value, &str, Trial) -> Option<()>,
    /// What the event stamps as its user's consent, for the profiles.
    pub stamped: fn(&Workspace, &Doc) -> Stamped,
    /// What the source stage did with an ingested event, in a sentence (`explain`, the
    /// UI's detail); None when the vendor has no source stage or the source has no controls.
    pub source: fn(&Workspace, &Doc, &[Route]) -> Option<String>,
}

/// What an event stamps as its user's consent, as the profiles take it.
pub enum Stamped {
    /// Its preferences (Segment's `categoryPreferences`), which the profile compares with
    /// what it recorded, and warns about.
    Preferences,
    /// Each category's consent as lists of ids say it (`Some(true)` allowed, `Some(false)`
    /// denied, `None` in neither), taken as it comes.
    Ids(Vec<Option<bool>>),
    /// Nothing that touches the profile.
    Nothing,
}

/// A value to try in place of the event's own for one category (under RudderStack's rules: the
/// id allowed, denied, or in neither list of `consentManagement`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trial {
    True,
    False,
    /// The key taken out of the preferences (which counts as false).
    Missing,
}

impl Trial {
    /// The next value `t` cycles to: true, false, missing, true…
    pub fn next(self) -> Self {
        match self {
            Trial::True => Trial::False,
            Trial::False => Trial::Missing,
            Trial::Missing => Trial::True,
        }
    }

    /// What `t` tries after `current` (nothing yet: true), skipping `own`, the value the
    /// event holds: trying that would change nothing.
    pub fn step(current: Option<Self>, own: Option<Self>) -> Self {
        let next = current.map_or(Trial::True, Trial::next);
        if Some(next) == own { next.next() } else { next }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Trial::True => "true",
            Trial::False => "false",
            Trial::Missing => "missing",
        }
    }

    /// The value in `chain`'s vendor's words.
    pub fn label(self, chain: &Chain) -> &'static str {
        chain.trial_words[self as usize]
    }
}

/// `object.key`, made an object where it is absent or something else: for a trial's edit.
pub fn object_at<'a>(object: &'a mut Map<String, Value>, key: &str) -> &'a mut Map<String, Value> {
    let slot = object
        .entry(key)
        .or_insert_with(|| Value::Object(Map::new()));
    if !slot.is_object() {
        *slot = Value::Object(Map::new());
    }
    match slot {
        Value::Object(m) => m,
        _ => unreachable!("made an object above"),
    }
}

impl Chain {
    /// The choices one outcome's verdicts rest on, in `Choice`'s order.
    pub fn choices(&self, v: &Verdicts<'_>) -> Vec<Choice> {
        let mut out = Vec::new();
        for s in self.steps {
            (s.rests_on)(v, &mut out);
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    /// The sentence of the step that stopped `r`.
    pub fn blocked(&self, ws: &Workspace, r: &Route, name: &str) -> Option<String> {
        self.steps.iter().find_map(|s| (s.blocked)(ws, r, name))
    }

    /// What stands behind `r`'s verdict, in a few words, where its reason needs some.
    pub fn why(&self, ws: &Workspace, r: &Route) -> Option<String> {
        self.steps.iter().find_map(|s| (s.why)(ws, r))
    }

    /// Whether a step of this chain lists the lint check `code`.
    pub fn lints(&self, code: &str) -> bool {
        self.steps.iter().any(|s| s.lint.contains(&code))
    }
}
