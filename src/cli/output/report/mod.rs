//! The `check` report: findings grouped by code and policy violations grouped by rule, each
//! with the places it happened, and the verdict; written as text, JSON, `JUnit` XML, SARIF or
//! GitHub workflow commands.

mod github;
mod json;
mod junit;
mod sarif;
mod text;

use std::collections::BTreeMap;
use std::io::{self, Write};

use crate::analyses::lint::LintCode;
use crate::analyses::policy::Policy;
use crate::analyses::wire::{Audit, WireCode};
use crate::engine::Outcome;
use crate::read::input::Origin;
use crate::rules::finding::{Code, Severity};
use crate::text::printable;
use crate::workspace::Workspace;

use crate::cli::CheckFormat;
use crate::cli::Exit;

/// How many places `--summary` keeps of each code and rule.
pub const SUMMARY_PLACES: usize = 3;

/// A finding code as reports show it: `check`'s validation codes, or `lint`'s.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kind {
    /// Reports list codes in this order.
    pub order: usize,
    pub name: &'static str,
    pub severity: Severity,
    pub about: &'static str,
}

impl PartialOrd for Kind {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Kind {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.order, self.name).cmp(&(other.order, other.name))
    }
}

impl Kind {
    /// Every validation code, in `Code::ALL`'s order.
    pub fn validation() -> Vec<Kind> {
        Code::ALL.iter().map(|&c| Kind::from(c)).collect()
    }

    /// Every lint code, in `LintCode::ALL`'s order.
    pub fn lint() -> Vec<Kind> {
        LintCode::ALL.iter().map(|&c| Kind::from(c)).collect()
    }

    /// Every wire audit code, after the validation codes.
    pub fn wire() -> Vec<Kind> {
        WireCode::ALL.iter().map(|&c| Kind::from(c)).collect()
    }
}

impl From<WireCode> for Kind {
    fn from(c: WireCode) -> Self {
        Kind {
            order: Code::ALL.len() + WireCode::ALL.iter().position(|&k| k == c).unwrap_or(0),
            name: c.as_str(),
            severity: c.severity(),
            about: c.about(),
        }
    }
}

impl From<Code> for Kind {
    fn from(c: Code) -> Self {
        Kind {
            order: Code::ALL.iter().position(|&k| k == c).unwrap_or(usize::MAX),
            name: c.as_str(),
            severity: c.severity(),
            about: c.about(),
        }
    }
}

impl From<LintCode> for Kind {
    fn from(c: LintCode) -> Self {
        Kind {
            order: LintCode::ALL
                .iter()
                .position(|&k| k == c)
                .unwrap_or(usize::MAX),
            name: c.as_str(),
            severity: c.severity(),
            about: c.about(),
        }
    }
}

/// Where something happened, and what.
pub struct Place {
    pub origin: Origin,
    /// The JSON path of the field concerned.
    pub path: Option<String>,
    pub message: String,
}

/// `file:line  path: message`, as text reports list a place.
impl std::fmt::Display for Place {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}  ", self.origin)?;
        if let Some(path) = &self.path {
            write!(f, "{path}: ")?;
        }
        f.write_str(&self.message)
    }
}

impl Place {
    /// The message with, in front, the batch element and the field it concerns, for formats
    /// whose location is only a file and line (SARIF, workflow commands).
    pub fn described(&self) -> String {
        let mut s = String::new();
        if let Some(i) = self.origin.index {
            s.push_str(&format!("batch[{i}]: "));
        }
        if let Some(path) = &self.path {
            s.push_str(&format!("{path}: "));
        }
        s.push_str(&self.message);
        s
    }
}

/// Occurrences of one code or rule: how many, and the places kept.
#[derive(Default)]
pub struct Group {
    pub count: u64,
    pub places: Vec<Place>,
}

/// One policy rule and the routes that broke it.
pub struct RuleGroup {
    pub line: usize,
    pub text: String,
    pub why: Option<String>,
    pub group: Group,
}

pub struct PolicyReport {
    pub file: String,
    pub rules: Vec<RuleGroup>,
}

/// Why `check` passed or failed; the order is the exit status's precedence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verdict {
    Pass,
    WarningsDenied,
    /// A capture's wire audit found an error (data went where the user said no).
    WireErrors,
    NotIngested,
    PolicyBroken,
    /// `lint`: the workspace has errors.
    LintErrors,
    /// `diff --fail-on`: a route changed as it names.
    RoutesChanged,
}

impl Verdict {
    pub fn exit(self) -> Exit {
        match self {
            Self::Pass => Exit::Done,
            Self::WarningsDenied | Self::WireErrors | Self::NotIngested | Self::LintErrors => {
                Exit::Failed
            }
            Self::PolicyBroken => Exit::PolicyBroken,
            Self::RoutesChanged => Exit::RoutesChanged,
        }
    }

    /// The wire word (JSON).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pass => "pass",
            Self::WarningsDenied => "warnings_denied",
            Self::WireErrors => "wire_errors",
            Self::NotIngested => "not_ingested",
            Self::PolicyBroken => "policy_broken",
            Self::LintErrors => "lint_errors",
            Self::RoutesChanged => "routes_changed",
        }
    }

    /// What a person reads.
    pub fn sentence(self) -> &'static str {
        match self {
            Self::Pass => "OK",
            Self::WarningsDenied => "FAIL: warnings denied (--deny-warnings)",
            Self::WireErrors => "FAIL: a capture shows data sent without consent",
            Self::NotIngested => "FAIL: some events are not ingested",
            Self::PolicyBroken => "FAIL: the policy was broken",
            Self::LintErrors => "FAIL: the workspace has errors",
            Self::RoutesChanged => "FAIL: routes changed as --fail-on names",
        }
    }
}

pub struct Report {
    /// What the report is of: `check`'s events, or `lint`'s workspace (whose `events` are the
    /// traffic read, and whose findings are counted in `not_ingested` (errors) and `warned`).
    pub lint: Option<String>,
    /// `diff`'s report: its totals line; its codes are kinds of change.
    pub diff: Option<String>,
    /// Every code this report can hold, for formats that list the clean ones too (`JUnit`).
    pub catalog: Vec<Kind>,
    pub events: u64,
    pub not_ingested: u64,
    pub warned: u64,
    /// What the captures' wire audits found: vendor requests, errors and warnings.
    pub wire: WireTotals,
    pub deny_warnings: bool,
    /// Places kept per code or rule (`--summary` keeps a few; counts are always whole).
    pub keep: usize,
    pub codes: BTreeMap<Kind, Group>,
    pub policy: Option<(Policy, PolicyReport)>,
}

/// The wire audits' counts.
#[derive(Debug, Default, Clone, Copy)]
pub struct WireTotals {
    pub captures: u64,
    pub requests: u64,
    pub errors: u64,
    pub warnings: u64,
}

impl Group {
    fn add(&mut self, keep: usize, place: impl FnOnce() -> Place) {
        self.count += 1;
        if self.places.len() < keep {
            self.places.push(place());
        }
    }

    /// Places counted but not kept.
    pub fn more(&self) -> u64 {
        self.count - self.places.len() as u64
    }
}

impl Report {
    pub fn new(deny_warnings: bool, summary: bool, policy: Option<Policy>) -> Self {
        let policy = policy.map(|p| {
            let report = PolicyReport {
                file: p.file.clone(),
                rules: p
                    .rules
                    .iter()
                    .map(|r| RuleGroup {
                        line: r.line,
                        text: r.text.clone(),
                        why: r.why.clone(),
                        group: Group::default(),
                    })
                    .collect(),
            };
            (p, report)
        });
        Self {
            lint: None,
            diff: None,
            catalog: Kind::validation().into_iter().chain(Kind::wire()).collect(),
            events: 0,
            not_ingested: 0,
            warned: 0,
            wire: WireTotals::default(),
            deny_warnings,
            keep: if summary { SUMMARY_PLACES } else { usize::MAX },
            codes: BTreeMap::new(),
            policy,
        }
    }

    pub fn add(&mut self, ws: &Workspace, o: &Outcome) {
        self.events += 1;
        if !o.ingested() {
            self.not_ingested += 1;
        } else if o.has_warnings() {
            self.warned += 1;
        }
        for f in &o.findings {
            self.found(f.code.into(), || Place {
                origin: o.origin.clone(),
                path: f.path.as_deref().map(|p| printable(p).into_owned()),
                message: printable(&f.message).into_owned(),
            });
        }
        let Some((policy, report)) = &mut self.policy else {
            return;
        };
        for v in policy.violations(ws, o) {
            let route = &o.routes[v.destination];
            let rule = &mut report.rules[v.rule];
            rule.group.add(self.keep, || Place {
                origin: o.origin.clone(),
                path: None,
                message: format!(
                    "{}: {} ({}{})",
                    printable(&ws.destinations[v.destination].name),
                    route.decision.verb(),
                    route.decision.reason(),
                    o.discard(route)
                        .map(|d| format!(", {d}"))
                        .unwrap_or_default(),
                ),
            });
        }
    }

    /// A capture's wire audit: each finding at its request, and the policy's wire rules.
    pub fn add_wire(&mut self, audit: &Audit) {
        self.wire.captures += 1;
        self.wire.requests += audit.requests.len() as u64;
        for f in &audit.findings {
            match f.code.severity() {
                Severity::Error => self.wire.errors += 1,
                Severity::Warning => self.wire.warnings += 1,
            }
            let place = || Place {
                origin: Origin {
                    file: f.file.clone(),
                    line: f.line,
                    index: None,
                    offset: 0,
                },
                path: None,
                message: format!(
                    "HAR entry {}{}: {}",
                    f.entry,
                    f.time.map(|t| format!(" at {t}")).unwrap_or_default(),
                    printable(&f.message)
                ),
            };
            self.found(f.code.into(), place);
            if let Some((policy, report)) = &mut self.policy {
                for rule in policy.wire_violations(f) {
                    report.rules[rule].group.add(self.keep, place);
                }
            }
        }
    }

    /// `consent-inspector check` (or `lint`, `diff`): what made the report, for titles.
    pub fn title(&self) -> &'static str {
        if self.diff.is_some() {
            "consent-inspector diff"
        } else if self.lint.is_some() {
            "consent-inspector lint"
        } else {
            "consent-inspector check"
        }
    }

    /// One more place for `kind`.
    pub fn found(&mut self, kind: Kind, place: impl FnOnce() -> Place) {
        self.codes.entry(kind).or_default().add(self.keep, place);
    }

    pub fn verdict(&self) -> Verdict {
        let broken = self
            .policy
            .as_ref()
            .is_some_and(|(_, p)| p.rules.iter().any(|r| r.group.count > 0));
        if self.diff.is_some() {
            let failed = self
                .codes
                .iter()
                .any(|(k, g)| k.severity == Severity::Error && g.count > 0);
            if failed {
                Verdict::RoutesChanged
            } else {
                Verdict::Pass
            }
        } else if self.lint.is_some() {
            let errors = self.codes.keys().any(|k| k.severity == Severity::Error);
            if errors || (self.deny_warnings && !self.codes.is_empty()) {
                Verdict::LintErrors
            } else {
                Verdict::Pass
            }
        } else if broken {
            Verdict::PolicyBroken
        } else if self.not_ingested > 0 {
            Verdict::NotIngested
        } else if self.wire.errors > 0 {
            Verdict::WireErrors
        } else if self.deny_warnings && (self.warned > 0 || self.wire.warnings > 0) {
            Verdict::WarningsDenied
        } else {
            Verdict::Pass
        }
    }

    /// Whether a code's places fail the check (errors always; warnings when denied).
    pub fn fails(&self, code: Kind) -> bool {
        code.severity == Severity::Error || self.deny_warnings
    }

    /// "1 event", "2 events".
    pub fn events(n: u64) -> String {
        counted(n, "event")
    }

    /// The totals line every format ends with or carries.
    pub fn totals(&self) -> String {
        if let Some(totals) = &self.diff {
            return totals.clone();
        }
        if let Some(settings) = &self.lint {
            let count = |sev| -> u64 {
                self.codes
                    .iter()
                    .filter(|(k, _)| k.severity == sev)
                    .map(|(_, g)| g.count)
                    .sum()
            };
            return format!(
                "{}, {}: {}, {}",
                printable(settings),
                Self::events(self.events),
                counted(count(Severity::Error), "error"),
                counted(count(Severity::Warning), "warning")
            );
        }
        let mut s = format!(
            "{}: {} not ingested, {} ingested with warnings",
            Self::events(self.events),
            self.not_ingested,
            self.warned
        );
        if self.wire.captures > 0 {
            s.push_str(&format!(
                "; wire: {} in {} capture{}, {}, {}",
                counted(self.wire.requests, "vendor request"),
                self.wire.captures,
                if self.wire.captures == 1 { "" } else { "s" },
                counted(self.wire.errors, "error"),
                counted(self.wire.warnings, "warning")
            ));
        }
        if let Some((_, p)) = &self.policy {
            let broken: u64 = p.rules.iter().map(|r| r.group.count).sum();
            s.push_str(&format!(
                "; policy {}: {broken} routes broke its {} rules",
                printable(&p.file),
                p.rules.len()
            ));
        }
        s
    }

    pub fn write(&self, format: CheckFormat, out: &mut dyn Write, color: bool) -> io::Result<()> {
        match format {
            CheckFormat::Text => text::write(self, out, color),
            CheckFormat::Json => json::write(self, out),
            CheckFormat::Junit => junit::write(self, out),
            CheckFormat::Sarif => sarif::write(self, out),
            CheckFormat::Github => github::write(self, out),
        }
    }
}

/// "1 error", "2 errors": `n` and the noun, plural unless one.
pub fn counted(n: u64, noun: &str) -> String {
    format!("{n} {noun}{}", if n == 1 { "" } else { "s" })
}
